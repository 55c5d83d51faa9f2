//! Retention: `dxgate audit archive --before DATE` moves old segments to files, drops whole
//! PostgreSQL month partitions, and `audit verify` and inclusion proofs carry on across the cut
//! (an archived record's proof from its file); the cut never passes the ranking rollups'
//! watermark; PostgreSQL refuses a request id twice, whatever the partition.

use std::path::Path;

use dxgate::audit::archive::archive_before;
use dxgate::audit::inclusion::{check, prove, InclusionProof};
use dxgate::audit::note::NoteSigner;
use dxgate::audit::{
    AuditWriter, CheckpointPolicy, Entry, Outcome, SchemaResult, Store, WriterConfig,
};

use crate::common::catalogue::{OVERSIGHT_KEY, POLICE_KEY};
use crate::common::databases::FreshPostgres;
use crate::common::*;

/// 2024-01-15 and 2024-02-15, 00:00 UTC.
pub(crate) const JAN: i64 = 1_705_276_800_000;
const FEB: i64 = 1_707_955_200_000;

fn entry(i: usize, ts_ms: i64) -> Entry {
    Entry::new(format!("r-{ts_ms}-{i:05}"), ts_ms, "GET")
        .consumer("portal")
        .dataset("alpha", "people")
        .purpose("retention")
        .outcome(Outcome::Served, 200)
        .schemas(SchemaResult::Valid, SchemaResult::Valid)
        .latency(10, Some(5))
}

/// 512 records in January 2024, 100 in February, 50 now, on chain `node-r`.
pub(crate) async fn fill(store: &Store, signer: &NoteSigner) {
    let (writer, task) = AuditWriter::start_with(
        store.clone(),
        WriterConfig {
            node_id: "node-r".into(),
            batch_max: 128,
            queue_capacity: 4096,
            checkpoints: Some(CheckpointPolicy {
                signer: signer.clone(),
                origin: "dxgate.local/audit".into(),
                every: 100,
                interval: std::time::Duration::from_secs(3600),
                anchor_dir: None,
                trusted: Vec::new(),
                bootstrap_anchor: false,
            }),
        },
    )
    .await
    .unwrap();
    let now = dxgate::audit::now_ms();
    for (n, ts) in [(512, JAN), (100, FEB), (50, now)] {
        let all = (0..n).map(|i| writer.record(entry(i, ts)));
        for r in futures_util::future::join_all(all).await {
            r.unwrap();
        }
    }
    drop(writer);
    task.await.unwrap();
}

async fn scenario(url: &str, dir: &Path) {
    let signer = NoteSigner::generate("dxgate.local/audit").unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/checkpoint.key"), signer.private_key()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::Permissions::from_mode(0o600);
    std::fs::set_permissions(dir.join("data/checkpoint.key"), mode).unwrap();
    let store = Store::open(url).await.unwrap();
    let pg = store.backend() == dxgate::audit::Backend::Postgres;
    if pg {
        store
            .execute_raw(
                "SELECT dxgate_audit_partition('2024-01-01'); SELECT dxgate_audit_partition('2024-02-01')",
            )
            .await
            .unwrap();
    }
    fill(&store, &signer).await;
    let env = [("DXGATE_STORE_URL", url)];

    let (code, out, err) = run_cli_env(&["audit", "archive", "--before", "2024-02-01"], dir, &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ranking rollups caught up: 662 new record(s)"),
        "{out}"
    );
    assert!(out.contains("archived chain node-r seq 1..=512"), "{out}");
    // The ranking still counts the archived records: the rollups caught up before the cut.
    let counted: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(requests) AS BIGINT) FROM ranking_rollup_hourly")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(counted, 662);
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_records")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(live, 150);
    if pg {
        assert!(
            out.contains("dropped partition audit_records_2024_01"),
            "{out}"
        );
        let parts = store.partitions().await.unwrap();
        assert!(
            !parts.contains(&"audit_records_2024_01".to_owned()),
            "{parts:?}"
        );
        assert!(
            parts.contains(&"audit_records_2024_02".to_owned()),
            "{parts:?}"
        );
    }

    // The chain verifies across the cut, with or without re-reading the archive file.
    for args in [
        &["audit", "verify"][..],
        &["audit", "verify", "--archive-files"],
    ] {
        let (code, out, err) = run_cli_env(args, dir, &env);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains("chain node-r: 662 records (512 archived, walked from seq 513)"),
            "{out}"
        );
    }
    // An incremental verify starts at the last signed checkpoint before the date.
    let (code, out, err) = run_cli_env(&["audit", "verify", "--since", "2100-01-01"], dir, &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("walked from seq 663"), "{out}");
    // Proofs still work for live records, right after the cut too.
    for id in ["r-1707955200000-00000", &format!("r-{FEB}-00099")] {
        let record = store.get(id).await.unwrap().expect("live record");
        let p = prove(&store, &record, None).await.unwrap();
        assert_eq!(p.tree_size, 662);
        check(&p, &signer.verifier(), Some(&record)).unwrap();
    }
    archived_records_keep_their_proofs(url, dir, &store, &signer).await;
    // Archiving again finds nothing new.
    let (code, out, _) = run_cli_env(&["audit", "archive", "--before", "2024-02-01"], dir, &env);
    assert_eq!(code, 0);
    assert!(out.contains("ok: 0 segment(s)"), "{out}");

    // An edited archive file is caught when the files are checked.
    let file = dir.join("data/archive/node-r-1-512.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("retention", "Retention", 1)).unwrap();
    let (code, _, err) = run_cli_env(&["audit", "verify", "--archive-files"], dir, &env);
    assert_eq!(code, 1);
    assert!(err.contains("changed since it was archived"), "{err}");
    assert_eq!(run_cli_env(&["audit", "verify"], dir, &env).0, 0);
    // A segment row that no longer links to the live chain is caught.
    store
        .execute_raw("UPDATE audit_segments SET last_hash = prev_hash")
        .await
        .unwrap();
    let (code, _, err) = run_cli_env(&["audit", "verify"], dir, &env);
    assert_eq!(code, 1);
    assert!(err.contains("seq 513"), "{err}");
    store.close().await;
}

