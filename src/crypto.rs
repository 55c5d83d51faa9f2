//! Key material and the one rustls crypto provider of the whole binary (`ring`).
//!
//! Every rustls config in dxgate (listener, upstream clients, JWKS fetches) is built with
//! [`provider`] explicitly, and [`install_default`] installs the same provider process-wide at
//! start, so no `ClientConfig::builder()` can ever pick another one. PEM files are read here,
//! and the listener's `ServerConfig` is built here ([`server_config`]), so that `config` can
//! check the files and `server` can serve with them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The protocol versions dxgate speaks: TLS 1.3 and 1.2, nothing older.
pub static PROTOCOL_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The crypto provider every rustls config is built with.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Install [`provider`] as the process default (idempotent; a second call is ignored).
pub fn install_default() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A PEM file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PemError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {what}", path.display())]
    Invalid { path: PathBuf, what: String },
}

/// The listener's TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("[tls] needs both cert and key")]
    NotConfigured,
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error("[tls] client_ca cannot verify client certificates: {0}")]
    ClientVerifier(String),
    #[error("[tls] the certificate and key do not make a usable server identity: {0}")]
    Identity(rustls::Error),
}

/// Whether the listener asks for client certificates (mTLS) and insists on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCerts<'a> {
    /// No mTLS.
    Off,
    /// Certificates from this CA are verified; callers without one may use other credentials.
    Optional(&'a Path),
    /// Certificates from this CA are required: the handshake fails without one.
    Required(&'a Path),
}

/// A listener config (TLS 1.3/1.2, ALPN h2 and http/1.1) from PEM files.
pub fn server_config(
    cert: &Path,
    key: &Path,
    clients: ClientCerts<'_>,
) -> Result<ServerConfig, TlsError> {
    let certs = load_certs(cert)?;
    let key = load_key(key)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(TlsError::Identity)?;
    let builder = match clients {
        ClientCerts::Optional(ca) | ClientCerts::Required(ca) => {
            let roots = Arc::new(load_roots(ca)?);
            let mut verifier = WebPkiClientVerifier::builder_with_provider(roots, provider());
            if matches!(clients, ClientCerts::Optional(_)) {
                verifier = verifier.allow_unauthenticated();
            }
            let verifier = verifier
                .build()
                .map_err(|e| TlsError::ClientVerifier(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        ClientCerts::Off => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(TlsError::Identity)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Every certificate in a PEM file (at least one).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let bytes = read(path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(path, format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(invalid(path, "holds no CERTIFICATE block".into()));
    }
    Ok(certs)
}

/// The private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, PemError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|e| invalid(path, format!("holds no usable PRIVATE KEY block: {e}")))
}

/// A root store holding exactly the CA certificates of `path`.
pub fn load_roots(path: &Path) -> Result<rustls::RootCertStore, PemError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in load_certs(path)? {
        roots
            .add(cert)
            .map_err(|e| invalid(path, format!("not a usable CA certificate: {e}")))?;
    }
    Ok(roots)
}

fn read(path: &Path) -> Result<Vec<u8>, PemError> {
    std::fs::read(path).map_err(|source| PemError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(path: &Path, what: String) -> PemError {
    PemError::Invalid {
        path: path.to_path_buf(),
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.pem");
        std::fs::write(&p, "not pem").unwrap();
        let e = load_certs(&p).unwrap_err().to_string();
        assert!(e.contains("x.pem"), "{e}");
        assert!(load_key(&p).is_err());
        assert!(load_certs(&dir.path().join("missing.pem")).is_err());
    }
}
