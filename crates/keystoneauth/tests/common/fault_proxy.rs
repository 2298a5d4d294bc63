//! A loopback HTTP/1.1 proxy with switchable faults, to put in front of
//! Keystone (or any HTTP server) in reliability tests.
//!
//! It parses requests and responses just enough to know where each one
//! ends (`Content-Length`, chunked, or until close), so faults apply per
//! request on keep-alive connections:
//!
//! - pass-through (the default);
//! - [`FaultProxy::down`] / [`FaultProxy::up`]: stop listening, so new
//!   connections are refused, and close every client connection, kept-alive
//!   ones included, before `down()` returns (requests already being served
//!   finish first, like a graceful server stop); then listen again on the
//!   same port;
//! - [`FaultProxy::set_delay`]: hold every response for N ms before sending it;
//! - [`FaultProxy::set_reset_after`]: send the response head and K bytes of
//!   the body, then reset the connection (RST);
//! - [`FaultProxy::fail_next`]: answer the next N requests with
//!   `503 Service Unavailable` and `Retry-After`, without forwarding them;
//! - [`FaultProxy::rewrite_response_header`]: replace (or remove) one
//!   header of every response, keeping what the server sent.
//!
//! Every request is counted by method and path. Everything stops when the
//! test's runtime ends. Loopback only; no sleeping to wait for a socket:
//! the listener is bound before the proxy is returned.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The largest request or response head accepted.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Default)]
struct Counters {
    requests: AtomicUsize,
    forwarded: AtomicUsize,
    answered_503: AtomicUsize,
    resets: AtomicUsize,
    delayed: AtomicUsize,
    accepted: AtomicUsize,
    by_route: Mutex<HashMap<String, usize>>,
    by_status: Mutex<HashMap<u16, usize>>,
}

struct State {
    upstream: String,
    delay_ms: AtomicU64,
    /// Body bytes sent before a reset; negative when off.
    reset_after: AtomicI64,
    fail_503: AtomicUsize,
    retry_after_secs: AtomicU64,
    down: AtomicBool,
    /// Tells idle connections that the proxy went down.
    down_tx: watch::Sender<bool>,
    /// Held (shared) by every request from the moment it is checked against
    /// `down` until its answer is written; `down()` takes it exclusively, so
    /// once `down()` returns no request is being forwarded and none will be.
    gate: tokio::sync::RwLock<()>,
    /// Client connections open (their serving tasks not yet ended).
    connections: AtomicUsize,
    counters: Counters,
    rewrite: Mutex<Option<HeaderRewrite>>,
}

/// A response header replaced in every forwarded response.
struct HeaderRewrite {
    /// Lower case.
    name: String,
    value: Option<String>,
    /// The upstream's values, oldest first.
    seen: Vec<String>,
}

impl HeaderRewrite {
    /// `head` with the header's lines replaced.
    fn apply(&mut self, head: Vec<u8>) -> Vec<u8> {
        let Ok(text) = String::from_utf8(head.clone()) else {
            return head;
        };
        let mut lines: Vec<String> = Vec::new();
        for line in text.trim_end_matches("\r\n").split("\r\n") {
            match line.split_once(':') {
                Some((name, value)) if !lines.is_empty() && name.trim().eq_ignore_ascii_case(&self.name) => {
                    self.seen.push(value.trim().to_owned());
                }
                _ => lines.push(line.to_owned()),
            }
        }
        if let Some(value) = &self.value {
            lines.push(format!("{}: {value}", self.name));
        }
        format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes()
    }
}

