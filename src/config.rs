//! The gateway's configuration: `dxgate.toml`, `policies/`, `schemas/` — plain, validated data.
//!
//! [`load`] reads everything once, reports **every** problem it finds (file, line, what to fix)
//! as [`Diagnostics`], and only returns a [`Loaded`] configuration when there are none. `dxgate
//! check` prints those diagnostics; `dxgate serve` refuses to start on them. Configuration holds
//! only what the files declare: what a running gateway keeps besides (sources and their pools,
//! breakers, limiters, health, the harvest alarm) is `crate::runtime`, carried over reloads.

mod catalog;
mod diagnostics;
mod files;
mod limits_settings;
mod load;
mod overrides;
mod probe_settings;
pub mod register;
mod security_settings;
mod settings;
mod sign_in_settings;
mod version;

#[cfg(test)]
mod tests;

pub use catalog::{Agency, AgencyKind, Catalog, Dataset, InvalidResponseAction, SecretEntry};
pub use diagnostics::{Diagnostic, Diagnostics};
pub use limits_settings::LimitsSettings;
pub use load::{
    https_or_loopback, load, load_settings, load_with, resolve_sqlite_url, valid_node_id, Loaded,
    OVERLAY,
};
pub use overrides::Overrides;
pub use probe_settings::ProbeSettings;
pub use security_settings::{
    parse_algorithm, ClientAuth, HarvestSettings, JwtSettings, SubjectSettings, TlsSettings,
};
pub use settings::{redact_url, AuditSettings, ServerSettings, Settings, StoreSettings};
pub use sign_in_settings::SignInSettings;
pub use version::{outline, summary, CatalogVersion};
