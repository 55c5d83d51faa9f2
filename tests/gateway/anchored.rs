//! Issue 12: a log that cannot be rewound behind the writer's back. Someone with write access to
//! the store but no signing key cuts a chain's tail, deletes the checkpoints above the cut and
//! rewinds `audit_chains`: the store is consistent with itself, yet the restarted gateway must
//! refuse to extend it (its anchor file holds the last checkpoint it signed).

use serde_json::Value;
use sqlx::{Connection, SqliteConnection};

use crate::common::catalogue::*;
use crate::common::*;

/// Checkpoint every 2 records, never on a timer.
fn every_two(cat: &Catalogue) {
    cat.write(
        "dxgate.toml",
        "[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 2\ncheckpoint_interval = \"1h\"\n",
    );
}

/// Cut `node`'s chain after `keep` records, delete the checkpoints above the cut and rewind
/// its head row: what a store writer without the signing key can do.
pub async fn rewind(cat: &Catalogue, keep: i64) {
    let url = format!("sqlite://{}", cat.audit_db().display());
    let mut db = SqliteConnection::connect(&url).await.unwrap();
    for sql in [
        "DELETE FROM audit_records WHERE seq > $1",
        "DELETE FROM audit_checkpoints WHERE tree_size > $1",
        "UPDATE audit_chains SET seq = $1, hash = (SELECT hash FROM audit_records WHERE seq = $1)",
    ] {
        sqlx::query(sql).bind(keep).execute(&mut db).await.unwrap();
    }
    db.close().await.unwrap();
}

async fn readyz(gw: &Gateway) -> (u16, Value) {
    let r = client().get(gw.url("/readyz")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn metric(gw: &Gateway, name: &str) -> String {
    let text = client()
        .get(gw.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_rewound_chain_is_not_extended_until_an_operator_reanchors_it() {
    let up = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", up.addr));
    every_two(&cat);
    let gw = Gateway::start(cat.path()).await;
    for _ in 0..6 {
        let r = gw
            .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await;
        assert_eq!(r.status(), 200);
    }
    gw.stop().await;
    assert!(cat.file("keys/anchors/test-node.checkpoint").exists());

    rewind(&cat, 4).await;

    // The restarted gateway does not extend the forged history.
    let gw = Gateway::start(cat.path()).await;
    let (status, body) = readyz(&gw).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["audit_anchor"], "mismatch");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        metric(&gw, "dxgate_audit_anchor_mismatch").await,
        "dxgate_audit_anchor_mismatch 1"
    );
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    let (status, _, ct, body) = parts(r).await;
    assert_eq!((status, ct.as_str()), (503, "application/problem+json"));
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("/audit-unavailable"),
        "{body}"
    );
    // Nothing was appended, and no checkpoint was signed over the forged head.
    let url = format!("sqlite://{}", cat.audit_db().display());
    let mut db = SqliteConnection::connect(&url).await.unwrap();
    let (records, top): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM audit_records), (SELECT MAX(tree_size) FROM audit_checkpoints)",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((records, top), (4, 4));

    // The operator accepts the stored chain (its old anchor kept as evidence): serving resumes
    // with the next request, no restart needed.
    let (code, out, err) = run_cli(
        &[
            "audit",
            "reanchor",
            "--node",
            "test-node",
            "--reason",
            "incident 42: tail lost",
        ],
        cat.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("anchored at 4 records"), "{out}");
    let kept = std::fs::read_dir(cat.file("keys/anchors"))
        .unwrap()
        .filter(|e| {
            (e.as_ref().unwrap().file_name().to_string_lossy())
                .starts_with("test-node.checkpoint.superseded-")
        })
        .count();
    assert_eq!(kept, 1);
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(r.status(), 200);
    let (status, body) = readyz(&gw).await;
    assert_eq!((status, &body["audit_anchor"]), (200, &Value::from("ok")));
    assert_eq!(
        metric(&gw, "dxgate_audit_anchor_mismatch").await,
        "dxgate_audit_anchor_mismatch 0"
    );
    gw.stop().await;
}

