//! The local Keystone of the real-Keystone tests, read from the `KSA_TEST_*`
//! variables that `scripts/keystone env` prints (`scripts/test` exports them).

/// Connection facts of the local Keystone.
#[derive(Debug, Clone)]
pub struct Keystone {
    /// `http://127.0.0.1:5000/v3` (tokens live an hour).
    pub auth_url: String,
    /// `http://127.0.0.1:5001/v3` (tokens live 10 seconds).
    pub short_auth_url: String,
    /// The admin user's name.
    pub admin_username: String,
    /// The admin user's password.
    pub admin_password: String,
    /// The admin project's name.
    pub admin_project: String,
    /// The admin user's id.
    pub admin_user_id: String,
    /// The admin project's id.
    pub admin_project_id: String,
    /// The demo user's name.
    pub demo_username: String,
    /// The demo user's password.
    pub demo_password: String,
    /// The demo project's name.
    pub demo_project: String,
    /// The demo project's id.
    pub demo_project_id: String,
    /// The demo user's id.
    pub demo_user_id: String,
    /// The multi-factor user's name (rules: password + totp).
    pub mfa_username: String,
    /// The multi-factor user's password.
    pub mfa_password: String,
    /// The multi-factor user's id.
    pub mfa_user_id: String,
    /// The multi-factor user's TOTP secret (base32).
    pub mfa_totp_secret: String,
    /// The main server's access log.
    pub access_log: String,
    /// The short-token server's access log.
    pub short_access_log: String,
}

/// Prints `SKIPPED <test>: <reason>` on the real stderr (not captured by
/// the test harness, so a skipped test is visible in every run).
pub fn skip(reason: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unknown test>");
    let _ = writeln!(std::io::stderr(), "SKIPPED {name}: {reason}");
}

/// The local Keystone, or `None` (with a printed `SKIPPED` line) when the
/// test environment does not provide one. Under `CI=true` a missing
/// Keystone is a failure, not a skip.
pub fn keystone() -> Option<Keystone> {
    let Some(auth_url) = crate::var("KSA_TEST_AUTH_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("KSA_TEST_AUTH_URL is not set under CI=true: the real-Keystone tests must run (scripts/test starts Keystone)");
        }
        skip("KSA_TEST_AUTH_URL is not set; run scripts/test, or scripts/keystone start && eval \"$(scripts/keystone env)\"");
        return None;
    };
    let get = |n: &str| crate::var(n).unwrap_or_default();
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

impl Keystone {
    /// The main server's port (5000, or moved by `KSA_KEYSTONE_PORT_OFFSET`).
    pub fn port(&self) -> u16 {
        url::Url::parse(&self.auth_url)
            .unwrap()
            .port_or_known_default()
            .unwrap()
    }

    /// `host:port` of the auth URL.
    pub fn host_port(&self) -> String {
        crate::host_port(&self.auth_url)
    }
}
