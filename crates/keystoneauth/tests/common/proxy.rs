//! A loopback TCP proxy that counts requests matching a pattern, so tests
//! can assert how many token POSTs a plugin made.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy; it stops when the test's runtime ends.
pub struct CountingProxy {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    count: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Proxies to `upstream` (`host:port`), counting occurrences of `pattern`
    /// (for example `b"POST /v3/auth/tokens"`) in what clients send.
    pub async fn start(upstream: &str, pattern: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let upstream = upstream.to_owned();
        let counter = count.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        let mut tail: Vec<u8> = Vec::new();
                        loop {
                            let n = match cr.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            let mut window = std::mem::take(&mut tail);
                            window.extend_from_slice(&buf[..n]);
                            let hits = window.windows(pattern.len()).filter(|w| *w == pattern).count();
                            counter.fetch_add(hits, Ordering::SeqCst);
                            let keep = pattern.len().saturating_sub(1).min(window.len());
                            tail = window[window.len() - keep..].to_vec();
                            if sw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = sw.shutdown().await;
                    };
                    let down = async move {
                        let _ = tokio::io::copy(&mut sr, &mut cw).await;
                        let _ = cw.shutdown().await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        CountingProxy { base, count }
    }

    /// How many times the pattern was seen so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}
