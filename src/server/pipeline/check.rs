//! The check-request phase: read the query (GET) or JSON body (POST) within the body limits and
//! check it against the dataset's request schema.

use bytes::Bytes;
use http::{header, HeaderMap, Method, Request};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::Value;

use crate::audit::{Entry, SchemaResult};
use crate::config::Dataset;
use crate::gateway::Gateway;
use crate::server::problem::{Problem, ProblemKind};
use crate::server::router::Methods;

/// The request, schema-checked.
pub(super) struct CheckedRequest {
    pub query: String,
    pub body: Option<Bytes>,
    pub params: Value,
}

/// Read the query (GET) or JSON body (POST) and check it against the request schema.
/// "No" is 400 with JSON pointers (or 405/408/413/415), all `rejected_request`. A body that
/// does not arrive within `[server] body_read_timeout` (a slow client) is 408.
pub(super) async fn check_request_phase(
    gw: &Gateway,
    ds: &Dataset,
    req: Request<Incoming>,
    entry: &mut Entry,
) -> Result<CheckedRequest, Problem> {
    let (parts, body) = req.into_parts();
    let (query, body, params) = match parts.method {
        Method::GET => {
            let query = parts.uri.query().unwrap_or("").to_owned();
            keyed_request_hash(gw, entry, query.as_bytes());
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
            keyed_request_hash(gw, entry, &bytes);
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
            .with_header(header::ALLOW, Methods::Data.allow()))
        }
    };
    if let Err(errors) = ds.request_schema.check(&params) {
        entry.request_schema = SchemaResult::Invalid;
        // A rejected attempt on someone's record shows in their access log too.
        super::protect::subject_hash_only(gw, ds, &params, entry);
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

/// The probe's request: `params` (an object) as the query string a consumer would send, then
/// through the same conversion and schema check as a consumer's GET.
pub(super) fn probe_request(
    gw: &Gateway,
    ds: &Dataset,
    params: &Value,
    entry: &mut Entry,
) -> Result<CheckedRequest, Problem> {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.as_object().into_iter().flatten() {
        let items = match v {
            Value::Array(items) => items.iter().collect(),
            v => vec![v],
        };
        for item in items {
            match item {
                Value::String(s) => q.append_pair(k, s),
                other => q.append_pair(k, &other.to_string()),
            };
        }
    }
    let query = q.finish();
    keyed_request_hash(gw, entry, query.as_bytes());
    let params = crate::validate::query_to_json(&query, &ds.request_schema)
        .ok()
        .filter(|p| ds.request_schema.is_valid(p))
        .ok_or_else(|| {
            entry.request_schema = SchemaResult::Invalid;
            Problem::new(
                ProblemKind::InvalidRequest,
                "the probe request does not match the request schema",
            )
        })?;
    entry.request_schema = SchemaResult::Valid;
    Ok(CheckedRequest {
        query,
        body: None,
        params,
    })
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

/// The request payload's keyed hash (never a plain SHA-256, which a reader could reverse by
/// trying every national id) and the scheme that says so.
fn keyed_request_hash(gw: &Gateway, entry: &mut Entry, payload: &[u8]) {
    entry.request_sha256 = Some(gw.payload_key.hash(payload));
    entry.payload_scheme = Some(gw.payload_key.scheme().to_owned());
}
