//! ksa's on-disk token cache against the real Keystone: reuse across
//! processes, file and directory modes, corrupt entries replaced, an
//! expired entry ignored, `--no-cache` and `KSA_NO_CACHE`, recovery from a
//! revoked cached token with one re-authentication, the default locations,
//! single flight (50 concurrent cold runs, one POST; a killed lock holder)
//! and `--token-store` (hosts sharing one token through Redis).
//! Token POSTs are counted by a proxy in front of Keystone, one per test, so
//! tests running in parallel do not disturb the counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use common::proxy::CountingProxy;
use common::{mode, Keystone, Sandbox};
use serde_json::Value;

const TOKEN_POST: &[u8] = b"POST /v3/auth/tokens";

/// A proxy in front of Keystone, and the admin's openrc pointing at it.
fn proxied(k: &Keystone) -> (CountingProxy, Vec<(String, String)>) {
    let proxy = CountingProxy::start(&k.host_port(), TOKEN_POST);
    let env = k.admin_env(&format!("{}/v3", proxy.base));
    (proxy, env)
}

fn token(s: &Sandbox, env: &[(String, String)], extra: &[&str]) -> String {
    let mut args = extra.to_vec();
    args.extend_from_slice(&["token", "issue", "-f", "value", "-c", "id"]);
    s.ok(env, &args).stdout.trim().to_owned()
}

/// The `token_cache` row of `ksa config show`.
fn cache_row(s: &Sandbox, env: &[(String, String)]) -> Value {
    let v = s.json(env, &["config", "show", "-f", "json"]);
    let rows = v.as_array().unwrap();
    rows.iter().find(|r| r["Option"] == "token_cache").unwrap().clone()
}

fn read_json(p: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn cache_is_reused_across_processes_with_private_modes() {
    let k = require_keystone!();
    let s = Sandbox::new("reuse");
    let (proxy, env) = proxied(&k);
    let first = token(&s, &env, &[]);
    assert_eq!(proxy.count(), 1);
    // A second process: the same token, no token POST.
    let second = token(&s, &env, &[]);
    assert_eq!(second, first);
    assert_eq!(proxy.count(), 1, "the second run authenticated again");
    // Other commands too.
    s.ok(&env, &["catalog", "list", "-f", "json"]);
    s.ok(&env, &["request", "GET", "identity", "/v3/auth/projects"]);
    assert_eq!(proxy.count(), 1);

    let dir = s.cache_dir();
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    let files = s.cache_files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&dir.join(".lock")), 0o600);
    let doc = read_json(&files[0]);
    assert_eq!(doc["format"], 1);
    assert_eq!(
        files[0].file_stem().unwrap().to_string_lossy(),
        doc["cache_id"].as_str().unwrap()
    );
    assert_eq!(doc["state"]["auth_token"], first.as_str());
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!text.contains(&k.admin_password), "the password is in the cache file");
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Another user gets an entry of its own, and its own token.
    let demo = k.demo_env(&format!("{}/v3", proxy.base));
    let demo_token = token(&s, &demo, &[]);
    assert_ne!(demo_token, first);
    assert_eq!(proxy.count(), 2);
    assert_eq!(s.cache_files().len(), 2);
    assert_eq!(token(&s, &demo, &[]), demo_token);
    assert_eq!(token(&s, &env, &[]), first);
    assert_eq!(proxy.count(), 2);
}

