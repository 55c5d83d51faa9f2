//! Checkpoints (<https://c2sp.org/tlog-checkpoint>): a chain's Merkle tree head as a signed note.
//!
//! ```text
//! <origin prefix>/<node id>
//! <tree size = number of records in the chain>
//! <base64 RFC 6962 root over the records' hashes>
//!
//! — <key name> <base64(4-byte key hash ‖ Ed25519 signature)>
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Serialize;

use super::note::{NoteError, NoteSigner, NoteVerifier};
use super::Digest;

/// A checkpoint body: which log, how many records, which root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Digest,
}

/// The origin line of `node_id`'s chain.
pub fn origin_for(prefix: &str, node_id: &str) -> String {
    format!("{}/{node_id}", prefix.trim_end_matches('/'))
}

impl Checkpoint {
    /// The note text (three lines, each ending in a newline).
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.as_bytes())
        )
    }

    /// Parse a note text; extension lines after the third are ignored, as the spec allows.
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = text.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(NoteError::BadNote("a checkpoint has at least three lines"));
        };
        if origin.is_empty() {
            return Err(NoteError::BadNote("empty origin"));
        }
        if size.is_empty()
            || (size.len() > 1 && size.starts_with('0'))
            || !size.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(NoteError::BadNote("tree size must be decimal"));
        }
        let size = size
            .parse()
            .map_err(|_| NoteError::BadNote("tree size out of range"))?;
        let root: [u8; 32] = B64
            .decode(root)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(NoteError::BadNote("root hash must be 32 bytes of base64"))?;
        let root = Digest::from_bytes(root);
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// Sign into a complete note.
    pub fn sign(&self, signer: &NoteSigner) -> String {
        signer.sign(&self.body())
    }

    /// Check `note`'s signature with `verifier` and parse its body.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, NoteError> {
        Checkpoint::parse(verifier.open(note)?)
    }

    /// Check `note` against any of `verifiers`.
    pub fn open_any(note: &str, verifiers: &[NoteVerifier]) -> Result<Checkpoint, NoteError> {
        let mut last = NoteError::NotSigned("any trusted key".into());
        for v in verifiers {
            match Checkpoint::open(note, v) {
                Ok(c) => return Ok(c),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// A signed checkpoint as the store keeps it (`audit_checkpoints`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedCheckpoint {
    pub node_id: String,
    pub tree_size: i64,
    /// The Merkle root (the note carries it in base64).
    pub root_hash: Digest,
    /// Hash of the chain's last record at this size.
    pub head_hash: Digest,
    /// When it was signed, Unix milliseconds.
    pub ts_ms: i64,
    /// The complete signed note.
    pub note: String,
}

impl SignedCheckpoint {
    /// Sign the head of `node_id`'s chain.
    pub fn new(
        signer: &NoteSigner,
        origin_prefix: &str,
        node_id: &str,
        size: u64,
        root: Digest,
        head_hash: Digest,
        ts_ms: i64,
    ) -> SignedCheckpoint {
        let cp = Checkpoint {
            origin: origin_for(origin_prefix, node_id),
            size,
            root,
        };
        SignedCheckpoint {
            node_id: node_id.to_owned(),
            tree_size: size as i64,
            root_hash: root,
            head_hash,
            ts_ms,
            note: cp.sign(signer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_example_body() {
        let c = Checkpoint::parse(
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        )
        .unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert_eq!(Checkpoint::parse(&c.body()).unwrap(), c);
        assert!(Checkpoint::parse("o\n012\nAAAA\n").is_err());
    }

    #[test]
    fn signed_checkpoint_opens_with_its_key_only() {
        let s = NoteSigner::generate("dxgate.test/audit").unwrap();
        let root = Digest::from_bytes([7u8; 32]);
        let head = Digest::sha256(b"head");
        let cp = SignedCheckpoint::new(&s, "dxgate.test/audit", "n1", 5, root, head, 1);
        let c = Checkpoint::open(&cp.note, &s.verifier()).unwrap();
        assert_eq!(
            (c.origin.as_str(), c.size, c.root),
            ("dxgate.test/audit/n1", 5, root)
        );
        let forged = cp.note.replace("\n5\n", "\n4\n");
        assert!(Checkpoint::open(&forged, &s.verifier()).is_err());
    }
}
