//! Rate limits (governor's GCRA). A [`Rate`] is configuration (requests per second and burst);
//! a [`Limiter`] (one consumer's quota) or [`KeyedLimiter`] (a dataset's quota, kept per
//! consumer) is runtime state that `crate::runtime` carries over a reload while the rate is
//! unchanged. governor never forgets a key, so [`KeyedLimiter::prune`] runs on a timer.
//!
//! The limiters read tokio's clock ([`TokioClock`]), so tests can drive them with paused time.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{NotUntil, Quota, RateLimiter};

/// A declared rate: requests per second and the burst allowed on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    fn quota(self) -> Quota {
        Quota::per_second(self.per_second).allow_burst(self.burst)
    }
}

/// governor's clock on `tokio::time::Instant`: nanoseconds since the clock was made.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    epoch: tokio::time::Instant,
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock {
            epoch: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(self.epoch.elapsed())
    }
}

/// Over the limit; try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

type Direct = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Nanos>>;
type Keyed = RateLimiter<Arc<str>, DashMapStateStore<Arc<str>>, TokioClock, NoOpMiddleware<Nanos>>;

/// One consumer's live quota.
pub struct Limiter {
    pub rate: Rate,
    clock: TokioClock,
    limiter: Direct,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Limiter({:?})", self.rate)
    }
}

impl Limiter {
    pub fn new(rate: Rate) -> Limiter {
        let clock = TokioClock::default();
        Limiter {
            rate,
            clock,
            limiter: RateLimiter::direct_with_clock(rate.quota(), clock),
        }
    }

    /// Take one request from the quota.
    pub fn check(&self) -> Result<(), Throttled> {
        self.limiter
            .check()
            .map_err(|not_until| throttled(&self.clock, &not_until))
    }
}

/// A dataset's live quota, applied to each consumer separately.
pub struct KeyedLimiter {
    pub rate: Rate,
    clock: TokioClock,
    limiter: Keyed,
}

impl fmt::Debug for KeyedLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyedLimiter({:?}, {} keys)",
            self.rate,
            self.limiter.len()
        )
    }
}

impl KeyedLimiter {
    pub fn new(rate: Rate) -> KeyedLimiter {
        let clock = TokioClock::default();
        KeyedLimiter {
            rate,
            clock,
            limiter: RateLimiter::dashmap_with_clock(rate.quota(), clock),
        }
    }

    /// Take one request of `key`'s quota.
    pub fn check(&self, key: &Arc<str>) -> Result<(), Throttled> {
        self.limiter
            .check_key(key)
            .map_err(|not_until| throttled(&self.clock, &not_until))
    }

    /// Forget keys whose quota is full again and give the memory back; returns the keys left.
    pub fn prune(&self) -> usize {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        self.limiter.len()
    }
}

fn throttled(clock: &TokioClock, not_until: &NotUntil<Nanos>) -> Throttled {
    Throttled {
        retry_after: not_until.wait_time_from(clock.now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_second: u32, burst: u32) -> Rate {
        Rate {
            per_second: NonZeroU32::new(per_second).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn keyed_limits_are_per_key_and_pruned() {
        let r = KeyedLimiter::new(rate(50, 1));
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        assert!(r.check(&a).is_ok());
        assert_eq!(
            r.check(&a),
            Err(Throttled {
                retry_after: Duration::from_millis(20)
            })
        );
        assert!(r.check(&b).is_ok());
        for i in 0..1000 {
            let _ = r.check(&Arc::from(format!("k{i}")));
        }
        tokio::time::advance(Duration::from_millis(20)).await;
        assert_eq!(
            r.prune(),
            1002,
            "a key is kept while its quota is not full again"
        );
        tokio::time::advance(Duration::from_millis(20)).await;
        assert_eq!(r.prune(), 0, "stale keys are forgotten");
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_throttle_then_refill() {
        let r = Limiter::new(rate(1, 2));
        assert!(r.check().is_ok());
        assert!(r.check().is_ok());
        assert_eq!(r.check().unwrap_err().retry_after, Duration::from_secs(1));
        tokio::time::advance(Duration::from_millis(400)).await;
        assert_eq!(
            r.check().unwrap_err().retry_after,
            Duration::from_millis(600)
        );
        tokio::time::advance(Duration::from_millis(600)).await;
        assert!(r.check().is_ok(), "one request back after a second");
        assert!(r.check().is_err());
    }
}