#[test]
fn a_failed_command_still_caches_its_token() {
    let k = require_keystone!();
    let s = Sandbox::new("failed-cmd");
    let (proxy, env) = proxied(&k);
    let out = s.run_args(&env, &["endpoint", "get", "nosuchservice"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(proxy.count(), 1);
    assert_eq!(s.cache_files().len(), 1);
    token(&s, &env, &[]);
    assert_eq!(proxy.count(), 1, "the token of the failed run was not reused");
}

#[test]
fn a_loose_existing_directory_is_made_private() {
    let k = require_keystone!();
    let s = Sandbox::new("loose-dir");
    let (_proxy, env) = proxied(&k);
    std::fs::create_dir_all(s.cache_dir()).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(s.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    token(&s, &env, &[]);
    assert_eq!(mode(&s.cache_dir()), 0o700);
}

#[test]
fn corrupt_foreign_and_expired_entries_are_replaced() {
    let k = require_keystone!();
    let s = Sandbox::new("corrupt");
    let (proxy, env) = proxied(&k);
    let first = token(&s, &env, &[]);
    let file = s.cache_files().pop().unwrap();
    let cache_id = file.file_stem().unwrap().to_string_lossy().into_owned();

    // Garbage (written with the usual 0644): ignored, replaced by a valid entry.
    std::fs::write(&file, "\u{0}garbage{not json").unwrap();
    let second = token(&s, &env, &[]);
    assert_eq!(proxy.count(), 2);
    assert_ne!(second, first);
    let doc = read_json(&file);
    assert_eq!(doc["state"]["auth_token"], second.as_str());
    assert_eq!(mode(&file), 0o600);

    // Another format version, or another identity's entry: ignored, replaced.
    for bad in [
        serde_json::json!({"format": 99, "cache_id": cache_id, "state": doc["state"]}),
        serde_json::json!({"format": 1, "cache_id": "someone-else", "state": doc["state"]}),
        serde_json::json!([1, 2, 3]),
    ] {
        std::fs::write(&file, bad.to_string()).unwrap();
        let before = proxy.count();
        token(&s, &env, &[]);
        assert_eq!(proxy.count(), before + 1, "{bad}");
        assert_eq!(read_json(&file)["format"], 1);
        assert_eq!(read_json(&file)["cache_id"], cache_id.as_str());
    }

    // An entry whose token has expired (or will within the margin) is not used.
    let mut doc = read_json(&file);
    doc["state"]["body"]["token"]["expires_at"] = "2000-01-01T00:00:00.000000Z".into();
    std::fs::write(&file, doc.to_string()).unwrap();
    let before = proxy.count();
    let fresh = token(&s, &env, &[]);
    assert_eq!(proxy.count(), before + 1);
    assert_eq!(read_json(&file)["state"]["auth_token"], fresh.as_str());
    // An empty file.
    std::fs::write(&file, "").unwrap();
    token(&s, &env, &[]);
    assert_eq!(proxy.count(), before + 2);
    assert_eq!(read_json(&file)["format"], 1);
}

#[test]
fn no_cache_flag_and_variable_are_honoured() {
    let k = require_keystone!();
    let s = Sandbox::new("nocache");
    let (proxy, env) = proxied(&k);
    let a = token(&s, &env, &["--no-cache"]);
    let b = token(&s, &env, &["--no-cache"]);
    assert_ne!(a, b);
    assert_eq!(proxy.count(), 2);
    assert!(!s.cache_dir().exists(), "--no-cache created the cache directory");

    for value in ["1", "true", "yes"] {
        let mut env2 = env.clone();
        env2.push(("KSA_NO_CACHE".into(), value.into()));
        let before = proxy.count();
        token(&s, &env2, &[]);
        token(&s, &env2, &[]);
        assert_eq!(proxy.count(), before + 2, "KSA_NO_CACHE={value}");
        assert!(!s.cache_dir().exists());
    }

    // KSA_NO_CACHE=0 leaves the cache on.
    let mut env0 = env.clone();
    env0.push(("KSA_NO_CACHE".into(), "0".into()));
    let before = proxy.count();
    let c = token(&s, &env0, &[]);
    assert_eq!(token(&s, &env0, &[]), c);
    assert_eq!(proxy.count(), before + 1);
    assert_eq!(s.cache_files().len(), 1);
    // --no-cache neither reads nor rewrites an existing entry.
    let file = s.cache_files().pop().unwrap();
    let saved = std::fs::read_to_string(&file).unwrap();
    let d = token(&s, &env, &["--no-cache"]);
    assert_ne!(d, c);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), saved);
}

#[test]
fn a_revoked_cached_token_is_recovered_with_one_reauthentication() {
    let k = require_keystone!();
    let s = Sandbox::new("revoked");
    let (proxy, env) = proxied(&k);
    let cached = token(&s, &env, &[]);
    assert_eq!(proxy.count(), 1);
    // Revoke it behind the cache's back, with another token.
    let subject = format!("X-Subject-Token: {cached}");
    s.ok(
        &env,
        &[
            "--no-cache",
            "request",
            "DELETE",
            "identity",
            "/v3/auth/tokens",
            "-H",
            &subject,
        ],
    );
    assert_eq!(k.validate(&cached).0, 404);
    let before = proxy.count();

    // The next run: a 401 with the cached token, one new token, success.
    let v = s.json(&env, &["request", "GET", "identity", "/v3/projects"]);
    assert!(v["projects"].is_array(), "{v}");
    assert_eq!(proxy.count(), before + 1, "exactly one re-authentication");
    // The new token replaced the revoked one in the cache.
    let file = s.cache_files().pop().unwrap();
    let now = read_json(&file)["state"]["auth_token"].as_str().unwrap().to_owned();
    assert_ne!(now, cached);
    assert_eq!(k.validate(&now).0, 200);
    assert_eq!(token(&s, &env, &[]), now);
    assert_eq!(proxy.count(), before + 1);
}

/// Starts `n` cold `ksa token issue` runs at once and returns their tokens.
fn concurrent_tokens(s: &Sandbox, env: &[(String, String)], n: usize) -> Vec<String> {
    let children: Vec<_> = (0..n)
        .map(|_| s.spawn(env, &["token", "issue", "-f", "value", "-c", "id"]))
        .collect();
    children
        .into_iter()
        .map(|child| {
            let o = child.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        })
        .collect()
}

#[test]
fn fifty_concurrent_cold_runs_make_one_token_post() {
    let k = require_keystone!();
    let s = Sandbox::new("fifty");
    let (proxy, env) = proxied(&k);
    let tokens = concurrent_tokens(&s, &env, 50);
    assert_eq!(proxy.count(), 1, "the entry's lock makes one run fetch for all");
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "every run printed the one token"
    );
    let files = s.cache_files();
    assert_eq!(files.len(), 1);
    let saved = read_json(&files[0])["state"]["auth_token"].as_str().unwrap().to_owned();
    assert_eq!(saved, tokens[0]);
    // The next run uses it without authenticating.
    assert_eq!(token(&s, &env, &[]), saved);
    assert_eq!(proxy.count(), 1);
}

