//! Rate limits and harvest blocks shared by replicas through Redis (`[limits]`): two gateways
//! on one Redis admit in total what one would; a block raised by one holds on the other; a
//! Redis outage falls back to per-replica limits, says so in `/metrics` and the log, and
//! heals by itself.

use std::time::{Duration, Instant};

use crate::common::catalogue::*;
use crate::common::redis_server::{limits_settings, require_redis, ThrowawayRedis};
use crate::common::*;

/// Both replicas' catalogue: `limited` at 20/s (bursts of 10), and beta/licences accepting
/// 20/s (bursts of 10) from each consumer.
fn replica(up: &Upstream, limits: &str) -> Catalogue {
    // Every 429 keeps its own record here (not a rejection summary), so one can be fetched.
    let settings = format!("{limits}\n[audit]\nrejection_allowance = 1000000\n");
    let cat = Catalogue::with_more_settings(up, &settings);
    cat.edit(
        "policies/consumers.toml",
        "rate_per_second = 1\nburst = 2",
        "rate_per_second = 20\nburst = 10",
    );
    cat.edit(
        "policies/agencies/beta.toml",
        "id = \"licences\"\n",
        "id = \"licences\"\nrate_per_second = 20\nburst = 10\n",
    );
    cat
}

/// GET `path` as `key` from 4 tasks per gateway until `for_` has passed: (200s, 429s, seconds
/// from the first 200 received to the last one). Any other status fails.
async fn hammer(gws: [&Gateway; 2], key: &str, path: &str, for_: Duration) -> (u64, u64, f64) {
    let client = client();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for gw in gws {
        for _ in 0..4 {
            let (client, url, key) = (client.clone(), gw.url(path), key.to_owned());
            tasks.push(tokio::spawn(async move {
                let (mut admitted, mut limited) = (Vec::new(), 0);
                while started.elapsed() < for_ {
                    match get_over(&client, &url, &key, "social-benefit")
                        .await
                        .status()
                        .as_u16()
                    {
                        200 => admitted.push(Instant::now()),
                        429 => limited += 1,
                        other => panic!("{url}: {other}"),
                    }
                }
                (admitted, limited)
            }));
        }
    }
    let (mut admitted, mut limited) = (Vec::new(), 0);
    for t in tasks {
        let (a, l) = t.await.unwrap();
        admitted.extend(a);
        limited += l;
    }
    let first = admitted.iter().min().copied().unwrap_or(started);
    let last = admitted.iter().max().copied().unwrap_or(started);
    (admitted.len() as u64, limited, (last - first).as_secs_f64())
}

/// `admitted` is within 10 % of what one GCRA limiter of `rate`/s and `burst` admits between
/// the first and the last admitted answer, and the load really pressed on the limit.
fn within_ten_percent(
    what: &str,
    (admitted, limited, secs): (u64, u64, f64),
    rate: f64,
    burst: f64,
) {
    let limit = burst + rate * secs;
    let admitted_f = admitted as f64;
    eprintln!(
        "{what}: admitted {admitted} of a limit of {limit:.1} in {secs:.2} s ({limited} throttled)"
    );
    assert!(
        (admitted_f - limit).abs() <= 0.1 * limit,
        "{what}: two replicas admitted {admitted} in {secs:.2} s; the limit is {limit:.1} (one replica's worth)"
    );
    assert!(
        limited > 0,
        "{what}: the load pressed on the limit ({limited} 429s)"
    );
}

fn metric(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ').map(str::to_owned))
}

#[tokio::test]
async fn two_replicas_share_consumer_and_dataset_limits_within_ten_percent() {
    let Some(url) = require_redis().await else {
        return;
    };
    let up = Upstream::start().await;
    let limits = limits_settings(&url, "two-replicas");
    let (cat_a, cat_b) = (replica(&up, &limits), replica(&up, &limits));
    let (a, b) = (
        Gateway::start(cat_a.path()).await,
        Gateway::start(cat_b.path()).await,
    );
    let for_ = Duration::from_secs(3);
    let (consumer, dataset) = tokio::join!(
        hammer([&a, &b], LIMITED_KEY, HTTP_OK, for_),
        hammer(
            [&a, &b],
            PORTAL_KEY,
            "/v1/data/beta/licences?code=1234",
            for_
        ),
    );
    within_ten_percent("limited's own 20/s", consumer, 20.0, 10.0);
    within_ten_percent("beta/licences' 20/s for portal", dataset, 20.0, 10.0);
    for gw in [&a, &b] {
        let m = gw.anon_text("/metrics").await;
        assert_eq!(
            metric(&m, "dxgate_limits_redis_fallback").as_deref(),
            Some("0"),
            "{m}"
        );
        assert_eq!(
            metric(&m, "dxgate_limits_redis_errors_total").as_deref(),
            Some("0")
        );
    }
    // A throttled request still has its record, as rate_limited (the burst refilled while
    // /metrics was read: spend it first).
    let mut r = a.get(LIMITED_KEY, HTTP_OK).await;
    for _ in 0..20 {
        if r.status() == 429 {
            break;
        }
        r = a.get(LIMITED_KEY, HTTP_OK).await;
    }
    let (id, body) = expect_problem(r, 429).await;
    assert_eq!(body["type"], "https://dxgate.dev/problems/rate-limited");
    assert_eq!(record(&a, &id).await["outcome"], "rate_limited");
}

