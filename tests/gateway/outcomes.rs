//! Every outcome of the brief, end to end, each with its committed audit record.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::catalogue::*;
use crate::common::*;

#[tokio::test]
async fn served_from_sql_with_hashes_not_payloads() {
    let (_up, _cat, gw) = setup().await;
    let r = gw.get(PORTAL_KEY, &person("001")).await;
    assert_eq!(r.status(), 200);
    let id = request_id(&r);
    let body = r.bytes().await.unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v,
        json!([{"citizen_id":"001","name":"An Nguyen","born":1990}])
    );

    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "served");
    assert_eq!(rec["status"], 200);
    assert_eq!(rec["consumer"], "portal");
    assert_eq!(rec["agency"], "alpha");
    assert_eq!(rec["dataset"], "people");
    assert_eq!(rec["purpose"], "social-benefit");
    assert_eq!(rec["request_schema"], "valid");
    assert_eq!(rec["response_schema"], "valid");
    // Payload hashes are keyed (issue 12): never the plain SHA-256 a reader could reverse by
    // trying every id, but HMAC-SHA-256 under the key kept outside the data directory.
    let key_file = gw.dir.join("keys/payload-hmac.key");
    let (key, _) = dxgate::audit::PayloadKey::load_or_create(&key_file).unwrap();
    assert_ne!(
        rec["request_sha256"],
        hex::encode(Sha256::digest(b"citizen_id=001"))
    );
    assert_ne!(rec["response_sha256"], hex::encode(Sha256::digest(&body)));
    assert_eq!(rec["request_sha256"], key.hash(b"citizen_id=001").to_hex());
    assert_eq!(rec["response_sha256"], key.hash(&body).to_hex());
    assert_eq!(rec["payload_scheme"], key.scheme());
    assert!(!gw.dir.join("data/payload-hmac.key").exists());
    // The operator, holding the key, confirms a claimed payload.
    let (code, out, err) = run_cli(
        &["audit", "hash-payload", "--text", "citizen_id=001"],
        &gw.dir,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "{}  {}\n",
            key.hash(b"citizen_id=001").to_hex(),
            key.scheme()
        )
    );
    assert!(rec["latency_us"].as_i64().unwrap() > 0);
    assert!(rec["source_latency_us"].as_i64().is_some());
    // The payload itself is nowhere in the store.
    let raw = std::fs::read(gw.dir.join("data/audit.db")).unwrap();
    let wal = std::fs::read(gw.dir.join("data/audit.db-wal")).unwrap_or_default();
    for hay in [raw, wal] {
        assert!(
            !hay.windows(9).any(|w| w == b"An Nguyen"),
            "payload leaked into the audit store"
        );
    }

    // A lookup with no match is still served: an empty list.
    let r = gw.get(PORTAL_KEY, &person("999")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn served_from_http_get_and_post() {
    let (up, _cat, gw) = setup().await;
    let r = gw.get(PORTAL_KEY, HTTP_OK).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "code=1234", "query forwarded as is");
    assert_eq!(v["purpose"], "social-benefit", "purpose forwarded");

    let r = client()
        .post(gw.url("/v1/data/alpha/http-post"))
        .bearer_auth(PORTAL_KEY)
        .header("Data-Purpose", "licensing")
        .json(&json!({"code": "4321"}))
        .send()
        .await
        .unwrap();
    let (status, id, _, v) = parts(r).await;
    assert_eq!(status, 200);
    assert_eq!(
        v,
        json!({"code":"4321","name":"Posted","purpose":"licensing"})
    );
    let rec = record(&gw, &id).await;
    assert_eq!(rec["method"], "POST");
    assert_eq!(rec["outcome"], "served");
    assert!(up.hits() >= 2);
}

#[tokio::test]
async fn refused_by_policy_with_justification() {
    let (_up, _cat, gw) = setup().await;
    let (id, body) = get_problem(&gw, PORTAL_KEY, RESTRICTED, 403).await;
    assert_eq!(
        body["justification"]["legal_basis"],
        "Records Act, Art. 7(2)"
    );
    assert_eq!(
        body["justification"]["reason"],
        "Only investigating bodies may receive these records."
    );
    assert_eq!(
        body["justification"]["decided_by"],
        "policy:alpha/restricted#1"
    );
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "refused");
    assert_eq!(rec["justification"]["status"], "justified");
    assert_eq!(
        rec["justification"]["legal_basis"],
        "Records Act, Art. 7(2)"
    );

    // The consumer the rule exempts is served.
    let r = gw.get(POLICE_KEY, RESTRICTED).await;
    assert_eq!(r.status(), 200);

    // Purpose-bound rule: another purpose is refused, the declared one served.
    let r = gw
        .get_for(
            PORTAL_KEY,
            "/v1/data/alpha/purposeful?citizen_id=001",
            "marketing",
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        gw.status(PORTAL_KEY, "/v1/data/alpha/purposeful?citizen_id=001")
            .await,
        200
    );
}

#[tokio::test]
async fn source_refusals_are_justified_only_with_grounds() {
    let (_up, _cat, gw) = setup().await;
    let (id, body) = get_problem(
        &gw,
        PORTAL_KEY,
        "/v1/data/alpha/refuse-justified?code=1234",
        403,
    )
    .await;
    assert_eq!(
        body["justification"]["legal_basis"],
        "Tax Law 2019, Art. 99"
    );
    assert_eq!(
        body["justification"]["decided_by"],
        "source:alpha/refuse-justified"
    );
    assert_eq!(body["justification"]["status"], "justified");
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "refused");
    assert_eq!(rec["justification"]["status"], "justified");

    let (status, id, ct, body) = parts(
        gw.get(PORTAL_KEY, "/v1/data/alpha/refuse-bare?code=1234")
            .await,
    )
    .await;
    assert_eq!(status, 451, "the source's status is kept");
    is_problem(&ct, &body, 451, &id);
    assert_eq!(body["justification"]["status"], "unjustified");
    assert!(body["justification"]["legal_basis"].is_null());
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "refused");
    assert_eq!(rec["justification"]["status"], "unjustified");
}