/// Counts one open client connection until dropped.
struct Open(Arc<State>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running fault proxy. See the module documentation.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    addr: SocketAddr,
    state: Arc<State>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

impl FaultProxy {
    /// A pass-through proxy to `upstream` (`host:port`, loopback).
    pub async fn start(upstream: &str) -> Self {
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let (down_tx, _) = watch::channel(false);
        let state = Arc::new(State {
            upstream: upstream.to_owned(),
            delay_ms: AtomicU64::new(0),
            reset_after: AtomicI64::new(-1),
            fail_503: AtomicUsize::new(0),
            retry_after_secs: AtomicU64::new(1),
            down: AtomicBool::new(false),
            down_tx,
            gate: tokio::sync::RwLock::new(()),
            connections: AtomicUsize::new(0),
            counters: Counters::default(),
            rewrite: Mutex::new(None),
        });
        let accept = tokio::spawn(accept_loop(listener, state.clone()));
        FaultProxy {
            base: format!("http://{addr}"),
            addr,
            state,
            accept: Mutex::new(Some(accept)),
        }
    }

    /// A proxy to the server of `url` (`http://host:port/...`).
    pub async fn for_url(url: &str) -> Self {
        let u = url::Url::parse(url).unwrap();
        Self::start(&format!(
            "{}:{}",
            u.host_str().unwrap(),
            u.port_or_known_default().unwrap()
        ))
        .await
    }

    /// `url` with its scheme, host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let mut u = url::Url::parse(url).unwrap();
        u.set_ip_host(self.addr.ip()).unwrap();
        u.set_port(Some(self.addr.port())).unwrap();
        u.to_string().trim_end_matches('/').to_owned()
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops listening (new connections are refused) and closes every client
    /// connection; requests being served finish first. When it returns,
    /// the outage is complete: no request is being forwarded, every
    /// connection a client kept alive is closed, and a request that reaches
    /// the proxy anyway (sent just before the close) is not forwarded (its
    /// connection is closed unanswered). Panics if a connection is still
    /// open after 30 s (a client that never finishes sending its request).
    pub async fn down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
        self.state.down_tx.send_replace(true);
        let handle = self.accept.lock().unwrap().take();
        if let Some(handle) = handle {
            handle.abort();
            // The listener is dropped (the port closed) once the task is.
            let _ = handle.await;
        }
        // Wait for the requests being served to finish.
        drop(self.state.gate.write().await);
        // Idle connections close on the signal above, and a connection that
        // reads a request from now on sees `down` and closes: wait for all.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.state.connections.load(Ordering::SeqCst) > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "fault proxy: {} connections still open after down()",
                self.state.connections.load(Ordering::SeqCst)
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Client connections open now.
    pub fn open_connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Listens again on the same port. Panics if the port cannot be bound
    /// again within 5 s.
    pub async fn up(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tokio::time::Instant::now() < deadline => {
                    eprintln!("fault proxy: rebinding {}: {e}; retrying", self.addr);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("fault proxy: cannot listen on {} again: {e}", self.addr),
            }
        };
        self.state.down.store(false, Ordering::SeqCst);
        self.state.down_tx.send_replace(false);
        let handle = tokio::spawn(accept_loop(listener, self.state.clone()));
        *self.accept.lock().unwrap() = Some(handle);
    }

    /// Holds every response for `delay` before sending it (zero: off).
    pub fn set_delay(&self, delay: Duration) {
        self.state.delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Resets every connection after the response head and `bytes` bytes of
    /// the body (`None`: off).
    pub fn set_reset_after(&self, bytes: Option<usize>) {
        self.state
            .reset_after
            .store(bytes.map_or(-1, |b| b as i64), Ordering::SeqCst);
    }

    /// Answers the next `n` requests with 503 and `Retry-After: <seconds>`
    /// without forwarding them.
    pub fn fail_next(&self, n: usize, retry_after_secs: u64) {
        self.state.retry_after_secs.store(retry_after_secs, Ordering::SeqCst);
        self.state.fail_503.store(n, Ordering::SeqCst);
    }

    /// Replaces the header `name` of every response forwarded from now on
    /// with `name: value`, or removes it (`None`); the values the server
    /// sent are kept ([`FaultProxy::rewritten_headers`]).
    pub fn rewrite_response_header(&self, name: &str, value: Option<&str>) {
        *self.state.rewrite.lock().unwrap() = Some(HeaderRewrite {
            name: name.to_ascii_lowercase(),
            value: value.map(str::to_owned),
            seen: Vec::new(),
        });
    }

    /// The server's values of the header being rewritten, oldest first.
    pub fn rewritten_headers(&self) -> Vec<String> {
        let rewrite = self.state.rewrite.lock().unwrap();
        rewrite.as_ref().map(|r| r.seen.clone()).unwrap_or_default()
    }

    /// Back to pass-through (does not bring a stopped proxy up).
    pub fn pass_through(&self) {
        self.set_delay(Duration::ZERO);
        self.set_reset_after(None);
        self.state.fail_503.store(0, Ordering::SeqCst);
        *self.state.rewrite.lock().unwrap() = None;
    }

    /// Requests received from clients (answered or not).
    pub fn requests(&self) -> usize {
        self.state.counters.requests.load(Ordering::SeqCst)
    }

    /// Requests forwarded to the upstream server.
    pub fn forwarded(&self) -> usize {
        self.state.counters.forwarded.load(Ordering::SeqCst)
    }

    /// Requests answered with the injected 503.
    pub fn answered_503(&self) -> usize {
        self.state.counters.answered_503.load(Ordering::SeqCst)
    }

    /// Connections reset mid-body.
    pub fn resets(&self) -> usize {
        self.state.counters.resets.load(Ordering::SeqCst)
    }

    /// Responses held back by the delay.
    pub fn delayed(&self) -> usize {
        self.state.counters.delayed.load(Ordering::SeqCst)
    }

    /// Connections accepted.
    pub fn accepted(&self) -> usize {
        self.state.counters.accepted.load(Ordering::SeqCst)
    }

    /// Requests received with this method whose path (without query) ends
    /// with `path_suffix`.
    pub fn count(&self, method: &str, path_suffix: &str) -> usize {
        let routes = self.state.counters.by_route.lock().unwrap();
        routes
            .iter()
            .filter(|(route, _)| {
                route
                    .split_once(' ')
                    .is_some_and(|(m, p)| m == method && p.ends_with(path_suffix))
            })
            .map(|(_, n)| n)
            .sum()
    }

    /// Responses with this status forwarded from the upstream server.
    pub fn upstream_status(&self, status: u16) -> usize {
        let statuses = self.state.counters.by_status.lock().unwrap();
        statuses.get(&status).copied().unwrap_or(0)
    }

    /// Token requests (`POST .../auth/tokens`) received.
    pub fn token_posts(&self) -> usize {
        self.count("POST", "/auth/tokens")
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of descriptors, say: do not spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        state.counters.accepted.fetch_add(1, Ordering::SeqCst);
        let _ = client.set_nodelay(true);
        // Counted before the task runs, so `down()` waits for it too.
        state.connections.fetch_add(1, Ordering::SeqCst);
        let open = Open(state.clone());
        tokio::spawn(serve(client, state.clone(), open));
    }
}

/// A parsed message head.
struct Head {
    raw: Vec<u8>,
    first_line: String,
    content_length: Option<usize>,
    chunked: bool,
    close: bool,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(raw: Vec<u8>) -> Option<Head> {
    let text = std::str::from_utf8(&raw).ok()?;
    let mut lines = text.split("\r\n");
    let first_line = lines.next()?.to_owned();
    let mut content_length = None;
    let mut chunked = false;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => content_length = value.parse().ok(),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "connection" => close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    Some(Head {
        raw,
        first_line,
        content_length,
        chunked,
        close,
    })
}

/// A connection with a read buffer.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn new(stream: TcpStream) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more bytes into the buffer; false on EOF or error.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next head, or None on EOF, error or an oversized head.
    async fn read_head(&mut self) -> Option<Head> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let raw: Vec<u8> = self.buf.drain(..end + 4).collect();
                return parse_head(raw);
            }
            if self.buf.len() > MAX_HEAD || !self.fill().await {
                return None;
            }
        }
    }

    /// Exactly `n` bytes.
    async fn read_exact(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await {
                return None;
            }
        }
        Some(self.buf.drain(..n).collect())
    }

    /// One CRLF-terminated line, with its CRLF.
    async fn read_line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                return Some(self.buf.drain(..end + 2).collect());
            }
            if self.buf.len() > MAX_HEAD || !self.fill().await {
                return None;
            }
        }
    }

    /// A whole chunked body, raw (sizes, data, trailers).
    async fn read_chunked(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let line = self.read_line().await?;
            let size_text = std::str::from_utf8(&line).ok()?.trim();
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            out.extend_from_slice(&line);
            if size == 0 {
                loop {
                    let trailer = self.read_line().await?;
                    let done = trailer == b"\r\n";
                    out.extend_from_slice(&trailer);
                    if done {
                        return Some(out);
                    }
                }
            }
            out.extend_from_slice(&self.read_exact(size + 2).await?);
        }
    }

    /// Everything until the peer closes.
    async fn read_to_end(&mut self) -> Vec<u8> {
        while self.fill().await {}
        std::mem::take(&mut self.buf)
    }

    /// The body that follows `head`, raw.
    async fn read_body(&mut self, head: &Head, no_body: bool) -> Option<Vec<u8>> {
        if no_body {
            Some(Vec::new())
        } else if head.chunked {
            self.read_chunked().await
        } else if let Some(n) = head.content_length {
            self.read_exact(n).await
        } else {
            None
        }
    }
}

