//! Catalogue changes through the gateway, four eyes (issue 14, item 2): an agency officer
//! proposes its own agency's files only; a change that narrows sharing waits for oversight
//! (never the proposer) and, once approved, is one witnessed catalogue version kept in the
//! overlay across a restart; a rejection changes nothing; a proposal the loader refuses is a
//! 400 with the loader's own diagnostics; proposal, decision and version form one chain.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::catalogue::*;
use crate::common::*;

const PROPOSALS: &str = "/v1/admin/proposals";
const ALPHA: &str = "policies/agencies/alpha.toml";
/// A consumer that is both alpha's officer and oversight: still cannot decide its own proposal.
const BOTH_KEY: &str = "both-hats-key";
/// The source table of alpha/http-ok (the only alpha dataset on `/ok`).
const HTTP_OK_SOURCE: &str = "/ok\"\ntimeout = \"2s\"\nmax_response_bytes = 16384\n";
const RULE: &str = "[[datasets.refusals]]\nlegal_basis = \"Decree 12, Art. 4\"\nreason = \"Withheld pending audit.\"\n";

fn proposal(agency: &str, files: &[(&str, &str)]) -> Value {
    let files: Vec<Value> = (files.iter())
        .map(|(p, t)| json!({"path": p, "text": t}))
        .collect();
    json!({"agency": agency, "note": "Audit of the tax office under way.", "files": files})
}

/// A proposal of alpha's officer for alpha.
async fn by_alpha(gw: &Gateway, files: &[(&str, &str)]) -> (u16, Value) {
    post_json(gw, OFFICER_ALPHA_KEY, PROPOSALS, proposal("alpha", files)).await
}

/// Where proposal `p` (as answered) is decided.
fn decision(p: &Value) -> String {
    format!(
        "{PROPOSALS}/{}/decision",
        p["proposal_id"].as_str().unwrap()
    )
}

/// alpha.toml with a blanket refusal rule on alpha/http-ok.
fn alpha_refusing_http_ok(cat: &Catalogue) -> String {
    let text = cat.read(ALPHA);
    assert!(text.contains(HTTP_OK_SOURCE));
    text.replacen(HTTP_OK_SOURCE, &format!("{HTTP_OK_SOURCE}{RULE}"), 1)
}

async fn setup() -> (Upstream, Catalogue, Gateway) {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let sha = hex::encode(Sha256::digest(BOTH_KEY.as_bytes()));
    cat.append(
        "policies/consumers.toml",
        &format!("[[consumers]]\nid = \"both-hats\"\nname = \"Alpha officer and oversight\"\nroles = [\"agency\", \"oversight\"]\nagency = \"alpha\"\napi_key_sha256 = \"{sha}\"\n"),
    );
    let gw = Gateway::start(cat.path()).await;
    (up, cat, gw)
}

/// Post each (key, proposal): every one answered `status` `kind`, none taken.
async fn none_taken<const N: usize>(
    gw: &Gateway,
    cases: [(&str, Value); N],
    status: u16,
    kind: &str,
) {
    for (key, body) in cases {
        let (got, p) = post_json(gw, key, PROPOSALS, body.clone()).await;
        assert_eq!((got, problem_kind(&p)), (status, kind), "{key} {body}: {p}");
    }
    assert!(listed(gw, OVERSIGHT_KEY).await.is_empty());
}

async fn current(gw: &Gateway) -> String {
    let (status, _, _, v) = parts(gw.get(OVERSIGHT_KEY, "/v1/catalog/versions").await).await;
    assert_eq!(status, 200, "{v}");
    v["current"].as_str().unwrap().to_owned()
}

async fn listed(gw: &Gateway, key: &str) -> Vec<Value> {
    let (status, _, _, body) = parts(gw.get_as(key, PROPOSALS).await).await;
    assert_eq!(status, 200, "{body}");
    body["proposals"].as_array().unwrap().clone()
}

/// (status, catalog_digest of its record) of a request for alpha/http-ok.
async fn http_ok(gw: &Gateway) -> (u16, Value) {
    let (status, id, _, _) = parts(gw.get(PORTAL_KEY, HTTP_OK).await).await;
    let rec = record(gw, &id).await;
    (status, rec["catalog_digest"].clone())
}

