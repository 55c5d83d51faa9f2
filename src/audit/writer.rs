//! The group-commit writer: one task owns the chain head and appends batches.
//!
//! Requests hand their [`Entry`] to [`AuditWriter::record`] and wait. The task takes whatever
//! has queued up (up to `batch_max`), chains it, extends the chain's Merkle tree, commits it in
//! one transaction, and only then releases every waiting request. If the commit fails every
//! request in the batch gets an error (and answers 503): nothing is served without its
//! committed record. Every `every` records (in the same transaction) or, when idle, every
//! `interval`, the task signs a checkpoint of its chain's head: O(1) work per batch.
//!
//! After a failed commit the writer is *failing* (not ready) and, with no traffic needed,
//! probes the store every [`PROBE_EVERY`] (re-read head and tree, [`Store::probe_head`]); the
//! first probe that commits clears the flag. [`WriterStats::stopped`]: the task has ended.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use super::chain::Head;
use super::checkpoint::SignedCheckpoint;
use super::merkle::{leaf_hash, range_parts, Frontier, Subtree};
use super::store::Batch;
use super::{now_ms, Digest, Entry, Store, StoreError, StoredRecord};

/// How often a failing writer probes the store (readiness returns within this of the store).
pub const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Longest a request waits for its commit before answering 503 (a later commit: logged, unserved).
pub const RECORD_WAIT: Duration = Duration::from_secs(10);

/// Why a record could not be committed. Always answered with 503.
#[derive(Debug, thiserror::Error, Clone)]
pub enum AuditError {
    #[error("the audit log is not accepting records (queue full)")]
    QueueFull,
    #[error("the audit writer has stopped")]
    Stopped,
    #[error("the audit record was not committed within {0:?}")]
    Timeout(Duration),
    #[error("the audit store failed: {0}")]
    Store(String),
    #[error("the stored audit chain does not extend the signed checkpoints: {0}")]
    Unanchored(String),
}

struct Job {
    entry: Entry,
    done: oneshot::Sender<Result<(), AuditError>>,
}

/// Handle to the writer task; cheap to clone.
#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Job>,
    stats: Arc<WriterStats>,
}

impl AuditWriter {
    /// Start the writer. The task ends when every handle is dropped, after committing what is
    /// queued (and checkpointing it).
    pub async fn start_with(
        store: Store,
        config: WriterConfig,
    ) -> Result<(AuditWriter, tokio::task::JoinHandle<()>), StoreError> {
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let stats = Arc::new(WriterStats::default());
        let mut task = Task {
            store,
            node_id: config.node_id,
            head: Head::genesis(),
            tree: Frontier::default(),
            checkpointed: 0,
            last_checkpoint: Instant::now(),
            policy: config.checkpoints,
            batch_max: config.batch_max.max(1),
            stats: stats.clone(),
            stale_head: false,
            signed_last: None,
            unanchored: None,
        };
        task.load().await?;
        let stopped = StoppedOnDrop(stats.clone());
        let handle = tokio::spawn(async move {
            let _stopped = stopped;
            task.run(rx).await;
        });
        Ok((AuditWriter { tx, stats }, handle))
    }

    /// Commit `entry`; returns once it is durable in the store.
    pub async fn record(&self, entry: Entry) -> Result<(), AuditError> {
        let (done, wait) = oneshot::channel();
        self.tx.try_send(Job { entry, done }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => AuditError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => AuditError::Stopped,
        })?;
        match tokio::time::timeout(RECORD_WAIT, wait).await {
            Ok(done) => done.unwrap_or(Err(AuditError::Stopped)),
            Err(_) => Err(AuditError::Timeout(RECORD_WAIT)),
        }
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Records waiting for the writer right now.
    pub fn queue_depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }
}

/// Marks the writer stopped when its task ends, however it ends (a panic unwinds through it).
struct StoppedOnDrop(Arc<WriterStats>);

impl Drop for StoppedOnDrop {
    fn drop(&mut self) {
        self.0.stopped.store(true, Ordering::Relaxed);
        self.0.failing.store(true, Ordering::Relaxed);
    }
}

