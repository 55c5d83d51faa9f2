//! Issue 12: records written before keyed payload hashes hold plain SHA-256 of the query (of
//! `citizen_id=…`, enumerable). No read path shows them: the API withholds them (`null`, with
//! `payload_hashes_withheld`), `check-inclusion` says it did not check the record's content,
//! and `audit verify` still checks them against the stored values.

use dxgate::audit::note::load_or_create_key;
use dxgate::audit::{
    AuditWriter, CheckpointPolicy, Digest, Entry, Outcome, SchemaResult, Store, WriterConfig,
};
use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;

/// The query a legacy record hashed in the clear.
const QUERY: &str = "citizen_id=001090012345";

/// Write `old-node`'s chain as a release before keyed hashes did: plain SHA-256 of the query
/// and of the response, no `payload_scheme`, a signed checkpoint over it.
async fn legacy_chain(cat: &Catalogue) {
    let store = Store::open(&format!("sqlite://{}", cat.audit_db().display()))
        .await
        .unwrap();
    let origin = "dxgate.local/audit";
    let (signer, _) = load_or_create_key(&cat.file("keys/checkpoint.key"), origin).unwrap();
    let config = WriterConfig {
        node_id: "old-node".into(),
        batch_max: 8,
        queue_capacity: 8,
        checkpoints: Some(CheckpointPolicy {
            signer,
            origin: origin.into(),
            every: 1,
            interval: std::time::Duration::from_secs(3600),
            anchor_dir: None,
            trusted: Vec::new(),
            bootstrap_anchor: false,
        }),
    };
    let (writer, task) = AuditWriter::start_with(store.clone(), config)
        .await
        .unwrap();
    let e = Entry::new("legacy-1", 1_700_000_000_000, "GET")
        .consumer("portal")
        .dataset("alpha", "people")
        .purpose("legacy lookup")
        .outcome(Outcome::Served, 200)
        .schemas(SchemaResult::Valid, SchemaResult::Valid)
        .payloads(
            Some(Digest::sha256(QUERY)),
            Some(Digest::sha256(person("001090012345"))),
        );
    writer.record(e).await.unwrap();
    drop(writer);
    task.await.unwrap();
    store.close().await;
}

/// Every string anywhere in `v`.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// `v` shows the legacy record with its payload hashes withheld, and nothing in it is the
/// plain hash of the query or of the response.
fn withheld(v: &Value) {
    let mut all = Vec::new();
    strings(v, &mut all);
    let plain = [
        Digest::sha256(QUERY).to_hex(),
        Digest::sha256(person("001090012345")).to_hex(),
    ];
    assert!(all.iter().all(|s| !plain.contains(s)), "{v}");
}

#[tokio::test]
async fn legacy_plain_payload_hashes_are_withheld_on_every_read_path() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    // The first start creates the store and the keys.
    Gateway::start(cat.path()).await.stop().await;
    legacy_chain(&cat).await;
    let gw = Gateway::start(cat.path()).await;
    let fresh = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(fresh.status(), 200);
    let fresh = request_id(&fresh);

    let one = gw
        .json_as(OVERSIGHT_KEY, "/v1/audit/records/legacy-1")
        .await;
    assert_eq!(one["payload_hashes_withheld"], "legacy-plain-sha256");
    assert!(one["request_sha256"].is_null() && one["response_sha256"].is_null());
    assert!(one.get("payload_scheme").is_none());
    withheld(&one);
    let list = gw
        .json_as(OVERSIGHT_KEY, "/v1/audit/records?limit=100")
        .await;
    withheld(&list);
    let proof = gw
        .json_as(OVERSIGHT_KEY, "/v1/audit/inclusion/legacy-1")
        .await;
    assert_eq!(
        proof["record"]["payload_hashes_withheld"],
        "legacy-plain-sha256"
    );
    withheld(&proof);
    // A keyed record keeps its hashes: they reveal nothing.
    let keyed = gw
        .json_as(OVERSIGHT_KEY, &format!("/v1/audit/records/{fresh}"))
        .await;
    assert!(keyed["request_sha256"].is_string(), "{keyed}");
    assert!(keyed.get("payload_hashes_withheld").is_none());
    let key = gw.json_as(OVERSIGHT_KEY, "/v1/audit/checkpoint").await["verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    gw.stop().await;

    // The proof still proves inclusion; the record's content is said not to be checked.
    cat.write("proof.json", &proof.to_string());
    let proof_file = cat.file("proof.json");
    let path = proof_file.to_str().unwrap();
    let (code, out, err) = run_bin(&["audit", "check-inclusion", "--key", &key, path]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("record content not checked"), "{out}");
    // Verification uses the stored values: the legacy chain verifies.
    let (code, out, err) = run_cli(&["audit", "verify", "--key", &key], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("old-node"), "{out}");
}
