//! The state one running gateway shares across connections: catalogue (hot-swappable), audit
//! writer, store, metrics, and the security parts (authenticator, subject key, harvest alarm,
//! event counters).
//!
//! The catalogue sits behind an [`ArcSwap`]: a request takes one snapshot at its start and uses
//! it to the end, so a reload never changes the rules halfway through a request, and swapping
//! costs readers one atomic load.

mod reload;

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;

pub use reload::{reload_once, spawn_reloader, ReloadOutcome};

use crate::audit::{AuditWriter, Store};
use crate::config::{parse_algorithm, Catalog, JwtSettings, Loaded, Settings};
use crate::identity::jwks::{Jwks, JwksSource};
use crate::identity::{Authenticator, JwtVerifier};
use crate::security::SecurityEvents;
use crate::server::tls::TlsListener;
use crate::source::{UpstreamClients, UpstreamTls};
use crate::subjects::{Harvest, SubjectKey};
use crate::telemetry::Metrics;

/// How often stale keys are pruned from keyed rate limiters.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The security parts of a gateway, built by `serve` (they read files and may fetch keys).
pub struct Security {
    pub auth: Authenticator,
    pub subject_key: SubjectKey,
    /// The listener's live TLS config; `None` serves plain HTTP.
    pub tls: Option<Arc<TlsListener>>,
}

impl Security {
    /// Read the subject key (creating it on first start), set up eID token checks (loading the
    /// JWKS; an unreachable JWKS URL only logs, API keys keep working) and the listener's TLS.
    pub async fn build(loaded: &Loaded) -> Result<Security, String> {
        let s = &loaded.settings;
        let path = &s.subjects.hmac_key_file;
        let (subject_key, created) = SubjectKey::load_or_create(path).map_err(|e| e.to_string())?;
        if created {
            tracing::warn!(
                target: "dxgate::security",
                event = "subject_key_created",
                path = %path.display(),
                "generated a new subject HMAC key (mode 0600); back it up: without it, recorded subject hashes can no longer be matched to citizens"
            );
        }
        let jwt = match &s.jwt {
            Some(j) => Some(jwt_verifier(j).await?),
            None => None,
        };
        let tls = if s.tls.enabled() {
            Some(TlsListener::new(s.tls.clone()).map_err(|e| e.to_string())?)
        } else {
            None
        };
        Ok(Security {
            auth: Authenticator { jwt },
            subject_key,
            tls,
        })
    }
}

async fn jwt_verifier(j: &JwtSettings) -> Result<JwtVerifier, String> {
    let source = match (&j.jwks_file, &j.jwks_url) {
        (Some(file), _) => JwksSource::File(file.clone()),
        (None, Some(url)) => {
            let tls = UpstreamTls {
                ca_file: j.jwks_ca_file.clone(),
                ..UpstreamTls::default()
            };
            let client = UpstreamClients::default()
                .get(&tls)
                .map_err(|e| format!("[jwt] jwks_ca_file: {e}"))?;
            let url = url
                .parse()
                .map_err(|_| format!("[jwt] jwks_url {url:?} is not a URL"))?;
            JwksSource::Url {
                url,
                client: Box::new(client),
            }
        }
        (None, None) => return Err("[jwt] needs jwks_file or jwks_url".into()),
    };
    let jwks = Arc::new(Jwks::new(
        source,
        Vec::new(),
        j.jwks_cache_ttl,
        j.jwks_refetch_interval,
    ));
    match jwks.refresh().await {
        Ok(n) => tracing::info!(keys = n, issuer = %j.issuer, "eID signing keys loaded"),
        Err(e) => {
            tracing::warn!(error = %e, "eID signing keys not loaded yet; tokens are refused until they are")
        }
    }
    Ok(JwtVerifier {
        issuer: j.issuer.clone(),
        audiences: j.audiences.clone(),
        algorithms: j
            .algorithms
            .iter()
            .filter_map(|a| parse_algorithm(a))
            .collect(),
        leeway: j.leeway,
        citizen_claim: j.citizen_claim.clone(),
        jwks,
    })
}

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
    pub auth: Authenticator,
    pub subject_key: SubjectKey,
    pub harvest: Harvest,
    /// Security event counters, for `/metrics`.
    pub security: Arc<SecurityEvents>,
    pub tls: Option<Arc<TlsListener>>,
    /// The public ranking: background rollups and a short-lived cache.
    pub ranking: Arc<crate::ranking::Service>,
    /// The checkpoint verifier key (`<name>+<hash>+<key>`), served with checkpoints.
    pub verifier_key: Option<String>,
}

impl Gateway {
    pub fn new(
        loaded: Loaded,
        store: Store,
        audit: AuditWriter,
        security: Security,
        metrics: Arc<Metrics>,
    ) -> Gateway {
        let mut catalog = loaded.catalog;
        catalog.rendered = crate::server::api::catalog::render(&catalog);
        let catalog = Arc::new(catalog);
        let ranking = Arc::new(crate::ranking::Service::new(
            store.clone(),
            catalog.clone(),
            loaded.settings.ranking.clone(),
        ));
        let harvest = Harvest::new(
            loaded.settings.harvest.clone(),
            catalog.consumers.keys().map(String::as_str),
        );
        Gateway {
            settings: loaded.settings,
            dir: loaded.dir,
            catalog: ArcSwap::new(catalog),
            store,
            audit,
            metrics,
            trace_requests: false,
            auth: security.auth,
            subject_key: security.subject_key,
            harvest,
            security: Arc::new(SecurityEvents::default()),
            tls: security.tls,
            ranking,
            verifier_key: None,
        }
    }

    /// The catalogue now in force. Hold the `Arc` for the whole request.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Put a new catalogue in force (already validated).
    pub async fn replace_catalog(&self, mut catalog: Catalog) {
        catalog.rendered = crate::server::api::catalog::render(&catalog);
        let catalog = Arc::new(catalog);
        self.catalog.store(catalog.clone());
        self.ranking.set_catalog(catalog).await;
    }

    /// Start the housekeeping timers (limiter pruning, certificate reloads, JWKS refreshes);
    /// they stop when the gateway is dropped.
    pub fn spawn_timers(self: &Arc<Self>) {
        if let Some(tls) = &self.tls {
            tls.spawn_reloader(self.security.clone());
        }
        if let Some(jwt) = &self.auth.jwt {
            jwt.jwks.spawn_refresher();
        }
        let weak: Weak<Gateway> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(gw) = weak.upgrade() else { return };
                // governor's keyed limiters never forget a key on their own.
                for ds in gw.catalog().datasets() {
                    if let Some(rate) = &ds.rate {
                        rate.prune();
                    }
                }
            }
        });
    }
}
