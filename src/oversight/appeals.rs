//! A refusal's case story, each step a witnessed event in the audit chain: the refusing
//! agency's case-specific justification (within `justification_within`), the consumer's appeal,
//! and oversight's verdict on it (due `decide_within` after filing). Every step's facts hold the
//! refused record's request id (`about`) and hash (`about_hash`), so the refusal, justification,
//! appeal and verdict form one chained story per Request-Id.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::reviews::Verdict;
use crate::audit::{EventKind, Store, StoreError, StoredRecord};
use crate::policy::{EmptyText, Text};

/// `[oversight]` in `dxgate.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OversightSettings {
    /// How long after a refusal the refusing agency may justify it. Default `"5d"`.
    #[serde(with = "humantime_serde")]
    pub justification_within: Duration,
    /// How long after an appeal is filed oversight should decide it. Default `"30d"`.
    #[serde(with = "humantime_serde")]
    pub decide_within: Duration,
}

impl Default for OversightSettings {
    fn default() -> Self {
        OversightSettings {
            justification_within: Duration::from_secs(5 * 86_400),
            decide_within: Duration::from_secs(30 * 86_400),
        }
    }
}

/// A case-specific justification: none of its parts can be empty.
#[derive(Debug, Clone)]
pub struct CaseJustification {
    pub legal_basis: Text,
    pub reason: Text,
    /// The reference of the decision document (file number, letter).
    pub document_ref: Text,
}

/// A justification, appeal or verdict as posted: plain strings, checked into their types.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JustificationBody {
    pub legal_basis: String,
    pub reason: String,
    pub document_ref: String,
}

impl JustificationBody {
    /// The typed justification, or the name of the first empty part.
    pub fn check(&self) -> Result<CaseJustification, &'static str> {
        let text = |s: &str, name| Text::new(s).map_err(|EmptyText| name);
        Ok(CaseJustification {
            legal_basis: text(&self.legal_basis, "legal_basis")?,
            reason: text(&self.reason, "reason")?,
            document_ref: text(&self.document_ref, "document_ref")?,
        })
    }
}

/// The facts that tie a step to the refused record.
pub fn about(refused: &StoredRecord) -> Value {
    json!({ "about": refused.entry.request_id, "about_hash": refused.hash.to_hex() })
}

/// Facts of a `refusal_justification` event.
pub fn justification_facts(refused: &StoredRecord, j: &CaseJustification, due_ms: i64) -> Value {
    let mut f = about(refused);
    f["legal_basis"] = json!(j.legal_basis.as_str());
    f["reason"] = json!(j.reason.as_str());
    f["document_ref"] = json!(j.document_ref.as_str());
    f["due_ms"] = json!(due_ms);
    f
}

/// Facts of an `appeal` event.
pub fn appeal_facts(refused: &StoredRecord, appeal_id: &str, grounds: &Text, due_ms: i64) -> Value {
    let mut f = about(refused);
    f["appeal_id"] = json!(appeal_id);
    f["grounds"] = json!(grounds.as_str());
    f["due_ms"] = json!(due_ms);
    f
}

/// Facts of an `appeal_verdict` event: also bound to the appeal record's hash.
pub fn verdict_facts(appeal: &StoredRecord, verdict: Verdict, note: &Text, now_ms: i64) -> Value {
    let facts = appeal.entry.event.as_ref().map(|e| e.facts().clone());
    let fact = |k: &str| {
        facts
            .as_ref()
            .and_then(|f| f.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let due = fact("due_ms").as_i64().unwrap_or(i64::MAX);
    json!({
        "about": fact("about"),
        "about_hash": fact("about_hash"),
        "appeal_id": fact("appeal_id"),
        "appeal_hash": appeal.hash.to_hex(),
        "verdict": verdict.as_str(),
        "note": note.as_str(),
        "late": now_ms > due,
    })
}

/// The steps of `request_id`'s story so far (justifications, appeals, verdicts), oldest first.
pub async fn story(store: &Store, request_id: &str) -> Result<Vec<StoredRecord>, StoreError> {
    let kinds = [
        EventKind::RefusalJustification,
        EventKind::Appeal,
        EventKind::AppealVerdict,
    ];
    store.events(&kinds, Some(("about", request_id))).await
}

/// One appeal as listed: its record, deadline and verdict (if decided).
#[derive(Debug, Clone, Serialize)]
pub struct AppealView {
    pub appeal_id: String,
    /// The refused request appealed against.
    pub about: String,
    pub consumer: Option<String>,
    pub agency: Option<String>,
    pub dataset: Option<String>,
    pub grounds: Value,
    pub filed_ms: i64,
    pub due_ms: i64,
    /// Undecided past `due_ms`.
    pub overdue: bool,
    /// The `appeal_verdict` facts, once decided.
    pub verdict: Option<Value>,
    /// The appeal's own audit record (its id and hash in the chain).
    pub request_id: String,
    pub hash: String,
}

/// Every appeal (oldest first) with its verdict, for the caller to scope.
pub async fn list(store: &Store, now_ms: i64) -> Result<Vec<AppealView>, StoreError> {
    let verdicts = store.events(&[EventKind::AppealVerdict], None).await?;
    let appeals = store.events(&[EventKind::Appeal], None).await?;
    let fact = |r: &StoredRecord, k: &str| {
        let facts = r.entry.event.as_ref().map(|e| e.facts());
        facts.and_then(|f| f.get(k)).cloned().unwrap_or(Value::Null)
    };
    Ok(appeals
        .iter()
        .map(|a| {
            let id = fact(a, "appeal_id");
            let verdict = verdicts
                .iter()
                .find(|v| fact(v, "appeal_id") == id)
                .map(|v| {
                    let mut f = Value::Object(v.facts());
                    f["request_id"] = json!(v.entry.request_id);
                    f["decided_ms"] = json!(v.entry.ts_ms);
                    f
                });
            let due_ms = fact(a, "due_ms").as_i64().unwrap_or(i64::MAX);
            AppealView {
                appeal_id: id.as_str().unwrap_or_default().to_owned(),
                about: fact(a, "about").as_str().unwrap_or_default().to_owned(),
                consumer: a.entry.consumer.clone(),
                agency: a.entry.agency.clone(),
                dataset: a.entry.dataset.clone(),
                grounds: fact(a, "grounds"),
                filed_ms: a.entry.ts_ms,
                due_ms,
                overdue: verdict.is_none() && now_ms > due_ms,
                verdict,
                request_id: a.entry.request_id.clone(),
                hash: a.hash.to_hex(),
            }
        })
        .collect())
}
