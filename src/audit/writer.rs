//! The group-commit writer: one task owns the chain head and appends batches.
//!
//! Requests hand their [`Entry`] to [`AuditWriter::record`] and wait. The task takes whatever
//! has queued up (up to `batch_max`), chains it, commits it in one transaction, and only then
//! releases every waiting request. If the commit fails every request in the batch gets an
//! error (and answers 503): nothing is served without its committed record.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::chain::{record_hash, Head};
use super::{Entry, Store, StoreError, StoredRecord};
use crate::telemetry::Histogram;

/// Why a record could not be committed. Always answered with 503.
#[derive(Debug, thiserror::Error, Clone)]
pub enum AuditError {
    #[error("the audit log is not accepting records (queue full)")]
    QueueFull,
    #[error("the audit writer has stopped")]
    Stopped,
    #[error("the audit store failed: {0}")]
    Store(String),
}

/// Batch-size buckets for the commit histogram.
static BATCH_SIZES: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// Counters the writer keeps (for `/metrics` and benchmarks).
#[derive(Debug)]
pub struct WriterStats {
    pub committed_records: AtomicU64,
    pub committed_batches: AtomicU64,
    pub failed_batches: AtomicU64,
    pub max_batch: AtomicU64,
    pub queued: AtomicU64,
    /// Records per committed transaction.
    pub batch_sizes: Histogram,
    /// The last commit attempt failed (readiness turns false until one succeeds).
    pub failing: AtomicBool,
}

impl Default for WriterStats {
    fn default() -> Self {
        WriterStats {
            committed_records: AtomicU64::new(0),
            committed_batches: AtomicU64::new(0),
            failed_batches: AtomicU64::new(0),
            max_batch: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            batch_sizes: Histogram::new(&BATCH_SIZES),
            failing: AtomicBool::new(false),
        }
    }
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
    node_id: Arc<str>,
}

impl AuditWriter {
    /// Start the writer for `node_id`'s chain. The task ends when every handle is dropped,
    /// after committing what is queued.
    pub async fn start(
        store: Store,
        node_id: &str,
        batch_max: usize,
        queue_capacity: usize,
    ) -> Result<(AuditWriter, tokio::task::JoinHandle<()>), StoreError> {
        let head = store.head(node_id).await?;
        let (tx, rx) = mpsc::channel(queue_capacity.max(1));
        let stats = Arc::new(WriterStats::default());
        let task = Task {
            store,
            node_id: node_id.to_owned(),
            head,
            batch_max: batch_max.max(1),
            stats: stats.clone(),
            stale_head: false,
        };
        let handle = tokio::spawn(task.run(rx));
        Ok((
            AuditWriter {
                tx,
                stats,
                node_id: node_id.into(),
            },
            handle,
        ))
    }

    /// Commit `entry`; returns once it is durable in the store.
    pub async fn record(&self, entry: Entry) -> Result<(), AuditError> {
        let (done, wait) = oneshot::channel();
        self.tx.try_send(Job { entry, done }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => AuditError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => AuditError::Stopped,
        })?;
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        wait.await.unwrap_or(Err(AuditError::Stopped))
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// Records waiting for the writer right now.
    pub fn queue_depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }
}

struct Task {
    store: Store,
    node_id: String,
    head: Head,
    batch_max: usize,
    stats: Arc<WriterStats>,
    /// After a failed commit we cannot know whether it landed: re-read the head first.
    stale_head: bool,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut jobs: Vec<Job> = Vec::with_capacity(self.batch_max);
        while rx.recv_many(&mut jobs, self.batch_max).await > 0 {
            self.stats
                .queued
                .fetch_sub(jobs.len() as u64, Ordering::Relaxed);
            let result = self.commit(&mut jobs).await;
            for job in jobs.drain(..) {
                let _ = job.done.send(result.clone());
            }
        }
        tracing::info!(node = %self.node_id, "audit writer stopped: queue drained");
    }

    async fn commit(&mut self, jobs: &mut [Job]) -> Result<(), AuditError> {
        if self.stale_head {
            match self.store.head(&self.node_id).await {
                Ok(h) => {
                    self.head = h;
                    self.stale_head = false;
                }
                Err(e) => {
                    self.stats.failed_batches.fetch_add(1, Ordering::Relaxed);
                    return Err(AuditError::Store(e.to_string()));
                }
            }
        }
        let mut head = self.head.clone();
        let records: Vec<StoredRecord> = jobs
            .iter_mut()
            .map(|job| {
                let seq = head.seq + 1;
                let hash = record_hash(&head.hash, &self.node_id, seq, &job.entry);
                let prev = std::mem::replace(
                    &mut head,
                    Head {
                        seq,
                        hash: hash.clone(),
                    },
                );
                StoredRecord {
                    node_id: self.node_id.clone(),
                    seq,
                    prev_hash: prev.hash,
                    hash,
                    // The entry is only needed for the insert; take it out of the job.
                    entry: std::mem::replace(&mut job.entry, placeholder()),
                }
            })
            .collect();
        match self.store.append(&records).await {
            Ok(()) => {
                self.head = head;
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

fn placeholder() -> Entry {
    Entry {
        request_id: String::new(),
        ts_ms: 0,
        consumer: None,
        agency: None,
        dataset: None,
        method: String::new(),
        purpose: None,
        outcome: super::Outcome::Served,
        status: 0,
        justification: None,
        request_schema: super::SchemaResult::NotChecked,
        response_schema: super::SchemaResult::NotChecked,
        request_sha256: None,
        response_sha256: None,
        latency_us: 0,
        source_latency_us: None,
        detail: None,
        subject_hash: None,
    }
}
