//! The Keystone-to-Keystone federation of the harness (`scripts/keystone`):
//! the main Keystone as SAML identity provider, a second "SP" Keystone
//! behind a mod_shib stand-in, read from the `KSA_TEST_K2K_*` variables.

/// The service provider the harness registers in the main Keystone.
#[derive(Debug, Clone)]
pub struct K2k {
    /// The SP Keystone's `/v3` (`KSA_TEST_SP_AUTH_URL`).
    pub sp_keystone_url: String,
    /// The service provider's id in the main Keystone (`ksa-sp`).
    pub sp_id: String,
    /// Its `sp_url`: the stand-in's ECP consumer.
    pub sp_url: String,
    /// Its `auth_url`: the SP Keystone's federated auth URL.
    pub sp_auth_url: String,
    /// The SP project the federated user gets (`k2k-project`).
    pub remote_project: String,
    /// The main Keystone's identity provider id in the SP Keystone.
    pub idp: String,
}

/// The harness's Keystone-to-Keystone federation, or `None` (with a printed
/// `SKIPPED` line) when the running harness has none; under `CI=true` a
/// missing federation is a failure.
pub fn k2k() -> Option<K2k> {
    let Some(sp_id) = crate::var("KSA_TEST_K2K_SP_ID") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("KSA_TEST_K2K_SP_ID is not set under CI=true: scripts/keystone starts the SAML federation");
        }
        crate::skip("KSA_TEST_K2K_SP_ID is not set: the Keystone harness has no Keystone-to-Keystone federation (restart it with scripts/keystone start)");
        return None;
    };
    let get = |n: &str| crate::var(n).unwrap_or_default();
    Some(K2k {
        sp_keystone_url: get("KSA_TEST_SP_AUTH_URL"),
        sp_id,
        sp_url: get("KSA_TEST_K2K_SP_URL"),
        sp_auth_url: get("KSA_TEST_K2K_SP_AUTH_URL"),
        remote_project: get("KSA_TEST_K2K_REMOTE_PROJECT"),
        idp: get("KSA_TEST_K2K_IDP"),
    })
}
