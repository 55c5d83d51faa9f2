//! Witnessing the catalogue in force: at start and before a reloaded catalogue takes effect,
//! its version (exact files and outline) is kept in the store and a `catalog_change` record —
//! new digest, previous digest, structured summary — is committed to the audit chain. A
//! catalogue that cannot be witnessed is not put in force.

use serde_json::json;

use crate::audit::{now_ms, AuditWriter, Entry, Event, EventKind, Store};
use crate::config::{outline, summary, Catalog};

/// Why a catalogue version was recorded.
#[derive(Debug, Clone, Copy)]
pub enum Why {
    Start,
    Reload,
    /// A change proposed through the admin API took effect (on proposal or on approval).
    Change(uuid::Uuid),
}

/// Keep `next`'s version and commit its `catalog_change` record. `prev` is the catalogue in
/// force before a reload; at start the previous version is the one the newest
/// `catalog_change` record in the store names. A reload that changes no file records
/// nothing. Returns whether a record was committed.
pub(super) async fn witness(
    store: &Store,
    audit: &AuditWriter,
    prev: Option<&Catalog>,
    next: &Catalog,
    why: Why,
) -> Result<bool, String> {
    let fail = |e: &dyn std::fmt::Display| format!("witnessing the catalogue version: {e}");
    let digest = &next.version.digest;
    let (prev_digest, prev_outline) = match prev {
        Some(p) if p.version.digest == *digest => return Ok(false),
        Some(p) => (Some(p.version.digest), Some(outline(p))),
        None => {
            let d = store.last_catalog_digest().await.map_err(|e| fail(&e))?;
            let o = match &d {
                Some(d) => store.catalog_version(d).await.map_err(|e| fail(&e))?,
                None => None,
            };
            (d, o.and_then(|(_, _, o)| serde_json::from_str(&o).ok()))
        }
    };
    let next_outline = outline(next);
    let files = serde_json::to_string(&next.version.files).map_err(|e| fail(&e))?;
    let now = now_ms();
    store
        .keep_catalog_version(digest, now, &files, &next_outline.to_string())
        .await
        .map_err(|e| fail(&e))?;
    let summary = summary(prev_outline.as_ref(), &next_outline);
    if summary["flag_for_oversight"] == true {
        tracing::warn!(digest = %digest, flags = %summary["flags"], "catalogue change narrows sharing: flagged for oversight");
    }
    let mut facts = json!({
        "digest": digest,
        "previous": prev_digest,
        "reason": match why { Why::Start => "start", Why::Reload => "reload", Why::Change(_) => "change" },
        "files": next.version.files.keys().collect::<Vec<_>>(),
        "summary": summary,
    });
    if let Why::Change(proposal) = why {
        facts["proposal_id"] = json!(proposal.to_string());
    }
    let event = Event::new(EventKind::CatalogChange, facts).map_err(|e| fail(&e))?;
    audit
        .record(Entry::event(now, event))
        .await
        .map_err(|e| fail(&e))?;
    Ok(true)
}
