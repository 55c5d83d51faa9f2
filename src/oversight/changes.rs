//! Four eyes on catalogue changes made through the gateway. An agency officer proposes the
//! texts of its own agency's files — `policies/agencies/<agency>.toml` (datasets and refusal
//! rules), `schemas/<agency>/…json`, and its own entries of `policies/state-secrets.toml`; a
//! change that narrows sharing (a new refusal rule, a new state-secret entry, a dataset
//! removed) waits for oversight's approval, any other takes effect at once. Every proposal,
//! approval and rejection is an event in the audit chain (`change_proposal`, `change_approval`,
//! `change_rejection`), the decisions bound to the proposal record's hash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::audit::{EventKind, Store, StoreError, StoredRecord};

/// The shared file in which an officer may change only its own agency's entries.
pub const STATE_SECRETS: &str = "policies/state-secrets.toml";
/// Most files one proposal may carry.
pub const MAX_FILES: usize = 20;

/// A proposal as posted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// The agency the change is for: the officer's own.
    pub agency: String,
    /// Why: shown to oversight, kept in the chain.
    pub note: String,
    pub files: Vec<ProposedFile>,
}

/// One file's whole new text, at its path below the config directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposedFile {
    pub path: String,
    pub text: String,
}

/// Why a proposal cannot be taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProposalError {
    /// Malformed (400): no files, a bad path, a path twice, an empty note.
    #[error("{0}")]
    Invalid(String),
    /// Outside the officer's agency (403).
    #[error("{0}")]
    NotYours(String),
}

impl ProposalBody {
    /// The proposed texts by path, if `officer_agency` may propose every one of them.
    pub fn check(self, officer_agency: &str) -> Result<BTreeMap<String, String>, ProposalError> {
        if self.agency != officer_agency {
            return Err(ProposalError::NotYours(format!(
                "an officer of {officer_agency} proposes changes for {officer_agency} only, not {}",
                self.agency
            )));
        }
        if self.note.trim().is_empty() {
            return Err(ProposalError::Invalid("note must not be empty".into()));
        }
        if self.files.is_empty() || self.files.len() > MAX_FILES {
            let msg = format!("files must hold 1 to {MAX_FILES} files");
            return Err(ProposalError::Invalid(msg));
        }
        let mut out = BTreeMap::new();
        for (i, f) in self.files.into_iter().enumerate() {
            owned(&f.path, officer_agency).map_err(|e| match e {
                ProposalError::Invalid(m) => {
                    ProposalError::Invalid(format!("/files/{i}/path: {m}"))
                }
                other => other,
            })?;
            if out.insert(f.path.clone(), f.text).is_some() {
                let msg = format!("/files/{i}/path: {} is proposed twice", f.path);
                return Err(ProposalError::Invalid(msg));
            }
        }
        Ok(out)
    }
}

/// Whether `path` is a catalogue file an officer of `agency` may propose.
pub fn owned(path: &str, agency: &str) -> Result<(), ProposalError> {
    let segments: Vec<&str> = path.split('/').collect();
    let well_formed = segments.iter().all(|s| {
        !s.is_empty()
            && *s != "."
            && *s != ".."
            && (s.chars()).all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    });
    if !well_formed {
        return Err(ProposalError::Invalid(format!(
            "{path:?} is not a relative path of letters, digits, '.', '_', '-' and '/'"
        )));
    }
    let whose = match segments.as_slice() {
        ["policies", "agencies", file] => file.strip_suffix(".toml"),
        ["schemas", owner, .., last] if last.ends_with(".json") => Some(*owner),
        _ if path == STATE_SECRETS => Some(agency),
        _ => None,
    };
    match whose {
        Some(a) if a == agency => Ok(()),
        Some(a) => Err(ProposalError::NotYours(format!(
            "{path} belongs to {a}; an officer of {agency} proposes {agency}'s files only"
        ))),
        None => Err(ProposalError::NotYours(format!(
            "{path} is not an agency's file: propose policies/agencies/{agency}.toml, schemas/{agency}/….json or {agency}'s entries of {STATE_SECRETS}"
        ))),
    }
}

