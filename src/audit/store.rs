//! The audit store: SQLite (embedded default, WAL) or PostgreSQL, through one sqlx code path.
//!
//! Only the [`super::AuditWriter`] task appends, so SQLite never sees two writers. Queries use
//! `$n` placeholders, which both SQLite and PostgreSQL accept. Migrations are embedded and
//! applied at open.

use std::path::Path;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::chain::Head;
use super::{Entry, Outcome, RecordedJustification, SchemaResult, StoredRecord};
use crate::policy::JustificationStatus;

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store url must start with sqlite: or postgres: (got {0:?})")]
    UnsupportedUrl(String),
    #[error("audit store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("audit store holds a malformed record: {0}")]
    Corrupt(String),
}

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
    pub limit: u32,
}

const COLUMNS: &str =
    "node_id, seq, request_id, ts_ms, consumer, agency, dataset, method, purpose, \
    outcome, status, legal_basis, reason, decided_by, justification_status, request_schema, \
    response_schema, request_sha256, response_sha256, latency_us, source_latency_us, detail, \
    prev_hash, hash, subject_hash";
const NCOLS: usize = 25;
/// Rows per INSERT statement: 1,024 × 25 parameters stays under SQLite's 32,766 and
/// PostgreSQL's 65,535 limits, so a default-sized group commit (`batch_max` 1024) is one
/// statement.
const ROWS_PER_INSERT: usize = 1024;

/// Embedded migrations `(version, name, sql)`, applied in order, each once. Version ranges:
/// 1-99 the audit log itself, 100-199 ranking and oversight, 200-299 identity and subjects.
const MIGRATIONS_SQLITE: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/sqlite_0001_init.sql")),
    (
        100,
        "ranking",
        include_str!("../ranking/sql/0100_ranking.sql"),
    ),
    (
        101,
        "oversight_reviews",
        include_str!("../oversight/sql/0101_reviews.sql"),
    ),
    (
        200,
        "subject_hash",
        include_str!("migrations/sqlite_0200_subject_hash.sql"),
    ),
];
const MIGRATIONS_POSTGRES: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/postgres_0001_init.sql")),
    (
        100,
        "ranking",
        include_str!("../ranking/sql/0100_ranking.sql"),
    ),
    (
        101,
        "oversight_reviews",
        include_str!("../oversight/sql/0101_reviews.sql"),
    ),
    (
        200,
        "subject_hash",
        include_str!("migrations/postgres_0200_subject_hash.sql"),
    ),
];

/// A connection pool to the audit store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Open (creating a SQLite file and its directory if needed) and migrate.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let mut url = url.to_owned();
        if backend == Backend::Sqlite {
            if let Some(parent) =
                sqlite_file(&url).and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
            {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(&parent)
                        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
                }
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for modules that keep their own tables in the store (ranking, oversight).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS dxgate_migrations \
                 (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
            )
            .await?;
        let migrations = match self.backend {
            Backend::Sqlite => MIGRATIONS_SQLITE,
            Backend::Postgres => MIGRATIONS_POSTGRES,
        };
        for (version, name, sql) in migrations {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM dxgate_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO dxgate_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
            )
            .bind(*version)
            .bind(*name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The last committed record of `node_id`'s chain, or genesis.
    pub async fn head(&self, node_id: &str) -> Result<Head, StoreError> {
        let row = sqlx::query(
            "SELECT seq, hash FROM audit_records WHERE node_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(node_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Head {
                seq: r.try_get(0)?,
                hash: r.try_get(1)?,
            },
            None => Head::genesis(),
        })
    }

    /// Append `records` in ONE transaction: all are durable, or none is.
    pub async fn append(&self, records: &[StoredRecord]) -> Result<(), StoreError> {
        if records.len() <= ROWS_PER_INSERT {
            // One statement is one implicit transaction: atomic, and it saves the BEGIN and
            // COMMIT round trips to the database on every group commit.
            insert_query(&insert_sql(records.len(), self.backend), records)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in records.chunks(ROWS_PER_INSERT) {
            let sql = insert_sql(chunk.len(), self.backend);
            insert_query(&sql, chunk).execute(&mut *tx).await?;
        }
        tx.commit().await?;
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

    /// Newest first, filtered, at most `filter.limit`.
    pub async fn list(&self, filter: &RecordFilter) -> Result<Vec<StoredRecord>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_records WHERE 1=1");
        let mut n = 0;
        let mut next = |col: &str, op: &str| {
            n += 1;
            format!(" AND {col} {op} ${n}")
        };
        if filter.consumer.is_some() {
            sql += &next("consumer", "=");
        }
        if filter.agency.is_some() {
            sql += &next("agency", "=");
        }
        if filter.dataset.is_some() {
            sql += &next("dataset", "=");
        }
        if filter.outcome.is_some() {
            sql += &next("outcome", "=");
        }
        if filter.since_ms.is_some() {
            sql += &next("ts_ms", ">=");
        }
        if filter.before.is_some() {
            sql += &next("request_id", "<");
        }
        sql += &format!(
            " ORDER BY request_id DESC LIMIT {}",
            filter.limit.clamp(1, 1000)
        );
        let mut q = sqlx::query(&sql);
        for v in [&filter.consumer, &filter.agency, &filter.dataset]
            .into_iter()
            .flatten()
        {
            q = q.bind(v.clone());
        }
        if let Some(o) = filter.outcome {
            q = q.bind(o.as_str());
        }
        if let Some(s) = filter.since_ms {
            q = q.bind(s);
        }
        if let Some(b) = &filter.before {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(decode).collect()
    }

    /// Every node id that has a chain.
    pub async fn nodes(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT node_id FROM audit_records ORDER BY node_id")
                .fetch_all(&self.pool)
                .await?,
        )
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

    /// A cheap write round-trip, for readiness.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Run raw SQL against the store (tests and maintenance tools only).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Bind every column of `rows` to `sql` (from [`insert_sql`]), borrowing rather than copying.
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
            .bind(j.and_then(|j| j.legal_basis.as_deref()))
            .bind(j.and_then(|j| j.reason.as_deref()))
            .bind(j.map(|j| j.decided_by.as_str()))
            .bind(j.map(|j| j.status.as_str()))
            .bind(e.request_schema.as_str())
            .bind(e.response_schema.as_str())
            .bind(e.request_sha256.as_deref())
            .bind(e.response_sha256.as_deref())
            .bind(e.latency_us)
            .bind(e.source_latency_us)
            .bind(e.detail.as_deref())
            .bind(r.prev_hash.as_str())
            .bind(r.hash.as_str())
            .bind(e.subject_hash.as_deref());
    }
    q
}

