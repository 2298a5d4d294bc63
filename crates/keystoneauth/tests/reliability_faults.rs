//! Fault injection in front of the real Keystone (`scripts/keystone`): a
//! fault proxy (tests/common/fault_proxy.rs) carries both the token requests
//! (the plugin's `auth_url`) and the API requests (an endpoint override), and
//! stops, delays, resets or answers 503 on demand. Each test asserts what
//! callers see and how many requests reached the proxy.
//!
//! Every wait has a deadline; nothing sleeps to wait for a server (the proxy
//! is bound before it is returned). Figures are printed with `--nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fault_proxy::FaultProxy;
use keystoneauth::{Error, Session, SessionBuilder};
use secrecy::ExposeSecret;
use tokio::sync::Barrier;

/// A bound on every test here, only for a hung run (the slowest takes about
/// 20 s; the shared test Keystone was seen to pause for a minute while other
/// suites used it).
const TEST_DEADLINE: Duration = Duration::from_secs(600);

/// The session timeout where the test is not about timeouts: only a bound
/// for a hung server (a pause of the server makes requests slow, not failed).
const PATIENT: Duration = Duration::from_secs(300);

/// The timeout of the delay test, and the proxy's delay: twice as long, so
/// the timeout fires first however late a busy machine runs the timer, and
/// Keystone has as long to answer the requests that must succeed.
const SHORT_TIMEOUT: Duration = Duration::from_secs(3);
const DELAY: Duration = Duration::from_secs(6);

/// A session authenticating through `proxy` against the Keystone behind it.
fn session_through(ks: &common::Keystone, proxy: &FaultProxy, builder: SessionBuilder) -> Session {
    let auth_url = format!("{}/v3", proxy.base);
    builder
        .auth(Arc::new(ks.admin_project_plugin(&auth_url)))
        .build()
        .unwrap()
}

/// GET the admin user through the proxy (an endpoint override, so the
/// request goes where the proxy is, not where the catalog points).
async fn get_user(session: &Session, proxy: &FaultProxy, ks: &common::Keystone) -> keystoneauth::Result<()> {
    let r = session
        .get(format!("/users/{}", ks.admin_user_id))
        .endpoint_override(format!("{}/v3", proxy.base))
        .send()
        .await?;
    assert_eq!(r.status(), 200);
    Ok(())
}

/// The kind of an error, for tallies.
fn kind(e: &Error) -> &'static str {
    match e {
        Error::ConnectFailure { .. } => "ConnectFailure",
        Error::ConnectTimeout { .. } => "ConnectTimeout",
        Error::ReadTimeout { .. } => "ReadTimeout",
        Error::Connection { .. } => "Connection",
        Error::Http { .. } => "Http",
        Error::Authorization { .. } => "Authorization",
        _ => "Other",
    }
}

/// True for the errors a stopped or broken server may cause: the request
/// could not be sent or its response was lost. An `Authorization` error is
/// accepted when it is a shared failed authentication that itself was a
/// connection failure (the plugin hands the fetcher's failure to the callers
/// that waited for it, as text; see docs/reliability.md).
fn is_connection_error(e: &Error) -> bool {
    match e {
        Error::ConnectFailure { .. } | Error::Connection { .. } => true,
        Error::Authorization { message, .. } => {
            message.contains("unable to establish a connection") || message.contains("connection error")
        }
        _ => false,
    }
}

/// The instant at which the plugin's current token comes due for renewal.
async fn renewal_due(session: &Session) -> Instant {
    let plugin = session.auth().unwrap();
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    let left = (access.expires_at() - chrono::Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO);
    Instant::now() + left.saturating_sub(common::reauth_margin(&access))
}

