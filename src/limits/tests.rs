//! The GCRA script and the fallback against the machine's real Redis (`DXGATE_TEST_REDIS_URL`,
//! default `redis://127.0.0.1:6379`); skipped loudly without one, except under `CI=true`.

use std::num::NonZeroU32;

use super::*;

fn rate(per_second: u32, burst: u32) -> Rate {
    Rate {
        per_second: NonZeroU32::new(per_second).unwrap(),
        burst: NonZeroU32::new(burst).unwrap(),
    }
}

/// Settings on the test Redis with a prefix of this test's own, or `None` (skip) without one.
async fn on_redis(test: &str) -> Option<LimitsSettings> {
    let url = std::env::var("DXGATE_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let reachable = async {
        let client = redis::Client::open(url.as_str()).ok()?;
        let mut c = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut c).await.ok()
    };
    let up = tokio::time::timeout(Duration::from_secs(2), reachable).await;
    if !matches!(up, Ok(Some(_))) {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "no Redis at {url} (DXGATE_TEST_REDIS_URL), which CI must have"
        );
        eprintln!("SKIPPED {test}: no Redis at {url}");
        return None;
    }
    Some(LimitsSettings {
        redis_url: Some(url),
        key_prefix: format!("dxgate-test:{test}:{}", uuid::Uuid::now_v7()),
        ..LimitsSettings::default()
    })
}

#[tokio::test]
async fn gcra_admits_the_burst_then_throttles_across_instances() {
    let Some(settings) = on_redis("gcra").await else {
        return;
    };
    let (a, b) = (
        SharedLimits::new(&settings, Arc::default()).unwrap(),
        SharedLimits::new(&settings, Arc::default()).unwrap(),
    );
    let q = Some((Quota::Consumer("c"), rate(1, 3)));
    assert_eq!(a.admit("c", q).await, Some(Shared::Admitted));
    assert_eq!(b.admit("c", q).await, Some(Shared::Admitted));
    assert_eq!(a.admit("c", q).await, Some(Shared::Admitted));
    let Some(Shared::Throttled(t)) = b.admit("c", q).await else {
        panic!("the fourth request of a burst of 3 is throttled, whichever replica it reaches");
    };
    assert!(
        t.retry_after > Duration::from_millis(900) && t.retry_after <= Duration::from_secs(1),
        "one request back within a second at 1/s: {:?}",
        t.retry_after
    );
    let other = Some((Quota::Consumer("d"), rate(1, 3)));
    assert_eq!(a.admit("d", other).await, Some(Shared::Admitted));
    let ds = Quota::Dataset {
        agency: "alpha",
        dataset: "people",
        consumer: "c",
    };
    assert_eq!(
        a.admit("c", Some((ds, rate(1, 1)))).await,
        Some(Shared::Admitted),
        "a dataset's quota is its own"
    );
    assert!(matches!(
        b.admit("c", Some((ds, rate(1, 1)))).await,
        Some(Shared::Throttled(_))
    ));
    assert!(!a.stats.fallback.load(Ordering::Relaxed));
    assert_eq!(a.stats.redis_errors.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_block_holds_on_every_instance_until_it_expires() {
    let Some(settings) = on_redis("block").await else {
        return;
    };
    let (a, b) = (
        SharedLimits::new(&settings, Arc::default()).unwrap(),
        SharedLimits::new(&settings, Arc::default()).unwrap(),
    );
    assert_eq!(b.admit("c", None).await, Some(Shared::Admitted));
    a.block("c", Duration::from_secs(60)).await;
    let Some(Shared::Blocked(left)) = b.admit("c", None).await else {
        panic!("blocked on the other instance too");
    };
    assert!(left > Duration::from_secs(58) && left <= Duration::from_secs(60));
    assert_eq!(b.admit("other", None).await, Some(Shared::Admitted));
    a.block("short", Duration::from_millis(1)).await;
    let deadline = Instant::now() + Duration::from_secs(2);
    while b.admit("short", None).await != Some(Shared::Admitted) {
        assert!(Instant::now() < deadline, "a block expires by itself");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn unreachable_redis_falls_back_and_retries_once_per_interval() {
    let settings = LimitsSettings {
        // Nothing listens on port 1: connections are refused at once.
        redis_url: Some("redis://127.0.0.1:1".into()),
        retry: Duration::from_secs(3600),
        ..LimitsSettings::default()
    };
    let l = SharedLimits::new(&settings, Arc::default()).unwrap();
    assert!(l.stats.configured.load(Ordering::Relaxed));
    assert!(!l.stats.fallback.load(Ordering::Relaxed));
    let q = Some((Quota::Consumer("c"), rate(1, 1)));
    assert_eq!(l.admit("c", q).await, None, "decide locally");
    assert!(l.stats.fallback.load(Ordering::Relaxed));
    assert_eq!(l.stats.redis_errors.load(Ordering::Relaxed), 1);
    for _ in 0..10 {
        assert_eq!(l.admit("c", q).await, None);
    }
    assert_eq!(
        l.stats.redis_errors.load(Ordering::Relaxed),
        1,
        "no second try within the retry interval"
    );
    assert_eq!(l.stats.local_decisions.load(Ordering::Relaxed), 11);
    assert_eq!(
        SharedLimits::local(Arc::default()).admit("c", q).await,
        None
    );
    assert!(!SharedLimits::local(Arc::default())
        .stats
        .configured
        .load(Ordering::Relaxed));
}

#[test]
fn settings_problems_name_their_key() {
    let bad = LimitsSettings {
        redis_url: Some("http://x".into()),
        key_prefix: "has space".into(),
        timeout: Duration::ZERO,
        retry: Duration::from_millis(10),
    };
    let keys: Vec<_> = bad.problems().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["redis_url", "key_prefix", "timeout", "retry"]);
    assert!(LimitsSettings::default().problems().is_empty());
}
