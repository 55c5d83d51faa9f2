//! `GET /v1/catalog/versions` (the retained catalogue versions and the `catalog_change`
//! records that put them in force, with their summaries and oversight flags) and
//! `GET /v1/catalog/versions/{digest}` (one version's exact files). For the competent
//! authority and agency officers: the state-secret list is part of the text.

use http::{header, HeaderValue, Request, StatusCode};
use serde_json::{json, Value};

use super::{Body, Reply};
use crate::audit::{Digest, EventKind};
use crate::gateway::Gateway;
use crate::identity::Role;
use crate::server::caller;
use crate::server::problem::Problem;

/// Most `catalog_change` records listed.
const MAX_CHANGES: u32 = 500;

async fn allowed<B>(gw: &Gateway, req: &Request<B>) -> Result<(), Problem> {
    let c = caller::consumer(gw, req, "catalogue versions are for oversight and agencies").await?;
    if c.has_role(Role::Oversight) || c.has_role(Role::Agency) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "only the oversight authority and agency officers can read catalogue versions",
        ))
    }
}

/// `GET /v1/catalog/versions`.
pub async fn list<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    allowed(gw, req).await?;
    let versions = gw.store.catalog_versions().await?;
    let changes: Vec<Value> = (gw.store.catalog_changes(MAX_CHANGES).await?.into_iter())
        .filter_map(|r| {
            let ev = r.entry.event.as_ref()?;
            (ev.kind == EventKind::CatalogChange).then(|| {
                let f = ev.facts();
                json!({
                    "request_id": r.entry.request_id,
                    "node_id": r.node_id,
                    "ts_ms": r.entry.ts_ms,
                    "digest": f.get("digest"),
                    "previous": f.get("previous"),
                    "reason": f.get("reason"),
                    "proposal_id": f.get("proposal_id"),
                    "summary": f.get("summary"),
                })
            })
        })
        .collect();
    Ok(no_store(super::json(
        StatusCode::OK,
        &json!({
            "current": gw.catalog().version.digest,
            "versions": versions,
            "changes": changes,
        }),
    )))
}

/// `GET /v1/catalog/versions/{digest}`.
pub async fn get<B>(gw: &Gateway, req: &Request<B>, digest: &str) -> Reply {
    allowed(gw, req).await?;
    let missing = || Problem::not_found("no catalogue version with that digest is retained");
    // Text that is not a digest names no version (a digest is only ever written as 64
    // lower-case hex digits).
    let digest: Digest = digest.parse().map_err(|_| missing())?;
    let Some((first_ms, files, _)) = gw.store.catalog_version(&digest).await? else {
        return Err(missing());
    };
    let files: Value = serde_json::from_str(&files).map_err(|e| {
        Problem::new(
            crate::server::problem::ProblemKind::Internal,
            format!("retained version unreadable: {e}"),
        )
    })?;
    Ok(no_store(super::json(
        StatusCode::OK,
        &json!({"digest": digest, "first_ms": first_ms, "files": files}),
    )))
}

fn no_store(mut r: http::Response<Body>) -> http::Response<Body> {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
