//! Upstream TLS: one pooled hyper-rustls client per distinct TLS configuration.
//!
//! A source with `ca_file` trusts only that CA (the agency's own PKI); without it, the system's
//! roots. `client_cert` + `client_key` present the gateway's certificate to agencies that
//! require mTLS. Sources sharing the same three settings share one client and its pool.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
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

/// Upstream clients by TLS configuration; built while loading the catalogue.
#[derive(Default)]
pub struct UpstreamClients {
    clients: Mutex<HashMap<UpstreamTls, UpstreamClient>>,
    system_roots: Mutex<Option<rustls::RootCertStore>>,
}

impl UpstreamClients {
    /// The client for `tls`, built on first use.
    pub fn get(&self, tls: &UpstreamTls) -> Result<UpstreamClient, UpstreamTlsError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(tls) {
            return Ok(c.clone());
        }
        let config = self.client_config(tls)?;
        let client = build_client(config);
        clients.insert(tls.clone(), client.clone());
        Ok(client)
    }

    fn client_config(&self, tls: &UpstreamTls) -> Result<rustls::ClientConfig, UpstreamTlsError> {
        let roots = match &tls.ca_file {
            Some(ca) => crypto::load_roots(ca)?,
            None => self.system_roots(),
        };
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
    }
}
