//! The audit store: SQLite (embedded default, WAL) or PostgreSQL, through one sqlx code path.
//!
//! Each node's [`super::AuditWriter`] task is the only writer of its chain. Queries use `$n`
//! placeholders, which both SQLite and PostgreSQL accept. Migrations are embedded and applied at
//! open; on PostgreSQL under `pg_advisory_lock`, so replicas starting together do not race.
//!
//! - [`records`]: appending batches, reading records and chains.
//! - [`tree`]: chain heads, stored Merkle subtrees, checkpoints and archived segments.
//! - [`partitions`]: PostgreSQL monthly partitions of `audit_records`.
//! - [`cosign`]: witnesses' cosignatures of checkpoints.

mod connect;
mod cosign;
mod events;
mod filter;
mod partitions;
mod records;
#[cfg(test)]
mod tests;
mod tree;
mod versions;

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Executor, Row};

use super::Digest;

pub use filter::SqlFilter;
pub use records::{Batch, RecordFilter};
pub use tree::SegmentRow;
pub use versions::VersionRow;

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
    #[error(
        "chain {0:?} was extended by another writer: every replica sharing a store needs its own node_id"
    )]
    ChainMoved(String),
    #[error("chain {node:?} lacks Merkle data for leaves {from}..{to} (archived or removed)")]
    MissingLeaves { node: String, from: u64, to: u64 },
}

/// Embedded migrations `(version, name, sql)`, applied in order, each once. Version ranges:
/// 1-99 the audit log itself, 100-199 ranking and oversight, 200-299 identity and subjects,
/// 310-319 readiness probes and data freshness.
/// 400-409 the audit log's trust (keyed payload hashes, witnesses).
/// 700-709 catalogue versions, cases and appeals.
/// 1000-1049 case and end-user identity, field projections, appeals.
/// 1150-1199 request ids unique across partitions and archives.
/// 1400-1499 dated official editions of the ranking.
const MIGRATIONS_SQLITE: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/sqlite_0001_init.sql")),
    (
        2,
        "chains_checkpoints",
        include_str!("migrations/sqlite_0002_chains_checkpoints.sql"),
    ),
    (
        3,
        "partial_refusal_index",
        include_str!("migrations/sqlite_0003_partial_refusal_index.sql"),
    ),
    (
        4,
        "events",
        include_str!("migrations/sqlite_0004_events.sql"),
    ),
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
    (
        201,
        "partial_subject_index",
        include_str!("migrations/sqlite_0201_partial_subject_index.sql"),
    ),
    (
        310,
        "probes_freshness",
        include_str!("migrations/sqlite_0310_probes_freshness.sql"),
    ),
    (
        400,
        "payload_scheme",
        include_str!("migrations/sqlite_0400_payload_scheme.sql"),
    ),
    (
        401,
        "cosignatures",
        include_str!("migrations/sqlite_0401_cosignatures.sql"),
    ),
    (
        700,
        "catalog_versions",
        include_str!("migrations/sqlite_0700_catalog_versions.sql"),
    ),
    (
        1000,
        "cases",
        include_str!("migrations/sqlite_1000_cases.sql"),
    ),
    (
        1150,
        "request_ids",
        include_str!("migrations/sqlite_1150_request_ids.sql"),
    ),
    (
        1400,
        "ranking_editions",
        include_str!("migrations/sqlite_1400_ranking_editions.sql"),
    ),
];
const MIGRATIONS_POSTGRES: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/postgres_0001_init.sql")),
    (
        2,
        "partitions_checkpoints",
        include_str!("migrations/postgres_0002_partitions_checkpoints.sql"),
    ),
    (
        3,
        "partial_refusal_index",
        include_str!("migrations/postgres_0003_partial_refusal_index.sql"),
    ),
    (
        4,
        "events",
        include_str!("migrations/postgres_0004_events.sql"),
    ),
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
    (
        201,
        "partial_subject_index",
        include_str!("migrations/postgres_0201_partial_subject_index.sql"),
    ),
    (
        310,
        "probes_freshness",
        include_str!("migrations/postgres_0310_probes_freshness.sql"),
    ),
    (
        400,
        "payload_scheme",
        include_str!("migrations/postgres_0400_payload_scheme.sql"),
    ),
    (
        401,
        "cosignatures",
        include_str!("migrations/postgres_0401_cosignatures.sql"),
    ),
    (
        700,
        "catalog_versions",
        include_str!("migrations/postgres_0700_catalog_versions.sql"),
    ),
    (
        1000,
        "cases",
        include_str!("migrations/postgres_1000_cases.sql"),
    ),
    (
        1150,
        "request_ids",
        include_str!("migrations/postgres_1150_request_ids.sql"),
    ),
    (
        1400,
        "ranking_editions",
        include_str!("migrations/postgres_1400_ranking_editions.sql"),
    ),
];

/// `pg_advisory_lock` key held while migrating (`b"dxgate:m"` as an integer).
/// PostgreSQL `statement_timeout` on every store connection: no audit statement runs longer.
pub const PG_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// PostgreSQL `idle_in_transaction_session_timeout`: a transaction left open is ended.
pub const PG_IDLE_IN_TRANSACTION: Duration = Duration::from_secs(60);
const MIGRATION_LOCK: i64 = 0x6478_6761_7465_3a6d;

/// Connections of the shared pool (read APIs, readiness, ranking, oversight).
const READ_POOL: u32 = 8;

/// A connection pool to the audit store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The URL it was opened with (for [`Store::dedicated`]).
    url: String,
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
        let pool = connect::connect(&url, backend, READ_POOL).await?;
        let store = Store { pool, backend, url };
        store.migrate().await?;
        Ok(store)
    }

    /// The same store on a pool of its own of `connections`: the audit writer commits on one,
    /// so that read APIs, readiness and the ranking (which share the first pool) can never
    /// take every connection it needs.
    pub async fn dedicated(&self, connections: u32) -> Result<Store, StoreError> {
        let pool = connect::connect(&self.url, self.backend, connections).await?;
        Ok(Store {
            pool,
            backend: self.backend,
            url: self.url.clone(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for modules that keep their own tables in the store (ranking, oversight).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Apply every pending migration, each in its own transaction. On PostgreSQL one session
    /// holds an advisory lock throughout, so concurrent replicas migrate one after another.
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Sqlite {
            return self.migrate_on(&mut conn).await;
        }
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
        let result = self.migrate_on(&mut conn).await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await;
        if unlocked.is_err() {
            // Never hand a session that may still hold the lock back to the pool.
            drop(conn.detach());
        }
        result
    }

    async fn migrate_on(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        conn.execute(
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
                    .fetch_optional(&mut *conn)
                    .await?;
            if done.is_some() {
                continue;
            }
            tracing::info!(version, name, "applying audit store migration");
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            if self.backend == Backend::Postgres {
                sqlx::raw_sql("SET LOCAL statement_timeout = 0")
                    .execute(&mut *tx)
                    .await?;
            }
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

impl StoreError {
    /// Say where a malformed value was found (`record <id>`, `tree node …`).
    fn within(self, what: impl std::fmt::Display) -> StoreError {
        match self {
            StoreError::Corrupt(m) => StoreError::Corrupt(format!("{what}: {m}")),
            e => e,
        }
    }
}

/// A hash column (stored as 64 hex digits); anything else is a corrupt store.
fn digest_column<I: sqlx::ColumnIndex<AnyRow> + std::fmt::Display + Copy>(
    r: &AnyRow,
    col: I,
) -> Result<Digest, StoreError> {
    let s: String = r.try_get(col)?;
    Digest::from_hex(&s).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
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
