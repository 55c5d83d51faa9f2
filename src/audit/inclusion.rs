//! Inclusion proofs: show that one `Request-Id`'s record is in its chain's signed tree.
//!
//! The gateway answers with an [`InclusionProof`] against the chain's latest checkpoint; anyone
//! holding the verifier key checks it offline with [`check`] (or `dxgate audit check-inclusion`):
//!
//! 1. open the checkpoint note with the verifier key: origin `…/<node_id>`, `size`, `root`;
//! 2. recompute the record's hash from its fields (see [`super::chain`]) and compare;
//! 3. `leaf = SHA-256(0x00 ‖ record_hash)`; fold the proof (RFC 9162 §2.1.3.2) from leaf index
//!    `seq - 1` in a tree of `size` leaves; the result must be `root`.

use serde::{Deserialize, Serialize};

use super::chain::record_hash;
use super::checkpoint::{Checkpoint, SignedCheckpoint};
use super::merkle::{
    fold_parts, leaf_hash, node_hash, proof_ranges, range_parts, verify_inclusion, Subtree,
};
use super::note::NoteVerifier;
use super::{Digest, Store, StoreError, StoredRecord};

/// Everything a consumer needs to check one record's inclusion offline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InclusionProof {
    pub request_id: String,
    pub node_id: String,
    pub seq: i64,
    /// `seq - 1`: the record's leaf index in its chain's tree.
    pub leaf_index: u64,
    /// Chain hash of the record (the leaf's data); hex in JSON, like every hash here.
    pub record_hash: Digest,
    /// `SHA-256(0x00 ‖ record_hash)`.
    pub leaf_hash: Digest,
    /// Leaves in the tree the proof is for (the checkpoint's size).
    pub tree_size: u64,
    /// Sibling hashes, innermost first.
    pub proof: Vec<Digest>,
    /// The signed checkpoint note the proof leads to.
    pub checkpoint: String,
    /// The key that signed it, if the gateway knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier_key: Option<String>,
}

/// Why no proof can be given (yet).
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("the record is newer than its chain's latest checkpoint")]
    NotYetCheckpointed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Record hashes of consecutive leaves kept outside the live table (an archive file's block):
/// `hashes[i]` is leaf `first + i`'s data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaves {
    pub first: u64,
    pub hashes: Vec<Digest>,
}

impl Leaves {
    /// The hash of perfect subtree `p`, if all its leaves are here.
    fn subtree(&self, p: Subtree) -> Option<Digest> {
        let from = usize::try_from(p.first_leaf().checked_sub(self.first)?).ok()?;
        let mut level: Vec<Digest> = (self.hashes.get(from..from + p.leaves() as usize)?)
            .iter()
            .map(|h| leaf_hash(h.as_bytes()))
            .collect();
        while level.len() > 1 {
            level = level.chunks(2).map(|c| node_hash(&c[0], &c[1])).collect();
        }
        level.first().copied()
    }
}

/// Prove `record` against its chain's latest checkpoint: O(log n) store reads.
pub async fn prove(
    store: &Store,
    record: &StoredRecord,
    verifier_key: Option<String>,
) -> Result<InclusionProof, ProveError> {
    prove_with(store, record, None, verifier_key).await
}

/// [`prove`], taking the small subtrees that the live table no longer holds from `archived`
/// (the record's block in its archive file); larger ones come from the store as always.
pub async fn prove_with(
    store: &Store,
    record: &StoredRecord,
    archived: Option<&Leaves>,
    verifier_key: Option<String>,
) -> Result<InclusionProof, ProveError> {
    let cp: SignedCheckpoint = store
        .latest_checkpoint(&record.node_id)
        .await?
        .filter(|c| c.tree_size >= record.seq)
        .ok_or(ProveError::NotYetCheckpointed)?;
    let m = u64::try_from(record.seq - 1)
        .map_err(|_| StoreError::Corrupt(format!("record with seq {}", record.seq)))?;
    let n = cp.tree_size as u64;
    let mut proof = Vec::new();
    for (a, b) in proof_ranges(m, n) {
        let parts = range_parts(a, b);
        let from_file: Vec<Option<Digest>> = (parts.iter())
            .map(|p| archived.and_then(|l| l.subtree(*p)))
            .collect();
        let wanted: Vec<Subtree> = (parts.iter().zip(&from_file))
            .filter(|(_, f)| f.is_none())
            .map(|(p, _)| *p)
            .collect();
        let mut stored = store
            .subtree_hashes(&record.node_id, &wanted)
            .await?
            .into_iter();
        let hashes: Vec<Digest> = (from_file.into_iter())
            .map(|f| f.or_else(|| stored.next()))
            .collect::<Option<_>>()
            .ok_or_else(|| StoreError::Corrupt("a proof range has no hash".into()))?;
        proof.push(fold_parts(&hashes).ok_or_else(|| StoreError::Corrupt("empty range".into()))?);
    }
    let leaf = leaf_hash(record.hash.as_bytes());
    Ok(InclusionProof {
        request_id: record.entry.request_id.clone(),
        node_id: record.node_id.clone(),
        seq: record.seq,
        leaf_index: m,
        record_hash: record.hash,
        leaf_hash: leaf,
        tree_size: n,
        proof,
        checkpoint: cp.note,
        verifier_key,
    })
}

/// Check `p` offline with `verifier`; with the `record`, also that it hashes to the leaf.
/// Returns the checkpoint it was proven against.
pub fn check(
    p: &InclusionProof,
    verifier: &NoteVerifier,
    record: Option<&StoredRecord>,
) -> Result<Checkpoint, String> {
    let cp = Checkpoint::open(&p.checkpoint, verifier).map_err(|e| e.to_string())?;
    if !cp.origin.ends_with(&format!("/{}", p.node_id)) {
        return Err(format!(
            "the checkpoint is for {}, not chain {}",
            cp.origin, p.node_id
        ));
    }
    if cp.size != p.tree_size || p.leaf_index + 1 != p.seq as u64 {
        return Err("the proof's size or index does not match the checkpoint".into());
    }
    if let Some(r) = record {
        if r.entry.request_id != p.request_id
            || record_hash(&r.prev_hash, &r.node_id, r.seq, &r.entry) != p.record_hash
        {
            return Err("the record does not hash to the proven leaf".into());
        }
    }
    let leaf = leaf_hash(p.record_hash.as_bytes());
    if verify_inclusion(p.leaf_index, cp.size, &leaf, &p.proof, &cp.root) {
        Ok(cp)
    } else {
        Err(
            "the proof does not lead to the checkpoint's root: the record is not in this tree"
                .into(),
        )
    }
}
