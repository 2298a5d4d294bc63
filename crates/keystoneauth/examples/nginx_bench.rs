//! Per-request client cost against an outside server (issue 15): bare
//! reqwest, a `Session` with `token_endpoint::Token`, and an `Adapter` on a
//! `Session` with `v3::Password`, all against the nginx that
//! `scripts/bench-nginx` starts. Everything runs on one current-thread tokio
//! runtime, so the client's CPU is that thread's CPU
//! (`/proc/thread-self/schedstat`, first field); the server's CPU is not in
//! it. Rounds interleave the variants in rotating order after a warm-up.
//!
//! Environment: `BENCH_BASE` (`http://127.0.0.1:8790`), `BENCH_TOKEN`,
//! `BENCH_ROUNDS` (100), `BENCH_REQUESTS` (200 per variant and round),
//! `BENCH_JSON` (a file to write the summary to, for `scripts/bench-nginx`),
//! `BENCH_CSV` (a file for every round: `variant,round,cpu_ns,wall_ns` per
//! request),
//! `BENCH_ONLY` (`bare`, `session`, `adapter` or `floor`: run that variant
//! alone, for profiling), `BENCH_FLOOR` (set: add the `floor` variant, what
//! the library's per-request work costs written by hand on a reqwest client
//! set up as the library's is: the prepared URL and credentials, the
//! response's headers taken and its body read into one buffer).
//!
//! Run through `scripts/bench-nginx run`; prints a markdown table.

use std::sync::Arc;
use std::time::Instant;

use keystoneauth::identity::v3;
use keystoneauth::{token_endpoint, Adapter, EndpointFilter, Session};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The clients compared, in table order.
enum Client {
    Bare {
        client: reqwest::Client,
        url: String,
        token: String,
    },
    Session(Session),
    Adapter(Adapter),
    Floor {
        client: reqwest::Client,
        url: url::Url,
        headers: http::HeaderMap,
    },
}

/// What the floor variant builds, as large as the library's `Response`.
struct FloorResponse {
    status: reqwest::StatusCode,
    _headers: http::HeaderMap,
    _url: url::Url,
    _method: reqwest::Method,
    body: bytes::Bytes,
    _history: Vec<u8>,
    _elapsed: std::time::Duration,
}

impl Client {
    fn name(&self) -> &'static str {
        match self {
            Client::Bare { .. } => "bare reqwest::Client",
            Client::Session(_) => "Session + token_endpoint::Token",
            Client::Adapter(_) => "Adapter + v3::Password (token cached)",
            Client::Floor { .. } => "floor: the library's work by hand",
        }
    }

    fn key(&self) -> &'static str {
        match self {
            Client::Bare { .. } => "bare",
            Client::Session(_) => "session",
            Client::Adapter(_) => "adapter",
            Client::Floor { .. } => "floor",
        }
    }

    /// One request, its whole body read; an error unless the answer is 200.
    async fn request(&self) -> BoxResult<usize> {
        let (status, len) = match self {
            Client::Bare { client, url, token } => {
                let r = client.get(url.as_str()).header("x-auth-token", token).send().await?;
                let status = r.status();
                (status, r.bytes().await?.len())
            }
            Client::Session(session) => {
                let r = session
                    .get("/servers")
                    .endpoint_filter(EndpointFilter::new("compute"))
                    .send()
                    .await?;
                (r.status(), r.bytes().len())
            }
            Client::Adapter(adapter) => {
                let r = adapter.get("/servers").send().await?;
                (r.status(), r.bytes().len())
            }
            Client::Floor { client, url, headers } => {
                let r = floor(client, url, headers).await?;
                (r.status, r.body.len())
            }
        };
        if status != reqwest::StatusCode::OK {
            return Err(format!("{}: status {status}", self.name()).into());
        }
        Ok(len)
    }
}

