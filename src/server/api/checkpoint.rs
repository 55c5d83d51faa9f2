//! `GET /v1/audit/checkpoint[/{node_id}]` (public: the latest signed checkpoint of every chain)
//! and `GET /v1/audit/inclusion/{request_id}` (a proof that a record is in its signed tree,
//! scoped like `/v1/audit/records`; an archived record's from its archive file).

use http::{Request, StatusCode};
use serde_json::json;

use super::audit::visible_or_archived;
use super::Reply;
use crate::audit::checkpoint::origin_for;
use crate::audit::inclusion::{prove_with, ProveError};
use crate::gateway::Gateway;
use crate::server::problem::{Problem, ProblemKind};

/// Every chain's latest checkpoint, with the key that signs them.
pub async fn latest(gw: &Gateway) -> Reply {
    let cps = gw.store.latest_checkpoints().await?;
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
    Ok(super::json(StatusCode::OK, &body))
}

/// One chain's latest checkpoint as the plain signed note (`text/plain`, C2SP form).
pub async fn note(gw: &Gateway, node_id: &str) -> Reply {
    let cps = gw.store.latest_checkpoints().await?;
    match cps.into_iter().find(|c| c.node_id == node_id) {
        Some(c) => Ok(super::with_type(c.note, "text/plain; charset=utf-8")),
        None => Err(Problem::not_found(
            "no signed checkpoint for that chain (yet)",
        )),
    }
}

/// A proof that `request_id`'s record is in its chain's latest signed tree.
pub async fn inclusion<B>(gw: &Gateway, req: &Request<B>, request_id: &str) -> Reply {
    let endpoint = "/v1/audit/inclusion/{request_id}";
    let (record, archived) = visible_or_archived(gw, req, request_id, endpoint).await?;
    let key = gw.verifier_key.clone();
    match prove_with(&gw.store, &record, archived.as_ref(), key).await {
        Ok(mut p) => {
            // Witnesses' cosignatures of the proof's checkpoint, when there are any.
            let (node, size) = (record.node_id.as_str(), p.tree_size as i64);
            p.checkpoint = super::cosign::with_cosignatures(gw, node, size, p.checkpoint).await?;
            let mut body = serde_json::to_value(&p).unwrap_or_default();
            body["record"] = serde_json::to_value(&record).unwrap_or_default();
            Ok(super::json(StatusCode::OK, &body))
        }
        Err(ProveError::NotYetCheckpointed) => {
            let wait = gw.settings.audit.checkpoint_interval.as_secs().max(1);
            Err(Problem::new(
                ProblemKind::NotYetCheckpointed,
                format!("the record is committed but not yet covered by a signed checkpoint; a checkpoint follows within about {wait} s"),
            )
            .with_retry_after(wait))
        }
        Err(ProveError::Store(e)) => Err(e.into()),
    }
}
