//! The gateway in-process: built from a config directory by the same library code `dxgate
//! serve` runs (`config::load` → `gateway::start` → `Running::serve`), serving on 127.0.0.1:0
//! inside the test's own tokio runtime, with a shutdown handle.
//!
//! Nothing process-wide is touched: settings overrides are passed as a value (never through
//! environment variables), no tracing subscriber is installed, and signals are not sent.
//!
//! # Paused time
//!
//! Breakers, limiters and the harvest alarm read tokio's clock, so a test can run on paused
//! time (`#[tokio::test(start_paused = true)]`) and move the clock with
//! `tokio::time::advance`. But a paused runtime also *auto-advances*: whenever it has nothing
//! to run, it jumps the clock to the next timer. While the gateway waits for SQLite (sqlx runs
//! it on its own worker thread, invisible to tokio) the runtime is idle, and the jump would fire
//! source timeouts, breaker cooldowns or harvest windows that the test never asked for.
//! tokio does not auto-advance while a `spawn_blocking` task runs, so [`ClockGuard`] parks one
//! blocking task for the life of the gateway: the clock then moves only when the test advances
//! it. On a runtime that is not paused the guard changes nothing.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use dxgate::config::Overrides;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Keeps tokio from auto-advancing paused time while it is alive (see the module doc).
pub struct ClockGuard {
    release: Option<std::sync::mpsc::Sender<()>>,
}

impl ClockGuard {
    pub fn hold() -> ClockGuard {
        let (release, parked) = std::sync::mpsc::channel::<()>();
        // Returns when `release` is dropped. Dropping the guard before the runtime matters:
        // a runtime waits for its blocking tasks when it shuts down.
        tokio::task::spawn_blocking(move || {
            let _ = parked.recv();
        });
        ClockGuard {
            release: Some(release),
        }
    }
}

impl Drop for ClockGuard {
    fn drop(&mut self) {
        self.release.take();
    }
}

/// A gateway running inside the test.
pub struct InProc {
    /// For white-box steps (a reload now, a look at the runtime); dropped before shutdown.
    gateway: Option<Arc<dxgate::gateway::Gateway>>,
    pub addr: SocketAddr,
    pub scheme: &'static str,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<JoinHandle<()>>,
    _clock: ClockGuard,
}

impl InProc {
    /// Load `dir` with `overrides` (the listener defaults to 127.0.0.1:0) and start serving.
    /// A configuration or start-up error panics with its full text.
    pub async fn start(dir: &Path, mut overrides: Overrides) -> InProc {
        let clock = ClockGuard::hold();
        dxgate::crypto::install_default();
        overrides.listen.get_or_insert_with(|| "127.0.0.1:0".into());
        let loaded = dxgate::config::load(dir, &overrides)
            .unwrap_or_else(|d| panic!("the configuration has problems:\n{d}"));
        let running = dxgate::gateway::start(loaded, overrides, None)
            .await
            .unwrap_or_else(|e| panic!("the gateway did not start: {e}"));
        let (addr, scheme) = (running.local_addr, running.scheme());
        let gateway = running.gateway.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let served = tokio::spawn(running.serve(async move {
            let _ = rx.await;
        }));
        InProc {
            gateway: Some(gateway),
            addr,
            scheme,
            shutdown: Some(tx),
            served: Some(served),
            _clock: clock,
        }
    }

    pub fn gateway(&self) -> &Arc<dxgate::gateway::Gateway> {
        self.gateway.as_ref().expect("running")
    }

    /// Shut down as SIGTERM does: stop accepting, drain, flush the audit queue, close the
    /// store. Returns once everything has stopped.
    pub async fn stop(mut self) {
        self.gateway.take();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.expect("the gateway shut down cleanly");
        }
    }
}

impl Drop for InProc {
    fn drop(&mut self) {
        // Not stopped explicitly: let it wind down in the background (the runtime ends with
        // the test anyway).
        self.gateway.take();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
