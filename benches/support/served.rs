//! The record the audit benchmarks write: one served data request with keyed-looking payload
//! hashes (shared by `audit_ingest` and `witness`).

use dxgate::audit::{now_ms, Digest, Entry, Outcome, SchemaResult};

/// The `i`-th served request's record.
pub fn served(i: usize) -> Entry {
    Entry::new(uuid::Uuid::now_v7().to_string(), now_ms(), "GET")
        .consumer("svc-portal")
        .dataset("moj", "civil-status")
        .purpose("social-benefit-eligibility")
        .outcome(Outcome::Served, 200)
        .schemas(SchemaResult::Valid, SchemaResult::Valid)
        .payloads(
            Some(Digest::sha256(format!("citizen_id={i:09}"))),
            Some(Digest::sha256(format!("response {i}"))),
        )
        .latency(850, Some(610))
}
