//! Hot reload of `policies/` and `schemas/`: on SIGHUP, and when a file under them changes.
//!
//! Changes are detected by polling a fingerprint (path, size, mtime) every `[server]
//! reload_poll` rather than with inotify: it also sees Kubernetes ConfigMap updates, which swap
//! a symlink and are easy for watchers to miss. A new configuration is loaded and validated in
//! full first; if it has any problem it is rejected, its problems are logged, and the old one
//! keeps serving. Then demo sources are seeded, the new version is witnessed in the audit chain
//! (`catalog_change`, see `versions`; a version that cannot be recorded is not put in force),
//! and the runtime in force is carried over to the new configuration by key (`crate::runtime`): open breakers stay open, quotas continue, new
//! consumers are watched by the harvest alarm. Connections are never touched. Changes to
//! `dxgate.toml` itself need a restart.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use super::versions::Why;
use super::{Gateway, Snapshot};

/// What a reload attempt did.
#[derive(Debug, PartialEq, Eq)]
pub enum ReloadOutcome {
    Applied { datasets: usize },
    Rejected { problems: usize },
}

/// Load the config directory again and put it in force if it is valid.
pub async fn reload_once(gw: &Gateway) -> ReloadOutcome {
    let _one = gw.reloading.lock().await;
    reload_locked(gw, Why::Reload).await
}

/// [`reload_once`] for a caller that holds `gw.reloading`; `why` goes into the
/// `catalog_change` record.
pub(super) async fn reload_locked(gw: &Gateway, why: Why) -> ReloadOutcome {
    let (dir, overrides) = (gw.dir.clone(), gw.overrides.clone());
    let loaded = tokio::task::spawn_blocking(move || crate::config::load(&dir, &overrides)).await;
    let problems: Vec<String> = match loaded {
        Ok(Ok(loaded)) => {
            let sources: Vec<_> = loaded.catalog.datasets().map(|d| &d.source).collect();
            match crate::source::seed_sources(sources).await {
                Ok(_) => match gw.snapshot().runtime.carry(&loaded.catalog) {
                    Ok(runtime) => {
                        let before = gw.catalog();
                        let witnessed = super::versions::witness(
                            &gw.store,
                            &gw.audit,
                            Some(&before),
                            &loaded.catalog,
                            why,
                        )
                        .await;
                        if let Err(e) = witnessed {
                            gw.metrics.reloads_rejected.fetch_add(1, Ordering::Relaxed);
                            tracing::error!(problem = %e, "catalogue reload rejected: it could not be witnessed; the previous catalogue keeps serving");
                            return ReloadOutcome::Rejected { problems: 1 };
                        }
                        let datasets = loaded.catalog.dataset_count();
                        let catalog = Arc::new(loaded.catalog);
                        gw.replace(Snapshot { catalog, runtime }).await;
                        gw.metrics.reloads_ok.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(datasets, "catalogue reloaded");
                        return ReloadOutcome::Applied { datasets };
                    }
                    Err(e) => vec![e.to_string()],
                },
                Err(e) => vec![e.to_string()],
            }
        }
        Ok(Err(diags)) => diags.0.iter().map(ToString::to_string).collect(),
        Err(e) => vec![format!("loading failed: {e}")],
    };
    gw.metrics.reloads_rejected.fetch_add(1, Ordering::Relaxed);
    for problem in &problems {
        tracing::error!(problem = %problem, "catalogue reload rejected");
    }
    tracing::error!(
        problems = problems.len(),
        "catalogue reload rejected; the previous catalogue keeps serving"
    );
    ReloadOutcome::Rejected {
        problems: problems.len(),
    }
}

/// The task that reloads on SIGHUP and on file changes, until the gateway is dropped or shut
/// down. The baseline and the signal handler are taken now, not when the task first runs: a
/// change made between start-up and the first poll must still count as a change.
pub(super) fn reloader(
    gw: &Arc<Gateway>,
    poll: Duration,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let dir = gw.dir.clone();
    let mut seen = fingerprint(&dir);
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let gw: Weak<Gateway> = Arc::downgrade(gw);
    async move {
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
    }
}

/// (path, size, mtime) of every file under `policies/`, `schemas/`, `seeds/` and the overlay,
/// sorted.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut out = Vec::new();
    for sub in ["policies", "schemas", "seeds", crate::config::OVERLAY] {
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
