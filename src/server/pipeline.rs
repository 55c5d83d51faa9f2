//! The data request path, as phases: authenticate → harvest block → rate limit → purpose →
//! resolve → dataset rate limit → decide → check request → subject → forward → check response
//! → record. Each phase returns `Err(Problem)` on "no"; whatever happens, exactly one audit
//! record is committed before the answer is released. The protective phases are in [`protect`].

pub(crate) mod protect;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::Value;
use tracing::Instrument;

use super::problem::{outcome_of, Problem, ProblemKind, ShownJustification};
use crate::audit::chain::payload_hash;
use crate::audit::{now_ms, Entry, Outcome, RecordedJustification, SchemaResult};
use crate::config::{Catalog, Dataset, InvalidResponseAction};
use crate::gateway::Gateway;
use crate::identity::Consumer;
use crate::ids::Ident;
use crate::policy::{decide, Decision, JustificationStatus};
use crate::security::SecurityEvents;
use crate::source::{SourceError, SourceReply, SourceRequest};

/// Longest `Data-Purpose` accepted, in characters.
const MAX_PURPOSE_CHARS: usize = 256;

/// What the phases decided; rendered only after the audit record is committed.
enum Answer {
    Data(Bytes),
    Problem(Problem),
}

/// Handle one data request for `agency`/`dataset` (raw path segments).
pub async fn handle(
    gw: Arc<Gateway>,
    req: Request<Incoming>,
    agency: &str,
    dataset: &str,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let request_id = uuid::Uuid::now_v7().to_string();
    let mut entry = Entry {
        request_id,
        ts_ms: now_ms(),
        consumer: None,
        agency: None,
        dataset: None,
        method: method_name(req.method()),
        purpose: None,
        outcome: Outcome::RejectedRequest,
        status: 0,
        justification: None,
        request_schema: SchemaResult::NotChecked,
        response_schema: SchemaResult::NotChecked,
        request_sha256: None,
        response_sha256: None,
        latency_us: 0,
        source_latency_us: None,
        detail: None,
        subject_hash: None,
    };
    // One catalogue snapshot for the whole request: a reload cannot change the rules midway.
    let catalog = gw.catalog();
    let span = if gw.trace_requests {
        tracing::info_span!(
            "data_request",
            otel.name = "data_request",
            request_id = %entry.request_id,
            agency = tracing::field::Empty,
            dataset = tracing::field::Empty,
            consumer = tracing::field::Empty,
            outcome = tracing::field::Empty,
            status = tracing::field::Empty,
            source_latency_us = tracing::field::Empty,
        )
    } else {
        tracing::Span::none()
    };
    let answer = match phases(&gw, &catalog, req, agency, dataset, &mut entry)
        .instrument(span.clone())
        .await
    {
        Ok(bytes) => {
            entry.outcome = Outcome::Served;
            entry.status = 200;
            Answer::Data(bytes)
        }
        Err(p) => {
            entry.outcome = outcome_of(p.kind);
            entry.status = p.status().as_u16();
            entry.detail = Some(p.detail.chars().take(500).collect());
            Answer::Problem(p)
        }
    };
    entry.latency_us = started.elapsed().as_micros() as i64;
    let request_id = entry.request_id.clone();
    let (outcome, source_us) = (entry.outcome, entry.source_latency_us);
    if !span.is_disabled() {
        span.record("agency", entry.agency.as_deref().unwrap_or(""));
        span.record("dataset", entry.dataset.as_deref().unwrap_or(""));
        span.record("consumer", entry.consumer.as_deref().unwrap_or(""));
        span.record("outcome", outcome.as_str());
        span.record("status", entry.status);
        if let Some(s) = source_us {
            span.record("source_latency_us", s);
        }
    }
    let committed = gw.audit.record(entry).instrument(span).await;
    gw.metrics.request(
        outcome,
        started.elapsed().as_micros() as u64,
        source_us.map(|s| s as u64),
    );
    if let Err(e) = committed {
        tracing::error!(%request_id, error = %e, "audit record not committed; answering 503");
        return Problem::new(
            ProblemKind::AuditUnavailable,
            "the audit log could not record this request, so no data was released; try again shortly",
        )
        .with_header(header::RETRY_AFTER, "5")
        .render(Some(&request_id));
    }
    match answer {
        Answer::Data(bytes) => {
            let mut r = Response::new(Full::new(bytes));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                h.insert("request-id", v);
            }
            r
        }
        Answer::Problem(p) => p.render(Some(&request_id)),
    }
}

