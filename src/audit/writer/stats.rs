//! The writer's counters and flags, read by `/readyz`, `/metrics` and benchmarks.

use std::sync::atomic::{AtomicBool, AtomicU64};

use crate::telemetry::Histogram;

/// Batch-size buckets for the commit histogram.
static BATCH_SIZES: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// Counters the writer keeps (for `/metrics` and benchmarks).
#[derive(Debug)]
pub struct WriterStats {
    pub committed_records: AtomicU64,
    pub committed_batches: AtomicU64,
    pub failed_batches: AtomicU64,
    pub max_batch: AtomicU64,
    /// Records per committed transaction.
    pub batch_sizes: Histogram,
    /// The last commit attempt failed (readiness turns false until one succeeds).
    pub failing: AtomicBool,
    /// Signed checkpoints written.
    pub checkpoints: AtomicU64,
    /// The stored chain does not extend the writer's signed checkpoints: nothing is recorded.
    pub unanchored: AtomicBool,
    /// The writer task has ended (shutdown, or a panic): nothing more will be committed.
    pub stopped: AtomicBool,
}

impl Default for WriterStats {
    fn default() -> Self {
        WriterStats {
            committed_records: AtomicU64::new(0),
            committed_batches: AtomicU64::new(0),
            failed_batches: AtomicU64::new(0),
            max_batch: AtomicU64::new(0),
            batch_sizes: Histogram::new(&BATCH_SIZES),
            failing: AtomicBool::new(false),
            checkpoints: AtomicU64::new(0),
            unanchored: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }
}
