//! The canonical encoding of a record and the per-node SHA-256 hash chain.
//!
//! `hash = SHA-256("dxgate-audit-v1" ‖ prev_hash ‖ node_id ‖ seq ‖ every field)`, each field
//! length-prefixed (absent fields have their own marker) so no two records encode alike.
//! Each gateway replica (node) keeps its own chain; the first record links to [`GENESIS`].
//! Fields added later (`subject_hash`) are appended, tagged, only when present, so records
//! without them hash exactly as before.

use sha2::{Digest, Sha256};

use super::Entry;

/// `prev_hash` of the first record of every chain: 64 hex zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN: &[u8] = b"dxgate-audit-v1";

/// The head of one node's chain: the last committed sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    pub fn genesis() -> Head {
        Head {
            seq: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

/// Hash of `entry` at position `seq` of `node_id`'s chain, following `prev_hash`.
pub fn record_hash(prev_hash: &str, node_id: &str, seq: i64, e: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    field(&mut h, Some(prev_hash));
    field(&mut h, Some(node_id));
    h.update(seq.to_be_bytes());
    field(&mut h, Some(&e.request_id));
    h.update(e.ts_ms.to_be_bytes());
    field(&mut h, e.consumer.as_deref());
    field(&mut h, e.agency.as_deref());
    field(&mut h, e.dataset.as_deref());
    field(&mut h, Some(&e.method));
    field(&mut h, e.purpose.as_deref());
    field(&mut h, Some(e.outcome.as_str()));
    h.update(u32::from(e.status).to_be_bytes());
    match &e.justification {
        None => h.update([0u8]),
        Some(j) => {
            h.update([1u8]);
            field(&mut h, j.legal_basis.as_deref());
            field(&mut h, j.reason.as_deref());
            field(&mut h, Some(&j.decided_by));
            field(&mut h, Some(j.status.as_str()));
        }
    }
    field(&mut h, Some(e.request_schema.as_str()));
    field(&mut h, Some(e.response_schema.as_str()));
    field(&mut h, e.request_sha256.as_deref());
    field(&mut h, e.response_sha256.as_deref());
    h.update(e.latency_us.to_be_bytes());
    match e.source_latency_us {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            h.update(v.to_be_bytes());
        }
    }
    field(&mut h, e.detail.as_deref());
    if let Some(s) = &e.subject_hash {
        h.update(b"subject_hash");
        field(&mut h, Some(s));
    }
    hex::encode(h.finalize())
}

fn field(h: &mut Sha256, v: Option<&str>) {
    match v {
        None => h.update(u32::MAX.to_be_bytes()),
        Some(s) => {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// Hex SHA-256 of a payload.
pub fn payload_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Outcome, SchemaResult};

    pub(crate) fn entry() -> Entry {
        Entry {
            request_id: "r1".into(),
            ts_ms: 1,
            consumer: Some("c".into()),
            agency: Some("a".into()),
            dataset: Some("d".into()),
            method: "GET".into(),
            purpose: Some("p".into()),
            outcome: Outcome::Served,
            status: 200,
            justification: None,
            request_schema: SchemaResult::Valid,
            response_schema: SchemaResult::Valid,
            request_sha256: None,
            response_sha256: None,
            latency_us: 10,
            source_latency_us: Some(5),
            detail: None,
            subject_hash: None,
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = record_hash(GENESIS, "n", 1, &entry());
        assert_eq!(base, record_hash(GENESIS, "n", 1, &entry()));
        assert_ne!(base, record_hash(GENESIS, "n", 2, &entry()));
        assert_ne!(base, record_hash(GENESIS, "m", 1, &entry()));
        let mut e = entry();
        e.consumer = None;
        assert_ne!(base, record_hash(GENESIS, "n", 1, &e));
        let mut e = entry();
        e.consumer = Some(String::new());
        assert_ne!(base, record_hash(GENESIS, "n", 1, &e));
        let mut e = entry();
        e.status = 403;
        assert_ne!(base, record_hash(GENESIS, "n", 1, &e));
        let mut e = entry();
        e.source_latency_us = None;
        assert_ne!(base, record_hash(GENESIS, "n", 1, &e));
        let mut e = entry();
        e.subject_hash = Some("ab".into());
        assert_ne!(base, record_hash(GENESIS, "n", 1, &e));
    }

    /// `record_hash(GENESIS, "n", 1, &entry())` computed before `subject_hash` existed.
    const PINNED_V1_HASH: &str = "adce0e61a9fbdd6a7f97ca3d6dbe1359dcb471ae4ecd43f74c6533681f3f1b26";

    #[test]
    fn records_without_subject_hash_hash_as_before() {
        // Pinned before `subject_hash` existed: existing chains must stay valid.
        assert_eq!(
            record_hash(GENESIS, "n", 1, &entry()),
            PINNED_V1_HASH,
            "the canonical encoding of records without subject_hash changed"
        );
    }
}
