//! `GET /metrics`: the Prometheus text exposition (version 0.0.4) of everything the gateway
//! counts, encoded by `prometheus-client` from one [`Scrape`] of the gateway's atomics.
//!
//! The counters stay where they are kept (lock-free atomics in [`Metrics`], the audit writer's
//! stats, [`SecurityEvents`], source health kept by the runtime); each scrape reads them through
//! a collector.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::{Histogram, Metrics};
use crate::audit::{AuditWriter, Outcome};
use crate::runtime::Runtime;
use crate::security::SecurityEvents;
use crate::source::breaker::BreakerState;

/// The `Content-Type` of what [`render`] writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// One source's health, as `/metrics` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSample {
    pub agency: String,
    pub dataset: String,
    /// Exchanges that succeeded / failed since start.
    pub ok: u64,
    pub errors: u64,
    /// False when the last exchange failed.
    pub up: bool,
    /// True while the circuit breaker is open or half-open (not letting normal traffic by).
    pub breaker_open: bool,
}

/// Every dataset's source health, from the runtime in force: the one place `/metrics` reads it
/// from.
pub fn source_health(runtime: &Runtime) -> Vec<SourceSample> {
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    runtime
        .sources()
        .map(|s| SourceSample {
            agency: s.agency.to_owned(),
            dataset: s.dataset.to_owned(),
            ok: load(&s.health.ok),
            errors: load(&s.health.errors),
            up: s.health.up(),
            breaker_open: s.breaker != BreakerState::Closed,
        })
        .collect()
}

/// Render every metric. Called per scrape; allocation here is off the request path.
pub fn render(
    metrics: &Arc<Metrics>,
    runtime: &Runtime,
    audit: &AuditWriter,
    security: &Arc<SecurityEvents>,
) -> String {
    let sources = source_health(runtime);
    let scrape = Scrape {
        metrics: metrics.clone(),
        audit: audit.clone(),
        security: security.clone(),
        datasets: sources.len() as u64,
        sources,
    };
    let mut registry = Registry::default();
    registry.register_collector(Box::new(scrape));
    let mut out = String::with_capacity(8 * 1024);
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
    out
}

/// What one scrape reads: the live counters, and the sources as they are now.
struct Scrape {
    metrics: Arc<Metrics>,
    audit: AuditWriter,
    security: Arc<SecurityEvents>,
    sources: Vec<SourceSample>,
    datasets: u64,
}

impl std::fmt::Debug for Scrape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scrape")
    }
}

type Result = std::result::Result<(), std::fmt::Error>;

/// A counter family with one label; `name` without `_total`, which the encoder adds.
fn counters(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    label: &'static str,
    values: &[(&str, u64)],
) -> Result {
    let mut m = e.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (value, n) in values {
        ConstCounter::new(*n).encode(m.encode_family(&[(label, *value)])?)?;
    }
    Ok(())
}

fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, n: u64) -> Result {
    let c = ConstCounter::new(n);
    c.encode(e.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge(e: &mut DescriptorEncoder, name: &str, help: &str, v: i64) -> Result {
    let g = ConstGauge::new(v);
    g.encode(e.encode_descriptor(name, help, None, g.metric_type())?)
}

/// Our atomic histogram, its bounds and sum multiplied by `scale` (µs → s).
fn histogram(
    e: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    h: &Histogram,
    scale: f64,
) -> Result {
    let mut below = 0;
    let buckets: Vec<(f64, u64)> = h
        .cumulative()
        .into_iter()
        .map(|(le, n)| {
            let le = le.map_or(f64::INFINITY, |b| b as f64 * scale);
            let in_bucket = n - below;
            below = n;
            (le, in_bucket)
        })
        .collect();
    let mut m = e.encode_descriptor(name, help, None, MetricType::Histogram)?;
    m.encode_histogram::<NoLabelSet>(h.sum() as f64 * scale, h.count(), &buckets, None)
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> Result {
        let (e, m) = (&mut e, &*self.metrics);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let outcomes: Vec<_> = Outcome::ALL
            .iter()
            .map(|o| (o.as_str(), m.outcome_count(*o)))
            .collect();
        counters(
            e,
            "dxgate_requests",
            "Data requests by outcome.",
            "outcome",
            &outcomes,
        )?;
        let help = "Data requests by agency (of the catalogue) and outcome.";
        let mut f =
            e.encode_descriptor("dxgate_agency_requests", help, None, MetricType::Counter)?;
        for (agency, counts) in m.agency_outcomes() {
            for (o, n) in Outcome::ALL.iter().zip(counts) {
                let labels = [("agency", &*agency), ("outcome", o.as_str())];
                ConstCounter::new(n).encode(f.encode_family(&labels)?)?;
            }
        }
        let help = "Data request latency, audit commit included.";
        histogram(e, "dxgate_request_duration_seconds", help, &m.latency, 1e-6)?;
        let help = "Time spent waiting on agency sources.";
        histogram(
            e,
            "dxgate_source_duration_seconds",
            help,
            &m.source_latency,
            1e-6,
        )?;

        let help = "Exchanges with each dataset's source by result.";
        let mut f =
            e.encode_descriptor("dxgate_source_requests", help, None, MetricType::Counter)?;
        for s in &self.sources {
            for (result, n) in [("ok", s.ok), ("error", s.errors)] {
                let labels = [
                    ("agency", s.agency.as_str()),
                    ("dataset", s.dataset.as_str()),
                    ("result", result),
                ];
                ConstCounter::new(n).encode(f.encode_family(&labels)?)?;
            }
        }
        let help = "1 unless the last exchange with the source failed.";
        let mut f = e.encode_descriptor("dxgate_source_up", help, None, MetricType::Gauge)?;
        for s in &self.sources {
            let labels = [
                ("agency", s.agency.as_str()),
                ("dataset", s.dataset.as_str()),
            ];
            ConstGauge::new(i64::from(s.up)).encode(f.encode_family(&labels)?)?;
        }
        let help = "1 while the source's circuit breaker is open or half-open (requests answered 503 at once).";
        let mut f =
            e.encode_descriptor("dxgate_source_breaker_open", help, None, MetricType::Gauge)?;
        for s in &self.sources {
            let labels = [
                ("agency", s.agency.as_str()),
                ("dataset", s.dataset.as_str()),
            ];
            ConstGauge::new(i64::from(s.breaker_open)).encode(f.encode_family(&labels)?)?;
        }

        let w = self.audit.stats();
        let help = "Records waiting for the group-commit writer.";
        gauge(
            e,
            "dxgate_audit_queue_depth",
            help,
            self.audit.queue_depth() as i64,
        )?;
        let help = "Audit records committed.";
        counter(
            e,
            "dxgate_audit_records_committed",
            help,
            load(&w.committed_records),
        )?;
        let commits = [
            ("ok", load(&w.committed_batches)),
            ("failed", load(&w.failed_batches)),
        ];
        let help = "Audit transactions by result.";
        counters(e, "dxgate_audit_commits", help, "result", &commits)?;
        let help = "Signed checkpoints written by this replica.";
        counter(e, "dxgate_audit_checkpoints", help, load(&w.checkpoints))?;
        let help = "1 while the stored chain does not extend this replica's signed checkpoints \
                    (nothing is recorded or served; see docs/audit-log.md).";
        let unanchored = w.unanchored.load(std::sync::atomic::Ordering::Relaxed);
        gauge(
            e,
            "dxgate_audit_anchor_mismatch",
            help,
            i64::from(unanchored),
        )?;
        let help = "Records per audit commit (group commit).";
        histogram(e, "dxgate_audit_batch_size", help, &w.batch_sizes, 1.0)?;

        let reloads = [
            ("ok", load(&m.reloads_ok)),
            ("rejected", load(&m.reloads_rejected)),
        ];
        let help = "Catalogue reloads by result.";
        counters(e, "dxgate_catalog_reloads", help, "result", &reloads)?;
        let help = "Security events by kind (see docs/security.md).";
        let events = self.security.snapshot();
        counters(e, "dxgate_security_events", help, "kind", &events)?;
        let l = &m.limits;
        if l.configured.load(Ordering::Relaxed) {
            let help = "1 while Redis ([limits] redis_url) is unreachable and this replica \
                        decides rate limits and harvest blocks alone (docs/operations.md).";
            let fallback = l.fallback.load(Ordering::Relaxed);
            gauge(e, "dxgate_limits_redis_fallback", help, i64::from(fallback))?;
            let help = "Redis round trips of the shared limits that failed or timed out.";
            counter(e, "dxgate_limits_redis_errors", help, load(&l.redis_errors))?;
            let help = "Limit decisions taken by this replica alone because Redis was unreachable.";
            counter(
                e,
                "dxgate_limits_local_decisions",
                help,
                load(&l.local_decisions),
            )?;
        }
        let help = "Routable datasets in the serving catalogue.";
        gauge(e, "dxgate_catalog_datasets", help, self.datasets as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Store, WriterConfig};

    #[tokio::test]
    async fn families_keep_their_names_labels_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("audit.db").display());
        let store = Store::open(&url).await.unwrap();
        let config = WriterConfig {
            node_id: "n1".into(),
            batch_max: 8,
            queue_capacity: 8,
            checkpoints: None,
        };
        let (audit, _task) = AuditWriter::start_with(store, config).await.unwrap();
        let metrics = Arc::new(Metrics::default());
        for (outcome, us) in [(Outcome::Served, 500), (Outcome::Served, 5_000)] {
            metrics.request(outcome, us, None);
        }
        metrics.request(Outcome::Refused, 50_000_000, None);
        metrics.agency_request("beta", Outcome::Refused);
        metrics.agency_request("alpha", Outcome::Served);
        metrics.agency_request("beta", Outcome::Refused);
        let security = Arc::new(SecurityEvents::default());
        SecurityEvents::bump(&security.auth_failures);
        let scrape = Scrape {
            metrics,
            audit,
            security,
            sources: vec![SourceSample {
                agency: "alpha".into(),
                dataset: "people".into(),
                ok: 2,
                errors: 1,
                up: false,
                breaker_open: true,
            }],
            datasets: 1,
        };
        let mut registry = Registry::default();
        registry.register_collector(Box::new(scrape));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        for line in [
            "# HELP dxgate_requests_total Data requests by outcome.",
            "# TYPE dxgate_requests_total counter",
            "dxgate_requests_total{outcome=\"served\"} 2",
            "dxgate_requests_total{outcome=\"refused\"} 1",
            "# TYPE dxgate_request_duration_seconds histogram",
            "dxgate_request_duration_seconds_bucket{le=\"0.00025\"} 0",
            "dxgate_request_duration_seconds_bucket{le=\"0.0005\"} 1",
            "dxgate_request_duration_seconds_bucket{le=\"0.005\"} 2",
            "dxgate_request_duration_seconds_bucket{le=\"10\"} 2",
            "dxgate_request_duration_seconds_bucket{le=\"+Inf\"} 3",
            "dxgate_request_duration_seconds_count 3",
            "dxgate_source_requests_total{agency=\"alpha\",dataset=\"people\",result=\"error\"} 1",
            "# TYPE dxgate_source_up gauge",
            "dxgate_source_up{agency=\"alpha\",dataset=\"people\"} 0",
            "# TYPE dxgate_source_breaker_open gauge",
            "dxgate_source_breaker_open{agency=\"alpha\",dataset=\"people\"} 1",
            "# TYPE dxgate_agency_requests_total counter",
            "dxgate_agency_requests_total{agency=\"alpha\",outcome=\"served\"} 1",
            "dxgate_agency_requests_total{agency=\"alpha\",outcome=\"refused\"} 0",
            "dxgate_agency_requests_total{agency=\"beta\",outcome=\"refused\"} 2",
            "dxgate_audit_queue_depth 0",
            "dxgate_audit_records_committed_total 0",
            "dxgate_audit_commits_total{result=\"failed\"} 0",
            "dxgate_audit_batch_size_count 0",
            "dxgate_catalog_reloads_total{result=\"rejected\"} 0",
            "dxgate_security_events_total{kind=\"auth_failures\"} 1",
            "dxgate_catalog_datasets 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }
}
