//! Audit ingestion benchmark: how many records per second the group-commit writer makes
//! durable, on SQLite (WAL, synchronous=FULL) and PostgreSQL (synchronous_commit on), with
//! Merkle tree upkeep and signed checkpoints every 1000 records, as `dxgate serve` runs it.
//!
//! `cargo bench --bench audit_ingest` — env: `BENCH_RECORDS` (default 200000),
//! `BENCH_INFLIGHT` (concurrent requests, default 4096), `BENCH_BATCH_MAX` (default 1024),
//! `DXGATE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`; a fresh
//! database is created and dropped), `BENCH_BACKENDS` (default `sqlite,postgres`).
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dxgate::audit::note::NoteSigner;
use dxgate::audit::{AuditWriter, CheckpointPolicy, Store, WriterConfig};

#[path = "support/served.rs"]
mod support;
use support::served;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Report {
    backend: &'static str,
    records: u64,
    elapsed: Duration,
    batches: u64,
    max_batch: u64,
    checkpoints: u64,
    /// Store bytes per record (table, indexes, tree, checkpoints; SQLite: the file and WAL).
    bytes_per_record: f64,
    /// `audit verify` speed over the whole store (chain, tree, signatures), records/s.
    verify_per_s: f64,
}

async fn run(backend: &'static str, url: &str) -> Report {
    let records = env_or("BENCH_RECORDS", 200_000);
    let inflight = env_or("BENCH_INFLIGHT", 4096);
    let store = Store::open(url).await.expect("open the store");
    let signer = NoteSigner::generate("bench.local/audit").expect("key");
    let verifier = signer.verifier();
    let (writer, task) = AuditWriter::start_with(
        store.clone(),
        WriterConfig {
            node_id: "bench-1".into(),
            batch_max: env_or("BENCH_BATCH_MAX", 1024),
            queue_capacity: 65_536,
            checkpoints: Some(CheckpointPolicy {
                signer,
                origin: "bench.local/audit".into(),
                every: 1000,
                interval: Duration::from_secs(10),
                anchor_dir: None,
                trusted: Vec::new(),
                bootstrap_anchor: false,
            }),
        },
    )
    .await
    .expect("start the writer");
    // Warm up (connections, statement caches), then measure from a clean counter.
    for i in 0..2000 {
        writer.record(served(i)).await.expect("warm-up record");
    }
    let base = (
        writer.stats().committed_records.load(Ordering::Relaxed),
        writer.stats().committed_batches.load(Ordering::Relaxed),
    );
    writer.stats().max_batch.store(0, Ordering::Relaxed);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(inflight);
    for _ in 0..inflight {
        let (writer, next) = (writer.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= records {
                    break;
                }
                writer.record(served(i)).await.expect("record");
            }
        }));
    }
    for t in tasks {
        t.await.expect("producer");
    }
    let elapsed = started.elapsed();
    let s = writer.stats();
    let report = Report {
        bytes_per_record: 0.0,
        verify_per_s: 0.0,
        backend,
        records: s.committed_records.load(Ordering::Relaxed) - base.0,
        elapsed,
        batches: s.committed_batches.load(Ordering::Relaxed) - base.1,
        max_batch: s.max_batch.load(Ordering::Relaxed),
        checkpoints: s.checkpoints.load(Ordering::Relaxed),
    };
    drop(writer);
    let _ = task.await;
    let total = s_records(&store).await;
    let bytes = store_bytes(&store, url).await;
    let opts = dxgate::audit::verify::VerifyOptions {
        verifiers: vec![verifier],
        ..Default::default()
    };
    let t = Instant::now();
    let verified = dxgate::audit::verify::verify_all(&store, &opts)
        .await
        .expect("verify")
        .expect("the benchmark's chain verifies");
    let verify_per_s = verified[0].records as f64 / t.elapsed().as_secs_f64();
    store.close().await;
    Report {
        bytes_per_record: bytes as f64 / total.max(1) as f64,
        verify_per_s,
        ..report
    }
}

async fn s_records(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_records")
        .fetch_one(store.pool())
        .await
        .unwrap_or(0)
}

/// Bytes the audit tables take.
async fn store_bytes(store: &Store, url: &str) -> i64 {
    match dxgate::audit::sqlite_file(url) {
        Some(path) => ["", "-wal"]
            .iter()
            .filter_map(|ext| std::fs::metadata(format!("{path}{ext}")).ok())
            .map(|m| m.len() as i64)
            .sum(),
        None => sqlx::query_scalar(
            "SELECT (SELECT COALESCE(SUM(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits \
             WHERE inhparent = 'audit_records'::regclass)::bigint \
             + pg_total_relation_size('audit_tree') + pg_total_relation_size('audit_checkpoints')",
        )
        .fetch_one(store.pool())
        .await
        .unwrap_or(0),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut reports = Vec::new();
    rt.block_on(async {
        if backends.contains("sqlite") {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}/audit.db", dir.path().display());
            reports.push(run("sqlite", &url).await);
        }
        if backends.contains("postgres") {
            let admin_url = std::env::var("DXGATE_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            sqlx::any::install_default_drivers();
            let admin = sqlx::AnyPool::connect(&admin_url)
                .await
                .expect("PostgreSQL for the benchmark");
            let name = format!("dxgate_bench_{}", std::process::id());
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create the bench database");
            let server = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(s, _)| s);
            reports.push(run("postgres", &format!("{server}/{name}")).await);
            let _ = sqlx::raw_sql(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&admin)
                .await;
        }
    });
    println!(
        "| backend | records | seconds | records/s | commits | mean batch | max batch | checkpoints | bytes/record | verify records/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in reports {
        let secs = r.elapsed.as_secs_f64();
        println!(
            "| {} | {} | {:.2} | {:.0} | {} | {:.0} | {} | {} | {:.0} | {:.0} |",
            r.backend,
            r.records,
            secs,
            r.records as f64 / secs,
            r.batches,
            r.records as f64 / r.batches.max(1) as f64,
            r.max_batch,
            r.checkpoints,
            r.bytes_per_record,
            r.verify_per_s
        );
    }
}
