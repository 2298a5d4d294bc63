//! Shared helpers for the integration tests that need the real Keystone
//! started by `scripts/keystone` (the test command `scripts/test` starts it
//! and exports the `KSA_TEST_*` variables read here).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod bulk_server;
pub mod echo;
pub mod fault_proxy;
pub mod hostile;
pub mod logs;
pub mod memory;
pub mod oauth1;
pub mod peers;
pub mod proxy;
pub mod redis;
pub mod tokens;
pub mod websso;

/// Connection facts of the local Keystone.
#[derive(Debug, Clone)]
pub struct Keystone {
    /// `http://127.0.0.1:5000/v3` (tokens live an hour).
    pub auth_url: String,
    /// `http://127.0.0.1:5001/v3` (tokens live 10 seconds).
    pub short_auth_url: String,
    pub admin_username: String,
    pub admin_password: String,
    pub admin_project: String,
    pub admin_user_id: String,
    pub admin_project_id: String,
    pub demo_username: String,
    pub demo_password: String,
    pub demo_project: String,
    pub demo_project_id: String,
    pub demo_user_id: String,
    pub mfa_username: String,
    pub mfa_password: String,
    pub mfa_user_id: String,
    pub mfa_totp_secret: String,
    pub access_log: String,
    pub short_access_log: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Prints `SKIPPED <test>: <reason>` on the real stderr (not captured by
/// the test harness, so a skipped test is visible in every run).
pub fn skip(reason: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unknown test>");
    let _ = writeln!(std::io::stderr(), "SKIPPED {name}: {reason}");
}

/// The local Keystone, or `None` (with a printed reason) when the test
/// environment does not provide one.
pub fn keystone() -> Option<Keystone> {
    let Some(auth_url) = var("KSA_TEST_AUTH_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("KSA_TEST_AUTH_URL is not set under CI=true: the real-Keystone tests must run (scripts/test starts Keystone)");
        }
        skip("KSA_TEST_AUTH_URL is not set; run scripts/test, or scripts/keystone start && eval \"$(scripts/keystone env)\"");
        return None;
    };
    let get = |n: &str| var(n).unwrap_or_default();
    Some(Keystone {
        auth_url,
        short_auth_url: get("KSA_TEST_SHORT_AUTH_URL"),
        admin_username: get("KSA_TEST_ADMIN_USERNAME"),
        admin_password: get("KSA_TEST_ADMIN_PASSWORD"),
        admin_project: get("KSA_TEST_ADMIN_PROJECT"),
        admin_user_id: get("KSA_TEST_ADMIN_USER_ID"),
        admin_project_id: get("KSA_TEST_ADMIN_PROJECT_ID"),
        demo_username: get("KSA_TEST_DEMO_USERNAME"),
        demo_password: get("KSA_TEST_DEMO_PASSWORD"),
        demo_project: get("KSA_TEST_DEMO_PROJECT"),
        demo_project_id: get("KSA_TEST_DEMO_PROJECT_ID"),
        demo_user_id: get("KSA_TEST_DEMO_USER_ID"),
        mfa_username: get("KSA_TEST_MFA_USERNAME"),
        mfa_password: get("KSA_TEST_MFA_PASSWORD"),
        mfa_user_id: get("KSA_TEST_MFA_USER_ID"),
        mfa_totp_secret: get("KSA_TEST_MFA_TOTP_SECRET"),
        access_log: get("KSA_TEST_KEYSTONE_ACCESS_LOG"),
        short_access_log: get("KSA_TEST_KEYSTONE_SHORT_ACCESS_LOG"),
    })
}

/// A fresh empty directory under the system's temporary directory, its
/// name starting with `prefix`.
pub fn temp_dir(prefix: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The error and all its sources, for messages.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

/// Waits until `done()` holds, checking every 10 ms, for at most 120 s
/// (a generous bound for a busy machine); panics naming `what` after that.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

impl Keystone {
    /// The main server's port (5000, or moved by `KSA_KEYSTONE_PORT_OFFSET`).
    pub fn port(&self) -> u16 {
        url::Url::parse(&self.auth_url)
            .unwrap()
            .port_or_known_default()
            .unwrap()
    }

    /// A v3 password plugin for the admin user, scoped to the admin project,
    /// authenticating at `auth_url` (for example through a proxy).
    pub fn admin_project_plugin(&self, auth_url: &str) -> keystoneauth::identity::v3::Password {
        keystoneauth::identity::v3::Password::builder(auth_url)
            .username(&self.admin_username)
            .user_domain_id("default")
            .password(self.admin_password.clone())
            .project_name(&self.admin_project)
            .project_domain_id("default")
            .build()
            .unwrap()
    }
}

/// Returns from the test (skipping it) when there is no local Keystone.
#[macro_export]
macro_rules! require_keystone {
    () => {
        match common::keystone() {
            Some(k) => k,
            None => return,
        }
    };
}
