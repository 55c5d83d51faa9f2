//! The deciding phases: the declared purpose, which dataset is asked for (and whether it is on
//! the state-secret list), and the dataset's refusal rules. Each returns `Err(Problem)` on "no".

use std::sync::Arc;

use http::HeaderMap;

use crate::audit::Entry;
use crate::config::{Catalog, Dataset};
use crate::identity::Consumer;
use crate::ids::Ident;
use crate::policy::{decide, Decision};
use crate::server::problem::{Problem, ProblemKind};

/// Longest `Data-Purpose` accepted, in characters.
const MAX_PURPOSE_CHARS: usize = 256;

/// The declared purpose of the request. "No" is 400 `rejected_request`.
pub(super) fn purpose_phase(headers: &HeaderMap) -> Result<String, Problem> {
    let Some(raw) = headers.get("data-purpose") else {
        return Err(Problem::new(
            ProblemKind::MissingPurpose,
            "declare why you need the data in a Data-Purpose header, e.g. `Data-Purpose: social-benefit`",
        ));
    };
    let text = std::str::from_utf8(raw.as_bytes())
        .map(str::trim)
        .unwrap_or("");
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(Problem::new(
            ProblemKind::MissingPurpose,
            "Data-Purpose must be non-empty UTF-8 text without control characters",
        ));
    }
    if text.chars().count() > MAX_PURPOSE_CHARS {
        return Err(Problem::new(
            ProblemKind::MissingPurpose,
            format!("Data-Purpose is longer than {MAX_PURPOSE_CHARS} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Find the dataset. An id on the state-secret list is `exempt` (403) and never routed; an
/// unknown or malformed id is 404 `rejected_request`.
pub(super) fn resolve_phase(
    catalog: &Catalog,
    agency: &str,
    dataset: &str,
    entry: &mut Entry,
) -> Result<Arc<Dataset>, Problem> {
    if !Ident::is_valid(agency) || !Ident::is_valid(dataset) {
        return Err(Problem::new(
            ProblemKind::NotFound,
            "data requests go to /v1/data/{agency}/{dataset}; ids use lowercase a-z, 0-9 and '-'",
        ));
    }
    entry.agency = Some(agency.to_owned());
    entry.dataset = Some(dataset.to_owned());
    if let Some(secret) = catalog.secret(agency, dataset) {
        return Err(Problem::new(
            ProblemKind::Exempt,
            format!(
                "{agency}/{dataset} is on the state-secret list ({}) and is exempt from sharing",
                secret.listed_by
            ),
        ));
    }
    catalog.dataset(agency, dataset).cloned().ok_or_else(|| {
        Problem::new(
            ProblemKind::NotFound,
            format!("no dataset {agency}/{dataset} in the catalogue; see GET /v1/catalog"),
        )
    })
}

/// A dataset with `[[datasets.fields]]` rules serves only the purposes they name: "no" is 403
/// `purpose-not-served` (recorded `rejected_request`), before the source is asked.
pub(super) fn fields_phase(ds: &Dataset, purpose: &str) -> Result<(), Problem> {
    if ds.fields.is_empty() || crate::policy::rule_for(&ds.fields, purpose).is_some() {
        return Ok(());
    }
    let named: Vec<&str> = ds
        .fields
        .iter()
        .flat_map(|r| r.purposes.iter().map(String::as_str))
        .collect();
    Err(Problem::new(
        ProblemKind::PurposeNotServed,
        format!(
            "{}/{} releases fields only for the purposes its field rules name ({}); see GET /v1/catalog",
            ds.agency,
            ds.id,
            named.join(", ")
        ),
    ))
}

/// Apply the dataset's refusal rules. "No" is 403 `refused` with the justification.
pub(super) fn decide_phase(
    ds: &Dataset,
    consumer: &Consumer,
    purpose: &str,
    entry: &mut Entry,
) -> Result<(), Problem> {
    match decide(&ds.refusals, &consumer.id, purpose) {
        Decision::Share => Ok(()),
        Decision::Refuse(rule) => {
            entry.justification = Some(rule.justification());
            Err(Problem::refused(
                format!(
                    "{} refused to share {}/{} with you: {} To appeal, POST /v1/appeals with this Request-Id and your grounds.",
                    ds.agency, ds.agency, ds.id, rule.grounds.reason
                ),
                rule.justification(),
            ))
        }
    }
}
