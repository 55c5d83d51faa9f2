//! `policies/consumers.toml`: who may call, their credentials (hashes only), roles and rates.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use super::{read_toml, FileText, Texts};
use crate::config::files::{ConsumerDecl, ConsumersFile};
use crate::config::{Catalog, Diagnostics};
use crate::identity::{Consumer, Rate};

/// The credentials one consumer declares, checked.
struct Credentials<'a> {
    key_hash: Option<[u8; 32]>,
    cert_hash: Option<[u8; 32]>,
    cert_subject: Option<&'a str>,
    jwt_subject: Option<&'a str>,
    sign_in_subject: Option<&'a str>,
}

/// Read every consumer into `catalog.consumers` and `catalog.keys`.
pub(super) fn load(path: &Path, catalog: &mut Catalog, texts: &mut Texts, diags: &mut Diagnostics) {
    if !path.exists() {
        diags.file(
            path,
            "missing: declare consumers and their API key hashes here",
        );
        return;
    }
    let Some((text, file)) = read_toml::<ConsumersFile>(path, texts, diags) else {
        return;
    };
    let f = FileText { path, text: &text };
    for c in file.consumers {
        let at = c.span().start;
        let c = c.into_inner();
        let creds = match credentials(&c) {
            Ok(creds) => creds,
            Err(msg) => {
                f.err(diags, at, msg);
                continue;
            }
        };
        for o in c.cors_origins.iter().filter(|o| !is_origin(o)) {
            let msg = format!(
                "consumer {:?}: cors_origins entry {o:?} must be a web origin such as \"https://portal.example.vn\" (scheme and host, optional port, no path; \"*\" is not allowed for data)",
                c.id
            );
            f.err(diags, at, msg);
        }
        let consumer = Arc::new(Consumer {
            id: c.id.clone(),
            name: c.name.clone(),
            roles: c.roles.clone(),
            agency: c.agency.clone(),
            rate: rate(c.rate_per_second, c.burst),
            cors_origins: c.cors_origins.clone(),
            trusted_on_behalf: c.trusted_on_behalf,
        });
        if c.id == "dxgate-probe" {
            let msg = "consumer id \"dxgate-probe\" is reserved for the gateway's own readiness probes; choose another id";
            f.err(diags, at, msg.to_owned());
        }
        if catalog
            .consumers
            .insert(c.id.clone(), consumer.clone())
            .is_some()
        {
            f.err(diags, at, format!("consumer {:?} is declared twice", c.id));
        }
        let keys = &mut catalog.keys;
        let mut taken = |ok: bool, what: &str| {
            if !ok {
                let msg = format!("consumer {:?} reuses another consumer's {what}", c.id);
                f.err(diags, at, msg);
            }
        };
        if let Some(h) = creds.key_hash {
            taken(keys.insert(h, consumer.clone()), "API key");
        }
        if let Some(h) = creds.cert_hash {
            taken(keys.insert_cert_sha256(h, consumer.clone()), "cert_sha256");
        }
        if let Some(s) = creds.cert_subject {
            let ok = keys.insert_cert_subject(s, consumer.clone());
            taken(ok, "cert_subject");
        }
        if let Some(s) = creds.jwt_subject {
            taken(keys.insert_jwt_subject(s, consumer.clone()), "jwt_subject");
        }
        if let Some(s) = creds.sign_in_subject {
            taken(keys.insert_sign_in_subject(s, consumer), "sign_in_subject");
        }
    }
}

/// `scheme://host[:port]` with an `http`/`https` scheme and nothing after the authority.
fn is_origin(o: &str) -> bool {
    let Some(rest) = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = rest.rsplit_once(':').unwrap_or((rest, "0"));
    !host.is_empty()
        && host.chars().all(|ch| {
            ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' || ch == '[' || ch == ']'
        })
        && port.parse::<u16>().is_ok()
}

/// The consumer's id and credentials, or what to fix.
fn credentials(c: &ConsumerDecl) -> Result<Credentials<'_>, String> {
    let id = &c.id;
    if id.trim().is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err("consumer id must be 1-128 printable characters".into());
    }
    let hex32 = |v: &str| {
        let mut out = [0u8; 32];
        hex::decode_to_slice(v.trim(), &mut out).ok().map(|()| out)
    };
    let key_hash = match c.api_key_sha256.as_deref().map(hex32) {
        Some(None) => {
            return Err(format!(
            "consumer {id:?}: api_key_sha256 must be 64 hex digits (printf %s \"$KEY\" | sha256sum)"
        ))
        }
        other => other.flatten(),
    };
    let cert_hash = match c.cert_sha256.as_deref().map(|v| hex32(&v.replace(':', ""))) {
        Some(None) => return Err(format!(
            "consumer {id:?}: cert_sha256 must be the certificate's SHA-256 fingerprint, 64 hex digits (openssl x509 -noout -fingerprint -sha256)"
        )),
        other => other.flatten(),
    };
    let cert_subject = c.cert_subject.as_deref().map(str::trim);
    let jwt_subject = c.jwt_subject.as_deref().map(str::trim);
    if cert_subject.is_some_and(|s| s.is_empty() || !s.contains('=')) {
        return Err(format!(
            "consumer {id:?}: cert_subject must be a DN such as \"C=VN,O=National Portal,CN=portal\""
        ));
    }
    let sign_in_subject = c.sign_in_subject.as_deref().map(str::trim);
    if jwt_subject.is_some_and(str::is_empty) {
        return Err(format!("consumer {id:?}: jwt_subject must not be empty"));
    }
    if sign_in_subject.is_some_and(str::is_empty) {
        return Err(format!(
            "consumer {id:?}: sign_in_subject must not be empty"
        ));
    }
    if key_hash.is_none()
        && cert_hash.is_none()
        && cert_subject.is_none()
        && jwt_subject.is_none()
        && sign_in_subject.is_none()
    {
        return Err(format!(
            "consumer {id:?} has no credential: give api_key_sha256, cert_sha256, cert_subject, jwt_subject or sign_in_subject"
        ));
    }
    Ok(Credentials {
        key_hash,
        cert_hash,
        cert_subject,
        jwt_subject,
        sign_in_subject,
    })
}

/// `rate_per_second` (0: unlimited) and `burst` (default twice the rate).
fn rate(per_second: u32, burst: Option<u32>) -> Option<Rate> {
    let per_second = NonZeroU32::new(per_second)?;
    let burst = burst
        .and_then(NonZeroU32::new)
        .unwrap_or(per_second.saturating_mul(NonZeroU32::MIN.saturating_add(1)));
    Some(Rate { per_second, burst })
}
