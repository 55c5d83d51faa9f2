//! Who is calling a read API (catalogue, audit records, oversight): one consumer credential —
//! API key, eID token or client certificate — checked the same way everywhere.

use std::sync::Arc;

use http::Request;
use hyper::body::Incoming;

use super::pipeline::protect::unauthenticated;
use super::problem::{Problem, ProblemKind};
use crate::gateway::Gateway;
use crate::identity::{AuthError, Caller, Consumer, PeerCert};

/// The consumer behind `req`. "No" is 401 (no or bad credentials) or 403 for a citizen's eID
/// token, whose answer names what citizens can use instead (`for_whom` says what this API is).
pub async fn consumer(
    gw: &Gateway,
    req: &Request<Incoming>,
    for_whom: &str,
) -> Result<Arc<Consumer>, Problem> {
    let cert = req.extensions().get::<Arc<PeerCert>>().map(AsRef::as_ref);
    match gw
        .auth
        .authenticate(&gw.catalog().keys, req.headers(), cert)
        .await
    {
        Ok(Caller::Consumer { consumer, .. }) => Ok(consumer),
        Ok(Caller::Citizen { .. }) => Err(Problem::new(
            ProblemKind::Forbidden,
            format!("{for_whom}; citizens see who accessed their records at GET /v1/me/access-log"),
        )),
        Err(e) => Err(unauthenticated(
            &e.to_string(),
            matches!(e, AuthError::InvalidToken(_)),
        )),
    }
}
