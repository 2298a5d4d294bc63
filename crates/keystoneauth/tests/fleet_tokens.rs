//! The shared Redis token store (feature `redis`) against the real Keystone
//! and a real Redis (`scripts/redis`): a fleet of processes, each with no
//! token of its own, standing in for hosts. Token POSTs are counted by a
//! proxy in front of Keystone, one per test. The "processes" are this test
//! binary run again with `fleet_child` selected.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use common::proxy::CountingProxy;
use common::redis::{command, dump, PrivateRedis, Reply};
use keystoneauth::{RedisTokenStore, Session, TokenCache};
use secrecy::ExposeSecret;

const TOKEN_POST: &[u8] = b"POST /v3/auth/tokens";
/// Concurrent requests in each process.
const REQUESTS: usize = 25;

/// A counting proxy in front of Keystone, and the auth URL through it.
async fn proxied(k: &common::Keystone) -> (CountingProxy, String) {
    let u = url::Url::parse(&k.auth_url).unwrap();
    let upstream = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    let proxy = CountingProxy::start(&upstream, TOKEN_POST);
    let auth_url = format!("{}/v3", proxy.base);
    (proxy, auth_url)
}

/// A session for the admin at `auth_url`, its tokens in the Redis store.
fn shared_session(k: &common::Keystone, auth_url: &str, redis_url: &str, key_file: impl AsRef<Path>) -> Session {
    let store = RedisTokenStore::builder(redis_url).key_file(key_file).build().unwrap();
    Session::builder()
        .auth(Arc::new(k.admin_project_plugin(auth_url)))
        .token_cache(Some(TokenCache::with_store(Arc::new(store))))
        .build()
        .unwrap()
}

