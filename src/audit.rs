//! The tamper-evident audit log: one record per request, committed before the answer leaves.
//!
//! - [`Entry`]: what the pipeline knows about one request (hashes, never payloads).
//! - [`chain`]: the canonical encoding and the per-node SHA-256 hash chain.
//! - [`Store`]: SQLite (default) or PostgreSQL through sqlx, with embedded migrations.
//! - [`AuditWriter`]: the group-commit task that batches concurrent records into one transaction
//!   and answers each request only once its record is durable.
//! - [`verify`]: `dxgate audit verify`, which names the first altered or missing record.

pub mod chain;
mod outcome;
mod record;
mod store;
pub mod verify;
mod writer;

pub use outcome::{Outcome, SchemaResult};
pub use record::{Entry, RecordedJustification, StoredRecord};
pub use store::{now_ms, sqlite_file, Backend, RecordFilter, Store, StoreError};
pub use writer::{AuditError, AuditWriter, WriterStats};
