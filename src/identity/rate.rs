//! Rate limits (governor's GCRA). Consumers are a fixed set from the catalogue, so each holds
//! its own direct limiter. Datasets with a `rate_per_second` hold a [`KeyedRateLimit`] keyed by
//! consumer id; governor never forgets a key, so [`KeyedRateLimit::prune`] runs on a timer.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A consumer's quota and its live limiter.
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
    limiter: DefaultDirectRateLimiter,
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RateLimit({}/s, burst {})", self.per_second, self.burst)
    }
}

/// Over the limit; try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl RateLimit {
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> RateLimit {
        RateLimit {
            per_second,
            burst,
            limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
        }
    }

    /// Take one request from the quota.
    pub fn check(&self) -> Result<(), Throttled> {
        self.limiter.check().map_err(|not_until| Throttled {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

/// A per-dataset quota, applied to each consumer separately.
pub struct KeyedRateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
    limiter: DefaultKeyedRateLimiter<Arc<str>>,
}

impl fmt::Debug for KeyedRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyedRateLimit({}/s, burst {}, {} keys)",
            self.per_second,
            self.burst,
            self.limiter.len()
        )
    }
}

impl KeyedRateLimit {
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32) -> KeyedRateLimit {
        KeyedRateLimit {
            per_second,
            burst,
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        }
    }

    /// Take one request of `key`'s quota.
    pub fn check(&self, key: &Arc<str>) -> Result<(), Throttled> {
        self.limiter.check_key(key).map_err(|not_until| Throttled {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }

    /// Forget keys whose quota is full again and give the memory back; returns the keys left.
    pub fn prune(&self) -> usize {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        self.limiter.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_limits_are_per_key_and_pruned() {
        let r = KeyedRateLimit::new(NonZeroU32::new(50).unwrap(), NonZeroU32::new(1).unwrap());
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        assert!(r.check(&a).is_ok());
        assert!(r.check(&a).is_err());
        assert!(r.check(&b).is_ok());
        for i in 0..1000 {
            let _ = r.check(&Arc::from(format!("k{i}")));
        }
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(r.prune(), 0, "stale keys are forgotten");
    }

    #[test]
    fn burst_then_throttle() {
        let r = RateLimit::new(NonZeroU32::new(1).unwrap(), NonZeroU32::new(2).unwrap());
        assert!(r.check().is_ok());
        assert!(r.check().is_ok());
        let t = r.check().unwrap_err();
        assert!(t.retry_after <= Duration::from_secs(1));
    }
}
