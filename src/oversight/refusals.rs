//! Refusals as oversight sees them: read from the audit log (never modified), joined with
//! their current review, filtered, and with the review deadline of each.

use serde::Serialize;
use sqlx::Row;

use super::reviews::{self, Review, ReviewError, Verdict};
use super::REVIEW_WITHIN_DAYS;
use crate::audit::{Digest, SqlFilter, Store, StoreError};
use crate::calendar::DAY_MS;
use crate::policy::{Justification, JustificationStatus};

/// Which refusals, by their review state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Unreviewed,
    /// Unreviewed and past the review deadline.
    Overdue,
    Reviewed(Verdict),
}

impl ReviewState {
    pub fn parse(s: &str) -> Option<ReviewState> {
        match s {
            "unreviewed" => Some(ReviewState::Unreviewed),
            "overdue" => Some(ReviewState::Overdue),
            v => Verdict::parse(v).map(ReviewState::Reviewed),
        }
    }
}

/// Filters; `None` is "any". Scoping by role sets `agency` or `consumer`.
#[derive(Debug, Clone, Default)]
pub struct RefusalFilter {
    pub request_id: Option<String>,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    pub consumer: Option<String>,
    pub review: Option<ReviewState>,
    pub justification: Option<JustificationStatus>,
    pub since_ms: Option<i64>,
    /// Page cursor: only refusals with an older request id.
    pub before: Option<String>,
    pub limit: u32,
}

/// One refusal with its review state.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub request_id: String,
    pub ts_ms: i64,
    pub consumer: Option<String>,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    pub purpose: Option<String>,
    pub status: i64,
    /// As recorded: every refusal has one.
    pub justification: Justification,
    pub detail: Option<String>,
    /// The catalogue version (digest) the refusal was decided under; `None` on records from
    /// before catalogue versions were recorded.
    pub catalog_digest: Option<Digest>,
    /// Review it by then.
    pub review_due_ms: i64,
    /// Unreviewed past `review_due_ms`.
    pub overdue: bool,
    pub review: Option<Review>,
    /// Every verdict given, oldest first (a revised verdict keeps the earlier one here).
    pub history: Vec<Review>,
}

/// How many refusals in scope wait for review, and how many of them are overdue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Backlog {
    pub unreviewed: i64,
    pub overdue: i64,
}

const CURRENT: &str = "LEFT JOIN oversight_reviews r ON r.request_id = a.request_id \
    AND r.seq = (SELECT MAX(r2.seq) FROM oversight_reviews r2 WHERE r2.request_id = a.request_id)";

/// Extend `q` (whose SQL ends in a WHERE condition) with `f`'s filters, SQL and binds together.
fn conditions<'a>(q: &mut SqlFilter<'a>, f: &'a RefusalFilter, now_ms: i64) {
    q.and_some("a.request_id =", f.request_id.as_deref())
        .and_some("a.agency =", f.agency.as_deref())
        .and_some("a.dataset =", f.dataset.as_deref())
        .and_some("a.consumer =", f.consumer.as_deref())
        .and_some("a.request_id <", f.before.as_deref())
        .and_some(
            "a.justification_status =",
            f.justification.map(|j| j.as_str()),
        )
        .and_some("a.ts_ms >=", f.since_ms);
    match f.review {
        None => {}
        Some(ReviewState::Unreviewed) => {
            q.push(" AND r.seq IS NULL");
        }
        Some(ReviewState::Overdue) => {
            q.and("a.ts_ms <", overdue_before(now_ms))
                .push(" AND r.seq IS NULL");
        }
        Some(ReviewState::Reviewed(v)) => {
            q.and("r.verdict =", v.as_str());
        }
    }
}

fn overdue_before(now_ms: i64) -> i64 {
    now_ms - REVIEW_WITHIN_DAYS * DAY_MS
}

/// Newest first, at most `f.limit` (1..=500).
pub async fn list(
    store: &Store,
    f: &RefusalFilter,
    now_ms: i64,
) -> Result<Vec<Refusal>, ReviewError> {
    let mut q = store.filter(&format!(
        "SELECT a.request_id, a.ts_ms, a.consumer, a.agency, a.dataset, a.purpose, a.status, \
         a.legal_basis, a.reason, a.decided_by, a.justification_status, a.detail, \
         a.catalog_digest \
         FROM audit_records a {CURRENT} WHERE a.outcome = 'refused'"
    ));
    conditions(&mut q, f, now_ms);
    q.push(" ORDER BY a.request_id DESC LIMIT ")
        .bind(i64::from(f.limit.clamp(1, 500)));
    let rows = q.fetch_all(store.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let ts_ms: i64 = r.try_get(1)?;
        let request_id: String = r.try_get(0)?;
        let corrupt = |what: String| StoreError::Corrupt(format!("refusal {request_id}: {what}"));
        let justification = Justification::from_columns(
            r.try_get(9)?,
            r.try_get(7)?,
            r.try_get(8)?,
            r.try_get(10)?,
        )
        .map_err(|e| corrupt(e.to_string()))?
        .ok_or_else(|| corrupt("no one is recorded as deciding it".into()))?;
        let catalog_digest = (r.try_get::<Option<String>, _>(12)?)
            .map(|s| Digest::from_hex(&s).map_err(|e| corrupt(format!("catalog_digest: {e}"))))
            .transpose()?;
        out.push(Refusal {
            request_id,
            ts_ms,
            consumer: r.try_get(2)?,
            agency: r.try_get(3)?,
            dataset: r.try_get(4)?,
            purpose: r.try_get(5)?,
            status: r.try_get(6)?,
            justification,
            detail: r.try_get(11)?,
            catalog_digest,
            review_due_ms: ts_ms + REVIEW_WITHIN_DAYS * DAY_MS,
            overdue: false,
            review: None,
            history: Vec::new(),
        });
    }
    let ids: Vec<String> = out.iter().map(|r| r.request_id.clone()).collect();
    let mut history = reviews::history(store, &ids).await?;
    for r in &mut out {
        r.history = history.remove(&r.request_id).unwrap_or_default();
        r.review = r.history.last().cloned();
        r.overdue = r.review.is_none() && now_ms > r.review_due_ms;
    }
    Ok(out)
}

/// The review backlog within `f`'s scope (its agency / consumer filters only).
pub async fn backlog(
    store: &Store,
    f: &RefusalFilter,
    now_ms: i64,
) -> Result<Backlog, ReviewError> {
    let scope = RefusalFilter {
        agency: f.agency.clone(),
        consumer: f.consumer.clone(),
        review: Some(ReviewState::Unreviewed),
        ..RefusalFilter::default()
    };
    let mut q = store.filter("SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN a.ts_ms < ");
    q.bind(overdue_before(now_ms)).push(&format!(
        " THEN 1 ELSE 0 END), 0) AS BIGINT) FROM audit_records a {CURRENT} \
         WHERE a.outcome = 'refused'"
    ));
    conditions(&mut q, &scope, now_ms);
    let row = q.fetch_one(store.pool()).await?;
    Ok(Backlog {
        unreviewed: row.try_get(0)?,
        overdue: row.try_get(1)?,
    })
}
