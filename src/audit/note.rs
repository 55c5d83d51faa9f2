//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys, and the key file.
//!
//! A note is its text, a blank line, then signature lines `— <name> <base64(keyhash ‖ sig)>`,
//! where `keyhash = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[..4]`. Keys are written like Go's
//! `golang.org/x/mod/sumdb/note`: verifier `<name>+<hex keyhash>+<base64(0x01 ‖ pubkey)>`,
//! signer `PRIVATE+KEY+<name>+<hex keyhash>+<base64(0x01 ‖ seed)>` (the key file's content).

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The Ed25519 algorithm byte of signed-note keys.
const ALG_ED25519: u8 = 0x01;
/// U+2014 EM DASH and a space: the start of every signature line.
const SIG_PREFIX: &str = "\u{2014} ";

/// A key, key file or note that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("key name {0:?} must be non-empty, with no spaces, newlines or '+'")]
    BadName(String),
    #[error("malformed key: {0}")]
    BadKey(&'static str),
    #[error("malformed note: {0}")]
    BadNote(&'static str),
    #[error("the note carries no valid signature by {0}")]
    NotSigned(String),
    #[error("key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

/// Whether `name` may name a key (no whitespace, no `+`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn key_hash(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Signs notes under one name.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    hash: u32,
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSigner({})", self.verifier_key())
    }
}

impl NoteSigner {
    /// A fresh random key named `name`.
    pub fn generate(name: &str) -> Result<NoteSigner, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadName(name.to_owned()));
        }
        let key = SigningKey::generate(&mut rand_core::OsRng);
        Ok(Self::from_key(name, key))
    }

    fn from_key(name: &str, key: SigningKey) -> NoteSigner {
        let hash = key_hash(name, key.verifying_key().as_bytes());
        NoteSigner {
            name: name.to_owned(),
            key,
            hash,
        }
    }

    /// Parse `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<NoteSigner, NoteError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::BadKey("a signing key starts with PRIVATE+KEY+"))?;
        let (name, hash, key) = split_key(rest)?;
        let seed = key_bytes(
            key,
            ALG_ED25519,
            ONLY_ED25519,
            "an Ed25519 seed is 32 bytes",
        )?;
        let signer = Self::from_key(name, SigningKey::from_bytes(&seed));
        if signer.hash != hash {
            return Err(NoteError::BadKey("key hash does not match name and key"));
        }
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signing key file's content.
    pub fn private_key(&self) -> String {
        let key = key_string(&self.name, self.hash, ALG_ED25519, self.key.as_bytes());
        format!("PRIVATE+KEY+{key}")
    }

    /// The public verifier key string.
    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key();
        key_string(&self.name, self.hash, ALG_ED25519, public.as_bytes())
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            hash: self.hash,
            key: self.key.verifying_key(),
        }
    }

    /// Sign `text` (which must end with a newline) into a complete note.
    pub fn sign(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut b = self.hash.to_be_bytes().to_vec();
        b.extend_from_slice(&sig.to_bytes());
        format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, B64.encode(b))
    }
}

/// Checks notes signed by one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    hash: u32,
    key: VerifyingKey,
}

const ONLY_ED25519: &str = "only Ed25519 (0x01) keys are supported";

/// `<name>+<8 hex digits>+<base64(alg ‖ key)>`: the form of every key string of a note
/// (a signing key's adds `PRIVATE+KEY+` before it).
pub(crate) fn key_string(name: &str, id: u32, alg: u8, key: &[u8; 32]) -> String {
    let mut b = vec![alg];
    b.extend_from_slice(key);
    format!("{name}+{id:08x}+{}", B64.encode(b))
}

/// The 32 key bytes of `b64`, base64 of `alg` ‖ key; `wrong_alg` and `wrong_len` say what
/// is wrong with another algorithm byte or length.
pub(crate) fn key_bytes(
    b64: &str,
    alg: u8,
    wrong_alg: &'static str,
    wrong_len: &'static str,
) -> Result<[u8; 32], NoteError> {
    let bytes = B64
        .decode(b64)
        .map_err(|_| NoteError::BadKey("key is not base64"))?;
    match bytes.split_first() {
        Some((&a, k)) if a == alg => k.try_into().map_err(|_| NoteError::BadKey(wrong_len)),
        _ => Err(NoteError::BadKey(wrong_alg)),
    }
}

fn split_key(s: &str) -> Result<(&str, u32, &str), NoteError> {
    let mut it = s.splitn(3, '+');
    let (Some(name), Some(hash), Some(key)) = (it.next(), it.next(), it.next()) else {
        return Err(NoteError::BadKey("expected <name>+<hash>+<key>"));
    };
    if !valid_name(name) {
        return Err(NoteError::BadName(name.to_owned()));
    }
    if hash.len() != 8 {
        return Err(NoteError::BadKey("key hash is 8 hex digits"));
    }
    let hash = u32::from_str_radix(hash, 16).map_err(|_| NoteError::BadKey("bad key hash"))?;
    Ok((name, hash, key))
}

