//! The load limits of `dxgate.toml` — `[server]` connection caps, timeouts and per-client
//! rate, `[audit]` rejection summaries — checked with the rest by `load/settings.rs`.

use crate::config::{AuditSettings, ServerSettings};

/// The connection limits of `[server]`: caps of at least one, timeouts longer than zero.
pub(super) fn check_connections(
    s: &ServerSettings,
    err: &mut impl FnMut(&str, Option<&str>, String),
) {
    let counts = [
        ("max_connections", s.max_connections as u64),
        ("max_connections_per_ip", s.max_connections_per_ip as u64),
        (
            "h2_max_concurrent_streams",
            u64::from(s.h2_max_concurrent_streams),
        ),
    ];
    for (key, n) in counts {
        if n == 0 {
            err(
                "server",
                Some(key),
                format!("[server] {key} must be at least 1"),
            );
        }
    }
    let times = [
        ("header_read_timeout", s.header_read_timeout),
        ("idle_timeout", s.idle_timeout),
        ("h2_keepalive_timeout", s.h2_keepalive_timeout),
    ];
    for (key, t) in times {
        if t.is_zero() {
            err(
                "server",
                Some(key),
                format!("[server] {key} must be longer than 0s"),
            );
        }
    }
}

/// The rejection summaries of `[audit]`: windows longer than zero.
pub(super) fn check_rejections(
    a: &AuditSettings,
    err: &mut impl FnMut(&str, Option<&str>, String),
) {
    for (key, t) in [
        ("rejection_window", a.rejection_window),
        ("summary_every", a.summary_every),
    ] {
        if t.is_zero() {
            err(
                "audit",
                Some(key),
                format!("[audit] {key} must be longer than 0s"),
            );
        }
    }
}
