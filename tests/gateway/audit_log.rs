//! The audit log: group commit under load, tamper detection, fail-closed, role scoping.

use std::collections::HashSet;

use serde_json::Value;

use crate::common::catalogue::*;
use crate::common::*;

#[tokio::test]
async fn concurrent_requests_all_get_committed_records() {
    let (_up, cat, gw) = setup().await;
    let requests = (0..200)
        .map(|i| {
            let url = if i % 2 == 0 {
                gw.url("/v1/data/alpha/people?citizen_id=002")
            } else {
                gw.url(HTTP_OK)
            };
            (PORTAL_KEY, url)
        })
        .collect();
    let ids: HashSet<String> = served_concurrently(requests).await.into_iter().collect();
    assert_eq!(ids.len(), 200, "every answer has its own Request-Id");
    let status = gw.stop().await;
    assert!(status.success(), "clean shutdown");

    let mut db = cat.audit_sqlite().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT request_id FROM audit_records")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let stored: HashSet<String> = stored.into_iter().collect();
    assert!(
        ids.is_subset(&stored),
        "every released answer has its committed record"
    );
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    // The 200 requests and the start's catalog_change record.
    assert!(out.contains("201 records verified"), "{out}");
}

#[tokio::test]
async fn verify_names_the_first_altered_or_missing_record() {
    let (_up, cat, gw) = setup().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let r = gw.get(PORTAL_KEY, &person("001")).await;
        ids.push(request_id(&r));
    }
    gw.stop().await;
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");

    // Alter one field of the third record.
    let mut db = cat.audit_sqlite().await;
    exec_for(
        &mut db,
        "UPDATE audit_records SET purpose = 'something else' WHERE request_id = ?",
        &ids[2],
    )
    .await;
    let err = cli_fails(&["audit", "verify"], cat.path());
    assert!(err.contains(&ids[2]) && err.contains("altered"), "{err}");

    // Restore it, then remove the second record: the gap is named at the third.
    exec_for(
        &mut db,
        "UPDATE audit_records SET purpose = 'social-benefit' WHERE request_id = ?",
        &ids[2],
    )
    .await;
    assert_eq!(run_cli(&["audit", "verify"], cat.path()).0, 0);
    sqlx::query("CREATE TABLE saved AS SELECT * FROM audit_records WHERE request_id = ?")
        .bind(&ids[1])
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_records WHERE request_id = ?")
        .bind(&ids[1])
        .execute(&mut db)
        .await
        .unwrap();
    let (code, _, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 1);
    assert!(err.contains(&ids[2]) && err.contains("missing"), "{err}");
    // Put it back: the chain verifies again, so the next failure is the hash edit's alone.
    sqlx::query("INSERT INTO audit_records SELECT * FROM saved")
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(run_cli(&["audit", "verify"], cat.path()).0, 0);

    // A forged hash on a record that exists breaks the chain at that record.
    let edited =
        sqlx::query("UPDATE audit_records SET hash = (CASE WHEN hash LIKE 'ff%' THEN 'ee' ELSE 'ff' END) || substr(hash, 3) WHERE request_id = ?")
            .bind(&ids[3])
            .execute(&mut db)
            .await
            .unwrap();
    assert_eq!(edited.rows_affected(), 1, "the edited record exists");
    let (code, _, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&ids[3]), "{err}");
}

