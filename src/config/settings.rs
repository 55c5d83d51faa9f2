//! `dxgate.toml`: listener, store and audit-writer settings, with their defaults.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

/// The whole of `dxgate.toml`. Every section and key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub store: StoreSettings,
    pub audit: AuditSettings,
    pub ranking: crate::ranking::RankingSettings,
}

/// `[server]`: the consumer-facing listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address. Default `127.0.0.1:8080`; env `DXGATE_LISTEN` overrides.
    pub listen: SocketAddr,
    /// This replica's id: names its own hash chain in the audit log. Default `node-1`.
    pub node_id: String,
    /// Largest request body accepted, in bytes. Default 1 MiB.
    pub max_request_body: usize,
    /// Longest a whole request may take, source included. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Longest a client may take to send its request headers. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            node_id: "node-1".into(),
            max_request_body: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// `[store]`: where the audit log lives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// sqlx URL of the audit store. Default: `sqlite://<config dir>/data/audit.db`.
    /// Env `DXGATE_STORE_URL` overrides. Relative SQLite paths resolve against the config dir.
    pub url: Option<String>,
}

/// `[audit]`: the group-commit writer.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Most records committed in one transaction. Default 1024.
    pub batch_max: usize,
    /// Records that may wait for the writer before requests get 503. Default 65536.
    pub queue_capacity: usize,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            batch_max: 1024,
            queue_capacity: 65536,
        }
    }
}
