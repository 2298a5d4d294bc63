//! Per-request overhead of a [`keystoneauth::Session`] over a bare
//! `reqwest::Client`, both talking to the same local HTTP/1.1 keep-alive
//! server started inside this process.
//!
//! Three benchmarks, one criterion group (`session_overhead`), one tokio
//! runtime:
//!
//! - `reqwest_bare_get`: a bare reqwest client (redirects off, the same
//!   user agent as the session) sends `GET /v2.1/servers` with an
//!   `X-Auth-Token` header and reads the whole body.
//! - `session_token_endpoint_get`: a session with a
//!   `token_endpoint::Token` plugin sends `GET /servers` through the
//!   `compute` endpoint filter: the same request on the wire.
//! - `session_absolute_unauthenticated_get`: the session sends the absolute
//!   URL with `authenticated(Some(false))` (no token header).
//!
//! Before measuring, the request heads the server receives from the first
//! two are compared, so the comparison is like for like.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p keystoneauth --bench session_overhead -- --warm-up-time 2 --measurement-time 8
//! ```
//!
//! With `KSA_BENCH_PAIRED=<rounds>` set, an interleaved run follows the
//! criterion benchmarks: batches of every variant alternate, so that load
//! from other processes hits all of them alike (see `paired_summary`).
//!
//! Figures are collected in `docs/benchmarks.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use criterion::{black_box, criterion_group, Criterion};
use keystoneauth::transport::LIBRARY_USER_AGENT;
use keystoneauth::{token_endpoint, EndpointFilter, Session, AUTH_TOKEN_HEADER};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "gAAAAABbenchmarktoken0123456789abcdef";
const BODY: &str = r#"{"servers": [{"id": "5c0fd2f6-8d29-4a6a-9d2b-2b0e1b8c7a11", "name": "bench", "links": []}]}"#;

/// What the server captures while capture is on: the request heads it saw.
#[derive(Default)]
struct Capture {
    on: AtomicBool,
    heads: Mutex<Vec<String>>,
}

/// Starts the server on its own thread and runtime (so that its work does not
/// queue behind the client's tasks) and returns its address once bound.
fn start_server(capture: Arc<Capture>) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-http-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve_connection(stream, capture.clone()));
                }
            });
        })
        .unwrap();
    rx.recv().unwrap()
}

/// Answers sequential requests on one keep-alive connection: reads up to the
/// end of the head, answers a fixed JSON body. Requests carry no body.
async fn serve_connection(mut stream: TcpStream, capture: Arc<Capture>) {
    let _ = stream.set_nodelay(true);
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        if capture.on.load(Ordering::Relaxed) {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            capture.heads.lock().unwrap().push(head);
        }
        buf.drain(..end);
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A request head as a sorted list of lowercase lines, so header order does
/// not matter.
fn normalise(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = head
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    lines.sort();
    lines
}

/// The server, the runtime and the three clients, shared by the criterion
/// benchmarks and the paired run.
struct Fixture {
    rt: tokio::runtime::Runtime,
    capture: Arc<Capture>,
    absolute: String,
    bare: reqwest::Client,
    session: Session,
}

impl Fixture {
    fn new() -> Self {
        let capture = Arc::new(Capture::default());
        let addr = start_server(capture.clone());
        let endpoint = format!("http://{addr}/v2.1");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        // The bare client sends the session's user agent too, so both put the
        // same bytes on the wire.
        let bare = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(LIBRARY_USER_AGENT)
            .build()
            .unwrap();
        let plugin = token_endpoint::Token::new(endpoint.as_str(), TOKEN).unwrap();
        let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
        let fixture = Fixture {
            rt,
            capture,
            absolute: format!("{endpoint}/servers"),
            bare,
            session,
        };
        fixture.check_same_requests();
        fixture
    }

    async fn bare_get(&self) -> bytes::Bytes {
        let response = self
            .bare
            .get(self.absolute.as_str())
            .header(AUTH_TOKEN_HEADER, TOKEN)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap()
    }

    async fn session_get(&self) -> keystoneauth::Response {
        let response = self
            .session
            .get("/servers")
            .endpoint_filter(EndpointFilter::new("compute"))
            .send()
            .await
            .unwrap();
        assert!(response.is_success());
        response
    }

    async fn session_absolute_get(&self) -> keystoneauth::Response {
        let response = self
            .session
            .get(self.absolute.as_str())
            .authenticated(Some(false))
            .send()
            .await
            .unwrap();
        assert!(response.is_success());
        response
    }

    /// Same request on the wire: compares what the server saw.
    fn check_same_requests(&self) {
        self.capture.on.store(true, Ordering::Relaxed);
        self.rt.block_on(async {
            self.bare_get().await;
            self.session_get().await;
            self.session_absolute_get().await;
        });
        self.capture.on.store(false, Ordering::Relaxed);
        let heads = std::mem::take(&mut *self.capture.heads.lock().unwrap());
        assert_eq!(heads.len(), 3, "the server saw {} requests", heads.len());
        assert_eq!(
            normalise(&heads[0]),
            normalise(&heads[1]),
            "bare reqwest and the session sent different requests"
        );
        let token_line = format!("{AUTH_TOKEN_HEADER}: {TOKEN}").to_ascii_lowercase();
        let mut without_token = normalise(&heads[0]);
        without_token.retain(|l| *l != token_line);
        assert_eq!(normalise(&heads[2]), without_token);
        eprintln!("request head on the wire (all variants):\n{}", heads[0].trim_end());
    }

    /// Wall time and CPU time (all threads of this process) per request of
    /// `batch` sequential requests of one variant, in nanoseconds.
    fn time_batch(&self, variant: usize, batch: u32) -> (f64, Option<f64>) {
        let cpu_start = process_cpu_ns();
        let start = Instant::now();
        self.rt.block_on(async {
            for _ in 0..batch {
                match variant {
                    0 => drop(black_box(self.bare_get().await)),
                    1 => drop(black_box(self.session_get().await)),
                    _ => drop(black_box(self.session_absolute_get().await)),
                }
            }
        });
        let wall = start.elapsed().as_nanos() as f64 / f64::from(batch);
        let cpu = match (cpu_start, process_cpu_ns()) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / f64::from(batch)),
            _ => None,
        };
        (wall, cpu)
    }
}

