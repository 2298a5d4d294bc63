#![allow(clippy::unwrap_used, clippy::expect_used)]
//! TLS integration tests: an in-test HTTPS server (tokio-rustls, ring) with
//! certificates made by rcgen, against the session's TLS options (CA
//! bundle, `insecure`, client certificates, minimum TLS version) and the
//! errors they produce.

mod common;

use common::chain;
use common::pki::Pki;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use keystoneauth::{ClientIdentity, Error, Session, TlsVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig, SupportedProtocolVersion};
use tokio_rustls::TlsAcceptor;

/// The JSON body every request is answered with.
const BODY: &str = r#"{"ok": true, "served_by": "tls-test"}"#;

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

const ALL_VERSIONS: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];
const TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];

/// A server configuration with the PKI's server certificate; when
/// `require_client_cert`, clients must present a certificate signed by the
/// PKI's CA.
fn server_config(pki: &Pki, versions: &[&'static SupportedProtocolVersion], require_client_cert: bool) -> ServerConfig {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone()));
    let mut config = builder
        .with_single_cert(vec![pki.server_cert_der.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// A running test server; stops accepting when dropped.
struct Server {
    addr: SocketAddr,
    /// DER of the first certificate each client presented.
    client_certs: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Completed TLS handshakes.
    handshakes: Arc<AtomicUsize>,
    /// Requests answered.
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Binds 127.0.0.1:0 and serves; ready as soon as this returns.
    async fn start(config: ServerConfig) -> Server {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let client_certs = Arc::new(Mutex::new(Vec::new()));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let task = {
            let client_certs = client_certs.clone();
            let handshakes = handshakes.clone();
            let requests = requests.clone();
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let acceptor = acceptor.clone();
                    let client_certs = client_certs.clone();
                    let handshakes = handshakes.clone();
                    let requests = requests.clone();
                    tokio::spawn(async move {
                        // A failed handshake just drops the connection
                        // (rustls has already queued the alert).
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        handshakes.fetch_add(1, Ordering::SeqCst);
                        if let Some(first) = tls.get_ref().1.peer_certificates().and_then(|c| c.first()) {
                            client_certs.lock().unwrap().push(first.to_vec());
                        }
                        let _ = serve_http(&mut tls, &requests).await;
                    });
                }
            })
        };
        Server {
            addr,
            client_certs,
            handshakes,
            requests,
            task,
        }
    }

    /// `https://127.0.0.1:<port><path>`.
    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    /// `https://localhost:<port><path>`.
    fn localhost_url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn client_certs(&self) -> Vec<Vec<u8>> {
        self.client_certs.lock().unwrap().clone()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Answers each HTTP/1.1 request on the connection with 200 and [`BODY`],
/// until the client closes it or asks for `Connection: close`.
async fn serve_http<S>(stream: &mut S, requests: &AtomicUsize) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(pos) = find(&buf, b"\r\n\r\n") {
                break pos + 4;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let mut content_length = 0usize;
        let mut close = head.lines().next().is_some_and(|l| l.trim_end().ends_with("http/1.0"));
        for line in head.split("\r\n").skip(1) {
            if let Some((name, value)) = line.split_once(':') {
                match name.trim() {
                    "content-length" => content_length = value.trim().parse().unwrap_or(0),
                    "connection" => close = value.split(',').any(|v| v.trim() == "close"),
                    _ => {}
                }
            }
        }
        while buf.len() < head_end + content_length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf.drain(..head_end + content_length);
        requests.fetch_add(1, Ordering::SeqCst);
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: {}\r\n\r\n{BODY}",
            BODY.len(),
            if close { "close" } else { "keep-alive" },
        );
        stream.write_all(response.as_bytes()).await?;
        stream.flush().await?;
        if close {
            stream.shutdown().await?;
            return Ok(());
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Sends GET `url` and checks the server's 200 and JSON body.
async fn assert_ok(session: &Session, url: &str) {
    let response = session
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url} failed: {e} ({})", chain(&e)));
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body, serde_json::json!({"ok": true, "served_by": "tls-test"}));
}

fn session_with_ca(pki: &Pki) -> Session {
    Session::builder().ca_file(&pki.ca_pem_path).build().unwrap()
}

fn names(err: &Error, path: &Path) -> bool {
    err.to_string().contains(&path.display().to_string())
}

// ---------------------------------------------------------------------------
// 1. Untrusted server
// ---------------------------------------------------------------------------

#[tokio::test]
async fn default_session_rejects_untrusted_server_with_tls_error() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = Session::new().unwrap();
    let url = server.url("/v3");

    let err = session.get(&url).send().await.unwrap_err();

    assert!(err.is_tls(), "expected Error::Tls, got {err:?} ({})", chain(&err));
    assert!(matches!(err, Error::Tls { .. }));
    assert!(!err.is_connect() && !err.is_timeout() && !err.is_retriable(), "{err:?}");
    assert!(err.to_string().contains(&url), "message does not name {url}: {err}");
    assert_eq!(err.to_string(), format!("TLS handshake with {url} failed"));
    // The cause is kept and says what was wrong with the certificate.
    let full = chain(&err).to_lowercase();
    assert!(full.contains("certificate"), "{full}");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn ca_bundle_of_another_ca_is_not_trusted() {
    let pki = Pki::new();
    let other = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    // ca_file replaces the trust store: a bundle holding only another CA
    // must not validate this server.
    let session = session_with_ca(&other);

    let err = session.get(server.url("/")).send().await.unwrap_err();

    assert!(err.is_tls(), "expected Error::Tls, got {err:?} ({})", chain(&err));
    assert_eq!(server.requests(), 0);
}

// ---------------------------------------------------------------------------
// 2. CA bundle
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ca_file_trusts_the_server() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = session_with_ca(&pki);

    // By IP address SAN, twice (the connection is kept alive and reused
    // or re-established; either way both requests are answered).
    assert_ok(&session, &server.url("/v3")).await;
    assert_ok(&session, &server.url("/v3/auth/tokens")).await;
    assert_eq!(server.requests(), 2);
    assert!(server.handshakes.load(Ordering::SeqCst) >= 1);
    // No client certificate was configured, so none was presented.
    assert!(server.client_certs().is_empty());
}

#[tokio::test]
async fn ca_file_trusts_the_server_by_dns_name() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = session_with_ca(&pki);

    // localhost may resolve to ::1 first; the server only listens on
    // 127.0.0.1, so the client falls back to it. The certificate is
    // checked against the name "localhost".
    assert_ok(&session, &server.localhost_url("/")).await;
}

