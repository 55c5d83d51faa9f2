//! The data request path, as phases: authenticate → harvest block → rate limit → purpose →
//! resolve → case and end user → dataset rate limit → decide → check request → subject → forward → check response
//! → record. Each phase returns `Err(Problem)` on "no"; whatever happens, exactly one audit
//! record is committed before the answer is released.
//!
//! Authentication is the one every API shares (`server::caller`); the other phases live in
//! files by group: [`case`] (`Data-Case`, the end user), [`protect`] (limits, harvest alarm, subject), [`decide`] (purpose, resolve,
//! refusal rules), [`check`] (the request against its schema), [`forward`] (the source) and
//! [`response`] (the source's answer against its schema).

mod case;
mod check;
mod decide;
mod forward;
pub mod probe;
pub(crate) mod protect;
mod response;

use std::time::Instant;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use tracing::Instrument;

use super::api::Reply;
use super::caller;
use super::peer::ClientAddr;
use super::problem::{outcome_of, Problem, ProblemKind};
use crate::audit::{now_ms, Entry, Outcome};
use crate::config::Dataset;
use crate::gateway::{Gateway, Snapshot};

/// What the phases decided; released only after the audit record is committed.
enum Answer {
    Data(Bytes),
    Problem(Problem),
}

/// Handle one data request for `agency`/`dataset` (raw path segments). A "no" is returned as
/// `Err(Problem)` carrying the request id, for the router to render — but only once the audit
/// record is committed, like the data.
pub async fn handle(gw: &Gateway, req: Request<Incoming>, agency: &str, dataset: &str) -> Reply {
    let started = Instant::now();
    let client = req.extensions().get::<ClientAddr>().copied();
    let request_id = uuid::Uuid::now_v7().to_string();
    let mut entry = Entry::new(request_id, now_ms(), method_name(req.method()));
    // One snapshot (configuration and runtime) for the whole request: a reload cannot change
    // the rules midway.
    let snap = gw.snapshot();
    entry.catalog_digest = Some(snap.catalog.version.digest);
    let span = if gw.trace_requests {
        tracing::info_span!(
            "data_request",
            otel.name = "data_request",
            request_id = %entry.request_id,
            agency = tracing::field::Empty,
            dataset = tracing::field::Empty,
            consumer = tracing::field::Empty,
            outcome = tracing::field::Empty,
            status = tracing::field::Empty,
            source_latency_us = tracing::field::Empty,
        )
    } else {
        tracing::Span::none()
    };
    // `[server] request_timeout` bounds every phase together; the audit commit after it has
    // its own bound (`audit::writer::RECORD_WAIT`).
    let deadline = gw.settings.server.request_timeout;
    let phased = phases(gw, &snap, req, agency, dataset, &mut entry).instrument(span.clone());
    let phased = tokio::time::timeout(deadline, phased)
        .await
        .unwrap_or_else(|_| {
            Err(Problem::new(
                ProblemKind::DeadlineExceeded,
                format!(
                    "the request did not complete within the gateway's request_timeout of {} ms; nothing was released",
                    deadline.as_millis()
                ),
            ))
        });
    let answer = match phased {
        Ok(bytes) => {
            entry.outcome = Outcome::Served;
            entry.status = 200;
            Answer::Data(bytes)
        }
        Err(p) => {
            entry.outcome = outcome_of(p.kind);
            entry.status = p.status().as_u16();
            entry.detail = Some(p.detail.chars().take(500).collect());
            Answer::Problem(p)
        }
    };
    entry.latency_us = started.elapsed().as_micros() as i64;
    let request_id = entry.request_id.clone();
    let (outcome, source_us) = (entry.outcome, entry.source_latency_us);
    if !span.is_disabled() {
        span.record("agency", entry.agency.as_deref().unwrap_or(""));
        span.record("dataset", entry.dataset.as_deref().unwrap_or(""));
        span.record("consumer", entry.consumer.as_deref().unwrap_or(""));
        span.record("outcome", outcome.as_str());
        span.record("status", entry.status);
        if let Some(s) = source_us {
            span.record("source_latency_us", s);
        }
    }
    // Per-agency counts only for agencies of the catalogue (a path cannot add series).
    let known_agency = (entry.agency.as_deref())
        .and_then(|a| snap.catalog.agencies.get_key_value(a))
        .map(|(a, _)| a.as_str());
    // Rejections past the client's allowance are counted in a summary record instead.
    let summary = protect::summarised(gw, client, &entry);
    let committed = match &summary {
        None => gw.audit.record(entry).instrument(span).await,
        Some(_) => Ok(()),
    };
    let request_id = summary.unwrap_or(request_id);
    gw.metrics.request(
        outcome,
        started.elapsed().as_micros() as u64,
        source_us.map(|s| s as u64),
    );
    if let Some(agency) = known_agency {
        gw.metrics.agency_request(agency, outcome);
    }
    if let Err(e) = committed {
        tracing::error!(%request_id, error = %e, "audit record not committed; answering 503");
        return Err(Problem::new(
            ProblemKind::AuditUnavailable,
            "the audit log could not record this request, so no data was released; try again shortly",
        )
        .with_retry_after(5)
        .with_request_id(request_id));
    }
    match answer {
        Answer::Data(bytes) => {
            let mut r = Response::new(Full::new(bytes));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                h.insert("request-id", v);
            }
            Ok(r)
        }
        Answer::Problem(p) => Err(p.with_request_id(request_id)),
    }
}

