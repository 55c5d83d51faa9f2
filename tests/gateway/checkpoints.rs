//! Signed checkpoints, inclusion proofs checked offline, and truncation only checkpoints reveal.

use std::time::Duration;

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;
use dxgate::audit::note::NoteVerifier;
use dxgate::audit::Checkpoint;

/// A catalogue whose gateway checkpoints quickly.
fn fast_checkpoints(cat: &Catalogue) {
    cat.write(
        "dxgate.toml",
        "[server]\nnode_id = \"test-node\"\nmax_request_body = 4096\n\
         [audit]\ncheckpoint_every = 1000\ncheckpoint_interval = \"200ms\"\n",
    );
}

/// Poll the public checkpoint until it covers `size` records.
async fn checkpoint_of_size(gw: &Gateway, size: i64) -> Value {
    for _ in 0..100 {
        let v: Value = gw.anon_json("/v1/audit/checkpoint").await;
        if v["checkpoints"][0]["tree_size"] == size {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no checkpoint of size {size}");
}

#[tokio::test]
async fn checkpoints_are_signed_and_inclusion_proofs_check_offline() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    fast_checkpoints(&cat);
    let (code, vkey, err) = run_cli(&["audit", "key"], cat.path());
    assert_eq!(code, 0, "{err}");
    let vkey = vkey.trim().to_owned();
    assert!(vkey.starts_with("dxgate.local/audit+"), "{vkey}");
    let gw = Gateway::start(cat.path()).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(request_id(&gw.get(PORTAL_KEY, &person("001")).await));
    }
    let police = request_id(&gw.get(POLICE_KEY, RESTRICTED).await);

    // The public checkpoint: a C2SP note signed by the key `audit key` printed. The chain
    // holds the start's catalog_change record and the six requests.
    let v = checkpoint_of_size(&gw, 7).await;
    assert_eq!(v["verifier_key"], vkey.as_str());
    let note = v["checkpoints"][0]["note"].as_str().unwrap();
    let cp = Checkpoint::open(note, &NoteVerifier::parse(&vkey).unwrap()).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size),
        ("dxgate.local/audit/test-node", 7)
    );
    let r = gw.anon("/v1/audit/checkpoint/test-node").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap(), note);
    assert_eq!(gw.anon_status("/v1/audit/checkpoint/nobody").await, 404);

    // An inclusion proof for the consumer's own request, checked offline by the CLI.
    let inclusion = |key: &'static str, id: String| {
        let url = gw.url(&format!("/v1/audit/inclusion/{id}"));
        async move { client().get(url).bearer_auth(key).send().await.unwrap() }
    };
    let r = inclusion(PORTAL_KEY, ids[2].clone()).await;
    assert_eq!(r.status(), 200);
    let proof: Value = r.json().await.unwrap();
    assert_eq!(proof["seq"], 4);
    assert_eq!(proof["tree_size"], 7);
    assert_eq!(proof["record"]["request_id"], ids[2].as_str());
    let file = cat.file("proof.json");
    std::fs::write(&file, proof.to_string()).unwrap();
    let path = file.to_str().unwrap();
    let (code, out, err) = run_bin(&["audit", "check-inclusion", path, "--key", &vkey]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("record content checked"), "{out}");
    let mut forged = proof.clone();
    forged["record"]["purpose"] = "something else".into();
    std::fs::write(&file, forged.to_string()).unwrap();
    let (code, _, err) = run_bin(&["audit", "check-inclusion", path, "--key", &vkey]);
    assert_eq!(code, 1);
    assert!(err.contains("NOT INCLUDED"), "{err}");
    let mut forged = proof.clone();
    forged["seq"] = 5.into();
    forged["leaf_index"] = 4.into();
    forged.as_object_mut().unwrap().remove("record");
    std::fs::write(&file, forged.to_string()).unwrap();
    assert_eq!(
        run_bin(&["audit", "check-inclusion", path, "--key", &vkey]).0,
        1
    );

    // Scoped like the records: another consumer's id is not confirmed; no key is 401.
    assert_eq!(inclusion(PORTAL_KEY, police).await.status(), 404);
    assert_eq!(inclusion("nobody", ids[0].clone()).await.status(), 401);
    gw.stop().await;

    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("checkpoint signatures valid"), "{out}");
    std::fs::write(cat.file("saved.checkpoint"), note).unwrap();

    // Cut the chain's tail and fix up its head row: only the signed checkpoint shows it.
    let mut db = cat.audit_sqlite().await;
    for sql in [
        "DELETE FROM audit_records WHERE seq > 4",
        "UPDATE audit_chains SET seq = 4, hash = (SELECT hash FROM audit_records WHERE seq = 4)",
    ] {
        sqlx::query(sql).execute(&mut db).await.unwrap();
    }
    let err = cli_fails(&["audit", "verify"], cat.path());
    assert!(
        err.contains("removed from its end") && err.contains("signed checkpoint"),
        "{err}"
    );

    // Remove the checkpoints too: the writer's anchor (kept outside the store) catches it, and
    // so does a checkpoint saved by a consumer.
    sqlx::query("DELETE FROM audit_checkpoints")
        .execute(&mut db)
        .await
        .unwrap();
    let (code, _, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 1);
    assert!(err.contains("removed from its end"), "{err}");
    // Deleting the anchor as well does not make the cut chain verify: this node's chain has
    // records and no anchor.
    std::fs::remove_dir_all(cat.file("keys/anchors")).unwrap();
    let err = cli_fails(&["audit", "verify"], cat.path());
    assert!(
        err.contains("TAMPERED") && err.contains("anchor file"),
        "{err}"
    );
    let saved = cat.file("saved.checkpoint");
    let err = cli_fails(
        &["audit", "verify", "--checkpoint", saved.to_str().unwrap()],
        cat.path(),
    );
    assert!(err.contains("removed from its end"), "{err}");

    // A checkpoint signed by another key is refused.
    let other = dxgate::audit::note::NoteSigner::generate("dxgate.local/audit").unwrap();
    let forged = Checkpoint::parse(
        Checkpoint::open(note, &NoteVerifier::parse(&vkey).unwrap())
            .unwrap()
            .body()
            .as_str(),
    )
    .unwrap()
    .sign(&other);
    std::fs::write(&saved, forged).unwrap();
    let err = cli_fails(
        &["audit", "verify", "--checkpoint", saved.to_str().unwrap()],
        cat.path(),
    );
    assert!(err.contains("not validly signed"), "{err}");
}

