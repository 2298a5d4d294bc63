//! Shared helpers for ksa's command-line tests: a sandbox per test (its own
//! HOME and XDG_RUNTIME_DIR, an emptied environment) and a tiny HTTP client
//! to ask Keystone directly what the truth is. What keystoneauth's tests
//! need too (the `KSA_TEST_*` Keystone facts, `SKIPPED` lines, waits, TOTP,
//! the request-counting proxy) lives in the `testkit` crate, re-exported here.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

pub mod ksa_proxy;
/// The consumer's side of Keystone's OS-OAUTH1 delegation, shared with
/// keystoneauth's tests.
#[path = "../../../keystoneauth/tests/common/oauth1.rs"]
pub mod oauth1;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{json, Value};

pub use testkit::{block_until, host_port, keystone, proxy, skip, temp_dir, totp, Keystone};

/// ksa's own helpers on the shared [`Keystone`] facts.
pub trait KeystoneExt {
    /// The usual openrc variables for the admin user, with `auth_url`
    /// (Keystone itself or a proxy in front of it).
    fn admin_env(&self, auth_url: &str) -> Vec<(String, String)>;

    /// The same for the demo user.
    fn demo_env(&self, auth_url: &str) -> Vec<(String, String)>;

    /// A project-scoped token for the admin, fetched directly (not with ksa),
    /// once per test binary.
    fn admin_token(&self) -> String;

    /// Keystone's own answer about `token`: (status, body).
    fn validate(&self, token: &str) -> (u16, Value);

    /// An authenticated request straight to Keystone (`path` after `/v3`).
    fn get(&self, path: &str) -> Value;

    /// Deletes `path` (after `/v3`) straight at Keystone as the admin, for
    /// clean-up: the answer is not checked.
    fn delete(&self, path: &str);
}

impl KeystoneExt for Keystone {
    fn admin_env(&self, auth_url: &str) -> Vec<(String, String)> {
        pairs(&[
            ("OS_AUTH_URL", auth_url),
            ("OS_USERNAME", &self.admin_username),
            ("OS_PASSWORD", &self.admin_password),
            ("OS_PROJECT_NAME", &self.admin_project),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
            ("OS_IDENTITY_API_VERSION", "3"),
        ])
    }

    fn demo_env(&self, auth_url: &str) -> Vec<(String, String)> {
        pairs(&[
            ("OS_AUTH_URL", auth_url),
            ("OS_USERNAME", &self.demo_username),
            ("OS_PASSWORD", &self.demo_password),
            ("OS_PROJECT_NAME", &self.demo_project),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
        ])
    }

    fn admin_token(&self) -> String {
        static TOKEN: OnceLock<String> = OnceLock::new();
        TOKEN
            .get_or_init(|| {
                let body = json!({"auth": {
                    "identity": {"methods": ["password"], "password": {"user": {
                        "name": self.admin_username, "domain": {"id": "default"}, "password": self.admin_password}}},
                    "scope": {"project": {"name": self.admin_project, "domain": {"id": "default"}}}}});
                let r = http(
                    "POST",
                    &format!("{}/auth/tokens", self.auth_url),
                    &[("Content-Type", "application/json")],
                    Some(body.to_string().as_bytes()),
                );
                assert_eq!(r.status, 201, "admin login: {}", r.text());
                r.header("x-subject-token").unwrap().to_owned()
            })
            .clone()
    }

