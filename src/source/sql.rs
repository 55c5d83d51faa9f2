//! SQL sources: a declared read-only query on the agency's database, rows returned as JSON.
//!
//! Read-only is enforced twice: SQLite databases are opened `mode=ro` with `query_only`, and
//! PostgreSQL/MySQL queries run inside `START TRANSACTION READ ONLY` that is always rolled back.

use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use serde_json::{Map, Number, Value};
use sqlx::any::{AnyPoolOptions, AnyRow, AnyTypeInfoKind};
use sqlx::{AnyPool, Column, Executor, Row, ValueRef};

use super::statement::{parse_statement, Dialect, Statement, StatementError};
use super::{SourceError, SourceReply, SourceRequest, SqlSpec};

/// Which database family the URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlKind {
    Sqlite,
    Postgres,
    Mysql,
}

impl SqlKind {
    pub fn from_url(url: &str) -> Option<SqlKind> {
        let scheme = url.split(':').next()?;
        match scheme {
            "sqlite" => Some(SqlKind::Sqlite),
            "postgres" | "postgresql" => Some(SqlKind::Postgres),
            "mysql" | "mariadb" => Some(SqlKind::Mysql),
            _ => None,
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            SqlKind::Postgres => Dialect::Dollar,
            SqlKind::Sqlite | SqlKind::Mysql => Dialect::Question,
        }
    }
}

/// Why a SQL source cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SqlSourceError {
    #[error("source url must start with sqlite:, postgres: or mysql:")]
    UnknownScheme,
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error("cannot open the database: {0}")]
    Open(String),
}

/// One agency database and its declared query.
#[derive(Debug)]
pub struct SqlSource {
    pool: AnyPool,
    kind: SqlKind,
    statement: Statement,
    max_rows: usize,
    max_bytes: usize,
    timeout: Duration,
}

impl SqlSource {
    /// Check the statement for `url` (already resolved). Does not connect.
    pub fn statement_for(url: &str, query: &str) -> Result<(SqlKind, Statement), SqlSourceError> {
        let kind = SqlKind::from_url(url).ok_or(SqlSourceError::UnknownScheme)?;
        Ok((kind, parse_statement(query, kind.dialect())?))
    }

    /// Check `spec` (its URL already resolved) as [`SqlSource::new`] would, without making a
    /// pool: the statement, and that the URL parses. Returns the statement's parameters.
    pub fn check(spec: &SqlSpec) -> Result<Vec<String>, SqlSourceError> {
        sqlx::any::install_default_drivers();
        let (kind, statement) = Self::statement_for(&spec.url, &spec.query)?;
        connect_url(kind, &spec.url)
            .parse::<sqlx::any::AnyConnectOptions>()
            .map_err(|e| SqlSourceError::Open(e.to_string()))?;
        Ok(statement.params)
    }

