//! HTTP manners a web developer expects, applied around every handler by the router: CORS
//! (preflight `OPTIONS` answered, not 405), `br`/`gzip` compression, and `ETag` /
//! `If-None-Match` → 304.
//!
//! - **Public** routes (ranking, methodology, schemas, OpenAPI documents, the portal) are open
//!   to any origin: `Access-Control-Allow-Origin: *`, no credentials.
//! - **Consumer** routes (data, catalogue, audit, oversight, access log) allow an origin only
//!   when the consumer who made *this* request lists it in its `cors_origins`
//!   (`policies/consumers.toml`); a preflight carries no credentials, so it is allowed when
//!   any consumer lists the origin, and the real request is then checked against its consumer.
//! - **Cacheable** routes (public, catalogue and schema bodies) get a strong `ETag` (SHA-256 of
//!   the uncompressed body; `-br`/`-gzip` suffixed when compressed), a 304 when
//!   `If-None-Match` names it, and a compressed body when `Accept-Encoding` asks for one.

use std::cell::RefCell;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use sha2::{Digest, Sha256};

use super::api::Body;
use crate::config::Catalog;
use crate::identity::Consumer;

/// Who may read a route's answers from another origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cors {
    /// Any origin (public information).
    Any,
    /// Origins the calling consumer lists in `cors_origins`.
    PerConsumer,
    /// Same origin only (pages with their own scripts, operator endpoints).
    None,
}

/// How the router treats one route's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manners {
    pub cors: Cors,
    /// `ETag`, 304 and compression.
    pub cacheable: bool,
}

/// Request headers a consumer's web app may send (the preflight's allow list).
const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Data-Purpose, If-None-Match, Accept-Language";
/// Response headers a web app may read besides the safelisted ones.
const EXPOSE_HEADERS: &str = "Request-Id, ETag, Retry-After, WWW-Authenticate, Content-Disposition";
/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 512;

tokio::task_local! {
    /// The consumer the current request authenticated as (set by `server::caller`).
    static CALLER: RefCell<Option<Arc<Consumer>>>;
}

/// Remember who the current request authenticated as, so its CORS answer can use the
/// consumer's origins. Outside [`scoped`] it does nothing.
pub fn note_consumer(consumer: &Arc<Consumer>) {
    let _ = CALLER.try_with(|c| *c.borrow_mut() = Some(consumer.clone()));
}

/// What the request asked for that the answer's manners depend on.
#[derive(Debug)]
pub struct Asked {
    method: Method,
    origin: Option<HeaderValue>,
    accept_encoding: Option<String>,
    if_none_match: Option<String>,
}

impl Asked {
    pub fn of<B>(req: &Request<B>) -> Asked {
        let text = |h: header::HeaderName| {
            req.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Asked {
            method: req.method().clone(),
            origin: req.headers().get(header::ORIGIN).cloned(),
            accept_encoding: text(header::ACCEPT_ENCODING),
            if_none_match: text(header::IF_NONE_MATCH),
        }
    }
}

/// Run `handler` remembering the consumer it authenticates (see [`note_consumer`]).
pub async fn scoped<F>(handler: F) -> (Response<Body>, Option<Arc<Consumer>>)
where
    F: std::future::Future<Output = Response<Body>>,
{
    CALLER
        .scope(RefCell::new(None), async move {
            let r = handler.await;
            (r, CALLER.with(|c| c.borrow_mut().take()))
        })
        .await
}

/// The answer to an `OPTIONS` request on a known route: 204 with `Allow`, and for a CORS
/// preflight the `Access-Control-*` headers when the origin may call the route.
pub fn preflight<B>(
    catalog: &Catalog,
    req: &Request<B>,
    manners: Manners,
    allow: &str,
) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    h.insert(header::ALLOW, value(&format!("{allow}, OPTIONS")));
    let origin = req.headers().get(header::ORIGIN);
    let asks = req
        .headers()
        .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let Some(origin) = origin.filter(|_| asks) else {
        return r;
    };
    let allowed = match manners.cors {
        Cors::Any => Some(HeaderValue::from_static("*")),
        Cors::PerConsumer => {
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
            let o = origin.to_str().unwrap_or_default();
            catalog
                .consumers
                .values()
                .any(|c| c.cors_origins.iter().any(|x| x == o))
                .then(|| origin.clone())
        }
        Cors::None => None,
    };
    if let Some(allowed) = allowed {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value(allow));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    r
}

