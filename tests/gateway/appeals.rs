//! Case justification and appeals (issue 14, item 3): for one refused Request-Id, the refusing
//! agency's officer justifies it, the consumer that made it appeals, oversight decides — each
//! step an event in the audit chain bound to the refused record's hash, each only by the
//! party entitled to it, and the story readable and provably included in the log.

use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::*;

pub(crate) async fn post(gw: &Gateway, key: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(gw.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, _, _, body) = parts(r).await;
    (status, body)
}

fn kind(body: &Value) -> &str {
    body["type"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("https://dxgate.dev/problems/")
}

const WHY: fn() -> Value = || json!({"legal_basis": "Records Act, Art. 7(2)", "reason": "An open criminal investigation concerns this person.", "document_ref": "CV-2026/117"});

#[tokio::test]
async fn justification_appeal_and_verdict_form_one_chained_story_for_a_request_id() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_more_settings(&up, "[audit]\ncheckpoint_every = 1\n");
    let gw = Gateway::start(cat.path()).await;
    let (status, id, _, _) = parts(gw.get(PORTAL_KEY, RESTRICTED).await).await;
    assert_eq!(status, 403);
    let refused = record(&gw, &id).await;
    let justify = format!("/v1/refusals/{id}/justification");

    // Justification: only alpha's officer, every part non-empty, once.
    assert_eq!(post(&gw, OFFICER_BETA_KEY, &justify, WHY()).await.0, 404);
    let (status, body) = post(&gw, PORTAL_KEY, &justify, WHY()).await;
    assert_eq!((status, kind(&body)), (403, "forbidden"));
    let mut blank = WHY();
    blank["document_ref"] = json!("  ");
    let (status, body) = post(&gw, OFFICER_ALPHA_KEY, &justify, blank).await;
    assert_eq!((status, kind(&body)), (400, "invalid-request"), "{body}");
    let (status, j) = post(&gw, OFFICER_ALPHA_KEY, &justify, WHY()).await;
    assert_eq!(status, 201, "{j}");
    assert_eq!(
        (&j["about"], &j["about_hash"]),
        (&json!(id), &refused["hash"])
    );
    let (status, body) = post(&gw, OFFICER_ALPHA_KEY, &justify, WHY()).await;
    assert_eq!((status, kind(&body)), (409, "conflict"));

    // Appeal: only the consumer that made the request, once.
    let appeal = json!({"request_id": id, "grounds": "We hold a court order for this file."});
    assert_eq!(
        post(&gw, POLICE_KEY, "/v1/appeals", appeal.clone()).await.0,
        404
    );
    let (status, a) = post(&gw, PORTAL_KEY, "/v1/appeals", appeal.clone()).await;
    assert_eq!(status, 201, "{a}");
    let appeal_id = a["appeal_id"].as_str().unwrap().to_owned();
    assert!(a["due_ms"].as_i64().unwrap() > refused["ts_ms"].as_i64().unwrap());
    assert_eq!(post(&gw, PORTAL_KEY, "/v1/appeals", appeal).await.0, 409);

    // Listing, scoped by role.
    let listed = |key: &'static str| {
        let gw = &gw;
        async move {
            let (status, _, _, body) = parts(gw.get_as(key, "/v1/appeals").await).await;
            assert_eq!(status, 200, "{body}");
            body["appeals"].as_array().unwrap().clone()
        }
    };
    for (key, n) in [
        (PORTAL_KEY, 1),
        (POLICE_KEY, 0),
        (OFFICER_ALPHA_KEY, 1),
        (OFFICER_BETA_KEY, 0),
        (OVERSIGHT_KEY, 1),
    ] {
        assert_eq!(listed(key).await.len(), n, "{key}");
    }
    let seen = &listed(OVERSIGHT_KEY).await[0];
    assert_eq!(
        (&seen["about"], &seen["overdue"], &seen["verdict"]),
        (&json!(id), &json!(false), &Value::Null)
    );
    assert_eq!(seen["due_ms"], a["due_ms"]);

    // Verdict: oversight only, once.
    let decide = format!("/v1/appeals/{appeal_id}/decision");
    let verdict = json!({"verdict": "overturned", "note": "The court order covers this file."});
    assert_eq!(
        post(&gw, OFFICER_ALPHA_KEY, &decide, verdict.clone())
            .await
            .0,
        403
    );
    let (status, v) = post(&gw, OVERSIGHT_KEY, &decide, verdict.clone()).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (&v["appeal_hash"], &v["late"]),
        (&json!(seen["hash"]), &json!(false))
    );
    assert_eq!(post(&gw, OVERSIGHT_KEY, &decide, verdict).await.0, 409);
    assert_eq!(
        listed(PORTAL_KEY).await[0]["verdict"]["verdict"],
        "overturned"
    );

    // The story: the refusal, then each step, every one bound to the refusal's hash and
    // included in the signed log (checked against the published verifier key).
    let (status, _, _, story) = parts(
        gw.get_as(PORTAL_KEY, &format!("/v1/refusals/{id}/story"))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{story}");
    assert_eq!(story["refusal"]["hash"], refused["hash"]);
    let steps = story["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps
        .iter()
        .map(|s| s["event"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["refusal_justification", "appeal", "appeal_verdict"]);
    let ids = [&j["request_id"], &a["request_id"], &v["request_id"]];
    let key = gw.anon_json("/v1/audit/checkpoint").await["verifier_key"]
        .as_str()
        .unwrap()
        .to_owned();
    for (step, want) in steps.iter().zip(ids) {
        assert_eq!(&step["request_id"], want);
        assert_eq!(step["event"]["facts"]["about"], json!(id));
        assert_eq!(step["event"]["facts"]["about_hash"], refused["hash"]);
        let sid = step["request_id"].as_str().unwrap();
        let proof = gw
            .get_as(OVERSIGHT_KEY, &format!("/v1/audit/inclusion/{sid}"))
            .await;
        let (status, _, _, proof) = parts(proof).await;
        assert_eq!(status, 200, "{proof}");
        assert_eq!(proof["record"]["hash"], step["hash"]);
        let file = cat.file(&format!("proof-{sid}.json"));
        std::fs::write(&file, proof.to_string()).unwrap();
        dxgate::commands::audit_check_inclusion(&file, Some(&key), &[]).expect("included");
    }
    assert_eq!(steps[2]["event"]["facts"]["appeal_hash"], steps[1]["hash"]);
    // Another consumer cannot read it.
    let (status, _, _, _) = parts(
        gw.get_as(POLICE_KEY, &format!("/v1/refusals/{id}/story"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_justification_after_the_deadline_is_refused_and_the_refusal_stays_unjustified() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_more_settings(&up, "[oversight]\njustification_within = \"1ms\"\n");
    let gw = Gateway::start(cat.path()).await;
    let (_, id, _, _) = parts(gw.get(PORTAL_KEY, RESTRICTED).await).await;
    let ts = record(&gw, &id).await["ts_ms"].as_i64().unwrap();
    // Wait on the clock itself until the deadline (ts + 1 ms) has passed.
    assert!(eventually(5, async || dxgate::audit::now_ms() > ts + 1).await);
    let (status, body) = post(
        &gw,
        OFFICER_ALPHA_KEY,
        &format!("/v1/refusals/{id}/justification"),
        WHY(),
    )
    .await;
    assert_eq!((status, kind(&body)), (409, "justification-late"), "{body}");
    let (_, _, _, story) = parts(
        gw.get_as(OVERSIGHT_KEY, &format!("/v1/refusals/{id}/story"))
            .await,
    )
    .await;
    assert_eq!(story["steps"], json!([]));
    // A served request cannot be justified or appealed: it was not refused.
    let served = request_id(&gw.get(PORTAL_KEY, HTTP_OK).await);
    let (status, _) = post(
        &gw,
        PORTAL_KEY,
        "/v1/appeals",
        json!({"request_id": served, "grounds": "x"}),
    )
    .await;
    assert_eq!(status, 404);
}
