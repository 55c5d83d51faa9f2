//! The key of the payload hashes: `request_sha256` and `response_sha256` are HMAC-SHA-256 under
//! it, never a plain SHA-256 of the query or body.
//!
//! A plain hash of `citizen_id=001090012345` is found by trying every twelve-digit id in
//! minutes, which would undo the keyed subject hash for anyone who can read the record (agency
//! officers, oversight, archives). The key lives outside the store and, by default, outside the
//! data directory (`keys/payload-hmac.key`, 32 random bytes as hex, mode 0600). Whoever holds it
//! (the operator, on an oversight body's request) can confirm that a given payload is the one
//! recorded: `dxgate audit hash-payload`. Each record names its scheme (`payload_scheme`,
//! `hmac-sha256/<key id>`); records from before have none and carry plain SHA-256.

use std::path::{Path, PathBuf};

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest as _, Sha256};

use super::Digest;

/// The key file cannot be read or created.
#[derive(Debug, thiserror::Error)]
pub enum PayloadKeyError {
    #[error("payload key {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("payload key {}: must hold at least 64 hex digits (32 bytes)", path.display())]
    Invalid { path: PathBuf },
    #[error("no secure random numbers available to generate the payload key")]
    Random,
}

/// HMAC-SHA-256 of request and response payloads.
pub struct PayloadKey {
    key: hmac::Key,
    scheme: String,
}

impl std::fmt::Debug for PayloadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PayloadKey({})", self.scheme)
    }
}

impl PayloadKey {
    pub fn from_bytes(bytes: &[u8]) -> PayloadKey {
        // The key id: enough to tell keys apart, nothing about the key.
        let id = Sha256::new()
            .chain_update(b"dxgate-payload-key-id\n")
            .chain_update(bytes)
            .finalize();
        PayloadKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
            scheme: format!("hmac-sha256/{}", hex::encode(&id[..8])),
        }
    }

    /// Read the key at `path`, or generate one there (mode 0600) if the file does not exist.
    /// Returns the key and whether it was just created.
    pub fn load_or_create(path: &Path) -> Result<(PayloadKey, bool), PayloadKeyError> {
        let fresh = || {
            let mut bytes = [0u8; 32];
            SystemRandom::new()
                .fill(&mut bytes)
                .map_err(|_| PayloadKeyError::Random)?;
            Ok(format!("{}\n", hex::encode(bytes)))
        };
        let (text, created) =
            super::keys::read_or_create(path, fresh, |source| PayloadKeyError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let bytes = hex::decode(text.trim())
            .ok()
            .filter(|b| b.len() >= 32)
            .ok_or_else(|| PayloadKeyError::Invalid {
                path: path.to_path_buf(),
            })?;
        Ok((PayloadKey::from_bytes(&bytes), created))
    }

    /// HMAC-SHA-256 of a payload (query string or body).
    pub fn hash(&self, payload: &[u8]) -> Digest {
        let tag = hmac::sign(&self.key, payload);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        Digest::from_bytes(out)
    }

    /// What records hashed with this key say in `payload_scheme`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_are_not_plain_sha256_and_name_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/payload-hmac.key");
        let (k, created) = PayloadKey::load_or_create(&path).unwrap();
        assert!(created);
        super::super::keys::assert_private(&path);
        let q = b"citizen_id=001090012345";
        assert_ne!(k.hash(q), Digest::sha256(q));
        let (again, created) = PayloadKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!((again.hash(q), again.scheme()), (k.hash(q), k.scheme()));
        assert!(k.scheme().starts_with("hmac-sha256/") && k.scheme().len() == 28);
        let other = PayloadKey::from_bytes(&[1u8; 32]);
        assert_ne!(other.scheme(), k.scheme());
        // RFC 4231 test case 2.
        assert_eq!(
            PayloadKey::from_bytes(b"Jefe")
                .hash(b"what do ya want for nothing?")
                .to_hex(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
