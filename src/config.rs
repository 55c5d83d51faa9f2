//! Loading and validating the gateway's configuration: `dxgate.toml`, `policies/`, `schemas/`.
//!
//! [`load`] reads everything, reports **every** problem it finds (file, line, what to fix) as
//! [`Diagnostics`], and only returns a [`Catalog`] when there are none. `dxgate check` prints
//! those diagnostics; `dxgate serve` refuses to start on them.

mod catalog;
mod diagnostics;
mod files;
mod load;
mod security_settings;
mod settings;

pub use catalog::{
    Agency, AgencyKind, Catalog, Dataset, InvalidResponseAction, Mandate, SecretEntry,
};
pub use diagnostics::{Diagnostic, Diagnostics};
pub use load::{load, load_settings, Loaded};
pub use security_settings::{
    parse_algorithm, ClientAuth, HarvestSettings, JwtSettings, SubjectSettings, TlsSettings,
};
pub use settings::{valid_node_id, AuditSettings, ServerSettings, Settings, StoreSettings};