async fn phases(
    gw: &Gateway,
    snap: &Snapshot,
    req: Request<Incoming>,
    agency: &str,
    dataset: &str,
    entry: &mut Entry,
) -> Result<Bytes, Problem> {
    let (catalog, rt) = (&snap.catalog, &snap.runtime);
    let consumer = caller::data_consumer(gw, catalog, &req).await?;
    entry.consumer = Some(consumer.id.clone());
    protect::harvest_block_phase(gw, rt, &consumer)?;
    protect::rate_limit_phase(gw, rt, &consumer).await?;
    let purpose = match decide::purpose_phase(req.headers()) {
        Ok(p) => p,
        Err(no) => {
            // Which dataset it was for is learnt on the side: the answer stays this one.
            let mut scratch = entry.clone();
            if let Ok(ds) = decide::resolve_phase(catalog, agency, dataset, &mut scratch) {
                return Err(attempt_on_subject(gw, &ds, req, entry, no).await);
            }
            return Err(no);
        }
    };
    entry.purpose = Some(purpose.clone());
    let ds = decide::resolve_phase(catalog, agency, dataset, entry)?;
    if let Err(no) = case::case_phase(gw, &ds, &consumer, req.headers(), entry).await {
        return Err(attempt_on_subject(gw, &ds, req, entry, no).await);
    }
    let live = rt
        .dataset(&ds)
        .ok_or_else(|| Problem::new(ProblemKind::Internal, "the dataset has no runtime state"))?;
    protect::dataset_rate_phase(gw, &ds, live, &consumer).await?;
    let decided = decide::decide_phase(&ds, &consumer, &purpose, entry)
        .and_then(|()| decide::fields_phase(&ds, &purpose));
    if let Err(no) = decided {
        return Err(attempt_on_subject(gw, &ds, req, entry, no).await);
    }
    let checked = check::check_request_phase(gw, &ds, req, entry).await?;
    protect::subject_phase(gw, rt, &ds, &consumer, &checked.params, entry).await?;
    let reply = forward::forward_phase(gw, live, &consumer, &purpose, &checked, entry).await;
    response::check_response_phase(&gw.payload_key, &ds, reply, entry)
}

/// A "no" given before the request was read — refused, or rejected for a missing purpose, case
/// or trusted end user, or a purpose the dataset does not serve — is still an attempt on
/// someone's record and shows in their access log: read the request only to learn whose record
/// it was about (not counted by the harvest alarm). Returns `no`.
async fn attempt_on_subject(
    gw: &Gateway,
    ds: &Dataset,
    req: Request<Incoming>,
    entry: &mut Entry,
    no: Problem,
) -> Problem {
    if ds.subject_field.is_some() {
        let mut scratch = entry.clone();
        if let Ok(c) = check::check_request_phase(gw, ds, req, &mut scratch).await {
            protect::subject_hash_only(gw, ds, &c.params, entry);
        } else {
            entry.subject_hash = scratch.subject_hash;
        }
    }
    no
}

fn method_name(m: &Method) -> String {
    let s = m.as_str();
    if s.len() <= 16 {
        s.to_owned()
    } else {
        s[..16].to_owned()
    }
}
