//! The security parts of a gateway: the authenticator (API keys, eID tokens with their JWKS),
//! staff sign-in (`[sign_in]`),
//! the subject and payload HMAC keys and the listener's live TLS config. Built once at start (they read
//! files and may fetch keys); `dxgate.toml` changes need a restart.

use std::sync::Arc;

use crate::audit::PayloadKey;
use crate::config::{parse_algorithm, JwtSettings, Loaded};
use crate::identity::jwks::{Jwks, JwksSource};
use crate::identity::{Authenticator, JwtVerifier};
use crate::server::tls::TlsListener;
use crate::source::{UpstreamClients, UpstreamTls};
use crate::subjects::SubjectKey;

/// The security parts of a gateway, built by `serve` (they read files and may fetch keys).
pub struct Security {
    pub auth: Authenticator,
    /// Staff sign-in with OpenID Connect (`[sign_in]`).
    pub sign_in: Option<Arc<crate::sign_in::SignIn>>,
    pub subject_key: SubjectKey,
    pub payload_key: PayloadKey,
    /// The listener's live TLS config; `None` serves plain HTTP.
    pub tls: Option<Arc<TlsListener>>,
}

impl Security {
    /// Read the subject key (creating it on first start), set up eID token checks (loading the
    /// JWKS; an unreachable JWKS URL only logs, API keys keep working) and the listener's TLS.
    pub async fn build(loaded: &Loaded) -> Result<Security, String> {
        let s = &loaded.settings;
        for key in [
            &s.subjects.hmac_key_file,
            &s.audit.payload_key_file,
            &s.audit.signing_key,
        ] {
            crate::audit::keys::check_private(key)?;
        }
        let path = &s.subjects.hmac_key_file;
        let (subject_key, created) = SubjectKey::load_or_create(path).map_err(|e| e.to_string())?;
        if created {
            tracing::warn!(
                target: "dxgate::security",
                event = "subject_key_created",
                path = %path.display(),
                "generated a new subject HMAC key (mode 0600); back it up: without it, recorded subject hashes can no longer be matched to citizens"
            );
        }
        let path = &s.audit.payload_key_file;
        let (payload_key, created) = PayloadKey::load_or_create(path).map_err(|e| e.to_string())?;
        if created {
            tracing::warn!(
                target: "dxgate::security",
                event = "payload_key_created",
                path = %path.display(),
                scheme = payload_key.scheme(),
                "generated a new payload HMAC key (mode 0600); back it up and share it with every replica: without it, nobody can confirm which payload a record's hashes stand for"
            );
        }
        let jwt = match &s.jwt {
            Some(j) => Some(jwt_verifier(j).await?),
            None => None,
        };
        let tls = if s.tls.enabled() {
            Some(TlsListener::new(s.tls.clone()).map_err(|e| e.to_string())?)
        } else {
            None
        };
        let sign_in = match &s.sign_in {
            Some(si) => Some(Arc::new(crate::sign_in::SignIn::new(si, tls.is_some())?)),
            None => None,
        };
        Ok(Security {
            auth: Authenticator { jwt },
            sign_in,
            subject_key,
            payload_key,
            tls,
        })
    }
}

async fn jwt_verifier(j: &JwtSettings) -> Result<JwtVerifier, String> {
    let source = match (&j.jwks_file, &j.jwks_url) {
        (Some(file), _) => JwksSource::File(file.clone()),
        (None, Some(url)) => {
            let tls = UpstreamTls {
                ca_file: j.jwks_ca_file.clone(),
                ..UpstreamTls::default()
            };
            let client = UpstreamClients::default()
                .get(&tls)
                .map_err(|e| format!("[jwt] jwks_ca_file: {e}"))?;
            let url = url
                .parse()
                .map_err(|_| format!("[jwt] jwks_url {url:?} is not a URL"))?;
            JwksSource::Url {
                url,
                client: Box::new(client),
            }
        }
        (None, None) => return Err("[jwt] needs jwks_file or jwks_url".into()),
    };
    let jwks = Arc::new(Jwks::new(
        source,
        Vec::new(),
        j.jwks_cache_ttl,
        j.jwks_refetch_interval,
    ));
    match jwks.refresh().await {
        Ok(n) => tracing::info!(keys = n, issuer = %j.issuer, "eID signing keys loaded"),
        Err(e) => {
            tracing::warn!(error = %e, "eID signing keys not loaded yet; tokens are refused until they are")
        }
    }
    Ok(JwtVerifier {
        issuer: j.issuer.clone(),
        audiences: j.audiences.clone(),
        algorithms: j
            .algorithms
            .iter()
            .filter_map(|a| parse_algorithm(a))
            .collect(),
        leeway: j.leeway,
        citizen_claim: j.citizen_claim.clone(),
        jwks,
    })
}
