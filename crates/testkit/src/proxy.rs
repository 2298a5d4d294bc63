//! A loopback TCP proxy that counts requests matching a pattern, so a test
//! can assert how many token POSTs a plugin, or separate `ksa` processes,
//! made, and records what went through it both ways (to prove a credential
//! never reached a server). It relays on plain threads, so it serves
//! synchronous tests and tokio tests alike; its threads end with the test
//! binary.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// At most this much is recorded in each direction; the rest is relayed
/// unrecorded.
pub const MAX_RECORDED: usize = 8 * 1024 * 1024;

/// A running proxy.
pub struct CountingProxy {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    count: Arc<AtomicUsize>,
    record: Arc<Record>,
}

/// The bytes relayed so far, each way.
#[derive(Default)]
struct Record {
    sent: Mutex<Vec<u8>>,
    answered: Mutex<Vec<u8>>,
}

fn keep(into: &Mutex<Vec<u8>>, bytes: &[u8]) {
    let mut kept = into.lock().unwrap();
    let room = MAX_RECORDED.saturating_sub(kept.len());
    kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

impl CountingProxy {
    /// Proxies to `upstream` (`host:port`), counting occurrences of `pattern`
    /// (for example `b"POST /v3/auth/tokens"`) in what clients send. The
    /// listener is bound when this returns.
    pub fn start(upstream: &str, pattern: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let record = Arc::new(Record::default());
        let upstream = upstream.to_owned();
        let (counter, recorder) = (count.clone(), record.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let upstream = upstream.clone();
                let (counter, recorder) = (counter.clone(), recorder.clone());
                std::thread::spawn(move || relay(client, &upstream, pattern, &counter, &recorder));
            }
        });
        CountingProxy { base, count, record }
    }

    /// How many times the pattern was seen so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Everything clients sent through the proxy so far (requests: lines,
    /// headers, bodies), up to [`MAX_RECORDED`] bytes, as text.
    pub fn sent(&self) -> String {
        String::from_utf8_lossy(&self.record.sent.lock().unwrap()).into_owned()
    }

    /// Everything the upstream answered so far, up to [`MAX_RECORDED`]
    /// bytes, as text.
    pub fn answered(&self) -> String {
        String::from_utf8_lossy(&self.record.answered.lock().unwrap()).into_owned()
    }
}

fn relay(client: TcpStream, upstream: &str, pattern: &[u8], counter: &AtomicUsize, record: &Arc<Record>) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (Ok(mut client_r), Ok(mut server_w)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let mut server_r = server;
    let mut client_w = client;
    let answers = record.clone();
    let down = std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            keep(&answers.answered, &buf[..n]);
            if client_w.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = client_w.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 16 * 1024];
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = match client_r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        keep(&record.sent, &buf[..n]);
        let mut window = std::mem::take(&mut tail);
        window.extend_from_slice(&buf[..n]);
        let hits = window.windows(pattern.len()).filter(|w| *w == pattern).count();
        counter.fetch_add(hits, Ordering::SeqCst);
        let overlap = pattern.len().saturating_sub(1).min(window.len());
        tail = window[window.len() - overlap..].to_vec();
        if server_w.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = server_w.shutdown(Shutdown::Write);
    let _ = down.join();
}
