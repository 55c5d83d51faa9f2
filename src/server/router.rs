//! Which handler a request goes to, by method and path.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;

use super::problem::{Problem, ProblemKind};
use super::{audit_api, catalog_api, checkpoint_api, health, me_api, openapi, pipeline};
use crate::gateway::Gateway;

/// Dispatch one request.
pub async fn route(
    gw: Arc<Gateway>,
    req: Request<Incoming>,
    _peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let mut segs = path.trim_start_matches('/').split('/');
    match (
        segs.next(),
        segs.next(),
        segs.next(),
        segs.next(),
        segs.next(),
    ) {
        (Some("v1"), Some("data"), Some(agency), Some(dataset), None) => {
            let (agency, dataset) = (agency.to_owned(), dataset.to_owned());
            pipeline::handle(gw, req, &agency, &dataset).await
        }
        (Some("v1"), Some("data"), ..) => {
            // Wrong shape under /v1/data is still a data request: it is recorded.
            pipeline::handle(gw, req, "", "").await
        }
        (Some("v1"), Some("catalog"), None, ..) => match only_get(&req) {
            Some(r) => r,
            None => catalog_api::handle(&gw, &req).await,
        },
        (Some("v1"), Some("me"), Some("access-log"), None, ..) => match only_get(&req) {
            Some(r) => r,
            None => me_api::access_log(&gw, &req).await,
        },
        (Some("v1"), Some("schemas"), Some(_), ..) => only_get(&req)
            .unwrap_or_else(|| catalog_api::schema(&gw, path.trim_start_matches("/v1/schemas/"))),
        (Some("v1"), Some("audit"), Some("records"), rest, None) => match only_get(&req) {
            Some(r) => r,
            None => audit_api::records(&gw, &req, rest).await,
        },
        (Some("v1"), Some("oversight"), Some(_), ..) => {
            let rest = path.trim_start_matches("/v1/oversight/").to_owned();
            crate::oversight::api::handle(&gw, req, &rest).await
        }
        (Some("oversight"), ..) => {
            crate::oversight::page::handle(&req, path.trim_start_matches("/oversight"))
        }
        (Some("public"), Some(file), None, ..) => {
            crate::ranking::http::handle(&gw, &req, file).await
        }
        (Some("v1"), Some("audit"), Some("checkpoint"), node, None) => match only_get(&req) {
            Some(r) => r,
            None => match node.filter(|n| !n.is_empty()) {
                Some(n) => checkpoint_api::note(&gw, n).await,
                None => checkpoint_api::latest(&gw).await,
            },
        },
        (Some("v1"), Some("audit"), Some("inclusion"), Some(id), None) => match only_get(&req) {
            Some(r) => r,
            None => checkpoint_api::inclusion(&gw, &req, id).await,
        },
        (Some("healthz"), None, ..) => health::healthz(),
        (Some("openapi.json"), None, ..) => only_get(&req).unwrap_or_else(openapi::handle),
        (Some("metrics"), None, ..) => health::metrics(&gw),
        (Some("readyz"), None, ..) => health::readyz(&gw).await,
        _ => Problem::new(
            ProblemKind::NotFound,
            format!("nothing is served at {}", truncate(&path)),
        )
        .render(None),
    }
}

fn only_get(req: &Request<Incoming>) -> Option<Response<Full<Bytes>>> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        None
    } else {
        Some(
            Problem::new(
                ProblemKind::MethodNotAllowed,
                format!("{} is not allowed here; use GET", req.method()),
            )
            .with_header(header::ALLOW, "GET, HEAD")
            .render(None),
        )
    }
}

/// Paths echoed in problems are cut short (they are consumer input).
pub fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}
