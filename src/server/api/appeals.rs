//! A refusal's case story over HTTP, each step committed to the audit chain before it is
//! answered: `POST /v1/refusals/{request_id}/justification` (the refusing agency's officer,
//! within `[oversight] justification_within`), `POST /v1/appeals` (the consumer that made the
//! refused request), `GET /v1/appeals` (scoped by role), `POST /v1/appeals/{id}/decision`
//! (oversight) and `GET /v1/refusals/{request_id}/story` (the refusal and every step).

use std::sync::Arc;

use http::{Request, StatusCode};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::scope::Scope;
use super::witness::{witness_read, Reader};
use super::Reply;
use crate::audit::{now_ms, Entry, Event, EventKind, Outcome, StoredRecord};
use crate::gateway::Gateway;
use crate::identity::{Consumer, Role};
use crate::oversight::appeals::{self, JustificationBody};
use crate::oversight::Verdict;
use crate::policy::Text;
use crate::server::caller;
use crate::server::problem::{Problem, ProblemKind};

async fn who<B>(gw: &Gateway, req: &Request<B>) -> Result<Arc<Consumer>, Problem> {
    caller::consumer(
        gw,
        req,
        "justifications and appeals are for consumers, agencies and oversight",
    )
    .await
}

async fn body<T: DeserializeOwned>(req: Request<Incoming>) -> Result<T, Problem> {
    body_within(req, super::MAX_BODY).await
}

/// The JSON body of `req`, at most `max` bytes (413 beyond, 400 if it is not a `T`).
pub(super) async fn body_within<T: DeserializeOwned>(
    req: Request<Incoming>,
    max: usize,
) -> Result<T, Problem> {
    let bytes = super::read_body_within(req, "the body", max).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Problem::new(
            ProblemKind::InvalidRequest,
            format!("the body is not the expected JSON object: {e}"),
        )
    })
}

/// Each step of a story is taken once: 409 Conflict (`taken` the detail) when `id`'s story
/// already has a `kind` step.
async fn once(gw: &Gateway, id: &str, kind: EventKind, taken: String) -> Result<(), Problem> {
    let story = appeals::story(&gw.store, id).await?;
    if story
        .iter()
        .any(|s| s.entry.event.as_ref().is_some_and(|e| e.kind == kind))
    {
        return Err(Problem::new(ProblemKind::Conflict, taken));
    }
    Ok(())
}

fn empty(field: &str) -> Problem {
    Problem::new(
        ProblemKind::InvalidRequest,
        format!("{field} must not be empty"),
    )
}

/// The refused record `id` if `visible` says the caller may act on it; else 404 (its
/// existence does not leak).
async fn refused(
    gw: &Gateway,
    id: &str,
    visible: impl Fn(&StoredRecord) -> bool,
) -> Result<StoredRecord, Problem> {
    let valid = uuid::Uuid::parse_str(id).is_ok();
    let rec = if valid { gw.store.get(id).await? } else { None };
    rec.filter(|r| r.entry.outcome == Outcome::Refused && visible(r))
        .ok_or_else(|| Problem::not_found("no refusal with that Request-Id is yours to act on"))
}

/// Commit one step of the story (actor `by`, the refused record's dataset) and answer 201.
async fn commit(
    gw: &Gateway,
    kind: EventKind,
    facts: Value,
    by: &str,
    about: &StoredRecord,
) -> Reply {
    let event = Event::new(kind, facts.clone())
        .map_err(|e| Problem::new(ProblemKind::Internal, e.to_string()))?;
    let mut entry = Entry::event(now_ms(), event).consumer(by);
    (entry.agency, entry.dataset) = (about.entry.agency.clone(), about.entry.dataset.clone());
    let request_id = record_step(gw, entry).await?;
    let mut out = facts;
    out["request_id"] = json!(request_id);
    out["kind"] = json!(kind.as_str());
    Ok(super::json(StatusCode::CREATED, &out))
}

