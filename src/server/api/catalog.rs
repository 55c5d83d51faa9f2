//! `GET /v1/catalog` (datasets a caller may request; state-secret ones are never listed) and
//! `GET /v1/schemas/{path}` (the published JSON Schemas).

use bytes::Bytes;
use http::Request;
use serde_json::{json, Value};

use super::Reply;
use crate::config::Catalog;
use crate::gateway::Gateway;
use crate::server::caller;
use crate::server::problem::Problem;

/// Render the catalogue (once per catalogue: the runtime keeps the body); it is the same for
/// every authenticated caller.
pub fn render(catalog: &Catalog) -> Bytes {
    let agencies: Vec<Value> = catalog
        .agencies
        .values()
        .map(|a| {
            let datasets: Vec<Value> = a
                .datasets
                .values()
                .map(|d| {
                    json!({
                        "id": d.id.as_str(),
                        "title": d.title,
                        "description": d.description,
                        "href": format!("/v1/data/{}/{}", a.id, d.id),
                        "methods": ["GET", "POST"],
                        "request_schema": format!("/v1/schemas/{}", d.request_schema.path),
                        "response_schema": format!("/v1/schemas/{}", d.response_schema.path),
                        "subject_field": d.subject_field,
                        "source_kind": d.source.kind(),
                        "mandate": catalog.register.mandate(a.id.as_str(), d.id.as_str()),
                        "refresh_period": d.refresh_period.map(|p| humantime::format_duration(p).to_string()),
                        "has_refusal_rules": !d.refusals.is_empty(),
                        "field_rules": d.fields,
                    })
                })
                .collect();
            json!({"id": a.id.as_str(), "name": a.name, "kind": a.kind.as_str(), "datasets": datasets})
        })
        .collect();
    Bytes::from(serde_json::to_vec(&json!({ "agencies": agencies })).unwrap_or_default())
}

/// `GET /v1/catalog`: any authenticated consumer (API key, eID token or client certificate).
pub async fn handle<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    caller::consumer(gw, req, "the catalogue is for consumers").await?;
    Ok(super::with_type(gw.catalog_body(), "application/json"))
}

/// `GET /v1/schemas/{path}`: public, so anyone can check what a dataset promises.
pub fn schema(gw: &Gateway, path: &str) -> Reply {
    match gw.catalog().schemas.get(path) {
        Some(s) => Ok(super::with_type(
            serde_json::to_vec_pretty(&s.document).unwrap_or_default(),
            "application/schema+json",
        )),
        None => Err(Problem::not_found(
            "no such schema; schema links are listed in GET /v1/catalog",
        )),
    }
}
