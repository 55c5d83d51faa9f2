//! The language of a public page (`/catalog`, `/public/ranking`, `/public/methodology`):
//! one negotiation for all of them ([`crate::i18n::negotiate`]) and the headers that say
//! which language was served and that the answer depends on `Accept-Language`.

use http::{header, HeaderValue, Request, Response};

use super::{query, Body};
use crate::gateway::Gateway;
use crate::i18n::{self, Lang};
use crate::server::problem::Problem;

/// `?lang=` (a language the pages are not written in: 400 invalid-request), else
/// `Accept-Language`, else `[portal] language`.
pub fn language<B>(gw: &Gateway, req: &Request<B>) -> Result<Lang, Problem> {
    let asked = query::lang(req.uri().query())?;
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Ok(i18n::negotiate(asked, accept, gw.settings.portal.language))
}

/// `Content-Language: lang` and `Vary: Accept-Language` on `r` (so a cache keeps one copy per
/// language; the `ETag`, a digest of the body, differs per language too).
pub fn mark(r: &mut Response<Body>, lang: Lang) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    h.append(header::VARY, HeaderValue::from_static("Accept-Language"));
}
