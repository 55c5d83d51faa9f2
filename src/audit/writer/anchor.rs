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

use std::path::Path;

use super::super::checkpoint::{origin_for, Checkpoint};
use super::super::merkle::{fold_parts, leaf_hash, node_hash, range_parts, Subtree, STORED_LEVEL};
use super::super::{anchor, archive, SegmentRow};
use super::{CheckpointPolicy, Digest, StoreError, Task};

/// What the anchor file says.
enum Anchor {
    Signed(Signed),
    /// No file: a new chain, or evidence that it was removed.
    Missing,
    /// Unreadable, for another log, or signed by no trusted key.
    Bad(String),
}

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

    async fn anchor_mismatch(&mut self) -> Result<Option<String>, StoreError> {
        let Some(p) = self.policy.clone() else {
            return Ok(None);
        };
        let mut signed = Vec::new();
        if let Some(dir) = &p.anchor_dir {
            match self.anchor_file(&p, dir) {
                Anchor::Bad(why) => return Ok(Some(why)),
                Anchor::Signed(s) => signed.push(s),
                Anchor::Missing if self.head.seq == 0 => self.anchor_as_stored(&p).await,
                Anchor::Missing if p.bootstrap_anchor => {
                    tracing::warn!(
                        target: "dxgate::audit",
                        node = %self.node_id,
                        records = self.head.seq,
                        "no anchor file: anchoring the chain as stored ([audit] bootstrap_anchor); \
                         remove the setting once every replica has started"
                    );
                    self.anchor_as_stored(&p).await
                }
                Anchor::Missing => {
                    let file = anchor::path(dir, &self.node_id);
                    return Ok(Some(format!(
                        "the chain holds {} records but {} is missing (deleted, lost with its \
                         volume, or a store from before anchors): restore it, or run `dxgate \
                         audit reanchor` (first upgrade from a release without anchors: set \
                         [audit] bootstrap_anchor = true once)",
                        self.head.seq,
                        file.display()
                    )));
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
            let root = if s.size == 0 {
                // The empty tree (a new chain's anchor) is a prefix of every tree.
                continue;
            } else if s.size == self.tree.size() {
                self.tree.root()
            } else {
                match self.store.range_hash(&self.node_id, 0, s.size).await {
                    Ok(r) => r,
                    // Archived below a segment's end: the segment's signed root vouches.
                    Err(StoreError::MissingLeaves { .. }) => {
                        let segs = self.store.segments(&self.node_id).await?;
                        let inside = |g: &&SegmentRow| {
                            g.first_seq as u64 <= s.size && s.size <= g.last_seq as u64
                        };
                        match segs.iter().find(inside) {
                            Some(g) if g.last_seq as u64 == s.size => g.root_hash,
                            Some(g) => match self.archived_root(g, s.size).await? {
                                Ok(root) => root,
                                Err(why) => return Ok(Some(format!("{} ({why})", s.from))),
                            },
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

    /// The anchor file's checkpoint, opened with the signing key or any `[audit] trusted_keys`
    /// key (an anchor signed before a key rotation still anchors).
    fn anchor_file(&self, p: &CheckpointPolicy, dir: &Path) -> Anchor {
        let file = anchor::path(dir, &self.node_id);
        let note = match anchor::read(dir, &self.node_id) {
            Ok(Some(n)) => n,
            Ok(None) => return Anchor::Missing,
            Err(e) => return Anchor::Bad(format!("{} cannot be read: {e}", file.display())),
        };
        let mut keys = vec![p.signer.verifier()];
        keys.extend(p.trusted.iter().cloned());
        match Checkpoint::open_any(&note, &keys) {
            Ok(c) if c.origin == origin_for(&p.origin, &self.node_id) => Anchor::Signed(Signed {
                size: c.size,
                root: c.root,
                from: "the anchor file",
            }),
            Ok(c) => Anchor::Bad(format!(
                "{} is for another log ({})",
                file.display(),
                c.origin
            )),
            Err(e) => Anchor::Bad(format!(
                "{} is not signed by this key or a trusted key: {e}",
                file.display()
            )),
        }
    }

    /// Anchor the chain at its stored head: a new chain's empty tree (so that a chain with
    /// records and no anchor is evidence of a deleted anchor), or `bootstrap_anchor`.
    async fn anchor_as_stored(&mut self, p: &CheckpointPolicy) {
        let (size, root) = (self.tree.size(), self.tree.root());
        let note = Checkpoint {
            origin: origin_for(&p.origin, &self.node_id),
            size,
            root,
        }
        .sign(&p.signer);
        self.write_anchor(size, root, &note).await;
    }

    /// The chain's Merkle root at `size`, strictly inside archived segment `g`: stored subtrees,
    /// and the leaves of the last partial subtree from the segment's file (re-verified).
    async fn archived_root(
        &self,
        g: &SegmentRow,
        size: u64,
    ) -> Result<Result<Digest, String>, StoreError> {
        let parts = range_parts(0, size);
        let (high, low): (Vec<Subtree>, Vec<Subtree>) =
            parts.iter().partition(|p| p.level >= STORED_LEVEL);
        let stored = self.store.subtree_hashes(&self.node_id, &high).await?;
        let seg = g.clone();
        let file = tokio::task::spawn_blocking(move || archive::verify_file(&seg)).await;
        let hashes = match file {
            Ok(Ok(h)) => h,
            Ok(Err(why)) => return Ok(Err(format!("archive segment: {why}"))),
            Err(e) => return Ok(Err(format!("archive segment: {e}"))),
        };
        let first = g.first_seq as u64 - 1;
        let mut all = stored;
        for p in low {
            let from = (p.first_leaf() - first) as usize;
            let mut level: Vec<Digest> = hashes[from..from + p.leaves() as usize]
                .iter()
                .map(|h| leaf_hash(h.as_bytes()))
                .collect();
            while level.len() > 1 {
                level = level.chunks(2).map(|c| node_hash(&c[0], &c[1])).collect();
            }
            all.push(level[0]);
        }
        Ok(fold_parts(&all).ok_or_else(|| "an empty tree".to_owned()))
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
