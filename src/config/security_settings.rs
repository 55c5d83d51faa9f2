//! The security sections of `dxgate.toml`: `[tls]`, `[jwt]` (alias `[oidc]`), `[subjects]`
//! and `[harvest]`, with their defaults. They are checked with the rest of the settings in
//! `load/settings.rs`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::crypto::ClientCerts;

/// `[tls]`: TLS on the listener, optional mTLS. Without `cert` and `key` the listener is plain
/// HTTP (put it behind a TLS terminator you trust).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM certificate chain of the listener, relative to the config dir. Default: none.
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert`. Default: none.
    pub key: Option<PathBuf>,
    /// PEM CA certificate(s) that issue consumers' client certificates; setting it turns on
    /// mTLS. Default: none.
    pub client_ca: Option<PathBuf>,
    /// With `client_ca`: `optional` (callers without a certificate may use other credentials)
    /// or `required` (the handshake fails without one). Default `optional`.
    pub client_auth: ClientAuth,
    /// How often the certificate, key and CA files are checked for changes; `0s` checks only on
    /// SIGHUP. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub reload_interval: Duration,
    /// Longest a client may take to complete the TLS handshake. Default `10s`.
    #[serde(with = "humantime_serde")]
    pub handshake_timeout: Duration,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            cert: None,
            key: None,
            client_ca: None,
            client_auth: ClientAuth::Optional,
            reload_interval: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl TlsSettings {
    /// True when the listener speaks TLS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some() || self.key.is_some()
    }

    /// Whether (and against which CA) client certificates are verified.
    pub fn client_certs(&self) -> ClientCerts<'_> {
        match (&self.client_ca, self.client_auth) {
            (None, _) => ClientCerts::Off,
            (Some(ca), ClientAuth::Optional) => ClientCerts::Optional(ca),
            (Some(ca), ClientAuth::Required) => ClientCerts::Required(ca),
        }
    }
}

/// Whether a client certificate is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    #[default]
    Optional,
    Required,
}

/// `[jwt]` (or `[oidc]`): bearer tokens from the national eID provider. The section is off
/// when absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtSettings {
    /// Required `iss` of every token. Required.
    pub issuer: String,
    /// Accepted `aud` values; a token must name one. Required (at least one).
    pub audiences: Vec<String>,
    /// Accepted `alg`s; asymmetric only. Default `["RS256", "ES256", "EdDSA"]`.
    pub algorithms: Vec<String>,
    /// The provider's JWKS as a file, relative to the config dir. One of `jwks_file` or
    /// `jwks_url` is required.
    pub jwks_file: Option<PathBuf>,
    /// The provider's JWKS URL: https://, or http:// to a loopback address only.
    pub jwks_url: Option<String>,
    /// PEM CA to trust for `jwks_url` instead of the system roots. Default: none.
    pub jwks_ca_file: Option<PathBuf>,
    /// How long fetched keys are used before they are fetched again. Default `5m`.
    #[serde(with = "humantime_serde")]
    pub jwks_cache_ttl: Duration,
    /// Least time between two refetches caused by tokens with an unknown `kid`. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub jwks_refetch_interval: Duration,
    /// Clock skew allowed on `exp` and `nbf`. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
    /// The claim that holds a citizen's identifier (the value a dataset's `subject_field`
    /// carries). Default `sub`.
    pub citizen_claim: String,
}

impl Default for JwtSettings {
    fn default() -> Self {
        JwtSettings {
            issuer: String::new(),
            audiences: Vec::new(),
            algorithms: vec!["RS256".into(), "ES256".into(), "EdDSA".into()],
            jwks_file: None,
            jwks_url: None,
            jwks_ca_file: None,
            jwks_cache_ttl: Duration::from_secs(300),
            jwks_refetch_interval: Duration::from_secs(30),
            leeway: Duration::from_secs(30),
            citizen_claim: "sub".into(),
        }
    }
}

/// `[subjects]`: how data-subject identifiers are kept (keyed hashes only).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubjectSettings {
    /// File holding the HMAC-SHA256 key (64 hex digits), relative to the config dir; generated
    /// with mode 0600 on first start when missing. Default `keys/subject-hmac.key` (an existing
    /// `data/subject-hmac.key` from before is still used).
    pub hmac_key_file: PathBuf,
}

impl Default for SubjectSettings {
    fn default() -> Self {
        SubjectSettings {
            hmac_key_file: PathBuf::from("keys/subject-hmac.key"),
        }
    }
}

/// `[harvest]`: the bulk-harvest alarm.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HarvestSettings {
    /// Watch consumers at all. Default `true`.
    pub enabled: bool,
    /// Length of one counting window. Default `1h`.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    /// Alarm when a window's distinct subjects exceed this many times the consumer's own
    /// baseline (average of its earlier quiet windows). Default `10`.
    pub multiplier: f64,
    /// Never alarm at or below this many distinct subjects per window; also the threshold of a
    /// consumer with no baseline yet. Default `1000`.
    pub min_subjects: u64,
    /// Always alarm above this many distinct subjects per window, whatever the baseline.
    /// Default: none.
    pub max_subjects: Option<u64>,
    /// Refuse the consumer's data requests (429 `harvest-blocked`) after an alarm.
    /// Default `false` (alarm only).
    pub block: bool,
    /// How long a block lasts. Default `1h`.
    #[serde(with = "humantime_serde")]
    pub block_for: Duration,
}

impl Default for HarvestSettings {
    fn default() -> Self {
        HarvestSettings {
            enabled: true,
            window: Duration::from_secs(3600),
            multiplier: 10.0,
            min_subjects: 1000,
            max_subjects: None,
            block: false,
            block_for: Duration::from_secs(3600),
        }
    }
}

/// An allowed signature algorithm; `None` for unknown or symmetric ones.
pub fn parse_algorithm(name: &str) -> Option<jsonwebtoken::Algorithm> {
    use jsonwebtoken::Algorithm as A;
    match name.parse::<A>().ok()? {
        A::HS256 | A::HS384 | A::HS512 => None,
        a => Some(a),
    }
}
