//! Staff sign-in with OpenID Connect (`[sign_in]`): the authorization code flow with PKCE
//! (S256), `state` bound to the browser by a short-lived cookie, `nonce` bound to the ID token,
//! the ID token checked against the provider's JWKS, issuer and our client id, and then a
//! server-side session whose cookie holds only an opaque random value.
//!
//! A signed-in staff member acts as the consumer whose `sign_in_subject` equals the token's
//! `[sign_in] subject_claim`: that consumer's roles and agency apply, read from the catalogue
//! in force at each request (a consumer removed by a reload loses its sessions' access).
//! Machines keep using API keys, certificates or `[jwt]` tokens. The HTTP side is
//! `server::api::sign_in`.

mod provider;
mod sessions;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use provider::Provider;
pub use sessions::{challenge, random_token, Sessions};

use crate::config::SignInSettings;
use crate::identity::jwt::claim_str;
use crate::identity::{KeyRing, TokenError};
use crate::source::{UpstreamClient, UpstreamClients, UpstreamTls};

/// Why a sign-in did not succeed. Shown to the person signing in: none reveals a secret.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the sign-in provider cannot be used right now: {0}")]
    Unavailable(String),
    #[error("this sign-in was not started in this browser, was already used or has expired (state); start again")]
    UnknownState,
    #[error("the provider answered for a different issuer ({0:?})")]
    WrongIssuer(String),
    #[error("the provider did not sign you in: {0}")]
    Refused(String),
    #[error("{0}")]
    Exchange(String),
    #[error("the provider's ID token was not accepted: {0}")]
    IdToken(#[from] TokenError),
    #[error("the ID token was not issued for this sign-in (nonce)")]
    Nonce,
    #[error("you signed in as {0:?}, but no consumer of this gateway has that sign_in_subject; ask the operator to register you")]
    NotStaff(String),
}

/// What the provider sent back to `/auth/callback`.
#[derive(Debug, Default)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// A finished sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// The session cookie's value.
    pub token: String,
    pub consumer: String,
    pub next: String,
}

/// Staff sign-in: settings, the provider (discovered on first use), sign-ins and sessions.
pub struct SignIn {
    pub settings: SignInSettings,
    secret: String,
    client: UpstreamClient,
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    pub sessions: Sessions,
    /// Cookies carry `Secure` (and the `__Host-` prefix): TLS on the listener, or an https
    /// `redirect_url` behind a TLS terminator.
    pub secure_cookies: bool,
}

impl SignIn {
    /// Read the client secret and build the provider client; the provider itself is contacted
    /// at the first sign-in (and again after a failure), so a provider outage never stops the
    /// gateway from starting.
    pub fn new(settings: &SignInSettings, tls_listener: bool) -> Result<SignIn, String> {
        let secret = std::fs::read_to_string(&settings.client_secret_file)
            .map_err(|e| format!("[sign_in] client_secret_file: {e}"))?
            .trim()
            .to_owned();
        let tls = UpstreamTls {
            ca_file: settings.ca_file.clone(),
            ..UpstreamTls::default()
        };
        let client = UpstreamClients::default()
            .get(&tls)
            .map_err(|e| format!("[sign_in] ca_file: {e}"))?;
        Ok(SignIn {
            secure_cookies: tls_listener || settings.redirect_url.starts_with("https://"),
            sessions: Sessions::new(settings.login_timeout, settings.session_ttl),
            settings: settings.clone(),
            secret,
            client,
            provider: tokio::sync::Mutex::new(None),
        })
    }

    /// The provider, discovered now if it was not yet.
    async fn provider(&self) -> Result<Arc<Provider>, SignInError> {
        let mut slot = self.provider.lock().await;
        if let Some(p) = slot.as_ref() {
            return Ok(p.clone());
        }
        let p = Arc::new(Provider::discover(&self.settings, &self.client).await?);
        tracing::info!(issuer = %self.settings.issuer, "sign-in provider discovered");
        *slot = Some(p.clone());
        Ok(p)
    }

