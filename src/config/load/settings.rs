//! `dxgate.toml`: read once, overrides applied, relative paths resolved, and **every** section
//! checked here — the one place settings are validated. Positions of keys come from the parsed
//! document's `toml::Spanned` keys.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::resolve_sqlite_url;
use crate::config::security_settings::{ClientAuth, JwtSettings};
use crate::config::{parse_algorithm, Diagnostics, Overrides, Settings, SignInSettings};

mod limits;

/// Read `dir/dxgate.toml` (a missing file means all defaults) into settings and the store URL.
pub(super) fn load(
    dir: &Path,
    overrides: &Overrides,
    diags: &mut Diagnostics,
) -> (Settings, String) {
    let path = dir.join("dxgate.toml");
    let text = if path.exists() {
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            diags.file(&path, format!("cannot read: {e}"));
            String::new()
        })
    } else {
        String::new()
    };
    let doc = match DeTable::parse(&text) {
        Ok(doc) => Some(doc),
        Err(e) => {
            let at = e.span().map(|s| s.start);
            diags.at(&path, &text, at, e.message().trim().to_owned());
            None
        }
    };
    let mut settings = match &doc {
        Some(doc) => Settings::deserialize(toml::de::Deserializer::from(doc.clone()))
            .unwrap_or_else(|e| {
                let at = e.span().map(|s| s.start);
                diags.at(&path, &text, at, e.message().trim().to_owned());
                Settings::default()
            }),
        None => Settings::default(),
    };
    if let Some(listen) = &overrides.listen {
        match listen.parse() {
            Ok(addr) => settings.server.listen = addr,
            Err(_) => diags.file(
                Path::new("$DXGATE_LISTEN"),
                format!("{listen:?} is not a socket address; write it like 127.0.0.1:8080"),
            ),
        }
    }
    if let Some(node) = &overrides.node_id {
        settings.server.node_id.clone_from(node);
    }
    let redis_url = overrides.redis_url.clone();
    settings.limits.redis_url = redis_url.or(settings.limits.redis_url.take());
    resolve_paths(&mut settings, dir);
    let spans = Spans {
        path: &path,
        text: &text,
        doc: doc.as_ref().map(Spanned::get_ref),
    };
    check(&settings, overrides, &spans, diags);
    let store_url = overrides
        .store_url
        .clone()
        .or_else(|| settings.store.url.clone())
        .unwrap_or_else(|| "sqlite://data/audit.db".to_owned());
    (settings, resolve_sqlite_url(dir, &store_url))
}

/// Files named in the settings are relative to the config directory.
fn resolve_paths(s: &mut Settings, dir: &Path) {
    let jwt = s
        .jwt
        .as_mut()
        .map(|j| [&mut j.jwks_file, &mut j.jwks_ca_file]);
    if let Some(si) = s.sign_in.as_mut() {
        si.client_secret_file = dir.join(&si.client_secret_file);
    }
    let sign_in_ca = s.sign_in.as_mut().map(|si| &mut si.ca_file);
    for p in [&mut s.tls.cert, &mut s.tls.key, &mut s.tls.client_ca]
        .into_iter()
        .chain(jwt.into_iter().flatten())
        .chain(sign_in_ca)
        .flatten()
    {
        *p = dir.join(&*p);
    }
    s.subjects.hmac_key_file = dir.join(&s.subjects.hmac_key_file);
    s.audit.signing_key = dir.join(&s.audit.signing_key);
    // Keys used to default to data/: an existing old key stays in use.
    use crate::audit::keys::legacy_default;
    let (sk, hk) = (&mut s.audit.signing_key, &mut s.subjects.hmac_key_file);
    legacy_default(dir, sk, "keys/checkpoint.key", "data/checkpoint.key");
    legacy_default(dir, hk, "keys/subject-hmac.key", "data/subject-hmac.key");
    s.audit.archive_dir = dir.join(&s.audit.archive_dir);
    s.audit.anchor_dir = dir.join(&s.audit.anchor_dir);
    s.audit.payload_key_file = dir.join(&s.audit.payload_key_file);
}

/// Where keys are written in `dxgate.toml`.
struct Spans<'a> {
    path: &'a Path,
    text: &'a str,
    doc: Option<&'a DeTable<'a>>,
}

impl Spans<'_> {
    /// The offset of `key` in `[section]`, else of the section's header, else none (the
    /// problem then concerns the whole file, e.g. a default that an override replaced).
    fn offset(&self, section: &str, key: Option<&str>) -> Option<usize> {
        let (name, table) = self.doc?.get_key_value(section)?;
        let found = key.and_then(|k| match table.get_ref() {
            DeValue::Table(t) => t.get_key_value(k).map(|(k, _)| k.span().start),
            _ => None,
        });
        Some(found.unwrap_or(name.span().start))
    }

    fn has(&self, section: &str) -> bool {
        self.doc.is_some_and(|d| d.contains_key(section))
    }

    fn err(&self, d: &mut Diagnostics, section: &str, key: Option<&str>, msg: String) {
        d.at(self.path, self.text, self.offset(section, key), msg);
    }
}

