//! Case and end-user identity (issue 14, item 6): `Data-Case` and the end user (`On-Behalf-Of`
//! from a trusted consumer, or an eID token in `Data-User-Token`) are recorded only as keyed
//! hashes, searchable by oversight by exact value; a dataset with `require_case` answers 400
//! `case-required` without them; an untrusted consumer naming an end user is 403.

use serde_json::{json, Value};

use super::eid::trust_eid;
use crate::common::catalogue::*;
use crate::common::tokens::SigningKey;
use crate::common::*;

const CASED: &str = "/v1/data/gamma/cased?code=1234";

/// The standard catalogue plus gamma/cased (`require_case = true`); the police consumer is
/// trusted to name end users, the portal is not; eID tokens signed by the returned key verify.
async fn start() -> (Upstream, Catalogue, Gateway, SigningKey) {
    let up = Upstream::start().await;
    let url = format!("http://{}/ok", up.addr);
    let cat = Catalogue::with_gamma(&up, &http_dataset("cased", &url, "", "require_case = true"));
    cat.edit(
        "policies/consumers.toml",
        "name = \"Police\"\n",
        "name = \"Police\"\ntrusted_on_behalf = true\n",
    );
    let key = SigningKey::ed25519("k-ed");
    trust_eid(&cat, &[&key]);
    let gw = Gateway::start(cat.path()).await;
    (up, cat, gw, key)
}

async fn send(gw: &Gateway, key: &str, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut r = client()
        .get(gw.url(path))
        .bearer_auth(key)
        .header("Data-Purpose", "investigation");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.expect("request")
}

/// Status, problem type (or "" when served) and the committed record.
async fn outcome(gw: &Gateway, r: reqwest::Response) -> (u16, String, Value) {
    let (status, id, _, body) = parts(r).await;
    let kind = body["type"]
        .as_str()
        .unwrap_or("")
        .replace("https://dxgate.dev/problems/", "");
    (status, kind, record(gw, &id).await)
}

#[tokio::test]
async fn a_dataset_that_requires_a_case_answers_400_without_case_and_end_user() {
    let (_up, _cat, gw, _) = start().await;
    for headers in [
        &[][..],
        &[("Data-Case", "HS-2026/0042")][..],
        &[("On-Behalf-Of", "clerk-7")][..],
    ] {
        let (status, kind, rec) = outcome(&gw, send(&gw, POLICE_KEY, CASED, headers).await).await;
        assert_eq!(
            (status, kind.as_str()),
            (400, "case-required"),
            "{headers:?}"
        );
        assert_eq!(
            (&rec["outcome"], &rec["agency"], &rec["dataset"]),
            (&json!("rejected_request"), &json!("gamma"), &json!("cased"))
        );
    }
    let headers = [("Data-Case", "HS-2026/0042"), ("On-Behalf-Of", "clerk-7")];
    let (status, _, rec) = outcome(&gw, send(&gw, POLICE_KEY, CASED, &headers).await).await;
    assert_eq!(status, 200, "{rec}");
    assert_eq!(rec["outcome"], "served");
    assert_eq!(rec["data_case_hash"].as_str().unwrap().len(), 64);
    assert_eq!(rec["end_user_hash"].as_str().unwrap().len(), 64);
    assert_ne!(rec["data_case_hash"], rec["end_user_hash"]);
    // Neither value is kept as given, anywhere in the record.
    let text = rec.to_string();
    assert!(
        !text.contains("HS-2026") && !text.contains("clerk-7"),
        "{text}"
    );
    // A dataset without require_case serves without them and records none.
    let (status, _, rec) = outcome(&gw, send(&gw, POLICE_KEY, HTTP_OK, &[]).await).await;
    assert_eq!(status, 200);
    assert!(rec.get("data_case_hash").is_none() && rec.get("end_user_hash").is_none());
}

