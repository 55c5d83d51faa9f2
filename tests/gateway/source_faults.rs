//! Sources that misbehave below HTTP (hang, half a body, reset, garbage, an endless drip) and
//! SQL sources that fail: each gives its outcome and a clear problem+json, bounded in time,
//! with no internals leaked and the gateway still serving afterwards. The HTTP faults run on
//! paused time: "bounded by the timeout" is then exact, not a wall-clock guess.

use std::time::Duration;

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::upstream::{Fault, FaultyUpstream};
use crate::common::*;

fn http_dataset(id: &str, url: &str) -> String {
    format!(
        "[[datasets]]\nid = \"{id}\"\ntitle = \"{id}\"\nrequest_schema = \"code.request.json\"\nresponse_schema = \"code.response.json\"\n\
         [datasets.source]\nkind = \"http\"\nurl = \"{url}\"\ntimeout = \"1s\"\n"
    )
}

fn sql_dataset(id: &str, url: &str, query: &str) -> String {
    format!(
        "[[datasets]]\nid = \"{id}\"\ntitle = \"{id}\"\nrequest_schema = \"person.request.json\"\nresponse_schema = \"person.response.json\"\n\
         [datasets.source]\nkind = \"sql\"\nurl = \"{url}\"\nseed = \"seeds/alpha.sql\"\nquery = \"{query}\"\ntimeout = \"2s\"\n"
    )
}

/// The problem's text, which must never carry internals.
fn assert_no_internals(body: &Value, extra: &[&str]) {
    let text = body.to_string();
    for leak in [
        "127.0.0.1",
        "SELECT",
        "sqlite",
        "no such",
        "hyper",
        "SSH-2.0",
    ]
    .iter()
    .chain(extra)
    {
        assert!(!text.contains(leak), "problem leaks {leak:?}: {body}");
    }
}

