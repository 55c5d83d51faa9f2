//! Reading back what the store holds: a hash column that is not 64 lowercase hex digits is a
//! malformed record, named, never a zero hash that would quietly change a root or a proof.

use super::*;
use crate::audit::chain::Head;
use crate::audit::verify::{verify_all, VerifyOptions};
use crate::audit::{Entry, Outcome, SchemaResult};

async fn store_with_chain(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let store = Store::open(&url).await.unwrap();
    let mut head = Head::genesis();
    let mut records = Vec::new();
    for id in ["r1", "r2", "r3"] {
        let entry = Entry::new(id, 1_700_000_000_000, "GET")
            .outcome(Outcome::Served, 200)
            .schemas(SchemaResult::Valid, SchemaResult::Valid)
            .payloads(Some(Digest::sha256(id)), None);
        records.push(head.extend("n1", entry));
    }
    store.append(&records).await.unwrap();
    store
}

#[tokio::test]
async fn hashes_round_trip_through_their_hex_columns() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_chain(&dir).await;
    let r2 = store.get("r2").await.unwrap().unwrap();
    let r1 = store.get("r1").await.unwrap().unwrap();
    assert_eq!(r2.prev_hash, r1.hash);
    assert_eq!(r2.entry.request_sha256, Some(Digest::sha256("r2")));
    assert_eq!(
        store.head("n1").await.unwrap().hash,
        store.get("r3").await.unwrap().unwrap().hash
    );
    let reports = verify_all(&store, &VerifyOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reports[0].records, 3);
}

#[tokio::test]
async fn a_malformed_hash_is_an_error_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_chain(&dir).await;
    for (column, bad) in [
        ("hash", "not hex at all"),
        (
            "prev_hash",
            "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
        ),
        ("request_sha256", "00"),
    ] {
        let restore = store.get("r2").await.unwrap().unwrap();
        store
            .execute_raw(&format!(
                "UPDATE audit_records SET {column} = '{bad}' WHERE request_id = 'r2'"
            ))
            .await
            .unwrap();
        let err = store.get("r2").await.unwrap_err().to_string();
        assert!(
            err.contains("record r2") && err.contains(column),
            "{column}: {err}"
        );
        // `audit verify` stops on it too, instead of folding a zero leaf into the tree.
        let err = verify_all(&store, &VerifyOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{column}: {err}");
        let good = match column {
            "hash" => restore.hash.to_hex(),
            "prev_hash" => restore.prev_hash.to_hex(),
            _ => Digest::sha256("r2").to_hex(),
        };
        store
            .execute_raw(&format!(
                "UPDATE audit_records SET {column} = '{good}' WHERE request_id = 'r2'"
            ))
            .await
            .unwrap();
        assert!(verify_all(&store, &VerifyOptions::default())
            .await
            .unwrap()
            .is_ok());
    }
}

#[tokio::test]
async fn a_malformed_head_or_tree_node_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_chain(&dir).await;
    store
        .execute_raw("UPDATE audit_chains SET hash = 'zz' WHERE node_id = 'n1'")
        .await
        .unwrap();
    assert!(matches!(
        store.head("n1").await,
        Err(StoreError::Corrupt(_))
    ));
    store
        .execute_raw("INSERT INTO audit_tree (node_id, level, idx, hash) VALUES ('n1', 8, 0, 'zz')")
        .await
        .unwrap();
    let parts = [crate::audit::merkle::Subtree { level: 8, index: 0 }];
    let err = store
        .subtree_hashes("n1", &parts)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("tree node n1/8/0"), "{err}");
}
