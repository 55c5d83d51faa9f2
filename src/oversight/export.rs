//! The oversight export for formal reports: every refusal, case justification, appeal and
//! verdict (appeal verdicts and refusal reviews) of a period, one row each, with the
//! catalogue version each was decided under — read from the audit chain and the review log,
//! never modified. As JSON rows, CSV (one header, one line per row) or the printable report
//! ([`report`]).

pub mod report;

use serde::Serialize;
use serde_json::Value;

use super::reviews::{self, Review, ReviewError};
use crate::audit::{Digest, EventKind, Outcome, Store, StoreError, StoredRecord};

/// Most rows one export holds; a longer period is refused rather than cut short.
pub const MAX_ROWS: usize = 50_000;

/// What an export covers: `[from_ms, to_ms)`, one agency or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFilter {
    pub from_ms: i64,
    pub to_ms: i64,
    pub agency: Option<String>,
}

/// How the export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
}

/// What a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A refused data request (its audit record).
    Refusal,
    /// The refusing agency's case justification (`refusal_justification` event).
    Justification,
    /// The consumer's appeal (`appeal` event).
    Appeal,
    /// Oversight's verdict on an appeal (`appeal_verdict` event).
    AppealVerdict,
    /// Oversight's review of a refusal (a row of the review log).
    Review,
}

impl RowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Refusal => "refusal",
            RowKind::Justification => "justification",
            RowKind::Appeal => "appeal",
            RowKind::AppealVerdict => "appeal_verdict",
            RowKind::Review => "review",
        }
    }
}

/// One row of the export. Fields a kind does not have are `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub kind: RowKind,
    /// The audit record's Request-Id; a review's is `review-<seq>` (its place in the review log).
    pub id: String,
    /// The refused request the row is about (a refusal: itself).
    pub about: String,
    pub ts_ms: i64,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    /// Who acted: the consumer refused, the officer who justified, the consumer who appealed,
    /// the oversight consumer who decided or reviewed.
    pub actor: Option<String>,
    pub purpose: Option<String>,
    pub status: Option<u16>,
    /// `justified` / `unjustified` (a refusal as recorded; a review: of the refusal it judged).
    pub justification_status: Option<String>,
    pub decided_by: Option<String>,
    pub legal_basis: Option<String>,
    pub reason: Option<String>,
    pub document_ref: Option<String>,
    pub appeal_id: Option<String>,
    pub grounds: Option<String>,
    pub verdict: Option<String>,
    pub note: Option<String>,
    /// The step's deadline (a justification's, or an appeal's decision), Unix ms.
    pub due_ms: Option<i64>,
    /// A verdict given after the appeal's deadline.
    pub late: Option<bool>,
    /// A refusal: the version recorded in its (hashed) record. A step or review: the version
    /// in force when it was recorded (the newest `catalog_change` at or before it).
    pub catalog_digest: Option<Digest>,
    /// The record's hash in the chain (a review: its hash in the review log).
    pub hash: Digest,
}

/// Why there is no export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the period holds more than {MAX_ROWS} rows; export a shorter period or one agency")]
    TooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Review(#[from] ReviewError),
}

/// Every row of `f`'s period, oldest first.
pub async fn rows(store: &Store, f: &ExportFilter) -> Result<Vec<Row>, ExportError> {
    let agency = f.agency.as_deref();
    let records = store
        .case_records(f.from_ms, f.to_ms, agency, MAX_ROWS + 1)
        .await?;
    let reviews = reviews::between(store, f.from_ms, f.to_ms, agency, MAX_ROWS + 1).await?;
    if records.len() + reviews.len() > MAX_ROWS {
        return Err(ExportError::TooLarge);
    }
    let versions = in_force(store).await?;
    let mut out: Vec<Row> = records
        .iter()
        .filter_map(|r| from_record(r, &versions))
        .collect();
    out.extend(reviews.iter().map(|r| from_review(r, &versions)));
    out.sort_by_key(|r| r.ts_ms);
    Ok(out)
}

/// Every catalogue version put in force, `(ts_ms, digest)`, oldest first.
async fn in_force(store: &Store) -> Result<Vec<(i64, Digest)>, StoreError> {
    let changes = store.events(&[EventKind::CatalogChange], None).await?;
    Ok(changes
        .iter()
        .filter_map(|r| {
            let hex = r.entry.event.as_ref()?.facts().get("digest")?.as_str()?;
            Some((r.entry.ts_ms, Digest::from_hex(hex).ok()?))
        })
        .collect())
}

/// The version in force at `ts_ms`.
fn at(versions: &[(i64, Digest)], ts_ms: i64) -> Option<Digest> {
    let n = versions.partition_point(|(t, _)| *t <= ts_ms);
    n.checked_sub(1).map(|i| versions[i].1)
}

/// A row of `kind` with only what every row has.
fn blank(kind: RowKind, id: String, about: String, ts_ms: i64, hash: Digest) -> Row {
    Row {
        kind,
        id,
        about,
        ts_ms,
        agency: None,
        dataset: None,
        actor: None,
        purpose: None,
        status: None,
        justification_status: None,
        decided_by: None,
        legal_basis: None,
        reason: None,
        document_ref: None,
        appeal_id: None,
        grounds: None,
        verdict: None,
        note: None,
        due_ms: None,
        late: None,
        catalog_digest: None,
        hash,
    }
}

