//! A reload builds new configuration and carries the runtime state over by key: an open
//! breaker stays open, quotas continue, a new consumer is watched by the harvest alarm, and the
//! pools of unchanged sources are kept. In-process, on paused time (the clock moves only when a
//! test advances it).

use std::sync::Arc;

use dxgate::gateway::ReloadOutcome;
use sha2::{Digest, Sha256};

use crate::common::catalogue::*;
use crate::common::*;

fn retry_after(r: &reqwest::Response) -> String {
    r.headers()["retry-after"].to_str().unwrap().to_owned()
}

/// Reload now and expect it applied.
async fn reload(gw: &Gateway) {
    let outcome = gw.reload().await;
    assert!(
        matches!(outcome, ReloadOutcome::Applied { .. }),
        "{outcome:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn reload_keeps_an_open_breaker_open() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let flaky = |cooldown: &str, title: &str| {
        gamma(&http_dataset(
            "flaky",
            &up.url("/fail"),
            &format!("breaker_failures = 2\nbreaker_cooldown = \"{cooldown}\""),
            &format!("description = \"{title}\""),
        ))
    };
    cat.write("policies/agencies/gamma.toml", &flaky("30s", "first"));
    let gw = Gateway::start(cat.path()).await;
    let path = "/v1/data/gamma/flaky?code=1234";
    for _ in 0..2 {
        assert_eq!(gw.status(PORTAL_KEY, path).await, 502);
    }
    let r = gw.get(PORTAL_KEY, path).await;
    assert_eq!((r.status().as_u16(), retry_after(&r)), (503, "30".into()));
    let hits = up.hits();

    // Something else about the dataset changes; its source does not.
    cat.write("policies/agencies/gamma.toml", &flaky("30s", "second"));
    reload(&gw).await;
    let r = gw.get(PORTAL_KEY, path).await;
    assert_eq!(
        retry_after(&r),
        "30",
        "the same breaker, still cooling down"
    );
    let (status, id, _, body) = parts(r).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["type"],
        "https://dxgate.dev/problems/source-unavailable"
    );
    assert_eq!(record(&gw, &id).await["outcome"], "source_error");
    assert_eq!(
        up.hits(),
        hits,
        "the open breaker kept the source untouched"
    );

    // A longer cooldown applies to the breaker already open.
    cat.write("policies/agencies/gamma.toml", &flaky("60s", "second"));
    reload(&gw).await;
    tokio::time::advance(std::time::Duration::from_secs(30)).await;
    let r = gw.get(PORTAL_KEY, path).await;
    assert_eq!((r.status().as_u16(), retry_after(&r)), (503, "30".into()));
    assert_eq!(up.hits(), hits);
}

#[tokio::test(start_paused = true)]
async fn reload_keeps_quotas_running() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let scarce = |title: &str| {
        gamma(&http_dataset(
            "scarce",
            &up.url("/ok"),
            "",
            &format!("rate_per_second = 1\nburst = 1\ndescription = \"{title}\""),
        ))
    };
    cat.write("policies/agencies/gamma.toml", &scarce("first"));
    let gw = Gateway::start(cat.path()).await;
    let ok = HTTP_OK;
    // `limited` may make 1 request per second, in bursts of 2.
    assert_eq!(gw.status(LIMITED_KEY, ok).await, 200);
    assert_eq!(gw.status(LIMITED_KEY, ok).await, 200);
    assert_eq!(gw.status(LIMITED_KEY, ok).await, 429);
    let scarce_path = "/v1/data/gamma/scarce?code=1234";
    assert_eq!(gw.status(PORTAL_KEY, scarce_path).await, 200);

    cat.write("policies/agencies/gamma.toml", &scarce("second"));
    reload(&gw).await;
    let r = gw.get(LIMITED_KEY, ok).await;
    assert_eq!(retry_after(&r), "1");
    let (status, id, _, body) = parts(r).await;
    assert_eq!(status, 429, "no fresh burst after a reload: {body}");
    assert_eq!(body["type"], "https://dxgate.dev/problems/rate-limited");
    assert_eq!(record(&gw, &id).await["outcome"], "rate_limited");
    let (status, _, _, body) = parts(gw.get(PORTAL_KEY, scarce_path).await).await;
    assert_eq!(status, 429, "the dataset quota continues too: {body}");
    assert!(body["detail"].as_str().unwrap().contains("gamma/scarce"));

    // A changed rate is a new quota, at the new rate.
    cat.edit(
        "policies/consumers.toml",
        "rate_per_second = 1\nburst = 2",
        "rate_per_second = 1\nburst = 3",
    );
    reload(&gw).await;
    for _ in 0..3 {
        assert_eq!(gw.status(LIMITED_KEY, ok).await, 200);
    }
    assert_eq!(gw.status(LIMITED_KEY, ok).await, 429);
}

