//! The check-response phase: classify what the source answered (data, not found, its own
//! refusal, or a failure), check data against the dataset's published response schema — the
//! full source answer — and then keep only the fields the request's purpose may receive
//! (`[[datasets.fields]]`). `response_sha256` covers the bytes released.

use bytes::Bytes;
use http::StatusCode;

use crate::audit::{Entry, PayloadKey, SchemaResult};
use crate::config::{Dataset, InvalidResponseAction};
use crate::policy::Justification;
use crate::server::problem::{Problem, ProblemKind};
use crate::source::{SourceError, SourceReply};

/// Classify the source's reply and check data against the response schema.
pub(super) fn check_response_phase(
    key: &PayloadKey,
    ds: &Dataset,
    reply: Result<SourceReply, SourceError>,
    entry: &mut Entry,
) -> Result<Bytes, Problem> {
    match reply {
        Ok(SourceReply::Data { bytes, json }) => {
            let bytes = project(ds, bytes, &json, entry);
            entry.response_sha256 = Some(key.hash(&bytes));
            entry.payload_scheme = Some(key.scheme().to_owned());
            entry.data_as_of_ms = ds
                .freshness_pointer
                .as_deref()
                .and_then(|p| json.pointer(p))
                .and_then(|v| v.as_str())
                .and_then(crate::calendar::parse_instant);
            entry.duplicates = Some(crate::validate::duplicates(&json));
            if ds.response_schema.is_valid(&json) {
                entry.response_schema = SchemaResult::Valid;
                return Ok(bytes);
            }
            entry.response_schema = SchemaResult::Invalid;
            match ds.on_invalid_response {
                InvalidResponseAction::Flag => Ok(bytes),
                InvalidResponseAction::Block => {
                    let errors = ds.response_schema.check(&json).err().unwrap_or_default();
                    Err(Problem::new(
                        ProblemKind::InvalidResponse,
                        format!(
                            "{}/{} answered with data that does not match its published schema {}; it was blocked and the agency is accountable for it",
                            ds.agency, ds.id, ds.response_schema.path
                        ),
                    )
                    .with_errors(errors))
                }
            }
        }
        Ok(SourceReply::NotFound) => Err(Problem::new(
            ProblemKind::NotFoundAtSource,
            format!("{}/{} has no record matching the request", ds.agency, ds.id),
        )),
        Ok(SourceReply::Refused {
            status,
            justification,
        }) => {
            let decided_by = format!("source:{}/{}", ds.agency, ds.id);
            let (justification, detail) = match justification {
                Some((basis, reason)) => (
                    Justification::justified(basis, reason.clone(), decided_by),
                    format!("{} refused to share: {reason} To appeal, POST /v1/appeals with this Request-Id and your grounds.", ds.agency),
                ),
                None => (
                    Justification::unjustified(decided_by),
                    format!(
                        "{} refused to share without giving a legal basis and reason; this is recorded as an unjustified refusal and reported to the competent authority",
                        ds.agency
                    ),
                ),
            };
            entry.justification = Some(justification.clone());
            let mut p = Problem::refused(detail, justification);
            p.status = StatusCode::from_u16(status).ok();
            Err(p)
        }
        Err(SourceError::Unavailable(retry)) => {
            let secs = retry.as_secs_f64().ceil().max(1.0) as u64;
            Err(Problem::new(
                ProblemKind::SourceUnavailable,
                format!(
                    "the source of {}/{} failed repeatedly and is given time to recover; nothing was asked of it. Retry after {secs} s; the failure is recorded against the agency",
                    ds.agency, ds.id
                ),
            )
            .with_retry_after(secs))
        }
        Err(SourceError::TooBroad(why)) => Err(Problem::new(
            ProblemKind::InvalidRequest,
            format!(
                "the request to {}/{} matches too much ({why}); narrow it",
                ds.agency, ds.id
            ),
        )),
        Err(e) => {
            let kind = if e.is_invalid_response() {
                entry.response_schema = SchemaResult::Invalid;
                ProblemKind::InvalidResponse
            } else if matches!(e, SourceError::Timeout(_)) {
                ProblemKind::SourceTimeout
            } else {
                ProblemKind::SourceError
            };
            tracing::warn!(agency = %ds.agency, dataset = %ds.id, error = %e, "source failed");
            Err(Problem::new(kind, public_source_error(ds, &e)))
        }
    }
}

/// The bytes to release: the source's own, or — where a field rule names the request's
/// purpose — the answer with only its allowed fields, the rule recorded as `projection`.
fn project(ds: &Dataset, bytes: Bytes, json: &serde_json::Value, entry: &mut Entry) -> Bytes {
    let purpose = entry.purpose.as_deref().unwrap_or("");
    let Some(rule) = crate::policy::rule_for(&ds.fields, purpose) else {
        return bytes;
    };
    entry.projection = Some(rule.id.clone());
    Bytes::from(rule.project(json).to_string())
}

/// What a consumer is told about a source failure: enough to act on, no internals.
fn public_source_error(ds: &Dataset, e: &SourceError) -> String {
    let what = match e {
        SourceError::Timeout(d) => format!("did not answer within {} ms", d.as_millis()),
        SourceError::Unreachable(_) => "could not be reached".to_owned(),
        SourceError::Status(s) => format!("answered with HTTP status {s}"),
        SourceError::TooLarge(n) => format!("sent an answer larger than {n} bytes"),
        SourceError::Malformed(_) => "sent an answer that is not valid JSON".to_owned(),
        SourceError::Database(_) => "could not run the declared query".to_owned(),
        SourceError::Unavailable(_) => "is unavailable".to_owned(),
        SourceError::TooBroad(_) => "was asked for too much".to_owned(),
    };
    format!(
        "the source of {}/{} {what}; the failure is recorded against the agency",
        ds.agency, ds.id
    )
}
