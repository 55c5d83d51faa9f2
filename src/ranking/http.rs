//! `/public/ranking.json`, `/public/ranking.csv`, `/public/ranking` and `/public/methodology`:
//! aggregates only — no consumer ids, no request ids, no payloads. `?window=30d` picks the
//! window (default: `[ranking] window`).

use std::sync::LazyLock;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use super::{parse_window, render};
use crate::gateway::Gateway;
use crate::server::problem::{Problem, ProblemKind};

/// The methodology these numbers follow, as published.
pub const METHODOLOGY_MD: &str = include_str!("../../docs/methodology.md");
static METHODOLOGY_HTML: LazyLock<String> =
    LazyLock::new(|| render::methodology_page(METHODOLOGY_MD));

/// Same-origin only, no scripts at all.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Serve `/public/{file}`.
pub async fn handle(gw: &Gateway, req: &Request<Incoming>, file: &str) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Problem::new(
            ProblemKind::MethodNotAllowed,
            format!("{} is not allowed here; use GET", req.method()),
        )
        .with_header(header::ALLOW, "GET, HEAD")
        .render(None);
    }
    if file == "methodology" {
        return respond(
            Bytes::from(METHODOLOGY_HTML.as_bytes()),
            "text/html; charset=utf-8",
        );
    }
    if !matches!(file, "ranking" | "ranking.json" | "ranking.csv") {
        return Problem::new(
            ProblemKind::NotFound,
            "public pages: /public/ranking, /public/ranking.json, /public/ranking.csv, /public/methodology",
        )
        .render(None);
    }
    let mut days = gw.ranking.default_days();
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "window" => match parse_window(&v) {
                Ok(d) => days = d,
                Err(e) => {
                    return Problem::new(ProblemKind::InvalidRequest, e.to_string()).render(None)
                }
            },
            other => {
                let other: String = other.chars().take(64).collect();
                return Problem::new(
                    ProblemKind::InvalidRequest,
                    format!("query parameter {other:?}: only `window` (e.g. 30d) is accepted"),
                )
                .render(None);
            }
        }
    }
    let ranking = match gw.ranking.current(days).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "ranking could not be computed");
            return Problem::new(
                ProblemKind::AuditUnavailable,
                "the ranking cannot be computed right now; try again shortly",
            )
            .render(None);
        }
    };
    match file {
        "ranking.json" => respond(Bytes::from(render::json(&ranking)), "application/json"),
        "ranking.csv" => {
            let mut r = respond(
                Bytes::from(render::csv(&ranking)),
                "text/csv; charset=utf-8",
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"ranking.csv\""),
            );
            r
        }
        _ => respond(
            Bytes::from(render::html(&ranking)),
            "text/html; charset=utf-8",
        ),
    }
}

fn respond(body: Bytes, content_type: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}
