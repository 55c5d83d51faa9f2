//! `GET /openapi.json`: the OpenAPI 3.1 description of every dxgate endpoint (public).
//!
//! The document lives in `openapi/dxgate.json` and is compiled into the binary, so what is
//! served is always the document of this build; a router test checks that its paths and methods
//! are the route table's.

use bytes::Bytes;
use http::Response;

use super::Body;

/// The OpenAPI document, as served.
pub const DOCUMENT: &str = include_str!("../../../openapi/dxgate.json");

/// Answer `GET /openapi.json`.
pub fn handle() -> Response<Body> {
    super::with_type(Bytes::from_static(DOCUMENT.as_bytes()), "application/json")
}
