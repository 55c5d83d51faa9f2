//! `/public/ranking.json`, `/public/ranking.csv`, `/public/ranking` and `/public/methodology`:
//! aggregates only — no consumer ids, no request ids, no payloads. `?window=30d` picks the
//! window (default: `[ranking] window`).

use std::sync::LazyLock;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};

use super::{query, Body, Reply};
use crate::gateway::Gateway;
use crate::ranking::render;

/// The methodology these numbers follow, as published.
pub const METHODOLOGY_MD: &str = include_str!("../../../docs/methodology.md");
static METHODOLOGY_HTML: LazyLock<String> =
    LazyLock::new(|| render::methodology_page(METHODOLOGY_MD));

/// Same-origin only, no scripts at all.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How the ranking is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `/public/ranking`: the HTML page.
    Html,
    /// `/public/ranking.json`.
    Json,
    /// `/public/ranking.csv`.
    Csv,
}

/// `GET /public/methodology`.
pub fn methodology() -> Response<Body> {
    respond(
        Bytes::from(METHODOLOGY_HTML.as_bytes()),
        "text/html; charset=utf-8",
    )
}

/// `GET /public/ranking[.json|.csv][?window=30d]`.
pub async fn ranking<B>(gw: &Gateway, req: &Request<B>, format: Format) -> Reply {
    let days = query::ranking(req.uri().query())?.unwrap_or_else(|| gw.ranking.default_days());
    let ranking = gw.ranking.current(days).await?;
    Ok(match format {
        Format::Json => respond(Bytes::from(render::json(&ranking)), "application/json"),
        Format::Csv => {
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
        Format::Html => respond(
            Bytes::from(render::html(&ranking)),
            "text/html; charset=utf-8",
        ),
    })
}

/// `GET /public/monitoring/daily.json|.csv?date=YYYY-MM-DD`: the daily monitoring report
/// (default: today in `[ranking] timezone`).
pub async fn monitoring_daily<B>(gw: &Gateway, req: &Request<B>, format: Format) -> Reply {
    let date = query::report_date(req.uri().query())?;
    let report = gw.ranking.daily(date).await?;
    Ok(match format {
        Format::Csv => {
            let mut r = respond(
                Bytes::from(crate::ranking::daily::csv(&report)),
                "text/csv; charset=utf-8",
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"daily.csv\""),
            );
            r
        }
        Format::Json | Format::Html => respond(
            Bytes::from(crate::ranking::daily::json(&report)),
            "application/json",
        ),
    })
}

fn respond(body: Bytes, content_type: &'static str) -> Response<Body> {
    super::with_headers(
        body,
        content_type,
        &[
            (header::CACHE_CONTROL, "public, max-age=60"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
    )
}
