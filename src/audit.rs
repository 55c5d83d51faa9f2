//! The tamper-evident audit log: one record per request, committed before the answer leaves.
//!
//! - [`Entry`]: what the pipeline knows about one request (hashes, never payloads).
//! - [`Digest`]: every hash in the log (hex only in columns, JSON and the CLI).
//! - [`PayloadKey`]: payload hashes are HMAC-SHA-256 under a key kept outside the store.
//! - [`Event`]: witnessed events that are not data requests (reads of audit data, summaries of
//!   rejections, rule changes), chained like requests.
//! - [`chain`]: the canonical encoding and the per-node SHA-256 hash chain.
//! - [`merkle`]: RFC 6962 Merkle trees over each chain, for roots and inclusion proofs.
//! - [`note`] and [`checkpoint`]: C2SP signed notes, Ed25519 keys and signed checkpoints.
//! - [`Store`]: SQLite (default) or PostgreSQL through sqlx, with embedded migrations,
//!   PostgreSQL monthly partitions and archived segments.
//! - [`AuditWriter`]: the group-commit task that batches concurrent records into one transaction,
//!   answers each request only once its record is durable, and signs checkpoints.
//! - [`consistency`]: RFC 6962 consistency proofs between two sizes of a chain;
//!   [`cosignature`]: witnesses' C2SP cosignatures of checkpoints.
//! - [`inclusion`]: proofs that a `Request-Id` is in a signed tree, checkable offline.
//! - [`archive`]: `dxgate audit archive`, moving closed segments to files, chain kept.
//! - [`archived`]: an archived record read back from its file, with its proof's leaves.
//! - [`anchor`]: the writer's copy of its latest checkpoint outside the store; a stored chain
//!   that does not extend it is not extended (nothing is served).
//! - [`rejections`]: unauthenticated and rate-limited rejections past a client's allowance,
//!   counted into `rejection_summary` records instead of one record each.
//! - [`keys`]: key files live under `keys/`, with permission checks at start.
//! - [`verify`]: `dxgate audit verify`, which names the first altered or missing record and
//!   checks every checkpoint's signature and root.

pub mod anchor;
pub mod archive;
pub mod archived;
pub mod chain;
pub mod checkpoint;
pub mod consistency;
pub mod cosignature;
mod digest;
mod event;
pub mod inclusion;
pub mod keys;
pub mod merkle;
pub mod note;
mod outcome;
mod payload_key;
mod record;
pub mod rejections;
mod store;
pub mod verify;
mod writer;

pub use checkpoint::{Checkpoint, SignedCheckpoint};
pub use digest::{BadDigest, Digest};
pub use event::{canonical_json, Event, EventKind, NotAnObject};
pub use outcome::{Outcome, SchemaResult};
pub use payload_key::{PayloadKey, PayloadKeyError};
pub use record::{Entry, StoredRecord, LEGACY_PLAIN_SHA256};
pub use store::{
    now_ms, sqlite_file, Backend, Batch, RecordFilter, SegmentRow, SqlFilter, Store, StoreError,
    VersionRow,
};
pub use writer::{AuditError, AuditWriter, CheckpointPolicy, WriterConfig, WriterStats};
