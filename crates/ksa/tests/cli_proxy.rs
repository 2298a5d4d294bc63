//! `ksa proxy` against the real Keystone: 200 concurrent clients and one
//! token POST, a token expiring mid-run (the 10-second Keystone), the Host
//! allow-list, unknown services, client credentials stripped, microversion
//! headers passed, one redacted log line per request, 1 GiB streamed both
//! ways in bounded memory. Token POSTs and
//! forwarded bytes are counted by loopback counting proxies
//! (`tests/common/proxy.rs`). Skipped, with a printed reason, without a
//! Keystone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;
// The large-body server of the library's tests (one helper, not a copy).
#[path = "../../keystoneauth/tests/common/bulk_server.rs"]
mod bulk_server;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::proxy::CountingProxy;
use common::{Keystone, Sandbox};
use serde_json::Value;

const TOKEN_POST: &[u8] = b"POST /v3/auth/tokens";

/// The heavy tests (200 clients, the expiry run, 1 GiB) one at a time: run
/// together on a busy 2-core machine they only slow each other down.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The admin's project through the proxy, checked; `None` on any failure.
fn get_project(proxy: &common::ksa_proxy::KsaProxy, k: &Keystone) -> Option<()> {
    let r = proxy.get(&format!("/identity/v3/projects/{}", k.admin_project_id), &[]);
    let v: Value = r.json()?;
    (r.status == 200 && v["project"]["id"] == k.admin_project_id.as_str()).then_some(())
}

#[test]
fn two_hundred_concurrent_clients_one_token_post() {
    let k = require_keystone!();
    let _heavy = heavy();
    let s = Sandbox::new("proxy-200");
    let counter = CountingProxy::start(&k.host_port(), TOKEN_POST);
    let proxy = Arc::new(s.start_proxy(&k.admin_env(&format!("{}/v3", counter.base)), &[]));
    let clients = 200;
    let barrier = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (proxy, barrier, k) = (proxy.clone(), barrier.clone(), k.clone());
            std::thread::spawn(move || {
                barrier.wait();
                get_project(&proxy, &k)
            })
        })
        .collect();
    let failures = threads
        .into_iter()
        .map(|t| t.join().ok().flatten())
        .filter(Option::is_none)
        .count();
    assert_eq!(failures, 0, "{failures} of {clients} requests failed:\n{}", proxy.log());
    assert_eq!(counter.count(), 1, "token POSTs for {clients} concurrent clients");
    // One line per request, nothing secret in them.
    let log = proxy.log();
    let lines = log
        .lines()
        .filter(|l| l.starts_with("ksa proxy: GET /identity/v3/projects/") && l.contains(" 200 "))
        .count();
    assert_eq!(lines, clients, "{log}");
    assert!(!log.contains(&k.admin_password));
}

#[test]
fn a_token_expiring_mid_run_is_renewed_without_failures() {
    let k = require_keystone!();
    let _heavy = heavy();
    let short = k.short_auth_url.clone();
    if short.is_empty() {
        common::skip("KSA_TEST_SHORT_AUTH_URL is not set (the 10-second-token Keystone)");
        return;
    }
    let s = Sandbox::new("proxy-expiry");
    let counter = Arc::new(CountingProxy::start(&common::host_port(&short), TOKEN_POST));
    let proxy = Arc::new(s.start_proxy(&k.admin_env(&format!("{}/v3", counter.base)), &[]));
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (proxy, k, stop) = (proxy.clone(), k.clone(), stop.clone());
            let (ok, failed) = (ok.clone(), failed.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| get_project(&proxy, &k)));
                    match result {
                        Ok(Some(())) => ok.fetch_add(1, Ordering::SeqCst),
                        _ => failed.fetch_add(1, Ordering::SeqCst),
                    };
                }
            })
        })
        .collect();
    // Until the token has been renewed twice while requests flowed (each
    // token lives 10 s); the bound only stops a broken run.
    let deadline = Instant::now() + Duration::from_secs(300);
    while counter.count() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let requests_before_stop = ok.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    let posts = counter.count();
    assert!(posts >= 3, "the token was not renewed: {posts} token POSTs");
    assert_eq!(
        failed.load(Ordering::SeqCst),
        0,
        "failed requests across token renewals ({} ok):\n{}",
        ok.load(Ordering::SeqCst),
        proxy.log()
    );
    assert!(requests_before_stop > 0);
    // Single-flight: far fewer token POSTs than requests.
    assert!(
        posts * 4 < ok.load(Ordering::SeqCst),
        "{posts} token POSTs for {} requests",
        ok.load(Ordering::SeqCst)
    );
}

