//! Store connections: a pool whose every session is set up for the audit store (SQLite WAL,
//! full sync, busy timeout; PostgreSQL statement and idle-in-transaction timeouts).

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use super::{Backend, StoreError, PG_IDLE_IN_TRANSACTION, PG_STATEMENT_TIMEOUT};

/// A pool of `connections` to `url`, each session set up for the audit store.
pub(super) async fn connect(
    url: &str,
    backend: Backend,
    connections: u32,
) -> Result<AnyPool, StoreError> {
    Ok(AnyPoolOptions::new()
        .max_connections(connections)
        // Short: while the store is down every commit attempt waits this long before the
        // batch fails closed with 503, so keep that wait small.
        .acquire_timeout(Duration::from_secs(2))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                } else {
                    // No statement or forgotten transaction holds a store connection (and
                    // its locks) for long; migrations lift the statement limit locally.
                    let statement = PG_STATEMENT_TIMEOUT.as_millis();
                    let idle = PG_IDLE_IN_TRANSACTION.as_millis();
                    conn.execute(&*format!("SET statement_timeout = {statement}"))
                        .await?;
                    conn.execute(&*format!(
                        "SET idle_in_transaction_session_timeout = {idle}"
                    ))
                    .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?)
}