#[tokio::test]
async fn a_harvest_block_raised_on_one_replica_holds_on_the_other() {
    let Some(url) = require_redis().await else {
        return;
    };
    let up = Upstream::start().await;
    let limits = limits_settings(&url, "harvest");
    let settings = format!("{HARVEST_BLOCK_1H}{limits}");
    let (cat_a, cat_b) = (
        Catalogue::with_more_settings(&up, &settings),
        Catalogue::with_more_settings(&up, &settings),
    );
    let (a, b) = (
        Gateway::start(cat_a.path()).await,
        Gateway::start(cat_b.path()).await,
    );
    assert_eq!(b.status(PORTAL_KEY, HTTP_OK).await, 200, "not blocked yet");
    for id in ["001", "002", "003"] {
        assert_eq!(a.status(PORTAL_KEY, &person(id)).await, 200, "{id}");
    }
    expect_harvest_blocked(&a, a.get(PORTAL_KEY, &person("004")).await).await;
    // Replica b never saw those subjects; the block holds there all the same.
    let r = b.get(PORTAL_KEY, HTTP_OK).await;
    let retry: u64 = header(&r, "retry-after").parse().unwrap();
    assert!(
        (3590..=3600).contains(&retry),
        "the block's time left: {retry}"
    );
    let (id, body) = expect_problem(r, 429).await;
    assert_eq!(body["type"], "https://dxgate.dev/problems/harvest-blocked");
    assert_eq!(record(&b, &id).await["outcome"], "rate_limited");
    assert_eq!(
        b.status(POLICE_KEY, &person("005")).await,
        200,
        "others are not blocked"
    );
}

#[tokio::test]
async fn a_redis_outage_falls_back_to_local_limits_and_heals() {
    let Some(mut redis) = ThrowawayRedis::start().await else {
        return;
    };
    let up = Upstream::start().await;
    let cat = Catalogue::with_more_settings(&up, &limits_settings(&redis.url(), "outage"));
    let gw = Gateway::start_binary(cat.path()).await;
    let metrics = || async { gw.anon_text("/metrics").await };
    // Shared: `limited` (1/s, bursts of 2) through Redis.
    assert_eq!(
        statuses(&gw, LIMITED_KEY, &[HTTP_OK; 3]).await,
        [200, 200, 429]
    );
    assert_eq!(
        metric(&metrics().await, "dxgate_limits_redis_fallback").as_deref(),
        Some("0")
    );

    redis.stop_server();
    let started = Instant::now();
    // Local limits now: this replica's own limiter, never consulted while Redis answered, is
    // full — two served, then throttled. Never a 503: limits are no reason to stop serving.
    let during = statuses(&gw, LIMITED_KEY, &[HTTP_OK; 3]).await;
    assert_eq!(during, [200, 200, 429]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the fallback does not wait long"
    );
    let r = gw.get(PORTAL_KEY, HTTP_OK).await;
    assert_eq!(r.status(), 200);
    assert_eq!(record(&gw, &request_id(&r)).await["outcome"], "served");
    let m = metrics().await;
    assert_eq!(
        metric(&m, "dxgate_limits_redis_fallback").as_deref(),
        Some("1"),
        "{m}"
    );
    let errors: u64 = metric(&m, "dxgate_limits_redis_errors_total")
        .unwrap()
        .parse()
        .unwrap();
    assert!(errors >= 1);
    assert!(
        gw.log().contains("FALLING BACK TO PER-REPLICA LIMITS"),
        "the log says so:\n{}",
        gw.log()
    );

    assert!(redis.start_server().await, "redis-server restarted");
    let healed = eventually(10, async || {
        assert_eq!(gw.status(PORTAL_KEY, HTTP_OK).await, 200);
        metric(&metrics().await, "dxgate_limits_redis_fallback").as_deref() == Some("0")
    })
    .await;
    assert!(healed, "back on shared limits once Redis answers");
    assert!(gw.log().contains("Redis answers again"), "{}", gw.log());
}