#[test]
fn foreign_hosts_are_refused_and_unknown_services_are_404_json() {
    let k = require_keystone!();
    let s = Sandbox::new("proxy-refusals");
    let proxy = s.start_proxy(&k.admin_env(&k.auth_url), &[]);
    let path = format!("/identity/v3/projects/{}", k.admin_project_id);
    // DNS rebinding: a name that resolves to 127.0.0.1 but is not ours.
    for host in [
        "evil.example",
        "evil.example:8001",
        "127.0.0.1.nip.io",
        "localhost.evil.example",
    ] {
        let r = proxy.get(&path, &[("Host", host)]);
        assert_eq!(r.status, 403, "Host {host}: {}", r.text());
        let v = r.json().expect("a JSON error");
        assert_eq!(v["error"]["code"], 403);
        assert!(
            v["error"]["message"].as_str().unwrap().contains("--accept-hosts"),
            "{v}"
        );
    }
    let localhost = format!("localhost:{}", proxy.port);
    assert_eq!(proxy.get(&path, &[("Host", &localhost)]).status, 200);
    // A name allowed with --accept-hosts.
    let other = s.start_proxy(&k.admin_env(&k.auth_url), &["--accept-hosts", r"^ksa\.test$"]);
    assert_eq!(other.get(&path, &[("Host", "ksa.test")]).status, 200);
    assert_eq!(other.get(&path, &[]).status, 403);

    let r = proxy.get("/nosuch-service/v1/things", &[]);
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.header("content-type").unwrap().contains("application/json"));
    let v = r.json().expect("a JSON error");
    assert_eq!(v["error"]["code"], 404);
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"nosuch-service\"") && message.contains("identity"),
        "{message}"
    );
    let r = proxy.get("/", &[]);
    assert_eq!(r.status, 404);
    assert!(r.json().unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/<service-type>/"));

    // Query secrets are masked in the log.
    proxy.get("/identity/v3/projects?name=admin&token=canary-q7", &[]);
    let log = proxy.log();
    assert!(
        log.contains("GET /identity/v3/projects?name=admin&token=*** 200"),
        "{log}"
    );
    assert!(!log.contains("canary-q7"), "{log}");
}

#[test]
fn client_credentials_are_stripped_and_microversions_pass() {
    let k = require_keystone!();
    let s = Sandbox::new("proxy-headers");
    // proxy -> `seen` (counts the microversion) -> `canaries` (counts the
    // client's credentials) -> Keystone, through --os-identity-endpoint-override.
    let canaries = CountingProxy::start(&k.host_port(), b"canary-9d2");
    let seen = CountingProxy::start(&common::host_port(&canaries.base), b"identity 3.14");
    let override_url = format!("{}/v3", seen.base);
    let proxy = s.start_proxy(
        &k.admin_env(&k.auth_url),
        &["--os-identity-endpoint-override", &override_url],
    );
    let r = proxy.get(
        &format!("/identity/v3/projects/{}", k.admin_project_id),
        &[
            ("X-Auth-Token", "canary-9d2"),
            ("Authorization", "Bearer canary-9d2"),
            ("X-Service-Token", "canary-9d2"),
            ("Cookie", "session=canary-9d2"),
            ("Proxy-Authorization", "Basic canary-9d2"),
            ("OpenStack-API-Version", "identity 3.14"),
        ],
    );
    // Keystone accepted the proxy's own token.
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(seen.count(), 1, "the microversion header was not forwarded");
    assert_eq!(canaries.count(), 0, "a client credential reached the service");
    assert!(!proxy.log().contains("canary-9d2"));
}

