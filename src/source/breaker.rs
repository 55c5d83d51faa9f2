//! A circuit breaker per source: closed → open after N consecutive failures → half-open (one
//! probe) after the cooldown → closed on success, open again on failure.
//!
//! While open, requests are answered at once (503 `source-unavailable`) instead of piling onto a
//! system that is down. State lives in atomics: no lock on the request path.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

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
    threshold: u32,
    cooldown: Duration,
    state: AtomicU8,
    failures: AtomicU32,
    /// When it opened (or the last probe started), in ms since `epoch`.
    since_ms: AtomicU64,
    epoch: Instant,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            threshold,
            cooldown,
            state: AtomicU8::new(CLOSED),
            failures: AtomicU32::new(0),
            since_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
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
        if self.threshold == 0 {
            return Ok(Admit::Closed);
        }
        let cooldown = self.cooldown.as_millis() as u64;
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
        if self.threshold == 0 {
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
        if n >= self.threshold {
            self.since_ms.store(self.now_ms(), Ordering::Release);
            return self
                .state
                .compare_exchange(CLOSED, OPEN, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_probes_and_closes() {
        let b = Breaker::new(2, Duration::from_millis(50));
        let a = b.admit().unwrap();
        assert!(!b.record(a, true));
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.record(b.admit().unwrap(), true), "second failure opens");
        let open = b.admit().unwrap_err();
        assert!(open.retry_after <= Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(b.admit(), Ok(Admit::Probe));
        assert!(b.admit().is_err(), "only one probe at a time");
        assert!(b.record(Admit::Probe, true), "failed probe reopens");
        assert_eq!(b.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(b.admit(), Ok(Admit::Probe));
        b.record(Admit::Probe, false);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.admit(), Ok(Admit::Closed));
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
