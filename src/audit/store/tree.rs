//! Per-node chain heads, stored Merkle subtrees, leaves, checkpoints and archived segments.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use super::super::chain::{Head, GENESIS};
use super::super::checkpoint::SignedCheckpoint;
use super::super::merkle::{fold_parts, leaf_hash, node_hash, Subtree, STORED_LEVEL};
use super::super::Digest;
use super::{digest_column, now_ms, Store, StoreError};

/// One archived stretch of a chain (`audit_segments`): enough to continue verifying the live
/// chain after it, and to check the archive file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRow {
    pub node_id: String,
    pub first_seq: i64,
    pub last_seq: i64,
    /// `prev_hash` of the first archived record.
    pub prev_hash: Digest,
    /// Hash of the last archived record: the live chain's first `prev_hash`.
    pub last_hash: Digest,
    /// Merkle root of the chain at `last_seq`.
    pub root_hash: Digest,
    pub min_ts_ms: Option<i64>,
    pub max_ts_ms: Option<i64>,
    pub archived_ms: i64,
    /// Where the records went (the archive file's path).
    pub location: String,
    /// SHA-256 of the archive file.
    pub file_sha256: Digest,
    /// A checkpoint note for size `last_seq`, signed when the segment was archived.
    pub checkpoint: String,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

