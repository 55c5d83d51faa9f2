//! The writer holds the stored chain to its own signed history before it extends it.
//!
//! At start and after every failed commit (and while a mismatch lasts, before every batch) the
//! stored head must extend every checkpoint the writer knows it signed: the anchor file
//! (`crate::audit::anchor`), the checkpoint it signed last in this process, and the store's
//! latest checkpoint. "Extend" means the chain holds at least that many records and its Merkle
//! root at that size is the signed root. On a mismatch the writer records nothing (every
//! request answers 503 `audit-unavailable`), `/readyz` is not ready, the metric
//! `dxgate_audit_anchor_mismatch` is 1 and one critical line is logged, until the stored chain
//! matches again (restored from a backup) or an operator runs `dxgate audit reanchor`.

use std::sync::atomic::Ordering;

use super::super::anchor;
use super::super::checkpoint::{origin_for, Checkpoint};
use super::{Digest, StoreError, Task};

/// A checkpoint the stored chain must extend, and where the writer learnt it.
struct Signed {
    size: u64,
    root: Digest,
    from: &'static str,
}

impl Task {
    /// Compare the loaded head and tree with every signed checkpoint the writer knows of, and
    /// set or clear the mismatch state.
    pub(super) async fn check_anchor(&mut self) -> Result<(), StoreError> {
        let mismatch = self.anchor_mismatch().await?;
        let was = self.unanchored.is_some();
        match &mismatch {
            Some(why) if !was => tracing::error!(
                target: "dxgate::audit",
                critical = true,
                node = %self.node_id,
                reason = %why,
                "CRITICAL: the stored audit chain does not extend this writer's signed checkpoints \
                 (records were removed or rewritten); refusing to record or serve until it is \
                 restored or an operator runs `dxgate audit reanchor`"
            ),
            None if was => tracing::warn!(
                target: "dxgate::audit",
                node = %self.node_id,
                "the stored audit chain extends the signed checkpoints again; recording resumes"
            ),
            _ => {}
        }
        self.stats
            .unanchored
            .store(mismatch.is_some(), Ordering::Relaxed);
        self.unanchored = mismatch;
        Ok(())
    }

    async fn anchor_mismatch(&self) -> Result<Option<String>, StoreError> {
        let Some(p) = &self.policy else {
            return Ok(None);
        };
        let mut signed = Vec::new();
        if let Some(dir) = &p.anchor_dir {
            let file = anchor::path(dir, &self.node_id);
            let note = match anchor::read(dir, &self.node_id) {
                Ok(n) => n,
                Err(e) => return Ok(Some(format!("{} cannot be read: {e}", file.display()))),
            };
            if let Some(note) = note {
                match Checkpoint::open(&note, &p.signer.verifier()) {
                    Ok(c) if c.origin == origin_for(&p.origin, &self.node_id) => {
                        signed.push(Signed {
                            size: c.size,
                            root: c.root,
                            from: "the anchor file",
                        })
                    }
                    Ok(c) => {
                        let why = format!("{} is for another log ({})", file.display(), c.origin);
                        return Ok(Some(why));
                    }
                    Err(e) => {
                        let why = format!("{} is not signed by this key: {e}", file.display());
                        return Ok(Some(why));
                    }
                }
            }
        }
        if let Some((size, root)) = self.signed_last {
            signed.push(Signed {
                size,
                root,
                from: "the checkpoint this writer signed last",
            });
        }
        if let Some(cp) = self.store.latest_checkpoint(&self.node_id).await? {
            signed.push(Signed {
                size: cp.tree_size as u64,
                root: cp.root_hash,
                from: "the store's latest checkpoint",
            });
        }
        let records = self.head.seq as u64;
        for s in signed {
            if s.size > records {
                return Ok(Some(format!(
                    "the chain holds {records} records but {} is signed at size {}",
                    s.from, s.size
                )));
            }
            let root = if s.size == self.tree.size() {
                self.tree.root()
            } else {
                match self.store.range_hash(&self.node_id, 0, s.size).await {
                    Ok(r) => r,
                    // Archived below a segment's end: the segment's signed root vouches.
                    Err(StoreError::MissingLeaves { .. }) => {
                        let segs = self.store.segments(&self.node_id).await?;
                        match segs.iter().find(|g| g.last_seq as u64 == s.size) {
                            Some(g) => g.root_hash,
                            None if segs.iter().any(|g| g.last_seq as u64 > s.size) => s.root,
                            None => {
                                return Ok(Some(format!(
                                    "records below size {} ({}) are missing",
                                    s.size, s.from
                                )))
                            }
                        }
                    }
                    Err(e) => return Err(e),
                }
            };
            if root != s.root {
                return Ok(Some(format!(
                    "the chain's Merkle root at size {} differs from {}",
                    s.size, s.from
                )));
            }
        }
        Ok(None)
    }

    /// Keep the anchor file at the checkpoint just committed (a failure only logs: the anchor
    /// then lags, which weakens the check but never makes it fail wrongly).
    pub(super) async fn write_anchor(&mut self, size: u64, root: Digest, note: &str) {
        self.signed_last = Some((size, root));
        let Some(dir) = self.policy.as_ref().and_then(|p| p.anchor_dir.clone()) else {
            return;
        };
        let (node, note) = (self.node_id.clone(), note.to_owned());
        let written = tokio::task::spawn_blocking(move || anchor::write(&dir, &node, &note)).await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "audit anchor file not written"),
            Err(e) => tracing::error!(error = %e, "audit anchor file not written"),
        }
    }
}
