//! Rollups on the store itself, on SQLite and on real PostgreSQL: incremental catch-up in
//! small pages, interleaved with new records on two nodes, equals one pass over the raw
//! records; a rebuild ranks the same; snapshots are taken once a day and feed the trend.

use std::sync::Arc;

use dxgate::audit::chain::GENESIS;
use dxgate::audit::{Entry, Outcome, SchemaResult, Store};
use dxgate::calendar::{Zone, DAY_MS};
use dxgate::oversight::refusals::{self, RefusalFilter, ReviewState};
use dxgate::oversight::reviews::{self, NewReview, Verdict};
use dxgate::policy::{Justification, Text};
use dxgate::ranking::rollup::ConsumerAgencies;
use dxgate::ranking::{engine, inputs, rollup_store, snapshot};

use crate::common::{on_postgres_store, on_sqlite_store};

const NOW: i64 = 1_750_000_000_000;

/// A deterministic record `i` of `node`: outcomes, consumers, datasets and days vary.
fn entry(i: i64) -> Entry {
    let outcome = [
        Outcome::Served,
        Outcome::Served,
        Outcome::Served,
        Outcome::Refused,
        Outcome::SourceError,
        Outcome::InvalidResponse,
        Outcome::Exempt,
        Outcome::RejectedRequest,
    ][(i % 8) as usize];
    let consumer = ["portal", "police", "own-officer", "ministry-x"][(i % 7 % 4) as usize];
    let response_schema = match outcome {
        Outcome::Served if i % 11 == 0 => SchemaResult::Invalid,
        Outcome::Served if i % 13 == 0 => SchemaResult::NotChecked,
        Outcome::Served => SchemaResult::Valid,
        Outcome::InvalidResponse => SchemaResult::Invalid,
        _ => SchemaResult::NotChecked,
    };
    let e = Entry::new(
        format!("{:012}-{i}", NOW + i),
        NOW - (i % 40) * DAY_MS / 2 - i * 997,
        "GET",
    )
    .consumer(consumer)
    .dataset(
        ["alpha", "beta"][(i % 3 % 2) as usize],
        ["people", "licences", "secret"][(i % 5 % 3) as usize],
    )
    .purpose("test")
    .outcome(outcome, 200)
    .schemas(SchemaResult::Valid, response_schema)
    .latency((i * 7919) % 3_000_000, None);
    if outcome != Outcome::Refused {
        return e;
    }
    let decided_by = if i % 3 == 0 {
        "source:alpha/people"
    } else {
        "policy:alpha/people#1"
    };
    e.justification(if i % 2 == 0 {
        let text = |t| Text::new(t).unwrap();
        Justification::justified(text("Art. 1"), text("Because."), decided_by)
    } else {
        Justification::unjustified(decided_by)
    })
}

/// Append records `from..to` to `node`'s chain.
async fn append(store: &Store, node: &str, from: i64, to: i64) {
    let mut head = store.head(node).await.unwrap();
    let mut batch = Vec::new();
    for i in from..to {
        let mut e = entry(i);
        e.request_id = format!("{node}-{}", e.request_id);
        batch.push(head.extend(node, e));
    }
    store.append(&batch).await.unwrap();
}

fn agencies() -> ConsumerAgencies {
    ConsumerAgencies::from_pairs([("own-officer".to_string(), "alpha".to_string())])
}

fn catalog() -> Arc<dxgate::config::Catalog> {
    // Agencies only matter to the engine by id/kind; an empty catalogue ranks nobody, so the
    // comparison below is on the inputs, which hold every number the engine reads.
    Arc::new(dxgate::config::Catalog::default())
}