    fn validate(&self, token: &str) -> (u16, Value) {
        let admin = self.admin_token();
        let r = http(
            "GET",
            &format!("{}/auth/tokens", self.auth_url),
            &[("X-Auth-Token", &admin), ("X-Subject-Token", token)],
            None,
        );
        (r.status, r.json().unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Value {
        let r = http(
            "GET",
            &format!("{}{path}", self.auth_url),
            &[("X-Auth-Token", &self.admin_token())],
            None,
        );
        assert_eq!(r.status, 200, "GET {path}: {}", r.text());
        r.json().unwrap()
    }

    fn delete(&self, path: &str) {
        http(
            "DELETE",
            &format!("{}{path}", self.auth_url),
            &[("X-Auth-Token", &self.admin_token())],
            None,
        );
    }
}

/// Owned (name, value) pairs.
pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// Keystone's `expires_at` (`2026-11-23T18:57:05.000000Z`) as openstackclient
/// prints it (`2026-11-23T18:57:05+0000`).
pub fn osc_expires(expires_at: &str) -> String {
    format!("{}+0000", &expires_at[..19])
}

/// A directory of its own for one test: HOME, XDG_RUNTIME_DIR and the
/// working directory of every ksa run; removed at the end.
pub struct Sandbox {
    pub root: PathBuf,
    pub home: PathBuf,
    pub runtime: PathBuf,
    /// Values that must never appear in ksa's output.
    pub secrets: Vec<String>,
}

impl Sandbox {
    /// A sandbox whose output must also never show `secrets`.
    pub fn with_secrets(name: &str, secrets: &[&str]) -> Self {
        let mut s = Sandbox::new(name);
        s.secrets.extend(secrets.iter().map(|v| (*v).to_owned()));
        s
    }

    pub fn new(name: &str) -> Self {
        let root = temp_dir(&format!("ksa-cli-{name}"));
        let home = root.join("home");
        let runtime = root.join("run");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&runtime).unwrap();
        let mut secrets = Vec::new();
        for v in ["KSA_TEST_ADMIN_PASSWORD", "KSA_TEST_DEMO_PASSWORD"] {
            if let Some(s) = std::env::var(v).ok().filter(|s| !s.is_empty()) {
                secrets.push(s);
            }
        }
        Sandbox {
            root,
            home,
            runtime,
            secrets,
        }
    }

    /// Where the token cache lives for ksa runs in this sandbox.
    pub fn cache_dir(&self) -> PathBuf {
        self.runtime.join("keystoneauth")
    }

    /// The cache files (`*.json`) now present.
    pub fn cache_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.cache_dir()) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json") && !p.file_name().unwrap().to_string_lossy().starts_with('.')
            })
            .collect();
        files.sort();
        files
    }

    /// The built `ksa`, with an emptied environment: PATH, HOME,
    /// XDG_RUNTIME_DIR and `env` only; run in the sandbox.
    pub fn ksa(&self, env: &[(String, String)]) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("ksa").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .current_dir(&self.home)
            .timeout(Duration::from_secs(60));
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `program` (default: the built ksa) with `args`, in the environment of
    /// [`Sandbox::ksa`] plus `env`, not started.
    pub fn command_of(&self, program: Option<&Path>, env: &[(String, String)], args: &[&str]) -> std::process::Command {
        let ksa = assert_cmd::cargo::cargo_bin("ksa");
        let mut cmd = std::process::Command::new(program.unwrap_or(&ksa));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.home);
        cmd
    }

    /// ksa with `args`, in the environment of [`Sandbox::ksa`] plus `env`,
    /// not started.
    pub fn command(&self, env: &[(String, String)], args: &[&str]) -> std::process::Command {
        self.command_of(None, env, args)
    }

    /// The same as [`Sandbox::command`] (for a process that outlives one call).
    pub fn process(&self, env: &[(String, String)], args: &[&str]) -> std::process::Command {
        self.command(env, args)
    }

    /// Starts ksa with `env` and `args` (the environment of [`Sandbox::ksa`]),
    /// its output piped, without waiting for it.
    pub fn spawn(&self, env: &[(String, String)], args: &[&str]) -> std::process::Child {
        self.command(env, args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Runs `cmd`; checks that no secret of the sandbox is in its output.
    pub fn run(&self, cmd: &mut assert_cmd::Command) -> Out {
        let o = cmd.output().unwrap();
        let out = Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        for s in &self.secrets {
            assert!(!out.stdout.contains(s.as_str()), "a secret on stdout:\n{}", out.stdout);
            assert!(!out.stderr.contains(s.as_str()), "a secret on stderr:\n{}", out.stderr);
        }
        assert!(!out.stderr.contains("panicked"), "a panic:\n{}", out.stderr);
        assert!(
            !out.stderr.contains("RUST_BACKTRACE"),
            "a backtrace hint:\n{}",
            out.stderr
        );
        out
    }

    /// Runs ksa with `env` and `args`.
    pub fn run_args(&self, env: &[(String, String)], args: &[&str]) -> Out {
        self.run(self.ksa(env).args(args))
    }

    /// Runs ksa, expecting success.
    pub fn ok(&self, env: &[(String, String)], args: &[&str]) -> Out {
        let out = self.run_args(env, args);
        assert_eq!(out.code, 0, "ksa {args:?} failed:\n{}\n{}", out.stdout, out.stderr);
        out
    }

    /// Runs ksa, expecting success and JSON on stdout.
    pub fn json(&self, env: &[(String, String)], args: &[&str]) -> Value {
        let out = self.ok(env, args);
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("ksa {args:?}: not JSON ({e}):\n{}", out.stdout))
    }

    /// Writes a file under the sandbox; returns its path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// What a ksa run produced.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The second user that owns the hostile files of the token cache tests.
pub const NOBODY: u32 = 65534;

/// True when the test runs as root (and can make files owned by
/// [`NOBODY`]); otherwise prints `SKIPPED <name>: <reason>`.
pub fn as_root(name: &str) -> bool {
    let root = rustix::process::geteuid().is_root();
    if !root {
        println!("SKIPPED {name}: needs root to make files owned by another user (uid {NOBODY})");
    }
    root
}

/// Gives `path` (not following a link) to [`NOBODY`].
pub fn give_to_nobody(path: &Path) {
    std::os::unix::fs::lchown(path, Some(NOBODY), Some(NOBODY)).unwrap();
}

/// Sets the permission bits of a path.
pub fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The permission bits of a path.
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A response from [`http`].
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A minimal HTTP/1.1 client (plain http on loopback, `Connection: close`;
/// `Host` is the URL's unless `headers` has one),
/// so the tests learn Keystone's answers without going through ksa or the
/// library under test.
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Response {
    let u = url::Url::parse(url).unwrap();
    let host = u.host_str().unwrap();
    let port = u.port_or_known_default().unwrap();
    let mut target = u.path().to_owned();
    if let Some(q) = u.query() {
        target.push('?');
        target.push_str(q);
    }
    let mut s = TcpStream::connect((host, port)).unwrap();
    // Generous: a busy 2-core machine with Keystone behind a proxy.
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    // The caller may give its own Host (a proxy's DNS rebinding check).
    let mut req = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\nAccept: application/json\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {host}:{port}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or_default();
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[(start + size + 2).min(data.len())..];
    }
}

/// A server on loopback that accepts connections and never answers: what a
/// hung service looks like. Returns its address and the count of
/// connections accepted so far; it lives until the test binary exits.
pub fn silent_server() -> (std::net::SocketAddr, std::sync::Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            // Kept open, never read from or written to.
            held.push(conn);
        }
    });
    (addr, accepted)
}

/// The peak resident size (`VmHWM`, KiB) of a running process (Linux).
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
