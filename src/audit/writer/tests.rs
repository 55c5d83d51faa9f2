//! The writer's failure paths on a real SQLite store: a failed commit fails its whole batch and
//! stores none of it, the head is re-read before the next batch, and a full queue answers at
//! once. Futures are polled together in one task, so a batch holds exactly what was sent.

use std::sync::atomic::Ordering;

use futures_util::future::join_all;
use tokio::task::JoinHandle;

use super::*;
use crate::audit::verify::{verify_all, VerifyOptions};
use crate::audit::{Event, EventKind, Outcome, SchemaResult};

fn entry(id: &str) -> Entry {
    Entry::new(id, now_ms(), "GET")
        .consumer("portal")
        .dataset("alpha", "people")
        .purpose("test")
        .outcome(Outcome::Served, 200)
        .schemas(SchemaResult::Valid, SchemaResult::Valid)
        .latency(10, Some(5))
}

/// A fresh SQLite store in a temporary directory (removed when the `TempDir` is dropped).
async fn fresh_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    (dir, Store::open(&url).await.unwrap())
}

async fn start(store: &Store, queue_capacity: usize) -> (AuditWriter, JoinHandle<()>) {
    let config = WriterConfig {
        node_id: "n1".into(),
        batch_max: 64,
        queue_capacity,
        checkpoints: None,
    };
    AuditWriter::start_with(store.clone(), config)
        .await
        .unwrap()
}

async fn writer(store: &Store, queue_capacity: usize) -> AuditWriter {
    start(store, queue_capacity).await.0
}

/// Rename `audit_records` away, so that no commit can succeed, or back.
async fn store_broken(store: &Store, broken: bool) {
    let sql = if broken {
        "ALTER TABLE audit_records RENAME TO audit_records_away"
    } else {
        "ALTER TABLE audit_records_away RENAME TO audit_records"
    };
    store.execute_raw(sql).await.unwrap();
}

/// A writer that committed `before`, then failed `during` with a store error once the store
/// broke ([`store_broken`]).
async fn failed_on_a_broken_store(store: &Store) -> AuditWriter {
    let w = writer(store, 64).await;
    w.record(entry("before")).await.unwrap();
    store_broken(store, true).await;
    let r = w.record(entry("during")).await;
    assert!(matches!(r, Err(AuditError::Store(_))), "{r:?}");
    w
}

/// The chain verifies end to end and holds exactly `records` records.
async fn chain_holds(store: &Store, records: i64) {
    let reports = verify_all(store, &VerifyOptions::default())
        .await
        .unwrap()
        .unwrap();
    let total: i64 = reports.iter().map(|r| r.records).sum();
    assert_eq!(total, records);
}

#[tokio::test]
async fn a_failed_commit_fails_every_request_in_its_batch_and_stores_none() {
    let (_dir, store) = fresh_store().await;
    let w = writer(&store, 64).await;
    w.record(entry("first")).await.unwrap();

    // One record of eight reuses a committed request id: the database refuses the insert.
    let ids: Vec<String> = (0..8)
        .map(|i| {
            if i == 5 {
                "first".into()
            } else {
                format!("b-{i}")
            }
        })
        .collect();
    let results = join_all(ids.iter().map(|id| w.record(entry(id)))).await;
    for (id, r) in ids.iter().zip(&results) {
        assert!(matches!(r, Err(AuditError::Store(_))), "{id}: {r:?}");
    }
    let s = w.stats();
    assert_eq!(s.failed_batches.load(Ordering::Relaxed), 1, "one batch");
    assert_eq!(s.committed_records.load(Ordering::Relaxed), 1);
    assert!(s.failing.load(Ordering::Relaxed));
    for id in ids.iter().filter(|id| *id != "first") {
        assert_eq!(store.get(id).await.unwrap(), None, "{id} was not stored");
    }
    assert_eq!(store.head("n1").await.unwrap().seq, 1);

    // The next batch commits, and the chain carries on whole.
    w.record(entry("after")).await.unwrap();
    assert!(!s.failing.load(Ordering::Relaxed));
    assert_eq!(store.get("after").await.unwrap().unwrap().seq, 2);
    chain_holds(&store, 2).await;
}

