//! TLS settings: CA bundle, verification, client certificate, minimum version.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{BoxError, Error, Result};

/// The lowest TLS protocol version a session accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 (the default floor).
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// A client certificate and its private key, as PEM.
#[derive(Clone)]
pub struct ClientIdentity {
    pem: Vec<u8>,
    source: String,
}

impl ClientIdentity {
    /// Reads a PEM certificate file and a PEM key file. The key may also be
    /// in the certificate file (pass `None` for `key`), as requests allows.
    pub fn from_files(cert: impl AsRef<Path>, key: Option<&Path>) -> Result<Self> {
        let cert = cert.as_ref();
        let mut pem = read_file("client certificate", cert)?;
        let mut source = cert.display().to_string();
        if let Some(key) = key {
            let key_pem = read_file("client key", key)?;
            pem.push(b'\n');
            pem.extend_from_slice(&key_pem);
            source = format!("{} and {}", cert.display(), key.display());
        }
        // Validate now (parse, and check that the key matches the
        // certificate) so the error names the files.
        validate_identity(&pem).map_err(|message| {
            Error::invalid_certificate("client certificate or key", PathBuf::from(&source), message)
        })?;
        Ok(ClientIdentity { pem, source })
    }

    /// Builds an identity from PEM text holding the certificate (chain) and
    /// the private key.
    pub fn from_pem(pem: impl Into<Vec<u8>>) -> Result<Self> {
        let pem = pem.into();
        validate_identity(&pem).map_err(|message| Error::invalid_option("client certificate", message))?;
        Ok(ClientIdentity {
            pem,
            source: "PEM data".to_owned(),
        })
    }

    pub(crate) fn to_reqwest(&self) -> std::result::Result<reqwest::Identity, reqwest::Error> {
        reqwest::Identity::from_pem(&self.pem)
    }

    /// A digest identifying this certificate and key, for caching clients.
    pub(crate) fn fingerprint(&self) -> String {
        crate::redact::hash_secret(&self.pem)
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// The TLS settings of a session.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsOptions {
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) insecure: bool,
    pub(crate) identity: Option<ClientIdentity>,
    pub(crate) min_version: Option<TlsVersion>,
}

impl TlsOptions {
    pub(crate) fn is_default(&self) -> bool {
        self.ca_file.is_none() && !self.insecure && self.identity.is_none() && self.min_version.is_none()
    }

    /// Reads and checks what these settings name (the CA bundle, the
    /// client identity), so a bad file fails when the session is built;
    /// building the client from the result cannot fail on them.
    pub(crate) fn prepare(&self) -> Result<PreparedTls> {
        let roots = match &self.ca_file {
            Some(path) => Some(read_ca_bundle(path)?),
            None => None,
        };
        let identity = match &self.identity {
            Some(identity) => Some(identity.to_reqwest().map_err(Error::client_build)?),
            None => None,
        };
        Ok(PreparedTls {
            roots,
            insecure: self.insecure,
            identity,
            min_version: self.min_version,
        })
    }
}

/// [`TlsOptions`] with their files read and checked, ready for a client
/// builder. Applying them loads nothing: the system's root certificates
/// are loaded by `ClientBuilder::build`, which the transport calls only
/// when the first request needs a client.
#[derive(Clone)]
pub(crate) struct PreparedTls {
    /// The CA bundle's certificates, trusted instead of the system's.
    roots: Option<Vec<reqwest::Certificate>>,
    insecure: bool,
    identity: Option<reqwest::Identity>,
    min_version: Option<TlsVersion>,
}

impl PreparedTls {
    /// Applies these settings to a client builder.
    pub(crate) fn apply(&self, mut builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder = builder.use_rustls_tls();
        if let Some(roots) = &self.roots {
            // Like requests' verify=<path>: trust this bundle only.
            builder = builder.tls_built_in_root_certs(false);
            for cert in roots {
                builder = builder.add_root_certificate(cert.clone());
            }
        }
        if self.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(identity) = &self.identity {
            builder = builder.identity(identity.clone());
        }
        builder.min_tls_version(match self.min_version {
            Some(TlsVersion::Tls13) => reqwest::tls::Version::TLS_1_3,
            _ => reqwest::tls::Version::TLS_1_2,
        })
    }
}

/// Reads a CA bundle and checks every certificate in it.
fn read_ca_bundle(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let pem = read_file("CA bundle", path)?;
    let invalid = |source: BoxError| Error::invalid_certificate("CA bundle", path.to_path_buf(), source);
    let ders = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(e.into()))?;
    let mut certs = Vec::with_capacity(ders.len());
    for der in ders {
        // Checks the certificate itself, not only its PEM armour.
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| invalid(e.into()))?;
        certs.push(reqwest::Certificate::from_der(&der).map_err(|e| invalid(e.into()))?);
    }
    if certs.is_empty() {
        return Err(Error::invalid_certificate(
            "CA bundle",
            path.to_path_buf(),
            "no PEM certificate found in the file",
        ));
    }
    Ok(certs)
}

/// Parses a PEM certificate chain and private key and checks that they belong together.
fn validate_identity(pem: &[u8]) -> std::result::Result<(), String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| format!("the certificate PEM is invalid ({e})"))?;
    if certs.is_empty() {
        return Err("no PEM certificate found".into());
    }
    let key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| format!("no usable PEM private key found ({e})"))?;
    let provider = rustls::crypto::ring::default_provider();
    rustls::sign::CertifiedKey::from_der(certs, key, &provider)
        .map_err(|e| format!("the private key does not match the certificate or is unsupported ({e})"))?;
    Ok(())
}

fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::file(what, path.to_path_buf(), source))
}
