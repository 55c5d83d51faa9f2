//! What `audit verify` reports: the first bad record, checkpoint or segment, for humans.

use std::fmt;

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
    /// A chain the configuration or a signed checkpoint names is not in the store at all.
    MissingChain,
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
            Fault::MissingChain => {
                "the chain is expected (configuration or signed checkpoint) but missing from the store: it was deleted"
                    .to_string()
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
