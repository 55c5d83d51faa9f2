//! `GET /v1/oversight/refusals[/{request_id}]` (scoped by role: oversight sees every refusal,
//! an agency officer its agency's, a consumer its own) and
//! `POST /v1/oversight/refusals/{request_id}/review` (oversight only).

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use super::refusals::{self, RefusalFilter, ReviewState};
use super::reviews::{self, NewReview, ReviewError, Verdict};
use crate::audit::now_ms;
use crate::gateway::Gateway;
use crate::identity::{Consumer, Role};
use crate::policy::JustificationStatus;
use crate::server::problem::{Problem, ProblemKind};
use crate::validate::FieldError;

/// Largest review body accepted, in bytes.
const MAX_BODY: usize = 16 * 1024;
/// Longest review note, in characters.
const MAX_NOTE: usize = 2000;

/// Dispatch `/v1/oversight/...`; `rest` is the path after `/v1/oversight/`.
pub async fn handle(gw: &Gateway, req: Request<Incoming>, rest: &str) -> Response<Full<Bytes>> {
    let caller = match caller(gw, &req).await {
        Ok(c) => c,
        Err(p) => return p.render(None),
    };
    let segs: Vec<&str> = rest.split('/').collect();
    let method = req.method().clone();
    match (segs.as_slice(), method) {
        (["refusals"], Method::GET | Method::HEAD) => list(gw, &req, &caller, None).await,
        (["refusals", id], Method::GET | Method::HEAD) if !id.is_empty() => {
            list(gw, &req, &caller, Some(id)).await
        }
        (["refusals", id, "review"], Method::POST) => review(gw, req, &caller, id).await,
        (["refusals", ..], m) => Problem::new(
            ProblemKind::MethodNotAllowed,
            format!("{m} is not allowed here: GET lists refusals, POST …/review records a verdict"),
        )
        .with_header(header::ALLOW, "GET, HEAD, POST")
        .render(None),
        _ => Problem::new(
            ProblemKind::NotFound,
            "oversight serves /v1/oversight/refusals",
        )
        .render(None),
    }
}

/// Who is calling: any consumer credential (API key, eID token, client certificate); citizens
/// have no business here.
async fn caller(
    gw: &Gateway,
    req: &Request<Incoming>,
) -> Result<std::sync::Arc<Consumer>, Problem> {
    crate::server::caller::consumer(gw, req, "oversight is for the competent authority").await
}

async fn list(
    gw: &Gateway,
    req: &Request<Incoming>,
    caller: &Consumer,
    id: Option<&str>,
) -> Response<Full<Bytes>> {
    let mut f = RefusalFilter {
        limit: 100,
        request_id: id.map(str::to_owned),
        ..RefusalFilter::default()
    };
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "agency" => f.agency = Some(v),
            "dataset" => f.dataset = Some(v),
            "consumer" => f.consumer = Some(v),
            "before" => f.before = Some(v),
            "review" => match ReviewState::parse(&v) {
                Some(s) => f.review = Some(s),
                None => return bad_param("review", "one of unreviewed, overdue, upheld, overturned"),
            },
            "justification" => match JustificationStatus::parse(&v) {
                Some(j) => f.justification = Some(j),
                None => return bad_param("justification", "justified or unjustified"),
            },
            "since_ms" => match v.parse() {
                Ok(n) => f.since_ms = Some(n),
                Err(_) => return bad_param("since_ms", "a Unix time in milliseconds"),
            },
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=500).contains(&n) => f.limit = n,
                _ => return bad_param("limit", "a whole number from 1 to 500"),
            },
            other => return bad_param(other, "not a known filter (agency, dataset, consumer, review, justification, since_ms, before, limit)"),
        }
    }
    // Scope: an officer sees its agency's refusals, a consumer its own, oversight all.
    if !caller.has_role(Role::Oversight) {
        if let (true, Some(a)) = (caller.has_role(Role::Agency), &caller.agency) {
            if f.agency.as_ref().is_some_and(|x| x != a.as_str()) {
                return forbidden(format!(
                    "as an officer of {a} you can see only {a}'s refusals"
                ));
            }
            f.agency = Some(a.to_string());
        } else {
            if f.consumer.as_ref().is_some_and(|x| x != &caller.id) {
                return forbidden("you can see only the refusals of your own requests".into());
            }
            f.consumer = Some(caller.id.clone());
        }
    }
    let now = now_ms();
    let listed = match refusals::list(&gw.store, &f, now).await {
        Ok(l) => l,
        Err(e) => return store_failed(e),
    };
    if id.is_some() {
        return match listed.into_iter().next() {
            Some(r) => json(StatusCode::OK, &r),
            None => Problem::new(
                ProblemKind::NotFound,
                "no refusal with that id is visible to you",
            )
            .render(None),
        };
    }
    let backlog = match refusals::backlog(&gw.store, &f, now).await {
        Ok(b) => b,
        Err(e) => return store_failed(e),
    };
    let next = (listed.len() as u32 == f.limit)
        .then(|| listed.last().map(|r| r.request_id.clone()))
        .flatten();
    json(
        StatusCode::OK,
        &json!({
            "refusals": listed,
            "next_before": next,
            "backlog": backlog,
            "review_within_days": super::REVIEW_WITHIN_DAYS,
            "can_review": caller.has_role(Role::Oversight),
        }),
    )
}

