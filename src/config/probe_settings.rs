//! `[probes]` in `dxgate.toml`: when the gateway calls every connected dataset itself, as the
//! built-in consumer `dxgate-probe` (see `docs/operations.md`, "Readiness probes").

use serde::Deserialize;

/// `[probes]`: the daily readiness probe.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProbeSettings {
    /// Probe on a schedule. Default `true` (`POST /v1/oversight/probes` works either way).
    pub enabled: bool,
    /// Local time of day of the daily probe, `HH:MM`. Default `03:00`.
    pub at: String,
    /// Time zone of `at` (IANA name). Default `Asia/Ho_Chi_Minh`.
    pub timezone: String,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            enabled: true,
            at: "03:00".into(),
            timezone: "Asia/Ho_Chi_Minh".into(),
        }
    }
}

impl ProbeSettings {
    /// The next scheduled probe after `now_ms` (Unix ms); `None` when `at` or `timezone` is
    /// invalid (loading has rejected such a file already).
    pub fn next_ms(&self, now_ms: i64) -> Option<i64> {
        let at = crate::calendar::parse_time_of_day(&self.at).ok()?;
        let tz = crate::calendar::zone(&self.timezone).ok()?;
        Some(crate::calendar::next_local_ms(now_ms, at, &tz))
    }
}
