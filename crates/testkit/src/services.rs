//! The other services of the test harness: the shared Redis of
//! `scripts/redis` and the WebSSO federation `scripts/keystone` seeds.

/// `KSA_TEST_REDIS_URL` (`redis://127.0.0.1:<port>/0`), or `None` (with a
/// printed `SKIPPED` line) when Redis is not running; a missing Redis fails
/// under `CI=true`.
pub fn redis_url() -> Option<String> {
    let url = crate::var("KSA_TEST_REDIS_URL");
    if url.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("KSA_TEST_REDIS_URL is not set under CI=true: scripts/test starts Redis");
        }
        crate::skip("KSA_TEST_REDIS_URL is not set; run scripts/redis start && eval \"$(scripts/redis env)\"");
    }
    url
}

/// The WebSSO federation the harness seeds (scripts/keystone, keystone_seed.py).
#[derive(Debug, Clone)]
pub struct Sso {
    /// The identity provider's id.
    pub idp: String,
    /// The federation protocol.
    pub protocol: String,
    /// The federated user's name.
    pub user: String,
    /// The project the federated user gets.
    pub project_id: String,
    /// Callback ports listed in Keystone's `[federation] trusted_dashboard`.
    pub ports: Vec<u16>,
}

/// The harness's federation, or `None` (with a printed `SKIPPED` line) when
/// the running Keystone was started without it.
pub fn sso() -> Option<Sso> {
    let Some(idp) = crate::var("KSA_TEST_WEBSSO_IDP") else {
        crate::skip("KSA_TEST_WEBSSO_IDP is not set: the Keystone harness predates its WebSSO federation (restart it with scripts/keystone start)");
        return None;
    };
    Some(Sso {
        idp,
        protocol: crate::var("KSA_TEST_WEBSSO_PROTOCOL").unwrap_or_default(),
        user: crate::var("KSA_TEST_WEBSSO_USER").unwrap_or_default(),
        project_id: crate::var("KSA_TEST_WEBSSO_PROJECT_ID").unwrap_or_default(),
        ports: crate::var("KSA_TEST_WEBSSO_CALLBACK_PORTS")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect(),
    })
}
