//! The state one running gateway shares across connections: the configuration in force with its
//! runtime state (one hot-swappable [`Snapshot`]), the audit writer and store, metrics, the
//! security parts, the ranking service and the background tasks.
//!
//! The (configuration, runtime) pair sits behind one [`ArcSwap`]: a request takes one snapshot at
//! its start and uses it to the end, so a reload never changes the rules halfway through a
//! request, and swapping costs readers one atomic load. [`start`] builds a gateway from a loaded
//! configuration — the same code for `dxgate serve` and in-process tests — and
//! [`Running::serve`] runs it until shutdown; [`reload_once`] puts a reloaded configuration in
//! force, carrying the runtime state over (`crate::runtime`).

pub mod changes;
mod reload;
mod security;
mod start;
mod tasks;
mod versions;

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use bytes::Bytes;

pub use reload::{reload_once, ReloadOutcome};
pub use security::Security;
pub use start::{start, Running, StartError};
pub use tasks::Tasks;

use crate::audit::{AuditWriter, Store};
use crate::config::{Catalog, Overrides, Settings};
use crate::identity::Authenticator;
use crate::runtime::Runtime;
use crate::security::SecurityEvents;
use crate::server::tls::TlsListener;
use crate::subjects::SubjectKey;
use crate::telemetry::Metrics;

/// The configuration in force and the runtime state built for it, swapped together.
pub struct Snapshot {
    pub catalog: Arc<Catalog>,
    pub runtime: Runtime,
}

/// Everything a request needs.
pub struct Gateway {
    pub settings: Settings,
    /// The configuration directory (reloads read it again, with the same overrides).
    pub dir: PathBuf,
    overrides: Overrides,
    state: ArcSwap<Snapshot>,
    /// Serialises reloads (SIGHUP, polling and callers of [`reload_once`]).
    reloading: tokio::sync::Mutex<()>,
    pub store: Store,
    pub audit: AuditWriter,
    pub metrics: Arc<Metrics>,
    /// Build a tracing span per data request (only when spans are exported).
    pub trace_requests: bool,
    pub auth: Authenticator,
    /// Staff sign-in (`[sign_in]`), when configured.
    pub sign_in: Option<Arc<crate::sign_in::SignIn>>,
    pub subject_key: SubjectKey,
    /// The key of the request and response hashes in audit records.
    pub payload_key: crate::audit::PayloadKey,
    /// Security event counters, for `/metrics`.
    pub security: Arc<SecurityEvents>,
    pub tls: Option<Arc<TlsListener>>,
    /// The public ranking: background rollups and a short-lived cache.
    pub ranking: Arc<crate::ranking::Service>,
    /// The checkpoint verifier key (`<name>+<hash>+<key>`), served with checkpoints.
    pub verifier_key: Option<String>,
    /// Witnesses whose cosignatures of checkpoints are stored (`[audit] witnesses`).
    pub witnesses: Vec<crate::audit::cosignature::WitnessVerifier>,
    /// Rate limits and harvest blocks shared with the other replicas (`[limits]`).
    pub limits: crate::limits::SharedLimits,
    /// The background tasks, stopped together at shutdown.
    pub tasks: Tasks,
    /// Unauthenticated and rate-limited rejections past their allowance, counted.
    pub rejections: Arc<crate::audit::rejections::Rejections>,
    /// `[server] per_ip_rate_per_second`, keyed by client prefix (none when `0`).
    pub client_limit: Option<crate::identity::KeyedLimiter>,
}

impl Gateway {
    /// The configuration and runtime now in force. Hold the `Arc` for the whole request.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.state.load_full()
    }

    /// The catalogue now in force (for handlers that need no runtime state).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.state.load().catalog.clone()
    }

    /// The `GET /v1/catalog` body of the catalogue in force, rendered once per catalogue.
    pub fn catalog_body(&self) -> Bytes {
        let s = self.state.load();
        s.runtime
            .catalog_body(|| crate::server::api::catalog::render(&s.catalog))
    }

    /// Put a new snapshot in force (configuration already validated, runtime carried over).
    async fn replace(&self, snapshot: Snapshot) {
        let catalog = snapshot.catalog.clone();
        self.state.store(Arc::new(snapshot));
        self.ranking.set_catalog(catalog).await;
    }
}
