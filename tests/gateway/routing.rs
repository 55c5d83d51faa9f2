//! The router on the real binary: methods answered from the route table (before any handler,
//! except on data paths, where the pipeline records every method), and one caller-authentication
//! path for every API whose failures are all counted.

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;

/// The `auth_failures` security event counter, from `/metrics`.
async fn auth_failures(gw: &Gateway) -> u64 {
    let text = gw.anon_text("/metrics").await;
    let line = "dxgate_security_events_total{kind=\"auth_failures\"} ";
    text.lines()
        .find_map(|l| l.strip_prefix(line))
        .unwrap_or_else(|| panic!("no {line:?} in\n{text}"))
        .parse()
        .unwrap()
}

fn problem_type(body: &Value) -> &str {
    body["type"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("https://dxgate.dev/problems/")
}

#[tokio::test]
async fn every_api_authenticates_through_one_counted_path() {
    let (_up, _cat, gw) = setup().await;
    assert_eq!(auth_failures(&gw).await, 0);

    let paths = [
        "/v1/catalog",
        "/v1/audit/records",
        "/v1/audit/records/01900000-0000-7000-8000-000000000000",
        "/v1/audit/inclusion/01900000-0000-7000-8000-000000000000",
        "/v1/oversight/refusals",
        "/v1/me/access-log",
        HTTP_OK,
    ];
    for (i, path) in paths.iter().enumerate() {
        let mut req = client().get(gw.url(path)).header("Data-Purpose", "test");
        if i % 2 == 1 {
            req = req.bearer_auth("not-a-key");
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer", "{path}");
        let (status, id, ct, body) = parts(r).await;
        assert_eq!(
            (status, ct.as_str(), problem_type(&body)),
            (401, "application/problem+json", "unauthenticated"),
            "{path}"
        );
        // Only the data request has an audit record, and says so.
        assert_eq!(id.is_empty(), !path.starts_with("/v1/data/"), "{path}");
        if !id.is_empty() {
            let rec = record(&gw, &id).await;
            assert_eq!(
                (rec["outcome"].as_str(), rec["status"].as_u64()),
                (Some("unauthenticated"), Some(401))
            );
        }
    }
    assert_eq!(auth_failures(&gw).await, paths.len() as u64);

    // Authenticated but the wrong kind of caller is 403, not an authentication failure.
    let r = gw.get_as(PORTAL_KEY, "/v1/me/access-log").await;
    let (status, _, _, body) = parts(r).await;
    assert_eq!((status, problem_type(&body)), (403, "forbidden"));
    assert_eq!(auth_failures(&gw).await, paths.len() as u64);
}

#[tokio::test]
async fn methods_are_answered_from_the_route_table() {
    let (_up, _cat, gw) = setup().await;
    let c = client();

    // 405 before any handler runs: no credentials needed to learn the allowed methods.
    for (method, path, allow) in [
        (reqwest::Method::POST, "/v1/oversight/refusals", "GET, HEAD"),
        (
            reqwest::Method::GET,
            "/v1/oversight/refusals/x/review",
            "POST",
        ),
        (reqwest::Method::DELETE, "/healthz", "GET, HEAD"),
        (reqwest::Method::POST, "/metrics", "GET, HEAD"),
        (reqwest::Method::PUT, "/public/ranking.json", "GET, HEAD"),
    ] {
        let r = c
            .request(method.clone(), gw.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        let (status, id, _, body) = parts(r).await;
        assert_eq!(
            (status, problem_type(&body)),
            (405, "method-not-allowed"),
            "{method} {path}"
        );
        assert!(id.is_empty(), "nothing recorded for {method} {path}");
    }

    // A data path takes any method to the pipeline, which records the 405.
    let r = c
        .put(gw.url("/v1/data/alpha/http-ok"))
        .bearer_auth(PORTAL_KEY)
        .header("Data-Purpose", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET, POST");
    let (status, id, _, body) = parts(r).await;
    assert_eq!((status, problem_type(&body)), (405, "method-not-allowed"));
    assert_eq!(body["request_id"], id.as_str());
    let rec = record(&gw, &id).await;
    assert_eq!(
        (
            rec["outcome"].as_str(),
            rec["status"].as_u64(),
            rec["method"].as_str()
        ),
        (Some("rejected_request"), Some(405), Some("PUT"))
    );

    // An unknown path is 404 whatever the method, and needs no credentials either.
    let r = c.post(gw.url("/v1/oversight/other")).send().await.unwrap();
    let (status, _, _, body) = parts(r).await;
    assert_eq!((status, problem_type(&body)), (404, "not-found"));
    assert_eq!(body["detail"], "oversight serves /v1/oversight/refusals");
}