/// Every check on the settings, each reported at its key.
fn check(s: &Settings, overrides: &Overrides, at: &Spans<'_>, d: &mut Diagnostics) {
    if !valid_node_id(&s.server.node_id) {
        let msg = format!(
            "[server] node_id {:?} must be 1-64 letters, digits, '.', '_' or '-' (env DXGATE_NODE_ID overrides it)",
            s.server.node_id
        );
        match overrides.node_id {
            Some(_) => d.file(Path::new("$DXGATE_NODE_ID"), msg),
            None => at.err(d, "server", Some("node_id"), msg),
        }
    }
    let mut err = |section: &str, key: Option<&str>, msg: String| at.err(d, section, key, msg);
    if s.server.max_header_bytes < 8192 {
        let msg = "[server] max_header_bytes must be at least 8192".into();
        err("server", Some("max_header_bytes"), msg);
    }
    if s.server.max_headers == 0 {
        let msg = "[server] max_headers must be at least 1".into();
        err("server", Some("max_headers"), msg);
    }
    limits::check_connections(&s.server, &mut err);
    let a = &s.audit;
    if !crate::audit::note::valid_name(&a.origin) {
        let msg = "[audit] origin must be non-empty, without spaces or '+'".into();
        err("audit", Some("origin"), msg);
    }
    if a.checkpoint_every == 0 {
        let msg = "[audit] checkpoint_every must be greater than zero".into();
        err("audit", Some("checkpoint_every"), msg);
    }
    limits::check_rejections(a, &mut err);
    if a.checkpoint_interval.is_zero() {
        let msg = "[audit] checkpoint_interval must be longer than 0s".into();
        err("audit", Some("checkpoint_interval"), msg);
    }
    for k in &a.trusted_keys {
        if let Err(e) = crate::audit::note::NoteVerifier::parse(k) {
            err(
                "audit",
                Some("trusted_keys"),
                format!("[audit] trusted_keys: {e}"),
            );
        }
    }
    for k in &a.witnesses {
        if let Err(e) = crate::audit::cosignature::WitnessVerifier::parse(k) {
            err(
                "audit",
                Some("witnesses"),
                format!("[audit] witnesses: {e}"),
            );
        }
    }
    for c in &a.chains {
        if !valid_node_id(c) {
            let msg = format!(
                "[audit] chains: {c:?} is not a node id (1-64 letters, digits, '.', '_' or '-')"
            );
            err("audit", Some("chains"), msg);
        }
    }
    check_tls(s, &mut err);
    let h = &s.harvest;
    if h.window.is_zero() {
        let msg = "[harvest] window must be longer than 0s".into();
        err("harvest", Some("window"), msg);
    }
    if !(h.multiplier.is_finite() && h.multiplier >= 1.0) {
        let msg = "[harvest] multiplier must be a number of at least 1".into();
        err("harvest", Some("multiplier"), msg);
    }
    for (key, msg) in s.limits.problems() {
        err("limits", Some(key), msg);
    }
    if let Err(e) = crate::calendar::parse_time_of_day(&s.probes.at) {
        err("probes", Some("at"), format!("[probes] at {e}"));
    }
    if let Err(e) = crate::calendar::zone(&s.probes.timezone) {
        err("probes", Some("timezone"), format!("[probes] timezone {e}"));
    }
    if let Some(jwt) = &s.jwt {
        let sec = if at.has("jwt") { "jwt" } else { "oidc" };
        check_jwt(jwt, sec, &mut |key, msg| err(sec, key, msg));
    }
    if let Some(si) = &s.sign_in {
        check_sign_in(si, &mut |key, msg| err("sign_in", key, msg));
    }
}