#[tokio::test]
async fn response_headers_and_body_are_read_over_tls() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = session_with_ca(&pki);

    let response = session.get(server.url("/x")).send().await.unwrap();
    assert!(response.is_success());
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), BODY);
    assert_eq!(response.bytes().len(), BODY.len());
}

// ---------------------------------------------------------------------------
// 3. insecure
// ---------------------------------------------------------------------------

#[tokio::test]
async fn insecure_skips_verification() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = Session::builder().insecure(true).build().unwrap();

    assert_ok(&session, &server.url("/v3")).await;
    assert_ok(&session, &server.localhost_url("/v3")).await;
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn insecure_false_still_verifies() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = Session::builder().insecure(false).build().unwrap();

    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
}

// ---------------------------------------------------------------------------
// 4. Client certificates
// ---------------------------------------------------------------------------

#[tokio::test]
async fn server_requiring_client_cert_refuses_a_client_without_one() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, true)).await;
    let session = session_with_ca(&pki);

    let result = session.get(server.url("/v3")).send().await;

    let err = match result {
        Ok(r) => panic!("expected an error, got {}", r.status()),
        Err(e) => e,
    };
    // With TLS 1.3 the client may think the handshake is over and only see
    // the server's alert when reading the response: TLS or connection error.
    assert!(
        err.is_tls() || matches!(err, Error::Connection { .. }),
        "expected a TLS or connection error, got {err:?} ({})",
        chain(&err)
    );
    assert!(err.to_string().contains(&server.url("/v3")), "{err}");
    assert_eq!(server.requests(), 0);
    assert!(server.client_certs().is_empty());
}

#[tokio::test]
async fn server_requiring_client_cert_over_tls12_refuses_a_client_without_one() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, TLS12_ONLY, true)).await;
    let session = session_with_ca(&pki);

    let err = session.get(server.url("/v3")).send().await.unwrap_err();

    // Over TLS 1.2 the refusal happens inside the handshake.
    assert!(err.is_tls(), "expected Error::Tls, got {err:?} ({})", chain(&err));
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn client_cert_and_key_files_are_presented() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, true)).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_cert(&pki.client_cert_path, Some(pki.client_key_path.clone()))
        .build()
        .unwrap();

    assert_ok(&session, &server.url("/v3")).await;

    let seen = server.client_certs();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|c| c.as_slice() == pki.client_cert_der.as_ref()));
}

#[tokio::test]
async fn client_cert_file_holding_the_key_is_presented() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, true)).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_cert(&pki.client_combined_path, None)
        .build()
        .unwrap();

    assert_ok(&session, &server.url("/v3")).await;

    let seen = server.client_certs();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].as_slice(), pki.client_cert_der.as_ref());
}

