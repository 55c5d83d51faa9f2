//! `GET /openapi.json`: the OpenAPI 3.1 description of every dxgate endpoint (public).
//!
//! The document lives in `openapi/dxgate.json` and is compiled into the binary, so what is
//! served is always the document of this build; a test checks it lists every route.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::Full;

/// The OpenAPI document, as served.
pub const DOCUMENT: &str = include_str!("../../openapi/dxgate.json");

/// Answer `GET /openapi.json`.
pub fn handle() -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(DOCUMENT.as_bytes())));
    *r.status_mut() = StatusCode::OK;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
