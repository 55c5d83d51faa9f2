//! `dxgate serve`: load the configuration, start the gateway (`crate::gateway::start`, the same
//! code in-process tests use), serve until SIGINT/SIGTERM.

use std::path::Path;

use super::CommandError;
use crate::config::Overrides;
use crate::telemetry::OtelGuard;

/// Run until SIGINT/SIGTERM; then drain requests and flush the audit queue.
pub async fn serve(dir: &Path, otel: &OtelGuard) -> Result<(), CommandError> {
    crate::crypto::install_default();
    let overrides = Overrides::from_env();
    let loaded = crate::config::load(dir, &overrides).map_err(CommandError::Config)?;
    let running = crate::gateway::start(loaded, overrides, Some(otel)).await?;
    // A plain line on stdout that scripts and tests can wait for.
    println!(
        "dxgate listening on {}://{}",
        running.scheme(),
        running.local_addr
    );
    let tasks = running.gateway.tasks.clone();
    running.serve(shutdown_signal()).await;
    if tasks.has_died() {
        return Err(CommandError::Failed(
            "the audit writer stopped unexpectedly; exiting so the supervisor restarts dxgate"
                .into(),
        ));
    }
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
