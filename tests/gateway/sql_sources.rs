//! SQL sources on real PostgreSQL and MariaDB: rows become JSON, queries stay read-only, and
//! parameters are bound, never spliced (SQL injection attempts are inert).

use serde_json::{json, Value};
use sqlx::Executor;

use crate::common::catalogue::*;
use crate::common::databases::*;
use crate::common::*;

fn agency(datasets: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("id = \"gamma\"\nname = \"Gamma Sector\"\nkind = \"sector\"\n");
    for (id, url, query) in datasets {
        s += &format!(
            r#"
[[datasets]]
id = "{id}"
title = "{id}"
request_schema = "person.request.json"
response_schema = "person.response.json"
[datasets.source]
kind = "sql"
url = "{url}"
query = "{query}"
timeout = "5s"
"#
        );
    }
    s
}

async fn exercise(gw: &Gateway, prefix: &str) {
    let r = gw
        .get(
            PORTAL_KEY,
            &format!("/v1/data/gamma/{prefix}-people?citizen_id=001"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!([{"citizen_id":"001","name":"An Nguyen","born":1990}])
    );
    let r = gw
        .get(
            PORTAL_KEY,
            &format!("/v1/data/gamma/{prefix}-people?citizen_id=003"),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!([{"citizen_id":"003","name":"Chi Le","born":null}])
    );

    // Injection through a parameter: the schema stops it first...
    let r = gw
        .get(
            PORTAL_KEY,
            &format!("/v1/data/gamma/{prefix}-people?citizen_id=001'%20OR%20'1'='1"),
        )
        .await;
    assert_eq!(r.status(), 400);
    // ...and where the schema is lax the value is still only ever a bound parameter.
    let r = gw
        .get(
            PORTAL_KEY,
            &format!("/v1/data/gamma/{prefix}-lax?citizen_id=x'%20OR%20'1'='1"),
        )
        .await;
    // The lax schema accepts any string, so the query runs: bound as a value it matches no
    // citizen, where spliced into the SQL it would return every row.
    let (status, id, _, body) = parts(r).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!([]), "injection returned rows");
    assert_eq!(record(gw, &id).await["outcome"], "served");
}

const SEED_ROWS: &str = "INSERT INTO people (citizen_id, name, born) VALUES ('001','An Nguyen',1990),('002','Binh Tran',1985),('003','Chi Le',NULL)";

#[tokio::test]
async fn postgres_source_is_read_only_and_typed() {
    let Some((url, pool)) = postgres().await else {
        return;
    };
    let schema = unique_name("dxgate_src");
    pool.execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    pool.execute(format!("CREATE TABLE {schema}.people (citizen_id TEXT PRIMARY KEY, name TEXT NOT NULL, born INTEGER)").as_str())
        .await
        .unwrap();
    pool.execute(
        SEED_ROWS
            .replace("INTO people", &format!("INTO {schema}.people"))
            .as_str(),
    )
    .await
    .unwrap();

    let cat = Catalogue::new("http://127.0.0.1:1");
    cat.write(
        "schemas/lax.request.json",
        r#"{"type":"object","properties":{"citizen_id":{"type":"string"}},"required":["citizen_id"]}"#,
    );
    let q = format!(
        "SELECT citizen_id, name, born FROM {schema}.people WHERE citizen_id = :citizen_id"
    );
    let writer = format!("WITH gone AS (DELETE FROM {schema}.people RETURNING citizen_id, name, born) SELECT * FROM gone WHERE citizen_id = :citizen_id");
    let a = agency(&[
        ("pg-people", &url, &q),
        ("pg-writer", &url, &writer),
        ("pg-lax", &url, &q),
    ]);

    // The lax dataset uses the lax request schema.
    let a = a.replace(
        "id = \"pg-lax\"\ntitle = \"pg-lax\"\nrequest_schema = \"person.request.json\"",
        "id = \"pg-lax\"\ntitle = \"pg-lax\"\nrequest_schema = \"lax.request.json\"",
    );
    cat.write("policies/agencies/gamma.toml", &a);
    let gw = Gateway::start(cat.path()).await;
    exercise(&gw, "pg").await;

    // A query that would write is stopped by the read-only transaction.
    let (status, id, _, _) = parts(
        gw.get(PORTAL_KEY, "/v1/data/gamma/pg-writer?citizen_id=001")
            .await,
    )
    .await;
    assert_eq!(status, 502);
    assert_eq!(record(&gw, &id).await["outcome"], "source_error");
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {schema}.people"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 3, "nothing was deleted");
    pool.execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
}

#[tokio::test]
async fn mariadb_source_serves_rows_as_json() {
    let Some((url, pool)) = mariadb().await else {
        return;
    };
    let db = unique_name("dxgate_src");
    pool.execute(format!("CREATE DATABASE {db}").as_str())
        .await
        .unwrap();
    pool.execute(format!("CREATE TABLE {db}.people (citizen_id VARCHAR(16) PRIMARY KEY, name TEXT NOT NULL, born INTEGER)").as_str())
        .await
        .unwrap();
    pool.execute(
        SEED_ROWS
            .replace("INTO people", &format!("INTO {db}.people"))
            .as_str(),
    )
    .await
    .unwrap();
    let base = url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    let src_url = format!("{base}/{db}");

    let cat = Catalogue::new("http://127.0.0.1:1");
    cat.write(
        "schemas/lax.request.json",
        r#"{"type":"object","properties":{"citizen_id":{"type":"string"}},"required":["citizen_id"]}"#,
    );
    let q = "SELECT citizen_id, name, born FROM people WHERE citizen_id = :citizen_id";
    let a = agency(&[("my-people", &src_url, q), ("my-lax", &src_url, q)]).replace(
        "id = \"my-lax\"\ntitle = \"my-lax\"\nrequest_schema = \"person.request.json\"",
        "id = \"my-lax\"\ntitle = \"my-lax\"\nrequest_schema = \"lax.request.json\"",
    );
    cat.write("policies/agencies/gamma.toml", &a);
    let gw = Gateway::start(cat.path()).await;
    exercise(&gw, "my").await;
    pool.execute(format!("DROP DATABASE {db}").as_str())
        .await
        .unwrap();
}
