//! What witnessing costs the request path (issue 12, "cost nothing measurable"): criterion
//! benchmarks on an embedded SQLite store (WAL, `synchronous = FULL`), the real group-commit
//! writer signing a checkpoint every 1000 records.
//!
//! - `request_path/commit_64`: the time for 64 concurrent requests' records to commit (what a
//!   data request waits for before its answer is released), with the writer's anchor file off
//!   or on, and on while two witnesses poll the same store 100 times a second each (1000 times
//!   their default `--interval 10s`): every round reads the latest checkpoints, takes a
//!   consistency proof from the size it saw last, hands in a cosignature and reads the cosigned
//!   checkpoint back — the gateway's share of `GET /v1/audit/checkpoint`,
//!   `GET /v1/audit/consistency/{node}`, `POST …/cosignatures` and `GET …/cosigned`.
//! - `witness_round`: one such round alone; `consistency_proof`: generating (store reads) and
//!   checking a proof on a chain of 100,000 records; `cosignature`: signing and checking one.
//!
//! `cargo bench --bench witness` (`-- request_path` for one group).
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use dxgate::audit::consistency;
use dxgate::audit::cosignature::{split_note, WitnessSigner, WitnessVerifier};
use dxgate::audit::note::NoteSigner;
use dxgate::audit::{AuditWriter, Checkpoint, CheckpointPolicy, Store, WriterConfig};
use futures_util::future::join_all;
use tokio::runtime::Runtime;

#[path = "support/served.rs"]
mod support;
use support::served;

const NODE: &str = "bench-1";
const ORIGIN: &str = "bench.local/audit";
/// Records in the chain before anything is measured.
const PREFILL: usize = 100_000;

/// A store with a chain of [`PREFILL`] records and its running writer.
struct Log {
    store: Store,
    writer: AuditWriter,
    _dir: tempfile::TempDir,
}

async fn commit(writer: &AuditWriter, n: usize) {
    let all = (0..n).map(|i| writer.record(served(i)));
    for r in join_all(all).await {
        r.expect("record committed");
    }
}

async fn open_log(anchored: bool) -> Log {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/audit.db", dir.path().display());
    let store = Store::open(&url).await.expect("open the store");
    let policy = CheckpointPolicy {
        signer: NoteSigner::generate(ORIGIN).expect("key"),
        origin: ORIGIN.into(),
        every: 1000,
        interval: Duration::from_secs(10),
        anchor_dir: anchored.then(|| dir.path().join("anchors")),
        trusted: Vec::new(),
        bootstrap_anchor: false,
    };
    let config = WriterConfig {
        node_id: NODE.into(),
        batch_max: 1024,
        queue_capacity: 65_536,
        checkpoints: Some(policy),
    };
    let (writer, _task) = AuditWriter::start_with(store.clone(), config)
        .await
        .expect("start the writer");
    let rounds = PREFILL / 1000;
    for _ in 0..rounds {
        commit(&writer, 1000).await;
    }
    Log {
        store,
        writer,
        _dir: dir,
    }
}

/// One witness, as the gateway sees it: the last size it cosigned, its keys.
struct Witness {
    seen: u64,
    signer: WitnessSigner,
    verifier: WitnessVerifier,
}

impl Witness {
    fn new(name: &str) -> Witness {
        let signer = WitnessSigner::generate(name).expect("witness key");
        let verifier = WitnessVerifier::parse(&signer.verifier_key()).expect("verifier");
        Witness {
            seen: 0,
            signer,
            verifier,
        }
    }

