//! `GET /v1/audit/checkpoint[/{node_id}]` (public: the latest signed checkpoint of every chain)
//! and `GET /v1/audit/inclusion/{request_id}` (a proof that a record is in its signed tree,
//! scoped like `/v1/audit/records`).

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use serde_json::json;

use super::audit_api::{caller_scope, visible};
use super::health::json;
use super::problem::{Problem, ProblemKind};
use crate::audit::checkpoint::origin_for;
use crate::audit::inclusion::{prove, ProveError};
use crate::gateway::Gateway;

/// Every chain's latest checkpoint, with the key that signs them.
pub async fn latest(gw: &Gateway) -> Response<Full<Bytes>> {
    match gw.store.latest_checkpoints().await {
        Ok(cps) => {
            let origin = &gw.settings.audit.origin;
            let list: Vec<_> = cps
                .iter()
                .map(|c| {
                    json!({
                        "node_id": c.node_id,
                        "origin": origin_for(origin, &c.node_id),
                        "tree_size": c.tree_size,
                        "root_hash": c.root_hash,
                        "head_hash": c.head_hash,
                        "ts_ms": c.ts_ms,
                        "note": c.note,
                    })
                })
                .collect();
            let body = json!({ "verifier_key": gw.verifier_key, "checkpoints": list });
            json(
                StatusCode::OK,
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        Err(e) => store_failed(e),
    }
}

/// One chain's latest checkpoint as the plain signed note (`text/plain`, C2SP form).
pub async fn note(gw: &Gateway, node_id: &str) -> Response<Full<Bytes>> {
    match gw.store.latest_checkpoints().await {
        Ok(cps) => match cps.into_iter().find(|c| c.node_id == node_id) {
            Some(c) => {
                let mut r = Response::new(Full::new(Bytes::from(c.note)));
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                r
            }
            None => Problem::new(
                ProblemKind::NotFound,
                "no signed checkpoint for that chain (yet)",
            )
            .render(None),
        },
        Err(e) => store_failed(e),
    }
}

/// A proof that `request_id`'s record is in its chain's latest signed tree.
pub async fn inclusion(
    gw: &Gateway,
    req: &Request<Incoming>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let scope = match caller_scope(gw, req).await {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let record = match gw.store.get(request_id).await {
        Ok(Some(r)) if visible(&scope, &r) => r,
        Ok(_) => {
            return Problem::new(
                ProblemKind::NotFound,
                "no audit record with that id is visible to you",
            )
            .render(None)
        }
        Err(e) => return store_failed(e),
    };
    match prove(&gw.store, &record, gw.verifier_key.clone()).await {
        Ok(p) => {
            let mut body = serde_json::to_value(&p).unwrap_or_default();
            body["record"] = serde_json::to_value(&record).unwrap_or_default();
            json(
                StatusCode::OK,
                serde_json::to_vec(&body).unwrap_or_default(),
            )
        }
        Err(ProveError::NotYetCheckpointed) => {
            let wait = gw.settings.audit.checkpoint_interval.as_secs().max(1);
            let mut p = Problem::new(
                ProblemKind::NotYetCheckpointed,
                format!("the record is committed but not yet covered by a signed checkpoint; a checkpoint follows within about {wait} s"),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                p.headers.push((header::RETRY_AFTER, v));
            }
            p.render(None)
        }
        Err(ProveError::Store(e)) => store_failed(e),
    }
}

fn store_failed(e: crate::audit::StoreError) -> Response<Full<Bytes>> {
    tracing::error!(error = %e, "audit store read failed");
    Problem::new(
        ProblemKind::AuditUnavailable,
        "the audit store cannot be read right now; try again shortly",
    )
    .render(None)
}
