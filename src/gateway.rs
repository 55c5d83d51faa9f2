//! The state one running gateway shares across connections: catalogue, audit writer, store.

use std::sync::Arc;

use bytes::Bytes;

use crate::audit::{AuditWriter, Store};
use crate::config::{Catalog, Loaded, Settings};

/// Everything a request needs, built once at start.
pub struct Gateway {
    pub settings: Settings,
    pub catalog: Arc<Catalog>,
    pub store: Store,
    pub audit: AuditWriter,
    /// `GET /v1/catalog`, rendered once.
    pub catalog_json: Bytes,
    /// The checkpoint verifier key (`<name>+<hash>+<key>`), served with checkpoints.
    pub verifier_key: Option<String>,
}

impl Gateway {
    pub fn new(loaded: Loaded, store: Store, audit: AuditWriter) -> Gateway {
        let catalog_json = crate::server::catalog_api::render(&loaded.catalog);
        Gateway {
            settings: loaded.settings,
            catalog: Arc::new(loaded.catalog),
            store,
            audit,
            catalog_json,
            verifier_key: None,
        }
    }
}
