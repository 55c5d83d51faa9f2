//! `/oversight`: the page oversight staff use to review refusals. It holds no data itself: its
//! script calls the oversight API as the staff member signed in with `[sign_in]` (the session
//! cookie) or, where sign-in is not configured, with the key typed into the page, so it shows
//! each caller exactly what the API allows their role, and nothing to anyone else.

use http::{header, Response};

use super::Body;

const PAGE: &str = include_str!("assets/oversight.html");
const SCRIPT: &str = include_str!("assets/oversight.js");
/// Only our own script, only our own API; no frames, no form posts elsewhere.
const CSP: &str =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; \
    img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /oversight`.
pub fn page() -> Response<Body> {
    respond(PAGE, "text/html; charset=utf-8")
}

/// `GET /oversight/app.js`.
pub fn script() -> Response<Body> {
    respond(SCRIPT, "text/javascript; charset=utf-8")
}

fn respond(body: &'static str, content_type: &'static str) -> Response<Body> {
    super::with_headers(
        body.as_bytes(),
        content_type,
        &[
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
    )
}