async fn phases(
    gw: &Gateway,
    catalog: &Catalog,
    req: Request<Incoming>,
    agency: &str,
    dataset: &str,
    entry: &mut Entry,
) -> Result<Bytes, Problem> {
    let consumer = protect::authenticate_phase(gw, catalog, &req).await?;
    entry.consumer = Some(consumer.id.clone());
    protect::harvest_block_phase(gw, &consumer)?;
    protect::rate_limit_phase(gw, &consumer)?;
    let purpose = purpose_phase(req.headers())?;
    entry.purpose = Some(purpose.clone());
    let ds = resolve_phase(catalog, agency, dataset, entry)?;
    protect::dataset_rate_phase(gw, &ds, &consumer)?;
    decide_phase(&ds, &consumer, &purpose, entry)?;
    let checked = check_request_phase(gw, &ds, req, entry).await?;
    protect::subject_phase(gw, &ds, &consumer, &checked.params, entry)?;
    let started = Instant::now();
    let reply = ds
        .source
        .fetch(&SourceRequest {
            request_id: &entry.request_id,
            consumer: &consumer.id,
            purpose: &purpose,
            query: &checked.query,
            body: checked.body.as_ref(),
            params: &checked.params,
        })
        .await;
    entry.source_latency_us = Some(started.elapsed().as_micros() as i64);
    if let Err(SourceError::Unavailable(_)) = &reply {
        SecurityEvents::bump(&gw.security.circuit_open_rejections);
    }
    match &reply {
        Ok(SourceReply::Data { .. } | SourceReply::NotFound | SourceReply::Refused { .. }) => {
            ds.health.success(entry.ts_ms)
        }
        Err(_) => ds.health.failure(entry.ts_ms),
    }
    check_response_phase(&ds, reply, entry)
}

/// The declared purpose of the request. "No" is 400 `rejected_request`.
fn purpose_phase(headers: &HeaderMap) -> Result<String, Problem> {
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
fn resolve_phase(
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

/// Apply the dataset's refusal rules. "No" is 403 `refused` with the justification.
fn decide_phase(
    ds: &Dataset,
    consumer: &Consumer,
    purpose: &str,
    entry: &mut Entry,
) -> Result<(), Problem> {
    match decide(&ds.refusals, &consumer.id, purpose) {
        Decision::Share => Ok(()),
        Decision::Refuse(j) => {
            entry.justification = Some(RecordedJustification {
                legal_basis: Some(j.legal_basis.to_string()),
                reason: Some(j.reason.to_string()),
                decided_by: j.decided_by.clone(),
                status: JustificationStatus::Justified,
            });
            let mut p = Problem::new(
                ProblemKind::Refused,
                format!(
                    "{} refused to share {}/{} with you: {} To appeal, quote the Request-Id to the competent authority.",
                    ds.agency, ds.agency, ds.id, j.reason
                ),
            );
            p.justification = Some(Box::new(ShownJustification {
                legal_basis: Some(j.legal_basis.to_string()),
                reason: Some(j.reason.to_string()),
                decided_by: j.decided_by.clone(),
                status: "justified",
            }));
            Err(p)
        }
    }
}

/// The request, schema-checked.
struct CheckedRequest {
    query: String,
    body: Option<Bytes>,
    params: Value,
}

/// Read the query (GET) or JSON body (POST) and check it against the request schema.
/// "No" is 400 with JSON pointers (or 405/408/413/415), all `rejected_request`. A body that
/// does not arrive within `[server] body_read_timeout` (a slow client) is 408.
async fn check_request_phase(
    gw: &Gateway,
    ds: &Dataset,
    req: Request<Incoming>,
    entry: &mut Entry,
) -> Result<CheckedRequest, Problem> {
    let (parts, body) = req.into_parts();
    let (query, body, params) = match parts.method {
        Method::GET => {
            let query = parts.uri.query().unwrap_or("").to_owned();
            entry.request_sha256 = Some(payload_hash(query.as_bytes()));
            let params = crate::validate::query_to_json(&query, &ds.request_schema).map_err(|errors| {
                entry.request_schema = SchemaResult::Invalid;
                Problem::new(ProblemKind::InvalidRequest, "the query string is malformed").with_errors(errors)
            })?;
            (query, None, params)
        }
        Method::POST => {
            if !is_json(&parts.headers) {
                return Err(Problem::new(
                    ProblemKind::UnsupportedMediaType,
                    "POST bodies must be JSON: send Content-Type: application/json",
                ));
            }
            let limit = gw.settings.server.max_request_body;
            // A Content-Length over the limit is refused at once, not after waiting for the body.
            if hyper::body::Body::size_hint(&body).lower() > limit as u64 {
                return Err(Problem::new(
                    ProblemKind::PayloadTooLarge,
                    format!("the request body is larger than {limit} bytes"),
                ));
            }
            let wait = gw.settings.server.body_read_timeout;
            let bytes = tokio::time::timeout(wait, Limited::new(body, limit).collect())
                .await
                .map_err(|_| {
                    Problem::new(
                        ProblemKind::RequestTimeout,
                        format!("the request body did not arrive within {} ms", wait.as_millis()),
                    )
                })?
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        Problem::new(ProblemKind::PayloadTooLarge, format!("the request body is larger than {limit} bytes"))
                    } else {
                        Problem::new(ProblemKind::InvalidRequest, "the request body could not be read completely")
                    }
                })?
                .to_bytes();
            entry.request_sha256 = Some(payload_hash(&bytes));
            let params: Value = serde_json::from_slice(&bytes).map_err(|e| {
                entry.request_schema = SchemaResult::Invalid;
                Problem::new(ProblemKind::InvalidRequest, format!("the request body is not valid JSON: {e}"))
            })?;
            (String::new(), Some(bytes), params)
        }
        ref m => {
            return Err(Problem::new(
                ProblemKind::MethodNotAllowed,
                format!("{m} is not allowed on a dataset; use GET with query parameters or POST with a JSON body"),
            )
            .with_header(header::ALLOW, "GET, POST"))
        }
    };
    if let Err(errors) = ds.request_schema.check(&params) {
        entry.request_schema = SchemaResult::Invalid;
        return Err(Problem::new(
            ProblemKind::InvalidRequest,
            format!(
                "the request does not match {}; see `errors`",
                ds.request_schema.path
            ),
        )
        .with_errors(errors));
    }
    entry.request_schema = SchemaResult::Valid;
    Ok(CheckedRequest {
        query,
        body,
        params,
    })
}

