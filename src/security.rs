//! Security events, counted: the atomics another module exports to `/metrics`.
//!
//! Each event is also logged with `target: "dxgate::security"` where it happens; this struct
//! only counts, lock-free, so the request path pays one relaxed atomic add per event.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of security events since start.
#[derive(Debug, Default)]
pub struct SecurityEvents {
    /// Bulk-harvest alarms raised (one per consumer and window at most).
    pub harvest_alarms: AtomicU64,
    /// Data requests refused because their consumer is blocked after a harvest alarm.
    pub harvest_blocked_requests: AtomicU64,
    /// Requests answered 429 by a per-consumer or per-dataset rate limit.
    pub rate_limited: AtomicU64,
    /// Requests answered 503 because a source's circuit breaker was open.
    pub circuit_open_rejections: AtomicU64,
    /// Requests to any API answered 401: credentials missing or invalid, or a citizen's eID
    /// token on a data request.
    pub auth_failures: AtomicU64,
    /// Listener certificate reloads that succeeded / failed (the old one stays in use).
    pub tls_reloads: AtomicU64,
    pub tls_reload_failures: AtomicU64,
    /// Connections closed at accept: over `[server] max_connections` or
    /// `max_connections_per_ip`.
    pub connections_refused: AtomicU64,
    /// Connections closed because the TLS handshake and first request bytes did not arrive
    /// within `[server] header_read_timeout`.
    pub slow_connections_closed: AtomicU64,
    /// Connections closed after `[server] idle_timeout` with no request in flight.
    pub idle_connections_closed: AtomicU64,
    /// Requests answered 429 by `[server] per_ip_rate_per_second`, before authentication.
    pub client_rate_limited: AtomicU64,
    /// Rejected data requests past their client's allowance, counted in summary records.
    pub rejections_summarised: AtomicU64,
}

impl SecurityEvents {
    /// Count one event.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(name, value)` pairs in a stable order, for exporters.
    pub fn snapshot(&self) -> [(&'static str, u64); 12] {
        let v = |c: &AtomicU64| c.load(Ordering::Relaxed);
        [
            ("harvest_alarms", v(&self.harvest_alarms)),
            (
                "harvest_blocked_requests",
                v(&self.harvest_blocked_requests),
            ),
            ("rate_limited", v(&self.rate_limited)),
            ("circuit_open_rejections", v(&self.circuit_open_rejections)),
            ("auth_failures", v(&self.auth_failures)),
            ("tls_reloads", v(&self.tls_reloads)),
            ("tls_reload_failures", v(&self.tls_reload_failures)),
            ("connections_refused", v(&self.connections_refused)),
            ("slow_connections_closed", v(&self.slow_connections_closed)),
            ("idle_connections_closed", v(&self.idle_connections_closed)),
            ("client_rate_limited", v(&self.client_rate_limited)),
            ("rejections_summarised", v(&self.rejections_summarised)),
        ]
    }
}