/// An archived record is still served, by id and with an inclusion proof built from its
/// archive file, that checks against the signed checkpoint.
async fn archived_records_keep_their_proofs(
    url: &str,
    dir: &Path,
    store: &Store,
    signer: &NoteSigner,
) {
    let gw = Gateway::start_with_env(dir, &[("DXGATE_STORE_URL", url)]).await;
    for (i, leaf) in [(0, 0u64), (10, 10), (255, 255), (300, 300), (511, 511)] {
        let id = format!("r-{JAN}-{i:05}");
        assert_eq!(store.get(&id).await.unwrap(), None, "{id} is archived");
        let r = gw
            .get_as(OVERSIGHT_KEY, &format!("/v1/audit/inclusion/{id}"))
            .await;
        assert_eq!(r.status(), 200, "{id}");
        let body: serde_json::Value = r.json().await.unwrap();
        let p: InclusionProof = serde_json::from_value(body.clone()).unwrap();
        let record = dxgate::audit::archive::record_from_json(body["record"].clone()).unwrap();
        assert_eq!(
            (p.leaf_index, record.entry.request_id.as_str()),
            (leaf, id.as_str())
        );
        check(&p, &signer.verifier(), Some(&record)).unwrap();
        let r = gw
            .get_as(OVERSIGHT_KEY, &format!("/v1/audit/records/{id}"))
            .await;
        assert_eq!(r.status(), 200, "the archived record itself");
    }
    // Scoped like live records: another consumer's archived record stays invisible.
    let id = format!("r-{JAN}-00001");
    let r = gw
        .get_as(POLICE_KEY, &format!("/v1/audit/inclusion/{id}"))
        .await;
    assert_eq!(r.status(), 404);
    gw.stop().await;
}

#[tokio::test]
async fn archive_keeps_the_chain_whole_on_sqlite() {
    let cat = Catalogue::new("http://127.0.0.1:9");
    let url = format!("sqlite://{}/data/audit.db", cat.path().display());
    scenario(&url, cat.path()).await;
}

#[tokio::test]
async fn archive_never_cuts_past_the_rollups_watermark() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/audit.db", dir.path().display());
    let store = Store::open(&url).await.unwrap();
    let signer = NoteSigner::generate("dxgate.local/audit").unwrap();
    fill(&store, &signer).await;
    let archive = dir.path().join("archive");
    let cut = |rolled_up: Vec<(&str, i64)>| {
        let rolled_up = rolled_up
            .into_iter()
            .map(|(n, s)| (n.to_owned(), s))
            .collect();
        let (store, archive, signer) = (store.clone(), archive.clone(), signer.clone());
        async move {
            archive_before(
                &store,
                FEB - 86_400_000,
                &archive,
                &signer,
                "dxgate.local/audit",
                &rolled_up,
            )
            .await
            .unwrap()
        }
    };
    // Nothing counted yet: nothing archived, all 512 January records kept live.
    let none = cut(vec![]).await;
    assert!(none.segments.is_empty());
    assert_eq!(none.held_back, [("node-r".to_owned(), 512)]);
    // Counted up to seq 300: the cut stops at 256 (a whole block), 212 records wait.
    let part = cut(vec![("node-r", 300)]).await;
    let seg: Vec<_> = part
        .segments
        .iter()
        .map(|s| (s.first_seq, s.last_seq))
        .collect();
    assert_eq!(seg, [(1, 256)]);
    assert_eq!(part.held_back, [("node-r".to_owned(), 212)]);
    // Once the rollups have counted everything, the rest goes.
    let rest = cut(vec![("node-r", 662)]).await;
    let seg: Vec<_> = rest
        .segments
        .iter()
        .map(|s| (s.first_seq, s.last_seq))
        .collect();
    assert_eq!(seg, [(257, 512)]);
    assert!(rest.held_back.is_empty());
    store.close().await;
}

#[tokio::test]
async fn request_ids_are_unique_across_partitions_on_postgres() {
    let Some(db) = FreshPostgres::create("request_ids").await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    store
        .execute_raw("SELECT dxgate_audit_partition('2024-01-01'); SELECT dxgate_audit_partition('2024-02-01')")
        .await
        .unwrap();
    let (writer, task) = AuditWriter::start_with(
        store.clone(),
        WriterConfig {
            node_id: "node-u".into(),
            batch_max: 1,
            queue_capacity: 16,
            checkpoints: None,
        },
    )
    .await
    .unwrap();
    let same = |ts| {
        let mut e = entry(0, ts);
        e.request_id = "same-id".into();
        e
    };
    writer.record(same(JAN)).await.unwrap();
    // The same id a month later lands in another partition: refused all the same.
    assert!(writer.record(same(FEB)).await.is_err());
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_records WHERE request_id = 'same-id'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(n, 1);
    drop(writer);
    task.await.unwrap();
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn archive_drops_whole_month_partitions_on_postgres() {
    let Some(db) = FreshPostgres::create("retention").await else {
        return;
    };
    let cat = Catalogue::new("http://127.0.0.1:9");
    scenario(&db.url, cat.path()).await;
    db.drop_db().await;
}