/// Classify the source's reply and check data against the response schema.
fn check_response_phase(
    ds: &Dataset,
    reply: Result<SourceReply, SourceError>,
    entry: &mut Entry,
) -> Result<Bytes, Problem> {
    match reply {
        Ok(SourceReply::Data { bytes, json }) => {
            entry.response_sha256 = Some(payload_hash(&bytes));
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
            let (shown, recorded, detail) = match justification {
                Some((basis, reason)) => (
                    ShownJustification {
                        legal_basis: Some(basis.to_string()),
                        reason: Some(reason.to_string()),
                        decided_by: decided_by.clone(),
                        status: "justified",
                    },
                    JustificationStatus::Justified,
                    format!("{} refused to share: {reason} To appeal, quote the Request-Id to the competent authority.", ds.agency),
                ),
                None => (
                    ShownJustification {
                        legal_basis: None,
                        reason: None,
                        decided_by: decided_by.clone(),
                        status: "unjustified",
                    },
                    JustificationStatus::Unjustified,
                    format!(
                        "{} refused to share without giving a legal basis and reason; this is recorded as an unjustified refusal and reported to the competent authority",
                        ds.agency
                    ),
                ),
            };
            entry.justification = Some(RecordedJustification {
                legal_basis: shown.legal_basis.clone(),
                reason: shown.reason.clone(),
                decided_by,
                status: recorded,
            });
            let mut p = Problem::new(ProblemKind::Refused, detail);
            p.status = StatusCode::from_u16(status).ok();
            p.justification = Some(Box::new(shown));
            Err(p)
        }
        Err(SourceError::Unavailable(retry)) => {
            let secs = retry.as_secs_f64().ceil().max(1.0) as u64;
            Err(protect::with_retry_after(
                Problem::new(
                    ProblemKind::SourceUnavailable,
                    format!(
                        "the source of {}/{} failed repeatedly and is given time to recover; nothing was asked of it. Retry after {secs} s; the failure is recorded against the agency",
                        ds.agency, ds.id
                    ),
                ),
                secs,
            ))
        }
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
    };
    format!(
        "the source of {}/{} {what}; the failure is recorded against the agency",
        ds.agency, ds.id
    )
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

fn method_name(m: &Method) -> String {
    let s = m.as_str();
    if s.len() <= 16 {
        s.to_owned()
    } else {
        s[..16].to_owned()
    }
}
