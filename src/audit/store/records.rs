//! Appending batches of records (with their Merkle nodes, head update and checkpoint) and
//! reading records back.

use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::super::chain::Head;
use super::super::checkpoint::SignedCheckpoint;
use super::super::merkle::Subtree;
use super::super::{Digest, Entry, Event, EventKind, Outcome, SchemaResult, StoredRecord};
use super::{digest_column, now_ms, Backend, Store, StoreError};
use crate::policy::Justification;

pub(super) const COLUMNS: &str =
    "node_id, seq, request_id, ts_ms, consumer, agency, dataset, method, purpose, \
    outcome, status, legal_basis, reason, decided_by, justification_status, request_schema, \
    response_schema, request_sha256, response_sha256, latency_us, source_latency_us, detail, \
    prev_hash, hash, subject_hash, event_kind, event, payload_scheme, probe, data_as_of_ms, \
    duplicates, catalog_digest, data_case_hash, end_user_hash, projection";
const NCOLS: usize = 35;
const ID_COLUMNS: &str = "request_id, node_id, seq";
/// Rows per INSERT statement: as many as SQLite's 32,766 bound parameters allow (PostgreSQL's
/// limit is 65,535): 936 rows at 35 columns, so a default-sized group commit (`batch_max`
/// 1024) takes two statements, in the same transaction.
const ROWS_PER_INSERT: usize = 32_766 / NCOLS;

/// Filters for listing records; `None` means "any".
#[derive(Debug, Default, Clone)]
pub struct RecordFilter {
    pub consumer: Option<String>,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    pub outcome: Option<Outcome>,
    pub since_ms: Option<i64>,
    /// Only records older than this request id (UUIDv7 ids sort by time): the page cursor.
    pub before: Option<String>,
    /// Keyed hash of a `Data-Case` reference (oversight searches by exact value).
    pub data_case_hash: Option<Digest>,
    /// Keyed hash of an end user's id.
    pub end_user_hash: Option<Digest>,
    pub limit: u32,
}

/// Everything one group commit writes, in one transaction.
#[derive(Debug)]
pub struct Batch<'a> {
    pub node_id: &'a str,
    /// Chained records, in sequence order, following `head_before`.
    pub records: &'a [StoredRecord],
    /// Perfect Merkle subtrees the batch completed (256 leaves or more).
    pub tree_nodes: &'a [(Subtree, Digest)],
    /// The head this batch was chained on: the commit fails if the stored head moved.
    pub head_before: &'a Head,
    pub head_after: &'a Head,
    /// A checkpoint over `head_after`, when one is due.
    pub checkpoint: Option<&'a SignedCheckpoint>,
}

