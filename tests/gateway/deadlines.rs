//! Deadlines (issue 13 item 5): `[server] request_timeout` bounds the whole request, a SQL
//! source's timeout cancels its query at the database, and a request that matches too much
//! (`max_rows`, `max_result_bytes`) is the consumer's fault — never counted against the
//! source's circuit breaker. PostgreSQL store sessions carry statement and idle-transaction
//! timeouts, and HTTP sources get the validated parameters in canonical form.

use std::time::{Duration, Instant};

use sqlx::Executor;

use crate::common::catalogue::*;
use crate::common::databases::*;
use crate::common::upstream::{Fault, FaultyUpstream};
use crate::common::*;

fn sql_dataset(id: &str, url: &str, query: &str, extra: &str) -> String {
    format!(
        "[[datasets]]\nid = \"{id}\"\ntitle = \"{id}\"\nrequest_schema = \"person.request.json\"\nresponse_schema = \"person.response.json\"\n\
         [datasets.source]\nkind = \"sql\"\nurl = \"{url}\"\nquery = \"{query}\"\n{extra}\n"
    )
}

const GAMMA: &str = "id = \"gamma\"\nname = \"Gamma Sector\"\nkind = \"sector\"\n";

#[tokio::test]
async fn request_timeout_bounds_the_whole_request() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    cat.write(
        "dxgate.toml",
        "[server]\nnode_id = \"test-node\"\nrequest_timeout = \"1s\"\n",
    );
    let hang = FaultyUpstream::start(Fault::Hang).await;
    cat.write(
        "policies/agencies/gamma.toml",
        &format!(
            "{GAMMA}[[datasets]]\nid = \"hang\"\ntitle = \"hang\"\nrequest_schema = \"code.request.json\"\nresponse_schema = \"code.response.json\"\n\
             [datasets.source]\nkind = \"http\"\nurl = \"{}\"\ntimeout = \"20s\"\n",
            hang.url("/api")
        ),
    );
    let gw = Gateway::start(cat.path()).await;
    let started = Instant::now();
    let r = client()
        .get(gw.url("/v1/data/gamma/hang?code=1234"))
        .bearer_auth(PORTAL_KEY)
        .header("Data-Purpose", "social-benefit")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("answered before the 20 s source timeout");
    let took = started.elapsed();
    let (status, id, ct, body) = parts(r).await;
    assert_eq!(
        (status, ct.as_str()),
        (504, "application/problem+json"),
        "{body}"
    );
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("/deadline-exceeded"),
        "{body}"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let rec = record(&gw, &id).await;
    assert_eq!(rec["outcome"], "source_error");
    assert_eq!(rec["status"], 504);
    gw.stop().await;
}

#[tokio::test]
async fn a_timed_out_postgres_query_is_cancelled_at_the_database() {
    let url = postgres_url();
    let Some(pool) = require(&url, "PostgreSQL").await else {
        return;
    };
    let marker = unique_name("dxgate_slow");
    let cat = Catalogue::new("http://127.0.0.1:1");
    let q = format!(
        "SELECT '{marker}' AS citizen_id, 'x' AS name, 1 AS born FROM pg_sleep(60) WHERE :citizen_id <> ''"
    );
    cat.write(
        "policies/agencies/gamma.toml",
        &format!(
            "{GAMMA}{}",
            sql_dataset("slow", &url, &q, "timeout = \"1s\"")
        ),
    );
    let gw = Gateway::start(cat.path()).await;
    let r = gw
        .get(PORTAL_KEY, "/v1/data/gamma/slow?citizen_id=001")
        .await;
    let (status, _, _, body) = parts(r).await;
    assert_eq!(status, 504, "{body}");
    assert!(
        body["type"].as_str().unwrap().ends_with("/source-timeout"),
        "{body}"
    );
    // The query does not go on sleeping at the agency: gone within 2 s of the answer.
    let running = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
        )
        .bind(format!("%{marker}%"))
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let answered = Instant::now();
    let mut left = running().await;
    while left > 0 && answered.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = running().await;
    }
    assert_eq!(
        left, 0,
        "the timed-out query is still running on the database"
    );
    gw.stop().await;
}

#[tokio::test]
async fn a_request_that_matches_too_much_does_not_open_the_breaker() {
    let url = postgres_url();
    let Some(pool) = require(&url, "PostgreSQL").await else {
        return;
    };
    let schema = unique_name("dxgate_broad");
    pool.execute(format!("CREATE SCHEMA {schema}; CREATE TABLE {schema}.people (citizen_id TEXT PRIMARY KEY, name TEXT NOT NULL, born INTEGER); INSERT INTO {schema}.people VALUES ('001','An Nguyen',1990),('002','Binh Tran',1985),('003','Chi Le',NULL)").as_str())
        .await
        .unwrap();
    let q = format!("SELECT citizen_id, name, born FROM {schema}.people WHERE citizen_id >= :citizen_id ORDER BY citizen_id");
    let cat = Catalogue::new("http://127.0.0.1:1");
    let rows = sql_dataset("rows", &url, &q, "max_rows = 1\nbreaker_failures = 2");
    let bytes = sql_dataset(
        "bytes",
        &url,
        &q,
        "max_result_bytes = 60\nbreaker_failures = 2",
    );
    cat.write(
        "policies/agencies/gamma.toml",
        &format!("{GAMMA}{rows}{bytes}"),
    );
    let gw = Gateway::start(cat.path()).await;
    for (id, why) in [("rows", "max_rows = 1"), ("bytes", "max_result_bytes = 60")] {
        // Far more than the breaker's two failures: each is the consumer's 400.
        for _ in 0..5 {
            let r = gw
                .get(PORTAL_KEY, &format!("/v1/data/gamma/{id}?citizen_id=001"))
                .await;
            let (status, rid, _, body) = parts(r).await;
            assert_eq!(status, 400, "{id}: {body}");
            assert!(
                body["type"].as_str().unwrap().ends_with("/invalid-request"),
                "{body}"
            );
            assert!(body["detail"].as_str().unwrap().contains(why), "{body}");
            assert_eq!(record(&gw, &rid).await["outcome"], "rejected_request");
        }
        // A narrow request is still served: the breaker stayed closed.
        let r = gw
            .get(PORTAL_KEY, &format!("/v1/data/gamma/{id}?citizen_id=003"))
            .await;
        assert_eq!(r.status(), 200, "{id}");
    }
    gw.stop().await;
    pool.execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
}

#[tokio::test]
async fn postgres_store_connections_carry_statement_and_idle_transaction_timeouts() {
    let Some(db) = FreshPostgres::create("deadline").await else {
        return;
    };
    let store = dxgate::audit::Store::open(&db.url).await.unwrap();
    let show = |what: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, String>(&format!("SHOW {what}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(show("statement_timeout").await, "30s");
    assert_eq!(show("idle_in_transaction_session_timeout").await, "1min");
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn http_sources_receive_the_canonical_validated_parameters() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    // The consumer percent-encodes a digit; the agency sees the validated value, re-encoded.
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/http-ok?code=%31234")
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "code=1234");
    gw.stop().await;
}