/// The body of a review.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    verdict: String,
    note: String,
    #[serde(default)]
    revise: bool,
}

async fn review(
    gw: &Gateway,
    req: Request<Incoming>,
    caller: &Consumer,
    id: &str,
) -> Response<Full<Bytes>> {
    if !caller.has_role(Role::Oversight) {
        return forbidden("only the oversight authority can review refusals".into());
    }
    let bytes = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Problem::new(
                ProblemKind::PayloadTooLarge,
                format!("a review body is at most {MAX_BODY} bytes"),
            )
            .render(None)
        }
    };
    let body: ReviewBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => {
            return invalid(
                "",
                format!("send {{\"verdict\": \"upheld\"|\"overturned\", \"note\": \"…\"}}: {e}"),
            )
        }
    };
    let Some(verdict) = Verdict::parse(&body.verdict) else {
        return invalid("/verdict", "must be \"upheld\" or \"overturned\"".into());
    };
    let note = body.note.trim();
    if note.is_empty()
        || note.chars().count() > MAX_NOTE
        || note.chars().any(|c| c.is_control() && c != '\n')
    {
        return invalid(
            "/note",
            format!("a note of 1 to {MAX_NOTE} characters explaining the verdict is required"),
        );
    }
    let new = NewReview {
        request_id: id.to_owned(),
        verdict,
        note: note.to_owned(),
        reviewer: caller.id.clone(),
        revise: body.revise,
    };
    match reviews::record(&gw.store, &new, now_ms()).await {
        Ok(r) => json(StatusCode::CREATED, &r),
        Err(ReviewError::NotFound) => {
            Problem::new(ProblemKind::NotFound, "no refusal with that request id").render(None)
        }
        Err(e @ ReviewError::NotARefusal(..)) => {
            Problem::new(ProblemKind::InvalidRequest, e.to_string()).render(None)
        }
        Err(e @ ReviewError::AlreadyReviewed(_)) => {
            Problem::new(ProblemKind::Conflict, e.to_string()).render(None)
        }
        Err(e) => store_failed(e),
    }
}

fn json<T: serde::Serialize>(status: StatusCode, v: &T) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(
        serde_json::to_vec(v).unwrap_or_default(),
    )));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn invalid(pointer: &str, detail: String) -> Response<Full<Bytes>> {
    Problem::new(
        ProblemKind::InvalidRequest,
        "the review body is not acceptable; see `errors`",
    )
    .with_errors(vec![FieldError {
        pointer: pointer.into(),
        detail,
    }])
    .render(None)
}

fn bad_param(name: &str, expected: &str) -> Response<Full<Bytes>> {
    let name: String = name.chars().take(64).collect();
    Problem::new(
        ProblemKind::InvalidRequest,
        format!("query parameter {name:?}: {expected}"),
    )
    .render(None)
}

fn forbidden(detail: String) -> Response<Full<Bytes>> {
    Problem::new(ProblemKind::Forbidden, detail).render(None)
}

fn store_failed(e: ReviewError) -> Response<Full<Bytes>> {
    tracing::error!(error = %e, "oversight store access failed");
    Problem::new(
        ProblemKind::AuditUnavailable,
        "the audit store cannot be read right now; try again shortly",
    )
    .render(None)
}