#[test]
fn a_killed_lock_holder_does_not_block_the_others() {
    let k = require_keystone!();
    if std::process::Command::new("flock").arg("--version").output().is_err() {
        common::skip("the flock(1) utility is missing");
        return;
    }
    let s = Sandbox::new("killed-holder");
    let (proxy, env) = proxied(&k);
    // Learn the entry's name, then drop the entry.
    token(&s, &env, &[]);
    let entry = s.cache_files().pop().unwrap();
    let id = entry.file_stem().unwrap().to_string_lossy().into_owned();
    std::fs::remove_file(&entry).unwrap();
    // Another process holds the entry's lock (as a run stuck mid-fetch would).
    let lock = s.cache_dir().join(format!(".{id}.lock"));
    // One process (the shell, then `sleep` in its place) holds the lock on fd 9.
    let mut holder = std::process::Command::new("sh")
        .args([
            "-c",
            "exec 9>>\"$0\" && flock -x 9 && exec sleep 600",
            lock.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    // Wait until it holds the lock: a non-blocking attempt fails.
    let held = || {
        !std::process::Command::new("flock")
            .args(["-n", "-x", lock.to_str().unwrap(), "true"])
            .status()
            .unwrap()
            .success()
    };
    common::block_until("the holder taking the lock", testkit::DEADLINE, held);
    let children: Vec<_> = (0..5)
        .map(|_| s.spawn(&env, &["token", "issue", "-f", "value", "-c", "id"]))
        .collect();
    // The runs wait on the lock; killing its holder releases it.
    std::thread::sleep(std::time::Duration::from_millis(300));
    holder.kill().unwrap();
    holder.wait().unwrap();
    let mut tokens = Vec::new();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        tokens.push(String::from_utf8_lossy(&o.stdout).trim().to_owned());
    }
    assert_eq!(
        proxy.count(),
        2,
        "one token before, one for the five runs after the kill"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]));
}

