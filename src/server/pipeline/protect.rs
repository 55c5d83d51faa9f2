//! The protective phases of a data request: is its (authenticated) consumer throttled or
//! blocked (by this replica, or by all of them through `crate::limits`), and whose records it
//! touches. Each returns `Err(Problem)` on "no", like every phase.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::audit::rejections::{Admission, RejectionKey};
use crate::audit::{Entry, Outcome};
use crate::config::Dataset;
use crate::gateway::Gateway;
use crate::identity::{Consumer, Limiter, Rate, Throttled};
use crate::limits::{Quota, Shared};
use crate::runtime::{DatasetRuntime, Runtime};
use crate::security::SecurityEvents;
use crate::server::peer::{prefix_text, ClientAddr};
use crate::server::problem::{Problem, ProblemKind};
use crate::subjects::subject_value;

/// A consumer blocked by the bulk-harvest alarm. "No" is 429 `harvest-blocked`, recorded as
/// `rate_limited` (it is the gateway throttling a consumer, not an agency refusing to share).
pub fn harvest_block_phase(gw: &Gateway, rt: &Runtime, consumer: &Consumer) -> Result<(), Problem> {
    match rt.harvest.blocked(&consumer.id) {
        None => Ok(()),
        Some(left) => {
            SecurityEvents::bump(&gw.security.harvest_blocked_requests);
            Err(harvest_blocked(left))
        }
    }
}

fn harvest_blocked(left: Duration) -> Problem {
    let secs = left.as_secs().max(1);
    Problem::new(
        ProblemKind::HarvestBlocked,
        format!("you requested records about far more distinct people than usual; as a protection against bulk harvesting your data requests are blocked for {secs} s. The competent authority has been alerted; contact it if this is legitimate."),
    )
    .with_retry_after(secs)
}

/// Spend one request of the consumer's quota — the one all replicas share through Redis when
/// `[limits] redis_url` is set (which also tells of a block raised by another replica's harvest
/// alarm), else, or while Redis is unreachable, this replica's own. "No" is 429 `rate_limited`
/// with Retry-After, or 429 `harvest-blocked`.
pub async fn rate_limit_phase(
    gw: &Gateway,
    rt: &Runtime,
    consumer: &Consumer,
) -> Result<(), Problem> {
    let limit = rt.consumer_limiter(&consumer.id);
    let quota = limit.map(|l| (Quota::Consumer(&consumer.id), l.rate));
    let local = || limit.map_or(Ok(()), Limiter::check);
    let what = || match limit {
        Some(l) => format!(
            "you may make {} requests per second (bursts of {})",
            l.rate.per_second, l.rate.burst
        ),
        None => String::new(),
    };
    spend(gw, &consumer.id, quota, local, what).await
}

/// Spend one request of the consumer's quota on this dataset (shared like
/// [`rate_limit_phase`]). "No" is 429 `rate_limited`.
pub async fn dataset_rate_phase(
    gw: &Gateway,
    ds: &Dataset,
    live: &DatasetRuntime,
    consumer: &Consumer,
) -> Result<(), Problem> {
    let Some(limit) = &live.limiter else {
        return Ok(());
    };
    let quota = Quota::Dataset {
        agency: ds.agency.as_str(),
        dataset: ds.id.as_str(),
        consumer: &consumer.id,
    };
    let key: Arc<str> = Arc::from(consumer.id.as_str());
    let what = || {
        format!(
            "{}/{} accepts {} requests per second from each consumer (bursts of {})",
            ds.agency, ds.id, limit.rate.per_second, limit.rate.burst
        )
    };
    let local = || limit.check(&key);
    spend(gw, &consumer.id, Some((quota, limit.rate)), local, what).await
}

