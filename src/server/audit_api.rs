//! `GET /v1/audit/records[/{request_id}]`, scoped by role: a consumer sees its own requests, an
//! agency officer the requests for its agency's datasets, oversight everything.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use serde_json::json;

use super::health::json;
use super::problem::{Problem, ProblemKind};
use crate::audit::{Outcome, RecordFilter, StoredRecord};
use crate::gateway::Gateway;
use crate::identity::{Consumer, Role};

/// Default and largest page size.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// What a caller may see.
pub(super) enum Scope {
    All,
    Agency(String),
    Consumer(String),
}

fn scope_of(c: &Consumer) -> Scope {
    if c.has_role(Role::Oversight) {
        Scope::All
    } else if let (true, Some(a)) = (c.has_role(Role::Agency), &c.agency) {
        Scope::Agency(a.to_string())
    } else {
        Scope::Consumer(c.id.clone())
    }
}

pub(super) fn visible(scope: &Scope, r: &StoredRecord) -> bool {
    match scope {
        Scope::All => true,
        Scope::Agency(a) => r.entry.agency.as_deref() == Some(a),
        Scope::Consumer(c) => r.entry.consumer.as_deref() == Some(c),
    }
}

/// Authenticate the caller (API key, eID token or client certificate) and work out what it may
/// see; "no" is 401, and citizens are sent to their own access log (403).
pub(super) async fn caller_scope(
    gw: &Gateway,
    req: &Request<Incoming>,
) -> Result<Scope, Box<Response<Full<Bytes>>>> {
    match super::caller::consumer(
        gw,
        req,
        "audit records are scoped to consumers and agencies",
    )
    .await
    {
        Ok(consumer) => Ok(scope_of(&consumer)),
        Err(p) => Err(Box::new(p.render(None))),
    }
}

pub async fn records(
    gw: &Gateway,
    req: &Request<Incoming>,
    id: Option<&str>,
) -> Response<Full<Bytes>> {
    let scope = match caller_scope(gw, req).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    if let Some(id) = id.filter(|s| !s.is_empty()) {
        return match gw.store.get(id).await {
            // Records outside the caller's scope are reported as absent, not forbidden, so
            // their existence does not leak.
            Ok(Some(r)) if visible(&scope, &r) => {
                json(StatusCode::OK, serde_json::to_vec(&r).unwrap_or_default())
            }
            Ok(_) => Problem::new(
                ProblemKind::NotFound,
                "no audit record with that id is visible to you",
            )
            .render(None),
            Err(e) => store_failed(e),
        };
    }
    let mut filter = RecordFilter {
        limit: DEFAULT_LIMIT,
        ..RecordFilter::default()
    };
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "consumer" => filter.consumer = Some(v),
            "agency" => filter.agency = Some(v),
            "dataset" => filter.dataset = Some(v),
            "before" => filter.before = Some(v),
            "outcome" => match Outcome::parse(&v) {
                Some(o) => filter.outcome = Some(o),
                None => return bad_param("outcome", "one of served, refused, exempt, rejected_request, unauthenticated, rate_limited, source_error, invalid_response"),
            },
            "since_ms" => match v.parse() {
                Ok(n) => filter.since_ms = Some(n),
                Err(_) => return bad_param("since_ms", "a Unix time in milliseconds"),
            },
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => filter.limit = n,
                _ => return bad_param("limit", "a whole number from 1 to 1000"),
            },
            other => return bad_param(other, "not a known filter (consumer, agency, dataset, outcome, since_ms, before, limit)"),
        }
    }
    match &scope {
        Scope::All => {}
        Scope::Agency(a) => {
            if filter.agency.as_ref().is_some_and(|f| f != a) {
                return forbidden(format!(
                    "as an officer of {a} you can see only records of {a}'s datasets"
                ));
            }
            filter.agency = Some(a.clone());
        }
        Scope::Consumer(c) => {
            if filter.consumer.as_ref().is_some_and(|f| f != c) {
                return forbidden("you can see only your own requests".into());
            }
            filter.consumer = Some(c.clone());
        }
    }
    match gw.store.list(&filter).await {
        Ok(records) => {
            let next = if records.len() as u32 == filter.limit {
                records.last().map(|r| r.entry.request_id.clone())
            } else {
                None
            };
            let body = json!({ "records": records, "next_before": next });
            json(
                StatusCode::OK,
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        Err(e) => store_failed(e),
    }
}

fn bad_param(name: &str, expected: &str) -> Response<Full<Bytes>> {
    let name: String = name.chars().take(64).collect();
    Problem::new(
        ProblemKind::InvalidRequest,
        format!("query parameter {name:?}: {expected}"),
    )
    .render(None)
}

fn forbidden(detail: String) -> Response<Full<Bytes>> {
    Problem::new(ProblemKind::Forbidden, detail).render(None)
}

fn store_failed(e: crate::audit::StoreError) -> Response<Full<Bytes>> {
    tracing::error!(error = %e, "audit store read failed");
    Problem::new(
        ProblemKind::AuditUnavailable,
        "the audit store cannot be read right now; try again shortly",
    )
    .render(None)
}
