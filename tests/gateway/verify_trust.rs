//! Issue 12: `audit verify` trusts only what comes from outside the store — verifier keys given
//! out of band, the chains the configuration and the anchors name.

use crate::common::catalogue::*;
use crate::common::*;

/// Two replicas' chains in one store, `node-a` and `node-b`, checkpointed.
async fn two_chains(cat: &Catalogue) {
    cat.write(
        "dxgate.toml",
        "[audit]\ncheckpoint_every = 2\ncheckpoint_interval = \"1h\"\nchains = [\"node-a\", \"node-b\"]\n",
    );
    for node in ["node-a", "node-b"] {
        let gw = Gateway::start_with_env(cat.path(), &[("DXGATE_NODE_ID", node)]).await;
        serve_people(&gw, 2, "001").await;
        gw.stop().await;
    }
}

#[tokio::test]
async fn verify_says_loudly_when_it_only_has_the_key_next_to_the_store() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    two_chains(&cat).await;
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("NOT an independent verification"), "{err}");
    assert!(out.contains("NOT INDEPENDENT"), "{out}");

    let (_, vkey, _) = run_cli(&["audit", "key"], cat.path());
    let (code, out, err) = run_cli(&["audit", "verify", "--key", vkey.trim()], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !err.contains("WARNING") && !out.contains("NOT INDEPENDENT"),
        "{out}{err}"
    );
    // Two requests and the start's catalog_change record on each chain.
    assert!(out.contains("ok: 2 chain(s), 6 records verified"), "{out}");

    // A key from out of band that did not sign these checkpoints: the local key is not used.
    let other = dxgate::audit::note::NoteSigner::generate("dxgate.local/audit").unwrap();
    let (code, _, err) = run_cli(
        &["audit", "verify", "--key", &other.verifier_key()],
        cat.path(),
    );
    assert_eq!(code, 1);
    assert!(err.contains("not validly signed"), "{err}");
}

#[tokio::test]
async fn a_deleted_chain_fails_verification() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    two_chains(&cat).await;
    let (_, vkey, _) = run_cli(&["audit", "key"], cat.path());
    let vkey = vkey.trim();

    // Delete node-b's chain whole: records, head row, checkpoints.
    let mut db = cat.audit_sqlite().await;
    for table in [
        "audit_records",
        "audit_chains",
        "audit_checkpoints",
        "audit_tree",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE node_id = 'node-b'"))
            .execute(&mut db)
            .await
            .unwrap();
    }
    let (code, _, err) = run_cli(&["audit", "verify", "--key", vkey], cat.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("chain node-b at seq 0") && err.contains("missing from the store"),
        "{err}"
    );

    // Without the configuration's list, node-b's anchor file still names it.
    cat.write(
        "dxgate.toml",
        "[audit]\ncheckpoint_every = 2\ncheckpoint_interval = \"1h\"\n",
    );
    let (code, _, err) = run_cli(&["audit", "verify", "--key", vkey], cat.path());
    assert_eq!(code, 1);
    assert!(err.contains("missing from the store"), "{err}");

    // A misspelt chain in the configuration is reported at its line.
    cat.write("dxgate.toml", "[audit]\nchains = [\"no good\"]\n");
    let (code, _, err) = run_cli(&["audit", "verify", "--key", vkey], cat.path());
    assert_eq!(code, 1);
    assert!(
        err.contains("dxgate.toml:2") && err.contains("[audit] chains"),
        "{err}"
    );
}
