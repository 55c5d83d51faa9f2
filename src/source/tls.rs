//! Upstream TLS: one pooled hyper-rustls client per distinct TLS configuration.
//!
//! A source with `ca_file` trusts only that CA (the agency's own PKI); without it, the system's
//! roots. `client_cert` + `client_key` present the gateway's certificate to agencies that
//! require mTLS. Sources sharing the same three settings share one client and its pool; a
//! reload reuses a client (and its open connections) while those settings and the contents of
//! their files are unchanged ([`UpstreamClients::carry`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::crypto::{self, PemError};

/// A pooled client for http:// and https:// upstreams.
pub type UpstreamClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The TLS settings that tell upstream clients apart (absolute paths).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UpstreamTls {
    /// PEM CA certificate(s) to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// PEM certificate chain and key the gateway presents (mTLS to the agency).
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// The TLS settings of a source cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamTlsError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error("client_cert and client_key must be given together")]
    HalfClientIdentity,
    #[error("the client certificate and key do not fit together: {0}")]
    Identity(rustls::Error),
    #[error("rustls rejected the configuration: {0}")]
    Config(rustls::Error),
}

impl UpstreamTls {
    /// Check that the files can be used (read, parsed, certificate and key matching) without
    /// building a client: what `dxgate check` does.
    pub fn check(&self) -> Result<(), UpstreamTlsError> {
        let roots = match &self.ca_file {
            Some(ca) => crypto::load_roots(ca)?,
            None => rustls::RootCertStore::empty(),
        };
        client_config(self, roots).map(drop)
    }

    /// SHA-256 over the contents of the three files: a changed file means a new client.
    fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for p in [&self.ca_file, &self.client_cert, &self.client_key] {
            let bytes = p
                .as_ref()
                .and_then(|p| std::fs::read(p).ok())
                .unwrap_or_default();
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(&bytes);
        }
        h.finalize().into()
    }
}

type ClientKey = (UpstreamTls, [u8; 32]);

/// Upstream clients by TLS configuration (and the contents of its files); part of the runtime.
#[derive(Default)]
pub struct UpstreamClients {
    clients: Mutex<HashMap<ClientKey, UpstreamClient>>,
    /// The previous runtime's clients, reused on first use (see [`UpstreamClients::carry`]).
    inherited: Mutex<HashMap<ClientKey, UpstreamClient>>,
    system_roots: Mutex<Option<rustls::RootCertStore>>,
}

impl UpstreamClients {
    /// A cache for a new runtime that takes over `previous`'s clients whose settings and files
    /// are unchanged, so their pooled connections survive a reload. Call
    /// [`UpstreamClients::forget_inherited`] once the new runtime is built.
    pub fn carry(previous: &UpstreamClients) -> UpstreamClients {
        let lock = |m: &Mutex<HashMap<ClientKey, UpstreamClient>>| {
            m.lock().unwrap_or_else(|e| e.into_inner()).clone()
        };
        let roots = previous
            .system_roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        UpstreamClients {
            clients: Mutex::default(),
            inherited: Mutex::new(lock(&previous.clients)),
            system_roots: Mutex::new(roots),
        }
    }

    /// Drop inherited clients no source asked for.
    pub fn forget_inherited(&self) {
        self.inherited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Whether a client for `tls` with its files as they are now exists here or was inherited:
    /// false when a file changed since that client was built.
    pub fn known(&self, tls: &UpstreamTls) -> bool {
        let key = (tls.clone(), tls.digest());
        let has = |m: &Mutex<HashMap<ClientKey, UpstreamClient>>| {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(&key)
        };
        has(&self.clients) || has(&self.inherited)
    }

    /// The client for `tls`, built on first use.
    pub fn get(&self, tls: &UpstreamTls) -> Result<UpstreamClient, UpstreamTlsError> {
        let key = (tls.clone(), tls.digest());
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let inherited = self
            .inherited
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        let client = match inherited {
            Some(c) => c,
            None => {
                let roots = match &tls.ca_file {
                    Some(ca) => crypto::load_roots(ca)?,
                    None => self.system_roots(),
                };
                build_client(client_config(tls, roots)?)
            }
        };
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// The operating system's roots, loaded once.
    fn system_roots(&self) -> rustls::RootCertStore {
        let mut cached = self.system_roots.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .get_or_insert_with(|| {
                let found = rustls_native_certs::load_native_certs();
                let mut roots = rustls::RootCertStore::empty();
                let (added, _) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    tracing::warn!("no system CA certificates found: https sources need ca_file");
                }
                roots
            })
            .clone()
    }
}

fn client_config(
    tls: &UpstreamTls,
    roots: rustls::RootCertStore,
) -> Result<rustls::ClientConfig, UpstreamTlsError> {
    let builder = rustls::ClientConfig::builder_with_provider(crypto::provider())
        .with_protocol_versions(crypto::PROTOCOL_VERSIONS)
        .map_err(UpstreamTlsError::Config)?
        .with_root_certificates(roots);
    match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(crypto::load_certs(cert)?, crypto::load_key(key)?)
            .map_err(UpstreamTlsError::Identity),
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err(UpstreamTlsError::HalfClientIdentity),
    }
}

/// A pooled client over `config` (http:// URLs stay plain HTTP).
pub fn build_client(config: rustls::ClientConfig) -> UpstreamClient {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(5)));
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(256)
        .build(https)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_settings_share_a_client_and_bad_files_are_named() {
        let clients = UpstreamClients::default();
        assert!(clients.get(&UpstreamTls::default()).is_ok());
        assert_eq!(clients.clients.lock().unwrap().len(), 1);
        assert!(clients.get(&UpstreamTls::default()).is_ok());
        assert_eq!(clients.clients.lock().unwrap().len(), 1);
        let bad = UpstreamTls {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..UpstreamTls::default()
        };
        let e = clients.get(&bad).err().unwrap().to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
        let half = UpstreamTls {
            client_cert: Some("/x.pem".into()),
            ..UpstreamTls::default()
        };
        assert!(matches!(
            clients.get(&half),
            Err(UpstreamTlsError::Pem(_) | UpstreamTlsError::HalfClientIdentity)
        ));
        assert!(half.check().is_err());
        assert!(UpstreamTls::default().check().is_ok());
    }

    #[test]
    fn a_carried_cache_reuses_clients_until_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["ca".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(&ca, cert.pem()).unwrap();
        let tls = UpstreamTls {
            ca_file: Some(ca.clone()),
            ..UpstreamTls::default()
        };
        let first = UpstreamClients::default();
        first.get(&tls).unwrap();
        let same = UpstreamClients::carry(&first);
        assert!(same.known(&tls));
        same.get(&tls).unwrap();
        assert!(same.inherited.lock().unwrap().is_empty(), "taken over");
        std::fs::write(&ca, format!("{}\n", cert.pem())).unwrap();
        let changed = UpstreamClients::carry(&same);
        assert!(!changed.known(&tls));
        changed.get(&tls).unwrap();
        assert_eq!(
            changed.inherited.lock().unwrap().len(),
            1,
            "a changed CA file builds a new client"
        );
        changed.forget_inherited();
        assert!(changed.inherited.lock().unwrap().is_empty());
    }
}