/// One request of a load run.
#[derive(Debug, Clone)]
struct Sample {
    started: Instant,
    elapsed: Duration,
    error: Option<(&'static str, String)>,
}

/// Tasks sending requests until stopped, each pausing `pace` between
/// requests. Each request is counted when it starts and recorded when it
/// ends, so a test waits on counts and recorded outcomes, never on a
/// wall-clock window.
struct Load {
    stop: Arc<std::sync::atomic::AtomicBool>,
    started: Arc<std::sync::atomic::AtomicUsize>,
    samples: Arc<std::sync::Mutex<Vec<Sample>>>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    /// `tasks` tasks each sending `request()` in a loop.
    fn start<F, Fut>(tasks: usize, pace: Duration, request: F) -> Load
    where
        F: Fn() -> Fut + Clone + Send + 'static,
        Fut: std::future::Future<Output = keystoneauth::Result<()>> + Send,
    {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handles = (0..tasks)
            .map(|_| {
                let (stop, started, samples, request) =
                    (stop.clone(), started.clone(), samples.clone(), request.clone());
                tokio::spawn(async move {
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let begun = Instant::now();
                        let result = request().await;
                        samples.lock().unwrap().push(Sample {
                            started: begun,
                            elapsed: begun.elapsed(),
                            error: result.err().map(|e| (kind(&e), e.to_string())),
                        });
                        tokio::time::sleep(pace).await;
                    }
                })
            })
            .collect();
        Load {
            stop,
            started,
            samples,
            handles,
        }
    }

    /// Requests started so far.
    fn started(&self) -> usize {
        self.started.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until `n` more requests have started than had now.
    async fn wait_for_more(&self, n: usize, what: &str) {
        let from = self.started();
        common::wait_until(what, || self.started() >= from + n).await;
    }

    /// Waits until a request that started at or after `from` has succeeded.
    async fn wait_for_success_since(&self, from: Instant) {
        common::wait_until("a request succeeded", || {
            self.samples
                .lock()
                .unwrap()
                .iter()
                .any(|s| s.started >= from && s.error.is_none())
        })
        .await;
    }

    /// Waits until a request that started at or after `from` has ended.
    async fn wait_for_end_since(&self, from: Instant) {
        common::wait_until("a request ended", || {
            self.samples.lock().unwrap().iter().any(|s| s.started >= from)
        })
        .await;
    }

    /// Stops the tasks (each finishes its request) and returns every
    /// request, in the order they started.
    async fn finish(self) -> Vec<Sample> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for h in self.handles {
            h.await.unwrap();
        }
        let mut all = std::mem::take(&mut *self.samples.lock().unwrap());
        all.sort_by_key(|s| s.started);
        all
    }
}

/// `get_user` through the proxy, as a load request.
fn get_user_load(
    ks: &common::Keystone,
    session: &Session,
    proxy: &Arc<FaultProxy>,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = keystoneauth::Result<()>> + Send>>
       + Clone
       + Send
       + 'static {
    let (ks, session, proxy) = (ks.clone(), session.clone(), proxy.clone());
    move || {
        let (ks, session, proxy) = (ks.clone(), session.clone(), proxy.clone());
        Box::pin(async move { get_user(&session, &proxy, &ks).await })
    }
}

fn tally(samples: &[Sample]) -> std::collections::BTreeMap<&'static str, usize> {
    let mut t = std::collections::BTreeMap::new();
    for s in samples {
        *t.entry(s.error.as_ref().map_or("ok", |e| e.0)).or_default() += 1;
    }
    t
}

/// What an outage run saw.
struct Outage {
    samples: Vec<Sample>,
    /// Just before `down()` was called.
    down_at: Instant,
    /// When `down()` returned: from here on nothing is forwarded.
    down_done: Instant,
    /// Just before `up()` was called: until here nothing is forwarded.
    up_called: Instant,
    /// The end of the earliest request that started at or after `up_at`
    /// and succeeded.
    recovered: Instant,
    session: Session,
    proxy: Arc<FaultProxy>,
}

/// The end of the earliest request that started at or after `from` and
/// succeeded. Recovery is this event, not a time: a caller that arrives
/// while a token POST sent during the outage is failing shares that
/// failure, however late the machine lets it run.
fn recovered_after(samples: &[Sample], from: Instant) -> Instant {
    samples
        .iter()
        .filter(|s| s.started >= from && s.error.is_none())
        .map(|s| s.started + s.elapsed)
        .min()
        .expect("a request succeeded after the outage")
}

/// Requests that start after the recovery in every outage run (counted,
/// not timed).
const AFTER_RECOVERY: usize = 60;

