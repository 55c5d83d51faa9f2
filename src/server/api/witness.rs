//! Reads of audit data are witnessed: before an answer with audit data leaves (records,
//! inclusion proofs, refusal lists, a citizen's access log), an `audit_read` event is committed
//! to the chain like any record — who read, which endpoint and filter, how many records came
//! back. If it cannot be committed, nothing is answered (503 `audit-unavailable`), as for data.

use serde_json::{json, Value};

use crate::audit::{now_ms, Digest, Entry, Event, EventKind};
use crate::gateway::Gateway;
use crate::server::problem::{Problem, ProblemKind};

/// Longest query string kept in a read event.
const MAX_FILTER: usize = 500;

/// Who read.
pub enum Reader<'a> {
    /// A consumer (officer, oversight, any consumer reading its own records): its id.
    Consumer(&'a str),
    /// A citizen reading their access log: their keyed subject hash (never the identifier).
    Citizen(&'a Digest),
}

/// Commit the read of `returned` records from `endpoint` with `filter` (the query string, or
/// the id asked for) by `reader`; only then may the answer go out.
pub async fn witness_read(
    gw: &Gateway,
    reader: Reader<'_>,
    endpoint: &str,
    filter: Option<&str>,
    returned: usize,
) -> Result<(), Problem> {
    let filter: Option<String> = filter.map(|f| f.chars().take(MAX_FILTER).collect());
    let mut facts = json!({ "endpoint": endpoint, "filter": filter, "returned": returned });
    let consumer = match reader {
        Reader::Consumer(id) => Some(id),
        // Not in `subject_hash`: the citizen's own reads are not accesses by others.
        Reader::Citizen(hash) => {
            facts["citizen"] = Value::String(hash.to_hex());
            None
        }
    };
    let event = Event::new(EventKind::AuditRead, facts)
        .map_err(|e| Problem::new(ProblemKind::Internal, e.to_string()))?;
    let mut entry = Entry::event(now_ms(), event);
    entry.consumer = consumer.map(str::to_owned);
    gw.audit.record(entry).await.map_err(|e| {
        tracing::error!(error = %e, endpoint, "audit read not recorded; answering 503");
        Problem::new(
            ProblemKind::AuditUnavailable,
            "the audit log could not record this read of audit data, so nothing was released; try again shortly",
        )
        .with_retry_after(5)
    })
}
