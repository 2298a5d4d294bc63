//! Load and thundering herds against the real Keystone (`scripts/keystone`),
//! with 10-second tokens from the short-token instance, token POSTs counted
//! by a proxy in front of it.
//!
//! The load test's duration comes from `KSA_LOAD_SECONDS` (default 12 s, so
//! at least one token renewal happens in the normal test run). The long
//! profile, run by hand:
//!
//! ```sh
//! KSA_LOAD_SECONDS=60 cargo test -p keystoneauth --test reliability_keystone -- --nocapture load
//! ```
//!
//! The tests of this file run one at a time (they would skew each other's
//! figures: Keystone has one worker with one thread).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use testkit::require_keystone;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::proxy::CountingProxy;
use keystoneauth::identity::v3;
use keystoneauth::{EndpointFilter, Session};
use secrecy::ExposeSecret;
use tokio::sync::Barrier;

const TOKEN_POST: &[u8] = b"POST /v3/auth/tokens";

/// One test at a time in this binary.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A session whose admin plugin authenticates through a counting proxy in
/// front of the 10-second-token Keystone. API requests go where the
/// catalog points (the main instance).
async fn short_token_session(ks: &common::Keystone) -> (Session, CountingProxy) {
    assert!(!ks.short_auth_url.is_empty(), "KSA_TEST_SHORT_AUTH_URL is not set");
    let counter = CountingProxy::start(&common::host_port(&ks.short_auth_url), TOKEN_POST);
    let plugin = v3::Password::builder(format!("{}/v3", counter.base))
        .username(&ks.admin_username)
        .user_domain_id("default")
        .password(ks.admin_password.clone())
        .project_name(&ks.admin_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    let session = Session::builder()
        .auth(Arc::new(plugin))
        // Only a bound for a hung server: the shared test Keystone (one
        // thread per server, SQLite) was seen to pause for a minute while
        // other suites used it; a pause makes requests slow, not failed.
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    (session, counter)
}

/// A field of /proc/self/status in KiB (Linux only).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak resident size (VmHWM) to the current one, so
/// the peak measured is this test's; false where the kernel does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

#[derive(Default)]
struct TaskResult {
    latencies: Vec<Duration>,
    failures: Vec<String>,
    /// Requests slower than a second: (start offset, latency).
    slow: Vec<(Duration, Duration)>,
}

#[tokio::test]
async fn load_50_tasks_one_session_short_tokens() {
    let ks = require_keystone!();
    let _serial = SERIAL.lock().await;
    let seconds: u64 = std::env::var("KSA_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    assert!((1..=3600).contains(&seconds), "KSA_LOAD_SECONDS={seconds}");
    const TASKS: usize = 50;
    let duration = Duration::from_secs(seconds);
    let deadline = duration + Duration::from_secs(600);

    tokio::time::timeout(deadline, async {
        let (session, counter) = short_token_session(&ks).await;
        // Warm-up: the first token and a first request (the cold start is
        // what the thundering-herd test measures).
        session
            .get(format!("/users/{}", ks.admin_user_id))
            .endpoint_filter(EndpointFilter::new("identity"))
            .send()
            .await
            .unwrap();
        let first_token = Instant::now();
        let peak_reset = reset_peak_rss();
        let rss_before = proc_status_kib("VmRSS:").unwrap_or(0);
        let barrier = Arc::new(Barrier::new(TASKS));
        let start = Instant::now();
        let end = start + duration;
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let (session, barrier, user) = (session.clone(), barrier.clone(), ks.admin_user_id.clone());
                tokio::spawn(async move {
                    let mut result = TaskResult::default();
                    barrier.wait().await;
                    let mut n = i;
                    while Instant::now() < end {
                        // Alternate between a user and the project list.
                        let path = if n % 2 == 0 {
                            format!("/users/{user}")
                        } else {
                            "/projects".to_owned()
                        };
                        n += 1;
                        let t = Instant::now();
                        let r = session
                            .get(path)
                            .endpoint_filter(EndpointFilter::new("identity"))
                            .send()
                            .await;
                        let latency = t.elapsed();
                        if latency > Duration::from_secs(1) {
                            result.slow.push((t - start, latency));
                        }
                        match r {
                            Ok(r) if r.status() == 200 => result.latencies.push(latency),
                            Ok(r) => result.failures.push(format!("status {}", r.status())),
                            Err(e) => result.failures.push(e.to_string()),
                        }
                    }
                    result
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut failures = Vec::new();
        let mut slow = Vec::new();
        for t in tasks {
            let r = t.await.unwrap();
            latencies.extend(r.latencies);
            failures.extend(r.failures);
            slow.extend(r.slow);
        }
        slow.sort();
        let wall = start.elapsed();
        latencies.sort();
        let requests = latencies.len() + failures.len();
        let posts = counter.count();
        let peak = proc_status_kib("VmHWM:").unwrap_or(0);
        let rss_after = proc_status_kib("VmRSS:").unwrap_or(0);
        println!(
            "LOAD: duration={seconds}s tasks={TASKS} requests={requests} failures={} rate={:.0}/s token_posts={posts} \
             p50={:.1}ms p99={:.1}ms max={:.1}ms peak_rss(VmHWM)={:.1}MiB{} rss_before={:.1}MiB (growth {:.1}MiB) rss_after={:.1}MiB",
            failures.len(),
            requests as f64 / wall.as_secs_f64(),
            common::ms(percentile(&latencies, 50)),
            common::ms(percentile(&latencies, 99)),
            common::ms(latencies.last().copied().unwrap_or_default()),
            peak as f64 / 1024.0,
            if peak_reset { "" } else { " (not reset: process peak)" },
            rss_before as f64 / 1024.0,
            peak.saturating_sub(rss_before) as f64 / 1024.0,
            rss_after as f64 / 1024.0,
        );
        if let (Some(first), Some(last)) = (slow.first(), slow.last()) {
            println!(
                "LOAD: {} requests took over 1 s, started from {:.1}s to {:.1}s into the run (slowest {:.1}s)",
                slow.len(),
                first.0.as_secs_f64(),
                last.0.as_secs_f64(),
                slow.iter().map(|s| s.1).max().unwrap_or_default().as_secs_f64()
            );
        }
        assert!(
            failures.is_empty(),
            "{} of {requests} requests failed; first: {:?}",
            failures.len(),
            failures.first()
        );
        assert!(requests >= TASKS, "{requests}");
        // About one token per lifetime (10 s, renewed 2.5 s early): never one
        // per task. The bound follows from how long the load really ran
        // since the first token (a busy machine stretches the run).
        assert!(posts >= 1);
        let ran = first_token.elapsed().as_secs_f64();
        assert!(
            posts as f64 <= ran / 7.5 + 2.0,
            "{posts} token POSTs in {ran:.1} s of 10-second tokens"
        );
        assert!(posts < TASKS, "{posts} token POSTs for {TASKS} tasks");
        if seconds >= 10 {
            assert!(posts >= 2, "a {seconds} s run outlives a 10 s token: {posts} POSTs");
        }
    })
    .await
    .expect("the load test is bounded");
}

/// `n` tasks released together, each sending one authenticated request to
/// `api`; every one must succeed. Returns the wall time.
async fn herd(session: &Session, api: &str, n: usize) -> Duration {
    let barrier = Arc::new(Barrier::new(n + 1));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (session, barrier, api) = (session.clone(), barrier.clone(), api.to_owned());
            tokio::spawn(async move {
                barrier.wait().await;
                session
                    .get("/herd")
                    .endpoint_override(api)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    barrier.wait().await;
    let start = Instant::now();
    for t in tasks {
        assert_eq!(t.await.unwrap().expect("every request of the herd succeeds"), 200);
    }
    start.elapsed()
}

/// The distinct tokens an API server received, and how many requests came
/// without one.
async fn tokens_seen(api: &wiremock::MockServer) -> (std::collections::BTreeSet<String>, usize) {
    let mut tokens = std::collections::BTreeSet::new();
    let mut without = 0;
    for r in api.received_requests().await.unwrap() {
        match r.headers.get("x-auth-token").and_then(|v| v.to_str().ok()) {
            Some(t) => {
                tokens.insert(t.to_owned());
            }
            None => without += 1,
        }
    }
    (tokens, without)
}

#[tokio::test]
async fn thundering_herd_of_1000_makes_one_token_post_cold_and_at_expiry() {
    let ks = require_keystone!();
    let _serial = SERIAL.lock().await;
    const HERD: usize = 1000;
    tokio::time::timeout(Duration::from_secs(600), async {
        let (session, counter) = short_token_session(&ks).await;
        let plugin = session.auth().unwrap().clone();
        // The herd's requests go to an in-test API server (Keystone, with one
        // worker thread at ~10 ms a request, would need 10 s for 1000
        // requests: longer than the token lives). It records the tokens.
        let api = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::path("/herd"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&api)
            .await;

        // Cold: no token yet.
        let cold = herd(&session, &api.uri(), HERD).await;
        assert_eq!(counter.count(), 1, "{HERD} concurrent first requests, one token POST");
        let (tokens, without) = tokens_seen(&api).await;
        assert_eq!((tokens.len(), without), (1, 0), "every request carried the one token");

        // Wait until the token is due for renewal, computed from its expiry.
        let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
        let margin = common::reauth_margin(&access);
        let until_due = (access.expires_at() - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .saturating_sub(margin);
        // (A cold herd slowed past the renewal by a busy machine leaves
        // nothing to wait for: the token is due, or expired, either way.)
        tokio::time::sleep(until_due + Duration::from_millis(100)).await;
        assert!(access.will_expire_soon(margin), "the token is now due for renewal");
        let expired_already = access.will_expire_soon(Duration::ZERO);
        assert_eq!(counter.count(), 1);

        // At expiry: one re-authentication for the whole herd.
        api.reset().await;
        wiremock::Mock::given(wiremock::matchers::path("/herd"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&api)
            .await;
        let warm = herd(&session, &api.uri(), HERD).await;
        let posts = counter.count();
        let (renewal_tokens, without) = tokens_seen(&api).await;
        let renewed = plugin.access_info(session.transport()).await.unwrap().unwrap();
        println!(
            "HERD: {HERD} concurrent first requests on a cold session: {:.2}s, token POSTs=1, distinct tokens=1; \
             {HERD} concurrent requests at renewal (margin {:?} of a {:?} token{}): {:.2}s, re-auths={}, distinct tokens={}",
            cold.as_secs_f64(),
            margin,
            access.lifetime().unwrap_or_default(),
            if expired_already { ", expired already" } else { "" },
            warm.as_secs_f64(),
            posts - 1,
            renewal_tokens.len()
        );
        assert_eq!(posts, 2, "{HERD} concurrent requests at expiry, exactly one re-authentication");
        assert_eq!((renewal_tokens.len(), without), (1, 0), "every request carried the new token");
        assert_ne!(renewed.token().expose_secret(), access.token().expose_secret());
        assert_eq!(
            renewal_tokens.iter().next().map(String::as_str),
            Some(renewed.token().expose_secret())
        );
        // The renewed token is a real one: Keystone validates it.
        let r = session
            .get(format!("/users/{}", ks.admin_user_id))
            .endpoint_filter(EndpointFilter::new("identity"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    })
    .await
    .expect("the herd test is bounded");
}
