//! Who is calling, from any credential: API key, eID bearer token or mTLS client certificate.
//!
//! Precedence: an `Authorization: Bearer` header decides (a JWT when it looks like one and
//! `[jwt]` is configured, else an API key); without one, a client certificate mapped in
//! consumers.toml identifies the consumer. A valid eID token whose subject is not a consumer's
//! `jwt_subject` is a **citizen**: it may read its own access log and nothing else.

use std::sync::Arc;

use http::{header, HeaderMap};

use super::api_key::{self, strip_bearer};
use super::cert::PeerCert;
use super::jwt::{looks_like_jwt, JwtVerifier, TokenError};
use super::{AuthError, Consumer, KeyRing};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Caller {
    Consumer {
        consumer: Arc<Consumer>,
    },
    /// A data subject authenticated by the eID provider; `id` is the citizen identifier.
    Citizen {
        id: String,
    },
}

impl Caller {
    /// The consumer, when the caller is one.
    pub fn consumer(&self) -> Option<&Arc<Consumer>> {
        match self {
            Caller::Consumer { consumer } => Some(consumer),
            Caller::Citizen { .. } => None,
        }
    }
}

/// Turns credentials into a [`Caller`].
#[derive(Default)]
pub struct Authenticator {
    /// `None` when `[jwt]` is not configured: bearer values are then API keys only.
    pub jwt: Option<JwtVerifier>,
}

impl Authenticator {
    /// Identify the caller of one request. `cert` is the connection's verified client
    /// certificate, if any.
    pub async fn authenticate(
        &self,
        keys: &KeyRing,
        headers: &HeaderMap,
        cert: Option<&PeerCert>,
    ) -> Result<Caller, AuthError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return match cert {
                Some(c) => keys
                    .by_cert(c)
                    .map(|consumer| Caller::Consumer {
                        consumer: consumer.clone(),
                    })
                    .ok_or_else(|| AuthError::UnknownCertificate {
                        sha256: c.fingerprint_hex(),
                        subject: c.subject.clone().unwrap_or_else(|| "unreadable".into()),
                    }),
                None => Err(AuthError::Missing),
            };
        };
        let token = strip_bearer(value.as_bytes()).ok_or(AuthError::WrongScheme)?;
        if let (Some(jwt), true) = (&self.jwt, looks_like_jwt(token)) {
            let token = std::str::from_utf8(token)
                .map_err(|_| AuthError::InvalidToken(TokenError::Malformed))?;
            let verified = jwt.verify(token).await.map_err(AuthError::InvalidToken)?;
            if let Some(consumer) = keys.by_jwt_subject(&verified.subject) {
                return Ok(Caller::Consumer {
                    consumer: consumer.clone(),
                });
            }
            return verified
                .citizen_id
                .map(|id| Caller::Citizen { id })
                .ok_or_else(|| {
                    AuthError::InvalidToken(TokenError::MissingClaim(jwt.citizen_claim.clone()))
                });
        }
        api_key::authenticate(keys, Some(value.as_bytes()))
            .map(|consumer| Caller::Consumer { consumer })
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::identity::Role;

    fn consumer(id: &str) -> Arc<Consumer> {
        Arc::new(Consumer {
            id: id.into(),
            name: id.into(),
            roles: vec![Role::Consumer],
            agency: None,
            rate: None,
            cors_origins: Vec::new(),
            trusted_on_behalf: false,
        })
    }

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    #[tokio::test]
    async fn bearer_decides_else_the_certificate() {
        let mut keys = KeyRing::default();
        keys.insert(Sha256::digest(b"k1").into(), consumer("by-key"));
        let cert = PeerCert {
            sha256: [7; 32],
            subject: Some("C=VN,CN=x".into()),
        };
        keys.insert_cert_sha256([7; 32], consumer("by-fingerprint"));
        keys.insert_cert_subject("C = VN, CN = y", consumer("by-subject"));
        let auth = Authenticator::default();
        let id = |r: Result<Caller, AuthError>| r.unwrap().consumer().unwrap().id.clone();

        assert_eq!(
            id(auth
                .authenticate(&keys, &headers(Some("Bearer k1")), Some(&cert))
                .await),
            "by-key"
        );
        assert_eq!(
            id(auth.authenticate(&keys, &headers(None), Some(&cert)).await),
            "by-fingerprint"
        );
        let by_subject = PeerCert {
            sha256: [8; 32],
            subject: Some("C=VN,CN=y".into()),
        };
        assert_eq!(
            id(auth
                .authenticate(&keys, &headers(None), Some(&by_subject))
                .await),
            "by-subject"
        );
        let stranger = PeerCert {
            sha256: [9; 32],
            subject: None,
        };
        assert!(matches!(
            auth.authenticate(&keys, &headers(None), Some(&stranger))
                .await,
            Err(AuthError::UnknownCertificate { .. })
        ));
        assert_eq!(
            auth.authenticate(&keys, &headers(None), None)
                .await
                .unwrap_err(),
            AuthError::Missing
        );
        // Without [jwt], a JWT-looking bearer is just an unknown API key.
        assert_eq!(
            auth.authenticate(&keys, &headers(Some("Bearer eyJa.eyJb.c")), None)
                .await
                .unwrap_err(),
            AuthError::UnknownKey
        );
        // A bad bearer is not rescued by a good certificate.
        assert_eq!(
            auth.authenticate(&keys, &headers(Some("Bearer nope")), Some(&cert))
                .await
                .unwrap_err(),
            AuthError::UnknownKey
        );
    }
}