/// A row of `kind` about `about` for the audit record `r`: its id, time, who and where.
fn of(r: &StoredRecord, kind: RowKind, about: String) -> Row {
    let e = &r.entry;
    Row {
        agency: e.agency.clone(),
        dataset: e.dataset.clone(),
        actor: e.consumer.clone(),
        ..blank(kind, e.request_id.clone(), about, e.ts_ms, r.hash)
    }
}

fn from_record(r: &StoredRecord, versions: &[(i64, Digest)]) -> Option<Row> {
    let e = &r.entry;
    if e.outcome == Outcome::Refused {
        let j = e.justification.as_ref();
        return Some(Row {
            purpose: e.purpose.clone(),
            status: Some(e.status),
            justification_status: j.map(|j| j.status().as_str().to_owned()),
            decided_by: j.map(|j| j.decided_by.clone()),
            legal_basis: j.and_then(|j| j.legal_basis()).map(str::to_owned),
            reason: j.and_then(|j| j.reason()).map(str::to_owned),
            catalog_digest: e.catalog_digest,
            ..of(r, RowKind::Refusal, e.request_id.clone())
        });
    }
    let ev = e.event.as_ref()?;
    let facts = ev.facts();
    let text = |k: &str| facts.get(k).and_then(Value::as_str).map(str::to_owned);
    let kind = match ev.kind {
        EventKind::RefusalJustification => RowKind::Justification,
        EventKind::Appeal => RowKind::Appeal,
        EventKind::AppealVerdict => RowKind::AppealVerdict,
        _ => return None,
    };
    Some(Row {
        legal_basis: text("legal_basis"),
        reason: text("reason"),
        document_ref: text("document_ref"),
        appeal_id: text("appeal_id"),
        grounds: text("grounds"),
        verdict: text("verdict"),
        note: text("note"),
        due_ms: facts.get("due_ms").and_then(Value::as_i64),
        late: facts.get("late").and_then(Value::as_bool),
        catalog_digest: at(versions, e.ts_ms),
        ..of(r, kind, text("about").unwrap_or_default())
    })
}

fn from_review(r: &Review, versions: &[(i64, Digest)]) -> Row {
    let id = format!("review-{}", r.seq);
    Row {
        agency: Some(r.agency.clone()),
        dataset: Some(r.dataset.clone()),
        actor: Some(r.reviewer.clone()),
        justification_status: Some(r.justification_status.clone()),
        verdict: Some(r.verdict.as_str().to_owned()),
        note: Some(r.note.clone()),
        catalog_digest: at(versions, r.reviewed_ms),
        ..blank(
            RowKind::Review,
            id,
            r.request_id.clone(),
            r.reviewed_ms,
            r.hash,
        )
    }
}

/// The CSV columns, in order: the [`Row`] fields, plus `time` (RFC 3339 in `zone`) after `ts_ms`.
pub const COLUMNS: [&str; 23] = [
    "kind",
    "id",
    "about",
    "ts_ms",
    "time",
    "agency",
    "dataset",
    "actor",
    "purpose",
    "status",
    "justification_status",
    "decided_by",
    "legal_basis",
    "reason",
    "document_ref",
    "appeal_id",
    "grounds",
    "verdict",
    "note",
    "due_ms",
    "late",
    "catalog_digest",
    "hash",
];

/// The row's cells in [`COLUMNS`] order.
pub fn cells(r: &Row, zone: &crate::calendar::Zone) -> [String; 23] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    [
        r.kind.as_str().to_owned(),
        r.id.clone(),
        r.about.clone(),
        r.ts_ms.to_string(),
        zone.format_instant(r.ts_ms),
        o(&r.agency),
        o(&r.dataset),
        o(&r.actor),
        o(&r.purpose),
        n(r.status.map(i64::from)),
        o(&r.justification_status),
        o(&r.decided_by),
        o(&r.legal_basis),
        o(&r.reason),
        o(&r.document_ref),
        o(&r.appeal_id),
        o(&r.grounds),
        o(&r.verdict),
        o(&r.note),
        n(r.due_ms),
        r.late.map(|b| b.to_string()).unwrap_or_default(),
        r.catalog_digest.map(|d| d.to_hex()).unwrap_or_default(),
        r.hash.to_hex(),
    ]
}

/// RFC 4180 CSV (CRLF line ends), cells defused for spreadsheets.
pub fn csv(rows: &[Row], zone: &crate::calendar::Zone) -> String {
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells
            .iter()
            .map(|c| crate::ranking::render::csv_field(c))
            .collect();
        cells.join(",") + "\r\n"
    };
    let head: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let mut out = line(&head);
    for r in rows {
        out.push_str(&line(&cells(r, zone)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_in_force_is_the_newest_change_at_or_before() {
        let (a, b) = (Digest::from_bytes([1; 32]), Digest::from_bytes([2; 32]));
        let v = [(10, a), (20, b)];
        assert_eq!(at(&v, 9), None);
        assert_eq!(at(&v, 10), Some(a));
        assert_eq!(at(&v, 19), Some(a));
        assert_eq!(at(&v, 20), Some(b));
        assert_eq!(at(&[], 20), None);
    }
}
