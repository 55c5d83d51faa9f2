//! Issue 12: a log that cannot be rewound behind the writer's back. Someone with write access to
//! the store but no signing key cuts a chain's tail, deletes the checkpoints above the cut and
//! rewinds `audit_chains`: the store is consistent with itself, yet the restarted gateway must
//! refuse to extend it (its anchor file holds the last checkpoint it signed).

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::surgery::{cut_tail, reanchor, rewind};
use crate::common::*;

/// Checkpoint every 2 records, never on a timer.
fn every_two(cat: &Catalogue) {
    cat.write(
        "dxgate.toml",
        "[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 2\ncheckpoint_interval = \"1h\"\n",
    );
}

/// The standard catalogue checkpointed every 2 records, and the gateway on it.
async fn start() -> (Upstream, Catalogue, Gateway) {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    every_two(&cat);
    let gw = Gateway::start(cat.path()).await;
    (up, cat, gw)
}

async fn readyz(gw: &Gateway) -> (u16, Value) {
    let r = client().get(gw.url("/readyz")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The gateway does not extend the chain it found: not ready (anchor mismatch, counted), and a
/// data request is refused 503 audit-unavailable.
async fn refuses_to_extend(gw: &Gateway) {
    let (status, body) = readyz(gw).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["audit_anchor"], "mismatch");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        gw.metric("dxgate_audit_anchor_mismatch").await,
        "dxgate_audit_anchor_mismatch 1"
    );
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    let (status, _, ct, body) = parts(r).await;
    assert_eq!((status, ct.as_str()), (503, "application/problem+json"));
    assert_eq!(
        body["type"], "https://dxgate.dev/problems/audit-unavailable",
        "{body}"
    );
}

#[tokio::test]
async fn a_rewound_chain_is_not_extended_until_an_operator_reanchors_it() {
    let (_up, cat, gw) = start().await;
    serve_people(&gw, 6, "001").await;
    gw.stop().await;
    assert!(cat.file("keys/anchors/test-node.checkpoint").exists());

    rewind(&cat, 4).await;

    // The restarted gateway does not extend the forged history.
    let gw = Gateway::start(cat.path()).await;
    refuses_to_extend(&gw).await;
    // Nothing was appended, and no checkpoint was signed over the forged head.
    let mut db = cat.audit_sqlite().await;
    let (records, top): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM audit_records), (SELECT MAX(tree_size) FROM audit_checkpoints)",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!((records, top), (4, 4));

    // The operator accepts the stored chain (its old anchor kept as evidence): serving resumes
    // with the next request, no restart needed.
    let (code, out, err) = reanchor(&cat, "incident 42: tail lost");
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
    serve_people(&gw, 1, "001").await;
    let (status, body) = readyz(&gw).await;
    assert_eq!((status, &body["audit_anchor"]), (200, &Value::from("ok")));
    assert_eq!(
        gw.metric("dxgate_audit_anchor_mismatch").await,
        "dxgate_audit_anchor_mismatch 0"
    );
    gw.stop().await;
}

#[tokio::test]
async fn an_untouched_chain_restarts_and_reanchor_refuses_an_inconsistent_store() {
    let (_up, cat, gw) = start().await;
    for _ in 0..4 {
        gw.get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await;
    }
    gw.stop().await;
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(readyz(&gw).await.0, 200);
    serve_people(&gw, 1, "001").await;
    gw.stop().await;

    // Tail cut but the store's own checkpoint left: nothing to accept, restore instead.
    cut_tail(&cat, 2).await;
    let (code, _, err) = reanchor(&cat, "x");
    assert_eq!(code, 1);
    assert!(err.contains("restore the store from a backup"), "{err}");
}

#[tokio::test]
async fn a_chain_whose_anchor_was_deleted_with_its_checkpoints_is_not_extended() {
    let (_up, cat, gw) = start().await;
    serve_people(&gw, 5, "001").await;
    gw.stop().await;
    // The attack of the test above, and the anchor deleted too (or lost with its volume).
    rewind(&cat, 4).await;
    std::fs::remove_dir_all(cat.file("keys/anchors")).unwrap();
    let gw = Gateway::start(cat.path()).await;
    refuses_to_extend(&gw).await;
    assert!(!cat.file("keys/anchors/test-node.checkpoint").exists());
    let err = cli_fails(&["audit", "verify"], cat.path());
    assert!(err.contains("anchor file"), "{err}");
    // Only an operator's decision anchors it again.
    let (code, out, err) = reanchor(&cat, "anchor volume lost");
    assert_eq!(code, 0, "{out}{err}");
    serve_people(&gw, 1, "001").await;
    gw.stop().await;
}

#[tokio::test]
async fn a_store_from_before_anchors_starts_only_when_bootstrapping_is_asked_for() {
    let (_up, cat, gw) = start().await;
    serve_people(&gw, 1, "001").await;
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
    serve_people(&gw, 1, "001").await;
    gw.stop().await;
}
