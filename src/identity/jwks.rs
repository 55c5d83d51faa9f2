//! The eID provider's signing keys (a JWKS), from a file or a URL, cached and rotated.
//!
//! The key set is swapped atomically ([`ArcSwap`]) so token checks never lock. A background
//! task refreshes it every `jwks_cache_ttl`; a token signed with an unknown `kid` triggers one
//! early refetch, at most once per `jwks_refetch_interval`, so a key rotation at the provider is
//! picked up at once while random `kid`s cannot make us hammer the provider.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{header, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::source::UpstreamClient;

/// Largest JWKS document accepted, and most keys used from it.
const MAX_JWKS_BYTES: usize = 1024 * 1024;
const MAX_KEYS: usize = 64;

/// One usable verification key.
pub struct Key {
    pub kid: Option<String>,
    /// The algorithms this key may verify (from its `alg`, else from its type and curve).
    pub algorithms: Vec<Algorithm>,
    pub key: DecodingKey,
}

/// The key set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot fetch the JWKS: {0}")]
    Fetch(String),
    #[error("not a JWKS document (expected {{\"keys\": [...]}}): {0}")]
    Parse(String),
    #[error("the JWKS holds no usable public signing key (RSA, EC P-256/P-384 or Ed25519)")]
    NoUsableKey,
}

/// Parse a JWKS document, keeping only public keys we can verify with. Symmetric (`oct`) keys
/// are never used: they would let anyone who knows them mint tokens.
pub fn parse(bytes: &[u8]) -> Result<Vec<Key>, JwksError> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| JwksError::Parse(e.to_string()))?;
    let keys: Vec<Key> = doc
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
        .filter_map(|jwk| usable(&jwk))
        .take(MAX_KEYS)
        .collect();
    if keys.is_empty() {
        return Err(JwksError::NoUsableKey);
    }
    Ok(keys)
}

fn usable(jwk: &Jwk) -> Option<Key> {
    if matches!(
        jwk.common.public_key_use,
        Some(jsonwebtoken::jwk::PublicKeyUse::Encryption)
    ) {
        return None;
    }
    let by_type: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => vec![Algorithm::EdDSA],
            _ => return None,
        },
        AlgorithmParameters::OctetKey(_) => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        Some(a) => {
            let a: Algorithm = a.to_string().parse().ok()?;
            if !by_type.contains(&a) {
                return None;
            }
            vec![a]
        }
        None => by_type,
    };
    Some(Key {
        kid: jwk.common.key_id.clone(),
        algorithms,
        key: DecodingKey::from_jwk(jwk).ok()?,
    })
}

/// Where the keys come from.
pub enum JwksSource {
    File(PathBuf),
    Url {
        url: Uri,
        client: Box<UpstreamClient>,
    },
}

/// The cached key set.
pub struct Jwks {
    source: JwksSource,
    keys: ArcSwap<Vec<Key>>,
    /// Last fetch attempt; the mutex also makes refetches single-flight.
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
    pub ttl: Duration,
    refetch_interval: Duration,
}

impl Jwks {
    /// A cache over `source`, initially holding `initial`.
    pub fn new(
        source: JwksSource,
        initial: Vec<Key>,
        ttl: Duration,
        refetch_interval: Duration,
    ) -> Jwks {
        Jwks {
            source,
            keys: ArcSwap::from_pointee(initial),
            last_attempt: tokio::sync::Mutex::new(None),
            ttl,
            refetch_interval,
        }
    }

    /// The current keys.
    pub fn keys(&self) -> Arc<Vec<Key>> {
        self.keys.load_full()
    }

    /// Load the keys now, replacing the cached set on success.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let keys = match &self.source {
            JwksSource::File(path) => {
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|source| JwksError::Read {
                        path: path.clone(),
                        source,
                    })?;
                parse(&bytes)?
            }
            JwksSource::Url { url, client } => parse(&fetch(client, url).await?)?,
        };
        let n = keys.len();
        self.keys.store(Arc::new(keys));
        Ok(n)
    }

    /// Refetch because a token named a key we do not have, unless we did so within the
    /// refetch interval. Returns true when a refetch ran and succeeded.
    pub async fn refetch_for_unknown_kid(&self) -> bool {
        let mut last = self.last_attempt.lock().await;
        if last.is_some_and(|t| t.elapsed() < self.refetch_interval) {
            return false;
        }
        *last = Some(Instant::now());
        match self.refresh().await {
            Ok(n) => {
                tracing::info!(keys = n, "JWKS refetched for an unknown key id");
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "JWKS refetch failed; keeping the cached keys");
                false
            }
        }
    }

    /// The task that refreshes every TTL until the cache is dropped (the gateway runs it under
    /// its cancellation token).
    pub fn refresher(self: &Arc<Self>) -> impl std::future::Future<Output = ()> + Send + 'static {
        let weak = Arc::downgrade(self);
        let ttl = self.ttl.max(Duration::from_secs(1));
        async move {
            loop {
                tokio::time::sleep(ttl).await;
                let Some(jwks) = weak.upgrade() else { return };
                *jwks.last_attempt.lock().await = Some(Instant::now());
                if let Err(e) = jwks.refresh().await {
                    tracing::warn!(error = %e, "JWKS refresh failed; keeping the cached keys");
                }
            }
        }
    }
}

/// GET a JWKS over the upstream client, within 10 s and 1 MiB.
async fn fetch(client: &UpstreamClient, url: &Uri) -> Result<Bytes, JwksError> {
    let req = Request::get(url.clone())
        .header(header::ACCEPT, "application/json")
        .body(Full::new(Bytes::new()))
        .map_err(|e| JwksError::Fetch(e.to_string()))?;
    let exchange = async {
        let resp = client
            .request(req)
            .await
            .map_err(|e| JwksError::Fetch(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(JwksError::Fetch(format!("HTTP status {}", resp.status())));
        }
        Limited::new(resp.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|e| JwksError::Fetch(e.to_string()))
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| JwksError::Fetch("no answer within 10s".into()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_public_signing_keys() {
        let doc = br#"{"keys":[
            {"kty":"oct","kid":"h","k":"c2VjcmV0"},
            {"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"weird","kid":"w"},
            {"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        ]}"#;
        let keys = parse(doc).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("ed"));
        assert_eq!(keys[0].algorithms, vec![Algorithm::EdDSA]);
        assert!(matches!(
            parse(br#"{"keys":[{"kty":"oct","k":"eA"}]}"#),
            Err(JwksError::NoUsableKey)
        ));
        assert!(matches!(parse(b"[]"), Err(JwksError::Parse(_))));
    }
}
