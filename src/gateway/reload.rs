//! Hot reload of `policies/` and `schemas/`: on SIGHUP, and when a file under them changes.
//!
//! Changes are detected by polling a fingerprint (path, size, mtime) every `[server]
//! reload_poll` rather than with inotify: it also sees Kubernetes ConfigMap updates, which swap
//! a symlink and are easy for watchers to miss. A new catalogue is loaded and validated in full
//! first; if it has any problem it is rejected, its problems are logged, and the old one keeps
//! serving. Connections are never touched. Changes to `dxgate.toml` itself need a restart.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::Gateway;

/// What a reload attempt did.
#[derive(Debug, PartialEq, Eq)]
pub enum ReloadOutcome {
    Applied { datasets: usize },
    Rejected { problems: usize },
}

/// Load the config directory again and swap it in if it is valid.
pub async fn reload_once(gw: &Gateway) -> ReloadOutcome {
    match crate::config::load(&gw.dir, true).await {
        Ok(loaded) => {
            let datasets = loaded.catalog.dataset_count();
            gw.replace_catalog(loaded.catalog).await;
            gw.metrics.reloads_ok.fetch_add(1, Ordering::Relaxed);
            tracing::info!(datasets, "catalogue reloaded");
            ReloadOutcome::Applied { datasets }
        }
        Err(diags) => {
            gw.metrics.reloads_rejected.fetch_add(1, Ordering::Relaxed);
            for d in &diags.0 {
                tracing::error!(problem = %d, "catalogue reload rejected");
            }
            tracing::error!(
                problems = diags.len(),
                "catalogue reload rejected; the previous catalogue keeps serving"
            );
            ReloadOutcome::Rejected {
                problems: diags.len(),
            }
        }
    }
}

/// Watch for SIGHUP and file changes until the gateway is dropped.
pub fn spawn_reloader(gw: Arc<Gateway>, poll: Duration) -> tokio::task::JoinHandle<()> {
    // Take the baseline now, not when the task first runs: a change made between start-up and
    // the task's first poll must still count as a change.
    let dir = gw.dir.clone();
    let mut seen = fingerprint(&dir);
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let gw = Arc::downgrade(&gw);
    tokio::spawn(async move {
        let polling = !poll.is_zero();
        let tick = if polling {
            poll
        } else {
            Duration::from_secs(3600)
        };
        loop {
            #[cfg(unix)]
            let signalled = async {
                match hup.as_mut() {
                    Some(s) => s.recv().await.is_some(),
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let signalled = std::future::pending::<bool>();
            let by_signal = tokio::select! {
                got = signalled => got,
                () = tokio::time::sleep(tick) => false,
            };
            let Some(g) = gw.upgrade() else { return };
            let now = fingerprint(&dir);
            if by_signal {
                tracing::info!("SIGHUP: reloading the catalogue");
            } else if !polling || now == seen {
                continue;
            } else {
                tracing::info!("policies/ or schemas/ changed: reloading the catalogue");
            }
            seen = now;
            reload_once(&g).await;
        }
    })
}

/// (path, size, mtime) of every file under `policies/`, `schemas/` and `seeds/`, sorted.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut out = Vec::new();
    for sub in ["policies", "schemas", "seeds"] {
        let mut stack = vec![dir.join(sub)];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.filter_map(Result::ok) {
                let p = e.path();
                // Follow symlinks (ConfigMaps mount through them).
                let Ok(meta) = std::fs::metadata(&p) else {
                    continue;
                };
                if meta.is_dir() {
                    stack.push(p);
                } else {
                    out.push((
                        p,
                        meta.len(),
                        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    ));
                }
            }
        }
    }
    out.sort();
    out
}