/// Add CORS headers, then (cacheable routes) `ETag`, 304 and compression to `r`.
pub async fn finish(
    asked: Asked,
    manners: Manners,
    caller: Option<Arc<Consumer>>,
    r: Response<Body>,
) -> Response<Body> {
    let mut r = r;
    cors(&asked, manners.cors, caller.as_deref(), r.headers_mut());
    let readable = asked.method == Method::GET || asked.method == Method::HEAD;
    if !manners.cacheable || !readable || r.status() != StatusCode::OK {
        return r;
    }
    let (mut parts, body) = r.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(never) => match never {},
    };
    let tag = hex::encode(&Sha256::digest(&body)[..16]);
    append_vary(&mut parts.headers, "Accept-Encoding");
    if asked
        .if_none_match
        .as_deref()
        .is_some_and(|inm| matches(inm, &tag))
    {
        parts.status = StatusCode::NOT_MODIFIED;
        parts
            .headers
            .insert(header::ETAG, value(&format!("\"{tag}\"")));
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Full::new(Bytes::new()));
    }
    let coding = (body.len() >= MIN_COMPRESS)
        .then(|| negotiate(asked.accept_encoding.as_deref().unwrap_or("")))
        .flatten();
    let (body, etag) = match coding.and_then(|c| compress(c, &body).map(|b| (c, b))) {
        Some((c, packed)) => {
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
            (packed, format!("\"{tag}-{c}\""))
        }
        None => (body, format!("\"{tag}\"")),
    };
    parts.headers.insert(header::ETAG, value(&etag));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Full::new(body))
}

/// The CORS headers of an actual (non-preflight) answer.
fn cors(asked: &Asked, cors: Cors, caller: Option<&Consumer>, h: &mut HeaderMap) {
    match cors {
        Cors::Any => {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
        Cors::PerConsumer => {
            append_vary(h, "Origin");
            let Some(origin) = &asked.origin else { return };
            let o = origin.to_str().unwrap_or_default();
            if !caller.is_some_and(|c| c.cors_origins.iter().any(|x| x == o)) {
                return;
            }
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
        Cors::None => return,
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
}

/// Whether an `If-None-Match` list names `tag` (weak comparison, any content coding).
fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|t| {
        if t == "*" {
            return true;
        }
        let t = t.strip_prefix("W/").unwrap_or(t).trim_matches('"');
        let base = t
            .strip_suffix("-br")
            .or_else(|| t.strip_suffix("-gzip"))
            .unwrap_or(t);
        base == tag
    })
}

/// The coding to use for `accept_encoding`: the highest `q`, `br` before `gzip` on a tie.
fn negotiate(accept_encoding: &str) -> Option<&'static str> {
    let mut best: Option<(&'static str, f32)> = None;
    for (name, q) in crate::i18n::accept_items(accept_encoding) {
        let name = name.trim().to_ascii_lowercase();
        let coding = match name.as_str() {
            "br" => "br",
            "gzip" | "x-gzip" => "gzip",
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((c, bq)) => q > bq || (q == bq && coding == "br" && c != "br"),
        };
        if q > 0.0 && better {
            best = Some((coding, q));
        }
    }
    best.map(|(c, _)| c)
}

/// `body` encoded with `coding` (`None` if the encoder fails, then it goes out as is).
fn compress(coding: &str, body: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 3);
    match coding {
        "br" => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 5,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
        }
        _ => {
            let mut enc = flate2::write::GzEncoder::new(&mut out, flate2::Compression::default());
            enc.write_all(body).ok()?;
            enc.finish().ok()?;
        }
    }
    Some(Bytes::from(out))
}

fn append_vary(h: &mut HeaderMap, what: &'static str) {
    let present = h
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|x| x.trim().eq_ignore_ascii_case(what)));
    if !present {
        h.append(header::VARY, HeaderValue::from_static(what));
    }
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_takes_the_highest_q_and_br_on_a_tie() {
        assert_eq!(negotiate("gzip, deflate, br"), Some("br"));
        assert_eq!(negotiate("gzip;q=1, br;q=0.5"), Some("gzip"));
        assert_eq!(negotiate("br;q=0, gzip"), Some("gzip"));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn if_none_match_compares_weakly_across_codings() {
        assert!(matches("\"abc\"", "abc"));
        assert!(matches("W/\"abc-br\"", "abc"));
        assert!(matches("\"x\", \"abc-gzip\"", "abc"));
        assert!(matches("*", "abc"));
        assert!(!matches("\"abd\"", "abc"));
    }
}
