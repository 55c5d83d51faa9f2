//! `dxgate.toml`: listener, store and audit-writer settings, with their defaults. The security
//! sections live in [`super::security_settings`]; every section is checked in one place,
//! `load/settings.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::security_settings::{HarvestSettings, JwtSettings, SubjectSettings, TlsSettings};

/// The whole of `dxgate.toml`. Every section and key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub store: StoreSettings,
    pub audit: AuditSettings,
    /// Default: plain HTTP.
    pub tls: TlsSettings,
    /// Default: off (no eID tokens accepted).
    #[serde(alias = "oidc")]
    pub jwt: Option<JwtSettings>,
    /// `[sign_in]`: staff sign-in with OpenID Connect. Default: off.
    pub sign_in: Option<super::SignInSettings>,
    pub subjects: SubjectSettings,
    pub harvest: HarvestSettings,
    pub ranking: crate::ranking::RankingSettings,
    /// The daily readiness probe of every connected dataset.
    pub probes: super::ProbeSettings,
    /// `[portal]`: the public pages' default language.
    pub portal: crate::i18n::PortalSettings,
    /// `[oversight]`: deadlines of case justifications and appeal verdicts.
    pub oversight: crate::oversight::appeals::OversightSettings,
    /// `[limits]`: rate limits and harvest blocks shared through Redis. Default: per replica.
    pub limits: super::LimitsSettings,
}

/// `[server]`: the consumer-facing listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address. Default `127.0.0.1:8080`; env `DXGATE_LISTEN` overrides.
    pub listen: SocketAddr,
    /// This replica's id: names its own hash chain in the audit log. Default `node-1`;
    /// env `DXGATE_NODE_ID` overrides (e.g. the pod name). Letters, digits, `.`, `_`, `-`.
    pub node_id: String,
    /// Largest request body accepted, in bytes. Default 1 MiB.
    pub max_request_body: usize,
    /// Longest a whole request may take, source included. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Longest a client may take, from the accept, to complete the TLS handshake and send the
    /// bytes that tell HTTP/1 from HTTP/2; then again to send each HTTP/1 request head (also
    /// the longest an HTTP/1.1 connection may wait between requests). Default `10s`.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// Most connections open at once; more are closed at accept. Default 4096 (keep it well
    /// under the process's file limit).
    pub max_connections: usize,
    /// Most connections open at once from one client (an IPv4 address, an IPv6 /64); more are
    /// closed at accept. Default 1024 (a busy portal may hold hundreds).
    pub max_connections_per_ip: usize,
    /// A connection (HTTP/1.1 keep-alive or HTTP/2) with no request in flight for this long is
    /// closed (HTTP/2 with GOAWAY). Default `30s`.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// HTTP/2: send a PING after this long without frames from the client; `0s` sends none.
    /// Default `20s`.
    #[serde(with = "humantime_serde")]
    pub h2_keepalive_interval: Duration,
    /// HTTP/2: close the connection if a PING is not answered within this. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub h2_keepalive_timeout: Duration,
    /// HTTP/2: most concurrent streams (requests) per connection. Default 100.
    pub h2_max_concurrent_streams: u32,
    /// Requests per second one client (an IPv4 address, an IPv6 /64) may make to any API,
    /// checked before authentication; more get 429. Default 500; `0` turns it off.
    pub per_ip_rate_per_second: u32,
    /// Burst allowed on top of `per_ip_rate_per_second`. Default 1000.
    pub per_ip_burst: u32,
    /// How often `policies/`, `schemas/` and `seeds/` are checked for changes to hot-reload.
    /// Default `2s`; `0s` turns polling off (SIGHUP still reloads).
    #[serde(with = "humantime_serde")]
    pub reload_poll: Duration,
    /// Longest a client may take to send its request body once the headers are in; a slower
    /// client gets 408. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub body_read_timeout: Duration,
    /// Largest request head (request line + headers) accepted, in bytes; more gets 431.
    /// At least 8192. Default 16 KiB.
    pub max_header_bytes: usize,
    /// Most request headers accepted; more gets 431. Default 64.
    pub max_headers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            node_id: "node-1".into(),
            max_request_body: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_ip: 1024,
            idle_timeout: Duration::from_secs(30),
            h2_keepalive_interval: Duration::from_secs(20),
            h2_keepalive_timeout: Duration::from_secs(10),
            h2_max_concurrent_streams: 100,
            per_ip_rate_per_second: 500,
            per_ip_burst: 1000,
            reload_poll: Duration::from_secs(2),
            body_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_headers: 64,
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

