//! HTTP sources: a pooled hyper-util client (plain or TLS, see [`super::tls`]), a timeout and a
//! concurrency cap per source.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use serde_json::Value;
use tokio::sync::Semaphore;

use super::{HttpSpec, SourceError, SourceReply, SourceRequest};
use crate::policy::Text;

pub use super::tls::UpstreamClient;

/// One agency HTTP API.
#[derive(Debug)]
pub struct HttpSource {
    base: String,
    client: UpstreamClient,
    permits: Arc<Semaphore>,
    timeout: Duration,
    max_response_bytes: usize,
}

/// The source URL is not an absolute `http://` or `https://` URL.
#[derive(Debug, thiserror::Error)]
#[error("source url must be an absolute http:// or https:// URL without a query string: {0}")]
pub struct BadUrl(pub String);

impl HttpSource {
    pub fn new(spec: &HttpSpec, client: UpstreamClient) -> Result<Self, BadUrl> {
        check_url(&spec.url)?;
        Ok(HttpSource {
            base: spec.url.clone(),
            client,
            permits: Arc::new(Semaphore::new(spec.max_concurrency.max(1))),
            timeout: spec.timeout,
            max_response_bytes: spec.max_response_bytes,
        })
    }

    pub async fn fetch(&self, req: &SourceRequest<'_>) -> Result<SourceReply, SourceError> {
        match tokio::time::timeout(self.timeout, self.exchange(req)).await {
            Ok(r) => r,
            Err(_) => Err(SourceError::Timeout(self.timeout)),
        }
    }

    async fn exchange(&self, req: &SourceRequest<'_>) -> Result<SourceReply, SourceError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| SourceError::Unreachable("source closed".into()))?;
        // The source gets the validated parameters in canonical form, never the consumer's
        // raw bytes (no smuggled duplicates, encodings or whitespace reach the agency).
        let (method, uri, body) = match req.body {
            Some(_) => (
                Method::POST,
                self.base.clone(),
                Bytes::from(serde_json::to_vec(req.params).unwrap_or_default()),
            ),
            None => match crate::validate::json_to_query(req.params) {
                q if q.is_empty() => (Method::GET, self.base.clone(), Bytes::new()),
                q => (Method::GET, format!("{}?{q}", self.base), Bytes::new()),
            },
        };
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::ACCEPT, "application/json")
            .header("request-id", req.request_id)
            .header("data-purpose", req.purpose)
            .header("dxgate-consumer", req.consumer);
        if req.body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|e| SourceError::Unreachable(e.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| SourceError::Unreachable(error_chain(&e)))?;
        let status = response.status().as_u16();
        let bytes = Limited::new(response.into_body(), self.max_response_bytes)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    SourceError::TooLarge(self.max_response_bytes)
                } else {
                    SourceError::Unreachable(format!("reading the answer failed: {e}"))
                }
            })?
            .to_bytes();
        match status {
            200..=299 => {
                let json: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| SourceError::Malformed(e.to_string()))?;
                Ok(SourceReply::Data { bytes, json })
            }
            403 | 451 => Ok(SourceReply::Refused {
                status,
                justification: source_justification(&bytes),
            }),
            404 => Ok(SourceReply::NotFound),
            s => Err(SourceError::Status(s)),
        }
    }
}

/// Whether `url` may be an HTTP source: absolute `http://` or `https://`, without a query.
pub fn check_url(url: &str) -> Result<(), BadUrl> {
    let uri: Uri = url.parse().map_err(|_| BadUrl(url.to_owned()))?;
    if !matches!(uri.scheme_str(), Some("http" | "https"))
        || uri.host().is_none()
        || uri.query().is_some()
    {
        return Err(BadUrl(url.to_owned()));
    }
    Ok(())
}

/// A source refusal is justified only if its body names a legal basis and a reason, either at
/// the top level or under `justification` (the shape dxgate itself uses).
fn source_justification(body: &[u8]) -> Option<(Text, Text)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let j = v
        .get("justification")
        .filter(|j| j.is_object())
        .unwrap_or(&v);
    let basis = Text::new(j.get("legal_basis")?.as_str()?).ok()?;
    let reason = Text::new(j.get("reason")?.as_str()?).ok()?;
    Some((basis, reason))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::source_justification;

    #[test]
    fn justification_shapes() {
        assert!(source_justification(br#"{"legal_basis":"Art 1","reason":"r"}"#).is_some());
        assert!(
            source_justification(br#"{"justification":{"legal_basis":"Art 1","reason":"r"}}"#)
                .is_some()
        );
        assert!(source_justification(br#"{"legal_basis":"","reason":"r"}"#).is_none());
        assert!(source_justification(br#"{"reason":"r"}"#).is_none());
        assert!(source_justification(b"forbidden").is_none());
    }
}
