//! Who is calling: consumers, their roles, citizens, and how each proves who it is.
//!
//! API keys are never stored: `policies/consumers.toml` holds their SHA-256, and a presented
//! key is hashed and looked up. Consumers may also authenticate with an mTLS client certificate
//! ([`cert`]) or an eID bearer token ([`jwt`], keys from [`jwks`]); [`caller`] combines them.
//! The consumer id is what the audit log records.

mod api_key;
pub mod caller;
pub mod cert;
pub mod jwks;
pub mod jwt;
mod rate;

use std::collections::HashMap;
use std::sync::Arc;

pub use api_key::{authenticate, AuthError};
pub use caller::{Authenticator, Caller};
pub use cert::{normalize_dn, PeerCert};
pub use jwt::{JwtVerifier, TokenError};
pub use rate::{KeyedLimiter, Limiter, Rate, Throttled, TokioClock};

use crate::ids::Ident;

/// A role grants access to the read APIs beyond the consumer's own requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Requests data (every consumer may); sees its own audit records.
    Consumer,
    /// An agency officer: sees the records of its agency's datasets.
    Agency,
    /// The competent authority: sees everything, reviews refusals.
    Oversight,
}

/// A registered consumer of data, as `policies/consumers.toml` declares it (configuration: its
/// live rate limiter is runtime state, see `crate::runtime`).
#[derive(Debug, PartialEq)]
pub struct Consumer {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// The agency this consumer acts for, if any.
    pub agency: Option<Ident>,
    /// Requests per second this consumer may make (`None`: unlimited).
    pub rate: Option<Rate>,
    /// Web origins (`https://portal.example.vn`) whose pages may call the data endpoints with
    /// this consumer's credentials (CORS, `server::manners`). Default: none.
    pub cors_origins: Vec<String>,
    /// May name the end user it acts for in `On-Behalf-Of` (`trusted_on_behalf`).
    pub trusted_on_behalf: bool,
}

impl Consumer {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Consumers by credential: the SHA-256 of their API key, their client certificate's
/// fingerprint or subject, their eID token subject.
#[derive(Debug, Default)]
pub struct KeyRing {
    by_hash: HashMap<[u8; 32], Arc<Consumer>>,
    by_cert_sha256: HashMap<[u8; 32], Arc<Consumer>>,
    by_cert_subject: HashMap<String, Arc<Consumer>>,
    by_jwt_subject: HashMap<String, Arc<Consumer>>,
    by_sign_in_subject: HashMap<String, Arc<Consumer>>,
}

impl KeyRing {
    /// Register `consumer` under `key_sha256`; false if that hash is already taken.
    pub fn insert(&mut self, key_sha256: [u8; 32], consumer: Arc<Consumer>) -> bool {
        self.by_hash.insert(key_sha256, consumer).is_none()
    }

    pub fn get(&self, key_sha256: &[u8; 32]) -> Option<&Arc<Consumer>> {
        self.by_hash.get(key_sha256)
    }

    /// Register a client certificate fingerprint; false if already taken.
    pub fn insert_cert_sha256(&mut self, sha256: [u8; 32], consumer: Arc<Consumer>) -> bool {
        self.by_cert_sha256.insert(sha256, consumer).is_none()
    }

    /// Register a client certificate subject DN (any spacing); false if already taken.
    pub fn insert_cert_subject(&mut self, subject: &str, consumer: Arc<Consumer>) -> bool {
        self.by_cert_subject
            .insert(normalize_dn(subject), consumer)
            .is_none()
    }

    /// Register an eID token subject; false if already taken.
    pub fn insert_jwt_subject(&mut self, subject: &str, consumer: Arc<Consumer>) -> bool {
        self.by_jwt_subject
            .insert(subject.to_owned(), consumer)
            .is_none()
    }

    /// The consumer a client certificate belongs to: by fingerprint first, then by subject.
    pub fn by_cert(&self, cert: &PeerCert) -> Option<&Arc<Consumer>> {
        self.by_cert_sha256.get(&cert.sha256).or_else(|| {
            cert.subject
                .as_ref()
                .and_then(|s| self.by_cert_subject.get(s))
        })
    }

    /// Register a staff sign-in subject (`sign_in_subject`); false if already taken.
    pub fn insert_sign_in_subject(&mut self, subject: &str, consumer: Arc<Consumer>) -> bool {
        self.by_sign_in_subject
            .insert(subject.to_owned(), consumer)
            .is_none()
    }

    /// The consumer a signed-in staff member acts as.
    pub fn by_sign_in_subject(&self, subject: &str) -> Option<&Arc<Consumer>> {
        self.by_sign_in_subject.get(subject)
    }

    pub fn by_jwt_subject(&self, subject: &str) -> Option<&Arc<Consumer>> {
        self.by_jwt_subject.get(subject)
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}
