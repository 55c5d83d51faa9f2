//! The canonical encoding of a record and the per-node SHA-256 hash chain.
//!
//! `hash = SHA-256("dxgate-audit-v1" ‖ prev_hash ‖ node_id ‖ seq ‖ every field)`, each field
//! length-prefixed (absent fields have their own marker) so no two records encode alike.
//! Each gateway replica (node) keeps its own chain; the first record links to [`GENESIS`].
//! Fields added later (`subject_hash`, `event`, `payload_scheme`, the `probe` flag,
//! `data_as_of_ms`, `duplicates`, `catalog_digest`, `data_case_hash`, `end_user_hash`,
//! `projection`) are appended, tagged, only when present, so
//! records without them hash exactly as before.

use sha2::{Digest as _, Sha256};

use super::{Digest, Entry, StoredRecord};

/// `prev_hash` of the first record of every chain: all zeros (64 hex zeros when written).
pub const GENESIS: Digest = Digest::ZERO;

const DOMAIN: &[u8] = b"dxgate-audit-v1";

/// The head of one node's chain: the last committed sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Digest,
}

impl Head {
    pub fn genesis() -> Head {
        Head {
            seq: 0,
            hash: GENESIS,
        }
    }

    /// `entry` chained after this head on `node_id`'s chain; the head moves on to it.
    pub fn extend(&mut self, node_id: &str, entry: Entry) -> StoredRecord {
        let seq = self.seq + 1;
        let hash = record_hash(&self.hash, node_id, seq, &entry);
        let prev = std::mem::replace(self, Head { seq, hash });
        StoredRecord {
            node_id: node_id.to_owned(),
            seq,
            prev_hash: prev.hash,
            hash,
            entry,
        }
    }
}

/// Hash of `entry` at position `seq` of `node_id`'s chain, following `prev_hash`. Hashes
/// inside the record (`prev_hash`, payload and subject hashes) enter as their 64 hex digits,
/// as they always have.
pub fn record_hash(prev_hash: &Digest, node_id: &str, seq: i64, e: &Entry) -> Digest {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    digest_field(&mut h, Some(prev_hash));
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
            field(&mut h, j.legal_basis());
            field(&mut h, j.reason());
            field(&mut h, Some(&j.decided_by));
            field(&mut h, Some(j.status().as_str()));
        }
    }
    field(&mut h, Some(e.request_schema.as_str()));
    field(&mut h, Some(e.response_schema.as_str()));
    digest_field(&mut h, e.request_sha256.as_ref());
    digest_field(&mut h, e.response_sha256.as_ref());
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
        digest_field(&mut h, Some(s));
    }
    if let Some(ev) = &e.event {
        h.update(b"event");
        field(&mut h, Some(ev.kind.as_str()));
        field(&mut h, Some(&ev.canonical_facts()));
    }
    if let Some(s) = &e.payload_scheme {
        h.update(b"payload_scheme");
        field(&mut h, Some(s));
    }
    if e.probe {
        h.update(b"probe");
    }
    if let Some(t) = e.data_as_of_ms {
        h.update(b"data_as_of_ms");
        h.update(t.to_be_bytes());
    }
    if let Some(n) = e.duplicates {
        h.update(b"duplicates");
        h.update(n.to_be_bytes());
    }
    if let Some(d) = &e.catalog_digest {
        h.update(b"catalog_digest");
        digest_field(&mut h, Some(d));
    }
    if let Some(d) = &e.data_case_hash {
        h.update(b"data_case_hash");
        digest_field(&mut h, Some(d));
    }
    if let Some(d) = &e.end_user_hash {
        h.update(b"end_user_hash");
        digest_field(&mut h, Some(d));
    }
    if let Some(p) = &e.projection {
        h.update(b"projection");
        field(&mut h, Some(p));
    }
    Digest::from_bytes(h.finalize().into())
}

fn field(h: &mut Sha256, v: Option<&str>) {
    bytes_field(h, v.map(str::as_bytes));
}

/// A hash field: its 64 hex digits, length-prefixed like any text.
fn digest_field(h: &mut Sha256, v: Option<&Digest>) {
    bytes_field(h, v.map(Digest::hex_bytes).as_ref().map(|b| &b[..]));
}

