//! Issue 12: reads of audit data are witnessed in the chain (who, which endpoint and filter,
//! how many records), and a citizen's access log shows refused and rejected attempts on their
//! record, not only served ones.

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;
use crate::eid::with_citizens;

/// The newest `audit_read` events, as oversight lists them (newest first).
async fn read_events(gw: &Gateway) -> Vec<Value> {
    let v = gw
        .json_as(OVERSIGHT_KEY, "/v1/audit/records?outcome=event&limit=100")
        .await;
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event"]["kind"] == "audit_read")
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_read_of_audit_data_is_itself_recorded() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = gw
            .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
            .await;
        ids.push(request_id(&r));
    }
    // An officer lists its agency's records, then asks for one of them and for one that is
    // not there.
    gw.json_as(
        OFFICER_ALPHA_KEY,
        "/v1/audit/records?dataset=people&limit=2",
    )
    .await;
    for (id, status) in [(ids[0].as_str(), 200), ("nope", 404)] {
        let r = gw
            .get_as(OFFICER_ALPHA_KEY, &format!("/v1/audit/records/{id}"))
            .await;
        assert_eq!(r.status(), status, "{id}");
    }
    gw.json_as(OVERSIGHT_KEY, "/v1/oversight/refusals").await;

    let events = read_events(&gw).await;
    // Newest first: the refusal list, the miss, the hit, the list (oversight's own listing of
    // events is recorded after it is read, so it is not among them yet).
    let summary: Vec<(&str, &str, &Value, i64)> = events
        .iter()
        .map(|e| {
            (
                e["consumer"].as_str().unwrap(),
                e["event"]["facts"]["endpoint"].as_str().unwrap(),
                &e["event"]["facts"]["filter"],
                e["event"]["facts"]["returned"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("oversight", "/v1/oversight/refusals", &Value::Null, 0),
            (
                "officer-alpha",
                "/v1/audit/records/{request_id}",
                &Value::from("nope"),
                0
            ),
            (
                "officer-alpha",
                "/v1/audit/records/{request_id}",
                &Value::from(ids[0].as_str()),
                1
            ),
            (
                "officer-alpha",
                "/v1/audit/records",
                &Value::from("dataset=people&limit=2"),
                2
            ),
        ]
    );
    assert!(events.iter().all(|e| e["outcome"] == "event"));
    // The listing above was itself recorded.
    let again = read_events(&gw).await;
    assert_eq!(again.len(), 5);
    assert_eq!(again[0]["consumer"], "oversight");
    // It returned every event then: the four reads and the start's catalog_change record.
    assert_eq!(again[0]["event"]["facts"]["returned"], 5);
    gw.stop().await;
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test]
async fn a_citizen_sees_refused_and_rejected_attempts_and_their_read_is_recorded() {
    let (_up, _cat, ed, gw) = with_citizens().await;

    let refused = gw
        .get(PORTAL_KEY, "/v1/data/alpha/restricted?citizen_id=001")
        .await;
    assert_eq!(refused.status(), 403);
    let refused = request_id(&refused);
    let rejected = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001&extra=1")
        .await;
    assert_eq!(rejected.status(), 400);
    let rejected = request_id(&rejected);
    // Turned away before the request was read: no purpose declared; an end user named by a
    // consumer not trusted to name one.
    let no_purpose = gw
        .get_as(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=001")
        .await;
    assert_eq!(no_purpose.status(), 400);
    let no_purpose = request_id(&no_purpose);
    let untrusted = client()
        .get(gw.url("/v1/data/alpha/people?citizen_id=001"))
        .bearer_auth(PORTAL_KEY)
        .header("Data-Purpose", "social-benefit")
        .header("On-Behalf-Of", "officer-7")
        .send()
        .await
        .unwrap();
    assert_eq!(untrusted.status(), 403);
    let untrusted = request_id(&untrusted);
    // Someone else's refused attempt is not in 001's log.
    let other = gw
        .get(PORTAL_KEY, "/v1/data/alpha/restricted?citizen_id=002")
        .await;
    assert_eq!(other.status(), 403);

    let v = gw.json_as(&ed.token("001"), "/v1/me/access-log").await;
    let seen: Vec<(&str, &str)> = v["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["request_id"].as_str().unwrap(),
                a["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (untrusted.as_str(), "rejected_request"),
            (no_purpose.as_str(), "rejected_request"),
            (rejected.as_str(), "rejected_request"),
            (refused.as_str(), "refused")
        ]
    );

    // The citizen's read is recorded with their keyed hash in the facts (not as an access).
    let events = read_events(&gw).await;
    let read = &events[0];
    assert_eq!(read["event"]["facts"]["endpoint"], "/v1/me/access-log");
    assert_eq!(read["event"]["facts"]["returned"], 4);
    assert_eq!(
        read["event"]["facts"]["citizen"],
        record(&gw, &refused).await["subject_hash"]
    );
    assert!(read["consumer"].is_null() && read.get("subject_hash").is_none());
}

/// An inclusion proof and a single refusal are recorded reads too; and when the log cannot
/// record a read (here: the chain was rewound under the gateway, so the writer refuses to
/// extend it), nothing of the audit data is released.
#[tokio::test]
async fn a_read_the_log_cannot_record_releases_nothing() {
    let up = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", up.addr));
    cat.write(
        "dxgate.toml",
        "[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 2\ncheckpoint_interval = \"1h\"\n",
    );
    let gw = Gateway::start(cat.path()).await;
    let mut ids = Vec::new();
    for path in [
        "/v1/data/alpha/people?citizen_id=001",
        "/v1/data/alpha/restricted?citizen_id=001",
        "/v1/data/alpha/people?citizen_id=002",
        "/v1/data/alpha/people?citizen_id=003",
    ] {
        ids.push(request_id(&gw.get(PORTAL_KEY, path).await));
    }
    let (served, refused) = (&ids[0], &ids[1]);
    let inclusion = format!("/v1/audit/inclusion/{served}");
    let r = gw.get_as(PORTAL_KEY, &inclusion).await;
    assert_eq!(r.status(), 200);
    let refusal = format!("/v1/oversight/refusals/{refused}");
    assert_eq!(gw.get_as(OVERSIGHT_KEY, &refusal).await.status(), 200);
    let events = read_events(&gw).await;
    let facts: Vec<(&Value, &Value, &Value, &Value)> = events[..2]
        .iter()
        .map(|e| {
            let f = &e["event"]["facts"];
            (&e["consumer"], &f["endpoint"], &f["filter"], &f["returned"])
        })
        .collect();
    assert_eq!(
        facts,
        [
            (
                &Value::from("oversight"),
                &Value::from("/v1/oversight/refusals/{request_id}"),
                &Value::from(refused.as_str()),
                &Value::from(1)
            ),
            (
                &Value::from("portal"),
                &Value::from("/v1/audit/inclusion/{request_id}"),
                &Value::from(served.as_str()),
                &Value::from(1)
            ),
        ]
    );
    gw.stop().await;

    crate::common::surgery::rewind(&cat, 4).await;
    let gw = Gateway::start(cat.path()).await;
    for (key, path) in [
        (OVERSIGHT_KEY, "/v1/audit/records".to_owned()),
        (OFFICER_ALPHA_KEY, format!("/v1/audit/records/{served}")),
        (PORTAL_KEY, inclusion),
        (OVERSIGHT_KEY, "/v1/oversight/refusals".to_owned()),
        (OVERSIGHT_KEY, refusal),
    ] {
        let (status, _, ct, body) = parts(gw.get_as(key, &path).await).await;
        assert_eq!(
            (status, ct.as_str()),
            (503, "application/problem+json"),
            "{path}"
        );
        let kind = body["type"].as_str().unwrap();
        assert!(kind.ends_with("/audit-unavailable"), "{path}: {body}");
        for field in ["records", "record", "proof", "refusals", "entry"] {
            assert!(body.get(field).is_none(), "{path} released {field}: {body}");
        }
    }
    gw.stop().await;
}
