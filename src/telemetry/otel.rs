//! Logging and OpenTelemetry set-up.
//!
//! Logs go to stderr, JSON or human-readable ([`LogFormat`]; `RUST_LOG` filters, default
//! `info`). OTLP/HTTP export turns on
//! by the standard variables: traces when `OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, metrics when `OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is set; `OTEL_SDK_DISABLED=true`,
//! `OTEL_TRACES_EXPORTER=none` and `OTEL_METRICS_EXPORTER=none` turn them off. The exporters use a
//! blocking HTTP client on their own threads, so they never need (or block) the tokio runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::{logs, LogFormat, Metrics};
use crate::audit::{AuditWriter, Outcome};

/// Keeps the exporters alive; flushes them when dropped.
#[derive(Default)]
pub struct OtelGuard {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl OtelGuard {
    /// True when spans are exported (the pipeline only builds request spans then).
    pub fn tracing(&self) -> bool {
        self.tracer.is_some()
    }

    /// The OTLP meter provider, when metrics are exported.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter.as_ref()
    }
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        if let Some(t) = self.tracer.take() {
            let _ = t.shutdown();
        }
        if let Some(m) = self.meter.take() {
            let _ = m.shutdown();
        }
    }
}

fn env_on(signal_endpoint: &str, exporter_var: &str) -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
    let off = |k: &str, v: &str| std::env::var(k).is_ok_and(|x| x.eq_ignore_ascii_case(v));
    (set("OTEL_EXPORTER_OTLP_ENDPOINT") || set(signal_endpoint))
        && !off("OTEL_SDK_DISABLED", "true")
        && !off(exporter_var, "none")
}

fn resource() -> Resource {
    let b = Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_ok() {
        b.build()
    } else {
        b.with_service_name("dxgate").build()
    }
}

/// The provider `build` makes from an exporter, or `None` with the exporter's error noted in
/// `problems` as `what: error`.
fn provider<E, P>(
    what: &str,
    exporter: Result<E, impl std::fmt::Display>,
    problems: &mut Vec<String>,
    build: impl FnOnce(E) -> P,
) -> Option<P> {
    match exporter {
        Ok(exporter) => Some(build(exporter)),
        Err(e) => {
            problems.push(format!("{what}: {e}"));
            None
        }
    }
}

/// Install the global subscriber (logs in `format` + optional OTLP spans) and the OTLP meter
/// provider.
pub fn init(format: LogFormat) -> OtelGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let fmt = logs::layer(format);
    let mut guard = OtelGuard::default();
    let mut problems = Vec::new();
    if env_on("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER") {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build();
        guard.tracer = provider("OTLP trace exporter", exporter, &mut problems, |e| {
            SdkTracerProvider::builder()
                .with_batch_exporter(e)
                .with_resource(resource())
                .build()
        });
    }
    if env_on(
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        "OTEL_METRICS_EXPORTER",
    ) {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .build();
        guard.meter = provider("OTLP metric exporter", exporter, &mut problems, |e| {
            SdkMeterProvider::builder()
                .with_periodic_exporter(e)
                .with_resource(resource())
                .build()
        });
    }
    let otel_layer = guard
        .tracer
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("dxgate")));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel_layer)
        .try_init();
    for p in problems {
        tracing::error!("{p}; continuing without it");
    }
    if guard.tracer.is_some() || guard.meter.is_some() {
        tracing::info!(
            traces = guard.tracer.is_some(),
            metrics = guard.meter.is_some(),
            "OpenTelemetry export on"
        );
    }
    guard
}

/// Register OTLP instruments that read the gateway's own counters, and hand `metrics` the
/// latency histogram to record into.
pub fn register_otel_metrics(
    provider: &SdkMeterProvider,
    metrics: Arc<Metrics>,
    audit: AuditWriter,
) {
    let meter = provider.meter("dxgate");
    let m = metrics.clone();
    let _ = meter
        .u64_observable_counter("dxgate.requests")
        .with_description("Data requests by outcome")
        .with_callback(move |obs| {
            for o in Outcome::ALL {
                obs.observe(m.outcome_count(o), &[KeyValue::new("outcome", o.as_str())]);
            }
        })
        .build();
    let a = audit.clone();
    let _ = meter
        .u64_observable_gauge("dxgate.audit.queue_depth")
        .with_description("Records waiting for the group-commit writer")
        .with_callback(move |obs| obs.observe(a.queue_depth() as u64, &[]))
        .build();
    let a = audit;
    let _ = meter
        .u64_observable_counter("dxgate.audit.commits")
        .with_description("Audit transactions committed, and records in them")
        .with_callback(move |obs| {
            let s = a.stats();
            obs.observe(
                s.committed_batches.load(Ordering::Relaxed),
                &[KeyValue::new("unit", "batches")],
            );
            obs.observe(
                s.committed_records.load(Ordering::Relaxed),
                &[KeyValue::new("unit", "records")],
            );
        })
        .build();
    metrics.export_latency_to(
        meter
            .f64_histogram("dxgate.request.duration")
            .with_unit("s")
            .with_description("Data request latency, audit commit included")
            .build(),
    );
}
