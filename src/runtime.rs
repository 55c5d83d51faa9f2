//! What a running gateway keeps that is not configuration.
//!
//! Per dataset: the source client and its connection pool, the circuit breaker, the source's
//! health figures and the per-consumer dataset limiter ([`DatasetRuntime`]). Per consumer: its
//! rate limiter. Besides: the bulk-harvest alarm, the upstream TLS clients and the rendered
//! `GET /v1/catalog` body.
//!
//! A [`Runtime`] belongs to one catalogue (`crate::config::Catalog`). [`Runtime::build`] makes
//! the first; a reload makes the next with [`Runtime::carry`], which keeps state by key so that
//! a reload resets nothing that must survive it (the rules are in `runtime/carry.rs` and
//! docs/operations.md). Breakers, limiters and the harvest alarm read tokio's clock.

mod carry;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::config::Dataset;
use crate::identity::{KeyedLimiter, Limiter};
use crate::source::breaker::{Breaker, BreakerState};
use crate::source::{BuildError, Source, SourceSpec, UpstreamClients};
use crate::subjects::Harvest;
use crate::telemetry::SourceHealth;

/// A source that could not be built for the runtime (its files changed since they were
/// checked, for instance).
#[derive(Debug, thiserror::Error)]
#[error("dataset {dataset}: {source}")]
pub struct RuntimeError {
    pub dataset: String,
    pub source: BuildError,
}

/// The live state of one routable dataset.
#[derive(Debug)]
pub struct DatasetRuntime {
    /// The spec `source` was built from (to tell whether a reload changed it).
    spec: SourceSpec,
    /// The client (HTTP, pooled) or pool (SQL), with its timeout and concurrency cap.
    pub source: Arc<Source>,
    pub breaker: Arc<Breaker>,
    /// Exchanges with the source, for `/metrics`.
    pub health: Arc<SourceHealth>,
    /// The dataset's quota, kept per consumer (`rate_per_second`), if declared.
    pub limiter: Option<Arc<KeyedLimiter>>,
}

/// One source as `/metrics` reports it.
pub struct SourceView<'a> {
    pub agency: &'a str,
    pub dataset: &'a str,
    /// `http` or `sql`.
    pub kind: &'static str,
    pub health: &'a SourceHealth,
    pub breaker: BreakerState,
}

/// Everything a running gateway keeps for one catalogue.
pub struct Runtime {
    /// By agency, then dataset, sorted (so `/metrics` lists them in a stable order).
    datasets: BTreeMap<String, BTreeMap<String, DatasetRuntime>>,
    /// Limiters of the consumers that have a rate (the others are unlimited).
    consumers: HashMap<String, Arc<Limiter>>,
    /// The bulk-harvest alarm, watching every consumer of the catalogue.
    pub harvest: Harvest,
    /// Upstream HTTP clients by TLS settings (each with its connection pool).
    clients: UpstreamClients,
    /// `GET /v1/catalog`, rendered on first use.
    catalog_body: OnceLock<Bytes>,
}

impl Runtime {
    /// The live state of `ds`; every routable dataset of the catalogue has one.
    pub fn dataset(&self, ds: &Dataset) -> Option<&DatasetRuntime> {
        self.datasets.get(ds.agency.as_str())?.get(ds.id.as_str())
    }

    /// The rate limiter of consumer `id`, `None` when it is unlimited.
    pub fn consumer_limiter(&self, id: &str) -> Option<&Limiter> {
        self.consumers.get(id).map(Arc::as_ref)
    }

    /// Every source with its health and breaker state, ordered by agency and dataset.
    pub fn sources(&self) -> impl Iterator<Item = SourceView<'_>> {
        self.datasets.iter().flat_map(|(agency, datasets)| {
            datasets.iter().map(move |(dataset, d)| SourceView {
                agency,
                dataset,
                kind: d.spec.kind(),
                health: &d.health,
                breaker: d.breaker.state(),
            })
        })
    }

    /// Forget stale keys of every dataset limiter (governor never forgets on its own).
    pub fn prune_limiters(&self) {
        let datasets = self.datasets.values().flat_map(BTreeMap::values);
        for limiter in datasets.filter_map(|d| d.limiter.as_ref()) {
            limiter.prune();
        }
    }

    /// The `GET /v1/catalog` body, rendered by `render` the first time it is asked for.
    pub fn catalog_body(&self, render: impl FnOnce() -> Bytes) -> Bytes {
        self.catalog_body.get_or_init(render).clone()
    }
}
