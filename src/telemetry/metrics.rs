//! The gateway's own counters: requests by outcome (overall and per agency), latencies,
//! per-source health, reloads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;

use opentelemetry::metrics::Histogram as OtelHistogram;
use opentelemetry::KeyValue;

use super::Histogram;
use crate::audit::Outcome;

/// Request latency buckets, in microseconds (0.25 ms … 10 s).
pub static LATENCY_US: [u64; 15] = [
    250, 500, 1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// Everything `/metrics` and OTLP report that is not owned by another module.
#[derive(Debug)]
pub struct Metrics {
    outcomes: [AtomicU64; 8],
    /// Requests by agency and outcome. Only agencies of a catalogue that was in force get a
    /// row (the caller checks), so a path cannot add series; read lock-free, copied on the
    /// first request for a new agency.
    agencies: ArcSwap<BTreeMap<Box<str>, Arc<Outcomes>>>,
    /// Whole request, audit commit included.
    pub latency: Histogram,
    /// Time waiting on sources.
    pub source_latency: Histogram,
    pub reloads_ok: AtomicU64,
    pub reloads_rejected: AtomicU64,
    /// The shared limits' state (`crate::limits`).
    pub limits: Arc<crate::limits::LimitsStats>,
    /// OTLP histogram, set only when OTLP metrics export is on.
    otel_latency: OnceLock<OtelHistogram<f64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            outcomes: Default::default(),
            agencies: Default::default(),
            latency: Histogram::new(&LATENCY_US),
            source_latency: Histogram::new(&LATENCY_US),
            reloads_ok: AtomicU64::new(0),
            reloads_rejected: AtomicU64::new(0),
            limits: Arc::default(),
            otel_latency: OnceLock::new(),
        }
    }
}

impl Metrics {
    /// Also record request latency into this OTLP histogram.
    pub fn export_latency_to(&self, h: OtelHistogram<f64>) {
        let _ = self.otel_latency.set(h);
    }

    /// Count one finished data request.
    pub fn request(&self, outcome: Outcome, latency_us: u64, source_latency_us: Option<u64>) {
        self.outcomes[index(outcome)].fetch_add(1, Ordering::Relaxed);
        self.latency.observe(latency_us);
        if let Some(s) = source_latency_us {
            self.source_latency.observe(s);
        }
        if let Some(h) = self.otel_latency.get() {
            h.record(
                latency_us as f64 / 1e6,
                &[KeyValue::new("outcome", outcome.as_str())],
            );
        }
    }

    pub fn outcome_count(&self, outcome: Outcome) -> u64 {
        self.outcomes[index(outcome)].load(Ordering::Relaxed)
    }

    /// Count one finished data request for `agency`, an agency of the catalogue in force.
    pub fn agency_request(&self, agency: &str, outcome: Outcome) {
        let i = index(outcome);
        if let Some(row) = self.agencies.load().get(agency) {
            row.0[i].fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.agencies.rcu(|map| {
            let mut map = BTreeMap::clone(map);
            map.entry(agency.into()).or_default();
            map
        });
        if let Some(row) = self.agencies.load().get(agency) {
            row.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Every agency's counts, by agency then in [`Outcome::ALL`] order.
    pub fn agency_outcomes(&self) -> Vec<(Box<str>, [u64; 8])> {
        self.agencies
            .load()
            .iter()
            .map(|(a, row)| {
                (
                    a.clone(),
                    row.0.each_ref().map(|c| c.load(Ordering::Relaxed)),
                )
            })
            .collect()
    }
}

/// One agency's request counts, in [`Outcome::ALL`] order.
#[derive(Debug, Default)]
struct Outcomes([AtomicU64; 8]);

fn index(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

/// Health of one dataset's source, updated after every exchange.
#[derive(Debug, Default)]
pub struct SourceHealth {
    pub ok: AtomicU64,
    pub errors: AtomicU64,
    /// Unix ms of the last success / failure (0 = never).
    pub last_ok_ms: AtomicI64,
    pub last_error_ms: AtomicI64,
}

impl SourceHealth {
    pub fn success(&self, now_ms: i64) {
        self.ok.fetch_add(1, Ordering::Relaxed);
        self.last_ok_ms.store(now_ms, Ordering::Relaxed);
    }

    pub fn failure(&self, now_ms: i64) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.last_error_ms.store(now_ms, Ordering::Relaxed);
    }

    /// Up unless the most recent exchange failed.
    pub fn up(&self) -> bool {
        self.last_error_ms.load(Ordering::Relaxed) <= self.last_ok_ms.load(Ordering::Relaxed)
    }
}
