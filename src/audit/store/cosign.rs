//! Witnesses' cosignatures of stored checkpoints (`audit_cosignatures`).

use sqlx::Row;

use super::super::checkpoint::SignedCheckpoint;
use super::{now_ms, Store, StoreError};

impl Store {
    /// Keep `witness`'s cosignature `line` of `node_id`'s checkpoint at `tree_size` (a newer
    /// one from the same witness for the same checkpoint replaces it).
    pub async fn insert_cosignature(
        &self,
        node_id: &str,
        tree_size: i64,
        witness: &str,
        ts: u64,
        line: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_cosignatures (node_id, tree_size, witness, ts, line, received_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (node_id, tree_size, witness) \
             DO UPDATE SET ts = excluded.ts, line = excluded.line, received_ms = excluded.received_ms",
        )
        .bind(node_id)
        .bind(tree_size)
        .bind(witness)
        .bind(i64::try_from(ts).unwrap_or(i64::MAX))
        .bind(line)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The cosignature lines of `node_id`'s checkpoint at `tree_size`, by witness name.
    pub async fn cosignatures(
        &self,
        node_id: &str,
        tree_size: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT line FROM audit_cosignatures WHERE node_id = $1 AND tree_size = $2 \
             ORDER BY witness",
        )
        .bind(node_id)
        .bind(tree_size)
        .fetch_all(self.pool())
        .await?)
    }

    /// The checkpoint of `node_id` at `tree_size`, if stored.
    pub async fn checkpoint_at(
        &self,
        node_id: &str,
        tree_size: i64,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        self.checkpoint_where(node_id, "AND tree_size = $2", Some(tree_size))
            .await
    }

    /// The newest checkpoint of `node_id` that witnesses have cosigned.
    pub async fn latest_cosigned(&self, node_id: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(tree_size) FROM audit_cosignatures WHERE node_id = $1")
            .bind(node_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }
}
