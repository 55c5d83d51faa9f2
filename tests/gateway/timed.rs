//! What the gateway does as time passes — the circuit breaker's cooldown and probe, rate
//! limits refilling, the harvest alarm's windows and blocks — in-process on paused time: the
//! clock moves only by `tokio::time::advance`, so there is no wall-clock sleep and no race.

use std::time::Duration;

use tokio::time::advance;

use crate::common::catalogue::*;
use crate::common::*;

/// Status and `Retry-After` (empty when absent) of a GET.
async fn status_retry(gw: &Gateway, key: &str, path: &str) -> (u16, String) {
    let r = gw.get(key, path).await;
    (r.status().as_u16(), header(&r, "retry-after"))
}

#[tokio::test(start_paused = true)]
async fn breaker_opens_half_opens_and_closes() {
    let up = Upstream::start().await;
    up.set_failing(true);
    let cat = Catalogue::with_gamma(
        &up,
        &http_dataset(
            "flaky",
            &up.url("/switch"),
            "breaker_failures = 2\nbreaker_cooldown = \"30s\"",
            "",
        ),
    );
    let gw = Gateway::start(cat.path()).await;
    let path = "/v1/data/gamma/flaky?code=1234";
    let open = (503, "30".to_owned());
    assert_eq!(status_retry(&gw, PORTAL_KEY, path).await.0, 502);
    assert_eq!(status_retry(&gw, PORTAL_KEY, path).await.0, 502);
    let r = gw.get(PORTAL_KEY, path).await;
    assert_eq!(r.headers()["retry-after"], "30");
    let (status, id, ct, body) = parts(r).await;
    assert_eq!(
        (status, ct.as_str()),
        (503, "application/problem+json"),
        "open: {body}"
    );
    assert_eq!(
        body["type"],
        "https://dxgate.dev/problems/source-unavailable"
    );
    let rec = record(&gw, &id).await;
    assert_eq!(
        (rec["outcome"].as_str(), rec["agency"].as_str()),
        (Some("source_error"), Some("gamma"))
    );
    let hits = up.hits();
    advance(Duration::from_secs(10)).await;
    assert_eq!(
        status_retry(&gw, PORTAL_KEY, path).await,
        (503, "20".into())
    );
    advance(Duration::from_millis(19_999)).await;
    assert_eq!(status_retry(&gw, PORTAL_KEY, path).await, (503, "1".into()));
    assert_eq!(up.hits(), hits, "nothing reaches the source while open");

    // Cooldown over: one probe goes through; it fails, so the breaker opens again.
    advance(Duration::from_millis(1)).await;
    assert_eq!(status_retry(&gw, PORTAL_KEY, path).await.0, 502, "probe");
    assert_eq!(up.hits(), hits + 1);
    assert_eq!(status_retry(&gw, PORTAL_KEY, path).await, open, "reopened");

    // The source recovers: the next probe succeeds and closes the breaker.
    up.set_failing(false);
    advance(Duration::from_secs(30)).await;
    for _ in 0..3 {
        assert_eq!(
            status_retry(&gw, PORTAL_KEY, path).await,
            (200, String::new())
        );
    }
    assert_eq!(
        up.hits(),
        hits + 4,
        "closed: every request reaches the source"
    );
    // Other sources were never affected.
    let ok = HTTP_OK;
    assert_eq!(status_retry(&gw, PORTAL_KEY, ok).await.0, 200);
}

