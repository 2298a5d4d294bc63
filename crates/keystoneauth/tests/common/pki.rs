//! Certificates for the TLS tests: a CA, a server certificate and a client
//! certificate made by rcgen.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};
use tokio_rustls::rustls::pki_types::CertificateDer;

/// A CA, a server certificate for `localhost` and 127.0.0.1, and a client
/// certificate, all signed by the CA and written as PEM to a fresh
/// temporary directory (removed on drop).
pub struct Pki {
    pub dir: PathBuf,
    pub ca_der: CertificateDer<'static>,
    pub server_cert_der: CertificateDer<'static>,
    pub server_key_der: Vec<u8>,
    pub client_cert_der: CertificateDer<'static>,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    /// The CA certificate.
    pub ca_pem_path: PathBuf,
    /// The client certificate alone.
    pub client_cert_path: PathBuf,
    /// The client's private key alone.
    pub client_key_path: PathBuf,
    /// The client certificate followed by its key, in one file.
    pub client_combined_path: PathBuf,
    /// A valid private key that belongs to no certificate here.
    pub stray_key_path: PathBuf,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unique_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "keystoneauth-{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn leaf_params(common_name: &str, sans: Vec<SanType>, usage: ExtendedKeyUsagePurpose) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.subject_alt_names = sans;
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params
}

impl Pki {
    /// A fresh CA and certificates, in a fresh directory.
    pub fn new() -> Pki {
        let dir = unique_dir("tls");

        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "keystoneauth test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca: Certificate = ca_params.self_signed(&ca_key).unwrap();

        let server_key = KeyPair::generate().unwrap();
        let server = leaf_params(
            "localhost",
            vec![
                SanType::DnsName("localhost".try_into().unwrap()),
                SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            ],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();

        let client_key = KeyPair::generate().unwrap();
        let client = leaf_params(
            "keystoneauth test client",
            Vec::new(),
            ExtendedKeyUsagePurpose::ClientAuth,
        )
        .signed_by(&client_key, &ca, &ca_key)
        .unwrap();

        let stray_key = KeyPair::generate().unwrap();

        let write = |name: &str, contents: &str| -> PathBuf {
            let path = dir.join(name);
            std::fs::write(&path, contents).unwrap();
            path
        };
        let client_cert_pem = client.pem();
        let client_key_pem = client_key.serialize_pem();
        let ca_pem_path = write("ca.pem", &ca.pem());
        let client_cert_path = write("client.pem", &client_cert_pem);
        let client_key_path = write("client.key", &client_key_pem);
        let client_combined_path = write("client-combined.pem", &format!("{client_cert_pem}{client_key_pem}"));
        let stray_key_path = write("stray.key", &stray_key.serialize_pem());
        // Written for debugging only; the server is configured from DER.
        write("server.pem", &server.pem());

        Pki {
            ca_der: ca.der().clone(),
            server_cert_der: server.der().clone(),
            server_key_der: server_key.serialize_der(),
            client_cert_der: client.der().clone(),
            client_cert_pem,
            client_key_pem,
            ca_pem_path,
            client_cert_path,
            client_key_path,
            client_combined_path,
            stray_key_path,
            dir,
        }
    }

    /// The client certificate followed by its key, as PEM text.
    pub fn client_combined_pem(&self) -> String {
        format!("{}{}", self.client_cert_pem, self.client_key_pem)
    }

    /// A path in the PKI's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes a file in the PKI's directory; returns its path.
    pub fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}
