//! Staying up (issue 13): readiness that heals by itself after a store failure, with no data
//! traffic to trigger it (a not-ready replica gets none).

use std::time::{Duration, Instant};

use crate::common::catalogue::*;
use crate::common::*;

async fn ready(gw: &Gateway) -> (u16, serde_json::Value) {
    let r = client().get(gw.url("/readyz")).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn readiness_heals_within_ten_seconds_of_the_store_returning_without_traffic() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(ready(&gw).await.0, 200);
    let url = format!("sqlite://{}", cat.audit_db().display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE audit_records RENAME TO away")
        .execute(&mut db)
        .await
        .unwrap();
    let r = gw.get(PORTAL_KEY, "/v1/data/alpha/http-ok?code=1234").await;
    assert_eq!(r.status(), 503);
    let (status, body) = ready(&gw).await;
    assert_eq!((status, body["store"].as_str()), (503, Some("unavailable")));
    assert_eq!(body["audit_writer"], "running");

    sqlx::query("ALTER TABLE away RENAME TO audit_records")
        .execute(&mut db)
        .await
        .unwrap();
    // From here on only /readyz is asked: no data request can clear the writer's flag.
    let back = Instant::now();
    let mut last = (0, serde_json::Value::Null);
    while back.elapsed() < Duration::from_secs(10) {
        last = ready(&gw).await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        last.0, 200,
        "still not ready 10 s after the store returned: {}",
        last.1
    );
    assert_eq!(last.1["store"], "ok");
    eprintln!("ready again {:?} after the store returned", back.elapsed());
    assert_eq!(
        gw.get(PORTAL_KEY, "/v1/data/alpha/http-ok?code=1234")
            .await
            .status(),
        200
    );
    gw.stop().await;
}

/// Issue 13 item 4: the audit writer commits on its own store connections, so read APIs,
/// readiness and the ranking holding every connection of the shared pool cannot starve it.
#[tokio::test]
async fn a_data_request_is_served_while_every_shared_store_connection_is_taken() {
    let up = Upstream::start().await;
    let cat = Catalogue::new(&format!("http://{}", up.addr));
    let gw = Gateway::start(cat.path()).await;
    let pool = gw.inproc().store.pool().clone();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.unwrap());
    }
    // The shared pool is empty: another reader waits out its acquire timeout.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), pool.acquire())
            .await
            .is_err()
    );
    let r = gw.get(PORTAL_KEY, "/v1/data/alpha/http-ok?code=1234").await;
    assert_eq!(r.status(), 200);
    let id = crate::common::request_id(&r);
    drop(held);
    let mut db = cat.audit_sqlite().await;
    assert_eq!(records_for(&mut db, &id).await, 1);
    gw.stop().await;
}
