//! Observability: counters and histograms kept in atomics ([`Metrics`]), encoded as Prometheus
//! text at `/metrics` by `prometheus-client`, and OpenTelemetry traces and metrics exported over OTLP/HTTP when the
//! standard `OTEL_*` environment variables ask for it.

mod histogram;
mod logs;
mod metrics;
mod otel;
mod prometheus;

pub use histogram::Histogram;
pub use logs::LogFormat;
pub use metrics::{Metrics, SourceHealth};
pub use otel::{init, register_otel_metrics, OtelGuard};
pub use prometheus::{render, source_health, SourceSample, CONTENT_TYPE as METRICS_CONTENT_TYPE};
