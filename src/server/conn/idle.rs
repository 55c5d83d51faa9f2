//! Idle tracking for one connection: how many of its requests are in flight and since when
//! none has been. `server::run` closes a connection (gracefully: HTTP/2 GOAWAY, or HTTP/1.1
//! close between requests) once [`Activity::idle_for`] resolves.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The requests in flight on one connection.
#[derive(Debug)]
pub struct Activity {
    state: Mutex<(usize, Instant)>,
    changed: Notify,
}

/// One request in flight; dropping it marks the end of the request.
#[derive(Debug)]
pub struct Busy(Arc<Activity>);

impl Default for Activity {
    fn default() -> Self {
        Activity {
            state: Mutex::new((0, Instant::now())),
            changed: Notify::new(),
        }
    }
}

impl Activity {
    /// A request started; hold the guard until it has its answer.
    pub fn busy(self: &Arc<Self>) -> Busy {
        self.update(|n| n + 1);
        Busy(self.clone())
    }

    fn update(&self, f: impl FnOnce(usize) -> usize) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *s = (f(s.0), Instant::now());
        drop(s);
        self.changed.notify_waiters();
    }

    /// Resolves once no request has been in flight for `limit`.
    pub async fn idle_for(&self, limit: Duration) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (busy, since) = *self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if busy > 0 {
                notified.await;
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep_until(since + limit) => return,
                () = notified => {}
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.update(|n| n - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_only_counts_time_with_nothing_in_flight() {
        let a = Arc::new(Activity::default());
        let limit = Duration::from_secs(10);
        let busy = a.busy();
        let waiter = tokio::spawn({
            let a = a.clone();
            async move {
                a.idle_for(limit).await;
                Instant::now()
            }
        });
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert!(!waiter.is_finished(), "a busy connection is not idle");
        let freed = Instant::now();
        drop(busy);
        let idle_at = waiter.await.unwrap();
        assert_eq!(idle_at - freed, limit);
    }
}