#[tokio::test]
async fn an_officer_proposes_for_its_own_agency_only() {
    let (_up, cat, gw) = setup().await;
    let text = alpha_refusing_http_ok(&cat);
    let beta = cat.read("policies/agencies/beta.toml") + "\n# touched\n";
    let secrets = cat.read("policies/state-secrets.toml")
        + "\n[[entries]]\ndataset = \"beta/licences\"\nlisted_by = \"Decision 9/TEST\"\n";
    let cases = [
        (OFFICER_ALPHA_KEY, proposal("beta", &[(ALPHA, &text)])),
        (
            OFFICER_ALPHA_KEY,
            proposal("alpha", &[("policies/agencies/beta.toml", &beta)]),
        ),
        (
            OFFICER_ALPHA_KEY,
            proposal("alpha", &[("schemas/beta/x.json", "{}")]),
        ),
        (
            OFFICER_ALPHA_KEY,
            proposal("alpha", &[("policies/consumers.toml", "")]),
        ),
        (
            OFFICER_ALPHA_KEY,
            proposal("alpha", &[("policies/state-secrets.toml", &secrets)]),
        ),
        (OFFICER_BETA_KEY, proposal("alpha", &[(ALPHA, &text)])),
        (PORTAL_KEY, proposal("alpha", &[(ALPHA, &text)])),
        (OVERSIGHT_KEY, proposal("alpha", &[(ALPHA, &text)])),
    ];
    none_taken(&gw, cases, 403, "forbidden").await;
    assert!(!cat.file("overlay").exists());
    // Only officers and oversight read proposals.
    let (status, _, _, body) = parts(gw.get_as(PORTAL_KEY, PROPOSALS).await).await;
    assert_eq!((status, problem_kind(&body)), (403, "forbidden"));
}

