//! Oversight of refusals: listing with justifications and deadlines, reviews by oversight
//! only, history kept and hash-chained, overturned refusals counting against the agency, role
//! scoping everywhere.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::ranking::setup;
use crate::common::ranking::*;
use crate::common::*;

pub async fn get(gw: &Gateway, key: Option<&str>, path: &str) -> (u16, Value) {
    let mut req = client().get(gw.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub async fn review(gw: &Gateway, key: &str, id: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(gw.url(&format!("/v1/oversight/refusals/{id}/review")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn ids(v: &Value) -> HashSet<String> {
    v["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["request_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn refusals_are_reviewed_by_oversight_only_and_history_is_kept() {
    let (_up, cat, gw) = setup().await;
    let sent = traffic(&gw).await;
    let (s, v) = get(&gw, Some(OVERSIGHT_KEY), "/v1/oversight/refusals").await;
    assert_eq!(s, 200, "{v}");
    // Every refusal, including the officer's own (oversight sees all).
    let listed = ids(&v);
    for id in &sent.refusals {
        assert!(listed.contains(id), "{id} listed");
    }
    assert_eq!(v["can_review"], true);
    assert_eq!(
        v["backlog"]["unreviewed"].as_u64().unwrap() as usize,
        listed.len()
    );
    assert_eq!(v["backlog"]["overdue"], 0);
    let first = &v["refusals"][0];
    assert!(first["review_due_ms"].as_i64().unwrap() > first["ts_ms"].as_i64().unwrap());
    assert_eq!(first["overdue"], false);
    let bare = v["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["justification"]["status"] == "unjustified")
        .expect("the bare 451 is listed as unjustified");
    assert_eq!(bare["dataset"], "refuse-bare");
    let justified = v["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dataset"] == "restricted" && r["consumer"] == "portal")
        .unwrap();
    assert_eq!(
        justified["justification"]["legal_basis"],
        "Records Act, Art. 7(2)"
    );
    let id = justified["request_id"].as_str().unwrap().to_owned();

    // Only oversight may review.
    let body = json!({"verdict": "upheld", "note": "Art. 7(2) applies."});
    assert_eq!(review(&gw, PORTAL_KEY, &id, body.clone()).await.0, 403);
    assert_eq!(
        review(&gw, OFFICER_ALPHA_KEY, &id, body.clone()).await.0,
        403
    );
    let anon = client()
        .post(gw.url(&format!("/v1/oversight/refusals/{id}/review")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    // Bad input is a clear 400.
    for (bad, pointer) in [
        (json!({"verdict": "maybe", "note": "x"}), "/verdict"),
        (json!({"verdict": "upheld", "note": "  "}), "/note"),
    ] {
        let (s, p) = review(&gw, OVERSIGHT_KEY, &id, bad).await;
        assert_eq!(
            (s, p["errors"][0]["pointer"].as_str()),
            (400, Some(pointer))
        );
    }
    assert_eq!(
        review(&gw, OVERSIGHT_KEY, "nope", body.clone()).await.0,
        404
    );
    let served = &sent.all[0];
    let (s, p) = review(&gw, OVERSIGHT_KEY, served, body.clone()).await;
    assert_eq!(s, 400, "{p}");

    let (s, r1) = review(&gw, OVERSIGHT_KEY, &id, body.clone()).await;
    assert_eq!(s, 201, "{r1}");
    assert_eq!(r1["verdict"], "upheld");
    assert_eq!(r1["reviewer"], "oversight");
    assert_eq!(r1["seq"], 1);
    // A second verdict must say it revises the first; both stay in the history.
    let (s, p) = review(
        &gw,
        OVERSIGHT_KEY,
        &id,
        json!({"verdict": "overturned", "note": "No."}),
    )
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["type"], "https://dxgate.dev/problems/conflict");
    let (s, r2) = review(
        &gw,
        OVERSIGHT_KEY,
        &id,
        json!({"verdict": "overturned", "note": "The consumer is an investigating body.", "revise": true}),
    )
    .await;
    assert_eq!(s, 201, "{r2}");
    assert_eq!(r2["prev_hash"], r1["hash"]);
    let (s, one) = get(
        &gw,
        Some(OVERSIGHT_KEY),
        &format!("/v1/oversight/refusals/{id}"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(one["review"]["verdict"], "overturned");
    assert_eq!(one["history"].as_array().unwrap().len(), 2);
    let (_, v) = get(
        &gw,
        Some(OVERSIGHT_KEY),
        "/v1/oversight/refusals?review=overturned",
    )
    .await;
    assert_eq!(ids(&v), HashSet::from([id.clone()]));
    let (_, v) = get(
        &gw,
        Some(OVERSIGHT_KEY),
        "/v1/oversight/refusals?review=unreviewed",
    )
    .await;
    assert!(!ids(&v).contains(&id));
    let (_, v) = get(
        &gw,
        Some(OVERSIGHT_KEY),
        "/v1/oversight/refusals?justification=unjustified",
    )
    .await;
    assert!(v["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["justification"]["status"] == "unjustified"));
    assert_eq!(
        get(
            &gw,
            Some(OVERSIGHT_KEY),
            "/v1/oversight/refusals?review=later"
        )
        .await
        .0,
        400
    );
    gw.stop().await;

    // Reviews never touched the audit log; the review log verifies, and catches tampering.
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    let url = format!("sqlite://{}", cat.audit_db().display());
    let store = dxgate::audit::Store::open(&url).await.unwrap();
    assert_eq!(
        dxgate::oversight::reviews::verify(&store).await.unwrap(),
        Ok(2)
    );
    store
        .execute_raw("UPDATE oversight_reviews SET verdict = 'upheld' WHERE seq = 2")
        .await
        .unwrap();
    let bad = dxgate::oversight::reviews::verify(&store)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        bad.contains("review #2") && bad.contains("altered"),
        "{bad}"
    );
    store.close().await;
}

#[tokio::test]
async fn overturned_refusals_count_against_the_agency() {
    let (_up, _cat, gw) = setup().await;
    let sent = traffic(&gw).await;
    let before = ranking_json(&gw).await;
    let just = indicator(agency(&before, "alpha"), "refusal_justification").clone();
    // Overturn every justified refusal of the portal.
    let (_, v) = get(
        &gw,
        Some(OVERSIGHT_KEY),
        "/v1/oversight/refusals?consumer=portal&justification=justified",
    )
    .await;
    let justified = ids(&v);
    assert_eq!(
        justified.len(),
        2,
        "restricted (policy) and refuse-justified (source)"
    );
    for id in &justified {
        assert!(sent.portal_refusals.contains(id));
        let (s, _) = review(
            &gw,
            OVERSIGHT_KEY,
            id,
            json!({"verdict": "overturned", "note": "Not a valid ground."}),
        )
        .await;
        assert_eq!(s, 201);
    }
    let after = ranking_json(&gw).await;
    let alpha = agency(&after, "alpha");
    let now = indicator(alpha, "refusal_justification");
    assert_eq!(now["denominator"], just["denominator"]);
    assert_eq!(
        now["numerator"].as_f64().unwrap(),
        just["numerator"].as_f64().unwrap() - 2.0,
        "overturned refusals are no longer justified"
    );
    assert_eq!(alpha["counts"]["reviews_overturned"], 2);
}

#[tokio::test]
async fn nobody_sees_more_than_their_role_allows() {
    let (_up, _cat, gw) = setup().await;
    let sent = traffic(&gw).await;
    // The public: aggregates only.
    assert_eq!(get(&gw, None, "/v1/audit/records").await.0, 401);
    assert_eq!(get(&gw, None, "/v1/oversight/refusals").await.0, 401);
    assert_eq!(
        get(&gw, Some("not-a-key"), "/v1/oversight/refusals")
            .await
            .0,
        401
    );
    assert_eq!(
        get(
            &gw,
            None,
            &format!("/v1/oversight/refusals/{}", sent.refusals[0])
        )
        .await
        .0,
        401
    );
    assert_eq!(get(&gw, None, "/public/ranking.json").await.0, 200);

    // A consumer: its own refusals and records only.
    let (s, v) = get(&gw, Some(PORTAL_KEY), "/v1/oversight/refusals").await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v), sent.portal_refusals.iter().cloned().collect());
    assert_eq!(v["can_review"], false);
    let (_, v) = get(&gw, Some(POLICE_KEY), "/v1/oversight/refusals").await;
    assert_eq!(ids(&v), sent.police_refusals.iter().cloned().collect());
    assert_eq!(
        get(
            &gw,
            Some(PORTAL_KEY),
            "/v1/oversight/refusals?consumer=police"
        )
        .await
        .0,
        403
    );
    let police_refusal = &sent.police_refusals[0];
    assert_eq!(
        get(
            &gw,
            Some(PORTAL_KEY),
            &format!("/v1/oversight/refusals/{police_refusal}")
        )
        .await
        .0,
        404,
        "another consumer's refusal is not even confirmed"
    );
    let (_, v) = get(&gw, Some(PORTAL_KEY), "/v1/audit/records?limit=1000").await;
    assert!(all_have(&v["records"], "consumer", "portal"));

    // An agency officer: its agency's refusals and records only.
    let (_, v) = get(&gw, Some(OFFICER_ALPHA_KEY), "/v1/oversight/refusals").await;
    assert!(!ids(&v).is_empty());
    assert!(all_have(&v["refusals"], "agency", "alpha"));
    let (_, v) = get(&gw, Some(OFFICER_BETA_KEY), "/v1/oversight/refusals").await;
    assert!(ids(&v).is_empty(), "beta refused nothing");
    assert_eq!(
        get(
            &gw,
            Some(OFFICER_BETA_KEY),
            "/v1/oversight/refusals?agency=alpha"
        )
        .await
        .0,
        403
    );
    assert_eq!(
        get(
            &gw,
            Some(OFFICER_BETA_KEY),
            &format!("/v1/oversight/refusals/{police_refusal}")
        )
        .await
        .0,
        404
    );
    let (_, v) = get(&gw, Some(OFFICER_BETA_KEY), "/v1/audit/records?limit=1000").await;
    assert!(all_have(&v["records"], "agency", "beta"));

    // Oversight: everything.
    let (_, v) = get(&gw, Some(OVERSIGHT_KEY), "/v1/oversight/refusals").await;
    assert_eq!(
        ids(&v),
        sent.refusals
            .iter()
            .cloned()
            .chain(officer_refusals(&v))
            .collect()
    );

    // The oversight page itself holds no data.
    let (s, ct, page) = public(&gw, "/oversight").await;
    assert_eq!((s, ct.as_str()), (200, "text/html; charset=utf-8"));
    for id in &sent.all {
        assert!(!page.contains(id.as_str()));
    }
}

/// Refusals of alpha's own officer (self-calls) that only oversight and alpha see.
fn officer_refusals(v: &Value) -> Vec<String> {
    v["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["consumer"] == "officer-alpha")
        .map(|r| r["request_id"].as_str().unwrap().to_owned())
        .collect()
}
