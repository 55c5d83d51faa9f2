//! `/public/ranking.json`, `/public/ranking.csv`, `/public/ranking` and `/public/methodology`:
//! aggregates only — no consumer ids, no request ids, no payloads. `?window=30d` picks the
//! window (default: `[ranking] window`). The two pages are in Vietnamese or English
//! (`?lang=`, `Accept-Language`, `[portal] language`: see [`super::lang`]); JSON and CSV carry
//! codes and are the same in every language.

use std::sync::LazyLock;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};

use super::{lang, query, Body, Reply};
use crate::gateway::Gateway;
use crate::i18n::{self, Lang};
use crate::ranking::render::{self, Locale};

/// The methodology these numbers follow, as published (English, the reference text).
pub const METHODOLOGY_MD: &str = include_str!("../../../docs/methodology.md");
/// Its Vietnamese text.
pub const METHODOLOGY_VI_MD: &str = include_str!("../../../docs/methodology.vi.md");
static METHODOLOGY_HTML: LazyLock<[String; 2]> = LazyLock::new(|| {
    let page = |lang: Lang, md| {
        let switch = format!("/public/methodology?lang={}", lang.other().tag());
        render::methodology_page(
            md,
            Locale {
                lang,
                switch: &switch,
            },
        )
    };
    [
        page(Lang::Vi, METHODOLOGY_VI_MD),
        page(Lang::En, METHODOLOGY_MD),
    ]
});

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

/// `GET /public/methodology[?lang=vi|en]`.
pub fn methodology<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let lang = lang::language(gw, req)?;
    let [vi, en] = &*METHODOLOGY_HTML;
    let text = match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    let mut r = respond(Bytes::from(text.as_bytes()), "text/html; charset=utf-8");
    lang::mark(&mut r, lang);
    Ok(r)
}

/// `GET /public/ranking[.json|.csv][?window=30d][&lang=vi|en]`.
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
        Format::Html => {
            let lang = lang::language(gw, req)?;
            let uri = req.uri();
            let switch = i18n::switch_href(uri.path(), uri.query(), lang.other());
            let page = render::html(
                &ranking,
                Locale {
                    lang,
                    switch: &switch,
                },
            );
            let mut r = respond(Bytes::from(page), "text/html; charset=utf-8");
            lang::mark(&mut r, lang);
            r
        }
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

/// A public answer: cacheable for a minute, no scripts, readable from any origin.
pub(super) fn respond(body: Bytes, content_type: &'static str) -> Response<Body> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranking::indicators::METHODOLOGY_VERSION;

    /// Headings (by level) and table rows: what a translation must keep.
    fn shape(md: &str) -> Vec<String> {
        md.lines()
            .filter_map(|l| {
                let hashes = l.chars().take_while(|c| *c == '#').count();
                (hashes > 0)
                    .then(|| "#".repeat(hashes))
                    .or_else(|| l.starts_with('|').then(|| "|".into()))
            })
            .collect()
    }

    #[test]
    fn the_vietnamese_methodology_keeps_pace_with_the_english_one() {
        let v = METHODOLOGY_VERSION;
        assert_eq!(
            METHODOLOGY_MD.lines().next(),
            Some(format!("# Readiness ranking: Methodology v{v}").as_str())
        );
        assert_eq!(
            METHODOLOGY_VI_MD.lines().next(),
            Some(format!("# Xếp hạng mức độ sẵn sàng: Phương pháp phiên bản {v}").as_str())
        );
        assert_eq!(shape(METHODOLOGY_VI_MD), shape(METHODOLOGY_MD));
    }
}
