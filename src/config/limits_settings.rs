//! `[limits]` of `dxgate.toml`: where replicas share their rate limits and harvest blocks
//! (Redis), with its defaults and its checks (called from `load/settings.rs`).

use std::time::Duration;

use serde::Deserialize;

/// `[limits]`: rate limits and harvest blocks shared by every replica through Redis. Without
/// `redis_url` every replica keeps its own (three replicas then allow three times a limit).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSettings {
    /// `redis://[user:password@]host[:port][/db]` of the Redis every replica shares.
    /// Default: none (limits per replica). Env `DXGATE_REDIS_URL` overrides.
    pub redis_url: Option<String>,
    /// Prefix of every key dxgate writes in Redis (`<prefix>:rate:…`, `<prefix>:block:…`);
    /// replicas of one deployment must share it. Default `dxgate`.
    pub key_prefix: String,
    /// Longest one Redis round trip may take before the request is decided by this replica's
    /// own limits instead. Default `100ms`.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// While Redis is unreachable, how often one request tries it again (the others are decided
    /// locally without waiting). Default `1s`.
    #[serde(with = "humantime_serde")]
    pub retry: Duration,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        LimitsSettings {
            redis_url: None,
            key_prefix: "dxgate".into(),
            timeout: Duration::from_millis(100),
            retry: Duration::from_secs(1),
        }
    }
}

impl LimitsSettings {
    /// Every problem, as (key, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(url) = &self.redis_url {
            if !url.starts_with("redis://") || redis::Client::open(url.as_str()).is_err() {
                let msg = format!("[limits] redis_url {:?} must be a redis:// URL, e.g. \"redis://10.0.0.5:6379/0\"", super::redact_url(url));
                out.push(("redis_url", msg));
            }
        }
        let prefix_ok = !self.key_prefix.is_empty()
            && self.key_prefix.len() <= 64
            && (self.key_prefix.chars()).all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
        if !prefix_ok {
            let msg = "[limits] key_prefix must be 1-64 letters, digits, '-', '_', '.' or ':'";
            out.push(("key_prefix", msg.into()));
        }
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(5) {
            let msg = "[limits] timeout must be longer than 0s and at most 5s";
            out.push(("timeout", msg.into()));
        }
        if self.retry < Duration::from_millis(100) {
            out.push(("retry", "[limits] retry must be at least 100ms".into()));
        }
        out
    }
}
