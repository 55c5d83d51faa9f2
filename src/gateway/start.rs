//! Starting and stopping a gateway: the one path from a loaded configuration to a server
//! running on a bound listener, shared by `dxgate serve` and the in-process test harness.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;

use super::tasks::{self, Tasks, PARTITIONS_AHEAD};
use super::{Gateway, Security, Snapshot};
use crate::audit::note::load_or_create_key;
use crate::audit::{now_ms, AuditWriter, CheckpointPolicy, Store, StoreError, WriterConfig};
use crate::config::{Loaded, Overrides};
use crate::runtime::{Runtime, RuntimeError};
use crate::security::SecurityEvents;
use crate::source::SeedError;
use crate::telemetry::{register_otel_metrics, Metrics, OtelGuard};

/// Store connections of the audit writer's own pool (it commits on one at a time).
const WRITER_CONNECTIONS: u32 = 2;
/// Longest the audit writer may take to commit what is queued at shutdown.
const WRITER_DRAIN: Duration = Duration::from_secs(10);

/// The gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("{0}")]
    Security(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Catalog(String),
    #[error("checkpoint signing key: {0}")]
    SigningKey(String),
    #[error(transparent)]
    Limits(#[from] crate::limits::LimitsError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A started gateway and its bound listener, ready to [`Running::serve`].
pub struct Running {
    pub gateway: Arc<Gateway>,
    listener: TcpListener,
    /// The address actually bound (`[server] listen` may ask for port 0).
    pub local_addr: SocketAddr,
}

/// Start a gateway on `loaded`: seed demo sources, build the runtime and security parts, open
/// the store, start the audit writer, bind `[server] listen` and start the background tasks.
/// `overrides` are kept for reloads; `otel`, when given, exports metrics and request spans.
pub async fn start(
    loaded: Loaded,
    overrides: Overrides,
    otel: Option<&OtelGuard>,
) -> Result<Running, StartError> {
    let sources: Vec<_> = loaded.catalog.datasets().map(|d| &d.source).collect();
    crate::source::seed_sources(sources).await?;
    let runtime = Runtime::build(&loaded.catalog, loaded.settings.harvest.clone())?;
    let security = Security::build(&loaded)
        .await
        .map_err(StartError::Security)?;
    let store = Store::open(&loaded.store_url).await?;
    let s = &loaded.settings;
    store.ensure_partitions(now_ms(), PARTITIONS_AHEAD).await?;
    let (signer, created) = load_or_create_key(&s.audit.signing_key, &s.audit.origin)
        .map_err(|e| StartError::SigningKey(e.to_string()))?;
    let verifier_key = signer.verifier_key();
    let edition_signer = signer.clone();
    if created {
        tracing::warn!(
            path = %s.audit.signing_key.display(),
            verifier_key = %verifier_key,
            "GENERATED A NEW CHECKPOINT SIGNING KEY: back it up, share it with every replica, \
             and publish the verifier key; checkpoints signed by a lost key cannot be re-signed"
        );
    }
    let (audit, writer) = AuditWriter::start_with(
        store.dedicated(WRITER_CONNECTIONS).await?,
        WriterConfig {
            node_id: s.server.node_id.clone(),
            batch_max: s.audit.batch_max,
            queue_capacity: s.audit.queue_capacity,
            checkpoints: Some(CheckpointPolicy {
                signer,
                origin: s.audit.origin.clone(),
                every: s.audit.checkpoint_every,
                interval: s.audit.checkpoint_interval,
                anchor_dir: Some(s.audit.anchor_dir.clone()),
                trusted: (s.audit.trusted_keys.iter())
                    .filter_map(|k| crate::audit::note::NoteVerifier::parse(k).ok())
                    .collect(),
                bootstrap_anchor: s.audit.bootstrap_anchor,
            }),
        },
    )
    .await?;
    let witnesses = (s.audit.witnesses.iter())
        .filter_map(|k| crate::audit::cosignature::WitnessVerifier::parse(k).ok())
        .collect();
    let tasks = Tasks::default();
    tasks.track(writer);
    let first = super::versions::witness(
        &store,
        &audit,
        None,
        &loaded.catalog,
        super::versions::Why::Start,
    )
    .await;
    // A chain that does not extend its signed checkpoints: serve not-ready (503, `/readyz` says
    // why) so the operator sees it, and witness the version once it is re-anchored.
    let version_pending = match first {
        Ok(_) => false,
        Err(e)
            if audit
                .stats()
                .unanchored
                .load(std::sync::atomic::Ordering::Relaxed) =>
        {
            tracing::error!(error = %e, "catalogue version not witnessed yet: the audit chain is unanchored; retrying");
            true
        }
        Err(e) => return Err(StartError::Catalog(e)),
    };
    let addr = s.server.listen;
    let listen_err = |source| StartError::Listen { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(listen_err)?;
    let local_addr = listener.local_addr().map_err(listen_err)?;
    tracing::info!(
        listen = %local_addr,
        node = %s.server.node_id,
        store = %crate::config::redact_url(&loaded.store_url),
        agencies = loaded.catalog.agencies.len(),
        datasets = loaded.catalog.dataset_count(),
        "dxgate serving"
    );
    let metrics = Arc::new(Metrics::default());
    let limits = crate::limits::SharedLimits::new(&s.limits, metrics.limits.clone())?;
    if let Some(provider) = otel.and_then(OtelGuard::meter_provider) {
        register_otel_metrics(provider, metrics.clone(), audit.clone());
    }
    let catalog = Arc::new(loaded.catalog);
    if version_pending {
        let (store, audit, catalog) = (store.clone(), audit.clone(), catalog.clone());
        let token = tasks.token();
        tasks.spawn(async move {
            let why = super::versions::Why::Start;
            while super::versions::witness(&store, &audit, None, &catalog, why)
                .await
                .is_err()
            {
                tokio::select! {
                    _ = token.cancelled() => return,
                    _ = tokio::time::sleep(VERSION_RETRY) => {}
                }
            }
            tracing::info!("catalogue version witnessed after re-anchoring");
        });
    }
    let ranking = Arc::new(
        crate::ranking::Service::new(
            store.clone(),
            catalog.clone(),
            loaded.settings.ranking.clone(),
        )
        .with_edition_signer(edition_signer, loaded.settings.audit.origin.clone()),
    );
    let rejections = Arc::new(crate::audit::rejections::Rejections::new(
        loaded.settings.audit.rejection_allowance,
        loaded.settings.audit.rejection_window,
    ));
    let client_limit = client_limit(&loaded.settings.server);
    let gateway = Arc::new(Gateway {
        settings: loaded.settings,
        dir: loaded.dir,
        overrides,
        state: ArcSwap::from_pointee(Snapshot { catalog, runtime }),
        reloading: tokio::sync::Mutex::new(()),
        store,
        audit,
        metrics,
        trace_requests: otel.is_some_and(OtelGuard::tracing),
        auth: security.auth,
        sign_in: security.sign_in,
        subject_key: security.subject_key,
        payload_key: security.payload_key,
        security: Arc::new(SecurityEvents::default()),
        tls: security.tls,
        ranking,
        verifier_key: Some(verifier_key),
        witnesses,
        limits,
        tasks,
        rejections,
        client_limit,
    });
    tasks::spawn_all(&gateway);
    Ok(Running {
        gateway,
        listener,
        local_addr,
    })
}

/// The per-client limit checked before authentication, unless `per_ip_rate_per_second = 0`.
fn client_limit(s: &crate::config::ServerSettings) -> Option<crate::identity::KeyedLimiter> {
    let per_second = std::num::NonZeroU32::new(s.per_ip_rate_per_second)?;
    let burst = std::num::NonZeroU32::new(s.per_ip_burst).unwrap_or(per_second);
    let rate = crate::identity::Rate { per_second, burst };
    Some(crate::identity::KeyedLimiter::new(rate))
}

/// How often a start whose catalogue version could not be witnessed (an unanchored chain) tries
/// again: seldom, so that it does not contend with the operator's `dxgate audit reanchor`.
const VERSION_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

impl Running {
    /// `https` when the listener speaks TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.gateway.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serve until `shutdown` resolves (or the audit writer dies: [`super::Tasks::died`]); then drain in-flight requests, stop the background
    /// tasks, let the audit writer commit what is queued, and close the store.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let Running {
            gateway, listener, ..
        } = self;
        let tasks = gateway.tasks.clone();
        let stop = async {
            tokio::select! {
                () = shutdown => {}
                () = tasks.died() => {}
            }
        };
        crate::server::run(listener, gateway.clone(), stop).await;
        let store = gateway.store.clone();
        tasks.cancel();
        // The last AuditWriter handle goes with the gateway: the writer then commits what is
        // queued and stops.
        drop(gateway);
        if tokio::time::timeout(WRITER_DRAIN, tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("background tasks (audit writer) did not finish within 10s");
        }
        store.close().await;
    }
}
