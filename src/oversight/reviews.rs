//! The review log: one row per verdict, chained by SHA-256 and bound to the refused record's
//! own audit hash. A second verdict on the same refusal is a new row (`revise`), so the history
//! of every decision stays visible; the current verdict is the latest row.

mod body;

pub use body::{InvalidReview, MAX_NOTE};

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::chain::GENESIS;
use crate::audit::{Digest, Outcome, Store, StoreError};
use crate::policy::JustificationStatus;

/// An oversight verdict on a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The refusal's justification stands.
    Upheld,
    /// The refusal was not justified: it counts against the agency.
    Overturned,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Upheld => "upheld",
            Verdict::Overturned => "overturned",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "upheld" => Some(Verdict::Upheld),
            "overturned" => Some(Verdict::Overturned),
            _ => None,
        }
    }
}

/// One stored review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub seq: i64,
    pub request_id: String,
    pub verdict: Verdict,
    pub note: String,
    pub reviewer: String,
    pub reviewed_ms: i64,
    pub agency: String,
    pub dataset: String,
    pub consumer: Option<String>,
    pub record_ts_ms: i64,
    pub justification_status: String,
    /// Hash of the refused audit record this review is about.
    pub record_hash: Digest,
    pub prev_hash: Digest,
    pub hash: Digest,
}

/// A verdict to record.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub request_id: String,
    pub verdict: Verdict,
    pub note: String,
    pub reviewer: String,
    /// Replace an existing verdict (the old one stays in the history).
    pub revise: bool,
}

/// The facts the ranking needs about a current verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictFact {
    pub agency: String,
    pub consumer: Option<String>,
    pub justified: bool,
    pub verdict: Verdict,
}

/// Why a review was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no refusal with that request id")]
    NotFound,
    #[error("request {0} was not refused (its outcome is {1})")]
    NotARefusal(String, &'static str),
    #[error("refusal already reviewed ({}); send \"revise\": true to record a new verdict", .0.verdict.as_str())]
    AlreadyReviewed(Box<Review>),
    #[error("the review log kept changing underneath; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("review store: {0}")]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "seq, request_id, verdict, note, reviewer, reviewed_ms, agency, dataset, \
    consumer, record_ts_ms, justification_status, record_hash, prev_hash, hash";

/// Record `new` at `now_ms`, chained after the current head.
pub async fn record(store: &Store, new: &NewReview, now_ms: i64) -> Result<Review, ReviewError> {
    let rec = store
        .get(&new.request_id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    if rec.entry.outcome != Outcome::Refused {
        return Err(ReviewError::NotARefusal(
            rec.entry.request_id.clone(),
            rec.entry.outcome.as_str(),
        ));
    }
    let e = &rec.entry;
    for attempt in 0..5u64 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
        }
        let mut tx = store.pool().begin().await?;
        // Take the write lock first (SQLite): a read-then-write transaction fails outright if
        // another writer commits in between, this way it waits its turn instead.
        sqlx::query("DELETE FROM oversight_reviews WHERE 1 = 0")
            .execute(&mut *tx)
            .await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM oversight_reviews WHERE request_id = $1 ORDER BY seq DESC LIMIT 1"
        );
        let current = sqlx::query(&sql)
            .bind(&new.request_id)
            .fetch_optional(&mut *tx)
            .await?;
        if let (Some(c), false) = (current, new.revise) {
            return Err(ReviewError::AlreadyReviewed(Box::new(decode(&c)?)));
        }
        let head = sqlx::query("SELECT seq, hash FROM oversight_reviews ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_seq, prev_hash) = match head {
            Some(h) => (h.try_get::<i64, _>(0)?, digest(&h, "hash")?),
            None => (0, GENESIS),
        };
        let mut review = Review {
            seq: prev_seq + 1,
            request_id: new.request_id.clone(),
            verdict: new.verdict,
            note: new.note.clone(),
            reviewer: new.reviewer.clone(),
            reviewed_ms: now_ms,
            agency: e.agency.clone().unwrap_or_default(),
            dataset: e.dataset.clone().unwrap_or_default(),
            consumer: e.consumer.clone(),
            record_ts_ms: e.ts_ms,
            justification_status: e
                .justification
                .as_ref()
                .map_or(JustificationStatus::Unjustified, |j| j.status())
                .as_str()
                .to_owned(),
            record_hash: rec.hash,
            prev_hash,
            hash: Digest::ZERO,
        };
        review.hash = review_hash(&review);
        let inserted = sqlx::query(&format!(
            "INSERT INTO oversight_reviews ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
        ))
        .bind(review.seq)
        .bind(review.request_id.clone())
        .bind(review.verdict.as_str())
        .bind(review.note.clone())
        .bind(review.reviewer.clone())
        .bind(review.reviewed_ms)
        .bind(review.agency.clone())
        .bind(review.dataset.clone())
        .bind(review.consumer.clone())
        .bind(review.record_ts_ms)
        .bind(review.justification_status.clone())
        .bind(review.record_hash.to_hex())
        .bind(review.prev_hash.to_hex())
        .bind(review.hash.to_hex())
        .execute(&mut *tx)
        .await;
        // Another reviewer took this seq first (another replica): chain after theirs.
        if inserted.is_err() {
            let _ = tx.rollback().await;
            continue;
        }
        if tx.commit().await.is_ok() {
            return Ok(review);
        }
    }
    Err(ReviewError::Contended)
}

