//! Real X.509 for tests (rcgen): a CA that issues server and client certificates, written as PEM
//! files, and reqwest clients that trust it and present a client certificate.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use sha2::{Digest, Sha256};

/// A test certificate authority.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// An issued certificate and its key, as PEM.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    /// Hex SHA-256 of the certificate's DER: the `cert_sha256` of consumers.toml.
    pub sha256: String,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        Ca {
            issuer: CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `localhost` and `127.0.0.1`.
    pub fn server(&self) -> Leaf {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params)
    }

    /// A client certificate with subject `C=VN,O={org},CN={cn}`.
    pub fn client(&self, org: &str, cn: &str) -> Leaf {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CountryName, "VN");
        params
            .distinguished_name
            .push(DnType::OrganizationName, org);
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params)
    }

    fn issue(&self, params: CertificateParams) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            sha256: hex::encode(Sha256::digest(cert.der())),
        }
    }
}

impl Leaf {
    /// Write `<name>.crt` and `<name>.key` under `dir`.
    pub fn write(&self, dir: &Path, name: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.crt")), &self.cert_pem).unwrap();
        std::fs::write(dir.join(format!("{name}.key")), &self.key_pem).unwrap();
    }
}

/// A reqwest client that trusts only `ca` and presents `identity`, if given.
pub fn tls_client(ca: &Ca, identity: Option<&Leaf>) -> reqwest::Client {
    tls_client_builder(ca, identity).build().unwrap()
}

pub fn tls_client_builder(ca: &Ca, identity: Option<&Leaf>) -> reqwest::ClientBuilder {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.cert_pem().as_bytes()).unwrap())
        .timeout(std::time::Duration::from_secs(30));
    if let Some(leaf) = identity {
        let pem = format!("{}{}", leaf.key_pem, leaf.cert_pem);
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
    }
    b
}
