//! Who is calling, for every API: one authentication path — API key, eID token or client
//! certificate, through [`Authenticator`](crate::identity::Authenticator) — whose every failure
//! is answered 401 `unauthenticated` and counted in the `auth_failures` security event.
//!
//! The APIs differ only in whom they serve: [`data_consumer`] (the data path: a citizen's token
//! is 401, as it is not a consumer's credential), [`consumer`] (the read APIs: a citizen is sent
//! to its access log with 403) and [`citizen`] (the access log: a consumer is 403).

use std::sync::Arc;

use http::{header, Request};

use super::problem::{Problem, ProblemKind};
use crate::config::Catalog;
use crate::gateway::Gateway;
use crate::identity::{AuthError, Caller, Consumer, PeerCert};
use crate::security::SecurityEvents;

/// Identify the caller of `req` with `catalog`'s credentials, once its client is within the
/// per-client limit (429 otherwise). "No" is 401 with `WWW-Authenticate`, counted as an
/// `auth_failures` event.
pub async fn authenticate<B>(
    gw: &Gateway,
    catalog: &Catalog,
    req: &Request<B>,
) -> Result<Caller, Problem> {
    super::pipeline::protect::client_rate_phase(gw, req)?;
    let cert = req.extensions().get::<Arc<PeerCert>>().map(Arc::as_ref);
    gw.auth
        .authenticate(&catalog.keys, req.headers(), cert)
        .await
        .inspect(|caller| {
            if let Caller::Consumer { consumer } = caller {
                super::manners::note_consumer(consumer);
            }
        })
        .map_err(|e| {
            SecurityEvents::bump(&gw.security.auth_failures);
            unauthenticated(&e.to_string(), matches!(e, AuthError::InvalidToken(_)))
        })
}

/// The consumer making a data request. A citizen's eID token is not a consumer's credential:
/// 401, counted like any other failed authentication.
pub async fn data_consumer<B>(
    gw: &Gateway,
    catalog: &Catalog,
    req: &Request<B>,
) -> Result<Arc<Consumer>, Problem> {
    match authenticate(gw, catalog, req).await? {
        Caller::Consumer { consumer } => Ok(consumer),
        Caller::Citizen { .. } => {
            SecurityEvents::bump(&gw.security.auth_failures);
            Err(unauthenticated(
                "this eID token identifies a citizen, not a registered consumer: citizens can see who accessed their records at GET /v1/me/access-log",
                false,
            ))
        }
    }
}

/// The consumer calling a read API (catalogue, audit records, checkpoints' proofs, oversight).
/// A citizen's eID token is 403, and the answer names what citizens can use instead
/// (`for_whom` says what this API is for).
pub async fn consumer<B>(
    gw: &Gateway,
    req: &Request<B>,
    for_whom: &str,
) -> Result<Arc<Consumer>, Problem> {
    if let Some(consumer) = signed_in(gw, req)? {
        return Ok(consumer);
    }
    match authenticate(gw, &gw.catalog(), req).await? {
        Caller::Consumer { consumer } => Ok(consumer),
        Caller::Citizen { .. } => Err(Problem::forbidden(format!(
            "{for_whom}; citizens see who accessed their records at GET /v1/me/access-log"
        ))),
    }
}

/// The staff member signed in by session cookie (`[sign_in]`), when the request carries no
/// `Authorization` header and no client certificate: the consumer of the session as the
/// catalogue in force declares it. An unknown or expired session is 401; a state-changing
/// request must come from this gateway's own origin (403 otherwise).
fn signed_in<B>(gw: &Gateway, req: &Request<B>) -> Result<Option<Arc<Consumer>>, Problem> {
    use super::api::sign_in::{changes_state, cookie, same_origin, session_cookie};
    let Some(si) = &gw.sign_in else {
        return Ok(None);
    };
    let has_cert = req.extensions().get::<Arc<PeerCert>>().is_some();
    if req.headers().contains_key(header::AUTHORIZATION) || has_cert {
        return Ok(None);
    }
    let Some(token) = cookie(req.headers(), session_cookie(si)) else {
        return Ok(None);
    };
    let consumer = si
        .sessions
        .consumer(token)
        .and_then(|id| gw.catalog().consumers.get(&id).cloned());
    let Some(consumer) = consumer else {
        SecurityEvents::bump(&gw.security.auth_failures);
        return Err(unauthenticated(
            "your session has ended or is unknown; sign in again at /auth/login",
            false,
        ));
    };
    if changes_state(req.method()) {
        same_origin(si, req.headers())?;
    }
    super::manners::note_consumer(&consumer);
    Ok(Some(consumer))
}

/// The citizen reading its own access log: its identifier comes only from the verified eID
/// token. A consumer's credential is 403 and is sent to its own audit records.
pub async fn citizen<B>(gw: &Gateway, req: &Request<B>) -> Result<String, Problem> {
    match authenticate(gw, &gw.catalog(), req).await? {
        Caller::Citizen { id } => Ok(id),
        Caller::Consumer { .. } => Err(Problem::forbidden(
            "the access log is for citizens signed in with their eID token; consumers see their own requests at GET /v1/audit/records",
        )),
    }
}

/// 401 with `WWW-Authenticate` (RFC 6750 `invalid_token` when a bearer token was rejected).
pub fn unauthenticated(detail: &str, invalid_token: bool) -> Problem {
    let challenge = if invalid_token {
        "Bearer error=\"invalid_token\""
    } else {
        "Bearer"
    };
    Problem::new(ProblemKind::Unauthenticated, detail)
        .with_header(header::WWW_AUTHENTICATE, challenge)
}
