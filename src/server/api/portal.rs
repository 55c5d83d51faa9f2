//! The public data portal over HTTP (no key needed): `GET /catalog` (HTML),
//! `GET /public/catalog.json`, `GET /public/catalog.jsonld` (DCAT) and
//! `GET /v1/openapi/{agency}/{dataset}.json`. What they show is built by `crate::portal`.

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};

use super::{Body, Reply};
use crate::gateway::Gateway;
use crate::i18n::{self, Lang};
use crate::portal;
use crate::server::problem::Problem;

/// No scripts; the search form submits to the page itself.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The `q` search parameter, trimmed; empty means everything.
fn search<B>(req: &Request<B>) -> String {
    form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().chars().take(200).collect())
        .unwrap_or_default()
}

/// The language of a public page for `req` (`?lang=`, `Accept-Language`, `[portal] language`).
pub fn language<B>(gw: &Gateway, req: &Request<B>) -> Lang {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let q = i18n::query_lang(req.uri().query());
    i18n::negotiate(q.as_deref(), accept, gw.settings.portal.language)
}

/// `GET /catalog[?q=…][&lang=vi|en]`.
pub fn page<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let lang = language(gw, req);
    let q = search(req);
    let all = portal::entries(&gw.catalog());
    let total = all.len();
    let shown: Vec<_> = all
        .into_iter()
        .filter(|e| q.is_empty() || portal::matches(e, &q))
        .collect();
    let mut r = public(
        portal::page::render(&shown, total, &q, lang),
        "text/html; charset=utf-8",
    );
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    Ok(r)
}

/// `GET /public/catalog.json[?q=…]`.
pub fn json<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let q = search(req);
    let q = (!q.is_empty()).then_some(q.as_str());
    Ok(public(portal::json(&gw.catalog(), q), "application/json"))
}

/// `GET /public/catalog.jsonld`.
pub fn jsonld(gw: &Gateway) -> Reply {
    let doc = portal::dcat::document(&portal::entries(&gw.catalog()));
    Ok(public(
        serde_json::to_vec(&doc).unwrap_or_default(),
        "application/ld+json",
    ))
}

/// `GET /v1/openapi/{agency}/{dataset}.json` (`dataset` without its `.json`).
pub fn openapi(gw: &Gateway, agency: &str, dataset: &str) -> Reply {
    let catalog = gw.catalog();
    let found = catalog
        .agencies
        .get(agency)
        .and_then(|a| Some((a, a.datasets.get(dataset)?)));
    let Some((a, d)) = found else {
        return Err(Problem::not_found(
            "no such dataset; the datasets are listed at /catalog and /public/catalog.json",
        ));
    };
    let doc = portal::openapi::document(&a.name, d);
    Ok(public(
        serde_json::to_vec_pretty(&doc).unwrap_or_default(),
        "application/json",
    ))
}

fn public(body: impl Into<Bytes>, content_type: &'static str) -> Response<Body> {
    super::with_headers(
        body,
        content_type,
        &[
            (header::CACHE_CONTROL, "public, max-age=60"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
    )
}