#[tokio::test]
async fn only_a_trusted_consumer_may_name_the_end_user_and_headers_are_bounded() {
    let (_up, _cat, gw, key) = start().await;
    let case = ("Data-Case", "HS-1");
    let by = ("On-Behalf-Of", "clerk-7");
    // The portal is not trusted for On-Behalf-Of: 403, even on a dataset without require_case.
    for path in [CASED, HTTP_OK] {
        let (status, kind, rec) =
            outcome(&gw, send(&gw, PORTAL_KEY, path, &[case, by]).await).await;
        assert_eq!(
            (status, kind.as_str()),
            (403, "on-behalf-not-trusted"),
            "{path}"
        );
        assert_eq!(
            (&rec["outcome"], &rec["consumer"]),
            (&json!("rejected_request"), &json!("portal"))
        );
    }
    // Its clerk's eID token proves the end user instead.
    let token = key.token("clerk-7");
    let user = ("Data-User-Token", token.as_str());
    let (status, _, rec) = outcome(&gw, send(&gw, PORTAL_KEY, CASED, &[case, user]).await).await;
    assert_eq!(status, 200, "{rec}");
    let via_token = rec["end_user_hash"].clone();
    let (_, _, rec) = outcome(&gw, send(&gw, POLICE_KEY, CASED, &[case, by]).await).await;
    assert_eq!(
        rec["end_user_hash"], via_token,
        "one person, one end-user hash"
    );
    // Unusable headers: 400 invalid-case, recorded.
    let long = "x".repeat(129);
    let forged = SigningKey::ed25519("k-ed").token("clerk-7");
    let bad: [&[(&str, &str)]; 5] = [
        &[("Data-Case", "HS 1; DROP")],
        &[("Data-Case", &long)],
        &[("Data-Case", "")],
        &[case, ("Data-User-Token", &forged)],
        &[case, by, user],
    ];
    for headers in bad {
        let (status, kind, rec) = outcome(&gw, send(&gw, POLICE_KEY, CASED, headers).await).await;
        assert_eq!(
            (status, kind.as_str()),
            (400, "invalid-case"),
            "{headers:?}"
        );
        assert_eq!(rec["outcome"], "rejected_request");
    }
}

#[tokio::test]
async fn oversight_finds_records_by_case_and_end_user_through_the_keyed_hash() {
    let (_up, _cat, gw, _) = start().await;
    let mut ids = Vec::new();
    for (case, user) in [
        ("HS-1", "clerk-7"),
        ("HS-2", "clerk-7"),
        ("HS-1", "clerk-8"),
    ] {
        let h = [("Data-Case", case), ("On-Behalf-Of", user)];
        ids.push(request_id(&send(&gw, POLICE_KEY, CASED, &h).await));
    }
    let found = |q: &'static str| {
        let gw = &gw;
        async move {
            let (status, _, _, body) = parts(
                gw.get_as(OVERSIGHT_KEY, &format!("/v1/audit/records?{q}"))
                    .await,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            let mut got: Vec<String> = strs(&body["records"], "request_id")
                .into_iter()
                .map(str::to_owned)
                .collect();
            got.sort();
            got
        }
    };
    assert_eq!(
        found("data_case=HS-1").await,
        vec![ids[0].clone(), ids[2].clone()]
    );
    assert_eq!(
        found("end_user=clerk-7").await,
        vec![ids[0].clone(), ids[1].clone()]
    );
    assert_eq!(
        found("data_case=HS-1&end_user=clerk-7").await,
        vec![ids[0].clone()]
    );
    assert_eq!(found("data_case=HS-3").await, Vec::<String>::new());
    // Only oversight searches by them, even within an officer's own scope.
    let (status, _, _, body) = parts(
        gw.get_as(OFFICER_ALPHA_KEY, "/v1/audit/records?data_case=HS-1")
            .await,
    )
    .await;
    assert_eq!(
        (status, &body["type"]),
        (403, &json!("https://dxgate.dev/problems/forbidden"))
    );
    // The witnessed read keeps the search only as the keyed hash.
    let (_, _, _, body) = parts(
        gw.get_as(OVERSIGHT_KEY, "/v1/audit/records?outcome=event&limit=1000")
            .await,
    )
    .await;
    let filters: Vec<String> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"]["kind"] == "audit_read")
        .map(|r| {
            r["event"]["facts"]["filter"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let searches: Vec<&String> = filters.iter().filter(|f| f.contains("_hash=")).collect();
    assert_eq!(searches.len(), 4, "{filters:?}");
    assert!(
        filters
            .iter()
            .all(|f| !f.contains("HS-") && !f.contains("clerk")),
        "{filters:?}"
    );
}
