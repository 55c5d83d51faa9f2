//! Attacks through the front door, each a test that fails if its defence is removed: path
//! traversal in ids and schema paths, header injection through `Data-Purpose`, oversized and
//! endless bodies, SQL injection through query parameters, and role escalation.

use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::*;

fn get(path: &str, purpose: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {PORTAL_KEY}\r\ndata-purpose: {purpose}\r\nconnection: close\r\n\r\n"
    )
    .into_bytes()
}

fn headers_dataset(upstream: &str) -> String {
    format!(
        "id = \"gamma\"\nname = \"Gamma\"\nkind = \"sector\"\n[[datasets]]\nid = \"headers\"\ntitle = \"h\"\n\
         request_schema = \"code.request.json\"\nresponse_schema = \"code.response.json\"\n\
         [datasets.source]\nkind = \"http\"\nurl = \"{upstream}/headers\"\ntimeout = \"2s\"\n"
    )
}

#[tokio::test]
async fn path_traversal_never_reaches_a_source_or_a_file() {
    let (up, _cat, gw) = setup().await;
    let long = "a".repeat(5000);
    for path in [
        "/v1/data/alpha/../alpha/http-ok?code=1234".to_owned(),
        "/v1/data/alpha/..%2Fhttp-ok?code=1234".to_owned(),
        "/v1/data/alpha/%2E%2E%2Fhttp-ok?code=1234".to_owned(),
        "/v1/data/alpha/http-ok%2F..%2F..?code=1234".to_owned(),
        "/v1/data/alpha/http-ok%00?code=1234".to_owned(),
        "/v1/data/alpha/http%2Dok?code=1234".to_owned(),
        "/v1/data/%61lpha/http-ok?code=1234".to_owned(),
        "/v1/data/alpha/Http-Ok?code=1234".to_owned(),
        format!("/v1/data/alpha/{long}?code=1234"),
    ] {
        let (status, text) = raw(&gw, &get(&path, "x"), None).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(text.contains("application/problem+json"), "{path}");
        assert!(text.len() < 4000, "{path}: the id is not echoed in full");
    }
    assert_eq!(up.hits(), 0, "no traversal attempt reached the source");

    // Schema links serve only compiled schemas, never files of the config dir.
    for path in [
        "/v1/schemas/../policies/consumers.toml",
        "/v1/schemas/..%2Fpolicies%2Fconsumers.toml",
        "/v1/schemas/%2e%2e/dxgate.toml",
        "/v1/schemas//etc/passwd",
        "/v1/schemas/person.request.json/../../policies/consumers.toml",
    ] {
        let (status, text) = raw(&gw, &get(path, "x"), None).await;
        assert_eq!(status, 404, "{path}: {text}");
        assert!(
            !text.contains("api_key_sha256") && !text.contains("root:"),
            "{path} leaked a file: {text}"
        );
    }
    let (status, _) = raw(&gw, &get("/v1/schemas/person.request.json", "x"), None).await;
    assert_eq!(status, 200, "a real schema is still served");
}

