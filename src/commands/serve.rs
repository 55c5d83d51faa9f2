//! `dxgate serve`: load the catalogue, open the store, start the audit writer, serve.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::CommandError;
use crate::audit::note::load_or_create_key;
use crate::audit::{now_ms, AuditWriter, CheckpointPolicy, Store, WriterConfig};
use crate::gateway::{spawn_reloader, Gateway, Security};
use crate::telemetry::{register_otel_metrics, Metrics, OtelGuard};

/// How often replicas make sure next months' partitions exist (PostgreSQL).
const PARTITION_CHECK: Duration = Duration::from_secs(6 * 3600);
/// Months of partitions kept ready ahead of time.
const PARTITIONS_AHEAD: u32 = 2;

/// Run until SIGINT/SIGTERM; then drain requests and flush the audit queue.
pub async fn serve(dir: &Path, otel: &OtelGuard) -> Result<(), CommandError> {
    crate::crypto::install_default();
    let loaded = crate::config::load(dir, true)
        .await
        .map_err(CommandError::Config)?;
    let security = Security::build(&loaded)
        .await
        .map_err(CommandError::Failed)?;
    let store = Store::open(&loaded.store_url).await?;
    let s = &loaded.settings;
    store.ensure_partitions(now_ms(), PARTITIONS_AHEAD).await?;
    let (signer, created) = load_or_create_key(&s.audit.signing_key, &s.audit.origin)
        .map_err(|e| CommandError::Failed(e.to_string()))?;
    let verifier_key = signer.verifier_key();
    if created {
        tracing::warn!(
            path = %s.audit.signing_key.display(),
            verifier_key = %verifier_key,
            "GENERATED A NEW CHECKPOINT SIGNING KEY: back it up, share it with every replica, \
             and publish the verifier key; checkpoints signed by a lost key cannot be re-signed"
        );
    }
    let (audit, writer_task) = AuditWriter::start_with(
        store.clone(),
        WriterConfig {
            node_id: s.server.node_id.clone(),
            batch_max: s.audit.batch_max,
            queue_capacity: s.audit.queue_capacity,
            checkpoints: Some(CheckpointPolicy {
                signer,
                origin: s.audit.origin.clone(),
                every: s.audit.checkpoint_every,
                interval: s.audit.checkpoint_interval,
            }),
        },
    )
    .await?;
    let partitions = tokio::spawn(keep_partitions(store.clone()));
    let addr = s.server.listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| CommandError::Listen { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| CommandError::Listen { addr, source })?;
    tracing::info!(
        listen = %local,
        node = %s.server.node_id,
        store = %super::check::redact(&loaded.store_url),
        agencies = loaded.catalog.agencies.len(),
        datasets = loaded.catalog.dataset_count(),
        "dxgate serving"
    );
    let scheme = if security.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let metrics = Arc::new(Metrics::default());
    if let Some(provider) = otel.meter_provider() {
        register_otel_metrics(provider, metrics.clone(), audit.clone());
    }
    let poll = loaded.settings.server.reload_poll;
    let mut gateway = Gateway::new(loaded, store.clone(), audit, security, metrics);
    gateway.trace_requests = otel.tracing();
    gateway.verifier_key = Some(verifier_key);
    let gateway = Arc::new(gateway);
    gateway.spawn_timers();
    let reloader = spawn_reloader(gateway.clone(), poll);
    let rollups = gateway.ranking.clone().spawn();
    // A plain line on stdout that scripts and tests can wait for.
    println!("dxgate listening on {scheme}://{local}");
    crate::server::run(listener, gateway, shutdown_signal()).await;
    reloader.abort();
    rollups.abort();
    // The last AuditWriter handle went with the gateway: the writer commits what is queued,
    // then stops.
    if tokio::time::timeout(Duration::from_secs(10), writer_task)
        .await
        .is_err()
    {
        tracing::warn!("audit writer did not finish within 10s");
    }
    partitions.abort();
    store.close().await;
    tracing::info!("dxgate stopped");
    Ok(())
}

/// Keep next months' partitions ready; a failure is logged (the DEFAULT partition still takes
/// the records, so nothing fails closed because of it).
async fn keep_partitions(store: Store) {
    let mut tick = tokio::time::interval(PARTITION_CHECK);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = store.ensure_partitions(now_ms(), PARTITIONS_AHEAD).await {
            tracing::warn!(error = %e, "could not prepare next months' audit partitions");
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