fn bytes_field(h: &mut Sha256, v: Option<&[u8]>) {
    match v {
        None => h.update(u32::MAX.to_be_bytes()),
        Some(s) => {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Outcome, SchemaResult};
    use crate::policy::{Justification, Text};

    pub(crate) fn entry() -> Entry {
        Entry::new("r1", 1, "GET")
            .consumer("c")
            .dataset("a", "d")
            .purpose("p")
            .outcome(Outcome::Served, 200)
            .schemas(SchemaResult::Valid, SchemaResult::Valid)
            .latency(10, Some(5))
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = record_hash(&GENESIS, "n", 1, &entry());
        assert_eq!(base, record_hash(&GENESIS, "n", 1, &entry()));
        assert_ne!(base, record_hash(&GENESIS, "n", 2, &entry()));
        assert_ne!(base, record_hash(&GENESIS, "m", 1, &entry()));
        let mut e = entry();
        e.consumer = None;
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let mut e = entry();
        e.consumer = Some(String::new());
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let mut e = entry();
        e.status = 403;
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let mut e = entry();
        e.source_latency_us = None;
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let e = entry().subject_hash(Digest::sha256(b"s"));
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let mut e = entry();
        e.payload_scheme = Some("hmac-sha256/00".into());
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let probed = record_hash(&GENESIS, "n", 1, &entry().probe());
        assert_ne!(base, probed, "the probe flag is hashed");
        let mut e = entry();
        e.data_as_of_ms = Some(0);
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        assert_ne!(probed, record_hash(&GENESIS, "n", 1, &e));
        let mut e = entry();
        e.duplicates = Some(0);
        assert_ne!(base, record_hash(&GENESIS, "n", 1, &e));
        let mut e = entry();
        e.catalog_digest = Some(Digest::sha256(b"catalogue"));
        let catalogued = record_hash(&GENESIS, "n", 1, &e);
        assert_ne!(base, catalogued);
        // The identity fields are tagged: the same digest in either one hashes differently.
        let mut case = e.clone();
        case.data_case_hash = Some(Digest::sha256(b"x"));
        let mut user = e.clone();
        user.end_user_hash = Some(Digest::sha256(b"x"));
        let (case, user) = (
            record_hash(&GENESIS, "n", 1, &case),
            record_hash(&GENESIS, "n", 1, &user),
        );
        assert!(case != catalogued && user != catalogued && case != user);
        e.projection = Some("fields:a/d#1".into());
        assert_ne!(catalogued, record_hash(&GENESIS, "n", 1, &e));
    }

    /// `record_hash(GENESIS, "n", 1, &entry())` computed before `subject_hash` existed.
    const PINNED_V1_HASH: &str = "adce0e61a9fbdd6a7f97ca3d6dbe1359dcb471ae4ecd43f74c6533681f3f1b26";

    #[test]
    fn records_without_subject_hash_hash_as_before() {
        // Pinned before `subject_hash` existed: existing chains must stay valid.
        assert_eq!(
            record_hash(&GENESIS, "n", 1, &entry()).to_hex(),
            PINNED_V1_HASH,
            "the canonical encoding of records without subject_hash changed"
        );
    }

    /// Pinned with the encoding as it was when hashes travelled as hex strings and the
    /// justification had its own record type: every optional field present.
    #[test]
    fn records_with_every_field_hash_as_before() {
        let e = entry()
            .outcome(Outcome::Refused, 403)
            .justification(Justification::justified(
                Text::new("Art. 7").unwrap(),
                Text::new("court order").unwrap(),
                "policy:a/d#1",
            ))
            .payloads(
                Some(Digest::sha256(b"citizen_id=001")),
                Some(Digest::sha256(b"{}")),
            )
            .subject_hash(Digest::sha256(b"subject"))
            .detail("no");
        assert_eq!(
            record_hash(&Digest::sha256(b"prev"), "n", 7, &e).to_hex(),
            "3f524c43a37e756cf117e08c9b9f701311d762baa622aa073ba208adec3a184b"
        );
        let e = entry()
            .outcome(Outcome::Refused, 451)
            .justification(Justification::unjustified("source:a/d"));
        assert_eq!(
            record_hash(&GENESIS, "n", 2, &e).to_hex(),
            "19f6896c2f4e516f0a06ef6addc9f8ac11612655aa125306b8c591e221aa2c6b"
        );
    }
}
