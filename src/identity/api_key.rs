//! `Authorization: Bearer <api key>` → [`Consumer`], and the ways authentication says no.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::jwt::TokenError;
use super::{Consumer, KeyRing};

/// Why a caller could not be identified. Rendered as 401 with `WWW-Authenticate: Bearer`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("no credentials: send `Authorization: Bearer <api key or eID token>` or a registered client certificate")]
    Missing,
    #[error("the Authorization header must use the Bearer scheme")]
    WrongScheme,
    #[error("the API key is not recognised")]
    UnknownKey,
    #[error("{0}")]
    InvalidToken(TokenError),
    #[error("the client certificate (SHA-256 {sha256}, subject {subject}) is not registered to any consumer")]
    UnknownCertificate { sha256: String, subject: String },
}

/// Identify the caller from the `Authorization` header value, if any.
pub fn authenticate(keys: &KeyRing, header: Option<&[u8]>) -> Result<Arc<Consumer>, AuthError> {
    let value = header.ok_or(AuthError::Missing)?;
    let token = strip_bearer(value).ok_or(AuthError::WrongScheme)?;
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    let digest: [u8; 32] = Sha256::digest(token).into();
    keys.get(&digest).cloned().ok_or(AuthError::UnknownKey)
}

/// The credentials after `Bearer `, trimmed.
pub(super) fn strip_bearer(v: &[u8]) -> Option<&[u8]> {
    if v.len() < 7 || !v[..7].eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    Some(v[7..].trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    #[test]
    fn bearer_keys() {
        let mut ring = KeyRing::default();
        let c = Arc::new(Consumer {
            id: "c".into(),
            name: "C".into(),
            roles: vec![Role::Consumer],
            agency: None,
            rate: None,
            cors_origins: Vec::new(),
            trusted_on_behalf: false,
        });
        ring.insert(Sha256::digest(b"k1").into(), c);
        assert_eq!(authenticate(&ring, Some(b"Bearer k1")).unwrap().id, "c");
        assert_eq!(authenticate(&ring, Some(b"bearer  k1 ")).unwrap().id, "c");
        assert_eq!(authenticate(&ring, None).unwrap_err(), AuthError::Missing);
        assert_eq!(
            authenticate(&ring, Some(b"Basic k1")).unwrap_err(),
            AuthError::WrongScheme
        );
        assert_eq!(
            authenticate(&ring, Some(b"Bearer k2")).unwrap_err(),
            AuthError::UnknownKey
        );
        assert_eq!(
            authenticate(&ring, Some(b"Bearer ")).unwrap_err(),
            AuthError::Missing
        );
    }
}