fn service_unavailable(retry_after: u64) -> Vec<u8> {
    let body = r#"{"error": {"code": 503, "title": "Service Unavailable", "message": "injected by the fault proxy"}}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {retry_after}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What became of one request.
enum Outcome {
    KeepAlive,
    Close,
}

async fn serve(client: TcpStream, state: Arc<State>, open: Open) {
    // Dropped last, after the client and upstream connections are closed.
    let _open = open;
    let mut client = Conn::new(client);
    let mut upstream: Option<Conn> = None;
    let mut down_rx = state.down_tx.subscribe();
    loop {
        // Idle: wait for the next request, for the proxy to go down, or for
        // the upstream to close its idle connection.
        if client.buf.is_empty() {
            if state.down.load(Ordering::SeqCst) {
                return;
            }
            let mut chunk = [0u8; 16 * 1024];
            tokio::select! {
                read = client.stream.read(&mut chunk) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(n) => client.buf.extend_from_slice(&chunk[..n]),
                },
                changed = down_rx.changed() => {
                    if changed.is_err() || *down_rx.borrow() {
                        return;
                    }
                    continue;
                }
                closed = async {
                    match upstream.as_mut() {
                        Some(u) => {
                            let mut probe = [0u8; 1];
                            u.stream.read(&mut probe).await
                        }
                        None => std::future::pending().await,
                    }
                } => {
                    // An idle upstream sends nothing but its close.
                    let _ = closed;
                    upstream = None;
                    continue;
                }
            }
        }
        match one_request(&mut client, &mut upstream, &state).await {
            Outcome::KeepAlive => {}
            Outcome::Close => return,
        }
    }
}