struct Task {
    store: Store,
    node_id: String,
    head: Head,
    /// The chain's Merkle tree right edge, always at `head.seq` leaves.
    tree: Frontier,
    /// Tree size of the last checkpoint.
    checkpointed: u64,
    last_checkpoint: Instant,
    policy: Option<CheckpointPolicy>,
    batch_max: usize,
    stats: Arc<WriterStats>,
    /// After a failed commit we cannot know whether it landed: re-read the head first.
    stale_head: bool,
    /// Size and root of the checkpoint this writer signed last (in this process).
    signed_last: Option<(u64, Digest)>,
    /// Why the stored chain does not extend the signed checkpoints (see `writer/anchor.rs`).
    unanchored: Option<String>,
}

impl Task {
    /// Read the head and rebuild the tree's right edge from the store: O(log n) reads, plus a
    /// one-off pass over the chain if its stored subtrees are missing (an upgraded store).
    async fn load(&mut self) -> Result<(), StoreError> {
        self.store.ensure_chain(&self.node_id).await?;
        let head = self.store.head(&self.node_id).await?;
        let size = head.seq as u64;
        let parts = range_parts(0, size);
        let hashes = match self.store.subtree_hashes(&self.node_id, &parts).await {
            Ok(h) => h,
            Err(StoreError::MissingLeaves { .. }) => {
                tracing::warn!(node = %self.node_id, records = size, "rebuilding the chain's Merkle tree");
                self.rebuild_tree(size).await?;
                self.store.subtree_hashes(&self.node_id, &parts).await?
            }
            Err(e) => return Err(e),
        };
        self.tree = Frontier::from_parts(size, &hashes)
            .ok_or_else(|| StoreError::Corrupt("tree parts".into()))?;
        self.checkpointed = match self.store.latest_checkpoint(&self.node_id).await? {
            Some(cp) => cp.tree_size as u64,
            None => 0,
        };
        self.head = head;
        self.check_anchor().await
    }