#[tokio::test]
async fn data_purpose_cannot_inject_headers_upstream() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    cat.write(
        "policies/agencies/gamma.toml",
        &headers_dataset(&format!("http://{}", up.addr)),
    );
    let gw = Gateway::start(cat.path()).await;
    let path = "/v1/data/gamma/headers?code=1234";

    // Control characters the HTTP layer lets through (tab, DEL) reach the purpose check: 400.
    // Control characters the HTTP layer lets through (tab) and bytes that are not UTF-8 reach
    // the purpose check: 400 missing-purpose.
    let mut not_utf8 = get(path, "PLACEHOLDER");
    let at = not_utf8
        .windows(11)
        .position(|w| w == b"PLACEHOLDER")
        .unwrap();
    not_utf8.splice(at..at + 11, b"bad\xc3\x28utf8".iter().copied());
    for req in [get(path, "tab\there"), get(path, "a\tb\tc"), not_utf8] {
        let (status, text) = raw(&gw, &req, None).await;
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("missing-purpose"), "{text}");
    }
    // Other control bytes are refused by the HTTP parser itself (a bare 400).
    for purpose in ["a\x01b", "esc\x1b[31m", "nul\x00", "del\x7f"] {
        let (status, text) = raw(&gw, &get(path, purpose), None).await;
        assert_eq!(status, 400, "{purpose:?}: {text}");
    }
    assert_eq!(
        up.hits(),
        0,
        "a purpose with control characters is never forwarded"
    );

    // CR LF and bare LF split the line into a second header at the HTTP layer; whatever that
    // header is, only the declared purpose is forwarded, and no client header rides along.
    for purpose in ["benefit\r\nX-Injected: evil", "benefit\nX-Injected: evil"] {
        let req = format!(
            "GET {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {PORTAL_KEY}\r\nx-forwarded-for: 10.0.0.1\r\ncookie: s=1\r\ndata-purpose: {purpose}\r\nconnection: close\r\n\r\n"
        );
        let (status, text) = raw(&gw, req.as_bytes(), None).await;
        if status == 200 {
            let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
            let v: Value = serde_json::from_str(body).unwrap_or_default();
            let seen = v["name"].as_str().unwrap_or_default();
            assert!(
                !seen.contains("x-injected"),
                "injected header forwarded: {seen}"
            );
            assert!(
                !seen.contains("cookie") && !seen.contains("authorization"),
                "{seen}"
            );
            assert_eq!(v["purpose"], "benefit");
        } else {
            assert_eq!(status, 400, "{purpose:?}: {text}");
        }
    }
    // A purpose of plain text passes through intact.
    let r = gw.get(PORTAL_KEY, path).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["purpose"], "social-benefit");
    assert!(!v["name"].as_str().unwrap().contains("authorization"));
}

#[tokio::test]
async fn oversized_and_endless_bodies_are_cut_off() {
    let (up, _cat, gw) = setup().await;
    let head = |te: &str| {
        format!(
            "POST /v1/data/alpha/http-post HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {PORTAL_KEY}\r\n\
             data-purpose: x\r\ncontent-type: application/json\r\n{te}connection: close\r\n\r\n"
        )
    };
    // Chunked, no length announced, far over max_request_body (4096): 413 without reading it all.
    let mut req = head("transfer-encoding: chunked\r\n").into_bytes();
    for _ in 0..64 {
        req.extend_from_slice(format!("400\r\n{}\r\n", "1".repeat(1024)).as_bytes());
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let (status, text) = raw(&gw, &req, None).await;
    assert_eq!(status, 413, "{text}");
    // A lying Content-Length far over the limit is refused before the body is read.
    let req = head("content-length: 1000000000\r\n");
    let (status, text) = raw(&gw, req.as_bytes(), None).await;
    assert_eq!(status, 413, "{text}");
    // The oversight review API has its own cap.
    let big = json!({"verdict": "upheld", "note": "n".repeat(200_000)}).to_string();
    let r = client()
        .post(gw.url("/v1/oversight/refusals/01900000-0000-7000-8000-000000000000/review"))
        .bearer_auth(OVERSIGHT_KEY)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(up.hits(), 0, "nothing oversized reached the source");
}

#[tokio::test]
async fn sql_injection_through_parameters_is_inert_on_sqlite() {
    let cat = Catalogue::new("http://127.0.0.1:1");
    cat.write(
        "schemas/lax.request.json",
        r#"{"type":"object","properties":{"citizen_id":{"type":"string"}},"required":["citizen_id"]}"#,
    );
    cat.write(
        "policies/agencies/gamma.toml",
        "id = \"gamma\"\nname = \"Gamma\"\nkind = \"sector\"\n[[datasets]]\nid = \"lax\"\ntitle = \"lax\"\n\
         request_schema = \"lax.request.json\"\nresponse_schema = \"person.response.json\"\n\
         [datasets.source]\nkind = \"sql\"\nurl = \"sqlite://data/sources/alpha.db\"\nseed = \"seeds/alpha.sql\"\n\
         query = \"SELECT citizen_id, name, born FROM people WHERE citizen_id = :citizen_id\"\n",
    );
    let gw = Gateway::start(cat.path()).await;
    for attack in [
        "001' OR '1'='1",
        "x' OR 1=1 --",
        "001' UNION SELECT citizen_id, name, born FROM people --",
        "001'; DROP TABLE people; --",
        "001\" OR \"1\"=\"1",
    ] {
        let r = client()
            .get(gw.url("/v1/data/gamma/lax"))
            .query(&[("citizen_id", attack)])
            .bearer_auth(PORTAL_KEY)
            .header("Data-Purpose", "x")
            .send()
            .await
            .unwrap();
        let (status, _, _, body) = parts(r).await;
        assert_eq!(status, 200, "{attack}: {body}");
        assert_eq!(body, json!([]), "{attack}: rows of other subjects returned");
    }
    // The table is intact and still serves exactly one subject per id.
    let (status, _, _, body) = parts(
        gw.get(PORTAL_KEY, "/v1/data/gamma/lax?citizen_id=002")
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{"citizen_id":"002","name":"Binh Tran","born":1985}])
    );
}

