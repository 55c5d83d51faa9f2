//! Readiness probes: the gateway calls a connected dataset itself, as the built-in consumer
//! [`PROBE_CONSUMER`] with purpose [`PROBE_PURPOSE`], with the request the dataset declares
//! (`probe = { … }`, or its request schema's `examples`). A probe takes the data path's
//! phases from the dataset rate limit on — refusal rules, the request schema, the source
//! behind its concurrency cap and circuit breaker, the response schema — and is recorded in
//! the audit chain like any request, flagged `probe`. The ranking counts probes for
//! availability, validity and freshness, never as demand.

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::{check, decide, forward, protect, response};
use crate::audit::{now_ms, Entry, Outcome};
use crate::config::Dataset;
use crate::gateway::{Gateway, Snapshot};
use crate::identity::Consumer;
use crate::server::problem::{outcome_of, Problem, ProblemKind};

/// The consumer id every probe is recorded under (no credential maps to it).
pub const PROBE_CONSUMER: &str = "dxgate-probe";
/// The purpose every probe declares.
pub const PROBE_PURPOSE: &str = "readiness-probe";

static CONSUMER: LazyLock<Arc<Consumer>> = LazyLock::new(|| {
    Arc::new(Consumer {
        id: PROBE_CONSUMER.into(),
        name: "dxgate readiness probe".into(),
        roles: Vec::new(),
        agency: None,
        rate: None,
        cors_origins: Vec::new(),
        trusted_on_behalf: false,
    })
});

/// What one probe found, as `POST /v1/oversight/probes` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub agency: String,
    pub dataset: String,
    /// The audit record's id; `None` when the dataset has no probe request.
    pub request_id: Option<String>,
    /// The recorded outcome (`served`, `source_error`, …), or `not_probed`.
    pub outcome: &'static str,
    pub status: u16,
    /// Whether the audit record was committed.
    pub recorded: bool,
    /// The data's own date/time at the dataset's `freshness_pointer`, if it declares one.
    pub data_as_of_ms: Option<i64>,
}

/// Probe every routable dataset of the configuration in force, all at once (each source's
/// own concurrency cap still applies). Datasets without a probe request are listed as
/// `not_probed`.
pub async fn probe_all(gw: &Gateway) -> Vec<ProbeResult> {
    let snap = gw.snapshot();
    let runs = snap.catalog.datasets().map(|ds| probe_one(gw, &snap, ds));
    futures_util::future::join_all(runs).await
}

async fn probe_one(gw: &Gateway, snap: &Snapshot, ds: &Arc<Dataset>) -> ProbeResult {
    let mut result = ProbeResult {
        agency: ds.agency.to_string(),
        dataset: ds.id.to_string(),
        request_id: None,
        outcome: "not_probed",
        status: 0,
        recorded: false,
        data_as_of_ms: None,
    };
    let Some(params) = &ds.probe else {
        return result;
    };
    let started = Instant::now();
    let mut entry = Entry::new(uuid::Uuid::now_v7().to_string(), now_ms(), "GET")
        .consumer(PROBE_CONSUMER)
        .dataset(ds.agency.as_str(), ds.id.as_str())
        .purpose(PROBE_PURPOSE)
        .probe();
    entry.catalog_digest = Some(snap.catalog.version.digest);
    match phases(gw, snap, ds, params, &mut entry).await {
        Ok(_) => {
            entry.outcome = Outcome::Served;
            entry.status = 200;
        }
        Err(p) => {
            entry.outcome = outcome_of(p.kind);
            entry.status = p.status().as_u16();
            entry.detail = Some(p.detail.chars().take(500).collect());
        }
    }
    entry.latency_us = started.elapsed().as_micros() as i64;
    result.request_id = Some(entry.request_id.clone());
    result.outcome = entry.outcome.as_str();
    result.status = entry.status;
    result.data_as_of_ms = entry.data_as_of_ms;
    let (outcome, source_us) = (entry.outcome, entry.source_latency_us);
    match gw.audit.record(entry).await {
        Ok(_) => result.recorded = true,
        Err(e) => {
            tracing::error!(agency = %ds.agency, dataset = %ds.id, error = %e, "probe record not committed")
        }
    }
    gw.metrics.request(
        outcome,
        started.elapsed().as_micros() as u64,
        source_us.map(|s| s as u64),
    );
    result
}

async fn phases(
    gw: &Gateway,
    snap: &Snapshot,
    ds: &Arc<Dataset>,
    params: &Value,
    entry: &mut Entry,
) -> Result<Bytes, Problem> {
    let consumer = CONSUMER.clone();
    let live = snap
        .runtime
        .dataset(ds)
        .ok_or_else(|| Problem::new(ProblemKind::Internal, "the dataset has no runtime state"))?;
    protect::dataset_rate_phase(gw, ds, live, &consumer).await?;
    decide::decide_phase(ds, &consumer, PROBE_PURPOSE, entry)?;
    let checked = check::probe_request(gw, ds, params, entry)?;
    let reply = forward::forward_phase(gw, live, &consumer, PROBE_PURPOSE, &checked, entry).await;
    response::check_response_phase(&gw.payload_key, ds, reply, entry)
}