    /// One poll: the store reads and writes the gateway does for it (the witness's own
    /// signing runs here too, which a real witness does on its own machine).
    async fn round(&mut self, store: &Store) {
        let latest = store.latest_checkpoints().await.expect("checkpoints");
        let cp = latest.iter().find(|c| c.node_id == NODE).expect("chain");
        let size = cp.tree_size as u64;
        if self.seen > 0 && size > self.seen {
            let proof = consistency::prove(store, NODE, self.seen, size).await;
            assert!(!proof.expect("proof").is_empty());
        }
        let (text, _) = split_note(&cp.note).expect("note");
        let cosigned = format!("{}{}", cp.note, self.signer.cosign(text, 1_700_000_000));
        // POST …/cosignatures: the gateway parses, finds the stored note, checks, stores.
        let (text, _) = split_note(&cosigned).expect("note");
        let parsed = Checkpoint::parse(text).expect("checkpoint");
        let stored = store.checkpoint_at(NODE, parsed.size as i64).await;
        assert!(stored.expect("read").is_some());
        let (line, ts) = self.verifier.find(&cosigned).expect("cosignature");
        let name = self.verifier.name();
        let kept = store.insert_cosignature(NODE, cp.tree_size, name, ts, &line);
        kept.await.expect("cosignature stored");
        // GET …/cosigned.
        let newest = store.latest_cosigned(NODE).await.expect("cosigned");
        let lines = store
            .cosignatures(NODE, newest.expect("a cosigned size"))
            .await;
        assert!(!lines.expect("lines").is_empty());
        self.seen = size;
    }
}

fn request_path(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("request_path");
    for (label, anchored, witnesses) in [
        ("no anchor, no witnesses", false, 0),
        ("anchored, no witnesses", true, 0),
        ("anchored, 2 witnesses at 100 polls/s", true, 2),
    ] {
        let log = rt.block_on(open_log(anchored));
        let rounds = Arc::new(AtomicU64::new(0));
        let pollers: Vec<_> = (0..witnesses)
            .map(|i| {
                let (store, rounds) = (log.store.clone(), rounds.clone());
                rt.spawn(async move {
                    let mut w = Witness::new(&format!("witness.bench/w{i}"));
                    let mut tick = tokio::time::interval(Duration::from_millis(10));
                    loop {
                        tick.tick().await;
                        w.round(&store).await;
                        rounds.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        group.bench_function(BenchmarkId::new("commit_64", label), |b| {
            b.to_async(&rt).iter(|| commit(&log.writer, 64))
        });
        for p in pollers {
            p.abort();
        }
        if witnesses > 0 {
            eprintln!(
                "{label}: {} witness rounds ran alongside",
                rounds.load(Ordering::Relaxed)
            );
        }
    }
    group.finish();
}

fn proofs_and_signatures(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let log = rt.block_on(open_log(true));
    let n = PREFILL as u64;
    let mut group = c.benchmark_group("consistency_proof");
    for m in [n - 1000, n / 3] {
        group.bench_function(BenchmarkId::new("prove", format!("{m}..{n}")), |b| {
            b.to_async(&rt)
                .iter(|| async { consistency::prove(&log.store, NODE, m, n).await.unwrap() })
        });
    }
    let m = n / 3;
    let (old, new, proof) = rt.block_on(async {
        let old = log.store.range_hash(NODE, 0, m).await.unwrap();
        let new = log.store.range_hash(NODE, 0, n).await.unwrap();
        let proof = consistency::prove(&log.store, NODE, m, n).await.unwrap();
        (old, new, proof)
    });
    group.bench_function("verify", |b| {
        b.iter(|| assert!(consistency::verify(m, n, &old, &new, &proof)))
    });
    group.finish();

    let mut group = c.benchmark_group("witness_round");
    let mut w = Witness::new("witness.bench/solo");
    group.bench_function("gateway side, one chain", |b| {
        b.iter(|| rt.block_on(w.round(&log.store)))
    });
    group.finish();

    let cp = rt
        .block_on(log.store.latest_checkpoint(NODE))
        .unwrap()
        .unwrap();
    let (text, _) = split_note(&cp.note).unwrap();
    let cosigned = format!("{}{}", cp.note, w.signer.cosign(text, 1_700_000_000));
    let mut group = c.benchmark_group("cosignature");
    group.bench_function("sign", |b| b.iter(|| w.signer.cosign(text, 1_700_000_000)));
    group.bench_function("verify", |b| b.iter(|| w.verifier.find(&cosigned).unwrap()));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    targets = request_path, proofs_and_signatures
}
criterion_main!(benches);
