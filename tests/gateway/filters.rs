//! The store's dynamic filters (`sqlx::QueryBuilder`): the audit-record search, the oversight
//! refusal list and backlog, and the citizens' access log give exactly what a plain filter over
//! the same records gives — on SQLite and on real PostgreSQL alike.

use std::collections::HashMap;

use dxgate::audit::{
    AuditWriter, Digest, Entry, Outcome, RecordFilter, SchemaResult, Store, WriterConfig,
};
use dxgate::oversight::refusals::{self, RefusalFilter, ReviewState};
use dxgate::oversight::reviews::{self, NewReview, Verdict};
use dxgate::policy::{Justification, JustificationStatus, Text};
use dxgate::subjects::access_log;

use futures_util::future::join_all;

use crate::common::{on_postgres_store, on_sqlite_store};

const NOW: i64 = 1_750_000_000_000;
const DAY_MS: i64 = 86_400_000;
const CONSUMERS: [&str; 3] = ["portal", "police", "ministry"];
const AGENCIES: [&str; 2] = ["alpha", "beta"];
const DATASETS: [&str; 2] = ["people", "licences"];
const SUBJECTS: [&str; 2] = ["s-one", "s-two"];

/// Record `i` of `node` (`n` is the node's number): every field the filters read varies.
fn entry(i: i64, n: i64) -> Entry {
    let outcome = Outcome::ALL[(i % 8) as usize];
    let refused = outcome == Outcome::Refused;
    // UUID-shaped, as the gateway's are, so every collation orders them alike.
    let request_id = format!("{:08x}-0000-7000-8000-{n:012x}", 0x0190_0000 + i);
    let mut e = Entry::new(request_id, NOW - (i % 45) * DAY_MS - i, "GET")
        .consumer(CONSUMERS[(i % 3) as usize])
        .dataset(
            AGENCIES[(i / 8 % 2) as usize],
            DATASETS[(i / 3 % 2) as usize],
        )
        .purpose("test")
        .outcome(outcome, if refused { 403 } else { 200 })
        .schemas(SchemaResult::Valid, SchemaResult::NotChecked)
        .latency(1, None);
    if refused {
        let decided_by = "policy:alpha/people#1";
        e = e.justification(if i % 16 == 1 {
            Justification::justified(
                Text::new("Law 1").unwrap(),
                Text::new("a reason").unwrap(),
                decided_by,
            )
        } else {
            Justification::unjustified(decided_by)
        });
    }
    if i % 5 < 2 {
        e = e.subject_hash(subject(SUBJECTS[(i % 5) as usize]));
    }
    e
}

/// The (test) keyed hash of a subject.
fn subject(s: &str) -> Digest {
    Digest::sha256(s)
}

/// 400 records on two chains, written by the real group-commit writer, and reviews of some
/// refusals; returns the records and the current verdict of each reviewed refusal.
async fn fill(store: &Store) -> (Vec<Entry>, HashMap<String, Verdict>) {
    let mut all = Vec::new();
    for (n, node) in [(1, "n1"), (2, "n2")] {
        let config = WriterConfig {
            node_id: node.into(),
            batch_max: 64,
            queue_capacity: 256,
            checkpoints: None,
        };
        let (writer, task) = AuditWriter::start_with(store.clone(), config)
            .await
            .unwrap();
        let entries: Vec<Entry> = (0..200).map(|i| entry(i, n)).collect();
        let committed = join_all(entries.iter().map(|e| writer.record(e.clone()))).await;
        assert!(committed.iter().all(Result::is_ok));
        drop(writer);
        task.await.unwrap();
        all.extend(entries);
    }
    let mut verdicts = HashMap::new();
    let refused = all.iter().filter(|e| e.outcome == Outcome::Refused);
    for (k, e) in refused.enumerate().filter(|(k, _)| k % 3 != 2) {
        let verdict = if k % 2 == 0 {
            Verdict::Upheld
        } else {
            Verdict::Overturned
        };
        let review = NewReview {
            request_id: e.request_id.clone(),
            verdict,
            note: "checked".into(),
            reviewer: "oversight".into(),
            revise: false,
        };
        reviews::record(store, &review, NOW).await.unwrap();
        verdicts.insert(e.request_id.clone(), verdict);
    }
    (all, verdicts)
}

/// Newest first, at most `limit` of `ids`.
fn page(mut ids: Vec<String>, limit: u32) -> Vec<String> {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.truncate(limit as usize);
    ids
}

fn is(want: &Option<String>, got: &Option<String>) -> bool {
    want.is_none() || want == got
}

async fn records_match(store: &Store, all: &[Entry]) {
    let cursor = page(all.iter().map(|e| e.request_id.clone()).collect(), 50)[49].clone();
    let filters = [
        RecordFilter::default(),
        RecordFilter {
            consumer: Some("portal".into()),
            ..Default::default()
        },
        RecordFilter {
            agency: Some("beta".into()),
            dataset: Some("people".into()),
            ..Default::default()
        },
        RecordFilter {
            outcome: Some(Outcome::Refused),
            consumer: Some("police".into()),
            ..Default::default()
        },
        RecordFilter {
            since_ms: Some(NOW - 10 * DAY_MS),
            agency: Some("alpha".into()),
            ..Default::default()
        },
        RecordFilter {
            before: Some(cursor),
            outcome: Some(Outcome::Served),
            ..Default::default()
        },
        RecordFilter {
            consumer: Some("nobody".into()),
            ..Default::default()
        },
    ];
    for limit in [1000, 7] {
        for f in &filters {
            let f = RecordFilter { limit, ..f.clone() };
            let want = page(
                all.iter()
                    .filter(|e| {
                        is(&f.consumer, &e.consumer)
                            && is(&f.agency, &e.agency)
                            && is(&f.dataset, &e.dataset)
                            && f.outcome.is_none_or(|o| o == e.outcome)
                            && f.since_ms.is_none_or(|s| e.ts_ms >= s)
                            && f.before.as_ref().is_none_or(|b| e.request_id < *b)
                    })
                    .map(|e| e.request_id.clone())
                    .collect(),
                limit,
            );
            let got: Vec<String> = store
                .list(&f)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.entry.request_id)
                .collect();
            assert_eq!(got, want, "{f:?}");
        }
    }
    assert!(
        !store.list(&filters[3]).await.unwrap().is_empty(),
        "the filters select something"
    );
}

