//! The bulk-harvest alarm: a consumer touching far more distinct data subjects than it usually
//! does raises a security event and, with `[harvest] block = true`, is blocked for a while.
//!
//! Per consumer we count distinct subject hashes in fixed windows (`[harvest] window`). A
//! window's threshold is `max(min_subjects, multiplier × baseline)`, capped by `max_subjects`,
//! where the baseline is an exponentially weighted average of the consumer's earlier windows
//! that did not alarm (so a harvest never teaches the baseline). Memory stays bounded: the
//! consumers are the catalogue's set, and each window's set stops growing once it has crossed
//! its threshold (and never holds more than [`MAX_TRACKED`] entries).
//!
//! The alarm is runtime state: a reload builds the next [`Harvest`] with [`Harvest::carry`], so
//! windows, baselines and blocks continue and a consumer added by the reload is watched from
//! then on. Time is tokio's clock, so tests drive windows with paused time.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

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

impl Track {
    /// A consumer seen from `now_ms` on: its first window starts then.
    fn new(now_ms: u64, threshold: u64) -> Arc<Track> {
        Arc::new(Track {
            blocked_until_ms: AtomicU64::new(0),
            window: Mutex::new(Window {
                started_ms: now_ms,
                seen: HashSet::new(),
                threshold,
                alarmed: false,
                baseline: None,
            }),
        })
    }
}

/// The detector for every consumer of one catalogue.
pub struct Harvest {
    settings: HarvestSettings,
    consumers: HashMap<String, Arc<Track>>,
    epoch: Instant,
}

impl Harvest {
    /// A detector for the given consumer ids (the catalogue's set).
    pub fn new<'a>(
        settings: HarvestSettings,
        consumers: impl IntoIterator<Item = &'a str>,
    ) -> Harvest {
        let first = first_threshold(&settings);
        let consumers = consumers
            .into_iter()
            .map(|id| (id.to_owned(), Track::new(0, first)))
            .collect();
        Harvest {
            settings,
            consumers,
            epoch: Instant::now(),
        }
    }

    /// The detector for a reloaded catalogue's `consumers`: a consumer known before keeps its
    /// window, baseline and block; a new one is watched from now; a removed one is dropped.
    pub fn carry<'a>(&self, consumers: impl IntoIterator<Item = &'a str>) -> Harvest {
        let now = self.now_ms();
        let first = first_threshold(&self.settings);
        let consumers = consumers
            .into_iter()
            .map(|id| {
                let track = match self.consumers.get(id) {
                    Some(t) => t.clone(),
                    None => Track::new(now, first),
                };
                (id.to_owned(), track)
            })
            .collect();
        Harvest {
            settings: self.settings.clone(),
            consumers,
            epoch: self.epoch,
        }
    }

    /// Whether `consumer` is watched (it is one of the catalogue's consumers).
    pub fn watches(&self, consumer: &str) -> bool {
        self.consumers.contains_key(consumer)
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

    #[tokio::test(start_paused = true)]
    async fn baseline_follows_quiet_windows_only() {
        let d = Harvest::new(settings(2, false), ["c"]);
        // Window 1: 2 subjects, quiet → baseline 2, next threshold max(2, 6) = 6.
        d.observe("c", &h(1));
        d.observe("c", &h(2));
        tokio::time::advance(Duration::from_millis(40)).await;
        for i in 10..16 {
            assert_eq!(d.observe("c", &h(i)), None, "6 is within 3 × baseline");
        }
        let alarm = d.observe("c", &h(16)).expect("7 > 6");
        assert_eq!(alarm.threshold, 6);
        assert!(!alarm.blocked);
        assert!(d.blocked("c").is_none(), "block = false only alarms");
    }

    #[tokio::test(start_paused = true)]
    async fn carry_keeps_windows_and_blocks_and_watches_newcomers() {
        let d = Harvest::new(settings(2, true), ["c", "gone"]);
        d.observe("c", &h(1));
        d.observe("c", &h(2));
        let next = d.carry(["c", "new"]);
        assert!(!next.watches("gone"));
        assert!(
            next.observe("c", &h(3)).is_some(),
            "the window went on: 3 > 2"
        );
        assert!(next.blocked("c").is_some(), "and the block holds");
        tokio::time::advance(Duration::from_millis(30)).await;
        let later = next.carry(["c", "late"]);
        for i in 0..2 {
            assert_eq!(later.observe("late", &h(i)), None);
        }
        tokio::time::advance(Duration::from_millis(15)).await;
        assert!(
            later.observe("late", &h(2)).is_some(),
            "a newcomer's first window starts when it is added (15 ms ago), not at start (45 ms)"
        );
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
