//! The bulk-harvest alarm: a consumer touching far more distinct data subjects than it usually
//! does raises a security event and, with `[harvest] block = true`, is blocked for a while.
//!
//! Per consumer we count distinct subject hashes in fixed windows (`[harvest] window`). A
//! window's threshold is `max(min_subjects, multiplier × baseline)`, capped by `max_subjects`,
//! where the baseline is an exponentially weighted average of the consumer's earlier windows
//! that did not alarm (so a harvest never teaches the baseline). Memory stays bounded: the
//! consumers are the catalogue's fixed set, and each window's set stops growing once it has
//! crossed its threshold (and never holds more than [`MAX_TRACKED`] entries).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::HarvestSettings;

/// Hard cap on the distinct subjects remembered per consumer and window.
pub const MAX_TRACKED: usize = 1_000_000;

/// Weight of the newest quiet window in the baseline.
const BASELINE_WEIGHT: f64 = 0.2;

/// An alarm raised by one observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub consumer: String,
    pub distinct: u64,
    pub threshold: u64,
    pub baseline: Option<f64>,
    /// Whether the consumer is now blocked.
    pub blocked: bool,
}

struct Window {
    started_ms: u64,
    seen: HashSet<u64>,
    threshold: u64,
    alarmed: bool,
    baseline: Option<f64>,
}

struct Track {
    /// Blocked until this many ms after `epoch` (0: not blocked). Read without a lock.
    blocked_until_ms: AtomicU64,
    window: Mutex<Window>,
}

/// The detector for every consumer.
pub struct Harvest {
    settings: HarvestSettings,
    consumers: HashMap<String, Track>,
    epoch: Instant,
}

