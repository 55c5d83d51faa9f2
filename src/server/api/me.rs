//! `GET /v1/me/access-log`: a citizen, authenticated by an eID token, sees which bodies accessed
//! records about them — when, for what declared purpose, with what outcome — and nothing else.
//!
//! The citizen's identifier comes only from the verified token, never from the request, and is
//! looked up as its keyed hash: there is no parameter that could name another person. API keys,
//! client certificates and consumers' tokens are refused (403).

use http::{Request, StatusCode};
use serde_json::{json, Value};

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
    let next = (rows.len() as u32 == page.limit)
        .then(|| rows.last().map(|r| r.request_id.clone()))
        .flatten();
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
        "time": rfc3339(r.ts_ms),
        "ts_ms": r.ts_ms,
        "accessed_by": { "id": r.consumer, "name": body_name },
        "agency": { "id": r.agency, "name": agency_entry.map(|a| a.name.clone()) },
        "dataset": { "id": r.dataset, "title": title },
        "purpose": r.purpose,
        "outcome": r.outcome,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) of a Unix time in milliseconds.
fn rfc3339(ts_ms: i64) -> String {
    let secs = ts_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_times() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_767_225_599_999), "2025-12-31T23:59:59Z");
    }
}
