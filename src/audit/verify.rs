//! `dxgate audit verify`: recompute every chain and its Merkle tree, check every checkpoint's
//! signature and root, and name the first record (or checkpoint) that does not fit.
//!
//! Per node: archived segments must link up from genesis; the live chain continues from the
//! last segment's hash; each record's hash and link are recomputed; at each checkpoint's size
//! the recomputed root must equal the signed one; and the chain may not end before its latest
//! checkpoint or its recorded head (the only way a removed *tail* shows).

use std::collections::BTreeMap;
use std::fmt;

use super::chain::{record_hash, GENESIS};
use super::checkpoint::{Checkpoint, SignedCheckpoint};
use super::merkle::{from_hex, leaf_hash, range_parts, to_hex, Frontier, Hash};
use super::note::NoteVerifier;
use super::{Store, StoreError};

/// Records fetched per round trip while walking a chain.
const PAGE: i64 = 10_000;

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The stored hash does not match the record's content: it was altered.
    HashMismatch,
    /// `prev_hash` does not equal the previous record's hash: a record was removed or replaced.
    BrokenLink,
    /// Sequence numbers jump: records are missing.
    Gap { expected: i64 },
    /// The chain ends before a signed checkpoint (or its recorded head) says it should.
    Truncated {
        records: i64,
        expected: i64,
        by: String,
    },
    /// A checkpoint's signature does not verify with any trusted key.
    BadSignature { size: i64, why: String },
    /// The chain's Merkle root at a checkpoint's size is not the signed root.
    RootMismatch { size: i64 },
    /// An archived segment does not link up or does not match its file.
    Segment { first_seq: i64, why: String },
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tampered {
    pub node_id: String,
    pub seq: i64,
    /// The record's id, when the problem is a record.
    pub request_id: Option<String>,
    pub fault: Fault,
}

impl fmt::Display for Tampered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.fault {
            Fault::HashMismatch => {
                "its content does not match its hash: the record was altered".to_string()
            }
            Fault::BrokenLink => {
                "its prev_hash does not match the previous record: a record was removed or replaced"
                    .to_string()
            }
            Fault::Gap { expected } => {
                format!("expected seq {expected}: records are missing before it")
            }
            Fault::Truncated { records, expected, by } => format!(
                "the chain holds {records} records but {by} covers {expected}: records were removed from its end"
            ),
            Fault::BadSignature { size, why } => {
                format!("checkpoint at size {size} is not validly signed: {why}")
            }
            Fault::RootMismatch { size } => format!(
                "the chain's Merkle root at size {size} differs from the signed checkpoint: records were altered"
            ),
            Fault::Segment { first_seq, why } => {
                format!("archived segment from seq {first_seq}: {why}")
            }
        };
        match &self.request_id {
            Some(id) => write!(
                f,
                "record {id} (node {}, seq {}): {what}",
                self.node_id, self.seq
            ),
            None => write!(f, "chain {} at seq {}: {what}", self.node_id, self.seq),
        }
    }
}

/// What to check beyond the chains themselves.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Keys whose checkpoint signatures are trusted.
    pub verifiers: Vec<NoteVerifier>,
    /// Checkpoint notes saved elsewhere (by consumers, witnesses): the chains must still match.
    pub external: Vec<String>,
    /// Also re-read and check each archived segment's file.
    pub archive_files: bool,
}

/// Summary of a clean chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub node_id: String,
    pub records: i64,
    pub head_hash: String,
    /// Records in archived segments (verified through their checkpoint, or file if asked).
    pub archived: i64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: usize,
}

/// Verify every node's chain. `Ok(Err(..))` names the first problem.
pub async fn verify_all(
    store: &Store,
    opts: &VerifyOptions,
) -> Result<Result<Vec<ChainReport>, Tampered>, StoreError> {
    let nodes = store.nodes().await?;
    let mut external: BTreeMap<String, Vec<SignedCheckpoint>> = BTreeMap::new();
    for note in &opts.external {
        match Checkpoint::open_any(note, &opts.verifiers) {
            Ok(c) => {
                let node = c.origin.rsplit('/').next().unwrap_or_default().to_owned();
                external
                    .entry(node.clone())
                    .or_default()
                    .push(SignedCheckpoint {
                        node_id: node,
                        tree_size: c.size as i64,
                        root_hash: to_hex(&c.root),
                        head_hash: String::new(),
                        ts_ms: 0,
                        note: note.clone(),
                    });
            }
            Err(e) => {
                return Ok(Err(Tampered {
                    node_id: "?".into(),
                    seq: 0,
                    request_id: None,
                    fault: Fault::BadSignature {
                        size: 0,
                        why: format!("supplied checkpoint: {e}"),
                    },
                }))
            }
        }
    }
    let mut reports = Vec::new();
    let mut all = nodes.clone();
    all.extend(external.keys().filter(|n| !nodes.contains(n)).cloned());
    for node in &all {
        let extra = external.remove(node).unwrap_or_default();
        match verify_chain(store, node, opts, extra).await? {
            Ok(r) => reports.push(r),
            Err(t) => return Ok(Err(t)),
        }
    }
    Ok(Ok(reports))
}

