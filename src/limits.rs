//! Rate limits and harvest blocks shared by every replica through Redis (`[limits] redis_url`).
//!
//! Each decision is one `EVALSHA` of `limits/gcra.lua`: GCRA on Redis's clock, plus the
//! consumer's harvest block, in one atomic step, so N replicas together admit what one would.
//! A block raised by any replica's harvest alarm is written with [`SharedLimits::block`] and
//! holds on all of them until it expires.
//!
//! Redis is a help, not a dependency of serving: when a round trip fails or takes longer than
//! `[limits] timeout`, [`SharedLimits::admit`] answers `None` and the caller decides with this
//! replica's own limiter (`crate::identity::rate`). While Redis is unreachable only one request
//! per `[limits] retry` tries it again; the others go straight to the local limits. The switch
//! each way is logged once and shown in `/metrics` (`dxgate_limits_redis_fallback`,
//! [`LimitsStats`]). Keys: `<prefix>:rate:c:<consumer>`, `<prefix>:rate:d:<agency>/<dataset>:<consumer>`,
//! `<prefix>:block:<consumer>`; each expires by itself.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use tokio::time::Instant;

use crate::config::{redact_url, LimitsSettings};
use crate::identity::{Rate, Throttled};

#[cfg(test)]
mod tests;

/// What `/metrics` shows of the shared limits.
#[derive(Debug, Default)]
pub struct LimitsStats {
    /// True when `[limits] redis_url` is set.
    pub configured: AtomicBool,
    /// True while Redis is unreachable and every replica decides with its own limits.
    pub fallback: AtomicBool,
    /// Redis round trips that failed or timed out.
    pub redis_errors: AtomicU64,
    /// Decisions taken locally because Redis was unreachable.
    pub local_decisions: AtomicU64,
}

/// Whose quota a request spends.
#[derive(Debug, Clone, Copy)]
pub enum Quota<'a> {
    /// The consumer's own `rate_per_second`.
    Consumer(&'a str),
    /// A dataset's `rate_per_second`, kept per consumer.
    Dataset {
        agency: &'a str,
        dataset: &'a str,
        consumer: &'a str,
    },
}

/// What Redis decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    Admitted,
    Throttled(Throttled),
    /// Blocked by a harvest alarm (on any replica) for this much longer.
    Blocked(Duration),
}

/// The limits every replica shares; without Redis configured, a no-op that leaves every
/// decision to the local limiters.
pub struct SharedLimits {
    redis: Option<Redis>,
    pub stats: Arc<LimitsStats>,
}

struct Redis {
    conn: ConnectionManager,
    script: Script,
    prefix: String,
    timeout: Duration,
    retry: Duration,
    /// Where, for logs (password redacted).
    url: String,
    epoch: Instant,
    /// While falling back: ms after `epoch` before which no request asks Redis again.
    retry_at_ms: AtomicU64,
}

/// `[limits] redis_url` could not be used.
#[derive(Debug, thiserror::Error)]
#[error("[limits] redis_url {url}: {source}")]
pub struct LimitsError {
    url: String,
    source: redis::RedisError,
}

impl SharedLimits {
    /// Limits per replica only.
    pub fn local(stats: Arc<LimitsStats>) -> SharedLimits {
        SharedLimits { redis: None, stats }
    }

    /// Shared limits on `settings.redis_url` (if set), counted in `stats`. The connection is
    /// made on first use, so a gateway starts (on its local limits) while Redis is down.
    pub fn new(
        settings: &LimitsSettings,
        stats: Arc<LimitsStats>,
    ) -> Result<SharedLimits, LimitsError> {
        let Some(url) = &settings.redis_url else {
            return Ok(SharedLimits::local(stats));
        };
        let err = |source| LimitsError {
            url: redact_url(url),
            source,
        };
        let client = redis::Client::open(url.as_str()).map_err(err)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_max_delay(settings.retry);
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(err)?;
        stats.configured.store(true, Ordering::Relaxed);
        Ok(SharedLimits {
            redis: Some(Redis {
                conn,
                script: Script::new(include_str!("limits/gcra.lua")),
                prefix: settings.key_prefix.clone(),
                timeout: settings.timeout,
                retry: settings.retry,
                url: redact_url(url),
                epoch: Instant::now(),
                retry_at_ms: AtomicU64::new(0),
            }),
            stats,
        })
    }

