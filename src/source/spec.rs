//! How a source is declared in `policies/` (the `[datasets.source]` table): plain data. Loading
//! resolves its relative paths against the config directory, so a spec names its files fully.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::UpstreamTls;

/// `[datasets.source]`, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceSpec {
    Http(HttpSpec),
    Sql(SqlSpec),
}

impl SourceSpec {
    /// `http` or `sql`.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::Http(_) => "http",
            SourceSpec::Sql(_) => "sql",
        }
    }

    /// The system asked: the HTTP URL or the database URL. A source whose endpoint is unchanged
    /// by a reload keeps its circuit breaker and health figures.
    pub fn endpoint(&self) -> &str {
        match self {
            SourceSpec::Http(h) => &h.url,
            SourceSpec::Sql(s) => &s.url,
        }
    }

    /// `(breaker_failures, breaker_cooldown)`.
    pub fn breaker(&self) -> (u32, Duration) {
        match self {
            SourceSpec::Http(h) => (h.breaker_failures, h.breaker_cooldown),
            SourceSpec::Sql(s) => (s.breaker_failures, s.breaker_cooldown),
        }
    }

    /// Make relative file paths absolute against `dir` (the config directory); `resolve_url`
    /// does the same for a SQL URL.
    pub fn resolve(&mut self, dir: &Path, resolve_url: impl Fn(&Path, &str) -> String) {
        match self {
            SourceSpec::Http(h) => {
                for p in [&mut h.ca_file, &mut h.client_cert, &mut h.client_key] {
                    if let Some(p) = p.as_mut() {
                        *p = dir.join(&*p);
                    }
                }
            }
            SourceSpec::Sql(s) => {
                s.url = resolve_url(dir, &s.url);
                if let Some(seed) = s.seed.as_mut() {
                    *seed = dir.join(&*seed);
                }
            }
        }
    }
}

impl HttpSpec {
    /// The TLS settings that pick this source's pooled client.
    pub fn tls(&self) -> UpstreamTls {
        UpstreamTls {
            ca_file: self.ca_file.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
        }
    }
}

/// `kind = "http"`: the agency's HTTP API. GET requests forward the query string, POST
/// requests forward the JSON body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// `http://host:port/path` or `https://host:port/path` of the dataset at the agency.
    pub url: String,
    /// https only: PEM CA certificate(s) to trust for this source instead of the system roots,
    /// relative to the config dir. Default: none (system roots).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// https only: PEM certificate chain the gateway presents to the agency (mTLS), relative to
    /// the config dir. Default: none. Needs `client_key`.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    /// https only: PEM private key of `client_cert`. Default: none.
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    /// Whole-exchange timeout, waiting for a concurrency slot included. Default `10s`.
    #[serde(default = "default_http_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Most requests in flight to this source at once. Default 32.
    #[serde(default = "default_http_concurrency")]
    pub max_concurrency: usize,
    /// Largest answer accepted, in bytes. Default 8 MiB.
    #[serde(default = "default_max_response")]
    pub max_response_bytes: usize,
    /// Consecutive failures (unreachable, timeout, 5xx) that open the circuit breaker.
    /// Default 5; 0 disables the breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe request is let through. Default `30s`.
    #[serde(default = "default_breaker_cooldown", with = "humantime_serde")]
    pub breaker_cooldown: Duration,
}

/// `kind = "sql"`: a declared, parameterized, read-only query on the agency's database.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlSpec {
    /// sqlx URL: `sqlite://…`, `postgres://…` or `mysql://…`. Relative SQLite paths resolve
    /// against the config directory.
    pub url: String,
    /// SQLite only: a seed script (relative to the config dir) run once to create the database
    /// when its file does not exist. Used by the demo catalogue.
    #[serde(default)]
    pub seed: Option<PathBuf>,
    /// One SELECT (or WITH … SELECT) statement; `:name` parameters come from the request.
    pub query: String,
    /// Most rows returned; a request matching more is refused as too broad (400, the
    /// consumer's fault: not counted against the source's breaker). Default 1000.
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
    /// Largest result, in bytes of JSON; more is refused like `max_rows`. Default 8 MiB.
    #[serde(default = "default_max_response")]
    pub max_result_bytes: usize,
    /// Query timeout, waiting for a connection included. Default `10s`. PostgreSQL and
    /// MariaDB/MySQL sessions also get it as their statement timeout, so a query that runs
    /// out of time is cancelled at the database, not left running there.
    #[serde(default = "default_sql_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    /// Connections (and so queries in flight) at most. Default 8.
    #[serde(default = "default_sql_concurrency")]
    pub max_concurrency: usize,
    /// Consecutive failures (unreachable, timeout, database error) that open the circuit
    /// breaker. Default 5; 0 disables the breaker.
    #[serde(default = "default_breaker_failures")]
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe request is let through. Default `30s`.
    #[serde(default = "default_breaker_cooldown", with = "humantime_serde")]
    pub breaker_cooldown: Duration,
}

fn default_http_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_sql_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_http_concurrency() -> usize {
    32
}
fn default_sql_concurrency() -> usize {
    8
}
fn default_max_response() -> usize {
    8 * 1024 * 1024
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown() -> Duration {
    Duration::from_secs(30)
}
fn default_max_rows() -> usize {
    1000
}