#[tokio::test]
async fn fails_closed_when_the_store_cannot_commit() {
    let (up, cat, gw) = setup().await;
    assert_eq!(gw.status(PORTAL_KEY, HTTP_OK).await, 200);

    // Break the store underneath the running gateway.
    let mut db = cat.audit_sqlite().await;
    sqlx::query("ALTER TABLE audit_records RENAME TO audit_records_away")
        .execute(&mut db)
        .await
        .unwrap();
    let hits = up.hits();
    let r = gw.get(PORTAL_KEY, HTTP_OK).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().get("retry-after").is_some());
    let (_, failed_id, ct, body) = parts(r).await;
    assert_eq!(ct, "application/problem+json");
    assert!(body["type"]
        .as_str()
        .unwrap()
        .ends_with("/audit-unavailable"));
    assert!(
        body.get("name").is_none() && !body.to_string().contains("Acme"),
        "no data released: {body}"
    );
    assert_eq!(
        up.hits(),
        hits + 1,
        "the source was asked, but its answer was withheld"
    );
    // A refusal is not released either.
    assert_eq!(gw.status(PORTAL_KEY, RESTRICTED).await, 503);

    // Repair: the gateway recovers on its own and the chain stays whole.
    sqlx::query("ALTER TABLE audit_records_away RENAME TO audit_records")
        .execute(&mut db)
        .await
        .unwrap();
    let r = gw.get(PORTAL_KEY, HTTP_OK).await;
    assert_eq!(r.status(), 200);
    let n = records_for(&mut db, &failed_id).await;
    assert_eq!(n, 0, "the 503 request was not recorded as served");
    gw.stop().await;
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
}

async fn list(gw: &Gateway, key: &str, query: &str) -> (u16, Value) {
    let r = gw.get_as(key, &format!("/v1/audit/records{query}")).await;
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn field_set(v: &Value, field: &str) -> HashSet<String> {
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn audit_records_are_scoped_by_role() {
    let (_up, _cat, gw) = setup().await;
    let portal_id = request_id(&gw.get(PORTAL_KEY, &person("001")).await);
    let police_id = request_id(&gw.get(POLICE_KEY, RESTRICTED).await);
    gw.get(POLICE_KEY, "/v1/data/beta/licences?code=1234").await;

    let (s, v) = list(&gw, PORTAL_KEY, "").await;
    assert_eq!(s, 200);
    assert_eq!(
        field_set(&v, "consumer"),
        HashSet::from(["portal".to_owned()])
    );

    let (s, v) = list(&gw, OFFICER_ALPHA_KEY, "").await;
    assert_eq!(s, 200);
    assert_eq!(field_set(&v, "agency"), HashSet::from(["alpha".to_owned()]));
    let (s, v) = list(&gw, OFFICER_BETA_KEY, "").await;
    assert_eq!(s, 200);
    assert_eq!(field_set(&v, "agency"), HashSet::from(["beta".to_owned()]));

    let (s, v) = list(&gw, OVERSIGHT_KEY, "?limit=2").await;
    assert_eq!(s, 200);
    assert_eq!(v["records"].as_array().unwrap().len(), 2);
    assert!(v["next_before"].is_string());
    let (_, v) = list(&gw, OVERSIGHT_KEY, "?outcome=served&agency=beta").await;
    assert_eq!(v["records"].as_array().unwrap().len(), 1);

    // Escalation attempts.
    assert_eq!(list(&gw, PORTAL_KEY, "?consumer=police").await.0, 403);
    assert_eq!(list(&gw, OFFICER_BETA_KEY, "?agency=alpha").await.0, 403);
    assert_eq!(list(&gw, "nobody", "").await.0, 401);
    assert_eq!(list(&gw, PORTAL_KEY, "?outcome=bogus").await.0, 400);
    assert_eq!(list(&gw, PORTAL_KEY, "?limit=0").await.0, 400);
    assert_eq!(list(&gw, PORTAL_KEY, "?sql=1").await.0, 400);
    let by_id = |key: &'static str, id: String| {
        let url = gw.url(&format!("/v1/audit/records/{id}"));
        async move {
            client()
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(by_id(PORTAL_KEY, portal_id.clone()).await, 200);
    assert_eq!(
        by_id(PORTAL_KEY, police_id.clone()).await,
        404,
        "not visible, not confirmed"
    );
    assert_eq!(by_id(OFFICER_BETA_KEY, police_id.clone()).await, 404);
    assert_eq!(by_id(OFFICER_ALPHA_KEY, police_id).await, 200);
}
