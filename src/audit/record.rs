//! One audit record: what the pipeline hands the writer ([`Entry`], built with [`Entry::new`]
//! and its setters), and what the store gives back ([`StoredRecord`]).

use serde::Serialize;

use super::{Digest, Event, Outcome, SchemaResult};
use crate::policy::Justification;

/// Everything known about one request. Payloads are never stored: only their keyed hashes.
///
/// Fields are public so the pipeline's phases can fill them in as they learn them; every
/// record starts from [`Entry::new`].
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
    /// Why it was refused (refusals only).
    pub justification: Option<Justification>,
    pub request_schema: SchemaResult,
    pub response_schema: SchemaResult,
    /// Hash of the request payload (query string or body), per `payload_scheme`.
    pub request_sha256: Option<Digest>,
    /// Hash of the response payload the consumer receives from the source, per `payload_scheme`.
    pub response_sha256: Option<Digest>,
    /// Time to decide the answer, in microseconds (the audit commit itself excluded).
    pub latency_us: i64,
    /// Time spent waiting on the source, in microseconds.
    pub source_latency_us: Option<i64>,
    /// A short human-readable reason for a "no".
    pub detail: Option<String>,
    /// HMAC-SHA256 of the data subject's identifier, under the gateway's subject key, when
    /// the dataset declares a `subject_field` (never the identifier itself).
    pub subject_hash: Option<Digest>,
    /// A witnessed event (outcome [`Outcome::Event`]); `None` on every data request.
    pub event: Option<Event>,
    /// How `request_sha256` and `response_sha256` were computed: `hmac-sha256/<key id>` under
    /// the gateway's payload key; `None` on records from before keyed hashes (plain SHA-256).
    pub payload_scheme: Option<String>,
    /// The gateway's own readiness probe (consumer `dxgate-probe`), not a consumer's demand.
    pub probe: bool,
    /// The date/time the served data declares at the dataset's `freshness_pointer`, in Unix ms.
    pub data_as_of_ms: Option<i64>,
    /// Array elements of the served data that exactly repeat an earlier element of the same
    /// array (the "clean" indicator); `None` when no data was checked.
    pub duplicates: Option<u32>,
    /// Digest of the catalogue version the request was decided under
    /// (`crate::config::CatalogVersion`); `None` on events and on records made before
    /// catalogue versions were witnessed.
    pub catalog_digest: Option<Digest>,
    /// Keyed hash (subject key, domain `data-case`) of the `Data-Case` header: the case or
    /// file reference the request serves. It may name a citizen, so it is never stored as given.
    pub data_case_hash: Option<Digest>,
    /// Keyed hash (subject key, domain `end-user`) of the end user — the civil servant the
    /// consumer acts for (`On-Behalf-Of` from a trusted consumer, or an eID token's subject).
    pub end_user_hash: Option<Digest>,
    /// The purpose-bound field projection applied before release (`fields:<agency>/<dataset>#<n>`,
    /// the n-th `[[datasets.fields]]` rule of the catalogue version in `catalog_digest`); `None`
    /// when the whole validated answer was released.
    pub projection: Option<String>,
}

impl Entry {
    /// A request that arrived at `ts_ms`: nobody known yet, nothing checked, nothing hashed.
    /// Outcome `rejected_request`, status 0, until the pipeline (or `.outcome()`) sets them.
    pub fn new(request_id: impl Into<String>, ts_ms: i64, method: impl Into<String>) -> Entry {
        Entry {
            request_id: request_id.into(),
            ts_ms,
            consumer: None,
            agency: None,
            dataset: None,
            method: method.into(),
            purpose: None,
            outcome: Outcome::RejectedRequest,
            status: 0,
            justification: None,
            request_schema: SchemaResult::NotChecked,
            response_schema: SchemaResult::NotChecked,
            request_sha256: None,
            response_sha256: None,
            latency_us: 0,
            source_latency_us: None,
            detail: None,
            subject_hash: None,
            event: None,
            payload_scheme: None,
            probe: false,
            data_as_of_ms: None,
            duplicates: None,
            catalog_digest: None,
            data_case_hash: None,
            end_user_hash: None,
            projection: None,
        }
    }

    /// A witnessed event at `ts_ms` (outcome `event`, status 0, method `EVENT`), with a fresh
    /// UUIDv7 id. Set the actor with [`Entry::consumer`] and what it concerns with
    /// [`Entry::dataset`] where that applies.
    pub fn event(ts_ms: i64, event: Event) -> Entry {
        let mut e = Entry::new(uuid::Uuid::now_v7().to_string(), ts_ms, "EVENT");
        e.outcome = Outcome::Event;
        e.event = Some(event);
        e
    }

    pub fn consumer(mut self, consumer: impl Into<String>) -> Entry {
        self.consumer = Some(consumer.into());
        self
    }

    /// The dataset asked for.
    pub fn dataset(mut self, agency: impl Into<String>, dataset: impl Into<String>) -> Entry {
        self.agency = Some(agency.into());
        self.dataset = Some(dataset.into());
        self
    }

    pub fn purpose(mut self, purpose: impl Into<String>) -> Entry {
        self.purpose = Some(purpose.into());
        self
    }