#[tokio::test(start_paused = true)]
async fn consumer_and_dataset_limits_answer_with_retry_after() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_gamma(
        &up,
        &http_dataset(
            "scarce",
            &up.url("/ok"),
            "",
            "rate_per_second = 2\nburst = 1",
        ),
    );
    let gw = Gateway::start(cat.path()).await;
    // `limited`: 1 request per second, bursts of 2.
    let ok = HTTP_OK;
    assert_eq!(status_retry(&gw, LIMITED_KEY, ok).await.0, 200);
    assert_eq!(status_retry(&gw, LIMITED_KEY, ok).await.0, 200);
    let r = gw.get(LIMITED_KEY, ok).await;
    assert_eq!(r.headers()["retry-after"], "1");
    let (status, id, ct, body) = parts(r).await;
    assert_eq!(
        (status, ct.as_str()),
        (429, "application/problem+json"),
        "{body}"
    );
    assert_eq!(body["type"], "https://dxgate.dev/problems/rate-limited");
    assert_eq!(body["request_id"], id.as_str());
    assert_eq!(
        body["detail"],
        "you may make 1 requests per second (bursts of 2); retry after 1 s"
    );
    assert_eq!(record(&gw, &id).await["outcome"], "rate_limited");
    let person = "/v1/data/alpha/people?citizen_id=001";
    assert_eq!(
        status_retry(&gw, PORTAL_KEY, person).await.0,
        200,
        "another consumer"
    );
    advance(Duration::from_millis(999)).await;
    assert_eq!(status_retry(&gw, LIMITED_KEY, ok).await, (429, "1".into()));
    advance(Duration::from_millis(1)).await;
    assert_eq!(status_retry(&gw, LIMITED_KEY, ok).await.0, 200, "refilled");
    assert_eq!(status_retry(&gw, LIMITED_KEY, ok).await.0, 429);

    // gamma/scarce: 2 per second from each consumer, no burst.
    let scarce = "/v1/data/gamma/scarce?code=1234";
    assert_eq!(status_retry(&gw, PORTAL_KEY, scarce).await.0, 200);
    let (status, _, _, body) = parts(gw.get(PORTAL_KEY, scarce).await).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        body["detail"],
        "gamma/scarce accepts 2 requests per second from each consumer (bursts of 1); retry after 1 s"
    );
    assert_eq!(
        status_retry(&gw, POLICE_KEY, scarce).await.0,
        200,
        "another consumer"
    );
    advance(Duration::from_millis(499)).await;
    assert_eq!(
        status_retry(&gw, PORTAL_KEY, scarce).await,
        (429, "1".into())
    );
    advance(Duration::from_millis(1)).await;
    assert_eq!(status_retry(&gw, PORTAL_KEY, scarce).await.0, 200);
}

#[tokio::test(start_paused = true)]
async fn harvest_alarm_counts_per_window_and_blocks_for_a_while() {
    let up = Upstream::start().await;
    let cat = Catalogue::with_more_settings(&up, "[harvest]\nwindow = \"1h\"\nmin_subjects = 3\nmultiplier = 1\nblock = true\nblock_for = \"10m\"\n");
    let gw = Gateway::start(cat.path()).await;
    for id in ["001", "002", "003"] {
        assert_eq!(status_retry(&gw, PORTAL_KEY, &person(id)).await.0, 200);
    }
    // A new window: three more distinct people are within the threshold again (one window
    // would hold six, over the threshold of three).
    advance(Duration::from_secs(3600)).await;
    for id in ["004", "005", "006"] {
        let (status, _) = status_retry(&gw, PORTAL_KEY, &person(id)).await;
        assert_eq!(
            status, 200,
            "{id}: counted (nobody on file: an empty answer)"
        );
    }
    let r = gw.get(PORTAL_KEY, &person("007")).await;
    assert_eq!(r.headers()["retry-after"], "600");
    expect_harvest_blocked(&gw, r).await;

    // Blocked on every dataset for block_for; other consumers are not.
    let ok = HTTP_OK;
    assert_eq!(status_retry(&gw, PORTAL_KEY, ok).await, (429, "600".into()));
    assert_eq!(status_retry(&gw, POLICE_KEY, &person("001")).await.0, 200);
    advance(Duration::from_secs(599)).await;
    assert_eq!(status_retry(&gw, PORTAL_KEY, ok).await, (429, "1".into()));
    advance(Duration::from_secs(1)).await;
    assert_eq!(
        status_retry(&gw, PORTAL_KEY, ok).await.0,
        200,
        "the block is over"
    );
}
