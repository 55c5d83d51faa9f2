//! `GET /v1/audit/records[/{request_id}]`, scoped by role: a consumer sees its own requests, an
//! agency officer the requests for its agency's datasets, oversight everything. Every read is
//! itself recorded (`super::witness`).

use http::{Request, StatusCode};
use serde_json::json;

use super::scope::{OutOfScope, Scope};
use super::witness::{witness_read, Reader};
use super::{query, Reply};
use crate::audit::archived;
use crate::audit::inclusion::Leaves;
use crate::audit::StoredRecord;
use crate::gateway::Gateway;
use crate::server::caller;
use crate::server::problem::Problem;

/// Authenticate the caller (API key, eID token or client certificate) and work out what it may
/// see; "no" is 401, and citizens are sent to their own access log (403).
pub(super) async fn caller_scope<B>(
    gw: &Gateway,
    req: &Request<B>,
) -> Result<(String, Scope), Problem> {
    let consumer = caller::consumer(
        gw,
        req,
        "audit records are scoped to consumers and agencies",
    )
    .await?;
    Ok((consumer.id.clone(), Scope::of(&consumer)))
}

/// Whether `scope` covers `r`.
pub(super) fn visible(scope: &Scope, r: &StoredRecord) -> bool {
    scope.sees(r.entry.agency.as_deref(), r.entry.consumer.as_deref())
}

/// The record `id`, when the caller may see it. Records outside its scope are reported as
/// absent, not forbidden, so their existence does not leak. The read is witnessed (as
/// `endpoint`), found or not.
pub(super) async fn visible_record<B>(
    gw: &Gateway,
    req: &Request<B>,
    id: &str,
    endpoint: &str,
) -> Result<StoredRecord, Problem> {
    Ok(visible_or_archived(gw, req, id, endpoint).await?.0)
}

/// [`visible_record`], also looking in the archive files when the live table no longer holds
/// it: then with the leaves of its block, for its inclusion proof.
pub(super) async fn visible_or_archived<B>(
    gw: &Gateway,
    req: &Request<B>,
    id: &str,
    endpoint: &str,
) -> Result<(StoredRecord, Option<Leaves>), Problem> {
    let (reader, scope) = caller_scope(gw, req).await?;
    let found = match gw.store.get(id).await? {
        Some(r) => Some((r, None)),
        None => (archived::find(&gw.store, id).await?).map(|a| (a.record, Some(a.leaves))),
    };
    let found = found.filter(|(r, _)| visible(&scope, r));
    let n = usize::from(found.is_some());
    witness_read(gw, Reader::Consumer(&reader), endpoint, Some(id), n).await?;
    found.ok_or_else(|| Problem::not_found("no audit record with that id is visible to you"))
}

/// `GET /v1/audit/records/{request_id}`.
pub async fn get<B>(gw: &Gateway, req: &Request<B>, id: &str) -> Reply {
    let record = visible_record(gw, req, id, "/v1/audit/records/{request_id}").await?;
    Ok(super::json(StatusCode::OK, &record))
}

/// `GET /v1/audit/records`: newest first, one page (`next_before` continues it).
pub async fn list<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let (reader, scope) = caller_scope(gw, req).await?;
    let (mut filter, searched) = query::records_searching(req.uri().query())?;
    if searched != query::Searched::default() {
        if scope != Scope::All {
            return Err(Problem::forbidden(
                "only oversight searches records by data_case or end_user",
            ));
        }
        let key = &gw.subject_key;
        filter.data_case_hash = searched.data_case.as_deref().map(|c| key.case_hash(c));
        filter.end_user_hash = searched.end_user.as_deref().map(|u| key.end_user_hash(u));
    }
    scope
        .narrow(&mut filter.agency, &mut filter.consumer)
        .map_err(|e| match e {
            OutOfScope::OtherAgency(a) => Problem::forbidden(format!(
                "as an officer of {a} you can see only records of {a}'s datasets"
            )),
            OutOfScope::OtherConsumer => Problem::forbidden("you can see only your own requests"),
        })?;
    let records = gw.store.list(&filter).await?;
    // The log keeps what was searched for only as the keyed hashes the records hold.
    let query = query::redacted(req.uri().query(), &["data_case", "end_user"], |k, v| {
        match k {
            "data_case" => gw.subject_key.case_hash(v),
            _ => gw.subject_key.end_user_hash(v),
        }
        .to_hex()
    });
    witness_read(
        gw,
        Reader::Consumer(&reader),
        "/v1/audit/records",
        query.as_deref(),
        records.len(),
    )
    .await?;
    let next = if records.len() as u32 == filter.limit {
        records.last().map(|r| r.entry.request_id.clone())
    } else {
        None
    };
    Ok(super::json(
        StatusCode::OK,
        &json!({ "records": records, "next_before": next }),
    ))
}
