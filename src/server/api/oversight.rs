//! `GET /v1/oversight/refusals[/{request_id}]` (scoped by role: oversight sees every refusal,
//! an agency officer its agency's, a consumer its own) and
//! `POST /v1/oversight/refusals/{request_id}/review` (oversight only) and
//! `POST /v1/oversight/probes` (oversight only).

use std::sync::Arc;

use http::{header, HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde::Serialize;
use serde_json::json;

use super::scope::{OutOfScope, Scope};
use super::witness::{witness_read, Reader};
use super::{query, Body, Reply};
use crate::audit::now_ms;
use crate::gateway::Gateway;
use crate::identity::{Consumer, Role};
use crate::oversight::refusals;
use crate::oversight::reviews::{self, NewReview};
use crate::oversight::REVIEW_WITHIN_DAYS;
use crate::server::caller;
use crate::server::problem::Problem;

/// Who is calling: any consumer credential (API key, eID token, client certificate); citizens
/// have no business here.
async fn caller<B>(gw: &Gateway, req: &Request<B>) -> Result<Arc<Consumer>, Problem> {
    caller::consumer(gw, req, "oversight is for the competent authority").await
}

/// `GET /v1/oversight/refusals`: one page of refusals in scope, with the review backlog.
pub async fn list<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let caller = caller(gw, req).await?;
    let f = filter(&caller, req.uri().query(), None)?;
    let now = now_ms();
    let listed = refusals::list(&gw.store, &f, now).await?;
    let backlog = refusals::backlog(&gw.store, &f, now).await?;
    let (endpoint, query) = ("/v1/oversight/refusals", req.uri().query());
    witness_read(
        gw,
        Reader::Consumer(&caller.id),
        endpoint,
        query,
        listed.len(),
    )
    .await?;
    let next = super::next_before(&listed, f.limit, |r| &r.request_id);
    Ok(json(
        StatusCode::OK,
        &json!({
            "refusals": listed,
            "next_before": next,
            "backlog": backlog,
            "review_within_days": REVIEW_WITHIN_DAYS,
            "can_review": caller.has_role(Role::Oversight),
        }),
    ))
}

/// `GET /v1/oversight/refusals/{request_id}`: one refusal with its review history.
pub async fn get<B>(gw: &Gateway, req: &Request<B>, id: &str) -> Reply {
    let caller = caller(gw, req).await?;
    let f = filter(&caller, req.uri().query(), Some(id))?;
    let found = refusals::list(&gw.store, &f, now_ms())
        .await?
        .into_iter()
        .next();
    let endpoint = "/v1/oversight/refusals/{request_id}";
    let n = usize::from(found.is_some());
    witness_read(gw, Reader::Consumer(&caller.id), endpoint, Some(id), n).await?;
    match found {
        Some(r) => Ok(json(StatusCode::OK, &r)),
        None => Err(Problem::not_found(
            "no refusal with that id is visible to you",
        )),
    }
}

/// The query's filters, narrowed to what `caller` may see.
fn filter(
    caller: &Consumer,
    query: Option<&str>,
    id: Option<&str>,
) -> Result<refusals::RefusalFilter, Problem> {
    let mut f = query::refusals(query, id)?;
    Scope::of(caller)
        .narrow(&mut f.agency, &mut f.consumer)
        .map_err(|e| match e {
            OutOfScope::OtherAgency(a) => Problem::forbidden(format!(
                "as an officer of {a} you can see only {a}'s refusals"
            )),
            OutOfScope::OtherConsumer => {
                Problem::forbidden("you can see only the refusals of your own requests")
            }
        })?;
    Ok(f)
}

/// `POST /v1/oversight/refusals/{request_id}/review`: record a verdict (201 with the review).
pub async fn review(gw: &Gateway, req: Request<Incoming>, id: &str) -> Reply {
    let caller = caller(gw, &req).await?;
    if !caller.has_role(Role::Oversight) {
        return Err(Problem::forbidden(
            "only the oversight authority can review refusals",
        ));
    }
    let bytes = super::read_body(req, "a review body").await?;
    let new = NewReview::parse(id, &caller.id, &bytes)?;
    let review = reviews::record(&gw.store, &new, now_ms()).await?;
    Ok(json(StatusCode::CREATED, &review))
}

/// `POST /v1/oversight/probes` (oversight only): probe every connected dataset now, as the
/// daily schedule does, and answer with what each probe found (its audit record's id).
pub async fn probes<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let caller = caller(gw, req).await?;
    if !caller.has_role(Role::Oversight) {
        return Err(Problem::forbidden(
            "only the oversight authority can trigger readiness probes",
        ));
    }
    let results = crate::server::pipeline::probe::probe_all(gw).await;
    Ok(json(StatusCode::OK, &json!({ "probes": results })))
}

/// JSON that is never cached: what a caller sees depends on its role.
fn json<T: Serialize>(status: StatusCode, v: &T) -> Response<Body> {
    let mut r = super::json(status, v);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