async fn refusals_match(store: &Store, all: &[Entry], verdicts: &HashMap<String, Verdict>) {
    let overdue_before = NOW - 30 * DAY_MS;
    let refused: Vec<&Entry> = all
        .iter()
        .filter(|e| e.outcome == Outcome::Refused)
        .collect();
    let one = refused[3].request_id.clone();
    let filters = [
        RefusalFilter::default(),
        RefusalFilter {
            request_id: Some(one),
            ..Default::default()
        },
        RefusalFilter {
            agency: Some("alpha".into()),
            consumer: Some("portal".into()),
            ..Default::default()
        },
        RefusalFilter {
            dataset: Some("licences".into()),
            review: Some(ReviewState::Unreviewed),
            ..Default::default()
        },
        RefusalFilter {
            review: Some(ReviewState::Overdue),
            ..Default::default()
        },
        RefusalFilter {
            review: Some(ReviewState::Reviewed(Verdict::Overturned)),
            agency: Some("beta".into()),
            ..Default::default()
        },
        RefusalFilter {
            justification: Some(JustificationStatus::Justified),
            ..Default::default()
        },
        RefusalFilter {
            since_ms: Some(NOW - 20 * DAY_MS),
            before: Some(refused[40].request_id.clone()),
            ..Default::default()
        },
    ];
    for f in filters {
        let f = RefusalFilter { limit: 500, ..f };
        let want = page(
            refused
                .iter()
                .filter(|e| {
                    let verdict = verdicts.get(&e.request_id).copied();
                    let status = e.justification.as_ref().map(|j| j.status());
                    is(&f.request_id, &Some(e.request_id.clone()))
                        && is(&f.agency, &e.agency)
                        && is(&f.dataset, &e.dataset)
                        && is(&f.consumer, &e.consumer)
                        && f.before.as_ref().is_none_or(|b| e.request_id < *b)
                        && f.justification.is_none_or(|j| status == Some(j))
                        && f.since_ms.is_none_or(|s| e.ts_ms >= s)
                        && match f.review {
                            None => true,
                            Some(ReviewState::Unreviewed) => verdict.is_none(),
                            Some(ReviewState::Overdue) => {
                                verdict.is_none() && e.ts_ms < overdue_before
                            }
                            Some(ReviewState::Reviewed(v)) => verdict == Some(v),
                        }
                })
                .map(|e| e.request_id.clone())
                .collect(),
            500,
        );
        assert!(!want.is_empty(), "{f:?} selects something");
        let got: Vec<String> = refusals::list(store, &f, NOW)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.request_id)
            .collect();
        assert_eq!(got, want, "{f:?}");

        let in_scope = |e: &&&Entry| is(&f.agency, &e.agency) && is(&f.consumer, &e.consumer);
        let open: Vec<&&Entry> = refused
            .iter()
            .filter(in_scope)
            .filter(|e| !verdicts.contains_key(&e.request_id))
            .collect();
        let backlog = refusals::backlog(store, &f, NOW).await.unwrap();
        let overdue = open.iter().filter(|e| e.ts_ms < overdue_before).count();
        assert_eq!(
            (backlog.unreviewed, backlog.overdue),
            (open.len() as i64, overdue as i64),
            "{f:?}"
        );
        if f.request_id.is_none() && f.agency.is_none() {
            assert!(
                overdue > 0 && overdue < open.len(),
                "the backlog splits: {f:?}"
            );
        }
    }
}

async fn access_log_matches(store: &Store, all: &[Entry]) {
    for name in SUBJECTS.iter().chain(&["s-nobody"]) {
        let hash = subject(name);
        let theirs: Vec<String> = all
            .iter()
            .filter(|e| e.subject_hash == Some(subject(name)))
            .map(|e| e.request_id.clone())
            .collect();
        let first = page(theirs.clone(), 10);
        let got = access_log::accesses(store, &hash, None, 10).await.unwrap();
        let ids: Vec<String> = got.iter().map(|a| a.request_id.clone()).collect();
        assert_eq!(ids, first, "{name}");
        let Some(cursor) = first.last() else {
            continue;
        };
        let next = page(theirs.into_iter().filter(|id| id < cursor).collect(), 1000);
        let got = access_log::accesses(store, &hash, Some(cursor), 1000)
            .await
            .unwrap();
        let ids: Vec<String> = got.iter().map(|a| a.request_id.clone()).collect();
        assert_eq!(ids, next, "{name} after {cursor}");
        let outcomes: HashMap<&str, &str> = all
            .iter()
            .map(|e| (e.request_id.as_str(), e.outcome.as_str()))
            .collect();
        assert!(got
            .iter()
            .all(|a| outcomes[a.request_id.as_str()] == a.outcome));
    }
}

async fn exercise(store: &Store) {
    let (all, verdicts) = fill(store).await;
    records_match(store, &all).await;
    refusals_match(store, &all, &verdicts).await;
    access_log_matches(store, &all).await;
}

#[tokio::test]
async fn filters_on_sqlite() {
    on_sqlite_store(exercise).await;
}

#[tokio::test]
async fn filters_on_postgres() {
    on_postgres_store("filters", exercise).await;
}