    /// What happened, and the HTTP status the consumer got.
    pub fn outcome(mut self, outcome: Outcome, status: u16) -> Entry {
        self.outcome = outcome;
        self.status = status;
        self
    }

    pub fn justification(mut self, justification: Justification) -> Entry {
        self.justification = Some(justification);
        self
    }

    /// The request and response schema checks.
    pub fn schemas(mut self, request: SchemaResult, response: SchemaResult) -> Entry {
        self.request_schema = request;
        self.response_schema = response;
        self
    }

    /// Hashes of the request and response payloads (see [`Entry::payload_scheme`]).
    pub fn payloads(mut self, request: Option<Digest>, response: Option<Digest>) -> Entry {
        self.request_sha256 = request;
        self.response_sha256 = response;
        self
    }

    /// Total and source latency, in microseconds.
    pub fn latency(mut self, latency_us: i64, source_latency_us: Option<i64>) -> Entry {
        self.latency_us = latency_us;
        self.source_latency_us = source_latency_us;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Entry {
        self.detail = Some(detail.into());
        self
    }

    pub fn subject_hash(mut self, subject_hash: Digest) -> Entry {
        self.subject_hash = Some(subject_hash);
        self
    }

    /// Mark the record as a readiness probe.
    pub fn probe(mut self) -> Entry {
        self.probe = true;
        self
    }
}

/// An entry as committed: its place in its node's chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub node_id: String,
    pub seq: i64,
    pub prev_hash: Digest,
    pub hash: Digest,
    pub entry: Entry,
}

/// What a record's JSON says in `payload_hashes_withheld` when its payload hashes are plain
/// SHA-256 (written before keyed hashes): enumerable, so never shown (see [`StoredRecord`]).
pub const LEGACY_PLAIN_SHA256: &str = "legacy-plain-sha256";

impl StoredRecord {
    /// An event record's facts (empty for a data request).
    pub fn facts(&self) -> serde_json::Map<String, serde_json::Value> {
        (self.entry.event.as_ref()).map_or_else(Default::default, |e| e.facts().clone())
    }

    /// Whether the record carries payload hashes from before keyed hashes: plain SHA-256 of the
    /// query or body, which anyone can recompute for every national id.
    pub fn has_plain_payload_hashes(&self) -> bool {
        let e = &self.entry;
        e.payload_scheme.is_none() && (e.request_sha256.is_some() || e.response_sha256.is_some())
    }

    /// The record with every stored value, legacy plain payload hashes included: for archive
    /// files, which must re-verify on their own. Every read path uses `Serialize` instead.
    pub fn complete(&self) -> Complete<'_> {
        Complete(self)
    }

    fn serialize_map<S: serde::Serializer>(
        &self,
        ser: S,
        withhold: bool,
    ) -> Result<S::Ok, S::Error> {
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
        if withhold && self.has_plain_payload_hashes() {
            m.serialize_entry("request_sha256", &None::<Digest>)?;
            m.serialize_entry("response_sha256", &None::<Digest>)?;
            m.serialize_entry("payload_hashes_withheld", LEGACY_PLAIN_SHA256)?;
        } else {
            m.serialize_entry("request_sha256", &e.request_sha256)?;
            m.serialize_entry("response_sha256", &e.response_sha256)?;
        }
        m.serialize_entry("latency_us", &e.latency_us)?;
        m.serialize_entry("source_latency_us", &e.source_latency_us)?;
        m.serialize_entry("detail", &e.detail)?;
        if let Some(h) = &e.subject_hash {
            m.serialize_entry("subject_hash", h)?;
        }
        if let Some(d) = &e.catalog_digest {
            m.serialize_entry("catalog_digest", d)?;
        }
        if let Some(h) = &e.data_case_hash {
            m.serialize_entry("data_case_hash", h)?;
        }
        if let Some(h) = &e.end_user_hash {
            m.serialize_entry("end_user_hash", h)?;
        }
        if let Some(p) = &e.projection {
            m.serialize_entry("projection", p)?;
        }
        if let Some(ev) = &e.event {
            m.serialize_entry(
                "event",
                &serde_json::json!({"kind": ev.kind.as_str(), "facts": ev.facts()}),
            )?;
        }
        if let Some(s) = &e.payload_scheme {
            m.serialize_entry("payload_scheme", s)?;
        }
        if e.probe {
            m.serialize_entry("probe", &true)?;
        }
        if let Some(t) = e.data_as_of_ms {
            m.serialize_entry("data_as_of_ms", &t)?;
        }
        if let Some(n) = e.duplicates {
            m.serialize_entry("duplicates", &n)?;
        }
        m.serialize_entry("prev_hash", &self.prev_hash)?;
        m.serialize_entry("hash", &self.hash)?;
        m.end()
    }
}

/// A record's JSON as every read path shows it: a legacy record's plain payload hashes are
/// withheld (`null`, with `payload_hashes_withheld`), so its record hash cannot be recomputed
/// from the answer; `audit verify` and archive files use the stored values.
impl Serialize for StoredRecord {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        self.serialize_map(ser, true)
    }
}

/// [`StoredRecord::complete`]: the record's JSON with nothing withheld.
pub struct Complete<'a>(&'a StoredRecord);

impl Serialize for Complete<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_map(ser, false)
    }
}