/// `[audit]`: the group-commit writer, checkpoints and archives.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Most records committed in one transaction. Default 1024.
    pub batch_max: usize,
    /// Records that may wait for the writer before requests get 503. Default 65536.
    pub queue_capacity: usize,
    /// Ed25519 key that signs checkpoints, in signed-note form. Default `keys/checkpoint.key`
    /// (relative to the config dir; an existing `data/checkpoint.key` from before is still
    /// used); generated with mode 0600 on first start if missing.
    pub signing_key: PathBuf,
    /// Checkpoint origin prefix (each chain's origin is `<origin>/<node_id>`) and the name of
    /// a newly generated key. Default `dxgate.local/audit`.
    pub origin: String,
    /// Sign a checkpoint after this many new records. Default 1000.
    pub checkpoint_every: u64,
    /// ...or after this long, if records are pending. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub checkpoint_interval: Duration,
    /// Verifier keys `audit verify` trusts, given out of band (the published key, old keys after
    /// a rotation). Without them (or `--key`) verify falls back to the private key next to the
    /// store and says loudly that this is no independent check. Default none.
    pub trusted_keys: Vec<String>,
    /// Where `dxgate audit archive` writes segment files. Default `data/archive`.
    pub archive_dir: PathBuf,
    /// Where each writer keeps a copy of the latest checkpoint it signed (`<node_id>.checkpoint`),
    /// outside the store: a stored chain that does not extend it is not served. Default
    /// `keys/anchors` (relative to the config dir; keep it off the store's volume).
    pub anchor_dir: PathBuf,
    /// Accept a chain that has records but no anchor file by anchoring it as stored, instead
    /// of refusing to extend it until `dxgate audit reanchor`. Only for the first start after
    /// upgrading a store from a release without anchor files; remove it afterwards (while set,
    /// deleting an anchor goes unnoticed). Default `false`.
    pub bootstrap_anchor: bool,
    /// Every chain (replica node id) the store must hold: `audit verify` fails when one is
    /// missing. Default none (chains with an anchor file, or named by a supplied checkpoint,
    /// are expected anyway).
    pub chains: Vec<String>,
    /// HMAC-SHA-256 key of the records' request and response hashes (64 hex digits), outside
    /// the store and the data directory; generated with mode 0600 on first start when missing.
    /// Share it between replicas. Default `keys/payload-hmac.key`.
    pub payload_key_file: PathBuf,
    /// Witnesses (`<name>+<key id>+<base64(0x04 ‖ key)>`, printed by `dxgate audit witness
    /// --print-key`) whose cosignatures of checkpoints the gateway accepts and serves.
    /// Default none.
    pub witnesses: Vec<String>,
    /// Unauthenticated and rate-limited data requests recorded one by one per client (prefix,
    /// consumer, outcome) and `rejection_window`; past it they are counted in summary records
    /// (docs/audit-log.md). Default 20.
    pub rejection_allowance: u32,
    /// The window of `rejection_allowance`. Default `60s`.
    #[serde(with = "humantime_serde")]
    pub rejection_window: Duration,
    /// How often open rejection summaries are committed (and at shutdown). Default `5s`.
    #[serde(with = "humantime_serde")]
    pub summary_every: Duration,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            batch_max: 1024,
            queue_capacity: 65536,
            signing_key: PathBuf::from("keys/checkpoint.key"),
            origin: "dxgate.local/audit".into(),
            checkpoint_every: 1000,
            checkpoint_interval: Duration::from_secs(10),
            trusted_keys: Vec::new(),
            archive_dir: PathBuf::from("data/archive"),
            anchor_dir: PathBuf::from("keys/anchors"),
            bootstrap_anchor: false,
            chains: Vec::new(),
            payload_key_file: PathBuf::from("keys/payload-hmac.key"),
            witnesses: Vec::new(),
            rejection_allowance: 20,
            rejection_window: Duration::from_secs(60),
            summary_every: Duration::from_secs(5),
        }
    }
}

/// A store URL fit to print: the password, if any, replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("sqlite:///x.db"), "sqlite:///x.db");
    }
}
