//! `/oversight`: the page oversight staff use to review refusals. It holds no data itself: its
//! script calls the oversight API with the key typed into the page, so it shows each caller
//! exactly what the API allows their role, and nothing to anyone without a key.

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::server::problem::{Problem, ProblemKind};

const PAGE: &str = include_str!("assets/oversight.html");
const SCRIPT: &str = include_str!("assets/oversight.js");
/// Only our own script, only our own API; no frames, no form posts elsewhere.
const CSP: &str =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Serve `/oversight` and `/oversight/app.js`; `rest` is the path after `/oversight`.
pub fn handle(req: &Request<Incoming>, rest: &str) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Problem::new(ProblemKind::MethodNotAllowed, "use GET")
            .with_header(header::ALLOW, "GET, HEAD")
            .render(None);
    }
    match rest {
        "" | "/" => respond(PAGE, "text/html; charset=utf-8"),
        "/app.js" => respond(SCRIPT, "text/javascript; charset=utf-8"),
        _ => {
            Problem::new(ProblemKind::NotFound, "the oversight page is at /oversight").render(None)
        }
    }
}

fn respond(body: &'static str, content_type: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}