    async fn rebuild_tree(&self, size: u64) -> Result<(), StoreError> {
        const PAGE: u64 = 10_000;
        let mut f = Frontier::default();
        let mut nodes: Vec<(Subtree, Digest)> = Vec::new();
        while f.size() < size {
            let to = (f.size() + PAGE).min(size);
            for leaf in self.store.leaves(&self.node_id, f.size(), to).await? {
                f.push(leaf, |s, h| nodes.push((s, h)));
            }
        }
        self.store.insert_tree_nodes(&self.node_id, &nodes).await
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut jobs: Vec<Job> = Vec::with_capacity(self.batch_max);
        let mut waiting = Vec::with_capacity(self.batch_max);
        let interval = self.policy.as_ref().map_or(Duration::from_secs(3600), |p| {
            p.interval.max(Duration::from_millis(10))
        });
        // Look four times per interval, so an idle chain is signed within 1.25 intervals.
        let mut tick = tokio::time::interval(interval / 4);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut probe = tokio::time::interval(PROBE_EVERY);
        probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                n = rx.recv_many(&mut jobs, self.batch_max) => {
                    if n == 0 {
                        break;
                    }
                    let entries = jobs
                        .drain(..)
                        .map(|job| {
                            waiting.push(job.done);
                            job.entry
                        })
                        .collect();
                    let result = self.commit(entries).await;
                    for done in waiting.drain(..) {
                        let _ = done.send(result.clone());
                    }
                }
                _ = tick.tick() => {
                    if self.last_checkpoint.elapsed() >= interval {
                        self.checkpoint_now().await;
                    }
                }
                _ = probe.tick(), if self.stale_head => self.probe().await,
            }
        }
        self.checkpoint_now().await;
        tracing::info!(node = %self.node_id, "audit writer stopped: queue drained");
    }

    /// While failing: re-read the head and check that a commit on it would go through.
    async fn probe(&mut self) {
        let result = match self.load().await {
            Ok(()) => self.store.probe_head(&self.node_id, &self.head).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                self.stale_head = false;
                self.stats.failing.store(false, Ordering::Relaxed);
                tracing::info!(node = %self.node_id, seq = self.head.seq, "audit store is back: accepting records");
            }
            Err(e) => tracing::debug!(error = %e, "audit store probe failed; still failing closed"),
        }
    }

    /// A checkpoint of the committed head, if it has grown since the last one.
    fn due_checkpoint(
        &self,
        tree: &Frontier,
        head: &Head,
        force: bool,
    ) -> Option<SignedCheckpoint> {
        let p = self.policy.as_ref()?;
        let pending = tree.size().saturating_sub(self.checkpointed);
        if pending == 0 || (!force && pending < p.every.max(1)) {
            return None;
        }
        Some(SignedCheckpoint::new(
            &p.signer,
            &p.origin,
            &self.node_id,
            tree.size(),
            tree.root(),
            head.hash,
            now_ms(),
        ))
    }

    /// Sign and store a checkpoint of what is committed (the idle timer and shutdown).
    async fn checkpoint_now(&mut self) {
        if self.stale_head || self.unanchored.is_some() {
            return;
        }
        let Some(cp) = self.due_checkpoint(&self.tree, &self.head, true) else {
            return;
        };
        match self.store.insert_checkpoint(&cp).await {
            Ok(()) => self.checkpoint_done(&cp).await,
            Err(e) => tracing::error!(error = %e, "audit checkpoint not stored; will retry"),
        }
    }

    async fn checkpoint_done(&mut self, cp: &SignedCheckpoint) {
        self.write_anchor(cp.tree_size as u64, cp.root_hash, &cp.note)
            .await;
        self.checkpointed = cp.tree_size as u64;
        self.last_checkpoint = Instant::now();
        self.stats.checkpoints.fetch_add(1, Ordering::Relaxed);
    }

    /// Chain `entries` after the head and commit them in one transaction.
    async fn commit(&mut self, entries: Vec<Entry>) -> Result<(), AuditError> {
        if self.stale_head || self.unanchored.is_some() {
            match self.load().await {
                Ok(()) => self.stale_head = false,
                Err(e) => {
                    self.stats.failed_batches.fetch_add(1, Ordering::Relaxed);
                    return Err(AuditError::Store(e.to_string()));
                }
            }
        }
        if let Some(why) = &self.unanchored {
            self.stats.failed_batches.fetch_add(1, Ordering::Relaxed);
            return Err(AuditError::Unanchored(why.clone()));
        }
        let mut head = self.head.clone();
        let mut tree = self.tree.clone();
        let mut nodes: Vec<(Subtree, Digest)> = Vec::new();
        let records: Vec<StoredRecord> = entries
            .into_iter()
            .map(|entry| {
                let r = head.extend(&self.node_id, entry);
                tree.push(leaf_hash(r.hash.as_bytes()), |s, h| nodes.push((s, h)));
                r
            })
            .collect();
        let checkpoint = self.due_checkpoint(&tree, &head, false);
        let batch = Batch {
            node_id: &self.node_id,
            records: &records,
            tree_nodes: &nodes,
            head_before: &self.head,
            head_after: &head,
            checkpoint: checkpoint.as_ref(),
        };
        match self.store.append_batch(&batch).await {
            Ok(()) => {
                self.head = head;
                self.tree = tree;
                if let Some(cp) = &checkpoint {
                    self.checkpoint_done(cp).await;
                }
                let n = records.len() as u64;
                self.stats.committed_records.fetch_add(n, Ordering::Relaxed);
                self.stats.committed_batches.fetch_add(1, Ordering::Relaxed);
                self.stats.max_batch.fetch_max(n, Ordering::Relaxed);
                self.stats.batch_sizes.observe(n);
                self.stats.failing.store(false, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, records = records.len(), "audit commit failed; failing closed");
                self.stale_head = true;
                self.stats.failed_batches.fetch_add(1, Ordering::Relaxed);
                self.stats.failing.store(true, Ordering::Relaxed);
                Err(AuditError::Store(e.to_string()))
            }
        }
    }
}

mod anchor;
mod config;
mod stats;
pub use config::{CheckpointPolicy, WriterConfig};
pub use stats::WriterStats;
#[cfg(test)]
mod tests;