async fn exercise(store: &Store) {
    let agencies = agencies();
    assert_eq!(GENESIS.to_hex(), "0".repeat(64));
    append(store, "n1", 0, 3_000).await;
    append(store, "n2", 10_000, 11_500).await;
    // Small pages, with more records arriving between them.
    let done = rollup_store::catch_up(store, &agencies, Some(1))
        .await
        .unwrap();
    assert!(done.records > 0);
    append(store, "n1", 3_000, 7_000).await;
    rollup_store::catch_up(store, &agencies, Some(1))
        .await
        .unwrap();
    append(store, "n2", 11_500, 12_000).await;
    loop {
        let d = rollup_store::catch_up(store, &agencies, Some(1))
            .await
            .unwrap();
        if d.records == 0 {
            break;
        }
    }
    let stored = rollup_store::stored_hourly(store).await.unwrap();
    let fresh = rollup_store::recompute_from_raw(store, &agencies)
        .await
        .unwrap();
    assert_eq!(fresh.records, 7_000 + 2_000);
    assert_eq!(
        stored, fresh.hourly,
        "incremental rollups equal one pass over the raw records"
    );

    let incremental = inputs::load(store, 30, NOW, &Zone::default())
        .await
        .unwrap();
    rollup_store::rebuild(store, &agencies).await.unwrap();
    rollup_store::catch_up(store, &agencies, None)
        .await
        .unwrap();
    let rebuilt = inputs::load(store, 30, NOW, &Zone::default())
        .await
        .unwrap();
    assert_eq!(incremental.cells, rebuilt.cells);
    assert_eq!(incremental.consumer_days, rebuilt.consumer_days);
    assert_eq!(incremental.served, rebuilt.served);
    assert!(incremental
        .cells
        .values()
        .any(|c| c.c[dxgate::ranking::rollup::SELF_CALLS] > 0));

    // A changed consumer → agency map rebuilds on its own.
    let other = ConsumerAgencies::from_pairs([("police".to_string(), "beta".to_string())]);
    let d = rollup_store::catch_up(store, &other, None).await.unwrap();
    assert!(d.rebuilt && d.records == 9_000);

    // Snapshots: once per day, never overwritten; they feed the trend.
    let r = engine::compute(&catalog(), &other, &rebuilt, 1, NOW);
    assert!(snapshot::take_if_due(store, &r).await.unwrap());
    assert!(
        !snapshot::take_if_due(store, &r).await.unwrap(),
        "one snapshot a day"
    );
    assert!(snapshot::get(store, NOW / DAY_MS, 30)
        .await
        .unwrap()
        .is_some());

    // Reviews and the refusal listing on the same store.
    let refused = format!("n1-{:012}-3", NOW + 3);
    let new = NewReview {
        request_id: refused.clone(),
        verdict: Verdict::Overturned,
        note: "No ground.".into(),
        reviewer: "oversight".into(),
        revise: false,
    };
    let r1 = reviews::record(store, &new, NOW).await.unwrap();
    assert!(matches!(
        reviews::record(store, &new, NOW).await,
        Err(dxgate::oversight::ReviewError::AlreadyReviewed(_))
    ));
    let served = format!("n1-{:012}-0", NOW);
    let not_refused = NewReview {
        request_id: served,
        ..new.clone()
    };
    assert!(reviews::record(store, &not_refused, NOW).await.is_err());
    let r2 = reviews::record(
        store,
        &NewReview {
            revise: true,
            verdict: Verdict::Upheld,
            ..new
        },
        NOW + 1,
    )
    .await
    .unwrap();
    assert_eq!((r1.seq, r2.seq, r2.prev_hash), (1, 2, r1.hash));
    assert_eq!(reviews::verify(store).await.unwrap(), Ok(2));
    let f = RefusalFilter {
        agency: Some("alpha".into()),
        dataset: Some("people".into()),
        limit: 500,
        ..RefusalFilter::default()
    };
    let listed = refusals::list(store, &f, NOW).await.unwrap();
    assert!(!listed.is_empty() && listed.iter().all(|r| r.agency.as_deref() == Some("alpha")));
    let mine = refusals::list(
        store,
        &RefusalFilter {
            request_id: Some(refused.clone()),
            limit: 1,
            ..f.clone()
        },
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(mine[0].history.len(), 2);
    assert_eq!(mine[0].review.as_ref().unwrap().verdict, Verdict::Upheld);
    let overdue = RefusalFilter {
        review: Some(ReviewState::Overdue),
        ..f.clone()
    };
    let later = NOW + 40 * DAY_MS;
    let backlog = refusals::backlog(store, &f, later).await.unwrap();
    let alpha_refusals = refusals::list(
        store,
        &RefusalFilter {
            limit: 500,
            ..f.clone()
        },
        later,
    )
    .await
    .unwrap();
    // The backlog covers the caller's scope (agency / consumer), not the other filters.
    let alpha_refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_records WHERE outcome = 'refused' AND agency = 'alpha'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(backlog.unreviewed, alpha_refused - 1, "one was reviewed");
    assert_eq!(backlog.overdue, backlog.unreviewed);
    assert!(alpha_refusals.len() < 500, "the page holds them all");
    assert_eq!(
        refusals::list(store, &overdue, later).await.unwrap().len(),
        alpha_refusals.iter().filter(|r| r.review.is_none()).count()
    );
    let verdicts = dxgate::oversight::current_verdicts(store, NOW - 30 * DAY_MS, NOW + 1)
        .await
        .unwrap();
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].verdict, Verdict::Upheld);
}

#[tokio::test]
async fn incremental_rollups_match_a_full_recompute_on_sqlite() {
    on_sqlite_store(exercise).await;
}

#[tokio::test]
async fn incremental_rollups_match_a_full_recompute_on_postgres() {
    on_postgres_store("rank", exercise).await;
}
