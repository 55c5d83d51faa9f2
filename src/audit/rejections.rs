//! Rejections counted instead of recorded one by one. Unauthenticated and rate-limited data
//! requests cost an attacker nothing, so recording each would let one client fill the writer's
//! queue (everyone gets 503) or the disk. Each client — its prefix, the consumer it named if
//! any, and the outcome — gets `allowance` full records per `window`; past that its rejections
//! are counted in an open *summary* (count, first and last time, last status), and every
//! `summary_every` (and at shutdown) each open summary is committed as one
//! `rejection_summary` event record whose id was the `Request-Id` of every rejection it counts.
//! Every request is still accounted for: full records plus summary counts.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::{Entry, Event, EventKind, Outcome};

/// Most clients tracked at once; rejections from further clients share one `*` summary per
/// outcome, so a flood from many addresses cannot grow memory without bound.
const MAX_CLIENTS: usize = 100_000;

/// Who was rejected how.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RejectionKey {
    /// The client prefix (`192.0.2.7`, `2001:db8:1:2::/64`), or `*` past [`MAX_CLIENTS`].
    pub client: String,
    /// The consumer the request authenticated as, if it got that far.
    pub consumer: Option<String>,
    pub outcome: Outcome,
}

/// What to do with one rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Within the allowance: record it like any request.
    Record,
    /// Counted in the open summary with this record id (its `Request-Id`).
    Counted(String),
}

#[derive(Debug)]
struct Bucket {
    window_start: Instant,
    recorded: u32,
    open: Option<Summary>,
}

#[derive(Debug)]
struct Summary {
    id: String,
    count: u64,
    first_ms: i64,
    last_ms: i64,
    status: u16,
}

/// The rejection accounts of one gateway (runtime state, kept across reloads).
#[derive(Debug)]
pub struct Rejections {
    allowance: u32,
    window: Duration,
    buckets: Mutex<HashMap<RejectionKey, Bucket>>,
}

impl Rejections {
    /// `allowance` full records per client per `window`.
    pub fn new(allowance: u32, window: Duration) -> Rejections {
        Rejections {
            allowance,
            window,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Account for one rejection of `key` at `now_ms` answered with `status`.
    pub fn admit(&self, mut key: RejectionKey, now_ms: i64, status: u16) -> Admission {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&key) {
            key = RejectionKey {
                client: "*".into(),
                consumer: None,
                outcome: key.outcome,
            };
        }
        let b = buckets.entry(key).or_insert(Bucket {
            window_start: now,
            recorded: 0,
            open: None,
        });
        if now.duration_since(b.window_start) >= self.window {
            b.window_start = now;
            b.recorded = 0;
        }
        if b.recorded < self.allowance {
            b.recorded += 1;
            return Admission::Record;
        }
        let s = b.open.get_or_insert_with(|| Summary {
            id: uuid::Uuid::now_v7().to_string(),
            count: 0,
            first_ms: now_ms,
            last_ms: now_ms,
            status,
        });
        s.count += 1;
        s.last_ms = now_ms;
        s.status = status;
        Admission::Counted(s.id.clone())
    }

    /// Close every open summary into its event record (to commit now), and forget clients
    /// whose window has passed with nothing open.
    pub fn take(&self, now_ms: i64) -> Vec<Entry> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = Vec::new();
        for (key, b) in buckets.iter_mut() {
            if let Some(s) = b.open.take() {
                out.push(summary_entry(key, s, self, now_ms));
            }
        }
        buckets.retain(|_, b| now.duration_since(b.window_start) < self.window);
        out
    }
}

fn summary_entry(key: &RejectionKey, s: Summary, r: &Rejections, now_ms: i64) -> Entry {
    let facts = json!({
        "client": key.client,
        "outcome": key.outcome.as_str(),
        "count": s.count,
        "first_ms": s.first_ms,
        "last_ms": s.last_ms,
        "status": s.status,
        "allowance": r.allowance,
        "window_s": r.window.as_secs(),
    });
    let event = Event::new(EventKind::RejectionSummary, facts).expect("an object");
    let mut e = Entry::event(now_ms, event);
    e.request_id = s.id;
    e.consumer = key.consumer.clone();
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(client: &str, outcome: Outcome) -> RejectionKey {
        RejectionKey {
            client: client.into(),
            consumer: None,
            outcome,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_allowance_rejections_are_counted_in_one_summary_per_client() {
        let r = Rejections::new(2, Duration::from_secs(60));
        let a = key("192.0.2.1", Outcome::Unauthenticated);
        assert_eq!(r.admit(a.clone(), 1, 401), Admission::Record);
        assert_eq!(r.admit(a.clone(), 2, 401), Admission::Record);
        let Admission::Counted(id) = r.admit(a.clone(), 3, 401) else {
            panic!("past the allowance")
        };
        for t in 4..=10 {
            assert_eq!(r.admit(a.clone(), t, 401), Admission::Counted(id.clone()));
        }
        // Another client and another outcome have their own allowance.
        let b = key("192.0.2.2", Outcome::Unauthenticated);
        assert_eq!(r.admit(b, 11, 401), Admission::Record);
        let c = key("192.0.2.1", Outcome::RateLimited);
        assert_eq!(r.admit(c, 12, 429), Admission::Record);

        let taken = r.take(20);
        assert_eq!(taken.len(), 1);
        let e = &taken[0];
        assert_eq!(e.request_id, id);
        let facts = e.event.as_ref().unwrap().facts();
        assert_eq!(facts["count"], 8);
        assert_eq!(
            (facts["first_ms"].clone(), facts["last_ms"].clone()),
            (json!(3), json!(10))
        );
        assert_eq!(facts["client"], "192.0.2.1");
        assert_eq!(facts["outcome"], "unauthenticated");
        // Still past the allowance in this window: a new summary with a new id.
        let Admission::Counted(next) = r.admit(a.clone(), 21, 401) else {
            panic!("still past the allowance")
        };
        assert_ne!(next, id);
        // A new window gives the allowance back.
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(r.admit(a, 30, 401), Admission::Record);
    }
}