#[tokio::test]
async fn state_secrets_are_exempt_and_never_routed() {
    let (_up, _cat, gw) = setup().await;
    let (id, body) =
        get_problem(&gw, POLICE_KEY, "/v1/data/alpha/secret?citizen_id=001", 403).await;
    assert!(body["type"].as_str().unwrap().ends_with("/exempt"));
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "exempt");
    assert!(
        rec["source_latency_us"].is_null(),
        "never routed to the source"
    );
}

#[tokio::test]
async fn rejected_requests_say_what_is_wrong() {
    let (up, _cat, gw) = setup().await;
    // Schema violation: 400 with a JSON pointer.
    let (id, body) =
        get_problem(&gw, PORTAL_KEY, "/v1/data/alpha/people?citizen_id=12x", 400).await;
    assert_eq!(body["errors"][0]["pointer"], "/citizen_id");
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "rejected_request");
    assert_eq!(rec["request_schema"], "invalid");

    // Unknown parameter and missing required one.
    let (_, _, _, body) = parts(gw.get(PORTAL_KEY, "/v1/data/alpha/people?nope=1").await).await;
    assert!(body["errors"].as_array().unwrap().len() >= 2, "{body}");

    // Missing purpose.
    let r = gw
        .get_as(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    let (status, id, ct, body) = parts(r).await;
    assert_eq!(status, 400);
    is_problem(&ct, &body, 400, &id);
    assert!(body["detail"].as_str().unwrap().contains("Data-Purpose"));
    assert_eq!(record(&gw, &id).await["outcome"], "rejected_request");

    // Unknown dataset and malformed ids (path traversal) are 404, recorded, never routed.
    for path in [
        "/v1/data/alpha/nothing",
        "/v1/data/alpha/..%2Fsecret",
        "/v1/data/..%2F..%2Fetc/passwd",
        "/v1/data/ALPHA/people",
        "/v1/data/alpha/people/extra",
    ] {
        let (status, id, ct, body) = parts(gw.get(PORTAL_KEY, path).await).await;
        assert_eq!(status, 404, "{path}");
        is_problem(&ct, &body, 404, &id);
        assert_eq!(record(&gw, &id).await["outcome"], "rejected_request");
    }

    // Wrong method, wrong media type, malformed JSON, oversized body.
    let c = client();
    let send = |m: reqwest::Method, ct: &'static str, body: Vec<u8>| {
        c.request(m, gw.url("/v1/data/alpha/http-post"))
            .bearer_auth(PORTAL_KEY)
            .header("Data-Purpose", "x")
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let hits = up.hits();
    assert_eq!(
        send(reqwest::Method::PUT, "application/json", b"{}".to_vec())
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(
        send(reqwest::Method::POST, "text/plain", b"{}".to_vec())
            .await
            .unwrap()
            .status(),
        415
    );
    let (status, _, _, body) = parts(
        send(reqwest::Method::POST, "application/json", b"{nope".to_vec())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().unwrap().contains("not valid JSON"));
    let big = format!("{{\"code\":\"{}\"}}", "1".repeat(10_000)).into_bytes();
    let (status, id, _, _) = parts(
        send(reqwest::Method::POST, "application/json", big)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(record(&gw, &id).await["outcome"], "rejected_request");
    assert_eq!(up.hits(), hits, "rejected requests never reach the source");
}

#[tokio::test]
async fn unauthenticated_callers_get_401() {
    let (_up, _cat, gw) = setup().await;
    for auth in [None, Some("Bearer wrong-key"), Some("Basic cG9ydGFsOng=")] {
        let mut req = client()
            .get(gw.url("/v1/data/alpha/people?citizen_id=001"))
            .header("Data-Purpose", "x");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let (status, id, ct, body) = parts(r).await;
        assert_eq!(status, 401, "{auth:?}");
        is_problem(&ct, &body, 401, &id);
        let rec = record(&gw, &id).await;
        assert_eq!(rec["outcome"], "unauthenticated");
        assert!(rec["consumer"].is_null());
    }
}

#[tokio::test]
async fn invalid_responses_are_blocked_or_flagged() {
    let (_up, _cat, gw) = setup().await;
    let (id, body) = get_problem(
        &gw,
        PORTAL_KEY,
        "/v1/data/alpha/invalid-block?code=1234",
        502,
    )
    .await;
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(
        body.get("unexpected").is_none(),
        "blocked data is not released"
    );
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "invalid_response");
    assert_eq!(rec["response_schema"], "invalid");

    let (s, id, _, body) = parts(
        gw.get(PORTAL_KEY, "/v1/data/alpha/invalid-flag?code=1234")
            .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(body["unexpected"], true);
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "served");
    assert_eq!(rec["response_schema"], "invalid", "flagged in the log");

    for path in [
        "/v1/data/alpha/malformed?code=1234",
        "/v1/data/alpha/big?code=1234",
    ] {
        let (s, id, ct, body) = parts(gw.get(PORTAL_KEY, path).await).await;
        assert_eq!(s, 502, "{path}");
        is_problem(&ct, &body, 502, &id);
        assert_eq!(
            record(&gw, &id).await["outcome"],
            "invalid_response",
            "{path}"
        );
    }
}
