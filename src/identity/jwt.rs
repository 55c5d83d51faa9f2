//! Bearer JWTs from the national eID provider (OIDC ID or access tokens).
//!
//! A token is accepted only if its `alg` is on the allow-list (asymmetric algorithms only), it is
//! signed by a key of the provider's JWKS, its `iss` is the configured issuer, its `aud` names
//! one of our audiences, and `exp` (required), `nbf` hold within the leeway. Its `sub` then maps
//! to a consumer (`jwt_subject` in consumers.toml) or, failing that, to a citizen.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::jwks::Jwks;

/// Longest citizen id or subject accepted from a token, in bytes.
const MAX_SUBJECT_BYTES: usize = 256;

/// Why a token was not accepted. Shown to the caller (RFC 6750 `invalid_token`): none of these
/// reveal anything about our keys beyond what the provider publishes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm {0} is not accepted")]
    AlgorithmNotAllowed(String),
    #[error("the token is signed with a key the eID provider does not publish")]
    UnknownKey,
    #[error("the token's signature is not valid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was not issued by the configured eID provider")]
    WrongIssuer,
    #[error("the token is not meant for this gateway (audience)")]
    WrongAudience,
    #[error("the token lacks the {0} claim")]
    MissingClaim(String),
}

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The `sub` claim.
    pub subject: String,
    /// The citizen identifier claim (`citizen_claim`), when present and a non-empty string.
    pub citizen_id: Option<String>,
}

/// Checks tokens against one issuer's JWKS.
pub struct JwtVerifier {
    pub issuer: String,
    pub audiences: Vec<String>,
    pub algorithms: Vec<Algorithm>,
    pub leeway: Duration,
    pub citizen_claim: String,
    pub jwks: Arc<Jwks>,
}

/// Three base64url segments, the first a JSON object (`eyJ` is `{"` encoded).
pub fn looks_like_jwt(token: &[u8]) -> bool {
    token.starts_with(b"eyJ")
        && token.iter().filter(|&&b| b == b'.').count() == 2
        && token
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

impl JwtVerifier {
    /// Verify `token` and read its subject.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let claims = self.claims(token).await?;
        let subject = claim_str(&claims, "sub").ok_or(TokenError::MissingClaim("sub".into()))?;
        let citizen_id = claim_str(&claims, &self.citizen_claim);
        Ok(VerifiedToken {
            subject,
            citizen_id,
        })
    }

    /// Verify `token` (algorithm, signature, `iss`, `aud`, `exp`, `nbf`) and return all its
    /// claims; one early JWKS refetch when it names a key we do not have.
    pub async fn claims(&self, token: &str) -> Result<Map<String, Value>, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if !self.algorithms.contains(&header.alg) {
            return Err(TokenError::AlgorithmNotAllowed(format!("{:?}", header.alg)));
        }
        let result = self.try_keys(token, header.alg, header.kid.as_deref());
        let claims = match result {
            Err(TokenError::UnknownKey) if self.jwks.refetch_for_unknown_kid().await => {
                self.try_keys(token, header.alg, header.kid.as_deref())?
            }
            other => other?,
        };
        Ok(claims)
    }

    /// Verify against the cached keys that fit `kid` and `alg`.
    fn try_keys(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Map<String, Value>, TokenError> {
        let keys = self.jwks.keys();
        let mut candidates = keys
            .iter()
            .filter(|k| k.algorithms.contains(&alg))
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .peekable();
        if candidates.peek().is_none() {
            return Err(TokenError::UnknownKey);
        }
        let validation = self.validation(alg);
        let mut last = TokenError::BadSignature;
        for key in candidates {
            match jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => {
                    last = map_error(e.kind());
                    // Only a bad signature means "maybe another key"; anything else is final.
                    if last != TokenError::BadSignature {
                        return Err(last);
                    }
                }
            }
        }
        Err(last)
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&self.audiences);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_exp = true;
        v.validate_nbf = true;
        v.leeway = self.leeway.as_secs();
        v
    }
}

/// A string claim fit to use as an identifier: trimmed, non-empty, at most 256 bytes, no
/// control characters.
pub fn claim_str(claims: &Map<String, Value>, name: &str) -> Option<String> {
    let s = claims.get(name)?.as_str()?.trim();
    (!s.is_empty() && s.len() <= MAX_SUBJECT_BYTES && !s.chars().any(char::is_control))
        .then(|| s.to_owned())
}

fn map_error(kind: &jsonwebtoken::errors::ErrorKind) -> TokenError {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::InvalidSignature => TokenError::BadSignature,
        K::ExpiredSignature => TokenError::Expired,
        K::ImmatureSignature => TokenError::NotYetValid,
        K::InvalidIssuer => TokenError::WrongIssuer,
        K::InvalidAudience => TokenError::WrongAudience,
        K::MissingRequiredClaim(c) => TokenError::MissingClaim(c.clone()),
        K::InvalidAlgorithm => TokenError::AlgorithmNotAllowed("for this key".into()),
        _ => TokenError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt(b"eyJhbGciOi.eyJzdWIi.c2ln"));
        assert!(!looks_like_jwt(b"portal-key"));
        assert!(!looks_like_jwt(b"eyJa.b"));
        assert!(!looks_like_jwt(b"eyJa.b.c d"));
    }
}
