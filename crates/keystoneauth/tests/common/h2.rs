//! An HTTP/2 server over TLS (ALPN `h2` only) that refuses its first
//! requests with `REFUSED_STREAM` and answers the rest `200` with a small
//! JSON body: what a server under load or going away tells a client, for
//! the tests of the transport's own re-send of refused requests.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::pki::Pki;

/// A running server; it stops when dropped.
pub struct RefusingH2Server {
    pub port: u16,
    streams: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<Bytes>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RefusingH2Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RefusingH2Server {
    /// Starts a server that resets its first `refusals` streams with
    /// `REFUSED_STREAM` (without reading them) and answers every later one.
    pub async fn start(pki: &Pki, refusals: usize) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![pki.server_cert_der.clone()], key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let streams = Arc::new(AtomicUsize::new(0));
        let bodies: Arc<Mutex<Vec<Bytes>>> = Arc::default();
        let task = {
            let (streams, bodies) = (streams.clone(), bodies.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let (acceptor, streams, bodies) = (acceptor.clone(), streams.clone(), bodies.clone());
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let Ok(mut connection) = h2::server::handshake(tls).await else {
                            return;
                        };
                        while let Some(Ok((request, mut respond))) = connection.accept().await {
                            if streams.fetch_add(1, Ordering::SeqCst) < refusals {
                                respond.send_reset(h2::Reason::REFUSED_STREAM);
                                continue;
                            }
                            let bodies = bodies.clone();
                            tokio::spawn(async move {
                                let mut body = request.into_body();
                                let mut seen = Vec::new();
                                while let Some(Ok(chunk)) = body.data().await {
                                    let _ = body.flow_control().release_capacity(chunk.len());
                                    seen.extend_from_slice(&chunk);
                                }
                                bodies.lock().unwrap().push(Bytes::from(seen));
                                let response = http::Response::builder()
                                    .status(200)
                                    .header("content-type", "application/json")
                                    .body(())
                                    .unwrap();
                                if let Ok(mut send) = respond.send_response(response, false) {
                                    let _ = send.send_data(Bytes::from_static(b"{\"ok\": true}"), true);
                                }
                            });
                        }
                    });
                }
            })
        };
        RefusingH2Server {
            port,
            streams,
            bodies,
            task,
        }
    }

    /// `https://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// The streams opened so far, refused or answered.
    pub fn streams(&self) -> usize {
        self.streams.load(Ordering::SeqCst)
    }

    /// The bodies of the requests answered, in order.
    pub fn bodies(&self) -> Vec<Bytes> {
        self.bodies.lock().unwrap().clone()
    }
}
