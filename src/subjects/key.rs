//! The gateway's subject-hashing key: HMAC-SHA256, 32 random bytes kept in a 0600 file.
//!
//! Without the key, a subject hash cannot be linked to a person by trying every identifier
//! (national ids are few enough to enumerate, so a plain hash would not protect them). Losing
//! the key breaks the link between old records and citizens; it is never rotated automatically.

use std::path::{Path, PathBuf};

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;

use crate::audit::Digest;

/// Longest subject identifier hashed, in bytes; longer values are not identifiers.
const MAX_SUBJECT_BYTES: usize = 256;

/// The key file cannot be read or created.
#[derive(Debug, thiserror::Error)]
pub enum SubjectKeyError {
    #[error("subject key {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("subject key {}: must hold at least 64 hex digits (32 bytes)", path.display())]
    Invalid { path: PathBuf },
    #[error("no secure random numbers available to generate the subject key")]
    Random,
}

/// The keyed hash of subject identifiers.
pub struct SubjectKey {
    key: hmac::Key,
}

impl std::fmt::Debug for SubjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectKey(..)")
    }
}

impl SubjectKey {
    pub fn from_bytes(bytes: &[u8]) -> SubjectKey {
        SubjectKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        }
    }

    /// Read the key at `path`, or generate one there (mode 0600) if the file does not exist.
    /// Returns the key and whether it was just created.
    pub fn load_or_create(path: &Path) -> Result<(SubjectKey, bool), SubjectKeyError> {
        let fresh = || {
            let mut bytes = [0u8; 32];
            SystemRandom::new()
                .fill(&mut bytes)
                .map_err(|_| SubjectKeyError::Random)?;
            Ok(format!("{}\n", hex::encode(bytes)))
        };
        let (text, created) =
            crate::audit::keys::read_or_create(path, fresh, |source| SubjectKeyError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let bytes = hex::decode(text.trim())
            .ok()
            .filter(|b| b.len() >= 32)
            .ok_or_else(|| SubjectKeyError::Invalid {
                path: path.to_path_buf(),
            })?;
        Ok((SubjectKey::from_bytes(&bytes), created))
    }

    /// HMAC-SHA256 of a subject identifier.
    pub fn hash(&self, subject: &str) -> Digest {
        let tag = hmac::sign(&self.key, subject.as_bytes());
        let mut out = [0u8; 32];
        // HMAC-SHA256 tags are 32 bytes.
        out.copy_from_slice(tag.as_ref());
        Digest::from_bytes(out)
    }

    /// Keyed hash of a `Data-Case` reference: the subject key over `data-case\0` ‖ reference,
    /// so a case hash never equals a subject's or an end user's hash for the same text.
    pub fn case_hash(&self, case: &str) -> Digest {
        self.hash(&format!("data-case\0{case}"))
    }

    /// Keyed hash of an end user's id (`end-user\0` ‖ id), like [`SubjectKey::case_hash`].
    pub fn end_user_hash(&self, id: &str) -> Digest {
        self.hash(&format!("end-user\0{id}"))
    }
}

/// The subject identifier in a request's parameters: the field's string (trimmed) or number.
pub fn subject_value(params: &Value, field: &str) -> Option<String> {
    let v = match params.get(field)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!v.is_empty() && v.len() <= MAX_SUBJECT_BYTES).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_private_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/k");
        let (k1, created) = SubjectKey::load_or_create(&path).unwrap();
        assert!(created);
        crate::audit::keys::assert_private(&path);
        let (k2, created) = SubjectKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(k1.hash("001"), k2.hash("001"));
        assert_ne!(k1.hash("001"), k1.hash("002"));
        assert_eq!(k1.hash("001").to_hex().len(), 64);
        std::fs::write(&path, "short").unwrap();
        assert!(SubjectKey::load_or_create(&path).is_err());
    }

    #[test]
    fn subject_values() {
        let p = serde_json::json!({"id": " 001 ", "n": 7, "o": {}, "e": ""});
        assert_eq!(subject_value(&p, "id").as_deref(), Some("001"));
        assert_eq!(subject_value(&p, "n").as_deref(), Some("7"));
        assert_eq!(subject_value(&p, "o"), None);
        assert_eq!(subject_value(&p, "e"), None);
        assert_eq!(subject_value(&p, "missing"), None);
    }

    #[test]
    fn matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2.
        let k = SubjectKey::from_bytes(b"Jefe");
        assert_eq!(
            k.hash("what do ya want for nothing?").to_hex(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