#[test]
fn default_locations_without_xdg_runtime_dir() {
    let k = require_keystone!();
    let s = Sandbox::new("locations");
    let (proxy, env) = proxied(&k);
    // No XDG_RUNTIME_DIR: $HOME/.cache/keystoneauth.
    let mut cmd = s.ksa(&env);
    cmd.env_remove("XDG_RUNTIME_DIR")
        .args(["token", "issue", "-f", "value", "-c", "id"]);
    let out = s.run(&mut cmd);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let home_cache = s.home.join(".cache").join("keystoneauth");
    assert_eq!(mode(&home_cache), 0o700);
    assert_eq!(
        std::fs::read_dir(&home_cache).unwrap().count(),
        3,
        "the entry, .lock and the entry's fetch lock"
    );
    assert!(!s.cache_dir().exists());
    // XDG_CACHE_HOME when set.
    let xdg_cache = s.root.join("xdg-cache");
    let mut cmd = s.ksa(&env);
    cmd.env_remove("XDG_RUNTIME_DIR")
        .env("XDG_CACHE_HOME", &xdg_cache)
        .args(["token", "issue"]);
    assert_eq!(s.run(&mut cmd).code, 0);
    assert!(xdg_cache.join("keystoneauth").is_dir());
    assert_eq!(proxy.count(), 2);
    // config show names the directory in use.
    assert_eq!(cache_row(&s, &env)["Value"], s.cache_dir().display().to_string());
}

/// A sandbox whose cache holds the admin's token (returned), made by one
/// run through a counting proxy.
fn cached_once(k: &Keystone, name: &str) -> (Sandbox, CountingProxy, Vec<(String, String)>, String) {
    let s = Sandbox::new(name);
    let (proxy, env) = proxied(k);
    let first = token(&s, &env, &[]);
    assert_eq!(proxy.count(), 1);
    (s, proxy, env, first)
}

/// Points every endpoint of a cached entry's catalog at `base`.
fn redirect_catalog(doc: &mut Value, base: &str) {
    let to = url::Url::parse(base).unwrap();
    let catalog = doc["state"]["body"]["token"]["catalog"].as_array_mut().unwrap();
    for service in catalog {
        for ep in service["endpoints"].as_array_mut().unwrap() {
            let mut u = url::Url::parse(ep["url"].as_str().unwrap()).unwrap();
            u.set_host(to.host_str()).unwrap();
            u.set_port(to.port()).unwrap();
            ep["url"] = u.as_str().into();
        }
    }
}

