//! The HTTP handlers of every endpoint but the data path (which is `server::pipeline`). Each
//! returns a [`Reply`]: the response, or the [`Problem`] the router renders — no handler renders
//! a problem itself. The domain modules they call (`audit`, `oversight`, `ranking`, `subjects`)
//! know nothing of HTTP.
//!
//! # Layout
//! - [`catalog`]: `GET /v1/catalog`, `GET /v1/schemas/{path}`.
//! - [`audit`]: `GET /v1/audit/records[/{request_id}]`, scoped by role ([`scope`]).
//! - [`checkpoint`]: `GET /v1/audit/checkpoint[/{node}]`, `GET /v1/audit/inclusion/{request_id}`.
//! - [`cosign`]: `GET /v1/audit/consistency/{node}`, witness cosignatures of checkpoints.
//! - [`me`]: `GET /v1/me/access-log` (citizens).
//! - [`oversight`]: `GET /v1/oversight/refusals[/{request_id}]`, `POST …/review`;
//!   [`oversight_page`]: the `/oversight` page; [`export`]: `GET /v1/oversight/export`.
//! - [`public`]: `/public/*`, the ranking and its methodology.
//! - [`health`]: `/healthz`, `/readyz`, `/metrics`; [`openapi`]: `/openapi.json`.
//! - [`portal`]: the public data portal — `/catalog`, `/public/catalog.json|.jsonld`,
//!   `/v1/openapi/{agency}/{dataset}.json`.
//! - [`lang`]: the language of a public page (`?lang=`, `Accept-Language`, the default).
//! - [`query`]: each list's query string as a typed filter.
//! - [`appeals`]: a refusal's justification, appeals and verdicts; [`admin`]:
//!   `/v1/admin/proposals`, catalogue changes proposed by officers and decided by oversight.
//! - [`witness`]: every read of audit data is itself recorded before it is answered.

pub mod admin;
pub mod appeals;
pub mod audit;
pub mod catalog;
pub mod checkpoint;
pub mod cosign;
pub mod editions;
pub mod export;
pub mod health;
pub mod lang;
pub mod me;
pub mod openapi;
pub mod oversight;
pub mod oversight_page;
pub mod portal;
pub mod public;
pub mod query;
pub mod scope;
pub mod sign_in;
pub mod versions;
pub mod witness;

use bytes::Bytes;
use http::header::HeaderName;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Serialize;

use super::problem::{Problem, ProblemKind};

/// The body of every response the gateway gives.
pub type Body = Full<Bytes>;

/// What a handler returns: the response, or the problem the router renders.
pub type Reply = Result<Response<Body>, Problem>;

/// `status` with `value` as `application/json`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    let mut r = with_type(
        Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
        "application/json",
    );
    *r.status_mut() = status;
    r
}

/// 200 with `body` as `content_type`.
pub fn with_type(body: impl Into<Bytes>, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// 200 with `body` as `content_type`, plus `headers` (security and caching headers of pages).
pub fn with_headers(
    body: impl Into<Bytes>,
    content_type: &'static str,
    headers: &[(HeaderName, &'static str)],
) -> Response<Body> {
    let mut r = with_type(body, content_type);
    for (name, value) in headers {
        r.headers_mut()
            .insert(name.clone(), HeaderValue::from_static(value));
    }
    r
}

/// The largest body the JSON APIs read (a review, a justification, an appeal, a cosigned note).
pub const MAX_BODY: usize = 16 * 1024;

/// The body of `req`, at most [`MAX_BODY`] bytes: a longer (or broken) one is 413, the detail
/// naming `what` ("a review body").
pub async fn read_body(req: Request<Incoming>, what: &str) -> Result<Bytes, Problem> {
    read_body_within(req, what, MAX_BODY).await
}

/// As [`read_body`], at most `max` bytes.
pub async fn read_body_within(
    req: Request<Incoming>,
    what: &str,
    max: usize,
) -> Result<Bytes, Problem> {
    match Limited::new(req.into_body(), max).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(_) => Err(Problem::new(
            ProblemKind::PayloadTooLarge,
            format!("{what} is at most {max} bytes"),
        )),
    }
}

/// The `next_before` cursor of a page: its last item's id when the page is full (`limit`
/// items), else none (there is nothing after it).
pub fn next_before<T>(page: &[T], limit: u32, id: impl Fn(&T) -> &str) -> Option<String> {
    let full = page.len() == limit as usize;
    page.last().filter(|_| full).map(|last| id(last).to_owned())
}