/// Load through the proxy to the 10-second-token Keystone; the proxy goes
/// down for at least 5 s, so that the token comes due for renewal in the
/// middle of the outage, and until a request has started during it (and,
/// without connection retries, failed); then it comes back, and the load goes on for at least 2 s and until
/// `AFTER_RECOVERY` requests have started after a first success.
async fn outage_run(ks: &common::Keystone, builder: SessionBuilder, retries: bool) -> Outage {
    let proxy = Arc::new(FaultProxy::for_url(&ks.short_auth_url).await);
    let session = session_through(ks, &proxy, builder.collect_timing(true));
    get_user(&session, &proxy, ks).await.unwrap();
    let due = renewal_due(&session).await;
    let down_at =
        (due.checked_sub(Duration::from_millis(2500)).unwrap_or(due)).max(Instant::now() + Duration::from_secs(1));
    let up_at = down_at + Duration::from_secs(5);
    let load = Load::start(10, Duration::from_millis(20), get_user_load(ks, &session, &proxy));
    tokio::time::sleep_until(down_at.into()).await;
    let down_at = Instant::now();
    proxy.down().await;
    let down_done = Instant::now();
    assert_eq!(proxy.open_connections(), 0, "down() closed every connection");
    if retries {
        // It waits the outage out.
        load.wait_for_more(1, "a request started during the outage").await;
    } else {
        load.wait_for_end_since(down_done).await;
    }
    tokio::time::sleep_until(up_at.into()).await;
    let up_called = Instant::now();
    proxy.up().await;
    let up_at = Instant::now();
    let end = up_at + Duration::from_secs(2);
    load.wait_for_success_since(up_at).await;
    load.wait_for_more(AFTER_RECOVERY, "requests started after the recovery")
        .await;
    tokio::time::sleep_until(end.into()).await;
    let samples = load.finish().await;
    let recovered = recovered_after(&samples, up_at);
    Outage {
        samples,
        down_at,
        down_done,
        up_called,
        recovered,
        session,
        proxy,
    }
}

/// Keystone (behind the proxy) stopped for 5 s mid-load, no retries: the
/// requests during the outage fail with connection errors (not timeouts),
/// every request after it succeeds on the same session.
async fn outage_without_retries(ks: common::Keystone) -> String {
    let o = outage_run(&ks, Session::builder().timeout(PATIENT), false).await;
    let during: Vec<&Sample> = o
        .samples
        .iter()
        .filter(|s| s.started >= o.down_done && s.started + s.elapsed < o.up_called)
        .collect();
    let after: Vec<&Sample> = o.samples.iter().filter(|s| s.started >= o.recovered).collect();
    let failures: Vec<&Sample> = o.samples.iter().filter(|s| s.error.is_some()).collect();
    let slowest_failure = failures.iter().map(|s| s.elapsed).max().unwrap_or_default();
    assert!(!during.is_empty(), "requests were made during the outage");
    for s in &during {
        assert!(s.error.is_some(), "no request can succeed while the proxy is down");
    }
    for s in &failures {
        let (k, msg) = s.error.as_ref().unwrap();
        assert!(
            s.started + s.elapsed >= o.down_at && s.started < o.recovered,
            "a failure outside the outage: {k} {msg}"
        );
        // A connection error, so not the session timeout: it failed fast.
        assert!(
            matches!(*k, "ConnectFailure" | "Connection" | "Authorization"),
            "a connection error, not {k}: {msg}"
        );
        assert!(
            msg.contains("unable to establish a connection") || msg.contains("connection error"),
            "{k}: {msg}"
        );
    }
    assert!(
        after.len() >= AFTER_RECOVERY,
        "{} requests after the outage",
        after.len()
    );
    assert!(
        after.iter().all(|s| s.error.is_none()),
        "every request after the outage succeeds on the same session: {:?}",
        after.iter().find(|s| s.error.is_some())
    );
    // The token came due during the outage; it was renewed after it.
    assert!(o.proxy.token_posts() >= 2, "{}", o.proxy.token_posts());
    format!(
        "OUTAGE 5 s (no retries): requests={} failures={} (slowest failure {:.0} ms) \
         during_outage={} after={} (all ok) kinds={:?} token_posts={}",
        o.samples.len(),
        failures.len(),
        common::ms(slowest_failure),
        during.len(),
        after.len(),
        tally(&o.samples),
        o.proxy.token_posts(),
    )
}

