//! `dxgate audit verify`: recompute every chain and its Merkle tree, check every checkpoint's
//! signature and root, and name the first record (or checkpoint) that does not fit.
//!
//! Per node: archived segments must link up from genesis; the live chain continues from the
//! last segment's hash (or, with `since`, from the last signed checkpoint before that time);
//! each record's hash and link are recomputed; at each checkpoint's size the recomputed root
//! must equal the signed one; and the chain may not end before its latest checkpoint or its
//! recorded head (the only way a removed *tail* shows), and every expected chain must exist at
//! all (from the configuration, anchors and supplied checkpoints). Checkpoints are read page by page with
//! the records, so memory stays flat however long the chain is.

mod fault;

use std::collections::BTreeMap;

pub use fault::{Fault, Tampered};

use super::chain::{record_hash, GENESIS};
use super::checkpoint::{Checkpoint, SignedCheckpoint};
use super::merkle::{leaf_hash, range_parts, Frontier};
use super::note::NoteVerifier;
use super::{Digest, Store, StoreError};
use crate::progress::{self, Progress, Silent};

/// Records fetched per round trip while walking a chain.
const PAGE: i64 = 10_000;

/// What to check beyond the chains themselves.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Keys whose checkpoint signatures are trusted.
    pub verifiers: Vec<NoteVerifier>,
    /// Checkpoint notes saved elsewhere (by consumers, witnesses): the chains must still match.
    pub external: Vec<String>,
    /// Also re-read and check each archived segment's file.
    pub archive_files: bool,
    /// Start each chain at its last signed checkpoint before this time (Unix ms) instead of
    /// its beginning: the checkpoint's signature and root vouch for what came before.
    pub since_ms: Option<i64>,
    /// Chains that must exist (from the configuration and the writers' anchors): a chain
    /// deleted from the store whole is otherwise invisible.
    pub expected_chains: Vec<String>,
}

/// Summary of a clean chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub node_id: String,
    pub records: i64,
    pub head_hash: Digest,
    /// Records in archived segments (verified through their checkpoint, or file if asked).
    pub archived: i64,
    /// Where the walk started (0: genesis; else the last archived or trusted checkpoint seq).
    pub from_seq: i64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: usize,
}

/// Verify every node's chain. `Ok(Err(..))` names the first problem.
pub async fn verify_all(
    store: &Store,
    opts: &VerifyOptions,
) -> Result<Result<Vec<ChainReport>, Tampered>, StoreError> {
    verify_all_with(store, opts, &Silent).await
}