/// The floor variant's request: the endpoint joined to the path, the
/// prepared credentials copied in, the response's headers taken and its
/// body read into one buffer, as the library does, with nothing else.
async fn floor(client: &reqwest::Client, endpoint: &url::Url, auth: &http::HeaderMap) -> BoxResult<FloorResponse> {
    let mut url = endpoint.clone();
    url.set_path("/v2.1/servers");
    let mut headers = http::HeaderMap::new();
    for (k, v) in auth {
        headers.insert(k.clone(), v.clone());
    }
    let mut request = reqwest::Request::new(reqwest::Method::GET, url.clone());
    *request.headers_mut() = headers;
    let start = Instant::now();
    let mut response = client.execute(request).await?;
    let status = response.status();
    let mut response_headers = std::mem::take(response.headers_mut());
    for (_, v) in response_headers.iter_mut() {
        v.set_sensitive(false);
    }
    let mut body = bytes::BytesMut::with_capacity(response.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(FloorResponse {
        status,
        _headers: response_headers,
        _url: url,
        _method: reqwest::Method::GET,
        body: body.freeze(),
        _history: Vec::new(),
        _elapsed: start.elapsed(),
    })
}

/// CPU time of the calling thread, in ns (first field of its schedstat).
fn thread_cpu_ns() -> BoxResult<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let first = stat.split_whitespace().next().ok_or("empty schedstat")?;
    Ok(first.parse()?)
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn env_num(name: &str, default: usize) -> BoxResult<usize> {
    match std::env::var(name) {
        Ok(v) => Ok(v.parse().map_err(|e| format!("{name}={v}: {e}"))?),
        Err(_) => Ok(default),
    }
}

/// The value at quantile `q` (0..=1) of `v`, nearest rank.
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    s[i]
}

async fn clients(base: &str, token: &str) -> BoxResult<Vec<Client>> {
    // The library's transport: redirects off, no timeouts unless configured,
    // reqwest's default pool; its User-Agent (the library's
    // `LIBRARY_USER_AGENT`) is sent by the library per request, here set once
    // on the client.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("keystoneauth-rs/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let token_plugin = token_endpoint::Token::new(format!("{base}/v2.1"), token.to_owned())?;
    let session = Session::builder().auth(Arc::new(token_plugin)).build()?;
    let password = v3::Password::builder(format!("{base}/v3"))
        .username("bench")
        .user_domain_name("Default")
        .password("bench")
        .project_name("bench")
        .project_domain_name("Default")
        .build()?;
    let password_session = Session::builder().auth(Arc::new(password)).build()?;
    let adapter = Adapter::builder(password_session).service_type("compute").build()?;
    let mut clients = vec![
        Client::Bare {
            client: bare,
            url: format!("{base}/v2.1/servers"),
            token: token.to_owned(),
        },
        Client::Session(session),
        Client::Adapter(adapter),
    ];
    if std::env::var_os("BENCH_FLOOR").is_some() || std::env::var("BENCH_ONLY").as_deref() == Ok("floor") {
        let mut value = http::HeaderValue::from_str(token)?;
        value.set_sensitive(true);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-auth-token", value);
        clients.push(Client::Floor {
            // the library's reqwest settings: redirects and reqwest's retry
            // layer off (the transport re-sends refused requests itself)
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .retry(reqwest::retry::never().max_retries_per_request(0))
                .user_agent(concat!("keystoneauth-rs/", env!("CARGO_PKG_VERSION")))
                .build()?,
            url: url::Url::parse(&format!("{base}/v2.1"))?,
            headers,
        });
    }
    Ok(clients)
}

/// Per variant, per round: (client CPU ns, wall ns) per request.
async fn measure(clients: &[Client], rounds: usize, requests: usize) -> BoxResult<Vec<Vec<(f64, f64)>>> {
    let mut per_round = vec![Vec::with_capacity(rounds); clients.len()];
    // warm-up: authenticate, open the connections, fill the allocator
    for c in clients {
        for _ in 0..requests {
            std::hint::black_box(c.request().await?);
        }
    }
    for round in 0..rounds {
        for k in 0..clients.len() {
            let i = (round + k) % clients.len();
            let c = &clients[i];
            let cpu0 = thread_cpu_ns()?;
            let t0 = Instant::now();
            for _ in 0..requests {
                std::hint::black_box(c.request().await?);
            }
            let wall = t0.elapsed().as_nanos() as f64;
            let cpu = thread_cpu_ns()?.saturating_sub(cpu0) as f64;
            per_round[i].push((cpu / requests as f64, wall / requests as f64));
        }
    }
    Ok(per_round)
}

