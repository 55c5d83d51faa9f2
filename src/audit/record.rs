//! One audit record: what the pipeline hands the writer, and what the store gives back.

use serde::Serialize;

use super::{Outcome, SchemaResult};
use crate::policy::JustificationStatus;

/// The justification as recorded (policy or source), with whether it was justified at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedJustification {
    pub legal_basis: Option<String>,
    pub reason: Option<String>,
    pub decided_by: String,
    #[serde(serialize_with = "ser_status")]
    pub status: JustificationStatus,
}

fn ser_status<S: serde::Serializer>(s: &JustificationStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

/// Everything known about one request. Payloads are never stored: only their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The record's id, also the `Request-Id` header (UUIDv7).
    pub request_id: String,
    /// Unix time in milliseconds when the request arrived.
    pub ts_ms: i64,
    pub consumer: Option<String>,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    pub method: String,
    pub purpose: Option<String>,
    pub outcome: Outcome,
    /// HTTP status the consumer receives.
    pub status: u16,
    pub justification: Option<RecordedJustification>,
    pub request_schema: SchemaResult,
    pub response_schema: SchemaResult,
    /// Hex SHA-256 of the request payload (query string or body).
    pub request_sha256: Option<String>,
    /// Hex SHA-256 of the response payload the consumer receives from the source.
    pub response_sha256: Option<String>,
    /// Time to decide the answer, in microseconds (the audit commit itself excluded).
    pub latency_us: i64,
    /// Time spent waiting on the source, in microseconds.
    pub source_latency_us: Option<i64>,
    /// A short human-readable reason for a "no".
    pub detail: Option<String>,
    /// Hex HMAC-SHA256 of the data subject's identifier, under the gateway's subject key, when
    /// the dataset declares a `subject_field` (never the identifier itself).
    pub subject_hash: Option<String>,
}

/// An entry as committed: its place in its node's chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub node_id: String,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub entry: Entry,
}

impl Serialize for StoredRecord {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let e = &self.entry;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("request_id", &e.request_id)?;
        m.serialize_entry("node_id", &self.node_id)?;
        m.serialize_entry("seq", &self.seq)?;
        m.serialize_entry("ts_ms", &e.ts_ms)?;
        m.serialize_entry("consumer", &e.consumer)?;
        m.serialize_entry("agency", &e.agency)?;
        m.serialize_entry("dataset", &e.dataset)?;
        m.serialize_entry("method", &e.method)?;
        m.serialize_entry("purpose", &e.purpose)?;
        m.serialize_entry("outcome", e.outcome.as_str())?;
        m.serialize_entry("status", &e.status)?;
        m.serialize_entry("justification", &e.justification)?;
        m.serialize_entry("request_schema", e.request_schema.as_str())?;
        m.serialize_entry("response_schema", e.response_schema.as_str())?;
        m.serialize_entry("request_sha256", &e.request_sha256)?;
        m.serialize_entry("response_sha256", &e.response_sha256)?;
        m.serialize_entry("latency_us", &e.latency_us)?;
        m.serialize_entry("source_latency_us", &e.source_latency_us)?;
        m.serialize_entry("detail", &e.detail)?;
        if let Some(h) = &e.subject_hash {
            m.serialize_entry("subject_hash", h)?;
        }
        m.serialize_entry("prev_hash", &self.prev_hash)?;
        m.serialize_entry("hash", &self.hash)?;
        m.end()
    }
}
