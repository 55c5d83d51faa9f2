//! `dxgate serve`: load the catalogue, open the store, start the audit writer, serve.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::CommandError;
use crate::audit::{AuditWriter, Store};
use crate::gateway::{spawn_reloader, Gateway, Security};
use crate::telemetry::{register_otel_metrics, Metrics, OtelGuard};

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
    let (audit, writer_task) = AuditWriter::start(
        store.clone(),
        &s.server.node_id,
        s.audit.batch_max,
        s.audit.queue_capacity,
    )
    .await?;
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
    let gateway = Arc::new(gateway);
    gateway.spawn_timers();
    let reloader = spawn_reloader(gateway.clone(), poll);
    // A plain line on stdout that scripts and tests can wait for.
    println!("dxgate listening on {scheme}://{local}");
    let rollups = gateway.ranking.clone().spawn();
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
    store.close().await;
    tracing::info!("dxgate stopped");
    Ok(())
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