fn report(clients: &[Client], per_round: &[Vec<(f64, f64)>], rounds: usize, requests: usize) -> String {
    let mut table = String::from(
        "| client | CPU µs/req median (p10–p90) | wall µs/req median (p10–p90) | CPU vs bare | wall vs bare |\n|---|---:|---:|---:|---:|\n",
    );
    let mut json = Vec::new();
    for (i, (c, rows)) in clients.iter().zip(per_round).enumerate() {
        let cpu: Vec<f64> = rows.iter().map(|r| r.0 / 1000.0).collect();
        let wall: Vec<f64> = rows.iter().map(|r| r.1 / 1000.0).collect();
        let ratio = |f: fn(&(f64, f64)) -> f64| -> f64 {
            let v: Vec<f64> = rows.iter().zip(&per_round[0]).map(|(r, b)| f(r) / f(b)).collect();
            quantile(&v, 0.5)
        };
        let (cpu_ratio, wall_ratio) = (ratio(|r| r.0), ratio(|r| r.1));
        // the first variant is the reference
        let pct = |r: f64| {
            if i == 0 {
                "–".to_owned()
            } else {
                format!("{:+.1} %", (r - 1.0) * 100.0)
            }
        };
        table.push_str(&format!(
            "| {} | {:.1} ({:.1}–{:.1}) | {:.1} ({:.1}–{:.1}) | {} | {} |\n",
            c.name(),
            quantile(&cpu, 0.5),
            quantile(&cpu, 0.1),
            quantile(&cpu, 0.9),
            quantile(&wall, 0.5),
            quantile(&wall, 0.1),
            quantile(&wall, 0.9),
            pct(cpu_ratio),
            pct(wall_ratio),
        ));
        json.push(format!(
            "\"{}\": {{\"cpu_us\": {:.3}, \"wall_us\": {:.3}, \"cpu_ratio\": {cpu_ratio:.4}, \"wall_ratio\": {wall_ratio:.4}}}",
            c.key(),
            quantile(&cpu, 0.5),
            quantile(&wall, 0.5),
        ));
    }
    if let Ok(path) = std::env::var("BENCH_CSV") {
        let mut csv = String::from("variant,round,cpu_ns,wall_ns\n");
        for (c, rows) in clients.iter().zip(per_round) {
            for (round, (cpu, wall)) in rows.iter().enumerate() {
                csv.push_str(&format!("{},{round},{cpu:.0},{wall:.0}\n", c.key()));
            }
        }
        if let Err(e) = std::fs::write(&path, csv) {
            eprintln!("nginx_bench: cannot write {path}: {e}");
        }
    }
    if let Ok(path) = std::env::var("BENCH_JSON") {
        let body = format!(
            "{{\"rounds\": {rounds}, \"requests\": {requests}, {}}}\n",
            json.join(", ")
        );
        if let Err(e) = std::fs::write(&path, body) {
            eprintln!("nginx_bench: cannot write {path}: {e}");
        }
    }
    table
}

fn main() -> BoxResult<()> {
    let base = env_or("BENCH_BASE", "http://127.0.0.1:8790");
    let token = env_or("BENCH_TOKEN", "gAAAAABbenchNginxTokenForIssue15");
    let rounds = env_num("BENCH_ROUNDS", 100)?.max(1);
    let requests = env_num("BENCH_REQUESTS", 200)?.max(1);
    let only = std::env::var("BENCH_ONLY").ok();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let mut clients = clients(&base, &token).await?;
        if let Some(only) = only {
            clients.retain(|c| c.key() == only);
            if clients.is_empty() {
                return Err(format!("BENCH_ONLY={only}: not bare, session, adapter or floor").into());
            }
        }
        let per_round = measure(&clients, rounds, requests).await?;
        print!("{}", report(&clients, &per_round, rounds, requests));
        Ok(())
    })
}