#[test]
fn non_loopback_addresses_need_the_flag() {
    let k = require_keystone!();
    let s = Sandbox::new("proxy-address");
    for address in ["0.0.0.0", "::"] {
        let out = s.run_args(
            &k.admin_env(&k.auth_url),
            &["proxy", "--address", address, "--port", "0"],
        );
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("--accept-non-loopback"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    let out = s.run_args(&k.admin_env(&k.auth_url), &["proxy", "--address", "localhost-ish"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not an IP address"), "{}", out.stderr);
}

/// Sends `method path` to the proxy with a body of `upload` pattern bytes
/// (none when 0), then reads the response body as it comes, hashing it;
/// returns (status, body length, SHA-256). Nothing is held in memory.
fn stream_through(base: &str, method: &str, path: &str, upload: u64) -> (u16, u64, String) {
    use sha2::{Digest, Sha256};
    use std::io::{BufRead, BufReader, Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {upload}\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let block = bulk_server::pattern_block();
    let mut left = upload;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        s.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = None;
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<u64>().ok();
            }
        }
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    if let Some(l) = length {
        assert_eq!(total, l, "short body");
    }
    (status, total, hex::encode(h.finalize()))
}

/// A 1 GiB (`KSA_STREAM_BYTES`) download and upload through the proxy to a
/// loopback service (`--os-object-store-endpoint-override`): SHA-256
/// checked both ways, the proxy's peak memory sampled while they run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The guard only orders whole tests; nothing else in this runtime takes it.
#[allow(clippy::await_holding_lock)]
async fn bodies_stream_through_in_bounded_memory() {
    use bulk_server::{pattern_or_created, pattern_sha256, stream_bytes, BulkServer};
    let k = require_keystone!();
    let _heavy = heavy();
    let len = stream_bytes();
    let server = BulkServer::start(pattern_or_created(len)).await;
    let s = Sandbox::new("proxy-stream");
    let override_url = format!("{}/v1/AUTH_test", server.base);
    let proxy = s.start_proxy(
        &k.admin_env(&k.auth_url),
        &["--os-object-store-endpoint-override", &override_url],
    );
    let pid = proxy.pid();
    let base = proxy.base.clone();
    let sampler_stop = Arc::new(AtomicBool::new(false));
    let stop = sampler_stop.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !stop.load(Ordering::SeqCst) {
            peak = common::vm_hwm_kib(pid).unwrap_or(0).max(peak);
            std::thread::sleep(Duration::from_millis(20));
        }
        common::vm_hwm_kib(pid).unwrap_or(0).max(peak)
    });
    let (status, got, sha) =
        tokio::task::spawn_blocking(move || stream_through(&base, "GET", "/object-store/c/big", 0))
            .await
            .unwrap();
    assert_eq!((status, got), (200, len));
    assert_eq!(sha, pattern_sha256(len));
    let base = proxy.base.clone();
    let (status, _, _) = tokio::task::spawn_blocking(move || stream_through(&base, "PUT", "/object-store/c/up", len))
        .await
        .unwrap();
    assert_eq!(status, 201, "{}", proxy.log());
    sampler_stop.store(true, Ordering::SeqCst);
    let peak = sampler.join().unwrap();
    let put = server.received().into_iter().rfind(|r| r.head.method == "PUT").unwrap();
    assert_eq!(put.head.path, "/v1/AUTH_test/c/up");
    assert_eq!(put.body_len, len);
    assert_eq!(put.body_sha256, pattern_sha256(len));
    assert!(
        put.head.header("x-auth-token").is_some(),
        "the proxy's token was not sent"
    );
    eprintln!("ksa proxy, {len} bytes down and up: peak resident {peak} KiB");
    assert!(peak > 0 && peak < 64 * 1024, "ksa proxy peak {peak} KiB");
}