#[tokio::test]
async fn inclusion_waits_for_a_checkpoint_and_checkpoints_survive_restarts() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_settings(&up, "[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 4\ncheckpoint_interval = \"1h\"\n");
    // The start's catalog_change record is record 1, the request 2, the refused read 3.
    let gw = Gateway::start(cat.path()).await;
    let first = request_id(&gw.get(PORTAL_KEY, &person("001")).await);
    let r = gw
        .get_as(PORTAL_KEY, &format!("/v1/audit/inclusion/{first}"))
        .await;
    let (status, _, ct, body) = parts(r).await;
    assert_eq!((status, ct.as_str()), (409, "application/problem+json"));
    assert!(body["type"]
        .as_str()
        .unwrap()
        .ends_with("/not-yet-checkpointed"));
    // The fourth record is checkpointed in its own commit.
    for _ in 0..2 {
        gw.get(PORTAL_KEY, &person("002")).await;
    }
    let v = checkpoint_of_size(&gw, 4).await;
    assert_eq!(v["checkpoints"][0]["tree_size"], 4);
    gw.stop().await;

    // A restarted gateway continues the chain and the tree: the stop checkpointed record 5;
    // the restart's catalog_change record (6) and three requests make the next checkpoint 9.
    let gw = Gateway::start(cat.path()).await;
    for _ in 0..3 {
        gw.get(PORTAL_KEY, &person("003")).await;
    }
    checkpoint_of_size(&gw, 9).await;
    let r = gw
        .get_as(PORTAL_KEY, &format!("/v1/audit/inclusion/{first}"))
        .await;
    let proof: Value = r.json().await.unwrap();
    assert_eq!(proof["tree_size"], 9);
    gw.stop().await;
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    // Nine, and the read of the proof.
    assert!(out.contains("10 records verified"), "{out}");
}
