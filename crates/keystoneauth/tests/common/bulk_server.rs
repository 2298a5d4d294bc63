//! A loopback HTTP/1.1 server for large bodies: it answers with bodies
//! generated on the fly (never held in memory), reads request bodies
//! (`Content-Length` or chunked) while hashing them with SHA-256, and can
//! cut a response mid-body. Routes are a closure from the request head to a
//! [`Reply`]. Everything stops when the test's runtime ends.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The head of a request the server received.
#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request the server received, with the length and SHA-256 of its body
/// (the body itself is not kept).
#[derive(Debug, Clone)]
pub struct Received {
    pub head: Head,
    pub body_len: u64,
    pub body_sha256: String,
    /// The first 4 KiB of the body.
    pub body_start: Vec<u8>,
}

/// A response body.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Bytes(Vec<u8>),
    /// `head`, then `unit` repeated `count` times, then `tail`.
    Repeat {
        head: Vec<u8>,
        unit: Vec<u8>,
        count: u64,
        tail: Vec<u8>,
    },
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::Repeat {
                head,
                unit,
                count,
                tail,
            } => head.len() as u64 + unit.len() as u64 * count + tail.len() as u64,
        }
    }

    /// `len` bytes of a pseudo-random 64 KiB block repeated (cheap to
    /// generate, and a SHA-256 over it catches any lost, doubled or
    /// reordered chunk that is not a whole block apart).
    pub fn pattern(len: u64) -> Self {
        let block = pattern_block();
        let count = len / block.len() as u64;
        let rest = (len % block.len() as u64) as usize;
        Body::Repeat {
            head: Vec::new(),
            tail: block[..rest].to_vec(),
            unit: block,
            count,
        }
    }
}

/// The 64 KiB block [`Body::pattern`] repeats (an odd size would be
/// better against block-aligned faults; 65_521 is prime).
pub fn pattern_block() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..65_521)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The SHA-256 (hex) of [`Body::pattern`]`(len)`, computed the same way.
pub fn pattern_sha256(len: u64) -> String {
    let Body::Repeat { unit, count, tail, .. } = Body::pattern(len) else {
        unreachable!()
    };
    let mut h = Sha256::new();
    for _ in 0..count {
        h.update(&unit);
    }
    h.update(&tail);
    hex::encode(h.finalize())
}

/// The size of the large-transfer tests: `KSA_STREAM_BYTES`, default 1 GiB.
pub fn stream_bytes() -> u64 {
    std::env::var("KSA_STREAM_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1 << 30)
}

/// Writes `len` bytes of [`Body::pattern`] to `path`.
pub fn write_pattern_file(path: &std::path::Path, len: u64) {
    use std::io::Write;
    let block = pattern_block();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        f.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
    f.flush().unwrap();
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Close the connection after this many body bytes (a cut stream).
    pub cut_after: Option<u64>,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Empty,
            cut_after: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn cut_after(mut self, bytes: u64) -> Self {
        self.cut_after = Some(bytes);
        self
    }
}

/// A route for a download and an upload: `GET` answers `len` bytes of
/// [`Body::pattern`] (`application/octet-stream`), anything else `201`.
pub fn pattern_or_created(len: u64) -> impl Fn(&Head) -> Reply + Send + Sync + 'static {
    move |head| {
        if head.method == "GET" {
            Reply::new(200)
                .header("content-type", "application/octet-stream")
                .body(Body::pattern(len))
        } else {
            Reply::new(201)
        }
    }
}

type Route = dyn Fn(&Head) -> Reply + Send + Sync;

/// A running server.
pub struct BulkServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl BulkServer {
    pub async fn start(route: impl Fn(&Head) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let route: Arc<Route> = Arc::new(route);
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, route.clone(), log.clone()));
            }
        });
        BulkServer { base, received }
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn serve(socket: TcpStream, route: Arc<Route>, log: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    loop {
        let Some(head) = read_head(&mut reader).await else {
            return;
        };
        let Some((body_len, body_sha256, body_start)) = read_body(&mut reader, &head).await else {
            return;
        };
        let reply = route(&head);
        log.lock().unwrap().push(Received {
            head,
            body_len,
            body_sha256,
            body_start,
        });
        if !write_reply(&mut write, &reply).await || reply.cut_after.is_some() {
            return;
        }
    }
}

async fn read_head(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Head> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).await.ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Some(Head { method, path, headers })
}

/// The body read so far: its length, SHA-256 and first 4 KiB.
#[derive(Default)]
struct BodySink {
    hasher: Sha256,
    total: u64,
    start: Vec<u8>,
}

impl BodySink {
    /// Reads exactly `len` bytes into the sink.
    async fn take(&mut self, reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, len: u64) -> Option<()> {
        const BUF: usize = 64 * 1024;
        let mut buf = vec![0u8; BUF];
        let mut left = len;
        while left > 0 {
            let n = reader.read(&mut buf[..left.min(BUF as u64) as usize]).await.ok()?;
            if n == 0 {
                return None;
            }
            let data = &buf[..n];
            self.hasher.update(data);
            if self.start.len() < 4096 {
                self.start.extend_from_slice(&data[..n.min(4096 - self.start.len())]);
            }
            self.total += n as u64;
            left -= n as u64;
        }
        Some(())
    }
}

async fn read_body(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    head: &Head,
) -> Option<(u64, String, Vec<u8>)> {
    let mut sink = BodySink::default();
    if head
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size_line = String::new();
            if reader.read_line(&mut size_line).await.ok()? == 0 {
                return None;
            }
            let size = u64::from_str_radix(size_line.trim().split(';').next()?, 16).ok()?;
            if size == 0 {
                let mut end = String::new();
                reader.read_line(&mut end).await.ok()?;
                break;
            }
            sink.take(reader, size).await?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf).await.ok()?;
        }
    } else {
        let len: u64 = head.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        sink.take(reader, len).await?;
    }
    Some((sink.total, hex::encode(sink.hasher.finalize()), sink.start))
}

async fn write_reply(write: &mut tokio::net::tcp::OwnedWriteHalf, reply: &Reply) -> bool {
    let mut head = format!(
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if write.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let mut budget = reply.cut_after.unwrap_or(u64::MAX);
    let (head_b, unit, count, tail): (&[u8], &[u8], u64, &[u8]) = match &reply.body {
        Body::Empty => (&[], &[], 0, &[]),
        Body::Bytes(b) => (b, &[], 0, &[]),
        Body::Repeat {
            head,
            unit,
            count,
            tail,
        } => (head, unit, *count, tail),
    };
    let pieces = std::iter::once(head_b)
        .chain(std::iter::repeat_n(unit, count as usize))
        .chain(std::iter::once(tail));
    for piece in pieces {
        if budget == 0 {
            return false;
        }
        let n = (piece.len() as u64).min(budget) as usize;
        budget -= n as u64;
        if write.write_all(&piece[..n]).await.is_err() {
            return false;
        }
    }
    budget > 0 || reply.cut_after.is_none()
}