#[tokio::test]
async fn client_cert_works_over_tls12() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, TLS12_ONLY, true)).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_cert(&pki.client_combined_path, None)
        .build()
        .unwrap();

    assert_ok(&session, &server.url("/v3")).await;
    assert_eq!(server.client_certs(), vec![pki.client_cert_der.to_vec()]);
}

#[tokio::test]
async fn client_identity_from_pem_and_from_files_is_presented() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, true)).await;

    let from_pem = ClientIdentity::from_pem(format!("{}{}", pki.client_cert_pem, pki.client_key_pem)).unwrap();
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_identity(from_pem)
        .build()
        .unwrap();
    assert_ok(&session, &server.url("/a")).await;

    let from_files = ClientIdentity::from_files(&pki.client_cert_path, Some(pki.client_key_path.as_path())).unwrap();
    // The identity's Debug names its source, never the key.
    let debug = format!("{from_files:?}");
    assert!(debug.contains("client.pem"), "{debug}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_identity(from_files)
        .build()
        .unwrap();
    assert_ok(&session, &server.url("/b")).await;

    let seen = server.client_certs();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|c| c.as_slice() == pki.client_cert_der.as_ref()));
}

#[tokio::test]
async fn client_cert_from_another_ca_is_refused() {
    let pki = Pki::new();
    let other = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, true)).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_cert(&other.client_combined_path, None)
        .build()
        .unwrap();

    let result = session.get(server.url("/v3")).send().await;

    let err = match result {
        Ok(r) => panic!("expected an error, got {}", r.status()),
        Err(e) => e,
    };
    assert!(
        err.is_tls() || matches!(err, Error::Connection { .. }),
        "expected a TLS or connection error, got {err:?} ({})",
        chain(&err)
    );
    assert_eq!(server.requests(), 0);
}

// ---------------------------------------------------------------------------
// 5. Minimum TLS version
// ---------------------------------------------------------------------------

#[tokio::test]
async fn min_tls13_refuses_a_tls12_only_server() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, TLS12_ONLY, false)).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .min_tls_version(TlsVersion::Tls13)
        .build()
        .unwrap();

    let err = session.get(server.url("/v3")).send().await.unwrap_err();

    assert!(err.is_tls(), "expected Error::Tls, got {err:?} ({})", chain(&err));
    assert!(err.to_string().contains(&server.url("/v3")), "{err}");
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn min_tls13_accepts_the_default_server() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, false)).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .min_tls_version(TlsVersion::Tls13)
        .build()
        .unwrap();

    assert_ok(&session, &server.url("/v3")).await;
}

#[tokio::test]
async fn default_and_min_tls12_accept_a_tls12_only_server() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, TLS12_ONLY, false)).await;

    assert_ok(&session_with_ca(&pki), &server.url("/v3")).await;
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .min_tls_version(TlsVersion::Tls12)
        .build()
        .unwrap();
    assert_ok(&session, &server.url("/v3")).await;
    assert_eq!(server.requests(), 2);
}

// ---------------------------------------------------------------------------
// 6. Bad input
// ---------------------------------------------------------------------------

#[tokio::test]
async fn missing_ca_file_is_a_file_error_naming_the_path() {
    let pki = Pki::new();
    let path = pki.path("does-not-exist.pem");

    let err = Session::builder().ca_file(&path).build().unwrap_err();

    assert!(
        matches!(&err, Error::File { path: p, source, .. } if *p == path && source.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == Some(std::io::ErrorKind::NotFound)),
        "{err:?}"
    );
    assert!(names(&err, &path), "{err}");
    assert_eq!(err.to_string(), format!("unable to read CA bundle {}", path.display()));
}

