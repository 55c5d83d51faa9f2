//! Two gateway replicas sharing one real PostgreSQL store under concurrent load: each keeps its
//! own chain, both chains verify, and proofs work against either.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::databases::FreshPostgres;
use crate::common::*;

/// Requests per replica.
const LOAD: usize = 300;

async fn load(gw: &Gateway, n: usize) -> Vec<String> {
    let requests = (0..n)
        .map(|i| {
            // Two consumers, so neither exceeds its rate limit; even requests are the portal's.
            let key = if i % 2 == 0 { PORTAL_KEY } else { POLICE_KEY };
            let url = if i % 4 < 2 {
                gw.url("/v1/data/alpha/people?citizen_id=002")
            } else {
                gw.url(HTTP_OK)
            };
            (key, url)
        })
        .collect();
    served_concurrently(requests).await
}

async fn proof(gw: &Gateway, id: &str) -> Value {
    for _ in 0..100 {
        let r = gw
            .get_as(PORTAL_KEY, &format!("/v1/audit/inclusion/{id}"))
            .await;
        if r.status() == 200 {
            return r.json().await.unwrap();
        }
        assert_eq!(
            r.status(),
            409,
            "only 'not yet checkpointed' may delay a proof"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no proof for {id}");
}

#[tokio::test]
async fn two_replicas_share_one_postgres_store_under_load() {
    let Some(db) = FreshPostgres::create("replicas").await else {
        return;
    };
    let up = Upstream::start().await;
    let upstream = format!("http://{}", up.addr);
    let (a, b) = (Catalogue::new(&upstream), Catalogue::new(&upstream));
    let settings = "[server]\nnode_id = \"from-env\"\n\
                    [audit]\ncheckpoint_every = 100\ncheckpoint_interval = \"300ms\"\n";
    a.write("dxgate.toml", settings);
    b.write("dxgate.toml", settings);
    // One signing key shared by both replicas (a Secret in Kubernetes).
    let (code, vkey, err) = run_cli(&["audit", "key"], a.path());
    assert_eq!(code, 0, "{err}");
    b.write("keys/checkpoint.key", &a.read("keys/checkpoint.key"));
    #[cfg(unix)]
    {
        // Keys are refused at start when others may read them.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(b.file("keys/checkpoint.key"), mode).unwrap();
    }

    // Both start at once: migrations run under an advisory lock, one after the other.
    let env_a = [
        ("DXGATE_STORE_URL", db.url.as_str()),
        ("DXGATE_NODE_ID", "replica-a"),
    ];
    let env_b = [
        ("DXGATE_STORE_URL", db.url.as_str()),
        ("DXGATE_NODE_ID", "replica-b"),
    ];
    let (ga, gb) = tokio::join!(
        Gateway::start_with_env(a.path(), &env_a),
        Gateway::start_with_env(b.path(), &env_b),
    );
    let (ids_a, ids_b) = tokio::join!(load(&ga, LOAD), load(&gb, LOAD));
    let all: HashSet<&String> = ids_a.iter().chain(&ids_b).collect();
    assert_eq!(all.len(), 2 * LOAD, "every answer has its own Request-Id");

    // Each replica writes its own chain; a proof from either checks offline.
    let pa = proof(&ga, &ids_a[LOAD / 2]).await;
    assert_eq!(pa["node_id"], "replica-a");
    let pb = proof(&gb, &ids_b[8]).await;
    assert_eq!(pb["node_id"], "replica-b");
    // Records and proofs are served by any replica: the store is shared.
    let cross = proof(&gb, &ids_a[4]).await;
    assert_eq!(cross["node_id"], "replica-a");
    for (i, p) in [pa, pb, cross].iter().enumerate() {
        let file = a.file(&format!("proof-{i}.json"));
        std::fs::write(&file, p.to_string()).unwrap();
        let (code, out, err) = run_bin(&[
            "audit",
            "check-inclusion",
            file.to_str().unwrap(),
            "--key",
            vkey.trim(),
        ]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let v: Value = ga.anon_json("/v1/audit/checkpoint").await;
    let nodes: Vec<&str> = strs(&v["checkpoints"], "node_id");
    assert_eq!(nodes, ["replica-a", "replica-b"]);

    assert!(ga.stop().await.success());
    assert!(gb.stop().await.success());
    let env = [("DXGATE_STORE_URL", db.url.as_str())];
    let (code, out, err) = run_cli_env(&["audit", "verify"], a.path(), &env);
    assert_eq!(code, 0, "{out}{err}");
    // Each chain: its data requests, and the proof fetches it served (witnessed reads).
    let store = dxgate::audit::Store::open(&db.url).await.unwrap();
    let count = |sql: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let data_a = count(
        "SELECT COUNT(*) FROM audit_records WHERE node_id = 'replica-a' AND outcome <> 'event'",
    )
    .await;
    let all_a = count("SELECT COUNT(*) FROM audit_records WHERE node_id = 'replica-a'").await;
    let all = count("SELECT COUNT(*) FROM audit_records").await;
    store.close().await;
    assert_eq!(data_a, LOAD as i64);
    assert!(
        out.contains(&format!("2 chain(s), {all} records verified")),
        "{out}"
    );
    assert!(
        out.contains(&format!("chain replica-a: {all_a} records")),
        "{out}"
    );

    // A second writer on replica-a's chain (a misconfigured node id) cannot fork it. Without
    // replica-a's anchor it does not even start writing (a chain with records, no anchor).
    let gc = Gateway::start_with_env(b.path(), &env_a).await;
    assert_eq!(
        gc.status(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await,
        503
    );
    gc.stop().await;
    let anchor = "keys/anchors/replica-a.checkpoint";
    b.write(anchor, &a.read(anchor));
    let gc = Gateway::start_with_env(b.path(), &env_a).await;
    let store = dxgate::audit::Store::open(&db.url).await.unwrap();
    assert_eq!(
        gc.get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await
            .status(),
        200
    );
    // Move replica-a's head behind the running writer's back: its next commit must fail closed.
    store
        .execute_raw(
            "UPDATE audit_chains SET updated_ms = 0, seq = seq + 1 WHERE node_id = 'replica-a'",
        )
        .await
        .unwrap();
    assert_eq!(
        gc.get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await
            .status(),
        503
    );
    store.close().await;
    gc.stop().await;
    db.drop_db().await;
}
