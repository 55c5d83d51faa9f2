//! Per-consumer rate limits (governor's GCRA). Consumers are a fixed set from the catalogue, so
//! each holds its own direct limiter: no keyed map that grows with traffic.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_throttle() {
        let r = RateLimit::new(NonZeroU32::new(1).unwrap(), NonZeroU32::new(2).unwrap());
        assert!(r.check().is_ok());
        assert!(r.check().is_ok());
        let t = r.check().unwrap_err();
        assert!(t.retry_after <= Duration::from_secs(1));
    }
}