#[tokio::test]
async fn garbage_ca_file_is_an_invalid_certificate_naming_the_path() {
    let pki = Pki::new();
    let path = pki.write("garbage-ca.pem", b"this is not a certificate\n\x00\x01\x02 at all\n");

    let err = Session::builder().ca_file(&path).build().unwrap_err();

    assert!(
        matches!(&err, Error::InvalidCertificate { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(names(&err, &path), "{err}");
}

#[tokio::test]
async fn empty_or_key_only_ca_file_is_an_invalid_certificate() {
    let pki = Pki::new();
    for (name, contents) in [
        ("empty-ca.pem", Vec::new()),
        ("key-only-ca.pem", pki.client_key_pem.clone().into_bytes()),
    ] {
        let path = pki.write(name, &contents);
        let err = Session::builder().ca_file(&path).build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidCertificate { path: p, .. } if *p == path),
            "{name}: {err:?}"
        );
        assert!(names(&err, &path), "{err}");
    }
}

#[tokio::test]
async fn ca_file_with_broken_pem_base64_is_an_invalid_certificate() {
    let pki = Pki::new();
    let path = pki.write(
        "bad-base64-ca.pem",
        b"-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n",
    );

    let err = Session::builder().ca_file(&path).build().unwrap_err();

    assert!(
        matches!(&err, Error::InvalidCertificate { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(names(&err, &path), "{err}");
}

#[tokio::test]
async fn ca_file_with_pem_armoured_non_certificate_is_an_invalid_certificate() {
    let pki = Pki::new();
    // Valid PEM and base64 ("garbage"), but not a DER certificate.
    let path = pki.write(
        "not-der-ca.pem",
        b"-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n",
    );

    let err = Session::builder().ca_file(&path).build().unwrap_err();

    assert!(
        matches!(&err, Error::InvalidCertificate { path: p, .. } if *p == path),
        "expected InvalidCertificate naming {}, got {err:?} ({})",
        path.display(),
        chain(&err)
    );
    assert!(names(&err, &path), "{err}");
}

#[tokio::test]
async fn missing_client_cert_is_a_file_error_naming_it() {
    let pki = Pki::new();
    let path = pki.path("no-such-client.pem");

    let err = Session::builder()
        .client_cert(&path, Some(pki.client_key_path.clone()))
        .build()
        .unwrap_err();
    assert!(matches!(&err, Error::File { path: p, .. } if *p == path), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("unable to read client certificate {}", path.display())
    );

    let err = Session::builder().client_cert(&path, None).build().unwrap_err();
    assert!(matches!(&err, Error::File { path: p, .. } if *p == path), "{err:?}");
    assert!(names(&err, &path), "{err}");

    let err = ClientIdentity::from_files(&path, None).unwrap_err();
    assert!(matches!(&err, Error::File { path: p, .. } if *p == path), "{err:?}");
}

#[tokio::test]
async fn missing_client_key_is_a_file_error_naming_it() {
    let pki = Pki::new();
    let key = pki.path("no-such-client.key");

    let err = Session::builder()
        .client_cert(&pki.client_cert_path, Some(key.clone()))
        .build()
        .unwrap_err();

    assert!(matches!(&err, Error::File { path: p, .. } if *p == key), "{err:?}");
    assert_eq!(err.to_string(), format!("unable to read client key {}", key.display()));
}

#[tokio::test]
async fn client_cert_without_a_key_is_an_error_naming_the_file() {
    let pki = Pki::new();

    // The certificate file alone, no key anywhere.
    let err = Session::builder()
        .client_cert(&pki.client_cert_path, None)
        .build()
        .unwrap_err();

    assert!(
        matches!(&err, Error::InvalidCertificate { path: p, .. } if *p == pki.client_cert_path),
        "{err:?}"
    );
    assert!(names(&err, &pki.client_cert_path), "{err}");
}

#[tokio::test]
async fn garbage_client_key_is_an_error() {
    let pki = Pki::new();
    let key = pki.write("garbage.key", b"not a key at all");

    let err = Session::builder()
        .client_cert(&pki.client_cert_path, Some(key.clone()))
        .build()
        .unwrap_err();

    assert!(matches!(&err, Error::InvalidCertificate { .. }), "{err:?}");
    // The message names the certificate file the key was paired with.
    assert!(names(&err, &pki.client_cert_path) || names(&err, &key), "{err}");

    // A PEM key block whose content is not a key.
    let key = pki.write(
        "bad-der.key",
        b"-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n",
    );
    let result = Session::builder().client_cert(&pki.client_cert_path, Some(key)).build();
    assert!(result.is_err(), "a non-key PEM block was accepted as a private key");

    // PEM text that is not a certificate and key at all.
    let err = ClientIdentity::from_pem("hello").unwrap_err();
    assert!(matches!(err, Error::InvalidOption { .. }), "{err:?}");
}

#[tokio::test]
async fn mismatched_client_key_is_an_error_not_a_panic() {
    let pki = Pki::new();
    let server = Server::start(server_config(&pki, ALL_VERSIONS, true)).await;

    let built = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .client_cert(&pki.client_cert_path, Some(pki.stray_key_path.clone()))
        .build();

    // rustls checks that the key matches the certificate when the client
    // is built; should a build ever accept it, the handshake must fail.
    match built {
        Err(err) => {
            assert!(
                !matches!(err, Error::File { .. }),
                "both files exist; expected an invalid-key error, got {err:?}"
            );
        }
        Ok(session) => {
            let result = session.get(server.url("/v3")).send().await;
            assert!(result.is_err(), "a certificate with a foreign key was accepted");
            assert_eq!(server.requests(), 0);
        }
    }
}
