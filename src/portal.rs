//! The public data portal: what a developer at another agency needs to call a dataset, built
//! from the loaded catalogue — never a state-secret dataset (those are not routable, so not in
//! `Catalog::agencies`). Served without a key as `GET /catalog` (HTML, Vietnamese or English),
//! `GET /public/catalog.json`, `GET /public/catalog.jsonld` (DCAT) and
//! `GET /v1/openapi/{agency}/{dataset}.json`.
//!
//! # Layout
//! - [`fields`]: a JSON Schema as rows of fields, and example values.
//! - [`openapi`]: one dataset's OpenAPI 3.1 document.
//! - [`dcat`]: the catalogue as DCAT JSON-LD.
//! - [`page`]: the `/catalog` page (maud).

pub mod dcat;
pub mod fields;
pub mod openapi;
pub mod page;

use serde::Serialize;

use crate::config::{Catalog, Dataset};
use fields::Field;

/// One dataset as the portal publishes it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub agency: String,
    pub agency_name: String,
    pub agency_kind: &'static str,
    pub id: String,
    pub title: String,
    pub description: String,
    /// The owning agency's name.
    pub owner: String,
    pub mandate: Option<crate::config::register::RegisteredMandate>,
    /// `1day`, `1h`, … (humantime), if declared.
    pub refresh_period: Option<String>,
    pub request_fields: Vec<Field>,
    pub response_fields: Vec<Field>,
    pub refusals: Vec<Refusal>,
    /// Purpose-bound field rules: each purpose listed receives only these fields; where any
    /// rule is declared, other purposes receive nothing (403 `purpose-not-served`).
    pub field_rules: Vec<crate::policy::FieldRule>,
    pub example: Example,
    pub links: Links,
}

/// A refusal rule as the public reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// Refused unless the declared purpose is one of these.
    pub purposes_not_in: Option<Vec<String>>,
    /// Refused to these consumers.
    pub consumers: Option<Vec<String>>,
    /// Refused to every consumer but these.
    pub except_consumers: Option<Vec<String>>,
    pub legal_basis: String,
    pub reason: String,
}

/// A copy-paste example call.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub method: &'static str,
    /// Path and query.
    pub path: String,
    pub purpose: String,
    /// `curl` command line (the key is a placeholder).
    pub curl: String,
}

/// Where to read more about the dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Links {
    pub data: String,
    pub openapi: String,
    pub request_schema: String,
    pub response_schema: String,
}

/// Every published dataset, by agency then dataset id.
pub fn entries(catalog: &Catalog) -> Vec<Entry> {
    catalog
        .agencies
        .values()
        .flat_map(|a| {
            a.datasets
                .values()
                .map(move |d| entry(catalog, &a.name, a.kind.as_str(), d))
        })
        .collect()
}

fn entry(catalog: &Catalog, agency_name: &str, kind: &'static str, d: &Dataset) -> Entry {
    let data = format!("/v1/data/{}/{}", d.agency, d.id);
    let purpose = d
        .refusals
        .iter()
        .find_map(|r| r.purposes_not_in.as_ref().and_then(|p| p.first().cloned()))
        .unwrap_or_else(|| "social-benefit".to_owned());
    let query = fields::example_query(&d.request_schema.document);
    let path = if query.is_empty() {
        data.clone()
    } else {
        format!("{data}?{query}")
    };
    Entry {
        agency: d.agency.to_string(),
        agency_name: agency_name.to_owned(),
        agency_kind: kind,
        id: d.id.to_string(),
        title: d.title.clone(),
        description: d.description.clone(),
        owner: agency_name.to_owned(),
        mandate: catalog
            .register
            .mandate(d.agency.as_str(), d.id.as_str())
            .cloned(),
        refresh_period: d
            .refresh_period
            .map(|p| humantime::format_duration(p).to_string()),
        request_fields: fields::fields(&d.request_schema.document),
        response_fields: fields::fields(&d.response_schema.document),
        refusals: d
            .refusals
            .iter()
            .map(|r| Refusal {
                purposes_not_in: r.purposes_not_in.clone(),
                consumers: r.consumers.clone(),
                except_consumers: r.except_consumers.clone(),
                legal_basis: r.grounds.legal_basis.to_string(),
                reason: r.grounds.reason.to_string(),
            })
            .collect(),
        field_rules: d.fields.clone(),
        example: Example {
            method: "GET",
            curl: format!(
                "curl -H \"Authorization: Bearer $DXGATE_KEY\" -H 'Data-Purpose: {purpose}' 'http://localhost:8080{path}'"
            ),
            path,
            purpose,
        },
        links: Links {
            openapi: format!("/v1/openapi/{}/{}.json", d.agency, d.id),
            request_schema: format!("/v1/schemas/{}", d.request_schema.path),
            response_schema: format!("/v1/schemas/{}", d.response_schema.path),
            data,
        },
    }
}

/// Whether `e` matches the search `q` (every word, case-insensitive, in its title,
/// description, agency, id or field names).
pub fn matches(e: &Entry, q: &str) -> bool {
    let hay = [
        e.title.as_str(),
        &e.description,
        &e.agency,
        &e.agency_name,
        &e.id,
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(e.request_fields.iter().map(|f| f.name.clone()))
    .chain(
        e.response_fields
            .iter()
            .map(|f| format!("{} {}", f.name, f.description)),
    )
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase();
    q.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

/// `GET /public/catalog.json`: the entries matching `q` (all when `None`).
pub fn json(catalog: &Catalog, q: Option<&str>) -> Vec<u8> {
    let list: Vec<Entry> = entries(catalog)
        .into_iter()
        .filter(|e| q.is_none_or(|q| matches(e, q)))
        .collect();
    serde_json::to_vec(&serde_json::json!({ "datasets": list })).unwrap_or_default()
}