/// Verify one node's chain from genesis (or its last archived segment) to its head.
pub async fn verify_chain(
    store: &Store,
    node_id: &str,
    opts: &VerifyOptions,
    mut extra: Vec<SignedCheckpoint>,
) -> Result<Result<ChainReport, Tampered>, StoreError> {
    let fail = |seq: i64, request_id: Option<String>, fault| {
        Ok(Err(Tampered {
            node_id: node_id.to_owned(),
            seq,
            request_id,
            fault,
        }))
    };
    // 1. Archived segments link up from genesis; each carries a signed checkpoint.
    let mut prev_hash = GENESIS.to_owned();
    let mut expected = 1i64;
    let mut seg_root: Option<Hash> = None;
    for seg in store.segments(node_id).await? {
        let bad = |why: String| Fault::Segment {
            first_seq: seg.first_seq,
            why,
        };
        if seg.first_seq != expected || seg.prev_hash != prev_hash {
            return fail(
                seg.first_seq,
                None,
                bad("does not follow the previous segment".into()),
            );
        }
        match Checkpoint::open_any(&seg.checkpoint, &opts.verifiers) {
            Ok(c) if c.size == seg.last_seq as u64 && to_hex(&c.root) == seg.root_hash => {}
            Ok(_) => {
                return fail(
                    seg.last_seq,
                    None,
                    bad("its checkpoint is for another tree".into()),
                )
            }
            Err(e) => return fail(seg.last_seq, None, bad(format!("its checkpoint: {e}"))),
        }
        if opts.archive_files {
            if let Err(why) = super::archive::verify_file(&seg) {
                return fail(seg.first_seq, None, bad(why));
            }
        }
        prev_hash = seg.last_hash.clone();
        expected = seg.last_seq + 1;
        seg_root = from_hex(&seg.root_hash);
    }
    let archived = expected - 1;

    // 2. The tree's right edge where the live chain starts (stored subtrees only).
    let start = archived as u64;
    let parts = store
        .subtree_hashes(node_id, &range_parts(0, start))
        .await?;
    let mut tree = Frontier::from_parts(start, &parts).unwrap_or_default();
    if start > 0 && Some(tree.root()) != seg_root {
        return fail(archived, None, Fault::RootMismatch { size: archived });
    }

    // 3. Every checkpoint from there on must be validly signed.
    let mut checkpoints = store.checkpoints(node_id, archived).await?;
    checkpoints.append(&mut extra);
    checkpoints.sort_by_key(|c| c.tree_size);
    for cp in &checkpoints {
        let why = match Checkpoint::open_any(&cp.note, &opts.verifiers) {
            _ if opts.verifiers.is_empty() => Some("no trusted verifier key was given".to_string()),
            Ok(c)
                if c.size as i64 == cp.tree_size
                    && to_hex(&c.root) == cp.root_hash
                    && c.origin.ends_with(&format!("/{node_id}")) =>
            {
                None
            }
            Ok(_) => Some("its note does not match the stored size, root or chain".to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = why {
            return fail(
                cp.tree_size,
                None,
                Fault::BadSignature {
                    size: cp.tree_size,
                    why,
                },
            );
        }
    }
    let mut pending = checkpoints.iter().peekable();
    let mut check_root = |tree: &Frontier| -> Option<i64> {
        while let Some(cp) = pending.next_if(|c| c.tree_size as u64 <= tree.size()) {
            if cp.tree_size as u64 == tree.size() && Some(tree.root()) != cp.root() {
                return Some(cp.tree_size);
            }
        }
        None
    };
    if let Some(size) = check_root(&tree) {
        return fail(size, None, Fault::RootMismatch { size });
    }

    // 4. Walk the live chain.
    loop {
        let page = store.chain_page(node_id, expected - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            let id = Some(r.entry.request_id.clone());
            if r.seq != expected {
                return fail(r.seq, id, Fault::Gap { expected });
            }
            if r.prev_hash != prev_hash {
                return fail(r.seq, id, Fault::BrokenLink);
            }
            if record_hash(&r.prev_hash, &r.node_id, r.seq, &r.entry) != r.hash {
                return fail(r.seq, id, Fault::HashMismatch);
            }
            tree.push(leaf_hash(&from_hex(&r.hash).unwrap_or_default()), |_, _| {});
            if let Some(size) = check_root(&tree) {
                return fail(size, id, Fault::RootMismatch { size });
            }
            prev_hash = r.hash;
            expected += 1;
        }
    }
    let records = expected - 1;

    // 5. A chain shorter than what was signed (or recorded as its head) lost its tail.
    if let Some(cp) = checkpoints.last().filter(|c| c.tree_size > records) {
        return fail(
            records,
            None,
            Fault::Truncated {
                records,
                expected: cp.tree_size,
                by: "a signed checkpoint".into(),
            },
        );
    }
    let head = store.head(node_id).await?;
    if head.seq > records {
        return fail(
            records,
            None,
            Fault::Truncated {
                records,
                expected: head.seq,
                by: "its recorded head".into(),
            },
        );
    }
    Ok(Ok(ChainReport {
        node_id: node_id.to_owned(),
        records,
        head_hash: prev_hash,
        archived,
        checkpoints: checkpoints.len(),
    }))
}