/// `SHA-256("dxgate-review-v1" ‖ prev_hash ‖ seq ‖ every field)`, fields length-prefixed;
/// hashes enter as their 64 hex digits.
pub fn review_hash(r: &Review) -> Digest {
    let mut h = Sha256::new();
    h.update(b"dxgate-review-v1");
    let mut field = |v: Option<&str>| match v {
        None => h.update(u32::MAX.to_be_bytes()),
        Some(s) => {
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
    };
    field(Some(&r.prev_hash.to_hex()));
    field(Some(&r.seq.to_string()));
    field(Some(&r.request_id));
    field(Some(r.verdict.as_str()));
    field(Some(&r.note));
    field(Some(&r.reviewer));
    field(Some(&r.reviewed_ms.to_string()));
    field(Some(&r.agency));
    field(Some(&r.dataset));
    field(r.consumer.as_deref());
    field(Some(&r.record_ts_ms.to_string()));
    field(Some(&r.justification_status));
    field(Some(&r.record_hash.to_hex()));
    Digest::from_bytes(h.finalize().into())
}

/// Check the whole review chain and that each review still points at its refused record.
/// `Ok(n)` with the number of reviews, or `Err` naming the first bad one.
pub async fn verify(store: &Store) -> Result<Result<u64, String>, ReviewError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM oversight_reviews ORDER BY seq"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut prev = GENESIS;
    for (i, row) in rows.iter().enumerate() {
        let r = decode(row)?;
        let at = format!("review #{} (request {})", r.seq, r.request_id);
        if r.seq != i as i64 + 1 || r.prev_hash != prev {
            return Ok(Err(format!("{at}: missing or reordered review before it")));
        }
        if review_hash(&r) != r.hash {
            return Ok(Err(format!("{at}: altered")));
        }
        match store.get(&r.request_id).await? {
            Some(rec) if rec.hash == r.record_hash => {}
            _ => {
                return Ok(Err(format!(
                    "{at}: its refused audit record is missing or altered"
                )))
            }
        }
        prev = r.hash;
    }
    Ok(Ok(rows.len() as u64))
}

/// Every review of each of `request_ids`, oldest first.
pub async fn history(
    store: &Store,
    request_ids: &[String],
) -> Result<HashMap<String, Vec<Review>>, ReviewError> {
    let mut out: HashMap<String, Vec<Review>> = HashMap::new();
    for chunk in request_ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM oversight_reviews WHERE request_id IN ({}) ORDER BY seq",
            marks.join(",")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for row in q.fetch_all(store.pool()).await? {
            let r = decode(&row)?;
            out.entry(r.request_id.clone()).or_default().push(r);
        }
    }
    Ok(out)
}

/// Current verdicts on refusals recorded in `[from_ms, to_ms)`.
pub async fn current_verdicts(
    store: &Store,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<VerdictFact>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.agency, r.consumer, r.justification_status, r.verdict FROM oversight_reviews r \
         WHERE r.record_ts_ms >= $1 AND r.record_ts_ms < $2 \
         AND r.seq = (SELECT MAX(r2.seq) FROM oversight_reviews r2 WHERE r2.request_id = r.request_id)",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let verdict: String = r.try_get(3)?;
        let Some(verdict) = Verdict::parse(&verdict) else {
            continue;
        };
        let js: String = r.try_get(2)?;
        out.push(VerdictFact {
            agency: r.try_get(0)?,
            consumer: r.try_get(1)?,
            justified: js == "justified",
            verdict,
        });
    }
    Ok(out)
}

/// Every verdict given in `[from_ms, to_ms)` on a refusal of `agency` (if given), oldest
/// first, at most `limit` (revisions included: each is a row of the log).
pub async fn between(
    store: &Store,
    from_ms: i64,
    to_ms: i64,
    agency: Option<&str>,
    limit: usize,
) -> Result<Vec<Review>, ReviewError> {
    let mut q = store.filter(&format!(
        "SELECT {COLUMNS} FROM oversight_reviews WHERE 1=1"
    ));
    q.and("reviewed_ms >=", from_ms)
        .and("reviewed_ms <", to_ms)
        .and_some("agency =", agency)
        .push(" ORDER BY seq LIMIT ")
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = q.fetch_all(store.pool()).await?;
    rows.iter().map(decode).collect()
}

pub(crate) fn decode(r: &AnyRow) -> Result<Review, ReviewError> {
    let verdict: String = r.try_get("verdict")?;
    Ok(Review {
        seq: r.try_get("seq")?,
        request_id: r.try_get("request_id")?,
        verdict: Verdict::parse(&verdict)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown verdict {verdict:?}")))?,
        note: r.try_get("note")?,
        reviewer: r.try_get("reviewer")?,
        reviewed_ms: r.try_get("reviewed_ms")?,
        agency: r.try_get("agency")?,
        dataset: r.try_get("dataset")?,
        consumer: r.try_get("consumer")?,
        record_ts_ms: r.try_get("record_ts_ms")?,
        justification_status: r.try_get("justification_status")?,
        record_hash: digest(r, "record_hash")?,
        prev_hash: digest(r, "prev_hash")?,
        hash: digest(r, "hash")?,
    })
}

/// A hash column of the review log; anything but 64 hex digits is a corrupt log.
fn digest(r: &AnyRow, col: &str) -> Result<Digest, ReviewError> {
    let s: String = r.try_get(col)?;
    Digest::from_hex(&s)
        .map_err(|e| ReviewError::Store(StoreError::Corrupt(format!("review {col}: {e}"))))
}
