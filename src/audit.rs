//! The tamper-evident audit log: one record per request, committed before the answer leaves.
//!
//! - [`Entry`]: what the pipeline knows about one request (hashes, never payloads).
//! - [`Digest`]: every hash in the log (hex only in columns, JSON and the CLI).
//! - [`Event`]: witnessed events that are not data requests (reads of audit data, summaries of
//!   rejections, rule changes), chained like requests.
//! - [`chain`]: the canonical encoding and the per-node SHA-256 hash chain.
//! - [`merkle`]: RFC 6962 Merkle trees over each chain, for roots and inclusion proofs.
//! - [`note`] and [`checkpoint`]: C2SP signed notes, Ed25519 keys and signed checkpoints.
//! - [`Store`]: SQLite (default) or PostgreSQL through sqlx, with embedded migrations,
//!   PostgreSQL monthly partitions and archived segments.
//! - [`AuditWriter`]: the group-commit task that batches concurrent records into one transaction,
//!   answers each request only once its record is durable, and signs checkpoints.
//! - [`inclusion`]: proofs that a `Request-Id` is in a signed tree, checkable offline.
//! - [`archive`]: `dxgate audit archive`, moving closed segments to files, chain kept.
//! - [`verify`]: `dxgate audit verify`, which names the first altered or missing record and
//!   checks every checkpoint's signature and root.

pub mod archive;
pub mod chain;
pub mod checkpoint;
mod digest;
mod event;
pub mod inclusion;
pub mod merkle;
pub mod note;
mod outcome;
mod record;
mod store;
pub mod verify;
mod writer;

pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use digest::{BadDigest, Digest};
pub use event::{canonical_json, Event, EventKind, NotAnObject};
pub use outcome::{Outcome, SchemaResult};
pub use record::{Entry, StoredRecord};
pub use store::{
    now_ms, sqlite_file, Backend, Batch, RecordFilter, SegmentRow, SqlFilter, Store, StoreError,
    VersionRow,
};
pub use writer::{AuditError, AuditWriter, CheckpointPolicy, WriterConfig, WriterStats};