#[tokio::test]
async fn a_new_refusal_rule_waits_for_oversight_then_refuses_under_the_new_version() {
    let (_up, cat, gw) = setup().await;
    let first = current(&gw).await;
    let text = alpha_refusing_http_ok(&cat);
    let (status, p) = by_alpha(&gw, &[(ALPHA, &text)]).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(
        (&p["status"], &p["needs_approval"]),
        (&json!("pending"), &json!(true))
    );
    assert_eq!(
        p["summary"]["refusal_rules_added"][0]["dataset"],
        "alpha/http-ok"
    );
    assert_eq!(p["catalog_digest"], json!(first));
    let id = p["proposal_id"].as_str().unwrap().to_owned();

    // Still served under the old version while it waits; alpha's officer sees it, beta's not.
    assert_eq!(http_ok(&gw).await, (200, json!(first)));
    assert_eq!(listed(&gw, OFFICER_ALPHA_KEY).await[0]["status"], "pending");
    assert!(listed(&gw, OFFICER_BETA_KEY).await.is_empty());

    // Four eyes: neither the officer nor an oversight consumer that proposed it decides it.
    let decide = decision(&p);
    let yes = json!({"verdict": "approved", "note": "The audit is a lawful ground."});
    let (status, body) = post_json(&gw, OFFICER_ALPHA_KEY, &decide, yes.clone()).await;
    assert_eq!((status, problem_kind(&body)), (403, "forbidden"));
    let mine = proposal(
        "alpha",
        &[(
            "policies/state-secrets.toml",
            &(cat.read("policies/state-secrets.toml")
                + "\n[[entries]]\ndataset = \"alpha/people\"\nlisted_by = \"Decision 3/TEST\"\n"),
        )],
    );
    let (status, own) = post_json(&gw, BOTH_KEY, PROPOSALS, mine).await;
    assert_eq!((status, &own["status"]), (201, &json!("pending")), "{own}");
    let own_decide = decision(&own);
    let (status, body) = post_json(&gw, BOTH_KEY, &own_decide, yes.clone()).await;
    assert_eq!((status, problem_kind(&body)), (403, "forbidden"), "{body}");
    assert_eq!(current(&gw).await, first);

    // Oversight approves: one new version, witnessed as this proposal's change.
    let (status, a) = post_json(&gw, OVERSIGHT_KEY, &decide, yes.clone()).await;
    assert_eq!(status, 201, "{a}");
    let second = current(&gw).await;
    assert_ne!(second, first);
    assert_eq!(
        (&a["kind"], &a["catalog_digest"]),
        (&json!("change_approval"), &json!(second))
    );
    let (status, rid, _, body) = parts(gw.get(PORTAL_KEY, HTTP_OK).await).await;
    assert_eq!(status, 403, "{body}");
    let refused = record(&gw, &rid).await;
    assert_eq!(
        (
            &refused["outcome"],
            &refused["catalog_digest"],
            &refused["justification"]["decided_by"]
        ),
        (
            &json!("refused"),
            &json!(second),
            &json!("policy:alpha/http-ok#1")
        )
    );
    let (status, body) = post_json(&gw, OVERSIGHT_KEY, &decide, yes).await;
    assert_eq!((status, problem_kind(&body)), (409, "conflict"));

    // The chain: proposal (with the exact text), approval bound to its hash, then the version.
    let (_, _, _, v) = parts(gw.get(OVERSIGHT_KEY, "/v1/catalog/versions").await).await;
    let change = &v["changes"][0];
    assert_eq!(
        (
            &change["digest"],
            &change["previous"],
            &change["reason"],
            &change["proposal_id"]
        ),
        (&json!(second), &json!(first), &json!("change"), &json!(id))
    );
    let proposed = record(&gw, p["request_id"].as_str().unwrap()).await;
    let approved = record(&gw, a["request_id"].as_str().unwrap()).await;
    let version = record(&gw, change["request_id"].as_str().unwrap()).await;
    assert_eq!(proposed["event"]["kind"], "change_proposal");
    assert_eq!(proposed["consumer"], "officer-alpha");
    assert_eq!(proposed["event"]["facts"]["files"][0]["text"], json!(text));
    assert_eq!(
        approved["event"]["facts"]["proposal_hash"],
        proposed["hash"]
    );
    assert_eq!(approved["consumer"], "oversight");
    let seq = |r: &Value| r["seq"].as_i64().unwrap();
    assert!(seq(&proposed) < seq(&approved) && seq(&approved) < seq(&version));
    let (status, _, _, body) = parts(
        gw.get(OVERSIGHT_KEY, &format!("/v1/catalog/versions/{second}"))
            .await,
    )
    .await;
    assert_eq!((status, &body["files"][ALPHA]), (200, &json!(text)));

    // Kept in the overlay, the operator's file untouched; a restart keeps the change.
    assert_eq!(cat.read(&format!("overlay/{ALPHA}")), text);
    assert!(!cat.read(ALPHA).contains("Decree 12"));
    assert!(gw.stop().await.success());
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(current(&gw).await, second);
    let (status, _, _, _) = parts(gw.get(PORTAL_KEY, HTTP_OK).await).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_rejection_leaves_the_catalogue_unchanged_and_a_stale_approval_is_refused() {
    let (_up, cat, gw) = setup().await;
    let first = current(&gw).await;
    let secrets = cat.read("policies/state-secrets.toml")
        + "\n[[entries]]\ndataset = \"alpha/http-ok\"\nlisted_by = \"Decision 2/TEST\"\n";
    let (status, p) = by_alpha(&gw, &[("policies/state-secrets.toml", &secrets)]).await;
    assert_eq!((status, &p["status"]), (201, &json!("pending")), "{p}");
    assert_eq!(
        p["summary"]["state_secrets_added"],
        json!(["alpha/http-ok"])
    );
    let decide = decision(&p);
    let no = json!({"verdict": "rejected", "note": "No instrument lists this dataset."});
    let (status, r) = post_json(&gw, OVERSIGHT_KEY, &decide, no).await;
    assert_eq!(
        (status, &r["kind"]),
        (201, &json!("change_rejection")),
        "{r}"
    );
    let rejection = record(&gw, r["request_id"].as_str().unwrap()).await;
    let proposed = record(&gw, p["request_id"].as_str().unwrap()).await;
    assert_eq!(
        rejection["event"]["facts"]["proposal_hash"],
        proposed["hash"]
    );
    assert_eq!(current(&gw).await, first);
    assert_eq!(http_ok(&gw).await, (200, json!(first)));
    assert!(!cat.file("overlay").exists());
    assert_eq!(listed(&gw, OVERSIGHT_KEY).await[0]["status"], "rejected");
    let yes = json!({"verdict": "approved", "note": "On second thoughts."});
    let (status, body) = post_json(&gw, OVERSIGHT_KEY, &decide, yes.clone()).await;
    assert_eq!((status, problem_kind(&body)), (409, "conflict"));

    // Two pending changes of one file: once one is in force, the other is stale (409).
    let text = alpha_refusing_http_ok(&cat);
    let other = cat.read(ALPHA).replacen(
        HTTP_OK_SOURCE,
        &format!("{HTTP_OK_SOURCE}{}", RULE.replace("12", "13")),
        1,
    );
    let (_, one) = by_alpha(&gw, &[(ALPHA, &text)]).await;
    let (_, two) = by_alpha(&gw, &[(ALPHA, &other)]).await;
    assert_eq!(
        post_json(&gw, OVERSIGHT_KEY, &decision(&one), yes.clone())
            .await
            .0,
        201
    );
    let second = current(&gw).await;
    let (status, body) = post_json(&gw, OVERSIGHT_KEY, &decision(&two), yes).await;
    assert_eq!((status, problem_kind(&body)), (409, "conflict"), "{body}");
    assert!(body["detail"].as_str().unwrap().contains(ALPHA), "{body}");
    assert_eq!(current(&gw).await, second);
    assert_eq!(listed(&gw, OVERSIGHT_KEY).await[2]["status"], "pending");
}

#[tokio::test]
async fn a_change_that_widens_sharing_takes_effect_when_proposed() {
    let (up, cat, gw) = setup().await;
    let first = current(&gw).await;
    // Lift restricted's refusal rule and add a dataset.
    let restricted = "[[datasets.refusals]]\nexcept_consumers = [\"police\"]\nlegal_basis = \"Records Act, Art. 7(2)\"\nreason = \"Only investigating bodies may receive these records.\"\n";
    assert!(cat.read(ALPHA).contains(restricted));
    let new = http_dataset("http-new", &format!("http://{}/ok", up.addr), "", "");
    let text = cat.read(ALPHA).replacen(restricted, "", 1) + &new;
    let (status, p) = by_alpha(&gw, &[(ALPHA, &text)]).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(
        (&p["status"], &p["needs_approval"]),
        (&json!("applied"), &json!(false))
    );
    assert_eq!(p["summary"]["datasets_added"], json!(["alpha/http-new"]));
    assert_eq!(
        p["summary"]["refusal_rules_removed"][0]["dataset"],
        "alpha/restricted"
    );
    let second = current(&gw).await;
    assert_ne!(second, first);
    assert_eq!(p["catalog_digest"], json!(second));
    let (status, _, _, body) = parts(gw.get(PORTAL_KEY, RESTRICTED).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(listed(&gw, OFFICER_ALPHA_KEY).await[0]["status"], "applied");
    // Nothing to decide on a change in force; the same text again changes nothing (400).
    let decide = decision(&p);
    let yes = json!({"verdict": "approved", "note": "ok"});
    assert_eq!(post_json(&gw, OVERSIGHT_KEY, &decide, yes).await.0, 409);
    let (status, body) = by_alpha(&gw, &[(ALPHA, &text)]).await;
    assert_eq!((status, problem_kind(&body)), (400, "invalid-proposal"));
}

#[tokio::test]
async fn an_invalid_proposal_is_400_with_the_loaders_diagnostics() {
    let (_up, cat, gw) = setup().await;
    let first = current(&gw).await;
    // A refusal rule without a reason, and a dataset naming a schema that does not exist.
    let broken = cat.read(ALPHA).replacen(
        HTTP_OK_SOURCE,
        &format!("{HTTP_OK_SOURCE}[[datasets.refusals]]\nlegal_basis = \"Decree 12\"\nreason = \"\"\n"),
        1,
    ) + "\n[[datasets]]\nid = \"ghost\"\ntitle = \"Ghost\"\nrequest_schema = \"alpha/none.json\"\nresponse_schema = \"code.response.json\"\n[datasets.source]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/x\"\n";
    let schema = ("schemas/alpha/ok.json", r#"{"type": "object"}"#);
    let (status, body) = by_alpha(&gw, &[schema, (ALPHA, &broken)]).await;
    assert_eq!(
        (status, problem_kind(&body)),
        (400, "invalid-proposal"),
        "{body}"
    );

    // Exactly what the loader says of the same files on disk (as `dxgate check` would).
    let copy = tempfile::tempdir().unwrap();
    copy_dir(cat.path(), copy.path());
    std::fs::write(copy.path().join(ALPHA), &broken).unwrap();
    std::fs::create_dir_all(copy.path().join("schemas/alpha")).unwrap();
    std::fs::write(copy.path().join(schema.0), schema.1).unwrap();
    let diags = dxgate::config::load(copy.path(), &Default::default()).unwrap_err();
    let want: Vec<Value> = (diags.0.iter())
        .map(|d| {
            let mut d = d.clone();
            d.file = d.file.strip_prefix(copy.path()).unwrap().to_path_buf();
            json!({"pointer": "/files/1/text", "detail": d.to_string()})
        })
        .collect();
    assert_eq!(want.len(), 2, "{want:?}");
    assert_eq!(body["errors"], json!(want));
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("policies/agencies/alpha.toml:"),
        "{body}"
    );

    // Malformed bodies and paths are 400 too; nothing was recorded or changed.
    let bad = [
        json!({"agency": "alpha", "note": "x", "files": []}),
        json!({"agency": "alpha", "note": " ", "files": [{"path": ALPHA, "text": ""}]}),
        proposal("alpha", &[("policies/agencies/../alpha.toml", "")]),
        proposal("alpha", &[(ALPHA, "a"), (ALPHA, "b")]),
    ];
    let bad = bad.map(|b| (OFFICER_ALPHA_KEY, b));
    none_taken(&gw, bad, 400, "invalid-proposal").await;
    assert_eq!(current(&gw).await, first);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
