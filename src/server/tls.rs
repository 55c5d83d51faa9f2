//! TLS on the listener: a rustls `ServerConfig` (TLS 1.3/1.2 only) from PEM files, optional
//! mTLS against `[tls] client_ca`, hot-swapped without dropping connections.
//!
//! The config sits in an [`ArcSwap`]: each new connection takes the current one, so a reload
//! (SIGHUP, or a change of the files' contents seen every `reload_interval`) affects only
//! connections accepted afterwards. A reload that fails keeps the old config and logs why.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsSettings;
use crate::crypto;
use crate::security::SecurityEvents;

pub use crate::crypto::TlsError;

/// Build the server config `settings` describe.
pub fn server_config(settings: &TlsSettings) -> Result<ServerConfig, TlsError> {
    let (Some(cert), Some(key)) = (&settings.cert, &settings.key) else {
        return Err(TlsError::NotConfigured);
    };
    crypto::server_config(cert, key, settings.client_certs())
}

/// The live TLS config of the listener.
pub struct TlsListener {
    settings: TlsSettings,
    config: ArcSwap<ServerConfig>,
    /// SHA-256 of the files' contents the current config was built from (or last tried).
    digest: Mutex<[u8; 32]>,
}

impl TlsListener {
    pub fn new(settings: TlsSettings) -> Result<Arc<TlsListener>, TlsError> {
        let digest = files_digest(&settings);
        let config = server_config(&settings)?;
        Ok(Arc::new(TlsListener {
            settings,
            config: ArcSwap::from_pointee(config),
            digest: Mutex::new(digest),
        }))
    }

    /// An acceptor over the current config.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.load_full())
    }

    pub fn handshake_timeout(&self) -> Duration {
        self.settings.handshake_timeout
    }

    /// Rebuild from the files if their contents changed (or always, with `force`).
    /// `Ok(true)` when a new config is in use.
    pub fn reload(&self, force: bool) -> Result<bool, TlsError> {
        let digest = files_digest(&self.settings);
        {
            let mut last = self.digest.lock().unwrap_or_else(|e| e.into_inner());
            if !force && *last == digest {
                return Ok(false);
            }
            // Remember what we tried, so a broken file is reported once, not every interval.
            *last = digest;
        }
        let config = server_config(&self.settings)?;
        self.config.store(Arc::new(config));
        Ok(true)
    }

    /// The task that reloads on SIGHUP and on file changes, until the listener is dropped (the
    /// gateway runs it under its cancellation token).
    pub fn reloader(
        self: &Arc<Self>,
        events: Arc<SecurityEvents>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let weak = Arc::downgrade(self);
        let interval = self.settings.reload_interval;
        // Registered before returning, so a SIGHUP right after start-up reloads (the default
        // action would end the process).
        let mut hangup = hangup_signal();
        async move {
            let mut tick = tokio::time::interval(if interval.is_zero() {
                Duration::from_secs(3600 * 24 * 365)
            } else {
                interval
            });
            tick.tick().await;
            loop {
                let force = tokio::select! {
                    _ = tick.tick() => false,
                    () = next_hangup(&mut hangup) => true,
                };
                let Some(listener) = weak.upgrade() else {
                    return;
                };
                match listener.reload(force) {
                    Ok(true) => {
                        SecurityEvents::bump(&events.tls_reloads);
                        tracing::info!(target: "dxgate::security", event = "tls_reloaded", "listener certificate reloaded");
                    }
                    Ok(false) => {}
                    Err(e) => {
                        SecurityEvents::bump(&events.tls_reload_failures);
                        tracing::error!(target: "dxgate::security", event = "tls_reload_failed", error = %e, "listener certificate reload failed; the previous one stays in use");
                    }
                }
            }
        }
    }
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}
#[cfg(not(unix))]
fn hangup_signal() -> Hangup {
    None
}

#[cfg(unix)]
async fn next_hangup(h: &mut Hangup) {
    match h {
        Some(s) => {
            if s.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}
#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangup) {
    std::future::pending::<()>().await
}

fn files_digest(s: &TlsSettings) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in [&s.cert, &s.key, &s.client_ca].into_iter().flatten() {
        let bytes = std::fs::read(p).unwrap_or_default();
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
    }
    h.finalize().into()
}
