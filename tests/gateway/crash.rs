//! Nothing is lost: under concurrent load the gateway is killed with SIGKILL, or its PostgreSQL
//! store is stopped and restarted; afterwards every answer a client received with a `Request-Id`
//! has its committed audit record, and every chain verifies.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::catalogue::*;
use crate::common::databases::*;
use crate::common::*;

/// One answer a client actually received.
#[derive(Debug, Clone)]
struct Received {
    status: u16,
    request_id: String,
    problem_type: String,
    /// How long the answer took, in milliseconds.
    ms: u128,
}

/// The request mix: served (SQL and HTTP), refused, rejected, unauthenticated.
fn mix(i: usize) -> (&'static str, &'static str) {
    match i % 6 {
        0 | 1 => (PORTAL_KEY, "/v1/data/alpha/people?citizen_id=002"),
        2 | 3 => (PORTAL_KEY, HTTP_OK),
        4 => (PORTAL_KEY, RESTRICTED),
        _ if i % 12 == 5 => (PORTAL_KEY, "/v1/data/alpha/people?citizen_id=bad"),
        _ => ("no-such-key", "/v1/data/alpha/people?citizen_id=001"),
    }
}

/// `tasks` clients, each sending up to `per_task` requests until `stop` is set or the gateway
/// stops answering. Returns every answer received.
async fn load(
    base: String,
    tasks: usize,
    per_task: usize,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
) -> Vec<Received> {
    // Longer than two store connect timeouts (a 503 during an outage can take ~10 s).
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (c, base, stop, count) = (c.clone(), base.clone(), stop.clone(), count.clone());
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in 0..per_task {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (key, path) = mix(t + i * 7);
                let started = std::time::Instant::now();
                let r = c
                    .get(format!("{base}{path}"))
                    .bearer_auth(key)
                    .header("Data-Purpose", "load")
                    .send()
                    .await;
                let Ok(r) = r else {
                    // Connection refused or reset: the gateway is down; try a little later.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let status = r.status().as_u16();
                let request_id = r
                    .headers()
                    .get("request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                // The answer counts as received only once its whole body arrived.
                let Ok(body) = r.bytes().await else { continue };
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let problem_type = v["type"].as_str().unwrap_or_default().to_owned();
                got.push(Received {
                    status,
                    request_id,
                    problem_type,
                    ms: started.elapsed().as_millis(),
                });
                count.fetch_add(1, Ordering::Relaxed);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all
}

/// Every request id in the store at `url`.
async fn stored_ids(url: &str) -> HashSet<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("open the store");
    let ids: Vec<String> = sqlx::query_scalar("SELECT request_id FROM audit_records")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().collect()
}

/// The answers that must have a record: everything except the fail-closed 503.
/// Every answer to a data request carries `Request-Id` (a missing one fails the test rather
/// than being skipped).
fn must_be_recorded(got: &[Received]) -> HashSet<String> {
    let bare: Vec<u16> = (got.iter())
        .filter(|r| r.request_id.is_empty())
        .map(|r| r.status)
        .collect();
    assert!(bare.is_empty(), "data answers without Request-Id: {bare:?}");
    got.iter()
        .filter(|r| !r.problem_type.ends_with("/audit-unavailable"))
        .map(|r| r.request_id.clone())
        .collect()
}

/// Load, SIGKILL mid-load, restart on the same config and store, check nothing was lost.
async fn kill_mid_load(cat: &Catalogue, store_url: &str, env: &[(&str, &str)]) {
    let mut gw = Gateway::start_binary_with_env(cat.path(), env).await;
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let clients = tokio::spawn(load(gw.base.clone(), 8, 400, stop.clone(), count.clone()));
    // Kill once the load is well under way (bounded: at most 20 s of waiting).
    for _ in 0..2000 {
        if count.load(Ordering::Relaxed) >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    gw.kill9().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let got = clients.await.unwrap();
    let expected = must_be_recorded(&got);
    assert!(
        expected.len() >= 300,
        "load was held before the kill: {}",
        expected.len()
    );
    assert!(got.iter().all(|r| r.status != 503), "no store failure here");

    // Restart on the same config dir and store: it must come up and keep the chain going.
    let gw = Gateway::start_binary_with_env(cat.path(), env).await;
    assert_eq!(gw.status(PORTAL_KEY, &person("001")).await, 200);
    gw.stop().await;

    let stored = stored_ids(store_url).await;
    let lost: Vec<_> = expected.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} of {} received answers have no record: {lost:?}",
        lost.len(),
        expected.len()
    );
    eprintln!(
        "kill -9: {} answers received before the kill, {} records stored, 0 lost",
        expected.len(),
        stored.len()
    );
    let (code, out, err) = run_cli_env(&["audit", "verify"], cat.path(), env);
    assert_eq!(code, 0, "{out}{err}");
}

/// The standard catalogue with every rejection recorded one by one: these tests check that
/// every answer's own record survives (past `[audit] rejection_allowance` a 401 is counted in
/// a summary, which a SIGKILL may lose while it is open: docs/audit-log.md).
fn every_rejection_recorded(up: &Upstream) -> Catalogue {
    Catalogue::with_more_settings(up, "[audit]\nrejection_allowance = 1000000\n")
}

#[tokio::test]
async fn sigkill_under_load_loses_no_record_sqlite() {
    let up = Upstream::start().await;
    let cat = every_rejection_recorded(&up);
    let url = format!("sqlite://{}", cat.audit_db().display());
    kill_mid_load(&cat, &url, &[]).await;
}

#[tokio::test]
async fn sigkill_under_load_loses_no_record_postgres() {
    let Some(db) = FreshPostgres::create("crash").await else {
        return;
    };
    let up = Upstream::start().await;
    let cat = every_rejection_recorded(&up);
    kill_mid_load(&cat, &db.url, &[("DXGATE_STORE_URL", &db.url)]).await;
    db.drop_db().await;
}

/// Stop or start the throwaway server off the runtime; the step must succeed.
async fn server_step(pg: &Arc<ThrowawayPostgres>, step: fn(&ThrowawayPostgres) -> bool) {
    let pg = pg.clone();
    assert!(tokio::task::spawn_blocking(move || step(&pg))
        .await
        .unwrap());
}

#[tokio::test]
async fn postgres_outage_fails_closed_recovers_and_loses_nothing() {
    let Some(pg) = tokio::task::spawn_blocking(ThrowawayPostgres::start)
        .await
        .unwrap()
    else {
        return;
    };
    let store = pg.url();
    let up = Upstream::start().await;
    let cat = every_rejection_recorded(&up);
    let env = [("DXGATE_STORE_URL", store.as_str())];
    let gw = Gateway::start_binary_with_env(cat.path(), &env).await;

    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let clients = tokio::spawn(load(
        gw.base.clone(),
        6,
        100_000,
        stop.clone(),
        count.clone(),
    ));
    let wait_for = |n: usize, secs: u64| {
        let count = count.clone();
        async move {
            for _ in 0..secs * 100 {
                if count.load(Ordering::Relaxed) >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("load stalled below {n} answers");
        }
    };
    wait_for(200, 30).await;

    // The store goes away under load…
    let pg = Arc::new(pg);
    server_step(&pg, ThrowawayPostgres::stop_server).await;
    let before_outage = count.load(Ordering::Relaxed);
    // Each failed commit waits out the store's connect timeout (5 s), so 503s come in waves.
    wait_for(before_outage + 12, 60).await;
    // …and comes back; the gateway must recover by itself.
    server_step(&pg, ThrowawayPostgres::start_server).await;
    let back = count.load(Ordering::Relaxed);
    wait_for(back + 300, 60).await;
    stop.store(true, Ordering::Relaxed);
    let got = clients.await.unwrap();

    let unavailable: Vec<&Received> = got.iter().filter(|r| r.status == 503).collect();
    assert!(
        !unavailable.is_empty(),
        "the outage must show as 503s (fail closed)"
    );
    assert!(
        unavailable
            .iter()
            .all(|r| r.problem_type.ends_with("/audit-unavailable")),
        "every 503 is audit-unavailable problem+json"
    );
    // Recovered by itself: a fresh consumer is served again (bounded wait).
    let mut recovered = false;
    for _ in 0..40 {
        if gw.get(POLICE_KEY, &person("001")).await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(recovered, "the gateway recovered after the store came back");
    let served_after = got.iter().filter(|r| r.status == 200).count();
    assert!(served_after > 0);
    let expected = must_be_recorded(&got);
    let stored = stored_ids(&store).await;
    let lost: Vec<_> = expected.difference(&stored).collect();
    assert!(lost.is_empty(), "answers without a record: {lost:?}");
    let failed: HashSet<String> = unavailable.iter().map(|r| r.request_id.clone()).collect();
    let slowest_503 = unavailable.iter().map(|r| r.ms).max().unwrap_or(0);
    eprintln!(
        "store outage: {} answers, {} of them 503 audit-unavailable (slowest {slowest_503} ms), {} recorded, 0 lost",
        got.len(),
        failed.len(),
        expected.len()
    );
    gw.stop().await;
    let (code, out, err) = run_cli_env(&["audit", "verify"], cat.path(), &env);
    assert_eq!(code, 0, "{out}{err}");
}
