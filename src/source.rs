//! The agency sources a dataset is served from: an HTTP API or a read-only SQL query.
//!
//! A dataset declares its source as data ([`SourceSpec`]); [`Source::build`] turns that into a
//! live client (an HTTP client or a SQL pool) with a timeout and a concurrency cap, and
//! [`Source::fetch`] asks it behind the dataset's circuit breaker ([`breaker`]), turning whatever
//! comes back into a [`SourceReply`] or a [`SourceError`] the pipeline can classify. Sources and
//! breakers are runtime state, kept by `crate::runtime` across reloads. HTTPS sources get their
//! clients from [`tls`]; demo SQLite sources are created from seed scripts by [`seed_sqlite`].

pub mod breaker;
pub mod http;
mod seed;
mod spec;
mod sql;
mod statement;
pub mod tls;

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

pub use http::{BadUrl, HttpSource};
pub use seed::{seed_sources, seed_sqlite, SeedError};
pub use spec::{HttpSpec, SourceSpec, SqlSpec};
pub use sql::{SqlKind, SqlSource, SqlSourceError};
pub use statement::{parse_statement, Statement, StatementError};
pub use tls::{UpstreamClient, UpstreamClients, UpstreamTls, UpstreamTlsError};

use breaker::Breaker;

use crate::policy::Text;

/// What the pipeline hands a source.
pub struct SourceRequest<'a> {
    pub request_id: &'a str,
    pub consumer: &'a str,
    pub purpose: &'a str,
    /// Raw query string for GET requests (already schema-checked).
    pub query: &'a str,
    /// JSON body for POST requests (already schema-checked).
    pub body: Option<&'a Bytes>,
    /// The request as JSON (query converted, or the body), for SQL parameters.
    pub params: &'a Value,
}

/// A successful exchange with the source.
#[derive(Debug)]
pub enum SourceReply {
    /// 2xx with a JSON body: `bytes` is exactly what the consumer receives.
    Data { bytes: Bytes, json: Value },
    /// The source answered 404: no record matches.
    NotFound,
    /// The source itself refused (HTTP 403/451). `justification` is present only when the
    /// source supplied both a legal basis and a reason.
    Refused {
        status: u16,
        justification: Option<(Text, Text)>,
    },
}

/// The source failed to answer usefully. Whose fault it is decides the outcome.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("the source did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the source could not be reached: {0}")]
    Unreachable(String),
    #[error("the source answered with HTTP status {0}")]
    Status(u16),
    #[error("the source's answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the source's answer is not valid JSON: {0}")]
    Malformed(String),
    #[error("the source database rejected the query: {0}")]
    Database(String),
    /// The consumer's request matches more than the source may return (`max_rows`,
    /// `max_result_bytes`): the consumer's fault, never counted against the source.
    #[error("the request matches too much: {0}")]
    TooBroad(String),
    /// The circuit breaker is open: the source failed repeatedly and is not asked for now.
    #[error("the source is unavailable (circuit open); retry after {0:?}")]
    Unavailable(Duration),
}

impl SourceError {
    /// Malformed or oversized answers are the source breaking its contract (`invalid_response`);
    /// the rest mean the source could not serve (`source_error`).
    pub fn is_invalid_response(&self) -> bool {
        matches!(self, SourceError::Malformed(_) | SourceError::TooLarge(_))
    }

    /// Failures that say the source is down or overloaded: these count towards its breaker.
    /// Refusals, 404s and contract breaches do not.
    pub fn counts_as_failure(&self) -> bool {
        match self {
            SourceError::Timeout(_) | SourceError::Unreachable(_) | SourceError::Database(_) => {
                true
            }
            SourceError::Status(s) => *s >= 500,
            SourceError::TooLarge(_)
            | SourceError::Malformed(_)
            | SourceError::Unavailable(_)
            | SourceError::TooBroad(_) => false,
        }
    }
}

/// A source that cannot be built from its (validated) spec.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("source TLS: {0}")]
    Tls(#[from] UpstreamTlsError),
    #[error(transparent)]
    Url(#[from] BadUrl),
    #[error(transparent)]
    Sql(#[from] SqlSourceError),
}

/// A ready-to-use source: the client (and its connection pool), timeout and concurrency cap.
#[derive(Debug)]
pub enum Source {
    Http(Box<HttpSource>),
    Sql(Box<SqlSource>),
}

impl Source {
    /// Build the client `spec` declares. HTTP sources take their pooled client from `clients`
    /// (one per TLS configuration); SQL sources open their pool lazily, so a down agency
    /// database does not stop the gateway from starting.
    pub fn build(spec: &SourceSpec, clients: &UpstreamClients) -> Result<Source, BuildError> {
        Ok(match spec {
            SourceSpec::Http(h) => {
                let client = clients.get(&h.tls())?;
                Source::Http(Box::new(HttpSource::new(h, client)?))
            }
            SourceSpec::Sql(s) => Source::Sql(Box::new(SqlSource::new(s)?)),
        })
    }

    /// Ask the source, within its timeout and concurrency cap, behind `breaker`. While the
    /// breaker is open this answers [`SourceError::Unavailable`] at once.
    pub async fn fetch(
        &self,
        breaker: &Breaker,
        req: &SourceRequest<'_>,
    ) -> Result<SourceReply, SourceError> {
        let admit = breaker
            .admit()
            .map_err(|open| SourceError::Unavailable(open.retry_after))?;
        let reply = match self {
            Source::Http(s) => s.fetch(req).await,
            Source::Sql(s) => s.fetch(req).await,
        };
        let failed = reply
            .as_ref()
            .err()
            .is_some_and(SourceError::counts_as_failure);
        if breaker.record(admit, failed) {
            tracing::warn!(
                target: "dxgate::security",
                event = "circuit_opened",
                kind = self.kind(),
                "source failed repeatedly: circuit breaker open, answering 503 until a probe succeeds"
            );
        }
        reply
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Source::Http(_) => "http",
            Source::Sql(_) => "sql",
        }
    }
}
