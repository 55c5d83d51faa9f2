//! `GET /v1/me/access-log`: a citizen, authenticated by an eID token, sees which bodies accessed
//! records about them — when, for what declared purpose, with what outcome — and nothing else.
//!
//! The citizen's identifier comes only from the verified token, never from the request, and is
//! looked up as its keyed hash: there is no parameter that could name another person. API keys,
//! client certificates and consumers' tokens are refused (403).

use http::{Request, StatusCode};
use serde_json::{json, Value};

use super::witness::{witness_read, Reader};
use super::{query, Reply};
use crate::gateway::Gateway;
use crate::server::caller;
use crate::server::problem::Problem;
use crate::subjects::access_log;

/// Answer `GET /v1/me/access-log[?before=<request id>&limit=n]`.
pub async fn access_log<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let citizen = caller::citizen(gw, req).await?;
    let page = query::access_log(req.uri().query())?;
    let hash = gw.subject_key.hash(&citizen);
    let rows = access_log::accesses(&gw.store, &hash, page.before.as_deref(), page.limit)
        .await
        .map_err(|e| Problem::unreadable("the access log", &e))?;
    let query = req.uri().query();
    witness_read(
        gw,
        Reader::Citizen(&hash),
        "/v1/me/access-log",
        query,
        rows.len(),
    )
    .await?;
    let next = super::next_before(&rows, page.limit, |r| &r.request_id);
    let accesses: Vec<Value> = rows.iter().map(|r| describe(gw, r)).collect();
    Ok(super::json(
        StatusCode::OK,
        &json!({ "accesses": accesses, "next_before": next }),
    ))
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