#[tokio::test]
async fn an_untouched_chain_restarts_and_reanchor_refuses_an_inconsistent_store() {
    let up = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", up.addr));
    every_two(&cat);
    let gw = Gateway::start(cat.path()).await;
    for _ in 0..4 {
        gw.get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await;
    }
    gw.stop().await;
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(readyz(&gw).await.0, 200);
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(r.status(), 200);
    gw.stop().await;

    // Tail cut but the store's own checkpoint left: nothing to accept, restore instead.
    let url = format!("sqlite://{}", cat.audit_db().display());
    let mut db = SqliteConnection::connect(&url).await.unwrap();
    for sql in [
        "DELETE FROM audit_records WHERE seq > 2",
        "UPDATE audit_chains SET seq = 2, hash = (SELECT hash FROM audit_records WHERE seq = 2)",
    ] {
        sqlx::query(sql).execute(&mut db).await.unwrap();
    }
    let (code, _, err) = run_cli(
        &["audit", "reanchor", "--node", "test-node", "--reason", "x"],
        cat.path(),
    );
    assert_eq!(code, 1);
    assert!(err.contains("restore the store from a backup"), "{err}");
}

#[tokio::test]
async fn a_chain_whose_anchor_was_deleted_with_its_checkpoints_is_not_extended() {
    let up = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", up.addr));
    every_two(&cat);
    let gw = Gateway::start(cat.path()).await;
    for _ in 0..5 {
        let r = gw
            .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await;
        assert_eq!(r.status(), 200);
    }
    gw.stop().await;
    // The attack of the test above, and the anchor deleted too (or lost with its volume).
    rewind(&cat, 4).await;
    std::fs::remove_dir_all(cat.file("keys/anchors")).unwrap();
    let gw = Gateway::start(cat.path()).await;
    let (status, body) = readyz(&gw).await;
    assert_eq!(
        (status, &body["audit_anchor"]),
        (503, &Value::from("mismatch"))
    );
    assert_eq!(
        metric(&gw, "dxgate_audit_anchor_mismatch").await,
        "dxgate_audit_anchor_mismatch 1"
    );
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    let (status, _, _, body) = parts(r).await;
    assert_eq!(status, 503);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("/audit-unavailable"),
        "{body}"
    );
    assert!(!cat.file("keys/anchors/test-node.checkpoint").exists());
    let err = cli_fails(&["audit", "verify"], cat.path());
    assert!(err.contains("anchor file"), "{err}");
    // Only an operator's decision anchors it again.
    let args = [
        "audit",
        "reanchor",
        "--node",
        "test-node",
        "--reason",
        "anchor volume lost",
    ];
    let (code, out, err) = run_cli(&args, cat.path());
    assert_eq!(code, 0, "{out}{err}");
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(r.status(), 200);
    gw.stop().await;
}

#[tokio::test]
async fn a_store_from_before_anchors_starts_only_when_bootstrapping_is_asked_for() {
    let up = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", up.addr));
    every_two(&cat);
    let gw = Gateway::start(cat.path()).await;
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(r.status(), 200);
    gw.stop().await;
    // What a release without anchor files leaves behind.
    std::fs::remove_dir_all(cat.file("keys/anchors")).unwrap();
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(readyz(&gw).await.0, 503);
    gw.stop().await;
    cat.append("dxgate.toml", "bootstrap_anchor = true\n");
    let gw = Gateway::start(cat.path()).await;
    let (status, body) = readyz(&gw).await;
    assert_eq!((status, &body["audit_anchor"]), (200, &Value::from("ok")));
    assert!(cat.file("keys/anchors/test-node.checkpoint").exists());
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(r.status(), 200);
    gw.stop().await;
}
