//! `[sign_in]`: staff sign in to the oversight and agency pages with OpenID Connect (the
//! national eID provider). Not to be confused with `[jwt]` (alias `[oidc]`), which checks
//! bearer tokens machines and citizens present to the API. The section is off when absent;
//! it is checked with the other settings in `load/settings.rs`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// `[sign_in]`: the OpenID provider, this gateway's client registration there, and how long a
/// staff session lasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignInSettings {
    /// The provider's issuer URL; its `/.well-known/openid-configuration` is read and must name
    /// the same issuer. https://, or http:// to a loopback address only. Required.
    pub issuer: String,
    /// This gateway's client id at the provider (the `aud` of its ID tokens). Required.
    pub client_id: String,
    /// File holding the client secret (sent with HTTP Basic to the token endpoint), relative
    /// to the config dir; keep it mode 0600. Required.
    pub client_secret_file: PathBuf,
    /// The callback registered at the provider: this gateway's public address followed by
    /// `/auth/callback`. Required.
    pub redirect_url: String,
    /// Scopes asked for; `openid` is always included. Default `["openid"]`.
    pub scopes: Vec<String>,
    /// The ID-token claim matched against consumers' `sign_in_subject`. Default `sub`.
    pub subject_claim: String,
    /// How long a staff session lasts from sign-in (kept server-side; the cookie only names it).
    /// Default `8h`.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// How long a started sign-in may take at the provider. Default `10m`.
    #[serde(with = "humantime_serde")]
    pub login_timeout: Duration,
    /// PEM CA to trust for the provider instead of the system roots. Default: none.
    pub ca_file: Option<PathBuf>,
    /// Clock skew allowed on the ID token's `exp`, `nbf` and `iat`. Default `30s`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
}

impl Default for SignInSettings {
    fn default() -> Self {
        SignInSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_secret_file: PathBuf::new(),
            redirect_url: String::new(),
            scopes: vec!["openid".into()],
            subject_claim: "sub".into(),
            session_ttl: Duration::from_secs(8 * 3600),
            login_timeout: Duration::from_secs(600),
            ca_file: None,
            leeway: Duration::from_secs(30),
        }
    }
}