/// A directory of the test's own, with a 0600 key file holding `keys`.
fn workdir(name: &str, keys: &[&str]) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("ksa-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("token-store.key");
    std::fs::write(&key_file, keys.join("\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    (dir, key_file)
}

const KEY_A: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const KEY_B: &str = "0202020202020202020202020202020202020202020202020202020202020202";

/// One fleet "host": this binary running `fleet_child`.
fn spawn_host(n: usize, auth_url: &str, redis_url: &str, key_file: &Path, dir: &Path, rounds: u32) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["fleet_child", "--exact", "--nocapture", "--test-threads", "1"])
        .env("FLEET_AUTH_URL", auth_url)
        .env("FLEET_REDIS_URL", redis_url)
        .env("FLEET_KEY_FILE", key_file)
        .env("FLEET_DIR", dir)
        .env("FLEET_ID", n.to_string())
        .env("FLEET_ROUNDS", rounds.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (120 s at most) until `n` hosts finished round `round`.
fn wait_round(dir: &Path, n: usize, round: u32) {
    for _ in 0..2400 {
        let done = (0..n)
            .filter(|i| dir.join(format!("{i}.round{round}")).exists())
            .count();
        if done == n {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the hosts did not finish round {round}");
}

/// Waits for the hosts; each must have succeeded with every request.
/// Returns their standard error (warnings).
fn finish(hosts: Vec<Child>) -> String {
    let mut stderr = String::new();
    for h in hosts {
        let o = h.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "a host failed:\n{out}\n{err}");
        assert!(
            !out.contains("FLEET_ERROR") && out.contains("failed=0"),
            "a request failed:\n{out}"
        );
        stderr.push_str(&err);
    }
    stderr
}

fn fleet(n: usize, auth_url: &str, redis_url: &str, key_file: &Path, dir: &Path, rounds: u32) -> Vec<Child> {
    (0..n)
        .map(|i| spawn_host(i, auth_url, redis_url, key_file, dir, rounds))
        .collect()
}

/// The child's side: does nothing unless started by [`spawn_host`].
#[test]
fn fleet_child() {
    let Ok(auth_url) = std::env::var("FLEET_AUTH_URL") else {
        return;
    };
    let var = |n: &str| std::env::var(n).unwrap();
    let dir = PathBuf::from(var("FLEET_DIR"));
    let id = var("FLEET_ID");
    let rounds: u32 = var("FLEET_ROUNDS").parse().unwrap();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("keystoneauth=warn"))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let k = common::keystone().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let session = shared_session(&k, &auth_url, &var("FLEET_REDIS_URL"), var("FLEET_KEY_FILE"));
        for round in 1..=rounds {
            let requests = (0..REQUESTS).map(|_| {
                let s = session.clone();
                let url = format!("{auth_url}/auth/projects");
                async move { s.get(url).send().await }
            });
            let results = futures::future::join_all(requests).await;
            let failed = results.iter().filter(|r| r.is_err()).count();
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                println!("FLEET_ERROR {}", common::chain(e));
            }
            println!("FLEET_ROUND {round} ok={} failed={failed}", REQUESTS - failed);
            std::fs::write(dir.join(format!("{id}.round{round}")), "").unwrap();
            if round < rounds {
                let go = dir.join(format!("go{}", round + 1));
                for _ in 0..2400 {
                    if go.exists() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_hosts_of_twenty_five_requests_make_one_token_post() {
    let k = require_keystone!();
    let Some(redis) = common::redis::base_url() else { return };
    let (proxy, auth_url) = proxied(&k).await;
    let (dir, key_file) = workdir("eight", &[KEY_A]);
    let hosts = fleet(8, &auth_url, &format!("{redis}/1"), &key_file, &dir, 1);
    finish(hosts);
    assert_eq!(proxy.count(), 1, "8 hosts x {REQUESTS} cold requests: one token POST");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_replaced_once_for_the_fleet() {
    let k = require_keystone!();
    let Some(redis) = common::redis::base_url() else { return };
    let (proxy, auth_url) = proxied(&k).await;
    let (dir, key_file) = workdir("revoked", &[KEY_A]);
    let redis_url = format!("{redis}/2");
    let hosts = fleet(8, &auth_url, &redis_url, &key_file, &dir, 2);
    wait_round(&dir, 8, 1);
    assert_eq!(proxy.count(), 1);

    // Revoke the fleet's token (read from the store: no POST).
    let session = shared_session(&k, &auth_url, &redis_url, &key_file);
    let token = session.token(None).await.unwrap().unwrap();
    assert_eq!(proxy.count(), 1, "the token came from the store");
    let mut subject = http::HeaderValue::from_str(token.expose_secret()).unwrap();
    subject.set_sensitive(true);
    session
        .delete(format!("{auth_url}/auth/tokens"))
        .header(http::HeaderName::from_static("x-subject-token"), subject)
        .send()
        .await
        .unwrap();

    // Every host now holds a revoked token: 401s, then one new token for all.
    std::fs::write(dir.join("go2"), "").unwrap();
    finish(hosts);
    assert_eq!(proxy.count(), 2, "one re-authentication for the whole fleet");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_mid_run_means_direct_authentication_then_sharing_again() {
    let k = require_keystone!();
    let Some(mut redis) = PrivateRedis::start("outage") else {
        return;
    };
    let (proxy, auth_url) = proxied(&k).await;
    let (dir, key_file) = workdir("outage", &[KEY_A]);
    let url = redis.url();
    for phase in ["a", "b", "c"] {
        std::fs::create_dir_all(dir.join(phase)).unwrap();
    }

    finish(fleet(4, &auth_url, &url, &key_file, &dir.join("a"), 1));
    assert_eq!(proxy.count(), 1, "shared while Redis is up");

    redis.down();
    let stderr = finish(fleet(4, &auth_url, &url, &key_file, &dir.join("b"), 1));
    assert_eq!(
        proxy.count(),
        1 + 4,
        "Redis away: each host authenticates directly, and none fails"
    );
    assert_eq!(
        stderr.matches("Redis is unreachable").count(),
        4,
        "one warning per host for the outage, not one per request:\n{stderr}"
    );

    redis.up();
    finish(fleet(4, &auth_url, &url, &key_file, &dir.join("c"), 1));
    assert_eq!(proxy.count(), 1 + 4 + 1, "Redis back: shared again");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_gives_misses_never_errors() {
    let k = require_keystone!();
    let Some(redis) = common::redis::base_url() else { return };
    let (proxy, auth_url) = proxied(&k).await;
    let (dir, key_a) = workdir("wrong-key", &[KEY_A]);
    let (dir_b, key_b) = workdir("wrong-key-b", &[KEY_B]);
    let redis_url = format!("{redis}/4");
    finish(fleet(2, &auth_url, &redis_url, &key_a, &dir, 1));
    assert_eq!(proxy.count(), 1);
    // A host with another key cannot open the entry: a miss and a warning.
    let stderr = finish(fleet(1, &auth_url, &redis_url, &key_b, &dir_b, 1));
    assert_eq!(proxy.count(), 2);
    assert!(stderr.contains("did not open"), "{stderr}");
    // Rotation: the new key first, the old one second; entries of either open.
    let (dir_r, rotated) = workdir("wrong-key-r", &[KEY_A, KEY_B]);
    finish(fleet(1, &auth_url, &redis_url, &rotated, &dir_r, 1));
    assert_eq!(
        proxy.count(),
        2,
        "the rotated key list opens the entry sealed with the old key"
    );
    // A missing key file: misses, never errors.
    finish(fleet(1, &auth_url, &redis_url, &dir.join("missing.key"), &dir_r, 1));
    assert_eq!(proxy.count(), 3);
    for d in [dir, dir_b, dir_r] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[tokio::test]
async fn a_tampered_entry_is_rejected_and_redis_shows_no_secret() {
    let k = require_keystone!();
    let Some(redis) = common::redis::base_url() else { return };
    let port: u16 = redis.rsplit(':').next().unwrap().parse().unwrap();
    const DB: u8 = 5;
    command(port, DB, &[b"FLUSHDB"]);
    let (proxy, auth_url) = proxied(&k).await;
    let (dir, key_file) = workdir("tampered", &[KEY_A]);
    let redis_url = format!("{redis}/{DB}");
    let session = || shared_session(&k, &auth_url, &redis_url, &key_file);
    let token = session().token(None).await.unwrap().unwrap();
    assert_eq!(proxy.count(), 1);
    assert_eq!(
        session().token(None).await.unwrap().unwrap().expose_secret(),
        token.expose_secret()
    );
    assert_eq!(proxy.count(), 1, "the second session read the entry");

    let entries = dump(port, DB);
    assert_eq!(entries.len(), 1, "one entry, no lock left behind");
    let (key, value) = &entries[0];
    let key_text = String::from_utf8_lossy(key);
    assert!(key_text.starts_with("keystoneauth:token:"), "{key_text}");
    for secret in [
        token.expose_secret(),
        &k.admin_password,
        &k.admin_username,
        &k.admin_project,
    ] {
        let s = secret.as_bytes();
        assert!(!key.windows(s.len()).any(|w| w == s), "the key shows a secret");
        assert!(!value.windows(s.len()).any(|w| w == s), "the entry shows a secret");
    }

    // Flip one bit of the ciphertext: the entry no longer opens.
    let mut bad = value.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(
        command(port, DB, &[b"SET", key, &bad, b"PX", b"600000"]),
        Reply::Status("OK".into())
    );
    let (logs, _guard) = common::logs::capture_logs();
    let fresh = session().token(None).await.unwrap().unwrap();
    assert_eq!(proxy.count(), 2, "the tampered entry was a miss");
    assert_ne!(fresh.expose_secret(), token.expose_secret());
    assert!(logs.text().contains("did not open"), "{}", logs.text());
    let _ = std::fs::remove_dir_all(&dir);
}
