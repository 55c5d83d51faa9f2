//! A circuit breaker per source: closed → open after N consecutive failures → half-open (one
//! probe) after the cooldown → closed on success, open again on failure.
//!
//! While open, requests are answered at once (503 `source-unavailable`) instead of piling onto a
//! system that is down. State lives in atomics: no lock on the request path. A breaker is runtime
//! state (`crate::runtime`): a reload keeps it, and [`Breaker::configure`] applies new settings.
//! Time is tokio's clock, so tests drive cooldowns with paused time.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::time::Duration;

use tokio::time::Instant;

const CLOSED: u8 = 0;
const OPEN: u8 = 1;
const HALF_OPEN: u8 = 2;

/// The breaker's state, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

/// How a request was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Normal traffic.
    Closed,
    /// The one trial request after the cooldown.
    Probe,
}

/// The breaker is open; try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open {
    pub retry_after: Duration,
}

/// One source's breaker.
#[derive(Debug)]
pub struct Breaker {
    /// Consecutive failures that open it; 0 disables the breaker.
    threshold: AtomicU32,
    cooldown_ms: AtomicU64,
    state: AtomicU8,
    failures: AtomicU32,
    /// When it opened (or the last probe started), in ms since `epoch`.
    since_ms: AtomicU64,
    epoch: Instant,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            threshold: AtomicU32::new(threshold),
            cooldown_ms: AtomicU64::new(millis(cooldown)),
            state: AtomicU8::new(CLOSED),
            failures: AtomicU32::new(0),
            since_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// Apply new settings (after a reload) without forgetting the state: an open breaker
    /// stays open, and its cooldown is measured with the new length.
    pub fn configure(&self, threshold: u32, cooldown: Duration) {
        self.threshold.store(threshold, Ordering::Release);
        self.cooldown_ms.store(millis(cooldown), Ordering::Release);
    }

    fn now_ms(&self) -> u64 {
        millis(self.epoch.elapsed())
    }

    pub fn state(&self) -> BreakerState {
        match self.state.load(Ordering::Acquire) {
            OPEN => BreakerState::Open,
            HALF_OPEN => BreakerState::HalfOpen,
            _ => BreakerState::Closed,
        }
    }

    /// May a request go to the source now?
    pub fn admit(&self) -> Result<Admit, Open> {
        if self.threshold.load(Ordering::Acquire) == 0 {
            return Ok(Admit::Closed);
        }
        let cooldown = self.cooldown_ms.load(Ordering::Acquire);
        match self.state.load(Ordering::Acquire) {
            CLOSED => Ok(Admit::Closed),
            state => {
                let since = self.since_ms.load(Ordering::Acquire);
                let now = self.now_ms();
                let elapsed = now.saturating_sub(since);
                if elapsed < cooldown {
                    let wait = if state == HALF_OPEN {
                        1000
                    } else {
                        cooldown - elapsed
                    };
                    return Err(Open {
                        retry_after: Duration::from_millis(wait.max(1)),
                    });
                }
                // Cooldown over (or a probe went missing): exactly one caller wins the probe.
                if self
                    .since_ms
                    .compare_exchange(since, now, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    self.state.store(HALF_OPEN, Ordering::Release);
                    Ok(Admit::Probe)
                } else {
                    Err(Open {
                        retry_after: Duration::from_secs(1),
                    })
                }
            }
        }
    }

    /// Report how the admitted request went. Returns true when this call opened the breaker.
    pub fn record(&self, admit: Admit, failed: bool) -> bool {
        let threshold = self.threshold.load(Ordering::Acquire);
        if threshold == 0 {
            return false;
        }
        if !failed {
            if self.failures.load(Ordering::Relaxed) != 0 {
                self.failures.store(0, Ordering::Relaxed);
            }
            if admit == Admit::Probe || self.state.load(Ordering::Acquire) != CLOSED {
                self.state.store(CLOSED, Ordering::Release);
            }
            return false;
        }
        if admit == Admit::Probe {
            self.since_ms.store(self.now_ms(), Ordering::Release);
            self.state.store(OPEN, Ordering::Release);
            return true;
        }
        let n = self
            .failures
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1);
        if n >= threshold {
            self.since_ms.store(self.now_ms(), Ordering::Release);
            return self
                .state
                .compare_exchange(CLOSED, OPEN, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        }
        false
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opens_probes_and_closes() {
        let b = Breaker::new(2, Duration::from_millis(50));
        let a = b.admit().unwrap();
        assert!(!b.record(a, true));
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.record(b.admit().unwrap(), true), "second failure opens");
        let open = b.admit().unwrap_err();
        assert_eq!(open.retry_after, Duration::from_millis(50));
        tokio::time::advance(Duration::from_millis(20)).await;
        assert_eq!(
            b.admit().unwrap_err().retry_after,
            Duration::from_millis(30)
        );
        tokio::time::advance(Duration::from_millis(29)).await;
        assert!(b.admit().is_err(), "still cooling down 1 ms before the end");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(b.admit(), Ok(Admit::Probe));
        assert!(b.record(Admit::Probe, true), "failed probe reopens");
        tokio::time::advance(Duration::from_millis(50)).await;
        assert_eq!(b.admit(), Ok(Admit::Probe));
        assert!(b.admit().is_err(), "only one probe at a time");
        assert!(b.record(Admit::Probe, true), "failed probe reopens");
        assert_eq!(b.state(), BreakerState::Open);
        tokio::time::advance(Duration::from_millis(50)).await;
        assert_eq!(b.admit(), Ok(Admit::Probe));
        b.record(Admit::Probe, false);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.admit(), Ok(Admit::Closed));
    }

    #[tokio::test(start_paused = true)]
    async fn configure_keeps_an_open_breaker_open() {
        let b = Breaker::new(1, Duration::from_secs(30));
        assert!(b.record(b.admit().unwrap(), true));
        b.configure(5, Duration::from_secs(60));
        assert_eq!(b.state(), BreakerState::Open);
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(
            b.admit().unwrap_err().retry_after,
            Duration::from_secs(30),
            "the new cooldown counts from when it opened"
        );
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(b.admit(), Ok(Admit::Probe));
    }

    #[test]
    fn successes_reset_the_count_and_zero_disables() {
        let b = Breaker::new(2, Duration::from_secs(60));
        b.record(Admit::Closed, true);
        b.record(Admit::Closed, false);
        b.record(Admit::Closed, true);
        assert_eq!(b.state(), BreakerState::Closed);
        let off = Breaker::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            off.record(Admit::Closed, true);
        }
        assert_eq!(off.admit(), Ok(Admit::Closed));
    }
}