#[test]
fn a_cache_directory_owned_by_another_user_is_not_used() {
    let k = require_keystone!();
    if !common::as_root("a_cache_directory_owned_by_another_user_is_not_used") {
        return;
    }
    let (s, proxy, env, first) = cached_once(&k, "foreign-dir");
    // The other user's entry: a valid token, and their server for every service.
    let attacker = CountingProxy::start(&k.host_port(), b"HTTP/1.1");
    let file = s.cache_files().pop().unwrap();
    let mut doc = read_json(&file);
    redirect_catalog(&mut doc, &attacker.base);
    std::fs::write(&file, doc.to_string()).unwrap();
    let dir = s.cache_dir();
    let entry_lock = dir.join(format!(".{}.lock", file.file_stem().unwrap().to_string_lossy()));
    for p in [&file, &dir.join(".lock"), &entry_lock, &dir] {
        common::give_to_nobody(p);
    }
    let planted = std::fs::read(&file).unwrap();

    let out = s.run_args(&env, &["token", "issue", "-f", "value", "-c", "id"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(out.stdout.trim(), first, "the other user's cached token was used");
    assert!(
        out.stderr.contains("warning: not using the token cache") && out.stderr.contains("owned by uid 65534"),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.count(), 2, "the run did not authenticate itself");
    let v = s.json(&env, &["request", "GET", "identity", "/v3/auth/projects"]);
    assert!(v["projects"].is_array(), "{v}");
    assert_eq!(attacker.count(), 0, "a request went to the other user's server");
    // Run without the cache: nothing read, written or replaced in it.
    assert_eq!(std::fs::read(&file).unwrap(), planted);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    assert_eq!(cache_row(&s, &env)["Value"], "disabled");
}

#[test]
fn a_cache_directory_writable_by_others_is_not_used() {
    let k = require_keystone!();
    let (s, proxy, env, first) = cached_once(&k, "loose-others");
    common::set_mode(&s.cache_dir(), 0o777);
    let out = s.run_args(&env, &["token", "issue", "-f", "value", "-c", "id"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(out.stdout.trim(), first);
    assert!(out.stderr.contains("writable by group or others"), "{}", out.stderr);
    assert_eq!(proxy.count(), 2);
    assert_eq!(mode(&s.cache_dir()), 0o777, "left as found, for its owner to decide");
}

#[test]
fn a_cache_entry_open_to_others_is_ignored_and_replaced() {
    let k = require_keystone!();
    let (s, proxy, env, first) = cached_once(&k, "loose-entry");
    let file = s.cache_files().pop().unwrap();
    common::set_mode(&file, 0o644);
    let out = s.run_args(&env, &["token", "issue", "-f", "value", "-c", "id"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let second = out.stdout.trim().to_owned();
    assert_ne!(second, first, "an entry readable by others was used");
    assert!(
        out.stderr.contains("not using the cached token") && out.stderr.contains("not 0600"),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.count(), 2);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(token(&s, &env, &[]), second);
    assert_eq!(proxy.count(), 2);
}

/// Runs ksa with `SSL_CERT_FILE` naming a FIFO: whether ksa opened it (that
/// is, loaded the system's root certificates) is seen without reading any
/// timing: opening a FIFO's write end without blocking succeeds only while
/// a reader has it open. Returns ksa's stdout and whether it opened it.
fn run_watching_roots(s: &Sandbox, env: &[(String, String)], args: &[&str]) -> (String, bool) {
    use rustix::fs::{Mode, OFlags};
    let fifo = s.root.join(format!("roots-{}.pem", args.len()));
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let mut env = env.to_vec();
    env.push(("SSL_CERT_FILE".into(), fifo.display().to_string()));
    env.push(("SSL_CERT_DIR".into(), s.root.join("no-such-dir").display().to_string()));
    let mut child = s.spawn(&env, args);
    let mut opened = false;
    common::block_until("ksa finishing", testkit::DEADLINE, || {
        // A reader is there: let it read an empty bundle (end of file) and go on.
        if let Ok(writer) = rustix::fs::open(&fifo, OFlags::WRONLY | OFlags::NONBLOCK, Mode::empty()) {
            opened = true;
            drop(writer);
        }
        child.try_wait().unwrap().is_some()
    });
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).trim().to_owned(), opened)
}

#[test]
fn a_cached_command_never_loads_the_root_certificates() {
    let k = require_keystone!();
    let (s, proxy, env, first) = cached_once(&k, "no-roots");
    let (shown, opened) = run_watching_roots(&s, &env, &["token", "issue", "-f", "value", "-c", "id"]);
    assert_eq!(shown, first);
    assert!(!opened, "a cached command loaded the system's root certificates");
    let (_, opened) = run_watching_roots(&s, &env, &["catalog", "list"]);
    assert!(!opened, "a cached catalog list loaded the root certificates");
    assert_eq!(proxy.count(), 1);
    // The watch works: a run that sends a request builds its client and reads them.
    let (_, opened) = run_watching_roots(&s, &env, &["--no-cache", "token", "issue", "-f", "value", "-c", "id"]);
    assert!(opened, "the FIFO watch did not see the root certificates being loaded");
    assert_eq!(proxy.count(), 2);
}

#[test]
fn token_store_shares_one_token_between_hosts() {
    let k = require_keystone!();
    let Some(redis) = testkit::redis_url() else {
        return;
    };
    let (proxy, env) = proxied(&k);
    // Six "hosts": sandboxes of their own (no shared disk cache), one Redis.
    let hosts: Vec<Sandbox> = (0..6).map(|i| Sandbox::new(&format!("store-{i}"))).collect();
    let key = hosts[0].write("token-store.key", &"ab".repeat(32));
    common::set_mode(&key, 0o600);
    let store = redis.replace("/0", "/6");
    let args = [
        "--token-store",
        store.as_str(),
        "--token-store-key-file",
        key.to_str().unwrap(),
        "token",
        "issue",
        "-f",
        "value",
        "-c",
        "id",
    ];
    let children: Vec<_> = hosts.iter().map(|s| s.spawn(&env, &args)).collect();
    let mut tokens = Vec::new();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        tokens.push(String::from_utf8_lossy(&o.stdout).trim().to_owned());
    }
    assert_eq!(proxy.count(), 1, "one token POST for all the hosts");
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert!(hosts.iter().all(|s| s.cache_files().is_empty()), "nothing on disk");
    // config show names the store and where it was set.
    let v = hosts[1].json(&env, &["--token-store", &store, "config", "show", "-f", "json"]);
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Option"] == "token_cache")
        .unwrap()
        .clone();
    assert_eq!(row["Value"], store.as_str());
    assert_eq!(row["Source"], "command line --token-store");
}