impl Store {
    /// Make sure `node_id` has a head row (genesis for a new chain).
    pub async fn ensure_chain(&self, node_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_chains (node_id, seq, hash, updated_ms) VALUES ($1, 0, $2, $3) \
             ON CONFLICT (node_id) DO NOTHING",
        )
        .bind(node_id)
        .bind(GENESIS.to_hex())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The head of `node_id`'s chain as recorded in `audit_chains`, or genesis.
    pub async fn head(&self, node_id: &str) -> Result<Head, StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_chains WHERE node_id = $1")
            .bind(node_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Head {
                seq: r.try_get(0)?,
                hash: digest_column(&r, 1)?,
            },
            None => Head::genesis(),
        })
    }

    /// Can the writer commit on `head` again? One write transaction that reads the records
    /// table (no record of the chain lies past `head`) and touches the head row only if it is
    /// still `head` — the same tables and the same optimistic check a commit uses, so a bare
    /// `SELECT 1` answering is not mistaken for a store that can take records.
    pub async fn probe_head(&self, node_id: &str, head: &Head) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let ahead: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_records WHERE node_id = $1 AND seq > $2",
        )
        .bind(node_id)
        .bind(head.seq)
        .fetch_one(&mut *tx)
        .await?;
        if ahead != 0 {
            return Err(StoreError::ChainMoved(node_id.to_owned()));
        }
        let touched = sqlx::query(
            "UPDATE audit_chains SET updated_ms = $1 WHERE node_id = $2 AND seq = $3 AND hash = $4",
        )
        .bind(now_ms())
        .bind(node_id)
        .bind(head.seq)
        .bind(head.hash.to_hex())
        .execute(&mut *tx)
        .await?;
        if touched.rows_affected() != 1 {
            return Err(StoreError::ChainMoved(node_id.to_owned()));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Leaf hashes of leaves `[from, to)` (records `seq = from + 1 ..= to`), all present.
    pub async fn leaves(
        &self,
        node_id: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<Digest>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, hash FROM audit_records WHERE node_id = $1 AND seq > $2 AND seq <= $3 \
             ORDER BY seq",
        )
        .bind(node_id)
        .bind(from as i64)
        .bind(to as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let seq: i64 = r.try_get(0)?;
            if seq != (from + i as u64 + 1) as i64 {
                break;
            }
            let hash =
                digest_column(r, 1).map_err(|e| e.within(format!("record {node_id}/{seq}")))?;
            out.push(leaf_hash(hash.as_bytes()));
        }
        if out.len() as u64 != to - from {
            return Err(StoreError::MissingLeaves {
                node: node_id.to_owned(),
                from,
                to,
            });
        }
        Ok(out)
    }

    /// Hashes of perfect subtrees, in the order given: stored ones are read, smaller ones are
    /// recomputed from at most 255 leaves each.
    pub async fn subtree_hashes(
        &self,
        node_id: &str,
        parts: &[Subtree],
    ) -> Result<Vec<Digest>, StoreError> {
        let stored: Vec<Subtree> = parts
            .iter()
            .copied()
            .filter(|p| p.level >= STORED_LEVEL)
            .collect();
        let found = self.tree_nodes(node_id, &stored).await?;
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            if p.level >= STORED_LEVEL {
                out.push(*found.get(p).ok_or_else(|| StoreError::MissingLeaves {
                    node: node_id.to_owned(),
                    from: p.first_leaf(),
                    to: p.first_leaf() + p.leaves(),
                })?);
            } else {
                let mut level = self
                    .leaves(node_id, p.first_leaf(), p.first_leaf() + p.leaves())
                    .await?;
                while level.len() > 1 {
                    level = level.chunks(2).map(|c| node_hash(&c[0], &c[1])).collect();
                }
                out.push(level[0]);
            }
        }
        Ok(out)
    }

    /// The hash of leaves `[a, b)` as a node of the tree (RFC 6962 MTH of that range).
    pub async fn range_hash(&self, node_id: &str, a: u64, b: u64) -> Result<Digest, StoreError> {
        let parts = super::super::merkle::range_parts(a, b);
        let hashes = self.subtree_hashes(node_id, &parts).await?;
        fold_parts(&hashes).ok_or_else(|| corrupt("empty range"))
    }

    async fn tree_nodes(
        &self,
        node_id: &str,
        wanted: &[Subtree],
    ) -> Result<HashMap<Subtree, Digest>, StoreError> {
        let mut out = HashMap::new();
        for chunk in wanted.chunks(32) {
            let mut sql =
                String::from("SELECT level, idx, hash FROM audit_tree WHERE node_id = $1 AND (");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                sql.push_str(&format!(
                    "(level = ${} AND idx = ${})",
                    2 + 2 * i,
                    3 + 2 * i
                ));
            }
            sql.push(')');
            let mut q = sqlx::query(&sql).bind(node_id);
            for p in chunk {
                q = q.bind(i64::from(p.level)).bind(p.index as i64);
            }
            for r in q.fetch_all(&self.pool).await? {
                let level: i64 = r.try_get(0)?;
                let idx: i64 = r.try_get(1)?;
                let hash = digest_column(&r, 2)
                    .map_err(|e| e.within(format!("tree node {node_id}/{level}/{idx}")))?;
                out.insert(
                    Subtree {
                        level: level as u32,
                        index: idx as u64,
                    },
                    hash,
                );
            }
        }
        Ok(out)
    }

    /// Store subtrees computed outside a batch (rebuilding an upgraded chain); existing ones
    /// are left as they are.
    pub async fn insert_tree_nodes(
        &self,
        node_id: &str,
        nodes: &[(Subtree, Digest)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (t, h) in nodes {
            sqlx::query(
                "INSERT INTO audit_tree (node_id, level, idx, hash) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(node_id)
            .bind(i64::from(t.level))
            .bind(t.index as i64)
            .bind(h.to_hex())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn insert_checkpoint_on(
        tx: &mut Transaction<'_, Any>,
        cp: &SignedCheckpoint,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (node_id, tree_size, root_hash, head_hash, ts_ms, note) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(cp.node_id.as_str())
        .bind(cp.tree_size)
        .bind(cp.root_hash.to_hex())
        .bind(cp.head_hash.to_hex())
        .bind(cp.ts_ms)
        .bind(cp.note.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Store one checkpoint on its own (the idle timer's).
    pub async fn insert_checkpoint(&self, cp: &SignedCheckpoint) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        Self::insert_checkpoint_on(&mut tx, cp).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checkpoints of `node_id` with `from <= tree_size <= to`, oldest first.
    pub async fn checkpoints(
        &self,
        node_id: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let rows = sqlx::query(&format!(
            "{CHECKPOINTS_OF} AND tree_size >= $2 AND tree_size <= $3 ORDER BY tree_size"
        ))
        .bind(node_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_checkpoint).collect()
    }

    /// The newest checkpoint of every chain: one index probe per chain, however many
    /// checkpoints there are.
    pub async fn latest_checkpoints(&self) -> Result<Vec<SignedCheckpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.node_id, c.tree_size, c.root_hash, c.head_hash, c.ts_ms, c.note \
             FROM audit_chains h JOIN audit_checkpoints c ON c.node_id = h.node_id \
             AND c.tree_size = (SELECT MAX(m.tree_size) FROM audit_checkpoints m \
             WHERE m.node_id = h.node_id) ORDER BY c.node_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_checkpoint).collect()
    }

    /// The newest checkpoint of `node_id`'s chain.
    pub async fn latest_checkpoint(
        &self,
        node_id: &str,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        self.checkpoint_where(node_id, "ORDER BY tree_size DESC LIMIT 1", None)
            .await
    }

    /// The newest checkpoint of `node_id` signed before `before_ms`.
    pub async fn checkpoint_before(
        &self,
        node_id: &str,
        before_ms: i64,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let rest = "AND ts_ms < $2 ORDER BY tree_size DESC LIMIT 1";
        self.checkpoint_where(node_id, rest, Some(before_ms)).await
    }

    /// The first checkpoint of `node_id` in the order `rest` gives (SQL after the node's
    /// condition; `$2` is `arg` when there is one).
    pub(super) async fn checkpoint_where(
        &self,
        node_id: &str,
        rest: &str,
        arg: Option<i64>,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let sql = format!("{CHECKPOINTS_OF} {rest}");
        let mut q = sqlx::query(&sql).bind(node_id);
        if let Some(arg) = arg {
            q = q.bind(arg);
        }
        let row = q.fetch_optional(&self.pool).await?;
        row.as_ref().map(decode_checkpoint).transpose()
    }

    /// Archived segments of `node_id`, oldest first.
    pub async fn segments(&self, node_id: &str) -> Result<Vec<SegmentRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT node_id, first_seq, last_seq, prev_hash, last_hash, root_hash, min_ts_ms, \
             max_ts_ms, archived_ms, location, file_sha256, checkpoint FROM audit_segments \
             WHERE node_id = $1 ORDER BY first_seq",
        )
        .bind(node_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SegmentRow {
                    node_id: r.try_get(0)?,
                    first_seq: r.try_get(1)?,
                    last_seq: r.try_get(2)?,
                    prev_hash: digest_column(r, 3)?,
                    last_hash: digest_column(r, 4)?,
                    root_hash: digest_column(r, 5)?,
                    min_ts_ms: r.try_get(6)?,
                    max_ts_ms: r.try_get(7)?,
                    archived_ms: r.try_get(8)?,
                    location: r.try_get(9)?,
                    file_sha256: digest_column(r, 10)?,
                    checkpoint: r.try_get(11)?,
                })
            })
            .collect()
    }
}

/// A checkpoint row of `node_id` (`$1`) as [`decode_checkpoint`] reads it; conditions follow.
const CHECKPOINTS_OF: &str = "SELECT node_id, tree_size, root_hash, head_hash, ts_ms, note \
     FROM audit_checkpoints WHERE node_id = $1";

pub(super) fn decode_checkpoint(r: &sqlx::any::AnyRow) -> Result<SignedCheckpoint, StoreError> {
    Ok(SignedCheckpoint {
        node_id: r.try_get(0)?,
        tree_size: r.try_get(1)?,
        root_hash: digest_column(r, 2)?,
        head_hash: digest_column(r, 3)?,
        ts_ms: r.try_get(4)?,
        note: r.try_get(5)?,
    })
}
