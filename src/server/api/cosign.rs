//! Witnessing endpoints (issue 12): `GET /v1/audit/consistency/{node}?from&to` (an RFC 6962
//! consistency proof between two sizes of a chain), `POST /v1/audit/checkpoint/{node}/cosignatures`
//! (a witness hands in its cosignature of a stored checkpoint) and
//! `GET /v1/audit/checkpoint/{node}/cosigned` (the newest cosigned checkpoint, every cosignature
//! line appended). All public: they carry hashes and signatures, never records, and are not
//! themselves recorded (a witness polling them must not grow the log it watches).

use http::{Request, StatusCode};
use hyper::body::Incoming;
use serde_json::json;

use super::{query, Reply};
use crate::audit::checkpoint::Checkpoint;
use crate::audit::consistency;
use crate::audit::cosignature::split_note;
use crate::audit::StoreError;
use crate::gateway::Gateway;
use crate::server::problem::{Problem, ProblemKind};

/// The consistency proof between sizes `from` and `to` of `node`'s chain.
pub async fn proof<B>(gw: &Gateway, req: &Request<B>, node: &str) -> Reply {
    let (from, to) = query::consistency(req.uri().query())?;
    if !gw.store.nodes().await?.iter().any(|n| n == node) {
        return Err(Problem::not_found("no chain with that node id"));
    }
    let size = gw.store.head(node).await?.seq as u64;
    if to > size {
        return Err(Problem::new(
            ProblemKind::InvalidRequest,
            format!("`to` is larger than the chain ({size} records)"),
        ));
    }
    let hashes = match consistency::prove(&gw.store, node, from, to).await {
        Ok(h) => h,
        Err(StoreError::MissingLeaves { .. }) => return Err(Problem::not_found(
            "those sizes lie in archived records; ask for sizes after the last archived segment",
        )),
        Err(e) => return Err(e.into()),
    };
    let body = json!({ "node_id": node, "from": from, "to": to, "proof": hashes });
    Ok(super::json(StatusCode::OK, &body))
}

/// Store the cosignatures of a configured witness found in the posted note (the stored
/// checkpoint note with the witness's signature line appended).
pub async fn submit(gw: &Gateway, req: Request<Incoming>, node: &str) -> Reply {
    let bytes = super::read_body(req, "a cosigned note").await?;
    let note = std::str::from_utf8(&bytes)
        .map_err(|_| Problem::new(ProblemKind::InvalidRequest, "the note is not UTF-8"))?;
    let bad = |why: &str| Problem::new(ProblemKind::InvalidRequest, why.to_owned());
    let (text, _) = split_note(note).ok_or_else(|| bad("not a signed note"))?;
    let cp = Checkpoint::parse(text).map_err(|e| bad(&e.to_string()))?;
    let stored = gw.store.checkpoint_at(node, cp.size as i64).await?;
    let stored = stored.ok_or_else(|| Problem::not_found("no stored checkpoint of that size"))?;
    if split_note(&stored.note).map(|(t, _)| t) != Some(text) {
        return Err(bad("the note is not the stored checkpoint of that size"));
    }
    let mut accepted = Vec::new();
    for w in &gw.witnesses {
        if let Some((line, ts)) = w.find(note) {
            let size = stored.tree_size;
            gw.store
                .insert_cosignature(node, size, w.name(), ts, &line)
                .await?;
            accepted.push(w.name().to_owned());
        }
    }
    if accepted.is_empty() {
        return Err(Problem::forbidden(
            "the note carries no valid cosignature by a witness in [audit] witnesses",
        ));
    }
    tracing::info!(node, tree_size = cp.size, witnesses = ?accepted, "checkpoint cosigned");
    let body = json!({ "node_id": node, "tree_size": cp.size, "witnesses": accepted });
    Ok(super::json(StatusCode::CREATED, &body))
}

/// The newest cosigned checkpoint of `node`, as a note with every stored cosignature line.
pub async fn cosigned(gw: &Gateway, node: &str) -> Reply {
    let none = || Problem::not_found("no cosigned checkpoint for that chain (yet)");
    let size = gw.store.latest_cosigned(node).await?.ok_or_else(none)?;
    let cp = gw.store.checkpoint_at(node, size).await?.ok_or_else(none)?;
    let note = with_cosignatures(gw, node, size, cp.note).await?;
    Ok(super::with_type(note, "text/plain; charset=utf-8"))
}

/// `note` (of `node` at `size`) with the stored cosignature lines appended.
pub async fn with_cosignatures(
    gw: &Gateway,
    node: &str,
    size: i64,
    mut note: String,
) -> Result<String, StoreError> {
    for line in gw.store.cosignatures(node, size).await? {
        note.push_str(&line);
    }
    Ok(note)
}