/// Commit one step's event record; its request id, or 503 if the log cannot take it (then the
/// step did not happen).
pub(super) async fn record_step(gw: &Gateway, entry: Entry) -> Result<String, Problem> {
    let request_id = entry.request_id.clone();
    let kind = entry.event.as_ref().map_or("", |e| e.kind.as_str());
    gw.audit.record(entry).await.map_err(|e| {
        tracing::error!(error = %e, kind, "step not recorded; answering 503");
        Problem::new(
            ProblemKind::AuditUnavailable,
            "the audit log could not record this step, so it did not happen; try again shortly",
        )
        .with_retry_after(5)
    })?;
    Ok(request_id)
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `POST /v1/refusals/{request_id}/justification`: `{legal_basis, reason, document_ref}`.
pub async fn justify(gw: &Gateway, req: Request<Incoming>, id: &str) -> Reply {
    let c = who(gw, &req).await?;
    let Some(agency) = c.agency.as_ref().filter(|_| c.has_role(Role::Agency)) else {
        return Err(Problem::forbidden(
            "only an officer of the refusing agency can justify a refusal",
        ));
    };
    let rec = refused(gw, id, |r| {
        r.entry.agency.as_deref() == Some(agency.as_str())
    })
    .await?;
    let j = body::<JustificationBody>(req)
        .await?
        .check()
        .map_err(empty)?;
    let due_ms = rec
        .entry
        .ts_ms
        .saturating_add(ms(gw.settings.oversight.justification_within));
    if now_ms() > due_ms {
        return Err(Problem::new(ProblemKind::JustificationLate, format!(
            "the justification of {id} was due by {due_ms} (Unix ms, [oversight] justification_within after the refusal); the refusal stays unjustified"
        )));
    }
    let taken = format!("{id} is already justified; see GET /v1/refusals/{id}/story");
    once(gw, id, EventKind::RefusalJustification, taken).await?;
    let facts = appeals::justification_facts(&rec, &j, due_ms);
    commit(gw, EventKind::RefusalJustification, facts, &c.id, &rec).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppealBody {
    request_id: String,
    grounds: String,
}

/// `POST /v1/appeals`: `{request_id, grounds}` from the consumer that made the request.
pub async fn file(gw: &Gateway, req: Request<Incoming>) -> Reply {
    let c = who(gw, &req).await?;
    let b: AppealBody = body(req).await?;
    let grounds = Text::new(&b.grounds).map_err(|_| empty("grounds"))?;
    let rec = refused(gw, &b.request_id, |r| {
        r.entry.consumer.as_deref() == Some(c.id.as_str())
    })
    .await?;
    let id = &rec.entry.request_id;
    let taken = format!("{id} is already appealed; see GET /v1/appeals");
    once(gw, id, EventKind::Appeal, taken).await?;
    let due_ms = now_ms().saturating_add(ms(gw.settings.oversight.decide_within));
    let appeal_id = uuid::Uuid::now_v7().to_string();
    let facts = appeals::appeal_facts(&rec, &appeal_id, &grounds, due_ms);
    commit(gw, EventKind::Appeal, facts, &c.id, &rec).await
}

/// `GET /v1/appeals`: a consumer its own, an officer those against its agency, oversight all
/// — each with its deadline, whether it is overdue, and its verdict. The read is witnessed.
pub async fn list<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let c = who(gw, req).await?;
    let scope = Scope::of(&c);
    let now = now_ms();
    let listed: Vec<_> = appeals::list(&gw.store, now)
        .await?
        .into_iter()
        .filter(|a| scope.sees(a.agency.as_deref(), a.consumer.as_deref()))
        .collect();
    witness_read(
        gw,
        Reader::Consumer(&c.id),
        "/v1/appeals",
        req.uri().query(),
        listed.len(),
    )
    .await?;
    let within = gw.settings.oversight.decide_within.as_secs() / 86_400;
    Ok(super::json(
        StatusCode::OK,
        &json!({ "appeals": listed, "decide_within_days": within }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    verdict: String,
    note: String,
}

/// `POST /v1/appeals/{id}/decision` (oversight): `{verdict: upheld|overturned, note}`.
pub async fn decide(gw: &Gateway, req: Request<Incoming>, appeal_id: &str) -> Reply {
    let c = who(gw, &req).await?;
    if !c.has_role(Role::Oversight) {
        return Err(Problem::forbidden(
            "only the oversight authority decides appeals",
        ));
    }
    let b: DecisionBody = body(req).await?;
    let verdict = Verdict::parse(&b.verdict).ok_or_else(|| {
        Problem::new(
            ProblemKind::InvalidRequest,
            "verdict must be upheld or overturned",
        )
    })?;
    let note = Text::new(&b.note).map_err(|_| empty("note"))?;
    let valid = uuid::Uuid::parse_str(appeal_id).is_ok();
    let found = match valid {
        true => {
            gw.store
                .events(&[EventKind::Appeal], Some(("appeal_id", appeal_id)))
                .await?
        }
        false => Vec::new(),
    };
    let Some(appeal) = found.into_iter().next() else {
        return Err(Problem::not_found("no appeal with that id"));
    };
    let decided = gw
        .store
        .events(&[EventKind::AppealVerdict], Some(("appeal_id", appeal_id)))
        .await?;
    if !decided.is_empty() {
        return Err(Problem::new(
            ProblemKind::Conflict,
            "this appeal is already decided; see GET /v1/appeals",
        ));
    }
    let facts = appeals::verdict_facts(&appeal, verdict, &note, now_ms());
    commit(gw, EventKind::AppealVerdict, facts, &c.id, &appeal).await
}

/// `GET /v1/refusals/{request_id}/story`: the refused record, then each step in chain order —
/// for oversight, the refusing agency and the consumer that made the request. Witnessed.
pub async fn story<B>(gw: &Gateway, req: &Request<B>, id: &str) -> Reply {
    let c = who(gw, req).await?;
    let scope = Scope::of(&c);
    let rec = refused(gw, id, |r| {
        scope.sees(r.entry.agency.as_deref(), r.entry.consumer.as_deref())
    })
    .await;
    let steps = match &rec {
        Ok(_) => appeals::story(&gw.store, id).await?,
        Err(_) => Vec::new(),
    };
    let n = usize::from(rec.is_ok()) + steps.len();
    witness_read(
        gw,
        Reader::Consumer(&c.id),
        "/v1/refusals/{request_id}/story",
        Some(id),
        n,
    )
    .await?;
    Ok(super::json(
        StatusCode::OK,
        &json!({ "refusal": rec?, "steps": steps }),
    ))
}