    /// Start a sign-in that lands on `next`: the provider's authorization URL to redirect to,
    /// and the state to bind to the browser.
    pub async fn start(&self, next: &str) -> Result<(String, String), SignInError> {
        let provider = self.provider().await?;
        let (nonce, verifier) = (random_token(), random_token());
        let code_challenge = challenge(&verifier);
        let state = self
            .sessions
            .begin(nonce.clone(), verifier, next.to_owned())
            .ok_or_else(|| SignInError::Unavailable("too many sign-ins under way".into()))?;
        let mut scopes = vec!["openid"];
        scopes.extend(self.settings.scopes.iter().map(String::as_str));
        scopes.dedup();
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_url)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        let sep = if provider.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{sep}{query}", provider.authorization_endpoint);
        Ok((url, state))
    }

    /// Finish a sign-in from the provider's callback. `bound_state` is the state the login
    /// cookie of this browser holds: a callback whose state it does not match is refused (and
    /// the sign-in it names is spent), which stops login CSRF.
    pub async fn finish(
        &self,
        keys: &KeyRing,
        cb: Callback,
        bound_state: Option<&str>,
    ) -> Result<SignedIn, SignInError> {
        let state = cb.state.as_deref().ok_or(SignInError::UnknownState)?;
        let pending = self.sessions.take(state).ok_or(SignInError::UnknownState)?;
        if bound_state != Some(state) {
            return Err(SignInError::UnknownState);
        }
        let provider = self.provider().await?;
        match cb.iss.as_deref() {
            Some(iss) if iss != self.settings.issuer => {
                return Err(SignInError::WrongIssuer(iss.to_owned()))
            }
            None if provider.iss_parameter => return Err(SignInError::WrongIssuer(String::new())),
            _ => {}
        }
        if let Some(e) = cb.error {
            return Err(SignInError::Refused(e));
        }
        let code = cb
            .code
            .ok_or_else(|| SignInError::Refused("no authorization code".into()))?;
        let id_token = provider
            .redeem(
                &self.settings,
                &self.secret,
                &self.client,
                &code,
                &pending.verifier,
            )
            .await?;
        let claims = provider.id_tokens.claims(&id_token).await?;
        check_claims(&claims, &pending.nonce, &self.settings.client_id)?;
        let claim = &self.settings.subject_claim;
        let subject = claim_str(&claims, claim).ok_or(TokenError::MissingClaim(claim.clone()))?;
        let consumer = keys
            .by_sign_in_subject(&subject)
            .ok_or(SignInError::NotStaff(subject))?;
        let token = self
            .sessions
            .open(&consumer.id)
            .ok_or_else(|| SignInError::Unavailable("too many open sessions".into()))?;
        Ok(SignedIn {
            token,
            consumer: consumer.id.clone(),
            next: pending.next,
        })
    }
}

/// The ID-token checks beyond signature, issuer, audience and time: the `nonce` of this
/// sign-in, and `azp` naming us when the token has several audiences (OIDC Core 3.1.3.7).
pub fn check_claims(
    claims: &Map<String, Value>,
    nonce: &str,
    client_id: &str,
) -> Result<(), SignInError> {
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(SignInError::Nonce);
    }
    let several = claims
        .get("aud")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() > 1);
    let azp = claims.get("azp").and_then(Value::as_str);
    if (several || azp.is_some()) && azp != Some(client_id) {
        return Err(SignInError::IdToken(TokenError::WrongAudience));
    }
    Ok(())
}

/// Whether `next` is a path on this gateway (never another site: `//host`, `/\host`, a scheme).
pub fn local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 512
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn nonce_and_azp() {
        let ok = claims(json!({"nonce": "n1", "aud": "dxgate"}));
        assert!(check_claims(&ok, "n1", "dxgate").is_ok());
        let other = claims(json!({"nonce": "n2", "aud": "dxgate"}));
        assert!(matches!(
            check_claims(&other, "n1", "dxgate"),
            Err(SignInError::Nonce)
        ));
        let none = claims(json!({"aud": "dxgate"}));
        assert!(matches!(
            check_claims(&none, "n1", "dxgate"),
            Err(SignInError::Nonce)
        ));
        let shared = claims(json!({"nonce": "n1", "aud": ["dxgate", "x"], "azp": "x"}));
        assert!(check_claims(&shared, "n1", "dxgate").is_err());
        let ours = claims(json!({"nonce": "n1", "aud": ["dxgate", "x"], "azp": "dxgate"}));
        assert!(check_claims(&ours, "n1", "dxgate").is_ok());
    }

    #[test]
    fn next_stays_on_this_gateway() {
        assert!(local_path("/agency") && local_path("/oversight?review=overdue"));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "agency",
        ] {
            assert!(!local_path(bad), "{bad}");
        }
    }
}