impl NoteVerifier {
    /// Parse `<name>+<hex keyhash>+<base64(0x01 ‖ pubkey)>`.
    pub fn parse(text: &str) -> Result<NoteVerifier, NoteError> {
        let (name, hash, key) = split_key(text.trim())?;
        let public = key_bytes(
            key,
            ALG_ED25519,
            ONLY_ED25519,
            "an Ed25519 public key is 32 bytes",
        )?;
        if key_hash(name, &public) != hash {
            return Err(NoteError::BadKey("key hash does not match name and key"));
        }
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::BadKey("not a valid Ed25519 public key"))?;
        Ok(NoteVerifier {
            name: name.to_owned(),
            hash,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Open `note`: return its text if one of its signature lines is a valid signature by this
    /// key. Signatures by other keys are ignored, as the spec requires.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or(NoteError::BadNote("no blank line before the signatures"))?;
        let (text, sigs) = (&note[..=split], &note[split + 2..]);
        if !sigs.ends_with('\n') {
            return Err(NoteError::BadNote(
                "signature block must end with a newline",
            ));
        }
        for line in sigs.lines() {
            let line = line
                .strip_prefix(SIG_PREFIX)
                .ok_or(NoteError::BadNote("signature lines start with an em dash"))?;
            let Some((name, sig)) = line.split_once(' ') else {
                return Err(NoteError::BadNote("signature line is <name> <base64>"));
            };
            if name != self.name {
                continue;
            }
            let Ok(bytes) = B64.decode(sig) else { continue };
            if bytes.len() != 68 || bytes[..4] != self.hash.to_be_bytes() {
                continue;
            }
            let Ok(sig) = Signature::from_slice(&bytes[4..]) else {
                continue;
            };
            if self.key.verify(text.as_bytes(), &sig).is_ok() {
                return Ok(text);
            }
        }
        Err(NoteError::NotSigned(self.name.clone()))
    }
}

/// Load the signing key at `path`, or create it (mode 0600, parent directories too) named
/// `name`. Returns the signer and whether it was created now.
pub fn load_or_create_key(path: &Path, name: &str) -> Result<(NoteSigner, bool), NoteError> {
    let fresh = || Ok(format!("{}\n", NoteSigner::generate(name)?.private_key()));
    let (text, created) = super::keys::read_or_create(path, fresh, |source| NoteError::File {
        path: path.display().to_string(),
        source,
    })?;
    Ok((NoteSigner::parse(&text)?, created))
}

/// Load the signing key at `path` if it exists (for `audit verify`, which never creates one).
pub fn load_key(path: &Path) -> Result<Option<NoteSigner>, NoteError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(NoteSigner::parse(&text)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(NoteError::File {
            path: path.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_note_test_vector_verifies() {
        // From golang.org/x/mod/sumdb/note's documentation.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let v = NoteVerifier::parse(vkey).unwrap();
        let text = v.open(note).unwrap();
        assert!(text.starts_with("If you think"));
        assert!(v.open(&note.replace("answer", "Answer")).is_err());
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let s = NoteSigner::parse(skey).unwrap();
        assert_eq!(s.verifier_key(), vkey);
        assert_eq!(s.private_key(), skey);
        assert_eq!(s.sign(text), note, "Ed25519 signing is deterministic");
    }

    #[test]
    fn sign_then_open_round_trips_and_keys_reparse() {
        let s = NoteSigner::generate("dxgate.test/audit").unwrap();
        let again = NoteSigner::parse(&s.private_key()).unwrap();
        assert_eq!(again.verifier_key(), s.verifier_key());
        let v = NoteVerifier::parse(&s.verifier_key()).unwrap();
        let note = s.sign("origin\n3\nAAAA\n");
        assert_eq!(v.open(&note).unwrap(), "origin\n3\nAAAA\n");
        let other = NoteSigner::generate("dxgate.test/audit")
            .unwrap()
            .verifier();
        assert!(matches!(other.open(&note), Err(NoteError::NotSigned(_))));
        assert!(NoteSigner::generate("bad name").is_err());
    }

    #[test]
    fn key_file_is_created_private_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/checkpoint.key");
        let (a, created) = load_or_create_key(&path, "n").unwrap();
        assert!(created);
        let (b, created) = load_or_create_key(&path, "n").unwrap();
        assert!(!created);
        assert_eq!(a.verifier_key(), b.verifier_key());
        super::super::keys::assert_private(&path);
    }
}
