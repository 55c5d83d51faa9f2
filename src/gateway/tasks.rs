//! The gateway's background tasks under one `CancellationToken` and one `TaskTracker`: the
//! reloader, limiter pruning, the TLS and JWKS refreshers, ranking rollups, partition upkeep,
//! the daily readiness probes and the audit writer. Shutdown cancels them together and waits for
//! them, so `serve` and in-process tests end cleanly. A tracked task (the audit writer) that ends
//! on its own before shutdown — a panic, a bug — fires [`Tasks::died`]: the server then stops and
//! `dxgate serve` exits non-zero, so the supervisor restarts a process that could only answer 503.

use std::future::Future;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Gateway;
use crate::audit::{now_ms, Store};

/// How often stale keys are pruned from keyed rate limiters.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// How often replicas make sure next months' partitions exist (PostgreSQL).
const PARTITION_CHECK: Duration = Duration::from_secs(6 * 3600);
/// Months of partitions kept ready ahead of time.
pub(super) const PARTITIONS_AHEAD: u32 = 2;

/// The token and tracker every background task runs under.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    cancel: CancellationToken,
    tracker: TaskTracker,
    died: CancellationToken,
}

impl Tasks {
    /// Run `task` until it ends or the tasks are cancelled.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let cancel = self.cancel.clone();
        self.tracker.spawn(async move {
            cancel.run_until_cancelled(task).await;
        });
    }

    /// Run `task`, which watches [`Tasks::token`] itself so that it can finish its work at
    /// shutdown (the rejection summaries' last commit).
    pub fn spawn_own(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.tracker.spawn(task);
    }

    /// Track a task that must not be cancelled but finishes on its own (the audit writer,
    /// which commits what is queued once the last handle is gone).
    pub fn track(&self, handle: tokio::task::JoinHandle<()>) {
        let (cancel, died) = (self.cancel.clone(), self.died.clone());
        self.tracker.spawn(async move {
            let ended = handle.await;
            if ended.is_err() || !cancel.is_cancelled() {
                tracing::error!(
                    panicked = ended.is_err(),
                    "a vital task (the audit writer) ended before shutdown; stopping"
                );
                died.cancel();
            }
        });
    }

    /// Resolves when a tracked task has ended before shutdown (see the module doc).
    pub async fn died(&self) {
        self.died.cancelled().await;
    }

    /// Whether a tracked task has ended before shutdown.
    pub fn has_died(&self) -> bool {
        self.died.is_cancelled()
    }

    /// Cancel every task and accept no more; [`Tasks::wait`] then waits for them.
    pub fn cancel(&self) {
        self.cancel.cancel();
        self.tracker.close();
    }

    /// Resolves once every task has ended (after [`Tasks::cancel`]).
    pub async fn wait(&self) {
        self.tracker.wait().await;
    }

    /// Cancelled when the gateway shuts down.
    pub fn token(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

/// Start every background task of `gw`. The tasks hold the gateway weakly: they also end if
/// it is dropped without a shutdown.
pub(super) fn spawn_all(gw: &Arc<Gateway>) {
    let tasks = &gw.tasks;
    if let Some(tls) = &gw.tls {
        tasks.spawn(tls.reloader(gw.security.clone()));
    }
    if let Some(jwt) = &gw.auth.jwt {
        tasks.spawn(jwt.jwks.refresher());
    }
    tasks.spawn(prune(Arc::downgrade(gw)));
    tasks.spawn_own(summaries(gw, tasks.token()));
    tasks.spawn(gw.ranking.clone().run());
    tasks.spawn(keep_partitions(gw.store.clone()));
    tasks.spawn(super::reload::reloader(gw, gw.settings.server.reload_poll));
    if gw.settings.probes.enabled {
        let base = (tokio::time::Instant::now(), now_ms());
        tasks.spawn(probes(Arc::downgrade(gw), base));
    }
}

/// The daily readiness probe at `[probes] at` local time. Deadlines are set on tokio's clock,
/// anchored when the task is spawned (`base`: tokio's now and the wall clock's), so tests can
/// move them on paused time.
async fn probes(gw: Weak<Gateway>, base: (tokio::time::Instant, i64)) {
    let (base_instant, base_ms) = base;
    // The last scheduled time probed: the next one is the following day's.
    let mut last = i64::MIN;
    loop {
        let Some(at) = gw
            .upgrade()
            .and_then(|g| g.settings.probes.next_ms(now_ms().max(last)))
        else {
            return;
        };
        let offset = Duration::from_millis((at - base_ms).max(0) as u64);
        tokio::time::sleep_until(base_instant + offset).await;
        last = at;
        let Some(gw) = gw.upgrade() else { return };
        let results = crate::server::pipeline::probe::probe_all(&gw).await;
        let probed = results.iter().filter(|r| r.request_id.is_some()).count();
        let served = results.iter().filter(|r| r.outcome == "served").count();
        tracing::info!(probed, served, "readiness probes done");
    }
}

/// governor's keyed limiters never forget a key on their own.
async fn prune(gw: Weak<Gateway>) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(gw) = gw.upgrade() else { return };
        gw.snapshot().runtime.prune_limiters();
        if let Some(l) = &gw.client_limit {
            l.prune();
        }
    }
}

/// Commit the open rejection summaries every `[audit] summary_every`, and once more at
/// shutdown (the audit writer lives until this task lets its handle go). A summary the store
/// could not take is kept and tried again: its count must not be lost.
fn summaries(gw: &Arc<Gateway>, stop: CancellationToken) -> impl Future<Output = ()> + Send {
    let (audit, rejections) = (gw.audit.clone(), gw.rejections.clone());
    let every = gw.settings.audit.summary_every;
    async move {
        let mut pending = Vec::new();
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            let last = tokio::select! {
                _ = tick.tick() => false,
                () = stop.cancelled() => true,
            };
            pending.extend(rejections.take(now_ms()));
            let tries = std::mem::take(&mut pending).into_iter().map(|e| {
                let audit = audit.clone();
                async move { audit.record(e.clone()).await.err().map(|err| (e, err)) }
            });
            for (e, err) in futures_util::future::join_all(tries)
                .await
                .into_iter()
                .flatten()
            {
                tracing::error!(error = %err, id = %e.request_id, "rejection summary not committed; will retry");
                pending.push(e);
            }
            if last {
                return;
            }
        }
    }
}

/// Keep next months' partitions ready; a failure is logged (the DEFAULT partition still takes
/// the records, so nothing fails closed because of it).
async fn keep_partitions(store: Store) {
    let mut tick = tokio::time::interval(PARTITION_CHECK);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = store.ensure_partitions(now_ms(), PARTITIONS_AHEAD).await {
            tracing::warn!(error = %e, "could not prepare next months' audit partitions");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tracked_task_that_panics_or_ends_early_is_reported_dead() {
        let tasks = Tasks::default();
        tasks.track(tokio::spawn(async { panic!("writer bug") }));
        tasks.died().await;
        assert!(tasks.has_died());

        let tasks = Tasks::default();
        tasks.track(tokio::spawn(async {}));
        tasks.died().await;
        assert!(tasks.has_died());
    }

    #[tokio::test]
    async fn a_tracked_task_that_ends_at_shutdown_is_not() {
        let tasks = Tasks::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tasks.track(tokio::spawn(async move {
            let _ = rx.await;
        }));
        tasks.cancel();
        drop(tx);
        tasks.wait().await;
        assert!(!tasks.has_died());
    }
}