#[tokio::test(start_paused = true)]
async fn a_consumer_added_by_reload_is_watched_by_the_harvest_alarm() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_more_settings(&up, HARVEST_BLOCK_1H);
    let gw = Gateway::start(cat.path()).await;
    for id in ["001", "002", "003"] {
        assert_eq!(gw.get(PORTAL_KEY, &person(id)).await.status(), 200);
    }

    const NEW_KEY: &str = "newcomer-key";
    cat.append(
        "policies/consumers.toml",
        &format!(
            "[[consumers]]\nid = \"newcomer\"\nname = \"Added by reload\"\napi_key_sha256 = \"{}\"\n",
            hex::encode(Sha256::digest(NEW_KEY))
        ),
    );
    reload(&gw).await;
    for id in ["001", "002", "003"] {
        assert_eq!(gw.get(NEW_KEY, &person(id)).await.status(), 200, "{id}");
    }
    let (status, id, _, body) = parts(gw.get(NEW_KEY, &person("004")).await).await;
    assert_eq!(status, 429, "the newcomer crossed the threshold: {body}");
    assert_eq!(body["type"], "https://dxgate.dev/problems/harvest-blocked");
    let rec = record(&gw, &id).await;
    assert_eq!(
        (rec["outcome"].as_str(), rec["consumer"].as_str()),
        (Some("rate_limited"), Some("newcomer"))
    );

    // The portal's window went on through the reload: its fourth subject alarms too.
    let (status, _, _, body) = parts(gw.get(PORTAL_KEY, &person("004")).await).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["type"], "https://dxgate.dev/problems/harvest-blocked");
}

#[tokio::test(start_paused = true)]
async fn reload_keeps_the_pools_of_unchanged_sources() {
    let (up, cat, gw) = setup().await;
    let ok = HTTP_OK;
    assert_eq!(gw.status(PORTAL_KEY, ok).await, 200);
    assert_eq!(gw.status(PORTAL_KEY, ok).await, 200);
    assert_eq!(up.connections(), 1, "one pooled connection");
    let source = |agency: &str, dataset: &str| {
        let snap = gw.inproc().snapshot();
        let ds = snap.catalog.dataset(agency, dataset).unwrap().clone();
        snap.runtime.dataset(&ds).unwrap().source.clone()
    };
    let (people, http_ok, licences) = (
        source("alpha", "people"),
        source("alpha", "http-ok"),
        source("beta", "licences"),
    );

    // Lift a refusal rule (no source changes) and give beta/licences a longer timeout.
    cat.edit(
        "policies/agencies/alpha.toml",
        "except_consumers = [\"police\"]",
        "except_consumers = [\"police\", \"portal\"]",
    );
    cat.edit(
        "policies/agencies/beta.toml",
        "timeout = \"2s\"",
        "timeout = \"3s\"",
    );
    reload(&gw).await;

    assert_eq!(gw.status(PORTAL_KEY, ok).await, 200);
    assert_eq!(
        up.connections(),
        1,
        "the pooled connection survived the reload"
    );
    assert!(
        Arc::ptr_eq(&people, &source("alpha", "people")),
        "SQL pool kept"
    );
    assert!(
        Arc::ptr_eq(&http_ok, &source("alpha", "http-ok")),
        "HTTP source kept"
    );
    assert!(
        !Arc::ptr_eq(&licences, &source("beta", "licences")),
        "a changed source is built anew"
    );
    assert_eq!(
        gw.status(PORTAL_KEY, RESTRICTED).await,
        200,
        "the new rule is in force"
    );
    assert_eq!(
        gw.status(PORTAL_KEY, "/v1/data/beta/licences?code=1234")
            .await,
        200
    );
}