/// The same outage with `connect_retries`: no caller sees it.
async fn outage_with_connect_retries(ks: common::Keystone) -> String {
    // Back-off 0.5, 1, 2, 4 s: a request may wait 7.5 s, more than the 5 s outage.
    let builder = Session::builder().timeout(PATIENT).connect_retries(5);
    let o = outage_run(&ks, builder, true).await;
    let failures: Vec<&Sample> = o.samples.iter().filter(|s| s.error.is_some()).collect();
    // Requests that started once nothing was forwarded any more, and ended
    // (successfully) after the proxy was back: they waited the outage out.
    let spanning = o
        .samples
        .iter()
        .filter(|s| s.started >= o.down_done && s.started < o.up_called && s.started + s.elapsed > o.up_called)
        .count();
    let timings = o.session.timings();
    let refused_posts = timings
        .iter()
        .filter(|t| t.method == "POST" && t.status.is_none())
        .count();
    let refused = timings.iter().filter(|t| t.status.is_none()).count();
    let slowest = o.samples.iter().map(|s| s.elapsed).max().unwrap_or_default();
    assert!(
        failures.is_empty(),
        "with connect retries no caller sees the outage: {:?}",
        failures.first()
    );
    assert!(spanning >= 1, "some requests waited through the outage");
    assert!(refused >= 1, "attempts were refused while the proxy was down");
    assert!(o.proxy.token_posts() >= 2);
    format!(
        "OUTAGE 5 s (connect_retries=5): requests={} failures={} waited_through_outage={} refused_attempts={} \
         (token POSTs among them: {}) token_posts_received={} slowest={:.2}s",
        o.samples.len(),
        failures.len(),
        spanning,
        refused,
        refused_posts,
        o.proxy.token_posts(),
        slowest.as_secs_f64(),
    )
}

/// Only the token endpoint is down (the API is up): from 5 s before the
/// token comes due for renewal until 2 s after it expires (and until a
/// request has failed with the expired token). Measures how many requests
/// fail while the cached token is still valid (in the re-authentication
/// margin): the plugin does not fall back to it.
async fn token_endpoint_down_api_up(ks: common::Keystone) -> String {
    let proxy = Arc::new(FaultProxy::for_url(&ks.short_auth_url).await);
    let session = session_through(&ks, &proxy, Session::builder().timeout(PATIENT));
    let get = {
        let (session, user) = (session.clone(), ks.admin_user_id.clone());
        move || {
            let (session, user) = (session.clone(), user.clone());
            async move {
                session
                    .get(format!("/users/{user}"))
                    .endpoint_filter(keystoneauth::EndpointFilter::new("identity"))
                    .send()
                    .await
                    .map(|_| ())
            }
        }
    };
    get().await.unwrap();
    let access = session
        .auth()
        .unwrap()
        .access_info(session.transport())
        .await
        .unwrap()
        .unwrap();
    let left = (access.expires_at() - chrono::Utc::now()).to_std().unwrap_or_default();
    let expiry = Instant::now() + left;
    let due = expiry - common::reauth_margin(&access);
    let down_at = due
        .checked_sub(Duration::from_secs(5))
        .unwrap_or(due)
        .max(Instant::now());
    let up_at = expiry + Duration::from_secs(2);
    let load = Load::start(5, Duration::from_millis(50), get);
    tokio::time::sleep_until(down_at.into()).await;
    let down_at = Instant::now();
    proxy.down().await;
    tokio::time::sleep_until(up_at.into()).await;
    // At least one request lived wholly after the expiry, with Keystone down.
    load.wait_for_end_since(expiry).await;
    let up_called = Instant::now();
    proxy.up().await;
    let up_at = Instant::now();
    let end = up_at + Duration::from_secs(2);
    load.wait_for_success_since(up_at).await;
    load.wait_for_more(30, "requests started after the token endpoint came back")
        .await;
    tokio::time::sleep_until(end.into()).await;
    let samples = load.finish().await;
    // Each window holds the requests whose whole life lies in it, so what
    // they could see is certain however the machine schedules them.
    let window = |from: Instant, to: Instant| -> (usize, usize) {
        let inside: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.started >= from && s.started + s.elapsed < to)
            .collect();
        (inside.len(), inside.iter().filter(|s| s.error.is_some()).count())
    };
    let before_due = window(down_at, due);
    let in_margin = window(due, expiry);
    let expired = window(expiry, up_called);
    let recovered = recovered_after(&samples, up_at);
    let after = window(recovered, Instant::now() + Duration::from_secs(3600));
    assert!(
        before_due.0 > 0,
        "requests ran while the endpoint was down and the token not yet due"
    );
    assert_eq!(
        before_due.1, 0,
        "the valid token is used while the token endpoint is down"
    );
    assert!(after.0 >= 30, "{after:?}");
    assert_eq!(after.1, 0, "every request after the token endpoint is back succeeds");
    assert!(
        expired.0 > 0,
        "requests ran with an expired token while Keystone was down"
    );
    assert_eq!(
        expired.1, expired.0,
        "with an expired token and no Keystone, nothing can succeed"
    );
    format!(
        "TOKEN ENDPOINT DOWN, API UP ({:?} margin): before due {}/{} failed; in the margin (token still valid) {}/{} failed; \
         expired {}/{} failed; after recovery {}/{} failed",
        common::reauth_margin(&access),
        before_due.1,
        before_due.0,
        in_margin.1,
        in_margin.0,
        expired.1,
        expired.0,
        after.1,
        after.0
    )
}

