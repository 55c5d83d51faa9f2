//! The admin API: catalogue changes through the gateway, four eyes on what narrows sharing.
//! `POST /v1/admin/proposals` (an agency officer, its own agency's files; a change that does
//! not narrow sharing takes effect at once), `GET /v1/admin/proposals` (oversight all, an
//! officer its agency's; witnessed) and `POST /v1/admin/proposals/{id}/decision` (oversight,
//! never the proposer). Each proposal and decision is committed to the audit chain before it
//! is answered; a change in force is one witnessed `catalog_change` record like a reload's.

use http::{Request, StatusCode};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;
use sha2::Digest as _;

use super::appeals::{body_within, record_step};
use super::witness::{witness_read, Reader};
use super::Reply;
use crate::audit::{now_ms, Entry, Event, EventKind};
use crate::gateway::changes::{self, ChangeError};
use crate::gateway::{Gateway, ReloadOutcome};
use crate::identity::Role;
use crate::oversight::changes::{
    decision_facts, files_of, find, needs_approval, others_untouched, proposal_facts, FileChange,
    ProposalBody, ProposalError,
};
use crate::server::caller;
use crate::server::problem::{Problem, ProblemKind};
use crate::validate::FieldError;

/// Largest proposal accepted, in bytes (its files' texts included).
const MAX_BODY: usize = 512 * 1024;
const FOR_WHOM: &str = "the admin API is for agency officers and oversight";

fn refused(e: ProposalError) -> Problem {
    match e {
        ProposalError::Invalid(m) => Problem::new(ProblemKind::InvalidProposal, m),
        ProposalError::NotYours(m) => Problem::forbidden(m),
    }
}

/// A change that cannot be checked or put in force; `paths` are the proposal's files in
/// body order (a diagnostic in one of them points at its text), `kind` what a catalogue that
/// does not load with them is: 400 for a proposal, 409 for an approval.
fn unusable(e: ChangeError, paths: &[&str], kind: ProblemKind) -> Problem {
    match e {
        ChangeError::Invalid(diags) => {
            let errors = (diags.iter())
                .map(|d| FieldError {
                    pointer: (paths.iter().position(|p| d.file == std::path::Path::new(p)))
                        .map_or(String::new(), |i| format!("/files/{i}/text")),
                    detail: d.to_string(),
                })
                .collect();
            let detail = format!(
                "the catalogue with these files does not load: {} problems, listed in errors as dxgate check reports them",
                diags.len()
            );
            Problem::new(kind, detail).with_errors(errors)
        }
        ChangeError::Unloadable(_) | ChangeError::Stale(_) => {
            Problem::new(ProblemKind::Conflict, e.to_string())
        }
        ChangeError::Write(e) => {
            tracing::error!(error = %e, "approved catalogue change not written to the overlay");
            Problem::new(ProblemKind::Internal, "the change is recorded but could not be written; the catalogue in force is unchanged")
        }
    }
}

/// Write and reload an accepted change (the caller holds `gw.changing()`).
async fn in_force(gw: &Gateway, files: &[FileChange], id: uuid::Uuid) -> Result<(), Problem> {
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    match changes::put_in_force(gw, files, id).await {
        Ok(ReloadOutcome::Applied { .. }) => Ok(()),
        Ok(ReloadOutcome::Rejected { .. }) => Err(Problem::new(
            ProblemKind::AuditUnavailable,
            "the change is recorded and written, but its catalogue version could not be witnessed yet; it takes effect on the next reload",
        )
        .with_retry_after(5)),
        Err(e) => Err(unusable(e, &paths, ProblemKind::Conflict)),
    }
}

/// `POST /v1/admin/proposals`: `{agency, note, files: [{path, text}]}` from an officer of
/// `agency`. 201 `pending` (narrows sharing: waits for oversight) or `applied`.
pub async fn propose(gw: &Gateway, req: Request<Incoming>) -> Reply {
    let c = caller::consumer(gw, &req, FOR_WHOM).await?;
    let Some(agency) = c.agency.as_ref().filter(|_| c.has_role(Role::Agency)) else {
        return Err(Problem::forbidden(
            "only an agency officer proposes catalogue changes, for its own agency",
        ));
    };
    let agency = agency.to_string();
    let b: ProposalBody = body_within(req, MAX_BODY).await?;
    let note = b.note.clone();
    let order: Vec<String> = b.files.iter().map(|f| f.path.clone()).collect();
    let proposed = b.check(&agency).map_err(refused)?;
    let _one = gw.changing().await;
    let paths: Vec<&str> = order.iter().map(String::as_str).collect();
    let checked = changes::check(gw, proposed)
        .await
        .map_err(|e| unusable(e, &paths, ProblemKind::InvalidProposal))?;
    others_untouched(&agency, &checked.before, &checked.after).map_err(refused)?;
    let same = |f: &FileChange| f.base_sha256 == Some(hex::encode(sha2::Sha256::digest(&f.text)));
    if checked.files.iter().all(same) {
        return Err(refused(ProposalError::Invalid(
            "every proposed file already has this text: nothing would change".into(),
        )));
    }
    let needs = crate::oversight::changes::narrows(&checked.summary);
    let id = uuid::Uuid::now_v7();
    let facts = proposal_facts(
        &id.to_string(),
        &agency,
        &note,
        &checked.files,
        &checked.summary,
        needs,
    );
    let event = Event::new(EventKind::ChangeProposal, facts)
        .map_err(|e| Problem::new(ProblemKind::Internal, e.to_string()))?;
    let mut entry = Entry::event(now_ms(), event).consumer(&c.id);
    entry.agency = Some(agency.clone());
    let request_id = record_step(gw, entry).await?;
    if !needs {
        in_force(gw, &checked.files, id).await?;
    }
    let out = json!({
        "proposal_id": id.to_string(),
        "request_id": request_id,
        "kind": EventKind::ChangeProposal.as_str(),
        "agency": agency,
        "status": if needs { "pending" } else { "applied" },
        "needs_approval": needs,
        "summary": checked.summary,
        "catalog_digest": gw.catalog().version.digest,
    });
    Ok(super::json(StatusCode::CREATED, &out))
}

