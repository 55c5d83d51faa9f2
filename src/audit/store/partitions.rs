//! Retention at the storage level: PostgreSQL monthly partitions of `audit_records`, and the
//! removal of records once their segment is archived.
//!
//! Partitions are named `audit_records_YYYY_MM` (UTC months of `ts_ms`) and made ahead of time by
//! `dxgate_audit_partition()` (migration 2); a DEFAULT partition catches clock skew. A month
//! whose rows are all archived is dropped whole, which costs nothing however large it is.

use sqlx::Row;

use super::tree::SegmentRow;
use super::{Backend, Store, StoreError};
use crate::calendar;

impl Store {
    /// Make sure the partitions for this month and the next `months_ahead` exist (PostgreSQL;
    /// nothing to do on SQLite). Replicas may run this concurrently.
    pub async fn ensure_partitions(
        &self,
        now_ms: i64,
        months_ahead: u32,
    ) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        // One replica at a time: concurrent CREATE TABLE of one name would fail.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(0x6478_6761_7465_3a70_i64)
            .execute(&mut *tx)
            .await?;
        for m in 0..=months_ahead {
            sqlx::query(
                "SELECT dxgate_audit_partition(((to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC') \
                 + make_interval(months => $2))::date)",
            )
            .bind(now_ms)
            .bind(m as i32)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Names of the monthly partitions, oldest first (empty on SQLite).
    pub async fn partitions(&self) -> Result<Vec<String>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_class p ON p.oid = i.inhparent \
             WHERE p.relname = 'audit_records' AND c.relname ~ '^audit_records_[0-9]{4}_[0-9]{2}$' \
             ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Where the record with `request_id` is or was in its chain (also once archived).
    pub async fn locate(&self, request_id: &str) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query("SELECT node_id, seq FROM audit_request_ids WHERE request_id = $1")
            .bind(request_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("node_id")?, r.try_get("seq")?)),
            None => None,
        })
    }

    /// Record archived segments (one transaction), then remove their records from the live
    /// table: whole monthly partitions ending before `cutoff_ms` are dropped when every row in
    /// them is archived, the remaining archived rows are deleted. Returns the partitions dropped.
    pub async fn commit_segments(
        &self,
        segments: &[SegmentRow],
        cutoff_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        for s in segments {
            sqlx::query(
                "INSERT INTO audit_segments (node_id, first_seq, last_seq, prev_hash, last_hash, \
                 root_hash, min_ts_ms, max_ts_ms, archived_ms, location, file_sha256, checkpoint) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(s.node_id.as_str())
            .bind(s.first_seq)
            .bind(s.last_seq)
            .bind(s.prev_hash.to_hex())
            .bind(s.last_hash.to_hex())
            .bind(s.root_hash.to_hex())
            .bind(s.min_ts_ms)
            .bind(s.max_ts_ms)
            .bind(s.archived_ms)
            .bind(s.location.as_str())
            .bind(s.file_sha256.to_hex())
            .bind(s.checkpoint.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;

        let mut dropped = Vec::new();
        for part in self.partitions().await? {
            let Some(end_ms) = partition_end_ms(&part) else {
                continue;
            };
            if end_ms > cutoff_ms {
                continue;
            }
            // A partition can go when no chain has a row in it above its archived end: one
            // index probe per chain. `part` matched ^audit_records_[0-9]{4}_[0-9]{2}$.
            let mut live = 0i64;
            for (node, archived) in self.archived_ends().await? {
                let above: Option<i64> = sqlx::query_scalar(&format!(
                    "SELECT seq FROM {part} WHERE node_id = $1 AND seq > $2 LIMIT 1"
                ))
                .bind(node)
                .bind(archived)
                .fetch_optional(&self.pool)
                .await?;
                live += i64::from(above.is_some());
            }
            if live == 0 {
                sqlx::raw_sql(&format!("DROP TABLE {part}"))
                    .execute(&self.pool)
                    .await?;
                tracing::info!(partition = %part, "dropped an archived audit partition");
                dropped.push(part);
            }
        }
        for s in segments {
            sqlx::query("DELETE FROM audit_records WHERE node_id = $1 AND seq >= $2 AND seq <= $3")
                .bind(s.node_id.as_str())
                .bind(s.first_seq)
                .bind(s.last_seq)
                .execute(&self.pool)
                .await?;
        }
        Ok(dropped)
    }
}

impl Store {
    /// Every chain with the last seq it has archived (0 if none).
    async fn archived_ends(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT h.node_id, COALESCE((SELECT MAX(s.last_seq) FROM audit_segments s \
             WHERE s.node_id = h.node_id), 0) FROM audit_chains h",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

/// The first millisecond after the month a partition named `audit_records_YYYY_MM` covers.
fn partition_end_ms(name: &str) -> Option<i64> {
    let ym = name.strip_prefix("audit_records_")?;
    let (y, m) = ym.split_once('_')?;
    calendar::next_month_start_ms(y.parse().ok()?, m.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_map_to_month_ends() {
        let first_of = |d| calendar::start_ms(calendar::parse_date(d).unwrap());
        assert_eq!(
            partition_end_ms("audit_records_2024_12"),
            Some(first_of("2025-01-01"))
        );
        assert_eq!(
            partition_end_ms("audit_records_2024_02"),
            Some(first_of("2024-03-01"))
        );
        assert_eq!(partition_end_ms("audit_records_2024_13"), None);
        assert_eq!(partition_end_ms("audit_records_default"), None);
    }
}