/// Three outages at once (each has its own proxy and session; together
/// they take as long as one): Keystone stopped with and without connection
/// retries, and the token endpoint alone stopped while the API is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystone_outages_mid_load() {
    let ks = require_keystone!();
    tokio::time::timeout(TEST_DEADLINE, async {
        let (a, b, c) = tokio::join!(
            tokio::spawn(outage_without_retries(ks.clone())),
            tokio::spawn(outage_with_connect_retries(ks.clone())),
            tokio::spawn(token_endpoint_down_api_up(ks.clone())),
        );
        for r in [a, b, c] {
            match r {
                Ok(line) => println!("{line}"),
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn responses_delayed_past_the_timeout_are_timeouts_without_duplicate_posts() {
    let ks = require_keystone!();
    tokio::time::timeout(TEST_DEADLINE, async {
        let proxy = Arc::new(FaultProxy::for_url(&ks.auth_url).await);
        // Connection retries on: a POST whose response was lost must still
        // never be sent twice.
        let session = session_through(
            &ks,
            &proxy,
            Session::builder().timeout(SHORT_TIMEOUT).connect_retries(3),
        );
        proxy.set_delay(DELAY);

        // A cold session: 20 concurrent requests wait for one token POST,
        // which times out; they all fail, and the POST was sent once.
        let barrier = Arc::new(Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (s, p, k, b) = (session.clone(), proxy.clone(), ks.clone(), barrier.clone());
                tokio::spawn(async move {
                    b.wait().await;
                    get_user(&s, &p, &k).await
                })
            })
            .collect();
        let mut kinds = std::collections::BTreeMap::new();
        for t in tasks {
            // No bound on how long it took: the kind says it was the timeout.
            let err = t.await.unwrap().expect_err("the token POST timed out");
            let shown = err.to_string();
            assert!(
                err.is_timeout() || shown.contains("timed out"),
                "a timeout error: {err:?}"
            );
            *kinds.entry(kind(&err)).or_insert(0usize) += 1;
        }
        let cold_posts = proxy.token_posts();
        assert_eq!(cold_posts, 1, "one token POST for 20 callers, never re-sent");

        // Warm: one more token POST with the delay off.
        proxy.set_delay(Duration::ZERO);
        get_user(&session, &proxy, &ks).await.unwrap();
        assert_eq!(proxy.token_posts(), 2);

        // A delayed GET is a read timeout; it is idempotent, so the one
        // connection retry allowed re-sends it.
        proxy.set_delay(DELAY);
        let gets_before = proxy.count("GET", &format!("/users/{}", ks.admin_user_id));
        let err = session
            .get(format!("/users/{}", ks.admin_user_id))
            .endpoint_override(format!("{}/v3", proxy.base))
            .connect_retries(1)
            .connect_retry_delay(Duration::from_millis(50))
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ReadTimeout { .. }), "{err:?}");
        let gets = proxy.count("GET", &format!("/users/{}", ks.admin_user_id)) - gets_before;
        assert_eq!(gets, 2, "a GET is re-sent once");

        // A delayed POST through the session is a read timeout and is
        // never re-sent, even with connection retries allowed.
        let posts_before = proxy.token_posts();
        let body = serde_json::json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": ks.admin_username, "domain": {"id": "default"}, "password": "wrong-password-for-a-401"}}}}});
        let err = session
            .post(format!("{}/v3/auth/tokens", proxy.base))
            .authenticated(false)
            .json(&body)
            .connect_retries(3)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ReadTimeout { .. }), "{err:?}");
        assert_eq!(proxy.token_posts() - posts_before, 1, "a POST is never re-sent");
        println!(
            "DELAY {DELAY:?} > timeout {SHORT_TIMEOUT:?}: cold callers=20 kinds={kinds:?} token_posts={cold_posts}; GET with 1 retry -> {gets} GETs; POST with 3 retries -> 1 POST"
        );
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn connections_reset_mid_body_are_clean_connection_errors() {
    let ks = require_keystone!();
    tokio::time::timeout(TEST_DEADLINE, async {
        let proxy = Arc::new(FaultProxy::for_url(&ks.auth_url).await);
        let session = session_through(
            &ks,
            &proxy,
            Session::builder().timeout(PATIENT).connect_retries(2),
        );
        proxy.set_reset_after(Some(64));

        // Cold: the token response is cut after 64 bytes of its body; the
        // POST is not re-sent and every caller gets an error.
        let barrier = Arc::new(Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (s, p, k, b) = (session.clone(), proxy.clone(), ks.clone(), barrier.clone());
                tokio::spawn(async move {
                    b.wait().await;
                    get_user(&s, &p, &k).await
                })
            })
            .collect();
        let mut cold = std::collections::BTreeMap::new();
        for t in tasks {
            let err = t.await.expect("no panic").unwrap_err();
            assert!(is_connection_error(&err), "{err:?}");
            *cold.entry(kind(&err)).or_insert(0usize) += 1;
        }
        assert_eq!(proxy.token_posts(), 1, "the token POST was not re-sent");
        assert_eq!(
            cold.get("Connection"),
            Some(&20),
            "every caller sees the fetcher's Connection error, kind kept: {cold:?}"
        );

        proxy.set_reset_after(None);
        get_user(&session, &proxy, &ks).await.unwrap();

        // A GET cut mid-body is re-sent (idempotent) up to the retries, then
        // is a Connection error.
        proxy.set_reset_after(Some(16));
        let path = format!("/users/{}", ks.admin_user_id);
        let before = proxy.count("GET", &path);
        let err = session
            .get(&path)
            .endpoint_override(format!("{}/v3", proxy.base))
            .connect_retry_delay(Duration::from_millis(20))
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Connection { .. }), "{err:?}");
        assert!(err.is_retriable());
        assert_eq!(proxy.count("GET", &path) - before, 3, "one try and two retries");

        // 50 concurrent requests cut mid-body: 50 clean errors, no panic.
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (s, p, path) = (session.clone(), proxy.clone(), path.clone());
                tokio::spawn(async move {
                    s.get(path)
                        .endpoint_override(format!("{}/v3", p.base))
                        .connect_retries(0)
                        .send()
                        .await
                })
            })
            .collect();
        for t in tasks {
            let err = t.await.expect("no panic").unwrap_err();
            assert!(matches!(err, Error::Connection { .. }), "{err:?}");
            // Display and Debug work and name the request.
            assert!(err.to_string().starts_with("connection error during GET"), "{err}");
            assert!(!format!("{err:?}").is_empty());
        }
        let resets = proxy.resets();

        // And the same session works again at once.
        proxy.set_reset_after(None);
        for _ in 0..5 {
            get_user(&session, &proxy, &ks).await.unwrap();
        }
        assert_eq!(proxy.token_posts(), 2);
        println!("RESET mid-body: cold callers=20 kinds={cold:?}; GET with 2 retries -> 3 GETs; 50 concurrent -> 50 Connection errors; resets={resets}");
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_503_storm_is_waited_out_as_retry_after_asks() {
    let ks = require_keystone!();
    tokio::time::timeout(TEST_DEADLINE, async {
        let proxy = Arc::new(FaultProxy::for_url(&ks.auth_url).await);
        let session = session_through(&ks, &proxy, Session::builder().status_code_retries(3));
        get_user(&session, &proxy, &ks).await.unwrap();
        let before = proxy.requests();
        proxy.fail_next(3, 1);
        let start = Instant::now();
        get_user(&session, &proxy, &ks).await.unwrap();
        let elapsed = start.elapsed();
        println!(
            "503 storm (3 x Retry-After: 1, status_code_retries=3): succeeded after {elapsed:?}, requests={}",
            proxy.requests() - before
        );
        // A lower bound from the protocol (three waits of Retry-After: 1);
        // no upper bound on a busy machine (TEST_DEADLINE ends a hang).
        assert!(elapsed >= Duration::from_secs(3), "Retry-After honoured: {elapsed:?}");
        assert_eq!(proxy.answered_503(), 3);
        assert_eq!(proxy.requests() - before, 4);
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_503_storm_longer_than_the_retries_ends_in_a_503() {
    let ks = require_keystone!();
    tokio::time::timeout(TEST_DEADLINE, async {
        let proxy = Arc::new(FaultProxy::for_url(&ks.auth_url).await);
        let session = session_through(&ks, &proxy, Session::builder().status_code_retries(3));
        get_user(&session, &proxy, &ks).await.unwrap();
        let before = proxy.requests();
        proxy.fail_next(100, 1);
        let start = Instant::now();
        let err = get_user(&session, &proxy, &ks).await.unwrap_err();
        let elapsed = start.elapsed();
        let sent = proxy.requests() - before;
        println!("503 storm (100 x Retry-After: 1, status_code_retries=3): failed after {elapsed:?} and {sent} requests: {err}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
        assert_eq!(err.http().unwrap().retry_after(), Some(Duration::from_secs(1)));
        assert!(err.is_retriable());
        assert_eq!(sent, 4, "bounded: one try and three retries");
        assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
        proxy.pass_through();
        get_user(&session, &proxy, &ks).await.unwrap();
    })
    .await
    .expect("bounded");
}

#[tokio::test]
async fn a_token_revoked_mid_load_is_replaced_once_and_no_caller_sees_401() {
    let ks = require_keystone!();
    tokio::time::timeout(TEST_DEADLINE, async {
        let proxy = Arc::new(FaultProxy::for_url(&ks.auth_url).await);
        let session = session_through(&ks, &proxy, Session::builder().timeout(PATIENT));
        get_user(&session, &proxy, &ks).await.unwrap();
        let token = session.token(None).await.unwrap().unwrap();
        // The load runs until AFTER requests have started after the
        // revocation (however slow the machine), not for a fixed time.
        const AFTER: usize = 40;
        let load = Load::start(20, Duration::from_millis(5), get_user_load(&ks, &session, &proxy));
        load.wait_for_more(20, "requests started before the revocation").await;
        // Another session (its own admin token, straight to Keystone) revokes it.
        let other = Session::builder()
            .auth(Arc::new(ks.admin_project_plugin(&ks.auth_url)))
            .build()
            .unwrap();
        other
            .delete(format!("{}/auth/tokens", ks.auth_url))
            .header("x-subject-token", token.expose_secret())
            .send()
            .await
            .unwrap();
        let revoked_at = Instant::now();
        load.wait_for_more(AFTER, "requests started after the revocation").await;
        let samples = load.finish().await;
        let after = samples.iter().filter(|s| s.started >= revoked_at).count();
        let rejected = proxy.upstream_status(401);
        println!(
            "REVOKED mid-load: requests={} after_revocation={} failures={} 401s_absorbed={} token_posts={}",
            samples.len(),
            after,
            samples.iter().filter(|s| s.error.is_some()).count(),
            rejected,
            proxy.token_posts()
        );
        assert!(
            samples.iter().all(|s| s.error.is_none()),
            "no caller sees the revocation: {:?}",
            samples.iter().find(|s| s.error.is_some())
        );
        assert!(after >= AFTER, "{after}");
        assert!(rejected >= 1, "the revoked token was rejected at least once");
        assert_eq!(proxy.token_posts(), 2, "exactly one re-authentication");
        let new_token = session.token(None).await.unwrap().unwrap();
        assert_ne!(new_token.expose_secret(), token.expose_secret());
    })
    .await
    .expect("bounded");
}
