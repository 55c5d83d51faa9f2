//! Upgrading a store written before checkpoints (schema version 1): migration 2 keeps every
//! record (PostgreSQL: moved into monthly partitions), the writer rebuilds the chain's Merkle
//! tree once, and the chain carries on and verifies.

use dxgate::audit::chain::{record_hash, GENESIS};
use dxgate::audit::note::NoteSigner;
use dxgate::audit::verify::{verify_all, VerifyOptions};
use dxgate::audit::{
    AuditWriter, CheckpointPolicy, Entry, Outcome, SchemaResult, Store, WriterConfig,
};
use sqlx::AnyPool;

use crate::common::databases::FreshPostgres;

/// Records written by the "old" version: more than 256, so stored subtrees must be rebuilt.
const OLD: i64 = 300;

fn entry(i: i64) -> Entry {
    let mut e = Entry::new(format!("old-{i:05}"), 1_700_000_000_000 + i, "GET")
        .consumer("portal")
        .outcome(Outcome::Served, 200)
        .schemas(SchemaResult::Valid, SchemaResult::NotChecked)
        .latency(i, None);
    // Written before datasets were recorded on their own: agency only.
    e.agency = Some("alpha".into());
    e
}

/// Lay down schema version 1 and a valid chain of `OLD` records, as the previous release did.
async fn version_one(url: &str, sqlite: bool) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.unwrap();
    let init = if sqlite {
        include_str!("../../src/audit/migrations/sqlite_0001_init.sql")
    } else {
        include_str!("../../src/audit/migrations/postgres_0001_init.sql")
    };
    sqlx::raw_sql(init).execute(&pool).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE dxgate_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL);
         INSERT INTO dxgate_migrations VALUES (1, 'init', 0);",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut prev = GENESIS;
    for seq in 1..=OLD {
        let e = entry(seq);
        let hash = record_hash(&prev, "old-node", seq, &e);
        sqlx::query(
            "INSERT INTO audit_records (node_id, seq, request_id, ts_ms, consumer, agency, method, \
             outcome, status, request_schema, response_schema, latency_us, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind("old-node")
        .bind(seq)
        .bind(e.request_id.clone())
        .bind(e.ts_ms)
        .bind(e.consumer.clone())
        .bind(e.agency.clone())
        .bind(e.method.clone())
        .bind("served")
        .bind(200i64)
        .bind("valid")
        .bind("not_checked")
        .bind(e.latency_us)
        .bind(prev.to_hex())
        .bind(hash.to_hex())
        .execute(&pool)
        .await
        .unwrap();
        prev = hash;
    }
    pool.close().await;
}

async fn upgrade(url: &str, sqlite: bool) {
    version_one(url, sqlite).await;
    let store = Store::open(url)
        .await
        .expect("migration 2 applies to a version-1 store");
    let signer = NoteSigner::generate("dxgate.local/audit").unwrap();
    let (writer, task) = AuditWriter::start_with(
        store.clone(),
        WriterConfig {
            node_id: "old-node".into(),
            batch_max: 64,
            queue_capacity: 1024,
            checkpoints: Some(CheckpointPolicy {
                signer: signer.clone(),
                origin: "dxgate.local/audit".into(),
                every: 50,
                interval: std::time::Duration::from_secs(3600),
                anchor_dir: None,
                trusted: Vec::new(),
                bootstrap_anchor: false,
            }),
        },
    )
    .await
    .expect("the writer picks up the old chain");
    // New records carry keyed payload hashes and say so; the old ones keep plain SHA-256.
    let key = dxgate::audit::PayloadKey::from_bytes(&[7u8; 32]);
    for i in 0..10 {
        let mut e = entry(OLD + 1 + i);
        e.request_id = format!("new-{i}");
        e.request_sha256 = Some(key.hash(b"citizen_id=001"));
        e.payload_scheme = Some(key.scheme().to_owned());
        writer.record(e).await.unwrap();
    }
    drop(writer);
    task.await.unwrap();
    assert_eq!(store.head("old-node").await.unwrap().seq, OLD + 10);
    let opts = VerifyOptions {
        verifiers: vec![signer.verifier()],
        ..VerifyOptions::default()
    };
    let reports = verify_all(&store, &opts)
        .await
        .unwrap()
        .expect("chain verifies");
    assert_eq!(reports[0].records, OLD + 10);
    let new = store.get("new-3").await.unwrap().unwrap();
    assert_eq!(new.entry.payload_scheme.as_deref(), Some(key.scheme()));
    let old = store.get("old-00003").await.unwrap().unwrap();
    assert_eq!(old.entry.payload_scheme, None);
    assert!(reports[0].checkpoints >= 1);
    store.close().await;
}

#[tokio::test]
async fn version_one_sqlite_store_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/audit.db?mode=rwc", dir.path().display());
    upgrade(&url, true).await;
}

#[tokio::test]
async fn version_one_postgres_store_upgrades_into_partitions() {
    let Some(db) = FreshPostgres::create("upgrade").await else {
        return;
    };
    upgrade(&db.url, false).await;
    let store = Store::open(&db.url).await.unwrap();
    let parts = store.partitions().await.unwrap();
    assert!(
        parts.contains(&"audit_records_2023_11".to_owned()),
        "{parts:?}"
    );
    store.close().await;
    db.drop_db().await;
}