    /// Prepare the source; connections are opened lazily so a down agency database does not
    /// stop the gateway from starting.
    pub fn new(spec: &SqlSpec) -> Result<Self, SqlSourceError> {
        sqlx::any::install_default_drivers();
        let (kind, statement) = Self::statement_for(&spec.url, &spec.query)?;
        let url = connect_url(kind, &spec.url);
        let limit_ms = spec.timeout.as_millis().max(1);
        let pool = AnyPoolOptions::new()
            .max_connections(spec.max_concurrency.max(1) as u32)
            .min_connections(0)
            .acquire_timeout(spec.timeout)
            .idle_timeout(Some(Duration::from_secs(300)))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match kind {
                        SqlKind::Sqlite => {
                            conn.execute("PRAGMA query_only = ON").await?;
                        }
                        // The database cancels a query that outlives the source's timeout.
                        SqlKind::Postgres => {
                            conn.execute(&*format!("SET statement_timeout = {limit_ms}"))
                                .await?;
                        }
                        SqlKind::Mysql => {
                            // MariaDB (seconds, any statement) or MySQL (ms, SELECT only).
                            let secs = limit_ms as f64 / 1000.0;
                            let maria = format!("SET SESSION max_statement_time = {secs}");
                            if conn.execute(&*maria).await.is_err() {
                                let mysql = format!("SET SESSION max_execution_time = {limit_ms}");
                                conn.execute(&*mysql).await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_lazy(&url)
            .map_err(|e| SqlSourceError::Open(e.to_string()))?;
        Ok(SqlSource {
            pool,
            kind,
            statement,
            max_rows: spec.max_rows,
            max_bytes: spec.max_result_bytes,
            timeout: spec.timeout,
        })
    }

    pub fn params(&self) -> &[String] {
        &self.statement.params
    }

    pub async fn fetch(&self, req: &SourceRequest<'_>) -> Result<SourceReply, SourceError> {
        match tokio::time::timeout(self.timeout, self.run(req.params)).await {
            Ok(Err(SourceError::Timeout(_))) | Err(_) => Err(SourceError::Timeout(self.timeout)),
            Ok(r) => r,
        }
    }

    async fn run(&self, params: &Value) -> Result<SourceReply, SourceError> {
        let mut conn = self.pool.acquire().await.map_err(|e| match e {
            sqlx::Error::PoolTimedOut => SourceError::Timeout(self.timeout),
            e => SourceError::Unreachable(e.to_string()),
        })?;
        let transactional = self.kind != SqlKind::Sqlite;
        if transactional {
            conn.execute("START TRANSACTION READ ONLY")
                .await
                .map_err(db_error)?;
        }
        let result = self.query_rows(&mut conn, params).await;
        if transactional {
            // Always roll back: the source is read-only by contract. A failed rollback means
            // the connection is broken; drop it rather than return it to the pool.
            if conn.execute("ROLLBACK").await.is_err() {
                conn.detach();
                return result.and(Err(SourceError::Database("rollback failed".into())));
            }
        }
        let rows = result?;
        let bytes = Bytes::from(
            serde_json::to_vec(&rows).map_err(|e| SourceError::Database(e.to_string()))?,
        );
        Ok(SourceReply::Data { bytes, json: rows })
    }

    async fn query_rows(
        &self,
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
        params: &Value,
    ) -> Result<Value, SourceError> {
        let mut q = sqlx::query(&self.statement.sql);
        for name in &self.statement.params {
            q = match params.get(name) {
                None | Some(Value::Null) => q.bind(Option::<String>::None),
                Some(Value::Bool(b)) => q.bind(*b),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => q.bind(i),
                    None => q.bind(n.as_f64().unwrap_or(0.0)),
                },
                Some(Value::String(s)) => q.bind(s.clone()),
                Some(other) => q.bind(other.to_string()),
            };
        }
        let mut stream = q.fetch(&mut **conn);
        let mut rows = Vec::new();
        let mut bytes = 2usize;
        while let Some(row) = stream.try_next().await.map_err(db_error)? {
            if rows.len() == self.max_rows {
                return Err(SourceError::TooBroad(format!(
                    "more than max_rows = {} rows",
                    self.max_rows
                )));
            }
            let row = row_to_json(&row)?;
            bytes += serde_json::to_string(&row).map_or(0, |s| s.len()) + 1;
            if bytes > self.max_bytes {
                return Err(SourceError::TooBroad(format!(
                    "more than max_result_bytes = {} bytes",
                    self.max_bytes
                )));
            }
            rows.push(row);
        }
        Ok(Value::Array(rows))
    }
}

fn db_error(e: sqlx::Error) -> SourceError {
    // Cancelled by the statement timeout set on the session (PostgreSQL 57014, MariaDB
    // 70100, MySQL 3024): a timeout; `fetch` fills in the length.
    let code = e
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned());
    if matches!(code.as_deref(), Some("57014" | "70100" | "HY000"))
        && e.to_string().to_ascii_lowercase().contains("time")
    {
        return SourceError::Timeout(Duration::ZERO);
    }
    match e {
        sqlx::Error::Io(e) => SourceError::Unreachable(e.to_string()),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            SourceError::Unreachable(e.to_string())
        }
        e => SourceError::Database(e.to_string()),
    }
}

/// One row as a JSON object, column name → value.
fn row_to_json(row: &AnyRow) -> Result<Value, SourceError> {
    let mut obj = Map::with_capacity(row.columns().len());
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i).map_err(db_error)?;
        let value = if raw.is_null() {
            Value::Null
        } else {
            let kind = raw.type_info().kind();
            match kind {
                AnyTypeInfoKind::Bool => Value::Bool(row.try_get::<bool, _>(i).map_err(db_error)?),
                k if k.is_integer() => Value::from(row.try_get::<i64, _>(i).map_err(db_error)?),
                AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => {
                    let f = row.try_get::<f64, _>(i).map_err(db_error)?;
                    Number::from_f64(f).map_or(Value::Null, Value::Number)
                }
                // MySQL reports TEXT columns as blobs: text that is UTF-8 stays text, real
                // binary becomes hex.
                AnyTypeInfoKind::Blob => {
                    let bytes = row.try_get::<Vec<u8>, _>(i).map_err(db_error)?;
                    match String::from_utf8(bytes) {
                        Ok(text) => Value::String(text),
                        Err(e) => Value::String(hex::encode(e.into_bytes())),
                    }
                }
                _ => Value::String(row.try_get::<String, _>(i).map_err(db_error)?),
            }
        };
        obj.insert(col.name().to_owned(), value);
    }
    Ok(Value::Object(obj))
}

/// The URL connections use: SQLite databases are opened read-only.
fn connect_url(kind: SqlKind, url: &str) -> String {
    match kind {
        SqlKind::Sqlite => read_only_sqlite_url(url),
        _ => url.to_owned(),
    }
}

/// Add `mode=ro` to a SQLite URL so the gateway can never write to an agency database.
fn read_only_sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=ro")
    } else {
        format!("{url}?mode=ro")
    }
}
