//! The state one running gateway shares across connections, and hot reload of the catalogue.
//!
//! The catalogue sits behind an [`ArcSwap`]: a request takes one snapshot at its start and uses
//! it to the end, so a reload never changes the rules halfway through a request, and swapping
//! costs readers one atomic load.

mod reload;

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;

pub use reload::{reload_once, spawn_reloader, ReloadOutcome};

use crate::audit::{AuditWriter, Store};
use crate::config::{Catalog, Loaded, Settings};
use crate::telemetry::Metrics;

/// Everything a request needs.
pub struct Gateway {
    pub settings: Settings,
    /// The configuration directory (reloads read it again).
    pub dir: PathBuf,
    catalog: ArcSwap<Catalog>,
    pub store: Store,
    pub audit: AuditWriter,
    pub metrics: Arc<Metrics>,
    /// Build a tracing span per data request (only when spans are exported).
    pub trace_requests: bool,
}

impl Gateway {
    pub fn new(loaded: Loaded, store: Store, audit: AuditWriter, metrics: Arc<Metrics>) -> Gateway {
        let mut catalog = loaded.catalog;
        catalog.rendered = crate::server::catalog_api::render(&catalog);
        Gateway {
            settings: loaded.settings,
            dir: loaded.dir,
            catalog: ArcSwap::from_pointee(catalog),
            store,
            audit,
            metrics,
            trace_requests: false,
        }
    }

    /// The catalogue now in force. Hold the `Arc` for the whole request.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Put a new catalogue in force (already validated).
    pub fn replace_catalog(&self, mut catalog: Catalog) {
        catalog.rendered = crate::server::catalog_api::render(&catalog);
        self.catalog.store(Arc::new(catalog));
    }
}
