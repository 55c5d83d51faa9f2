//! `GET /v1/me/access-log`: a citizen, authenticated by an eID token, sees which bodies accessed
//! records about them — when, for what declared purpose, with what outcome — and nothing else.
//!
//! The citizen's identifier comes only from the verified token, never from the request, and is
//! looked up as its keyed hash: there is no parameter that could name another person. API keys,
//! client certificates and consumers' tokens are refused (403).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use serde_json::{json, Value};

use super::health::json;
use super::pipeline::protect::unauthenticated;
use super::problem::{Problem, ProblemKind};
use crate::gateway::Gateway;
use crate::identity::{Caller, PeerCert};
use crate::subjects::access_log;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// Answer `GET /v1/me/access-log[?before=<request id>&limit=n]`.
pub async fn access_log(gw: &Gateway, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let cert = req
        .extensions()
        .get::<std::sync::Arc<PeerCert>>()
        .map(AsRef::as_ref);
    let citizen = match gw
        .auth
        .authenticate(&gw.catalog().keys, req.headers(), cert)
        .await
    {
        Ok(Caller::Citizen { id }) => id,
        Ok(Caller::Consumer { .. }) => {
            return Problem::new(
                ProblemKind::Forbidden,
                "the access log is for citizens signed in with their eID token; consumers see their own requests at GET /v1/audit/records",
            )
            .render(None)
        }
        Err(e) => {
            let token = matches!(e, crate::identity::AuthError::InvalidToken(_));
            return unauthenticated(&e.to_string(), token).render(None);
        }
    };
    let mut before = None;
    let mut limit = DEFAULT_LIMIT;
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "before" if v.len() <= 64 => before = Some(v.into_owned()),
            "before" => return bad("before", "a request id from next_before"),
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => limit = n,
                _ => return bad("limit", "a whole number from 1 to 1000"),
            },
            other => return bad(other, "not a known parameter (before, limit)"),
        }
    }
    let hash = gw.subject_key.hash(&citizen);
    let rows = match access_log::accesses(&gw.store, &hash, before.as_deref(), limit).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "access log read failed");
            return Problem::new(
                ProblemKind::AuditUnavailable,
                "the access log cannot be read right now; try again shortly",
            )
            .render(None);
        }
    };
    let next = (rows.len() as u32 == limit)
        .then(|| rows.last().map(|r| r.request_id.clone()))
        .flatten();
    let accesses: Vec<Value> = rows.iter().map(|r| describe(gw, r)).collect();
    let body = json!({ "accesses": accesses, "next_before": next });
    json(
        StatusCode::OK,
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

/// One access, in words a citizen can read: who (the body's name), whose data, why, when.
fn describe(gw: &Gateway, r: &access_log::Access) -> Value {
    let consumer = r.consumer.as_deref().unwrap_or_default();
    let catalog = gw.catalog();
    let body_name = catalog.consumers.get(consumer).map(|c| c.name.clone());
    let agency = r.agency.as_deref().unwrap_or_default();
    let dataset = r.dataset.as_deref().unwrap_or_default();
    let agency_entry = catalog.agencies.get(agency);
    let title = catalog.dataset(agency, dataset).map(|d| d.title.clone());
    json!({
        "request_id": r.request_id,
        "time": crate::calendar::format_seconds(r.ts_ms),
        "ts_ms": r.ts_ms,
        "accessed_by": { "id": r.consumer, "name": body_name },
        "agency": { "id": r.agency, "name": agency_entry.map(|a| a.name.clone()) },
        "dataset": { "id": r.dataset, "title": title },
        "purpose": r.purpose,
        "outcome": r.outcome,
    })
}

fn bad(name: &str, expected: &str) -> Response<Full<Bytes>> {
    let name: String = name.chars().take(64).collect();
    Problem::new(
        ProblemKind::InvalidRequest,
        format!("query parameter {name:?}: {expected}"),
    )
    .render(None)
}