/// The entries of a catalogue outline (`config::outline`) that are not `agency`'s.
fn others(outline: &Value, agency: &str) -> Value {
    let prefix = format!("{agency}/");
    let mine = |k: &str| k.starts_with(&prefix);
    let mut out = Map::new();
    for (part, v) in outline.as_object().into_iter().flatten() {
        let kept = match v {
            Value::Array(items) => Value::Array(
                (items.iter())
                    .filter(|i| !mine(i.as_str().unwrap_or("")))
                    .cloned()
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                (m.iter())
                    .filter(|(k, _)| !mine(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        out.insert(part.clone(), kept);
    }
    Value::Object(out)
}

/// Whether going from outline `before` to `after` leaves every other agency's datasets,
/// refusal rules, state-secret entries and mandates as they were.
pub fn others_untouched(agency: &str, before: &Value, after: &Value) -> Result<(), ProposalError> {
    if others(before, agency) == others(after, agency) {
        return Ok(());
    }
    Err(ProposalError::NotYours(format!(
        "the proposal changes another agency's datasets, rules or state-secret entries; an officer of {agency} changes {agency}'s only"
    )))
}

/// Whether a change (`config::summary`) narrows sharing: a new refusal rule, a new
/// state-secret entry or a dataset removed. Such a change waits for oversight.
pub fn narrows(summary: &Value) -> bool {
    let some = |k: &str| summary[k].as_array().is_some_and(|a| !a.is_empty());
    some("refusal_rules_added") || some("state_secrets_added") || some("datasets_removed")
}

/// One proposed file as the chain keeps it: its path, whole text and the SHA-256 of the text
/// it replaces (`None`: a new file).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub text: String,
    pub base_sha256: Option<String>,
}

/// Facts of a `change_proposal` event.
pub fn proposal_facts(
    proposal_id: &str,
    agency: &str,
    note: &str,
    files: &[FileChange],
    summary: &Value,
    needs_approval: bool,
) -> Value {
    json!({
        "proposal_id": proposal_id,
        "agency": agency,
        "note": note,
        "files": files,
        "summary": summary,
        "needs_approval": needs_approval,
    })
}

/// Facts of a `change_approval` or `change_rejection` event: bound to the proposal's hash.
pub fn decision_facts(proposal: &StoredRecord, note: &str) -> Value {
    json!({
        "proposal_id": fact(proposal, "proposal_id"),
        "proposal_hash": proposal.hash.to_hex(),
        "agency": fact(proposal, "agency"),
        "note": note,
    })
}

fn fact(r: &StoredRecord, k: &str) -> Value {
    let facts = r.entry.event.as_ref().map(|e| e.facts());
    facts.and_then(|f| f.get(k)).cloned().unwrap_or(Value::Null)
}

/// The files of a proposal record.
pub fn files_of(proposal: &StoredRecord) -> Vec<FileChange> {
    serde_json::from_value(fact(proposal, "files")).unwrap_or_default()
}

/// Whether a proposal record waits for oversight (else it took effect when proposed).
pub fn needs_approval(proposal: &StoredRecord) -> bool {
    fact(proposal, "needs_approval") == Value::Bool(true)
}

/// A proposal as listed: its record, status and decision.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub proposal_id: String,
    pub agency: String,
    /// The officer that proposed it.
    pub proposer: Option<String>,
    pub note: Value,
    pub files: Vec<FileChange>,
    pub summary: Value,
    pub needs_approval: bool,
    /// `applied` (took effect when proposed), `pending`, `approved` or `rejected`.
    pub status: &'static str,
    pub proposed_ms: i64,
    /// The approval's or rejection's facts, with its `request_id`, `by` and `decided_ms`.
    pub decision: Option<Value>,
    /// The proposal's own audit record (its id and hash in the chain).
    pub request_id: String,
    pub hash: String,
}

/// The decision (approval or rejection) on each proposal, by proposal id.
async fn decisions(store: &Store) -> Result<BTreeMap<String, StoredRecord>, StoreError> {
    let kinds = [EventKind::ChangeApproval, EventKind::ChangeRejection];
    let found = store.events(&kinds, None).await?;
    Ok((found.into_iter())
        .map(|d| (fact(&d, "proposal_id").as_str().unwrap_or("").to_owned(), d))
        .collect())
}

/// Every proposal (oldest first) with its status, for the caller to scope.
pub async fn list(store: &Store) -> Result<Vec<ProposalView>, StoreError> {
    let decided = decisions(store).await?;
    let proposals = store.events(&[EventKind::ChangeProposal], None).await?;
    Ok(proposals.iter().map(|p| view(p, &decided)).collect())
}

/// One proposal and its decision, if any.
pub async fn find(
    store: &Store,
    proposal_id: &str,
) -> Result<Option<(StoredRecord, Option<StoredRecord>)>, StoreError> {
    let at = Some(("proposal_id", proposal_id));
    let Some(p) = store
        .events(&[EventKind::ChangeProposal], at)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let kinds = [EventKind::ChangeApproval, EventKind::ChangeRejection];
    let d = store.events(&kinds, at).await?.into_iter().next();
    Ok(Some((p, d)))
}

fn view(p: &StoredRecord, decided: &BTreeMap<String, StoredRecord>) -> ProposalView {
    let id = fact(p, "proposal_id").as_str().unwrap_or("").to_owned();
    let decision = decided.get(&id);
    let needs = needs_approval(p);
    let status = match decision
        .and_then(|d| d.entry.event.as_ref())
        .map(|e| e.kind)
    {
        Some(EventKind::ChangeApproval) => "approved",
        Some(_) => "rejected",
        None if needs => "pending",
        None => "applied",
    };
    ProposalView {
        agency: fact(p, "agency").as_str().unwrap_or("").to_owned(),
        proposer: p.entry.consumer.clone(),
        note: fact(p, "note"),
        files: files_of(p),
        summary: fact(p, "summary"),
        needs_approval: needs,
        status,
        proposed_ms: p.entry.ts_ms,
        decision: decision.map(|d| {
            let mut f = Value::Object(d.facts());
            f["request_id"] = json!(d.entry.request_id);
            f["by"] = json!(d.entry.consumer);
            f["decided_ms"] = json!(d.entry.ts_ms);
            f
        }),
        request_id: p.entry.request_id.clone(),
        hash: p.hash.to_hex(),
        proposal_id: id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_propose_their_own_agency_files_only() {
        // (path, Some(true): allowed, Some(false): not alpha's, None: malformed)
        let cases = [
            ("policies/agencies/alpha.toml", Some(true)),
            ("schemas/alpha/x/y.request.json", Some(true)),
            (STATE_SECRETS, Some(true)),
            ("policies/agencies/beta.toml", Some(false)),
            ("schemas/beta/x.json", Some(false)),
            ("policies/consumers.toml", Some(false)),
            ("policies/mandates.toml", Some(false)),
            ("dxgate.toml", Some(false)),
            ("schemas/alpha/x.txt", Some(false)),
            ("../dxgate.toml", None),
            ("policies/agencies/../alpha.toml", None),
            ("/etc/passwd", None),
            ("schemas//a.json", None),
            ("schemas/alpha/a b.json", None),
        ];
        for (path, want) in cases {
            let got = match owned(path, "alpha") {
                Ok(()) => Some(true),
                Err(ProposalError::NotYours(_)) => Some(false),
                Err(ProposalError::Invalid(_)) => None,
            };
            assert_eq!(got, want, "{path}");
        }
    }

    #[test]
    fn narrowing_is_a_new_rule_a_new_secret_or_a_dataset_removed() {
        let none = json!({"refusal_rules_added": [], "state_secrets_added": [], "datasets_removed": [], "datasets_added": ["a/x"]});
        assert!(!narrows(&none));
        for k in [
            "refusal_rules_added",
            "state_secrets_added",
            "datasets_removed",
        ] {
            let mut s = none.clone();
            s[k] = json!(["a/d"]);
            assert!(narrows(&s), "{k}");
        }
    }

    #[test]
    fn other_agencies_must_stay_as_they_were() {
        let before = json!({"datasets": ["a/d", "b/d"], "refusals": {}, "secrets": {"b/s": "D1"}, "mandates": {}});
        let mut mine = before.clone();
        mine["datasets"] = json!(["a/d", "a/new", "b/d"]);
        mine["secrets"]["a/d"] = json!("D2");
        assert_eq!(others_untouched("a", &before, &mine), Ok(()));
        let mut theirs = before.clone();
        theirs["secrets"] = json!({});
        assert!(others_untouched("a", &before, &theirs).is_err());
        assert!(others_untouched("b", &before, &mine).is_err());
    }
}
