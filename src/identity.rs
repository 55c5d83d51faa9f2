//! Who is calling: consumers, their roles, and API-key authentication.
//!
//! API keys are never stored: `policies/consumers.toml` holds their SHA-256, and a presented
//! key is hashed and looked up. The consumer id is what the audit log records.

mod api_key;
mod rate;

use std::collections::HashMap;
use std::sync::Arc;

pub use api_key::{authenticate, AuthError};
pub use rate::{RateLimit, Throttled};

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

/// A registered consumer of data.
#[derive(Debug)]
pub struct Consumer {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// The agency this consumer acts for, if any.
    pub agency: Option<Ident>,
    /// Requests per second this consumer may make (`None`: unlimited).
    pub rate: Option<RateLimit>,
}

impl Consumer {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Consumers by the SHA-256 of their API key.
#[derive(Debug, Default)]
pub struct KeyRing {
    by_hash: HashMap<[u8; 32], Arc<Consumer>>,
}

impl KeyRing {
    /// Register `consumer` under `key_sha256`; false if that hash is already taken.
    pub fn insert(&mut self, key_sha256: [u8; 32], consumer: Arc<Consumer>) -> bool {
        self.by_hash.insert(key_sha256, consumer).is_none()
    }

    pub fn get(&self, key_sha256: &[u8; 32]) -> Option<&Arc<Consumer>> {
        self.by_hash.get(key_sha256)
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}