#[tokio::test]
async fn roles_cannot_be_escalated() {
    let (_up, _cat, gw) = setup().await;
    // A police request and a refused portal request to look for.
    let r = gw.get(POLICE_KEY, &person("001")).await;
    let police_id = request_id(&r);
    let r = gw.get(PORTAL_KEY, RESTRICTED).await;
    assert_eq!(r.status(), 403);
    let refusal_id = request_id(&r);

    let c = client();
    let status = |key: &'static str, path: String, extra: Option<(&'static str, &'static str)>| {
        let mut req = c.get(gw.url(&path)).bearer_auth(key);
        if let Some((k, v)) = extra {
            req = req.header(k, v);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // A consumer reading someone else's record, by id or by filter, or claiming a role by header.
    assert_eq!(
        status(PORTAL_KEY, format!("/v1/audit/records/{police_id}"), None).await,
        404,
        "another consumer's record is not visible: 404, as if it did not exist"
    );
    assert_eq!(
        status(PORTAL_KEY, "/v1/audit/records?consumer=police".into(), None).await,
        403
    );
    assert_eq!(
        status(
            PORTAL_KEY,
            format!("/v1/audit/records/{police_id}"),
            Some(("x-role", "oversight"))
        )
        .await,
        404,
        "a role claimed by header changes nothing"
    );
    // An agency officer reading another agency's log, or a refusal review.
    assert_eq!(
        status(
            OFFICER_BETA_KEY,
            "/v1/audit/records?agency=alpha".into(),
            None
        )
        .await,
        403
    );
    assert_eq!(
        status(
            OFFICER_BETA_KEY,
            format!("/v1/audit/records/{police_id}"),
            None
        )
        .await,
        404,
        "another agency's record is not visible"
    );
    assert_eq!(
        status(
            OFFICER_BETA_KEY,
            "/v1/oversight/refusals?agency=alpha".into(),
            None
        )
        .await,
        403
    );
    for key in [PORTAL_KEY, OFFICER_ALPHA_KEY, POLICE_KEY] {
        let r = c
            .post(gw.url(&format!("/v1/oversight/refusals/{refusal_id}/review")))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(json!({"verdict": "overturned", "note": "self-review"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{key} reviewed a refusal");
    }
    // No credential at all: 401 everywhere, no data.
    for path in ["/v1/audit/records", "/v1/oversight/refusals", "/v1/catalog"] {
        assert_eq!(
            c.get(gw.url(path)).send().await.unwrap().status(),
            401,
            "{path}"
        );
    }
    // Oversight itself still sees both.
    assert_eq!(record(&gw, &police_id).await["consumer"], "police");
    assert_eq!(record(&gw, &refusal_id).await["outcome"], "refused");
}