/// Redis decides when it answers; otherwise `local` does.
async fn spend(
    gw: &Gateway,
    consumer: &str,
    quota: Option<(Quota<'_>, Rate)>,
    local: impl FnOnce() -> Result<(), Throttled>,
    what: impl FnOnce() -> String,
) -> Result<(), Problem> {
    let verdict = match gw.limits.admit(consumer, quota).await {
        Some(Shared::Admitted) => Ok(()),
        Some(Shared::Throttled(t)) => Err(t),
        Some(Shared::Blocked(left)) => {
            SecurityEvents::bump(&gw.security.harvest_blocked_requests);
            return Err(harvest_blocked(left));
        }
        None => local(),
    };
    verdict.map_err(|t| throttled(gw, t, what()))
}

/// Whether this rejection (unauthenticated or rate-limited) is past its client's allowance
/// and so counted in a summary record: that record's id, the answer's `Request-Id`.
pub fn summarised(gw: &Gateway, client: Option<ClientAddr>, entry: &Entry) -> Option<String> {
    if !matches!(
        entry.outcome,
        Outcome::Unauthenticated | Outcome::RateLimited
    ) {
        return None;
    }
    let key = RejectionKey {
        client: client.map_or_else(|| "unknown".into(), |c| prefix_text(c.prefix())),
        consumer: entry.consumer.clone(),
        outcome: entry.outcome,
    };
    match gw.rejections.admit(key, entry.ts_ms, entry.status) {
        Admission::Record => None,
        Admission::Counted(id) => {
            SecurityEvents::bump(&gw.security.rejections_summarised);
            Some(id)
        }
    }
}

/// The per-client limit before authentication (`[server] per_ip_rate_per_second`), on every
/// API that authenticates. "No" is 429 `rate_limited` with Retry-After.
pub fn client_rate_phase<B>(gw: &Gateway, req: &http::Request<B>) -> Result<(), Problem> {
    let (Some(limit), Some(client)) = (&gw.client_limit, req.extensions().get::<ClientAddr>())
    else {
        return Ok(());
    };
    let key: Arc<str> = Arc::from(prefix_text(client.prefix()));
    limit.check(&key).map_err(|t| {
        SecurityEvents::bump(&gw.security.client_rate_limited);
        throttled(
            gw,
            t,
            format!(
                "one client address may make {} requests per second (bursts of {})",
                limit.rate.per_second, limit.rate.burst
            ),
        )
    })
}

fn throttled(gw: &Gateway, t: Throttled, what: String) -> Problem {
    SecurityEvents::bump(&gw.security.rate_limited);
    let secs = t.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    Problem::new(
        ProblemKind::RateLimited,
        format!("{what}; retry after {secs} s"),
    )
    .with_retry_after(secs)
}

/// Whose records a refused or rejected request was about, for the citizen's access log: the
/// keyed hash only, not counted by the harvest alarm (nothing was released).
pub fn subject_hash_only(gw: &Gateway, ds: &Dataset, params: &Value, entry: &mut Entry) {
    if let Some(subject) = (ds.subject_field.as_ref()).and_then(|f| subject_value(params, f)) {
        entry.subject_hash = Some(gw.subject_key.hash(&subject));
    }
}

/// Whose records this request is about: the dataset's `subject_field`, kept only as a keyed
/// hash in the audit record and counted by the bulk-harvest alarm. "No" (only with
/// `[harvest] block = true`, on the request that crosses the threshold) is 429 `harvest-blocked`;
/// the block is also written to the shared limits, so it holds on every replica.
pub async fn subject_phase(
    gw: &Gateway,
    rt: &Runtime,
    ds: &Dataset,
    consumer: &Consumer,
    params: &Value,
    entry: &mut Entry,
) -> Result<(), Problem> {
    let Some(field) = &ds.subject_field else {
        return Ok(());
    };
    let Some(subject) = subject_value(params, field) else {
        return Ok(());
    };
    let hash = gw.subject_key.hash(&subject);
    let alarm = rt.harvest.observe(&consumer.id, &hash.to_hex());
    entry.subject_hash = Some(hash);
    let Some(alarm) = alarm else {
        return Ok(());
    };
    SecurityEvents::bump(&gw.security.harvest_alarms);
    tracing::warn!(
        target: "dxgate::security",
        event = "bulk_harvest",
        consumer = %alarm.consumer,
        distinct_subjects = alarm.distinct,
        threshold = alarm.threshold,
        baseline = alarm.baseline.unwrap_or(0.0),
        window_s = gw.settings.harvest.window.as_secs(),
        blocked = alarm.blocked,
        "consumer touched far more distinct data subjects than its baseline"
    );
    if alarm.blocked {
        let block_for = gw.settings.harvest.block_for;
        gw.limits.block(&consumer.id, block_for).await;
        return Err(harvest_blocked(block_for));
    }
    Ok(())
}