/// CPU time of every thread of this process so far (Linux
/// `/proc/self/task/*/schedstat`), or `None` where unavailable.
fn process_cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

const NAMES: [&str; 3] = [
    "reqwest_bare_get",
    "session_token_endpoint_get",
    "session_absolute_unauthenticated_get",
];

fn session_overhead(c: &mut Criterion) {
    let fx = Fixture::new();
    let mut group = c.benchmark_group("session_overhead");
    group.bench_function(NAMES[0], |b| b.to_async(&fx.rt).iter(|| fx.bare_get()));
    group.bench_function(NAMES[1], |b| b.to_async(&fx.rt).iter(|| fx.session_get()));
    group.bench_function(NAMES[2], |b| b.to_async(&fx.rt).iter(|| fx.session_absolute_get()));
    group.finish();
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// With `KSA_BENCH_PAIRED=<rounds>`: an interleaved run that is robust to
/// load changing while it runs (other builds on the machine). Each round
/// times a batch of 64 requests of every variant, in rotating order; the
/// overhead is the median over rounds of each round's session/bare ratio,
/// for wall time and for CPU time (all threads of the process, server
/// included). `KSA_BENCH_PAIRED_CSV=<path>` also writes every batch's
/// figures there.
fn paired_summary(rounds: u32) {
    const BATCH: u32 = 64;
    let fx = Fixture::new();
    for variant in 0..3 {
        fx.time_batch(variant, BATCH * 4); // warm up
    }
    let mut wall: [Vec<f64>; 3] = Default::default();
    let mut cpu: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds as usize {
        for k in 0..3 {
            let variant = (round + k) % 3;
            let (w, c) = fx.time_batch(variant, BATCH);
            wall[variant].push(w);
            cpu[variant].extend(c);
        }
    }
    if let Ok(path) = std::env::var("KSA_BENCH_PAIRED_CSV") {
        let mut csv = String::from("round,variant,wall_ns,cpu_ns\n");
        for (variant, name) in NAMES.iter().enumerate() {
            for (round, w) in wall[variant].iter().enumerate() {
                let c = cpu[variant].get(round).map_or(String::new(), |c| format!("{c:.0}"));
                csv.push_str(&format!("{round},{name},{w:.0},{c}\n"));
            }
        }
        std::fs::write(&path, csv).unwrap();
    }
    let ratio_overhead = |series: &[Vec<f64>; 3], variant: usize| {
        if series[variant].len() != series[0].len() || series[0].is_empty() {
            return String::from("n/a");
        }
        let mut ratios: Vec<f64> = series[variant].iter().zip(&series[0]).map(|(s, b)| s / b).collect();
        format!("{:+.1} %", (median(&mut ratios) - 1.0) * 100.0)
    };
    println!("\npaired run: {rounds} rounds x {BATCH} requests per variant, interleaved");
    println!(
        "{:<38} {:>10} {:>10} {:>10} {:>10}",
        "benchmark", "wall µs", "overhead", "CPU µs", "overhead"
    );
    for (variant, name) in NAMES.iter().enumerate() {
        let wall_med = median(&mut wall[variant].clone()) / 1000.0;
        let cpu_med = if cpu[variant].is_empty() {
            String::from("n/a")
        } else {
            format!("{:.2}", median(&mut cpu[variant].clone()) / 1000.0)
        };
        let (wall_over, cpu_over) = if variant == 0 {
            (String::from("-"), String::from("-"))
        } else {
            (ratio_overhead(&wall, variant), ratio_overhead(&cpu, variant))
        };
        println!("{name:<38} {wall_med:>10.2} {wall_over:>10} {cpu_med:>10} {cpu_over:>10}");
    }
}

criterion_group!(benches, session_overhead);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let paired = std::env::var("KSA_BENCH_PAIRED").ok().and_then(|v| v.parse().ok());
    if let Some(rounds @ 1..) = paired {
        paired_summary(rounds);
    }
}
