//! How a source is declared in `policies/` (the `[datasets.source]` table).

use std::time::Duration;

use serde::Deserialize;

/// `[datasets.source]`, tagged by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceSpec {
    Http(HttpSpec),
    Sql(SqlSpec),
}

/// `kind = "http"`: the agency's HTTP API. GET requests forward the query string, POST
/// requests forward the JSON body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// `http://host:port/path` or `https://host:port/path` of the dataset at the agency.
    pub url: String,
    /// https only: PEM CA certificate(s) to trust for this source instead of the system roots,
    /// relative to the config dir. Default: none (system roots).
    #[serde(default)]
    pub ca_file: Option<String>,
    /// https only: PEM certificate chain the gateway presents to the agency (mTLS), relative to
    /// the config dir. Default: none. Needs `client_key`.
    #[serde(default)]
    pub client_cert: Option<String>,
    /// https only: PEM private key of `client_cert`. Default: none.
    #[serde(default)]
    pub client_key: Option<String>,
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlSpec {
    /// sqlx URL: `sqlite://…`, `postgres://…` or `mysql://…`. Relative SQLite paths resolve
    /// against the config directory.
    pub url: String,
    /// SQLite only: a seed script (relative to the config dir) run once to create the database
    /// when its file does not exist. Used by the demo catalogue.
    #[serde(default)]
    pub seed: Option<String>,
    /// One SELECT (or WITH … SELECT) statement; `:name` parameters come from the request.
    pub query: String,
    /// Most rows returned; more is a source error. Default 1000.
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
    /// Query timeout, waiting for a connection included. Default `10s`.
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
