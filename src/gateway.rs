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
    /// The public ranking: background rollups and a short-lived cache.
    pub ranking: Arc<crate::ranking::Service>,
}

impl Gateway {
    pub fn new(loaded: Loaded, store: Store, audit: AuditWriter) -> Gateway {
        let catalog_json = crate::server::catalog_api::render(&loaded.catalog);
        let catalog = Arc::new(loaded.catalog);
        let ranking = Arc::new(crate::ranking::Service::new(
            store.clone(),
            catalog.clone(),
            loaded.settings.ranking.clone(),
        ));
        Gateway {
            settings: loaded.settings,
            catalog,
            store,
            audit,
            catalog_json,
            ranking,
        }
    }
}
