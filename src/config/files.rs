//! The raw shapes of the files under `policies/`, exactly as written (serde).

use serde::Deserialize;
use toml::Spanned;

use crate::identity::Role;
use crate::ids::Ident;
use crate::source::SourceSpec;

/// `policies/agencies/<id>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyFile {
    pub id: Spanned<Ident>,
    pub name: String,
    pub kind: super::AgencyKind,
    #[serde(default)]
    pub datasets: Vec<Spanned<DatasetDecl>>,
}

/// One `[[datasets]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetDecl {
    pub id: Ident,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub request_schema: Spanned<String>,
    pub response_schema: Spanned<String>,
    #[serde(default)]
    pub on_invalid_response: super::InvalidResponseAction,
    #[serde(default)]
    pub subject_field: Option<Spanned<String>>,
    #[serde(default, with = "humantime_serde")]
    pub refresh_period: Option<std::time::Duration>,
    /// JSON pointer to the date/time the data is as of, in each response (`/as_of`).
    #[serde(default)]
    pub freshness_pointer: Option<Spanned<String>>,
    /// The request the readiness probe sends (default: the request schema's `examples`).
    #[serde(default)]
    pub probe: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub mandate: Option<Spanned<MandateDecl>>,
    pub source: Spanned<SourceSpec>,
    #[serde(default)]
    pub refusals: Vec<Spanned<RefusalDecl>>,
    /// Requests per second each consumer may make to this dataset. Default: no per-dataset
    /// limit (the consumer's own limit still applies); 0 also means none.
    #[serde(default)]
    pub rate_per_second: Option<u32>,
    /// Requests per consumer allowed in a burst on this dataset. Default: `rate_per_second`.
    #[serde(default)]
    pub burst: Option<u32>,
    /// Every request must name its case (`Data-Case`) and its end user (`On-Behalf-Of` from a
    /// trusted consumer, or `Data-User-Token`). Default false.
    #[serde(default)]
    pub require_case: bool,
    /// `[[datasets.fields]]`: which response fields each purpose may receive. Default none
    /// (the whole validated answer is released).
    #[serde(default)]
    pub fields: Vec<toml::Spanned<FieldsDecl>>,
}

/// One `[[datasets.fields]]` rule: `purposes` receive only the `allow`ed JSON pointers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsDecl {
    pub purposes: Vec<String>,
    pub allow: Vec<toml::Spanned<String>>,
}

/// `[datasets.mandate]`: read only to be refused with its position — mandates live in the
/// mandate register (`policies/mandates.toml`).
pub type MandateDecl = toml::Value;

/// One `[[datasets.refusals]]` rule. `legal_basis` and `reason` are required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalDecl {
    #[serde(default)]
    pub consumers: Option<Vec<String>>,
    #[serde(default)]
    pub except_consumers: Option<Vec<String>>,
    #[serde(default)]
    pub purposes_not_in: Option<Vec<String>>,
    pub legal_basis: String,
    pub reason: String,
}

/// `policies/consumers.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumersFile {
    #[serde(default)]
    pub consumers: Vec<Spanned<ConsumerDecl>>,
}

/// One `[[consumers]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerDecl {
    pub id: String,
    pub name: String,
    #[serde(default = "default_roles")]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub agency: Option<Ident>,
    /// Hex SHA-256 of the API key. Default: none (the consumer authenticates otherwise).
    #[serde(default)]
    pub api_key_sha256: Option<String>,
    /// Hex SHA-256 fingerprint of the consumer's mTLS client certificate (DER). Default: none.
    #[serde(default)]
    pub cert_sha256: Option<String>,
    /// Subject DN of the consumer's mTLS client certificate, in certificate order, e.g.
    /// `C=VN,O=National Portal,CN=portal`. Default: none.
    #[serde(default)]
    pub cert_subject: Option<String>,
    /// The `sub` of eID tokens that identify this consumer (not a citizen). Default: none.
    #[serde(default)]
    pub jwt_subject: Option<String>,
    /// The `[sign_in] subject_claim` value of the staff member who signs in to the oversight
    /// and agency pages as this consumer (its roles and agency apply). Default: none.
    #[serde(default)]
    pub sign_in_subject: Option<String>,
    /// Requests per second allowed. Default 100; 0 disables the limit.
    #[serde(default = "default_rate")]
    pub rate_per_second: u32,
    /// Requests allowed in a burst. Default: twice `rate_per_second`.
    #[serde(default)]
    pub burst: Option<u32>,
    /// Web origins (`scheme://host[:port]`) whose pages may call data endpoints with this
    /// consumer's credentials (CORS). Default: none.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Whether this consumer may name the end user (the civil servant) it acts for in an
    /// `On-Behalf-Of` header. Default false: from anyone else the header is refused.
    #[serde(default)]
    pub trusted_on_behalf: bool,
}

fn default_rate() -> u32 {
    100
}

fn default_roles() -> Vec<Role> {
    vec![Role::Consumer]
}

/// `policies/state-secrets.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsFile {
    #[serde(default)]
    pub entries: Vec<Spanned<SecretDecl>>,
}

/// One `[[entries]]` of the state-secret list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretDecl {
    /// `agency/dataset`.
    pub dataset: String,
    /// The instrument that put it on the list.
    pub listed_by: String,
}
