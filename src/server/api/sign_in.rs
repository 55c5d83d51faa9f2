//! `/auth/…`: staff sign-in with OpenID Connect (`crate::sign_in`) over HTTP.
//!
//! - `GET /auth/login?next=/agency` redirects to the provider, binding the sign-in's `state`
//!   to this browser with a short-lived login cookie;
//! - `GET /auth/callback` (the provider's redirect) checks state, redeems the code with the
//!   PKCE verifier, checks the ID token and its nonce, opens a session and lands on `next`;
//! - `POST /auth/logout` ends the session server-side and clears the cookie;
//! - `GET /auth/session` says whether sign-in is on and who is signed in (for the pages).
//!
//! Cookies: `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` with the `__Host-` prefix when
//! the gateway is reached over TLS. The session cookie's value is an opaque random token; the
//! session and its expiry live on the server. A cookie authenticates only the read and review
//! APIs the pages use (`server::caller::consumer`), never a data request, and a state-changing
//! request made with it must come from this gateway's own origin.

use std::sync::Arc;

use http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use serde_json::json;

use super::{json, Body, Reply};
use crate::gateway::Gateway;
use crate::server::problem::{Problem, ProblemKind};
use crate::sign_in::{local_path, Callback, SignIn, SignInError};

/// The session cookie's name.
pub fn session_cookie(si: &SignIn) -> &'static str {
    if si.secure_cookies {
        "__Host-dxgate_session"
    } else {
        "dxgate_session"
    }
}

fn login_cookie(si: &SignIn) -> &'static str {
    if si.secure_cookies {
        "__Host-dxgate_login"
    } else {
        "dxgate_login"
    }
}

/// The value of cookie `name` in `headers`, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(si: &SignIn, name: &str, value: &str, max_age: u64) -> String {
    let secure = if si.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

fn configured(gw: &Gateway) -> Result<&Arc<SignIn>, Problem> {
    gw.sign_in.as_ref().ok_or_else(|| {
        Problem::not_found("staff sign-in is not configured on this gateway ([sign_in] in dxgate.toml); use an API key")
    })
}

fn query_param(req: &Request<impl Sized>, name: &str) -> Option<String> {
    form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A 303 to `location` setting `cookies`.
fn see_other(location: &str, cookies: &[String]) -> Reply {
    let mut r = Response::new(Body::default());
    *r.status_mut() = StatusCode::SEE_OTHER;
    let h = r.headers_mut();
    let bad = |_| Problem::new(ProblemKind::Internal, "unusable redirect");
    h.insert(
        header::LOCATION,
        HeaderValue::try_from(location).map_err(bad)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        let v = HeaderValue::try_from(c.as_str()).map_err(bad)?;
        h.append(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// The problem a failed sign-in is answered with.
fn problem(e: SignInError) -> Problem {
    match e {
        SignInError::Unavailable(_) => {
            tracing::warn!(error = %e, "sign-in provider unavailable");
            Problem::new(ProblemKind::SignInUnavailable, e.to_string()).with_retry_after(30)
        }
        SignInError::NotStaff(_) => Problem::forbidden(e.to_string()),
        other => {
            tracing::info!(error = %other, "sign-in refused");
            Problem::new(ProblemKind::SignInFailed, other.to_string())
        }
    }
}

/// `GET /auth/login`.
pub async fn login(gw: &Gateway, req: &Request<impl Sized>) -> Reply {
    let si = configured(gw)?;
    let next = query_param(req, "next").unwrap_or_else(|| "/oversight".into());
    if !local_path(&next) {
        return Err(Problem::new(
            ProblemKind::SignInFailed,
            "next must be a path on this gateway, such as /agency",
        ));
    }
    let (url, state) = si.start(&next).await.map_err(problem)?;
    let max_age = si.settings.login_timeout.as_secs();
    see_other(&url, &[set_cookie(si, login_cookie(si), &state, max_age)])
}

/// `GET /auth/callback`.
pub async fn callback(gw: &Gateway, req: &Request<impl Sized>) -> Reply {
    let si = configured(gw)?;
    let cb = Callback {
        code: query_param(req, "code"),
        state: query_param(req, "state"),
        iss: query_param(req, "iss"),
        error: query_param(req, "error"),
    };
    let bound = cookie(req.headers(), login_cookie(si));
    let done = si
        .finish(&gw.catalog().keys, cb, bound)
        .await
        .map_err(problem)?;
    tracing::info!(consumer = %done.consumer, "staff signed in");
    let ttl = si.settings.session_ttl.as_secs();
    see_other(
        &done.next,
        &[
            set_cookie(si, session_cookie(si), &done.token, ttl),
            set_cookie(si, login_cookie(si), "", 0),
        ],
    )
}

/// `POST /auth/logout?next=/oversight`.
pub async fn logout(gw: &Gateway, req: &Request<impl Sized>) -> Reply {
    let si = configured(gw)?;
    same_origin(si, req.headers())?;
    if let Some(token) = cookie(req.headers(), session_cookie(si)) {
        if si.sessions.close(token) {
            tracing::info!("staff signed out");
        }
    }
    let next = query_param(req, "next").filter(|n| local_path(n));
    let next = next.as_deref().unwrap_or("/oversight");
    see_other(next, &[set_cookie(si, session_cookie(si), "", 0)])
}

/// `GET /auth/session`: `{sign_in, signed_in, consumer, name, roles, agency}`.
pub async fn session(gw: &Gateway, req: &Request<impl Sized>) -> Reply {
    let who = match &gw.sign_in {
        Some(si) => cookie(req.headers(), session_cookie(si))
            .and_then(|t| si.sessions.consumer(t))
            .and_then(|id| gw.catalog().consumers.get(&id).cloned()),
        None => None,
    };
    let body = match who {
        Some(c) => json!({
            "sign_in": true, "signed_in": true, "consumer": c.id, "name": c.name,
            "roles": c.roles, "agency": c.agency.as_ref().map(|a| a.as_str()),
        }),
        None => json!({"sign_in": gw.sign_in.is_some(), "signed_in": false}),
    };
    let mut r = json(StatusCode::OK, &body);
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// A state-changing request authenticated by cookie must come from this gateway's own pages:
/// its `Origin` is the origin of `[sign_in] redirect_url`, or the browser says
/// `Sec-Fetch-Site: same-origin` (a form on a page with `Referrer-Policy: no-referrer` sends
/// `Origin: null`). Pages cannot set either header, so a cross-site form or script fails.
pub fn same_origin(si: &SignIn, headers: &HeaderMap) -> Result<(), Problem> {
    let url = &si.settings.redirect_url;
    let ours = url.strip_suffix("/auth/callback").unwrap_or(url);
    let is = |name: &str, want: &str| {
        headers
            .get(name)
            .is_some_and(|v| v.as_bytes() == want.as_bytes())
    };
    match is("origin", ours) || is("sec-fetch-site", "same-origin") {
        true => Ok(()),
        false => Err(Problem::forbidden(format!(
            "a request signed in by cookie that changes something must come from this gateway's own pages (Origin {ours})"
        ))),
    }
}

/// Whether `method` changes something (and so needs [`same_origin`]).
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
