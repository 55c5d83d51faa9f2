//! `dxgate audit verify`: recompute every chain and name the first record that does not fit.

use std::fmt;

use super::chain::{record_hash, GENESIS};
use super::{Store, StoreError};

/// Records fetched per round trip while walking a chain.
const PAGE: i64 = 10_000;

/// What is wrong with the first bad record of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The stored hash does not match the record's content: it was altered.
    HashMismatch,
    /// `prev_hash` does not equal the previous record's hash: a record was removed or replaced.
    BrokenLink,
    /// Sequence numbers jump: records are missing.
    Gap { expected: i64 },
}

/// The first bad record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tampered {
    pub node_id: String,
    pub seq: i64,
    pub request_id: String,
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
        };
        write!(
            f,
            "record {} (node {}, seq {}): {}",
            self.request_id, self.node_id, self.seq, what
        )
    }
}

/// Summary of a clean chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub node_id: String,
    pub records: i64,
    pub head_hash: String,
}

/// Verify every node's chain. `Ok(Err(..))` names the first tampered record.
pub async fn verify_all(store: &Store) -> Result<Result<Vec<ChainReport>, Tampered>, StoreError> {
    let mut reports = Vec::new();
    for node in store.nodes().await? {
        match verify_chain(store, &node).await? {
            Ok(r) => reports.push(r),
            Err(t) => return Ok(Err(t)),
        }
    }
    Ok(Ok(reports))
}

/// Verify one node's chain from genesis to head.
pub async fn verify_chain(
    store: &Store,
    node_id: &str,
) -> Result<Result<ChainReport, Tampered>, StoreError> {
    let mut prev_hash = GENESIS.to_owned();
    let mut expected = 1i64;
    loop {
        let page = store.chain_page(node_id, expected - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            let bad = |fault| Tampered {
                node_id: node_id.to_owned(),
                seq: r.seq,
                request_id: r.entry.request_id.clone(),
                fault,
            };
            if r.seq != expected {
                return Ok(Err(bad(Fault::Gap { expected })));
            }
            if r.prev_hash != prev_hash {
                return Ok(Err(bad(Fault::BrokenLink)));
            }
            if record_hash(&r.prev_hash, &r.node_id, r.seq, &r.entry) != r.hash {
                return Ok(Err(bad(Fault::HashMismatch)));
            }
            prev_hash = r.hash;
            expected += 1;
        }
    }
    Ok(Ok(ChainReport {
        node_id: node_id.to_owned(),
        records: expected - 1,
        head_hash: prev_hash,
    }))
}
