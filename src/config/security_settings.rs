//! The security sections of `dxgate.toml`: `[tls]`, `[jwt]` (alias `[oidc]`), `[subjects]`
//! and `[harvest]`, with their defaults and the checks that report problems with file:line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::Diagnostics;

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
    /// with mode 0600 on first start when missing. Default `data/subject-hmac.key`.
    pub hmac_key_file: PathBuf,
}

impl Default for SubjectSettings {
    fn default() -> Self {
        SubjectSettings {
            hmac_key_file: PathBuf::from("data/subject-hmac.key"),
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

/// Byte offset of `key` inside `[section]` of `text` (or of the section header), for
/// diagnostics with a line number.
pub fn locate(text: &str, section: &str, key: Option<&str>) -> Option<usize> {
    let mut offset = 0;
    let mut in_section = false;
    let mut header_at = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            let name = t.trim_matches(|c| c == '[' || c == ']').trim();
            in_section = name == section;
            if in_section {
                header_at.get_or_insert(offset);
            }
        } else if in_section {
            if let Some(k) = key {
                if t.split('=').next().is_some_and(|n| n.trim() == k) {
                    return Some(offset);
                }
            }
        }
        offset += line.len();
    }
    header_at
}

/// Check the security sections; relative paths are resolved against `dir`.
pub fn validate(s: &mut super::Settings, dir: &Path, path: &Path, text: &str, d: &mut Diagnostics) {
    let resolve = |p: &mut Option<PathBuf>| {
        if let Some(rel) = p.as_mut() {
            *rel = dir.join(&*rel);
        }
    };
    resolve(&mut s.tls.cert);
    resolve(&mut s.tls.key);
    resolve(&mut s.tls.client_ca);
    s.subjects.hmac_key_file = dir.join(&s.subjects.hmac_key_file);
    let mut err = |section: &str, key: Option<&str>, msg: String| {
        d.at(path, text, locate(text, section, key), msg);
    };
    if s.tls.cert.is_some() != s.tls.key.is_some() {
        err("tls", None, "[tls] needs both cert and key".into());
    }
    if s.tls.client_ca.is_some() && !s.tls.enabled() {
        err(
            "tls",
            Some("client_ca"),
            "[tls] client_ca (mTLS) needs cert and key: client certificates only exist over TLS"
                .into(),
        );
    }
    if s.tls.client_auth == ClientAuth::Required && s.tls.client_ca.is_none() {
        err(
            "tls",
            Some("client_auth"),
            "[tls] client_auth = \"required\" needs client_ca".into(),
        );
    }
    if s.server.max_header_bytes < 8192 {
        err(
            "server",
            Some("max_header_bytes"),
            "[server] max_header_bytes must be at least 8192".into(),
        );
    }
    if s.server.max_headers == 0 {
        err(
            "server",
            Some("max_headers"),
            "[server] max_headers must be at least 1".into(),
        );
    }
    let h = &s.harvest;
    if h.window.is_zero() {
        err(
            "harvest",
            Some("window"),
            "[harvest] window must be longer than 0s".into(),
        );
    }
    if !(h.multiplier.is_finite() && h.multiplier >= 1.0) {
        err(
            "harvest",
            Some("multiplier"),
            "[harvest] multiplier must be a number of at least 1".into(),
        );
    }
    if let Some(jwt) = s.jwt.as_mut() {
        let sec = if locate(text, "jwt", None).is_some() {
            "jwt"
        } else {
            "oidc"
        };
        resolve(&mut jwt.jwks_file);
        resolve(&mut jwt.jwks_ca_file);
        if jwt.issuer.trim().is_empty() {
            err(
                sec,
                None,
                format!("[{sec}] issuer is required: the `iss` every token must carry"),
            );
        }
        if jwt.audiences.iter().all(|a| a.trim().is_empty()) {
            err(
                sec,
                Some("audiences"),
                format!("[{sec}] audiences must name at least one accepted `aud`"),
            );
        }
        if jwt.algorithms.is_empty() {
            err(
                sec,
                Some("algorithms"),
                format!("[{sec}] algorithms must allow at least one algorithm"),
            );
        }
        for a in &jwt.algorithms {
            if parse_algorithm(a).is_none() {
                err(sec, Some("algorithms"), format!(
                    "[{sec}] algorithm {a:?} is not accepted: use RS256/384/512, PS256/384/512, ES256/384 or EdDSA (symmetric HS* never)"
                ));
            }
        }
        match (&jwt.jwks_file, &jwt.jwks_url) {
            (Some(_), Some(_)) | (None, None) => err(
                sec,
                None,
                format!("[{sec}] needs exactly one of jwks_file or jwks_url"),
            ),
            (None, Some(url)) => {
                if !jwks_url_ok(url) {
                    err(sec, Some("jwks_url"), format!("[{sec}] jwks_url {url:?} must be an https:// URL (http:// only to a loopback address)"));
                }
            }
            (Some(file), None) => {
                let problem = match std::fs::read(file) {
                    Ok(bytes) => crate::identity::jwks::parse(&bytes)
                        .err()
                        .map(|e| e.to_string()),
                    Err(e) => Some(format!("cannot read {}: {e}", file.display())),
                };
                if let Some(p) = problem {
                    err(sec, Some("jwks_file"), format!("[{sec}] jwks_file: {p}"));
                }
            }
        }
        if jwt.citizen_claim.trim().is_empty() {
            err(
                sec,
                Some("citizen_claim"),
                format!("[{sec}] citizen_claim must name a claim"),
            );
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

fn jwks_url_ok(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    match (uri.scheme_str(), uri.host()) {
        (Some("https"), Some(_)) => true,
        (Some("http"), Some(h)) => {
            h == "localhost"
                || h.trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_in_sections() {
        let t = "[server]\nlisten = \"x\"\n\n[jwt]\nissuer = \"i\"\naudiences = []\n";
        assert_eq!(locate(t, "jwt", Some("audiences")), t.find("audiences"));
        assert_eq!(locate(t, "jwt", Some("nope")), t.find("[jwt]"));
        assert_eq!(locate(t, "tls", None), None);
    }

    #[test]
    fn algorithms_and_urls() {
        assert!(parse_algorithm("EdDSA").is_some());
        assert!(parse_algorithm("HS256").is_none());
        assert!(parse_algorithm("none").is_none());
        assert!(jwks_url_ok("https://eid.example/jwks"));
        assert!(jwks_url_ok("http://127.0.0.1:9/jwks"));
        assert!(!jwks_url_ok("http://eid.example/jwks"));
    }
}