/// `GET /v1/admin/proposals`: oversight every proposal, an officer its agency's, oldest first,
/// each with its status and decision. The read is witnessed.
pub async fn list<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let c = caller::consumer(gw, req, FOR_WHOM).await?;
    let agency = match (c.has_role(Role::Oversight), &c.agency) {
        (true, _) => None,
        (false, Some(a)) if c.has_role(Role::Agency) => Some(a.to_string()),
        _ => return Err(Problem::forbidden(FOR_WHOM)),
    };
    let listed: Vec<_> = crate::oversight::changes::list(&gw.store)
        .await?
        .into_iter()
        .filter(|p| agency.as_ref().is_none_or(|a| *a == p.agency))
        .collect();
    let (by, query) = (Reader::Consumer(&c.id), req.uri().query());
    witness_read(gw, by, "/v1/admin/proposals", query, listed.len()).await?;
    Ok(super::json(StatusCode::OK, &json!({ "proposals": listed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    verdict: String,
    note: String,
}

/// `POST /v1/admin/proposals/{id}/decision` (oversight, not the proposer):
/// `{verdict: approved|rejected, note}`. An approval is checked again against the files as
/// they are now (409 if one changed or the catalogue no longer loads), recorded, then put in
/// force; a rejection is recorded and changes nothing.
pub async fn decide(gw: &Gateway, req: Request<Incoming>, id: &str) -> Reply {
    let c = caller::consumer(gw, &req, FOR_WHOM).await?;
    if !c.has_role(Role::Oversight) {
        return Err(Problem::forbidden(
            "only the oversight authority approves or rejects catalogue changes",
        ));
    }
    let b: DecisionBody = body_within(req, 16 * 1024).await?;
    let kind = match b.verdict.as_str() {
        "approved" => EventKind::ChangeApproval,
        "rejected" => EventKind::ChangeRejection,
        _ => {
            return Err(Problem::new(
                ProblemKind::InvalidRequest,
                "verdict must be approved or rejected",
            ))
        }
    };
    if b.note.trim().is_empty() {
        return Err(Problem::new(
            ProblemKind::InvalidRequest,
            "note must not be empty",
        ));
    }
    let uuid =
        uuid::Uuid::parse_str(id).map_err(|_| Problem::not_found("no proposal with that id"))?;
    let _one = gw.changing().await;
    let Some((proposal, decided)) = find(&gw.store, id).await? else {
        return Err(Problem::not_found("no proposal with that id"));
    };
    if decided.is_some() || !needs_approval(&proposal) {
        return Err(Problem::new(ProblemKind::Conflict, "this proposal is already decided or took effect when proposed; see GET /v1/admin/proposals"));
    }
    if proposal.entry.consumer.as_deref() == Some(c.id.as_str()) {
        return Err(Problem::forbidden(
            "four eyes: whoever proposed a change cannot decide it",
        ));
    }
    let files = files_of(&proposal);
    if kind == EventKind::ChangeApproval {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let conflict = |e| unusable(e, &paths, ProblemKind::Conflict);
        changes::unchanged_since(gw, &files).map_err(conflict)?;
        let texts = files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        changes::check(gw, texts).await.map_err(conflict)?;
    }
    let facts = decision_facts(&proposal, &b.note);
    let event = Event::new(kind, facts.clone())
        .map_err(|e| Problem::new(ProblemKind::Internal, e.to_string()))?;
    let mut entry = Entry::event(now_ms(), event).consumer(&c.id);
    entry.agency = proposal.entry.agency.clone();
    let request_id = record_step(gw, entry).await?;
    if kind == EventKind::ChangeApproval {
        in_force(gw, &files, uuid).await?;
    }
    let mut out = facts;
    out["request_id"] = json!(request_id);
    out["kind"] = json!(kind.as_str());
    out["catalog_digest"] = json!(gw.catalog().version.digest);
    Ok(super::json(StatusCode::CREATED, &out))
}