    /// Ask Redis whether `consumer` is blocked and, with `quota`, spend one request of it.
    /// `None`: not shared, or Redis unreachable — decide with the local limits.
    pub async fn admit(&self, consumer: &str, quota: Option<(Quota<'_>, Rate)>) -> Option<Shared> {
        let r = self.redis.as_ref()?;
        if !self.may_ask(r) {
            self.stats.local_decisions.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let (key, interval_us, burst) = match quota {
            Some((q, rate)) => (
                r.quota_key(q),
                (1_000_000 / u64::from(rate.per_second.get())).max(1),
                rate.burst.get(),
            ),
            None => (format!("{}:rate:none", r.prefix), 0, 0),
        };
        let mut conn = r.conn.clone();
        let mut call = r.script.prepare_invoke();
        call.key(r.block_key(consumer))
            .key(key)
            .arg(interval_us)
            .arg(burst);
        let answer = tokio::time::timeout(r.timeout, call.invoke_async::<(i64, i64)>(&mut conn));
        match answer.await {
            Ok(Ok((code, n))) => {
                self.healthy(r);
                let n = n.max(0) as u64;
                Some(match code {
                    1 => Shared::Admitted,
                    2 => Shared::Blocked(Duration::from_millis(n)),
                    _ => Shared::Throttled(Throttled {
                        retry_after: Duration::from_micros(n),
                    }),
                })
            }
            Ok(Err(e)) => {
                self.unreachable(r, &e.to_string());
                None
            }
            Err(_) => {
                let why = format!("no answer within {} ms", r.timeout.as_millis());
                self.unreachable(r, &why);
                None
            }
        }
    }

    /// Block `consumer` on every replica for `how_long` (a harvest alarm). Best effort: the
    /// replica that raised the alarm blocks locally anyway.
    pub async fn block(&self, consumer: &str, how_long: Duration) {
        let Some(r) = &self.redis else { return };
        let mut conn = r.conn.clone();
        let ms = how_long.as_millis().max(1) as u64;
        let cmd = redis::cmd("SET")
            .arg(r.block_key(consumer))
            .arg(1)
            .arg("PX")
            .arg(ms)
            .to_owned();
        let set = tokio::time::timeout(r.timeout, cmd.query_async::<()>(&mut conn));
        match set.await {
            Ok(Ok(())) => self.healthy(r),
            Ok(Err(e)) => self.unreachable(r, &e.to_string()),
            Err(_) => self.unreachable(r, "no answer to SET"),
        }
    }

    /// Whether this request may ask Redis: always while it answers; once per `retry` while
    /// it does not (the one that wins the swap tries).
    fn may_ask(&self, r: &Redis) -> bool {
        if !self.stats.fallback.load(Ordering::Relaxed) {
            return true;
        }
        let now = r.epoch.elapsed().as_millis() as u64;
        let at = r.retry_at_ms.load(Ordering::Relaxed);
        let next = now + r.retry.as_millis() as u64;
        now >= at
            && (r.retry_at_ms)
                .compare_exchange(at, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    fn healthy(&self, r: &Redis) {
        if self.stats.fallback.swap(false, Ordering::Relaxed) {
            tracing::info!(redis = %r.url, "shared limits: Redis answers again; rate limits and harvest blocks are shared by all replicas again");
        }
    }

    fn unreachable(&self, r: &Redis, why: &str) {
        self.stats.redis_errors.fetch_add(1, Ordering::Relaxed);
        self.stats.local_decisions.fetch_add(1, Ordering::Relaxed);
        let now = r.epoch.elapsed().as_millis() as u64;
        r.retry_at_ms
            .store(now + r.retry.as_millis() as u64, Ordering::Relaxed);
        if !self.stats.fallback.swap(true, Ordering::Relaxed) {
            tracing::warn!(redis = %r.url, error = why, "shared limits: Redis unreachable; FALLING BACK TO PER-REPLICA LIMITS (each replica allows the full limit) until it answers again");
        }
    }
}

impl Redis {
    fn quota_key(&self, q: Quota<'_>) -> String {
        match q {
            Quota::Consumer(c) => format!("{}:rate:c:{c}", self.prefix),
            Quota::Dataset {
                agency,
                dataset,
                consumer,
            } => format!("{}:rate:d:{agency}/{dataset}:{consumer}", self.prefix),
        }
    }

    fn block_key(&self, consumer: &str) -> String {
        format!("{}:block:{consumer}", self.prefix)
    }
}
