//! A loopback TCP proxy that counts requests matching a pattern, so a test
//! can assert how many token POSTs a plugin, or separate `ksa` processes,
//! made. It relays on plain threads, so it serves synchronous tests and
//! tokio tests alike; its threads end with the test binary.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A running proxy.
pub struct CountingProxy {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    count: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Proxies to `upstream` (`host:port`), counting occurrences of `pattern`
    /// (for example `b"POST /v3/auth/tokens"`) in what clients send. The
    /// listener is bound when this returns.
    pub fn start(upstream: &str, pattern: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let upstream = upstream.to_owned();
        let counter = count.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let upstream = upstream.clone();
                let counter = counter.clone();
                std::thread::spawn(move || relay(client, &upstream, pattern, &counter));
            }
        });
        CountingProxy { base, count }
    }

    /// How many times the pattern was seen so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

fn relay(client: TcpStream, upstream: &str, pattern: &[u8], counter: &AtomicUsize) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (Ok(mut client_r), Ok(mut server_w)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let mut server_r = server;
    let mut client_w = client;
    let down = std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_r, &mut client_w);
        let _ = client_w.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 16 * 1024];
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = match client_r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut window = std::mem::take(&mut tail);
        window.extend_from_slice(&buf[..n]);
        let hits = window.windows(pattern.len()).filter(|w| *w == pattern).count();
        counter.fetch_add(hits, Ordering::SeqCst);
        let keep = pattern.len().saturating_sub(1).min(window.len());
        tail = window[window.len() - keep..].to_vec();
        if server_w.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = server_w.shutdown(Shutdown::Write);
    let _ = down.join();
}
