//! Witness cosignatures (<https://c2sp.org/tlog-cosignature>, Ed25519 `cosignature/v1`).
//!
//! A witness that has checked a checkpoint is consistent with every earlier one it saw adds a
//! signature line to the note: `— <witness name> base64(key id ‖ u64 timestamp ‖ signature)`,
//! where the signature covers `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint
//! body, and `key id = SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[..4]`. Keys are written like
//! signed-note keys with algorithm byte 0x04: verifier `<name>+<hex id>+<base64(0x04 ‖ key)>`,
//! signer `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>`.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest as _, Sha256};

use super::note::{key_bytes, key_string, valid_name, NoteError};

/// The algorithm byte of Ed25519 cosignature keys.
const ALG_COSIGNATURE: u8 = 0x04;
const SIG_PREFIX: &str = "\u{2014} ";

fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let d = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', ALG_COSIGNATURE])
        .chain_update(public)
        .finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The note's text (up to and including the newline before the blank line) and its
/// signature lines.
pub fn split_note(note: &str) -> Option<(&str, &str)> {
    let split = note.rfind("\n\n")?;
    Some((&note[..=split], &note[split + 2..]))
}

fn message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// Decode `<name>+<hex id>+<base64(0x04 ‖ 32 bytes)>`.
fn split_key(s: &str) -> Result<(&str, u32, [u8; 32]), NoteError> {
    let mut it = s.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (it.next(), it.next(), it.next()) else {
        return Err(NoteError::BadKey("expected <name>+<hash>+<key>"));
    };
    if !valid_name(name) {
        return Err(NoteError::BadName(name.to_owned()));
    }
    let id = u32::from_str_radix(id, 16)
        .ok()
        .filter(|_| id.len() == 8)
        .ok_or(NoteError::BadKey("key id is 8 hex digits"))?;
    let wrong_alg = "a witness key has algorithm 0x04 (Ed25519 cosignature/v1)";
    let k = key_bytes(
        key,
        ALG_COSIGNATURE,
        wrong_alg,
        "an Ed25519 key is 32 bytes",
    )?;
    Ok((name, id, k))
}

/// A witness's signing key.
#[derive(Clone)]
pub struct WitnessSigner {
    name: String,
    key: SigningKey,
    id: u32,
}

impl WitnessSigner {
    pub fn generate(name: &str) -> Result<WitnessSigner, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadName(name.to_owned()));
        }
        Ok(Self::from_key(
            name,
            SigningKey::generate(&mut rand_core::OsRng),
        ))
    }

    fn from_key(name: &str, key: SigningKey) -> WitnessSigner {
        let id = key_id(name, key.verifying_key().as_bytes());
        WitnessSigner {
            name: name.to_owned(),
            key,
            id,
        }
    }

    pub fn parse(text: &str) -> Result<WitnessSigner, NoteError> {
        let rest = (text.trim().strip_prefix("PRIVATE+KEY+"))
            .ok_or(NoteError::BadKey("a signing key starts with PRIVATE+KEY+"))?;
        let (name, id, seed) = split_key(rest)?;
        let s = Self::from_key(name, SigningKey::from_bytes(&seed));
        if s.id != id {
            return Err(NoteError::BadKey("key id does not match name and key"));
        }
        Ok(s)
    }

    /// Read the key at `path`, or create it (mode 0600) named `name`; whether it was created.
    pub fn load_or_create(path: &Path, name: &str) -> Result<(WitnessSigner, bool), NoteError> {
        let fresh = || {
            Ok(format!(
                "{}\n",
                WitnessSigner::generate(name)?.private_key()
            ))
        };
        let (text, created) = super::keys::read_or_create(path, fresh, |source| NoteError::File {
            path: path.display().to_string(),
            source,
        })?;
        Ok((WitnessSigner::parse(&text)?, created))
    }

    pub fn private_key(&self) -> String {
        let key = key_string(&self.name, self.id, ALG_COSIGNATURE, self.key.as_bytes());
        format!("PRIVATE+KEY+{key}")
    }

    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key();
        key_string(&self.name, self.id, ALG_COSIGNATURE, public.as_bytes())
    }

    /// The cosignature line (with its newline) over the note text `text` at `timestamp`.
    pub fn cosign(&self, text: &str, timestamp: u64) -> String {
        let sig = self.key.sign(message(text, timestamp).as_bytes());
        let mut b = self.id.to_be_bytes().to_vec();
        b.extend_from_slice(&timestamp.to_be_bytes());
        b.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(b))
    }
}

/// Checks one witness's cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl WitnessVerifier {
    pub fn parse(text: &str) -> Result<WitnessVerifier, NoteError> {
        let (name, id, public) = split_key(text)?;
        if key_id(name, &public) != id {
            return Err(NoteError::BadKey("key id does not match name and key"));
        }
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::BadKey("not a valid Ed25519 public key"))?;
        Ok(WitnessVerifier {
            name: name.to_owned(),
            id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first signature line of `note` that is a valid cosignature by this witness: the
    /// line (with its newline) and its timestamp.
    pub fn find(&self, note: &str) -> Option<(String, u64)> {
        let (text, sigs) = split_note(note)?;
        sigs.lines().find_map(|line| {
            let (name, sig) = line.strip_prefix(SIG_PREFIX)?.split_once(' ')?;
            let b = B64.decode(sig).ok().filter(|b| b.len() == 76)?;
            if name != self.name || b[..4] != self.id.to_be_bytes() {
                return None;
            }
            let ts = u64::from_be_bytes(b[4..12].try_into().ok()?);
            let sig = Signature::from_slice(&b[12..]).ok()?;
            let msg = message(text, ts);
            self.key.verify(msg.as_bytes(), &sig).ok()?;
            Some((format!("{line}\n"), ts))
        })
    }
}

#[cfg(test)]
mod kat;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::note::{NoteSigner, NoteVerifier};

    #[test]
    fn cosignatures_verify_only_over_their_checkpoint_and_key() {
        let log = NoteSigner::generate("dxgate.test/audit").unwrap();
        let note =
            log.sign("dxgate.test/audit/n1\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        let w = WitnessSigner::generate("witness.test/w1").unwrap();
        let (text, _) = split_note(&note).unwrap();
        let cosigned = format!("{note}{}", w.cosign(text, 1_679_315_147));
        let v = WitnessVerifier::parse(&w.verifier_key()).unwrap();
        assert_eq!(v.find(&cosigned).map(|(_, ts)| ts), Some(1_679_315_147));
        // The log's own signature still verifies with the line added.
        NoteVerifier::parse(&log.verifier_key())
            .unwrap()
            .open(&cosigned)
            .unwrap();
        // Another checkpoint, another witness, a signer key as verifier: refused.
        assert_eq!(v.find(&cosigned.replace("\n5\n", "\n6\n")), None);
        let other = WitnessSigner::generate("witness.test/w1").unwrap();
        let v2 = WitnessVerifier::parse(&other.verifier_key()).unwrap();
        assert_eq!(v2.find(&cosigned), None);
        assert!(WitnessVerifier::parse(&log.verifier_key()).is_err());
        let again = WitnessSigner::parse(&w.private_key()).unwrap();
        assert_eq!(again.verifier_key(), w.verifier_key());
    }
}
