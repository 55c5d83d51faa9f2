//! `/healthz` (the process is up) and `/readyz` (the store answers, the catalogue is loaded).

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::gateway::Gateway;

pub fn healthz() -> Response<Full<Bytes>> {
    json(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
}

pub async fn readyz(gw: &Gateway) -> Response<Full<Bytes>> {
    let store_ok = gw.store.ping().await.is_ok()
        && !gw
            .audit
            .stats()
            .failing
            .load(std::sync::atomic::Ordering::Relaxed);
    let datasets = gw.catalog().dataset_count();
    let ok = store_ok && datasets > 0;
    let body = serde_json::json!({
        "status": if ok { "ready" } else { "not_ready" },
        "store": if store_ok { "ok" } else { "unavailable" },
        "datasets": datasets,
        "audit_queue": gw.audit.queue_depth(),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(status, serde_json::to_vec(&body).unwrap_or_default())
}

/// `GET /metrics`: Prometheus text.
pub fn metrics(gw: &Gateway) -> Response<Full<Bytes>> {
    let text = crate::telemetry::render(&gw.metrics, &gw.catalog(), &gw.audit, &gw.security);
    let mut r = Response::new(Full::new(Bytes::from(text)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::telemetry::METRICS_CONTENT_TYPE),
    );
    r
}

pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