async fn connect_upstream(state: &State) -> Option<Conn> {
    let stream = TcpStream::connect(&state.upstream).await.ok()?;
    let _ = stream.set_nodelay(true);
    Some(Conn::new(stream))
}

async fn one_request(client: &mut Conn, upstream: &mut Option<Conn>, state: &State) -> Outcome {
    let Some(request) = client.read_head().await else {
        return Outcome::Close;
    };
    let Some(body) = client
        .read_body(&request, request.content_length.is_none() && !request.chunked)
        .await
    else {
        return Outcome::Close;
    };
    // A request read while (or just before) the proxy went down is not
    // forwarded: the connection closes unanswered, as a stopped server's would.
    let _serving = state.gate.read().await;
    if state.down.load(Ordering::SeqCst) {
        return Outcome::Close;
    }
    let mut parts = request.first_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default();
    let path = path.split('?').next().unwrap_or_default().to_owned();
    let c = &state.counters;
    c.requests.fetch_add(1, Ordering::SeqCst);
    *c.by_route
        .lock()
        .unwrap()
        .entry(format!("{method} {path}"))
        .or_default() += 1;

    let failing = state
        .fail_503
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        c.answered_503.fetch_add(1, Ordering::SeqCst);
        let answer = service_unavailable(state.retry_after_secs.load(Ordering::SeqCst));
        if client.stream.write_all(&answer).await.is_err() {
            return Outcome::Close;
        }
        return if request.close {
            Outcome::Close
        } else {
            Outcome::KeepAlive
        };
    }

    // Forward; an upstream that closed its idle connection is replaced once.
    let mut message = request.raw.clone();
    message.extend_from_slice(&body);
    let mut response = None;
    for _ in 0..2 {
        if upstream.is_none() {
            *upstream = connect_upstream(state).await;
        }
        let Some(up) = upstream.as_mut() else {
            return Outcome::Close;
        };
        if up.stream.write_all(&message).await.is_ok() {
            if let Some(head) = up.read_head().await {
                response = Some(head);
                break;
            }
        }
        *upstream = None;
    }
    let Some(response) = response else {
        return Outcome::Close;
    };
    c.forwarded.fetch_add(1, Ordering::SeqCst);
    let status: u16 = response
        .first_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    *c.by_status.lock().unwrap().entry(status).or_default() += 1;
    let no_body = method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status);
    let up = upstream.as_mut().unwrap();
    let (response_body, until_close) = match up.read_body(&response, no_body).await {
        Some(b) => (b, false),
        None if !no_body && !response.chunked && response.content_length.is_none() => (up.read_to_end().await, true),
        None => return Outcome::Close,
    };
    if until_close || response.close {
        *upstream = None;
    }

    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        c.delayed.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let reset_after = state.reset_after.load(Ordering::SeqCst);
    if reset_after >= 0 && (reset_after as usize) < response_body.len() {
        let mut partial = response.raw.clone();
        partial.extend_from_slice(&response_body[..reset_after as usize]);
        let _ = client.stream.write_all(&partial).await;
        let _ = client.stream.flush().await;
        let _ = client.stream.set_zero_linger();
        c.resets.fetch_add(1, Ordering::SeqCst);
        // The upstream connection is mid-nothing (the whole response was
        // read), but drop it too, as a broken middlebox would.
        *upstream = None;
        return Outcome::Close;
    }
    let mut answer = match state.rewrite.lock().unwrap().as_mut() {
        Some(rewrite) => rewrite.apply(response.raw),
        None => response.raw,
    };
    answer.extend_from_slice(&response_body);
    if client.stream.write_all(&answer).await.is_err() {
        return Outcome::Close;
    }
    if until_close || response.close || request.close {
        let _ = client.stream.shutdown().await;
        return Outcome::Close;
    }
    Outcome::KeepAlive
}
