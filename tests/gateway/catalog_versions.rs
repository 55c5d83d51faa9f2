//! Catalogue versions in the chain (issue 14, item 1): the start and every changing reload
//! commit a `catalog_change` record with the new and previous digest and a summary; each data
//! record carries the digest of the catalogue it was decided under; the exact files of every
//! version stay readable by oversight.

use dxgate::gateway::ReloadOutcome;
use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::*;

async fn versions(gw: &Gateway, key: &str) -> (u16, Value) {
    let (status, _, _, body) = parts(gw.get(key, "/v1/catalog/versions").await).await;
    (status, body)
}

#[tokio::test]
async fn a_reload_adding_a_refusal_rule_is_witnessed_and_later_refusals_carry_its_digest() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    let path = "/v1/data/alpha/slow?code=1234";

    // At start: one catalog_change record, compared with nothing before it.
    let (status, v) = versions(&gw, OVERSIGHT_KEY).await;
    assert_eq!(status, 200, "{v}");
    let first = v["current"].as_str().unwrap().to_owned();
    assert_eq!(first.len(), 64);
    assert_eq!(v["changes"].as_array().unwrap().len(), 1, "{v}");
    let start = &v["changes"][0];
    assert_eq!(
        (&start["digest"], &start["previous"], &start["reason"]),
        (&json!(first), &Value::Null, &json!("start"))
    );
    assert!(start["summary"]["datasets_added"]
        .as_array()
        .unwrap()
        .contains(&json!("alpha/slow")));
    let served = gw.get(PORTAL_KEY, "/v1/data/alpha/http-ok?code=1234").await;
    let (status, served_id, _, _) = parts(served).await;
    assert_eq!(status, 200);
    assert_eq!(record(&gw, &served_id).await["catalog_digest"], first);

    // A reload that changes nothing records nothing.
    assert!(matches!(gw.reload().await, ReloadOutcome::Applied { .. }));
    assert_eq!(
        versions(&gw, OVERSIGHT_KEY).await.1["changes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A new blanket refusal rule on alpha/slow (the last dataset of alpha.toml).
    cat.append(
        "policies/agencies/alpha.toml",
        "\n[[datasets.refusals]]\nlegal_basis = \"Decree 12, Art. 4\"\nreason = \"Withheld pending audit.\"\n",
    );
    assert!(matches!(gw.reload().await, ReloadOutcome::Applied { .. }));
    let (_, v) = versions(&gw, OVERSIGHT_KEY).await;
    let second = v["current"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let change = &v["changes"][0];
    assert_eq!(
        (&change["digest"], &change["previous"], &change["reason"]),
        (&json!(second), &json!(first), &json!("reload"))
    );
    let s = &change["summary"];
    assert_eq!(
        s["refusal_rules_added"],
        json!([{
            "dataset": "alpha/slow",
            "decided_by": "policy:alpha/slow#1",
            "consumers": null,
            "except_consumers": null,
            "purposes_not_in": null,
            "legal_basis": "Decree 12, Art. 4",
            "reason": "Withheld pending audit.",
        }])
    );
    assert_eq!(s["datasets_added"], json!([]));
    assert_eq!(s["flag_for_oversight"], true);
    assert_eq!(s["flags"], json!(["new_refusal_rule"]));
    // The change itself is a record of the chain.
    let rec = record(&gw, change["request_id"].as_str().unwrap()).await;
    assert_eq!(rec["outcome"], "event");
    assert_eq!(rec["event"]["kind"], "catalog_change");
    assert_eq!(rec["event"]["facts"]["digest"], second);

    // Later refusals are decided under, and carry, the new version.
    let (status, id, _, body) = parts(gw.get(PORTAL_KEY, path).await).await;
    assert_eq!(status, 403, "{body}");
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "refused");
    assert_eq!(rec["justification"]["decided_by"], "policy:alpha/slow#1");
    assert_eq!(rec["catalog_digest"], second);

    // Oversight reads the exact text of both versions; the old one lacks the rule.
    let text = |digest: String| {
        let gw = &gw;
        async move {
            let (status, _, _, body) = parts(
                gw.get(OVERSIGHT_KEY, &format!("/v1/catalog/versions/{digest}"))
                    .await,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body["files"]["policies/agencies/alpha.toml"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(
        text(second.clone()).await,
        cat.read("policies/agencies/alpha.toml")
    );
    assert!(!text(first).await.contains("Decree 12"));

    // A consumer without a role may not read them; an unknown digest is 404, and so is
    // another spelling of a retained one (upper case) or text that is no digest at all.
    let (status, body) = versions(&gw, PORTAL_KEY).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["type"], "https://dxgate.dev/problems/forbidden");
    for digest in ["0".repeat(64), second.to_uppercase(), "not-hex".into()] {
        let path = format!("/v1/catalog/versions/{digest}");
        let (status, _, _, body) = parts(gw.get(OVERSIGHT_KEY, &path).await).await;
        assert_eq!(status, 404, "{digest}: {body}");
        assert_eq!(body["type"], "https://dxgate.dev/problems/not-found");
    }
}

/// A reload that cannot be witnessed (the store refuses the new version) is rejected and the
/// old catalogue keeps serving; once it can be witnessed, a new state-secret entry is flagged
/// for oversight and the refusal it causes names the new version in the refusal list.
#[tokio::test]
async fn an_unwitnessed_reload_is_rejected_and_a_new_state_secret_is_flagged() {
    use sqlx::Executor;
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    let path = HTTP_OK;
    let first = versions(&gw, OVERSIGHT_KEY).await.1["current"]
        .as_str()
        .unwrap()
        .to_owned();

    // The store refuses to keep any new catalogue version.
    let mut db = cat.audit_sqlite().await;
    db.execute(
        "CREATE TRIGGER refuse_versions BEFORE INSERT ON catalog_versions \
         BEGIN SELECT RAISE(ABORT, 'versions are read-only'); END",
    )
    .await
    .unwrap();
    cat.append(
        "policies/state-secrets.toml",
        "\n[[entries]]\ndataset = \"alpha/http-ok\"\nlisted_by = \"Decision 2/TEST\"\n",
    );
    assert_eq!(gw.reload().await, ReloadOutcome::Rejected { problems: 1 });
    let (_, v) = versions(&gw, OVERSIGHT_KEY).await;
    assert_eq!(v["current"], json!(first));
    assert_eq!(v["changes"].as_array().unwrap().len(), 1, "{v}");
    // The old catalogue keeps serving: alpha/http-ok is not yet a state secret.
    let (status, id, _, body) = parts(gw.get(PORTAL_KEY, path).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(record(&gw, &id).await["catalog_digest"], first);

    // Once the version can be kept, the same reload is witnessed and flagged.
    db.execute("DROP TRIGGER refuse_versions").await.unwrap();
    assert!(matches!(gw.reload().await, ReloadOutcome::Applied { .. }));
    let (_, v) = versions(&gw, OVERSIGHT_KEY).await;
    let second = v["current"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let s = &v["changes"][0]["summary"];
    assert_eq!(s["state_secrets_added"], json!(["alpha/http-ok"]));
    assert_eq!(s["refusal_rules_added"], json!([]));
    assert_eq!(s["flag_for_oversight"], true);
    assert_eq!(s["flags"], json!(["new_state_secret"]));

    // The exemption it causes carries the new digest; so does a refusal, in the refusal list.
    let (status, id, _, body) = parts(gw.get(PORTAL_KEY, path).await).await;
    assert_eq!(status, 403, "{body}");
    let rec = record(&gw, &id).await;
    assert_eq!(
        (&rec["outcome"], &rec["catalog_digest"]),
        (&json!("exempt"), &json!(second))
    );
    let (status, id, _, body) = parts(gw.get(PORTAL_KEY, RESTRICTED).await).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, _, r) = parts(
        gw.get(OVERSIGHT_KEY, &format!("/v1/oversight/refusals/{id}"))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["catalog_digest"], json!(second));
}