impl Harvest {
    /// A detector for the given consumer ids (the catalogue's fixed set).
    pub fn new<'a>(
        settings: HarvestSettings,
        consumers: impl IntoIterator<Item = &'a str>,
    ) -> Harvest {
        let first = first_threshold(&settings);
        let consumers = consumers
            .into_iter()
            .map(|id| {
                (
                    id.to_owned(),
                    Track {
                        blocked_until_ms: AtomicU64::new(0),
                        window: Mutex::new(Window {
                            started_ms: 0,
                            seen: HashSet::new(),
                            threshold: first,
                            alarmed: false,
                            baseline: None,
                        }),
                    },
                )
            })
            .collect();
        Harvest {
            settings,
            consumers,
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// How much longer `consumer` is blocked, if it is.
    pub fn blocked(&self, consumer: &str) -> Option<Duration> {
        let until = self
            .consumers
            .get(consumer)?
            .blocked_until_ms
            .load(Ordering::Relaxed);
        let now = self.now_ms();
        (until > now).then(|| Duration::from_millis(until - now))
    }

    /// Count one access by `consumer` to the subject with hash `subject_hash` (hex). Returns the
    /// alarm when this access is the one that crosses the window's threshold.
    pub fn observe(&self, consumer: &str, subject_hash: &str) -> Option<Alarm> {
        if !self.settings.enabled {
            return None;
        }
        let track = self.consumers.get(consumer)?;
        let key = u64::from_str_radix(subject_hash.get(..16)?, 16).ok()?;
        let now = self.now_ms();
        let window_ms = (self.settings.window.as_millis() as u64).max(1);
        let mut w = track.window.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_sub(w.started_ms) >= window_ms {
            self.roll(&mut w, now, window_ms);
        }
        if w.alarmed || w.seen.len() as u64 > w.threshold || w.seen.len() >= MAX_TRACKED {
            return None;
        }
        w.seen.insert(key);
        let distinct = w.seen.len() as u64;
        if distinct <= w.threshold {
            return None;
        }
        w.alarmed = true;
        let blocked = self.settings.block;
        if blocked {
            let until = now.saturating_add(self.settings.block_for.as_millis() as u64);
            track.blocked_until_ms.store(until, Ordering::Relaxed);
        }
        Some(Alarm {
            consumer: consumer.to_owned(),
            distinct,
            threshold: w.threshold,
            baseline: w.baseline,
            blocked,
        })
    }

    /// Close the current window: learn from it if it was quiet, start the next one.
    fn roll(&self, w: &mut Window, now: u64, window_ms: u64) {
        let count = w.seen.len() as f64;
        let missed = (now.saturating_sub(w.started_ms) / window_ms).saturating_sub(1);
        if !w.alarmed {
            let mut b = match w.baseline {
                None => count,
                Some(b) => b + BASELINE_WEIGHT * (count - b),
            };
            // Windows with no traffic at all count as zero.
            for _ in 0..missed.min(64) {
                b -= BASELINE_WEIGHT * b;
            }
            w.baseline = Some(b);
        }
        w.started_ms = now - (now - w.started_ms) % window_ms;
        w.seen.clear();
        if w.seen.capacity() > 4096 {
            w.seen.shrink_to(1024);
        }
        w.alarmed = false;
        w.threshold = self.threshold(w.baseline);
    }

    fn threshold(&self, baseline: Option<f64>) -> u64 {
        let s = &self.settings;
        let relative = baseline.map_or(0, |b| (b * s.multiplier).ceil() as u64);
        let t = relative.max(s.min_subjects);
        s.max_subjects.map_or(t, |m| t.min(m))
    }
}

fn first_threshold(s: &HarvestSettings) -> u64 {
    s.max_subjects
        .map_or(s.min_subjects, |m| s.min_subjects.min(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(min: u64, block: bool) -> HarvestSettings {
        HarvestSettings {
            window: Duration::from_millis(40),
            min_subjects: min,
            multiplier: 3.0,
            block,
            block_for: Duration::from_secs(60),
            ..HarvestSettings::default()
        }
    }

    fn h(i: u32) -> String {
        format!(
            "{:016x}{}",
            u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            "0".repeat(48)
        )
    }

    #[test]
    fn alarms_once_per_window_above_the_floor_and_blocks() {
        let d = Harvest::new(settings(3, true), ["c", "quiet"]);
        for i in 0..3 {
            assert_eq!(d.observe("c", &h(i)), None);
        }
        assert_eq!(d.observe("c", &h(1)), None, "repeats are not distinct");
        let alarm = d.observe("c", &h(3)).expect("4 distinct > 3");
        assert_eq!(
            (alarm.distinct, alarm.threshold, alarm.blocked),
            (4, 3, true)
        );
        assert_eq!(d.observe("c", &h(4)), None, "one alarm per window");
        assert!(d.blocked("c").is_some());
        assert!(d.blocked("quiet").is_none());
        assert_eq!(d.observe("unknown", &h(1)), None);
        assert_eq!(d.observe("c", "not-hex"), None);
    }

    #[test]
    fn baseline_follows_quiet_windows_only() {
        let d = Harvest::new(settings(2, false), ["c"]);
        // Window 1: 2 subjects, quiet → baseline 2, next threshold max(2, 6) = 6.
        d.observe("c", &h(1));
        d.observe("c", &h(2));
        std::thread::sleep(Duration::from_millis(45));
        for i in 10..16 {
            assert_eq!(d.observe("c", &h(i)), None, "6 is within 3 × baseline");
        }
        let alarm = d.observe("c", &h(16)).expect("7 > 6");
        assert_eq!(alarm.threshold, 6);
        assert!(!alarm.blocked);
        assert!(d.blocked("c").is_none(), "block = false only alarms");
    }

    #[test]
    fn max_subjects_caps_the_threshold() {
        let mut s = settings(1000, false);
        s.max_subjects = Some(2);
        let d = Harvest::new(s, ["c"]);
        d.observe("c", &h(1));
        d.observe("c", &h(2));
        assert!(d.observe("c", &h(3)).is_some());
    }
}
