//! `/healthz` (the process is up), `/readyz` (the store answers, the stored audit chain extends
//! the signed checkpoints, the catalogue is loaded) and
//! `/metrics` (Prometheus text).

use bytes::Bytes;
use http::{Response, StatusCode};

use super::Body;
use crate::gateway::Gateway;

pub fn healthz() -> Response<Body> {
    super::with_type(
        Bytes::from_static(br#"{"status":"ok"}"#),
        "application/json",
    )
}

pub async fn readyz(gw: &Gateway) -> Response<Body> {
    use std::sync::atomic::Ordering::Relaxed;
    let stats = gw.audit.stats();
    let writer_ok = !stats.stopped.load(Relaxed) && !gw.tasks.has_died();
    let store_ok = gw.store.ping().await.is_ok() && !stats.failing.load(Relaxed);
    // The stored chain does not extend the signed checkpoints: nothing is recorded or served.
    let anchored = !stats.unanchored.load(Relaxed);
    let datasets = gw.catalog().dataset_count();
    let ok = writer_ok && store_ok && anchored && datasets > 0;
    let body = serde_json::json!({
        "status": if ok { "ready" } else { "not_ready" },
        "store": if store_ok { "ok" } else { "unavailable" },
        "audit_writer": if writer_ok { "running" } else { "stopped" },
        "audit_anchor": if anchored { "ok" } else { "mismatch" },
        "datasets": datasets,
        "audit_queue": gw.audit.queue_depth(),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    super::json(status, &body)
}

/// `GET /metrics`: Prometheus text.
pub fn metrics(gw: &Gateway) -> Response<Body> {
    let runtime = &gw.snapshot().runtime;
    let text = crate::telemetry::render(&gw.metrics, runtime, &gw.audit, &gw.security);
    super::with_type(text, crate::telemetry::METRICS_CONTENT_TYPE)
}