#[tokio::test(start_paused = true)]
async fn misbehaving_http_sources_never_hang_the_gateway() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let mut faulty = Vec::new();
    let mut gamma = String::from("id = \"gamma\"\nname = \"Gamma Sector\"\nkind = \"sector\"\n");
    for (id, fault) in [
        ("hang", Fault::Hang),
        ("half", Fault::HalfBody),
        ("reset", Fault::ResetMidBody),
        ("garbage", Fault::Garbage),
        ("drip", Fault::Drip),
    ] {
        let f = FaultyUpstream::start(fault).await;
        gamma += &http_dataset(id, &f.url("/api"));
        faulty.push(f);
    }
    cat.write("policies/agencies/gamma.toml", &gamma);
    let gw = Gateway::start(cat.path()).await;

    // Each request's clock moves on by `wait`: the 1 s source timeout for the faults that never
    // end, 20 ms (the reset's pause before its RST) for the others, which fail on their own.
    let timeout = Duration::from_secs(1);
    let brief = Duration::from_millis(20);
    for ((id, status, slug, wait), f) in [
        ("hang", 504, "source-timeout", timeout),
        ("half", 502, "source-error", brief),
        ("reset", 502, "source-error", brief),
        ("garbage", 502, "source-error", brief),
        ("drip", 504, "source-timeout", timeout),
    ]
    .into_iter()
    .zip(&faulty)
    {
        let path = format!("/v1/data/gamma/{id}?code=1234");
        // Advance once the request has reached the source, or for a reset once its pause began.
        let reached = if id == "reset" { &f.stalls } else { &f.hits };
        let (r, took) = get_advancing(&gw, PORTAL_KEY, &path, reached, wait).await;
        let (s, rid, ct, body) = parts(r).await;
        assert_eq!(s, status, "{id}: {body}");
        assert_eq!(ct, "application/problem+json", "{id}");
        assert!(
            body["type"].as_str().unwrap().ends_with(slug),
            "{id}: {body}"
        );
        assert_eq!(body["request_id"], rid.as_str());
        assert_no_internals(&body, &[]);
        assert_eq!(
            took, wait,
            "{id}: answered once its clock had moved {wait:?}"
        );
        let rec = record(&gw, &rid).await;
        assert_eq!(rec["outcome"], "source_error", "{id}");
        assert_eq!(rec["response_sha256"], Value::Null, "{id}: nothing served");
    }
    for f in &faulty {
        assert!(f.hits.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    }
    // The gateway is unharmed.
    assert_eq!(gw.status(PORTAL_KEY, HTTP_OK).await, 200);
    let status = gw.stop().await;
    assert!(status.success());
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test]
async fn sql_errors_are_source_errors_without_sql_text() {
    let cat = Catalogue::new("http://127.0.0.1:1");
    let db = "sqlite://data/sources/alpha.db";
    let mut gamma = String::from("id = \"gamma\"\nname = \"Gamma Sector\"\nkind = \"sector\"\n");
    gamma += &sql_dataset(
        "missing-table",
        db,
        "SELECT citizen_id, name, born FROM no_such_table WHERE citizen_id = :citizen_id",
    );
    gamma += &sql_dataset(
        "missing-column",
        db,
        "SELECT citizen_id, name, no_such_column AS born FROM people WHERE citizen_id = :citizen_id",
    );
    gamma += &sql_dataset(
        "bad-function",
        db,
        "SELECT citizen_id, name, no_such_function(born) AS born FROM people WHERE citizen_id = :citizen_id",
    );
    cat.write("policies/agencies/gamma.toml", &gamma);
    let gw = Gateway::start(cat.path()).await;
    for id in ["missing-table", "missing-column", "bad-function"] {
        let r = tokio::time::timeout(
            Duration::from_secs(15),
            gw.get(PORTAL_KEY, &format!("/v1/data/gamma/{id}?citizen_id=001")),
        )
        .await
        .unwrap_or_else(|_| panic!("{id}: the gateway hung"));
        let (s, rid, ct, body) = parts(r).await;
        assert_eq!(s, 502, "{id}: {body}");
        assert_eq!(ct, "application/problem+json");
        assert!(body["type"].as_str().unwrap().ends_with("/source-error"));
        assert!(!body["detail"].as_str().unwrap().is_empty());
        assert_no_internals(&body, &["no_such", "people", "citizen_id ="]);
        assert_eq!(record(&gw, &rid).await["outcome"], "source_error", "{id}");
    }
    // The same database still serves a good query.
    assert_eq!(gw.status(PORTAL_KEY, &person("001")).await, 200);
}

#[tokio::test(start_paused = true)]
async fn source_errors_are_502_or_504_without_internals() {
    let (up, _cat, gw) = setup().await;
    for (path, status) in [
        ("/v1/data/alpha/fails?code=1234", 502),
        ("/v1/data/beta/down?code=1234", 502),
        ("/v1/data/alpha/slow?code=1234", 504),
    ] {
        let r = if path.contains("slow") {
            // The source takes 5 s; its timeout is 2 s (paused time: no waiting).
            let two = std::time::Duration::from_secs(2);
            let (r, took) = get_advancing(&gw, PORTAL_KEY, path, &up.hits, two).await;
            assert_eq!(took, two, "answered at the source's timeout");
            r
        } else {
            gw.get(PORTAL_KEY, path).await
        };
        let (s, id, ct, body) = parts(r).await;
        assert_eq!(s, status, "{path}: {body}");
        is_problem(&ct, &body, status, &id);
        let detail = body["detail"].as_str().unwrap();
        assert!(
            !detail.contains("127.0.0.1") && !detail.contains("database down"),
            "{detail}"
        );
        let rec = record(&gw, &id).await;
        assert_eq!(rec["outcome"], "source_error", "{path}");
        assert!(rec["source_latency_us"].as_i64().is_some());
    }
    // A source's 404 is an answer: no matching record.
    let (s, id, _, _) = parts(gw.get(PORTAL_KEY, "/v1/data/alpha/missing?code=1234").await).await;
    assert_eq!(s, 404);
    assert_eq!(record(&gw, &id).await["outcome"], "served");
}
