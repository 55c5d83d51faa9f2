//! `/public/ranking/editions` (the list) and `/public/ranking/editions/{YYYY-MM-DD}` with
//! `.json` (the signed edition file `dxgate ranking verify-edition` checks), `.csv` and the
//! HTML page (Vietnamese or English, see [`super::lang`]). An edition never changes, so its
//! files may be cached for a long time. A date not written `YYYY-MM-DD` is 400
//! `invalid-request`; a date with no edition, 404 `not-found`.

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};
use serde_json::json;

use super::public::Format;
use super::{lang, Body, Reply};
use crate::gateway::Gateway;
use crate::i18n;
use crate::ranking::edition::store::{self as editions, Stored};
use crate::ranking::render::{self, EditionPage, Locale};
use crate::server::problem::{Problem, ProblemKind};

/// Where an edition of `date` is published.
fn href(date: &str, ext: &str) -> String {
    format!("/public/ranking/editions/{date}{ext}")
}

/// `GET /public/ranking/editions`: every edition, newest first.
pub async fn list(gw: &Gateway) -> Reply {
    let all = editions::list(gw.ranking.store()).await?;
    let items: Vec<_> = all
        .iter()
        .map(|e| {
            let d = e.date.to_string();
            json!({
                "date": d,
                "timezone": e.timezone,
                "methodology": e.methodology,
                "sha256": e.sha256,
                "window_days": e.window_days,
                "frozen_ms": e.frozen_ms,
                "links": {
                    "html": href(&d, ""),
                    "json": href(&d, ".json"),
                    "csv": href(&d, ".csv"),
                },
            })
        })
        .collect();
    let body = json!({
        "verifier_key": gw.verifier_key,
        "verify": "dxgate ranking verify-edition FILE --key VERIFIER_KEY",
        "editions": items,
    });
    let mut text = serde_json::to_vec_pretty(&body).unwrap_or_default();
    text.push(b'\n');
    Ok(super::public::respond(
        Bytes::from(text),
        "application/json",
    ))
}

/// `GET /public/ranking/editions/{date}[.json|.csv][?lang=vi|en]`.
pub async fn get<B>(gw: &Gateway, req: &Request<B>, date: &str, format: Format) -> Reply {
    let day = crate::calendar::parse_date(date).map_err(|_| {
        Problem::new(
            ProblemKind::InvalidRequest,
            format!(
                "edition date {:?}: write a date that exists as YYYY-MM-DD, e.g. /public/ranking/editions/2026-12-03",
                date.chars().take(40).collect::<String>()
            ),
        )
    })?;
    let store = gw.ranking.store();
    let Some(Stored { edition, csv, .. }) = editions::get(store, day).await? else {
        return Err(Problem::not_found(format!(
            "no edition of {day}: a day's edition is frozen once the day is over in {}; the list is /public/ranking/editions",
            gw.ranking.settings.timezone.name()
        )));
    };
    let frozen = |body: String, content_type, ext: &str| {
        let mut r = super::public::respond(Bytes::from(body), content_type);
        let h = r.headers_mut();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400, immutable"),
        );
        let name = format!("inline; filename=\"ranking-edition-{day}{ext}\"");
        if let Ok(v) = HeaderValue::from_str(&name) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        r
    };
    Ok(match format {
        Format::Json => frozen(edition.file(), "application/json", ".json"),
        Format::Csv => frozen(csv, "text/csv; charset=utf-8", ".csv"),
        Format::Html => {
            let lang = lang::language(gw, req)?;
            let uri = req.uri();
            let switch = i18n::switch_href(uri.path(), uri.query(), lang.other());
            let trend = editions::trend(store, day).await?;
            let dates: Vec<String> = (editions::list(store).await?.iter())
                .map(|e| e.date.to_string())
                .collect();
            let page = EditionPage {
                facts: &edition.facts,
                body: &edition.body,
                trend: &trend,
                editions: &dates,
                verifier_key: gw.verifier_key.as_deref(),
            };
            let text = render::edition_html(
                &page,
                Locale {
                    lang,
                    switch: &switch,
                },
            )
            .ok_or_else(|| {
                crate::ranking::RankingError::Corrupt(format!("edition {day}: not a ranking"))
            })?;
            let mut r: Response<Body> =
                super::public::respond(Bytes::from(text), "text/html; charset=utf-8");
            lang::mark(&mut r, lang);
            r
        }
    })
}