#[tokio::test]
async fn the_head_is_reread_before_the_next_batch() {
    let (_dir, store) = fresh_store().await;
    // Two writers on one chain (two replicas sharing a node id): `late` read the head first.
    let late = writer(&store, 64).await;
    let early = writer(&store, 64).await;
    early.record(entry("early-1")).await.unwrap();

    // `late` chains on the head it read, which has moved: its commit fails…
    let stale = late.record(entry("late-1")).await;
    assert!(matches!(stale, Err(AuditError::Store(_))), "{stale:?}");
    assert_eq!(store.get("late-1").await.unwrap(), None);
    // …and it re-reads the head before its next batch, so that one lands after `early-1`.
    late.record(entry("late-2")).await.unwrap();
    let r = store.get("late-2").await.unwrap().unwrap();
    let e = store.get("early-1").await.unwrap().unwrap();
    assert_eq!((r.seq, r.prev_hash), (2, e.hash));
    assert_eq!(late.stats().failed_batches.load(Ordering::Relaxed), 1);
    chain_holds(&store, 2).await;
}

#[tokio::test]
async fn a_store_that_cannot_write_fails_closed_until_it_can() {
    let (_dir, store) = fresh_store().await;
    let w = failed_on_a_broken_store(&store).await;
    assert!(w.stats().failing.load(Ordering::Relaxed));
    store_broken(&store, false).await;
    w.record(entry("after")).await.unwrap();
    assert_eq!(store.get("during").await.unwrap(), None);
    assert_eq!(store.get("after").await.unwrap().unwrap().seq, 2);
    chain_holds(&store, 2).await;
}

#[tokio::test]
async fn a_full_queue_answers_at_once_and_records_nothing() {
    let (_dir, store) = fresh_store().await;
    let w = writer(&store, 1).await;
    // The first fills the one-place queue before the writer task runs; the second finds it full.
    let (first, second) = tokio::join!(w.record(entry("queued")), w.record(entry("turned-away")));
    first.unwrap();
    assert!(matches!(second, Err(AuditError::QueueFull)), "{second:?}");
    assert_eq!(store.get("turned-away").await.unwrap(), None);
    assert_eq!(w.queue_depth(), 0);
    chain_holds(&store, 1).await;
}

#[tokio::test]
async fn a_stopped_writer_says_so() {
    let (_dir, store) = fresh_store().await;
    let (w, task) = start(&store, 8).await;
    task.abort();
    let _ = task.await;
    let r = w.record(entry("late")).await;
    assert!(matches!(r, Err(AuditError::Stopped)), "{r:?}");
    assert!(w.stats().stopped.load(Ordering::Relaxed));
    assert!(w.stats().failing.load(Ordering::Relaxed));
}