fn check_sign_in(si: &SignInSettings, err: &mut impl FnMut(Option<&str>, String)) {
    if !https_or_loopback(&si.issuer) {
        let msg = format!("[sign_in] issuer {:?} must be the provider's https:// URL (http:// only to a loopback address)", si.issuer);
        err(Some("issuer"), msg);
    }
    if si.client_id.trim().is_empty() {
        err(
            Some("client_id"),
            "[sign_in] client_id is required: this gateway's client id at the provider".into(),
        );
    }
    match std::fs::read_to_string(&si.client_secret_file) {
        Ok(t) if !t.trim().is_empty() => {}
        Ok(_) => err(
            Some("client_secret_file"),
            format!(
                "[sign_in] client_secret_file {} is empty",
                si.client_secret_file.display()
            ),
        ),
        Err(e) => err(
            Some("client_secret_file"),
            format!(
                "[sign_in] client_secret_file: cannot read {}: {e}",
                si.client_secret_file.display()
            ),
        ),
    }
    let callback = si.redirect_url.parse::<http::Uri>().ok().filter(|u| {
        matches!(u.scheme_str(), Some("https" | "http"))
            && u.path() == "/auth/callback"
            && u.query().is_none()
    });
    if callback.is_none() {
        let msg = format!("[sign_in] redirect_url {:?} must be this gateway's public address followed by /auth/callback, e.g. \"https://dxgate.example.vn/auth/callback\"", si.redirect_url);
        err(Some("redirect_url"), msg);
    }
    if si.subject_claim.trim().is_empty() {
        err(
            Some("subject_claim"),
            "[sign_in] subject_claim must name a claim".into(),
        );
    }
    if si.session_ttl < Duration::from_secs(60) {
        err(
            Some("session_ttl"),
            "[sign_in] session_ttl must be at least 1m".into(),
        );
    }
    if si.login_timeout < Duration::from_secs(10) {
        err(
            Some("login_timeout"),
            "[sign_in] login_timeout must be at least 10s".into(),
        );
    }
}

fn check_tls(s: &Settings, err: &mut impl FnMut(&str, Option<&str>, String)) {
    let tls = &s.tls;
    match (&tls.cert, &tls.key) {
        (Some(cert), Some(key)) => {
            if let Err(e) = crate::crypto::server_config(cert, key, tls.client_certs()) {
                err("tls", None, e.to_string());
            }
        }
        (None, None) => {}
        _ => err("tls", None, "[tls] needs both cert and key".into()),
    }
    if tls.client_ca.is_some() && !tls.enabled() {
        let msg =
            "[tls] client_ca (mTLS) needs cert and key: client certificates only exist over TLS";
        err("tls", Some("client_ca"), msg.into());
    }
    if tls.client_auth == ClientAuth::Required && tls.client_ca.is_none() {
        let msg = "[tls] client_auth = \"required\" needs client_ca";
        err("tls", Some("client_auth"), msg.into());
    }
}

fn check_jwt(jwt: &JwtSettings, sec: &str, err: &mut impl FnMut(Option<&str>, String)) {
    if jwt.issuer.trim().is_empty() {
        err(
            None,
            format!("[{sec}] issuer is required: the `iss` every token must carry"),
        );
    }
    if jwt.audiences.iter().all(|a| a.trim().is_empty()) {
        err(
            Some("audiences"),
            format!("[{sec}] audiences must name at least one accepted `aud`"),
        );
    }
    if jwt.algorithms.is_empty() {
        err(
            Some("algorithms"),
            format!("[{sec}] algorithms must allow at least one algorithm"),
        );
    }
    for a in &jwt.algorithms {
        if parse_algorithm(a).is_none() {
            err(Some("algorithms"), format!(
                "[{sec}] algorithm {a:?} is not accepted: use RS256/384/512, PS256/384/512, ES256/384 or EdDSA (symmetric HS* never)"
            ));
        }
    }
    match (&jwt.jwks_file, &jwt.jwks_url) {
        (Some(_), Some(_)) | (None, None) => err(
            None,
            format!("[{sec}] needs exactly one of jwks_file or jwks_url"),
        ),
        (None, Some(url)) => {
            if !https_or_loopback(url) {
                err(Some("jwks_url"), format!("[{sec}] jwks_url {url:?} must be an https:// URL (http:// only to a loopback address)"));
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
                err(Some("jwks_file"), format!("[{sec}] jwks_file: {p}"));
            }
        }
    }
    if jwt.citizen_claim.trim().is_empty() {
        err(
            Some("citizen_claim"),
            format!("[{sec}] citizen_claim must name a claim"),
        );
    }
}

/// Whether `id` may name a node: 1-64 of `[A-Za-z0-9._-]` (it appears in checkpoint origins
/// and archive file names).
pub fn valid_node_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `url` is https://, or http:// to a loopback address (a local provider in tests).
pub fn https_or_loopback(url: &str) -> bool {
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
    fn algorithms_and_urls() {
        assert!(parse_algorithm("EdDSA").is_some());
        assert!(parse_algorithm("HS256").is_none());
        assert!(parse_algorithm("none").is_none());
        assert!(https_or_loopback("https://eid.example/jwks"));
        assert!(https_or_loopback("http://127.0.0.1:9/jwks"));
        assert!(!https_or_loopback("http://eid.example/jwks"));
        assert!(valid_node_id("pod-7.a_b"));
        assert!(!valid_node_id("") && !valid_node_id("a b"));
    }
}
