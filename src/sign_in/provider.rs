//! The OpenID provider as its discovery document describes it, and the two calls the gateway
//! makes to it: reading `/.well-known/openid-configuration` and redeeming an authorization
//! code at the token endpoint (client_secret_basic, with the PKCE verifier).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{header, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::SignInError;
use crate::config::{https_or_loopback, SignInSettings};
use crate::identity::jwks::{Jwks, JwksSource};
use crate::identity::JwtVerifier;
use crate::source::UpstreamClient;

/// Largest discovery document or token response read.
const MAX_BYTES: usize = 256 * 1024;
/// Longest one call to the provider may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What the gateway needs from the provider, discovered once.
pub struct Provider {
    pub authorization_endpoint: String,
    token_endpoint: Uri,
    /// Whether the provider puts `iss` in its authorization responses (RFC 9207); then a
    /// callback without it is refused.
    pub iss_parameter: bool,
    /// Checks ID tokens: the provider's JWKS, its issuer, our client id as audience.
    pub id_tokens: JwtVerifier,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
}

impl Provider {
    /// Read the discovery document of `s.issuer` and the provider's signing keys.
    pub async fn discover(
        s: &SignInSettings,
        client: &UpstreamClient,
    ) -> Result<Provider, SignInError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            s.issuer.trim_end_matches('/')
        );
        let req = Request::get(parse_uri(&url)?)
            .header(header::ACCEPT, "application/json")
            .body(Full::new(Bytes::new()))
            .map_err(|e| SignInError::Unavailable(e.to_string()))?;
        let (status, body) = call(client, req).await?;
        if !status.is_success() {
            let msg = format!("the provider's discovery document answered {status}");
            return Err(SignInError::Unavailable(msg));
        }
        let d: Discovery = serde_json::from_slice(&body).map_err(|e| {
            SignInError::Unavailable(format!("the discovery document is not usable: {e}"))
        })?;
        if d.issuer != s.issuer {
            return Err(SignInError::Unavailable(format!(
                "the provider calls itself {:?}, not the configured issuer {:?}",
                d.issuer, s.issuer
            )));
        }
        if d.code_challenge_methods_supported
            .is_some_and(|m| !m.iter().any(|m| m == "S256"))
        {
            let msg = "the provider does not support PKCE with S256".to_owned();
            return Err(SignInError::Unavailable(msg));
        }
        for e in [&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri] {
            if !https_or_loopback(e) {
                let msg = format!("provider endpoint {e:?} is neither https:// nor loopback");
                return Err(SignInError::Unavailable(msg));
            }
        }
        let jwks = Arc::new(Jwks::new(
            JwksSource::Url {
                url: parse_uri(&d.jwks_uri)?,
                client: Box::new(client.clone()),
            },
            Vec::new(),
            Duration::from_secs(300),
            Duration::from_secs(30),
        ));
        jwks.refresh()
            .await
            .map_err(|e| SignInError::Unavailable(e.to_string()))?;
        use Algorithm::*;
        Ok(Provider {
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: parse_uri(&d.token_endpoint)?,
            iss_parameter: d.authorization_response_iss_parameter_supported,
            id_tokens: JwtVerifier {
                issuer: s.issuer.clone(),
                audiences: vec![s.client_id.clone()],
                algorithms: vec![
                    RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA,
                ],
                leeway: s.leeway,
                citizen_claim: s.subject_claim.clone(),
                jwks,
            },
        })
    }

    /// Redeem `code` for an ID token (the raw JWT, not yet verified).
    pub async fn redeem(
        &self,
        s: &SignInSettings,
        secret: &str,
        client: &UpstreamClient,
        code: &str,
        verifier: &str,
    ) -> Result<String, SignInError> {
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &s.redirect_url)
            .append_pair("code_verifier", verifier)
            .finish();
        // RFC 6749 2.3.1: id and secret are form-encoded before they are joined.
        let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(&s.client_id),
            enc(secret)
        ));
        let req = Request::post(self.token_endpoint.clone())
            .header(header::AUTHORIZATION, format!("Basic {basic}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| SignInError::Unavailable(e.to_string()))?;
        let (status, body) = call(client, req).await?;
        #[derive(Deserialize)]
        struct TokenAnswer {
            id_token: Option<String>,
            error: Option<String>,
            error_description: Option<String>,
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| {
            SignInError::Unavailable(format!("the token endpoint answered {status} without JSON"))
        })?;
        match (status.is_success(), answer.id_token) {
            (true, Some(t)) => Ok(t),
            (true, None) => Err(SignInError::Exchange(
                "the provider returned no ID token (is the openid scope allowed?)".into(),
            )),
            (false, _) => Err(SignInError::Exchange(format!(
                "the provider would not redeem the code: {} {}",
                answer.error.unwrap_or_default(),
                answer.error_description.unwrap_or_default()
            ))),
        }
    }
}

fn parse_uri(url: &str) -> Result<Uri, SignInError> {
    url.parse()
        .map_err(|_| SignInError::Unavailable(format!("{url:?} is not a URL")))
}

/// One call to the provider, within [`CALL_TIMEOUT`] and [`MAX_BYTES`].
async fn call(
    client: &UpstreamClient,
    req: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), SignInError> {
    let exchange = async {
        let resp = client
            .request(req)
            .await
            .map_err(|e| SignInError::Unavailable(format!("cannot reach the provider: {e}")))?;
        let status = resp.status();
        let body = Limited::new(resp.into_body(), MAX_BYTES)
            .collect()
            .await
            .map_err(|e| SignInError::Unavailable(e.to_string()))?
            .to_bytes();
        Ok((status, body))
    };
    tokio::time::timeout(CALL_TIMEOUT, exchange)
        .await
        .map_err(|_| SignInError::Unavailable("the provider did not answer within 10s".into()))?
}
