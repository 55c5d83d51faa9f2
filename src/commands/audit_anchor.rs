//! `dxgate audit reanchor`: after an operator has investigated a chain that no longer extends
//! its writer's signed checkpoints (and restoring the store from a backup is not possible),
//! accept the chain as it is stored now.
//!
//! The old anchor file is moved aside (kept as evidence, named with the time), a new checkpoint
//! of the stored head is signed and stored, and the anchor is set to it. A running gateway picks
//! it up with its next request; a stopped one with its next start. The stored chain must be
//! consistent with itself (its latest stored checkpoint extended): anything else is a store to
//! restore, not one to accept.

use std::path::Path;

use super::CommandError;
use crate::audit::checkpoint::SignedCheckpoint;
use crate::audit::note::load_key;
use crate::audit::{anchor, now_ms, Store};

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

/// Accept `node`'s stored chain as its new anchor; `reason` is logged with the change.
pub async fn audit_reanchor(dir: &Path, node: &str, reason: &str) -> Result<(), CommandError> {
    let (settings, url) = crate::config::load_settings(dir, &crate::config::Overrides::from_env())
        .map_err(CommandError::Config)?;
    let a = &settings.audit;
    if reason.trim().is_empty() {
        return Err(failed("--reason must say why the stored chain is accepted"));
    }
    let signer = load_key(&a.signing_key).map_err(failed)?.ok_or_else(|| {
        failed(format!(
            "no checkpoint signing key at {}",
            a.signing_key.display()
        ))
    })?;
    let store = Store::open(&url).await?;
    let result = reanchor(&store, &signer, &a.origin, &a.anchor_dir, node).await;
    store.close().await;
    let (cp, moved) = result?;
    tracing::warn!(
        target: "dxgate::audit",
        node,
        reason,
        tree_size = cp.tree_size,
        superseded = ?moved,
        "audit chain re-anchored by an operator"
    );
    if let Some(old) = moved {
        println!("old anchor kept as {}", old.display());
    }
    println!(
        "ok: chain {node} anchored at {} records (root {}); reason: {reason}",
        cp.tree_size, cp.root_hash
    );
    Ok(())
}

async fn reanchor(
    store: &Store,
    signer: &crate::audit::note::NoteSigner,
    origin: &str,
    anchor_dir: &Path,
    node: &str,
) -> Result<(SignedCheckpoint, Option<std::path::PathBuf>), CommandError> {
    let head = store.head(node).await?;
    if !store.nodes().await?.iter().any(|n| n == node) {
        return Err(failed(format!("the store has no chain {node:?}")));
    }
    let size = head.seq as u64;
    let root = if size == 0 {
        crate::audit::merkle::empty_root()
    } else {
        store.range_hash(node, 0, size).await.map_err(|e| {
            failed(format!(
                "{e}: the chain is incomplete; restore the store from a backup"
            ))
        })?
    };
    if let Some(latest) = store.latest_checkpoint(node).await? {
        let at = latest.tree_size as u64;
        let extends = match at.cmp(&size) {
            std::cmp::Ordering::Greater => false,
            std::cmp::Ordering::Equal => latest.root_hash == root,
            std::cmp::Ordering::Less => store.range_hash(node, 0, at).await? == latest.root_hash,
        };
        if !extends {
            return Err(failed(format!(
                "the stored chain ({size} records) does not extend the store's own checkpoint at \
                 size {at}: restore the store from a backup instead"
            )));
        }
    }
    let cp = SignedCheckpoint::new(signer, origin, node, size, root, head.hash, now_ms());
    store.insert_checkpoint(&cp).await?;
    let moved = anchor::supersede(anchor_dir, node, now_ms()).map_err(failed)?;
    anchor::write(anchor_dir, node, &cp.note).map_err(failed)?;
    Ok((cp, moved))
}