/// A multi-row INSERT. SQLite gets anonymous `?` placeholders: binding named ones (`$n`) makes
/// SQLite look each name up in a list, quadratic in the parameter count, and that lookup was
/// the top of the profile with 1,500-parameter batches.
fn insert_sql(rows: usize, backend: Backend) -> String {
    let mut sql = String::with_capacity(64 + COLUMNS.len() + rows * NCOLS * 5);
    sql.push_str("INSERT INTO audit_records (");
    sql.push_str(COLUMNS);
    sql.push_str(") VALUES ");
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..NCOLS {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

fn decode(r: &AnyRow) -> Result<StoredRecord, StoreError> {
    let outcome: String = r.try_get("outcome")?;
    let outcome = Outcome::parse(&outcome)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown outcome {outcome:?}")))?;
    let schema = |col: &str| -> Result<SchemaResult, StoreError> {
        let s: String = r.try_get(col)?;
        SchemaResult::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("unknown {col} {s:?}")))
    };
    let decided_by: Option<String> = r.try_get("decided_by")?;
    let justification = match decided_by {
        None => None,
        Some(decided_by) => {
            let st: Option<String> = r.try_get("justification_status")?;
            let status = st
                .as_deref()
                .and_then(JustificationStatus::parse)
                .ok_or_else(|| StoreError::Corrupt(format!("bad justification_status {st:?}")))?;
            Some(RecordedJustification {
                legal_basis: r.try_get("legal_basis")?,
                reason: r.try_get("reason")?,
                decided_by,
                status,
            })
        }
    };
    let status: i64 = r.try_get("status")?;
    Ok(StoredRecord {
        node_id: r.try_get("node_id")?,
        seq: r.try_get("seq")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
        entry: Entry {
            request_id: r.try_get("request_id")?,
            ts_ms: r.try_get("ts_ms")?,
            consumer: r.try_get("consumer")?,
            agency: r.try_get("agency")?,
            dataset: r.try_get("dataset")?,
            method: r.try_get("method")?,
            purpose: r.try_get("purpose")?,
            outcome,
            status: u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("bad status {status}")))?,
            justification,
            request_schema: schema("request_schema")?,
            response_schema: schema("response_schema")?,
            request_sha256: r.try_get("request_sha256")?,
            response_sha256: r.try_get("response_sha256")?,
            latency_us: r.try_get("latency_us")?,
            source_latency_us: r.try_get("source_latency_us")?,
            detail: r.try_get("detail")?,
            subject_hash: r.try_get("subject_hash")?,
        },
    })
}

/// The file path inside a `sqlite:` URL, if it names a file.
pub fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path)
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