/// Polls `failing` every 20 ms for up to `within`; true once it is `want`.
async fn failing_becomes(w: &AuditWriter, want: bool, within: std::time::Duration) -> bool {
    let until = std::time::Instant::now() + within;
    while std::time::Instant::now() < until {
        if w.stats().failing.load(Ordering::Relaxed) == want {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn a_failing_writer_probes_the_store_and_heals_without_traffic() {
    let (_dir, store) = fresh_store().await;
    let w = failed_on_a_broken_store(&store).await;
    // `SELECT 1` answers all along, but the probe reads the chain's tables: still failing.
    store.ping().await.unwrap();
    assert!(
        !failing_becomes(&w, false, PROBE_EVERY * 3).await,
        "healed too early"
    );
    store_broken(&store, false).await;
    // No record is sent: the probe alone clears the flag.
    assert!(
        failing_becomes(&w, false, PROBE_EVERY * 3).await,
        "did not heal"
    );
    assert_eq!(w.stats().committed_batches.load(Ordering::Relaxed), 1);
    w.record(entry("after")).await.unwrap();
    assert_eq!(store.get("after").await.unwrap().unwrap().seq, 2);
    chain_holds(&store, 2).await;
}

#[tokio::test]
async fn a_probe_does_not_heal_a_writer_whose_chain_moved_under_it() {
    let (_dir, store) = fresh_store().await;
    let w = writer(&store, 64).await;
    let head = store.head("n1").await.unwrap();
    w.record(entry("one")).await.unwrap();
    // A probe on a stale head fails: the head row has moved on.
    let r = store.probe_head("n1", &head).await;
    assert!(matches!(r, Err(StoreError::ChainMoved(_))), "{r:?}");
    store
        .probe_head("n1", &store.head("n1").await.unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn events_are_chained_like_requests_and_read_back_whole() {
    let (_dir, store) = fresh_store().await;
    let w = writer(&store, 16).await;
    let facts = serde_json::json!({"filter": {"agency": "alpha"}, "returned": 3});
    let event = Event::new(EventKind::AuditRead, facts.clone()).unwrap();
    let ev = Entry::event(now_ms(), event.clone()).consumer("oversight");
    let id = ev.request_id.clone();
    w.record(entry("r1")).await.unwrap();
    w.record(ev).await.unwrap();
    chain_holds(&store, 2).await;
    let back = store.get(&id).await.unwrap().unwrap();
    assert_eq!(back.entry.outcome, Outcome::Event);
    assert_eq!(back.entry.event, Some(event));
    assert_eq!(back.entry.consumer.as_deref(), Some("oversight"));
    let json = serde_json::to_value(&back).unwrap();
    assert_eq!(json["outcome"], "event");
    assert_eq!(json["event"]["kind"], "audit_read");
    assert_eq!(json["event"]["facts"], facts);
    assert!(store
        .get("r1")
        .await
        .unwrap()
        .unwrap()
        .entry
        .event
        .is_none());
}

#[tokio::test]
async fn an_edited_event_fails_verification() {
    let (_dir, store) = fresh_store().await;
    let w = writer(&store, 16).await;
    let event = Event::new(EventKind::CatalogChange, serde_json::json!({"digest": "a"})).unwrap();
    let ev = Entry::event(now_ms(), event);
    let id = ev.request_id.clone();
    w.record(ev).await.unwrap();
    w.record(entry("r2")).await.unwrap();
    chain_holds(&store, 2).await;
    sqlx::query("UPDATE audit_records SET event = '{\"digest\":\"b\"}' WHERE request_id = $1")
        .bind(&id)
        .execute(store.pool())
        .await
        .unwrap();
    let bad = verify_all(&store, &VerifyOptions::default())
        .await
        .unwrap()
        .unwrap_err();
    assert!(bad.to_string().contains(&id), "{bad}");
}

/// The running path of the anchor check: a chain rewound while the writer serves (tail,
/// checkpoints and head row) fails the commit in flight, and every later record is refused as
/// unanchored instead of extending the forged history.
#[tokio::test]
async fn a_chain_rewound_while_serving_fails_the_next_record_unanchored() {
    let (dir, store) = fresh_store().await;
    let signer = crate::audit::note::NoteSigner::generate("test/audit").unwrap();
    let config = WriterConfig {
        node_id: "n1".into(),
        batch_max: 1,
        queue_capacity: 8,
        checkpoints: Some(CheckpointPolicy {
            signer,
            origin: "test/audit".into(),
            every: 2,
            interval: std::time::Duration::from_secs(3600),
            anchor_dir: Some(dir.path().join("anchors")),
            trusted: Vec::new(),
            bootstrap_anchor: false,
        }),
    };
    let (w, _task) = AuditWriter::start_with(store.clone(), config)
        .await
        .unwrap();
    for i in 0..4 {
        w.record(entry(&format!("r{i}"))).await.unwrap();
    }
    for sql in [
        "DELETE FROM audit_records WHERE seq > 2",
        "DELETE FROM audit_checkpoints WHERE tree_size > 2",
        "UPDATE audit_chains SET seq = 2, hash = (SELECT hash FROM audit_records WHERE seq = 2)",
    ] {
        store.execute_raw(sql).await.unwrap();
    }
    let first = w.record(entry("after-1")).await;
    assert!(matches!(first, Err(AuditError::Store(_))), "{first:?}");
    let next = w.record(entry("after-2")).await;
    assert!(
        matches!(&next, Err(AuditError::Unanchored(why)) if why.contains("signed at size 4")),
        "{next:?}"
    );
    assert!(w.stats().unanchored.load(Ordering::Relaxed));
    assert_eq!(store.head("n1").await.unwrap().seq, 2);
}