/// [`verify_all`], telling `progress` how many records each chain's walk has ahead and done.
pub async fn verify_all_with(
    store: &Store,
    opts: &VerifyOptions,
    progress: &dyn Progress,
) -> Result<Result<Vec<ChainReport>, Tampered>, StoreError> {
    let nodes = store.nodes().await?;
    let mut external: BTreeMap<String, Vec<Signed>> = BTreeMap::new();
    for note in &opts.external {
        match Checkpoint::open_any(note, &opts.verifiers) {
            Ok(c) => {
                let node = c.origin.rsplit('/').next().unwrap_or_default().to_owned();
                external.entry(node).or_default().push(Signed {
                    tree_size: c.size as i64,
                    root: c.root,
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
    for node in &opts.expected_chains {
        if !nodes.contains(node) {
            return Ok(Err(Tampered {
                node_id: node.clone(),
                seq: 0,
                request_id: None,
                fault: Fault::MissingChain,
            }));
        }
    }
    let mut reports = Vec::new();
    let mut all = nodes.clone();
    all.extend(external.keys().filter(|n| !nodes.contains(n)).cloned());
    for node in &all {
        let extra = external.remove(node).unwrap_or_default();
        match verify_chain(store, node, opts, extra, progress).await? {
            Ok(r) => reports.push(r),
            Err(t) => return Ok(Err(t)),
        }
    }
    Ok(Ok(reports))
}

/// Where a chain's walk starts: after its archived segments, or at a trusted checkpoint.
struct Start {
    seq: i64,
    prev_hash: Digest,
    /// The signed root the tree must have at `seq` (none at genesis).
    root: Option<Digest>,
    archived: i64,
}

/// A checkpoint the chain is held to: one the log stored, or one a witness saved (which
/// carries no head hash).
struct Signed {
    tree_size: i64,
    root: Digest,
    note: String,
}

impl From<SignedCheckpoint> for Signed {
    fn from(c: SignedCheckpoint) -> Signed {
        Signed {
            tree_size: c.tree_size,
            root: c.root_hash,
            note: c.note,
        }
    }
}

/// Verify one node's chain from genesis (or its last archived segment, or `since`) to its head.
async fn verify_chain(
    store: &Store,
    node_id: &str,
    opts: &VerifyOptions,
    mut extra: Vec<Signed>,
    progress: &dyn Progress,
) -> Result<Result<ChainReport, Tampered>, StoreError> {
    let fail = |seq: i64, request_id: Option<String>, fault| {
        Ok(Err(Tampered {
            node_id: node_id.to_owned(),
            seq,
            request_id,
            fault,
        }))
    };
    let start = match start(store, node_id, opts).await? {
        Ok(s) => s,
        Err(t) => return Ok(Err(t)),
    };
    progress.add_total(progress::span(start.seq, store.head(node_id).await?.seq));
    // The tree's right edge where the walk starts: stored subtrees plus one live block.
    let parts = store
        .subtree_hashes(node_id, &range_parts(0, start.seq as u64))
        .await?;
    let mut tree = Frontier::from_parts(start.seq as u64, &parts)
        .ok_or_else(|| StoreError::Corrupt(format!("chain {node_id}: Merkle tree parts")))?;
    if start.root.is_some_and(|r| r != tree.root()) {
        return fail(start.seq, None, Fault::RootMismatch { size: start.seq });
    }
    let (mut prev_hash, mut expected) = (start.prev_hash, start.seq + 1);
    extra.sort_by_key(|c| c.tree_size);
    // Supplied checkpoints from before the walk's start: compare with the stored tree.
    for cp in extra.iter().filter(|c| c.tree_size <= start.seq) {
        match store.range_hash(node_id, 0, cp.tree_size as u64).await {
            Ok(root) if root == cp.root => {}
            Ok(_) => {
                let size = cp.tree_size;
                return fail(size, None, Fault::RootMismatch { size });
            }
            // Inside an archived block: checked against the segment files, not here.
            Err(StoreError::MissingLeaves { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    extra.retain(|c| c.tree_size > start.seq);
    let mut extra = extra.into_iter().peekable();
    let mut checked = 0usize;
    loop {
        let page = store.chain_page(node_id, expected - 1, PAGE).await?;
        let Some(last) = page.last().map(|r| r.seq) else {
            break;
        };
        // This page's checkpoints (and supplied ones), signatures first.
        let mut cps: Vec<Signed> = (store.checkpoints(node_id, expected, last).await?)
            .into_iter()
            .map(Signed::from)
            .collect();
        while let Some(c) = extra.next_if(|c| c.tree_size <= last) {
            cps.push(c);
        }
        cps.sort_by_key(|c| c.tree_size);
        for cp in &cps {
            if let Some(why) = bad_signature(cp, node_id, opts) {
                let size = cp.tree_size;
                return fail(size, None, Fault::BadSignature { size, why });
            }
        }
        checked += cps.len();
        let mut cps = cps.into_iter().peekable();
        let walked = page.len() as u64;
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
            tree.push(leaf_hash(r.hash.as_bytes()), |_, _| {});
            while let Some(cp) = cps.next_if(|c| c.tree_size <= r.seq) {
                if cp.tree_size == r.seq && cp.root != tree.root() {
                    let size = cp.tree_size;
                    return fail(size, id, Fault::RootMismatch { size });
                }
            }
            prev_hash = r.hash;
            expected += 1;
        }
        progress.advance(walked);
    }
    let records = expected - 1;

    // A chain shorter than what was signed (or recorded as its head) lost its tail.
    let latest = store.latest_checkpoint(node_id).await?;
    for cp in latest.map(Signed::from).into_iter().chain(extra) {
        if cp.tree_size > records {
            if let Some(why) = bad_signature(&cp, node_id, opts) {
                let size = cp.tree_size;
                return fail(size, None, Fault::BadSignature { size, why });
            }
            let fault = Fault::Truncated {
                records,
                expected: cp.tree_size,
                by: "a signed checkpoint".into(),
            };
            return fail(records, None, fault);
        }
    }
    let head = store.head(node_id).await?;
    if head.seq > records {
        let fault = Fault::Truncated {
            records,
            expected: head.seq,
            by: "its recorded head".into(),
        };
        return fail(records, None, fault);
    }
    Ok(Ok(ChainReport {
        node_id: node_id.to_owned(),
        records,
        head_hash: prev_hash,
        archived: start.archived,
        from_seq: start.seq,
        checkpoints: checked,
    }))
}

/// Why `cp` is not a valid checkpoint of `node_id`'s chain, if it is not.
fn bad_signature(cp: &Signed, node_id: &str, opts: &VerifyOptions) -> Option<String> {
    if opts.verifiers.is_empty() {
        return Some("no trusted verifier key was given (--key)".into());
    }
    match Checkpoint::open_any(&cp.note, &opts.verifiers) {
        Ok(c)
            if c.size as i64 == cp.tree_size
                && c.root == cp.root
                && c.origin.ends_with(&format!("/{node_id}")) =>
        {
            None
        }
        Ok(_) => Some("its note does not match the stored size, root or chain".into()),
        Err(e) => Some(e.to_string()),
    }
}

/// Check the archived segments link up from genesis (each with its signed checkpoint, and its
/// file if asked), then pick where the live walk starts.
async fn start(
    store: &Store,
    node_id: &str,
    opts: &VerifyOptions,
) -> Result<Result<Start, Tampered>, StoreError> {
    let fail = |seq: i64, fault| {
        Ok(Err(Tampered {
            node_id: node_id.to_owned(),
            seq,
            request_id: None,
            fault,
        }))
    };
    let mut s = Start {
        seq: 0,
        prev_hash: GENESIS,
        root: None,
        archived: 0,
    };
    for seg in store.segments(node_id).await? {
        let bad = |why: String| Fault::Segment {
            first_seq: seg.first_seq,
            why,
        };
        if seg.first_seq != s.seq + 1 || seg.prev_hash != s.prev_hash {
            return fail(
                seg.first_seq,
                bad("does not follow the previous segment".into()),
            );
        }
        match Checkpoint::open_any(&seg.checkpoint, &opts.verifiers) {
            Ok(c) if c.size == seg.last_seq as u64 && c.root == seg.root_hash => {}
            Ok(_) => {
                return fail(
                    seg.last_seq,
                    bad("its checkpoint is for another tree".into()),
                )
            }
            Err(e) => return fail(seg.last_seq, bad(format!("its checkpoint: {e}"))),
        }
        if opts.archive_files {
            if let Err(why) = super::archive::verify_file(&seg) {
                return fail(seg.first_seq, bad(why));
            }
        }
        s.seq = seg.last_seq;
        s.prev_hash = seg.last_hash;
        s.root = Some(seg.root_hash);
        s.archived = seg.last_seq;
    }
    if let Some(since) = opts.since_ms {
        if let Some(cp) = store.checkpoint_before(node_id, since).await? {
            if cp.tree_size > s.seq {
                let head = cp.head_hash;
                let cp = Signed::from(cp);
                if let Some(why) = bad_signature(&cp, node_id, opts) {
                    let size = cp.tree_size;
                    return fail(size, Fault::BadSignature { size, why });
                }
                s.seq = cp.tree_size;
                s.root = Some(cp.root);
                s.prev_hash = head;
            }
        }
    }
    Ok(Ok(s))
}