impl Store {
    /// Insert already-chained records in one transaction and move each chain's head row to
    /// its last record, without the Merkle nodes or checkpoints that [`Store::append_batch`]
    /// also writes. For benchmarks, tests and import tools that synthesise records; the gateway
    /// itself always uses `append_batch`.
    pub async fn append(&self, records: &[StoredRecord]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.insert_records(&mut tx, records).await?;
        let mut heads: std::collections::BTreeMap<&str, &StoredRecord> = Default::default();
        for r in records {
            heads.insert(&r.node_id, r);
        }
        for (node, r) in heads {
            sqlx::query(
                "INSERT INTO audit_chains (node_id, seq, hash, updated_ms) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (node_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, \
                 updated_ms = excluded.updated_ms",
            )
            .bind(node)
            .bind(r.seq)
            .bind(r.hash.to_hex())
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Commit `batch` in ONE transaction: records, tree nodes, the new head and the checkpoint
    /// are all durable, or none is. The head moves only if it is still `head_before` (an
    /// optimistic check on one row per node: replicas never wait for each other).
    pub async fn append_batch(&self, batch: &Batch<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        self.insert_records(&mut tx, batch.records).await?;
        for (t, h) in batch.tree_nodes {
            sqlx::query(
                "INSERT INTO audit_tree (node_id, level, idx, hash) VALUES ($1, $2, $3, $4)",
            )
            .bind(batch.node_id)
            .bind(i64::from(t.level))
            .bind(t.index as i64)
            .bind(h.to_hex())
            .execute(&mut *tx)
            .await?;
        }
        let moved = sqlx::query(
            "UPDATE audit_chains SET seq = $1, hash = $2, updated_ms = $3 \
             WHERE node_id = $4 AND seq = $5 AND hash = $6",
        )
        .bind(batch.head_after.seq)
        .bind(batch.head_after.hash.to_hex())
        .bind(now_ms())
        .bind(batch.node_id)
        .bind(batch.head_before.seq)
        .bind(batch.head_before.hash.to_hex())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::ChainMoved(batch.node_id.to_owned()));
        }
        if let Some(cp) = batch.checkpoint {
            Self::insert_checkpoint_on(&mut tx, cp).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The records and their request ids (`audit_request_ids`: unique across PostgreSQL's
    /// partitions and kept when records are archived; a duplicate fails the transaction).
    async fn insert_records(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        records: &[StoredRecord],
    ) -> Result<(), StoreError> {
        for chunk in records.chunks(ROWS_PER_INSERT) {
            let sql = insert_sql("audit_records", COLUMNS, NCOLS, chunk.len(), self.backend);
            insert_query(&sql, chunk).execute(&mut **tx).await?;
            let sql = insert_sql(
                "audit_request_ids",
                ID_COLUMNS,
                3,
                chunk.len(),
                self.backend,
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.entry.request_id.as_str())
                    .bind(r.node_id.as_str())
                    .bind(r.seq);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// One record by its request id.
    pub async fn get(&self, request_id: &str) -> Result<Option<StoredRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM audit_records WHERE request_id = $1");
        let row = sqlx::query(&sql)
            .bind(request_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(decode).transpose()
    }

    /// Newest first, filtered, at most `filter.limit` (1..=1000).
    pub async fn list(&self, filter: &RecordFilter) -> Result<Vec<StoredRecord>, StoreError> {
        let mut q = self.filter(&format!("SELECT {COLUMNS} FROM audit_records WHERE 1=1"));
        q.and_some("consumer =", filter.consumer.as_deref())
            .and_some("agency =", filter.agency.as_deref())
            .and_some("dataset =", filter.dataset.as_deref())
            .and_some("outcome =", filter.outcome.map(Outcome::as_str))
            .and_some("ts_ms >=", filter.since_ms)
            .and_some("request_id <", filter.before.as_deref())
            .and_some(
                "data_case_hash =",
                filter.data_case_hash.map(|d| d.to_hex()),
            )
            .and_some("end_user_hash =", filter.end_user_hash.map(|d| d.to_hex()))
            .push(" ORDER BY request_id DESC LIMIT ")
            .bind(i64::from(filter.limit.clamp(1, 1000)));
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(decode).collect()
    }

    /// The first `seq` after `after` in `node_id`'s chain whose record is from `since_ms` or
    /// later (records arrive out of time order by at most a request timeout).
    pub async fn first_seq_since(
        &self,
        node_id: &str,
        since_ms: i64,
        after: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(seq) FROM audit_records WHERE node_id = $1 AND ts_ms >= $2 AND seq > $3",
        )
        .bind(node_id)
        .bind(since_ms)
        .bind(after)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every node id that has a chain.
    pub async fn nodes(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT node_id FROM audit_chains UNION SELECT node_id FROM audit_records ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Up to `limit` records of `node_id`'s chain with `seq > after`, in chain order.
    pub async fn chain_page(
        &self,
        node_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_records WHERE node_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        let mut out = Vec::new();
        let mut rows = sqlx::query(&sql)
            .bind(node_id)
            .bind(after)
            .bind(limit)
            .fetch(&self.pool);
        while let Some(r) = rows.try_next().await? {
            out.push(decode(&r)?);
        }
        Ok(out)
    }
}

/// A multi-row INSERT. SQLite gets plain `?` placeholders: it resolves `$n` names with a linear
/// search per parameter, which makes binding 12,000 of them quadratic (measured 30x slower).
fn insert_sql(table: &str, columns: &str, ncols: usize, rows: usize, backend: Backend) -> String {
    let mut sql = String::with_capacity(64 + columns.len() + rows * ncols * 5);
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (");
    sql.push_str(columns);
    sql.push_str(") VALUES ");
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..ncols {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            if backend == Backend::Sqlite {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
        }
        sql.push(')');
    }
    sql
}

pub(super) fn decode(r: &AnyRow) -> Result<StoredRecord, StoreError> {
    let request_id: String = r.try_get("request_id")?;
    let corrupt = |what: String| StoreError::Corrupt(format!("record {request_id}: {what}"));
    let outcome: String = r.try_get("outcome")?;
    let outcome =
        Outcome::parse(&outcome).ok_or_else(|| corrupt(format!("unknown outcome {outcome:?}")))?;
    let schema = |col: &str| -> Result<SchemaResult, StoreError> {
        let s: String = r.try_get(col)?;
        SchemaResult::parse(&s).ok_or_else(|| corrupt(format!("unknown {col} {s:?}")))
    };
    let digest =
        |col: &str| digest_column(r, col).map_err(|e| e.within(format!("record {request_id}")));
    let optional = |col: &str| -> Result<Option<Digest>, StoreError> {
        let s: Option<String> = r.try_get(col)?;
        s.map(|s| Digest::from_hex(&s).map_err(|e| corrupt(format!("{col}: {e}"))))
            .transpose()
    };
    let justification = Justification::from_columns(
        r.try_get("decided_by")?,
        r.try_get("legal_basis")?,
        r.try_get("reason")?,
        r.try_get("justification_status")?,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    let status: i64 = r.try_get("status")?;
    Ok(StoredRecord {
        node_id: r.try_get("node_id")?,
        seq: r.try_get("seq")?,
        prev_hash: digest("prev_hash")?,
        hash: digest("hash")?,
        entry: Entry {
            ts_ms: r.try_get("ts_ms")?,
            consumer: r.try_get("consumer")?,
            agency: r.try_get("agency")?,
            dataset: r.try_get("dataset")?,
            method: r.try_get("method")?,
            purpose: r.try_get("purpose")?,
            outcome,
            status: u16::try_from(status).map_err(|_| corrupt(format!("bad status {status}")))?,
            justification,
            request_schema: schema("request_schema")?,
            response_schema: schema("response_schema")?,
            request_sha256: optional("request_sha256")?,
            response_sha256: optional("response_sha256")?,
            latency_us: r.try_get("latency_us")?,
            source_latency_us: r.try_get("source_latency_us")?,
            detail: r.try_get("detail")?,
            subject_hash: optional("subject_hash")?,
            event: event(r).map_err(corrupt)?,
            payload_scheme: r.try_get("payload_scheme")?,
            probe: r
                .try_get::<Option<i64>, _>("probe")?
                .is_some_and(|p| p != 0),
            data_as_of_ms: r.try_get("data_as_of_ms")?,
            duplicates: r
                .try_get::<Option<i64>, _>("duplicates")?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            catalog_digest: optional("catalog_digest")?,
            data_case_hash: optional("data_case_hash")?,
            end_user_hash: optional("end_user_hash")?,
            projection: r.try_get("projection")?,
            request_id: request_id.clone(),
        },
    })
}

/// The event columns of a record: both empty on a data request, both set on an event.
fn event(r: &AnyRow) -> Result<Option<Event>, String> {
    let kind: Option<String> = r.try_get("event_kind").map_err(|e| e.to_string())?;
    let facts: Option<String> = r.try_get("event").map_err(|e| e.to_string())?;
    match (kind, facts) {
        (None, None) => Ok(None),
        (Some(kind), Some(facts)) => {
            let k = EventKind::parse(&kind).ok_or(format!("unknown event kind {kind:?}"))?;
            let facts = serde_json::from_str(&facts).map_err(|e| format!("event facts: {e}"))?;
            Event::new(k, facts).map(Some).map_err(|e| e.to_string())
        }
        _ => Err("event_kind and event must be both set or both empty".into()),
    }
}

/// Bind every column of `rows` to `sql` (from `insert_sql`), borrowing rather than copying.
fn insert_query<'q>(
    sql: &'q str,
    rows: &'q [StoredRecord],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    for r in rows {
        let e = &r.entry;
        let j = e.justification.as_ref();
        q = q
            .bind(r.node_id.as_str())
            .bind(r.seq)
            .bind(e.request_id.as_str())
            .bind(e.ts_ms)
            .bind(e.consumer.as_deref())
            .bind(e.agency.as_deref())
            .bind(e.dataset.as_deref())
            .bind(e.method.as_str())
            .bind(e.purpose.as_deref())
            .bind(e.outcome.as_str())
            .bind(i64::from(e.status))
            .bind(j.and_then(Justification::legal_basis))
            .bind(j.and_then(Justification::reason))
            .bind(j.map(|j| j.decided_by.as_str()))
            .bind(j.map(|j| j.status().as_str()))
            .bind(e.request_schema.as_str())
            .bind(e.response_schema.as_str())
            .bind(e.request_sha256.map(|d| d.to_hex()))
            .bind(e.response_sha256.map(|d| d.to_hex()))
            .bind(e.latency_us)
            .bind(e.source_latency_us)
            .bind(e.detail.as_deref())
            .bind(r.prev_hash.to_hex())
            .bind(r.hash.to_hex())
            .bind(e.subject_hash.map(|d| d.to_hex()))
            .bind(e.event.as_ref().map(|ev| ev.kind.as_str()))
            .bind(e.event.as_ref().map(Event::canonical_facts))
            .bind(e.payload_scheme.as_deref())
            .bind(e.probe.then_some(1i64))
            .bind(e.data_as_of_ms)
            .bind(e.duplicates.map(i64::from))
            .bind(e.catalog_digest.map(|d| d.to_hex()))
            .bind(e.data_case_hash.map(|d| d.to_hex()))
            .bind(e.end_user_hash.map(|d| d.to_hex()))
            .bind(e.projection.as_deref());
    }
    q
}
