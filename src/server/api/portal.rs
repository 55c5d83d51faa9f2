//! The public data portal over HTTP (no key needed): `GET /catalog` (HTML),
//! `GET /public/catalog.json`, `GET /public/catalog.jsonld` (DCAT) and
//! `GET /v1/openapi/{agency}/{dataset}.json`. What they show is built by `crate::portal`.

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};

use super::{Body, Reply};
use crate::gateway::Gateway;
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

/// `GET /catalog[?q=…][&lang=vi|en]`.
pub fn page<B>(gw: &Gateway, req: &Request<B>) -> Reply {
    let lang = super::lang::language(gw, req)?;
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
    super::lang::mark(&mut r, lang);
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
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
