//! keystoneauth's shared test helpers. What ksa's tests need too (the
//! `KSA_TEST_*` Keystone facts, `SKIPPED` lines, waits, TOTP, the counting
//! proxy) lives in the `testkit` crate and is re-exported here.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

pub mod bulk_server;
pub mod echo;
pub mod fault_proxy;
pub mod h2;
pub mod hostile;
pub mod k2k;
pub mod kerberos;
pub mod loading;
pub mod logs;
pub mod memory;
pub mod mock;
pub mod mtls;
pub mod oauth1;
pub mod peers;
pub mod pki;
pub mod redis;
pub mod saml2;
pub mod shown;
pub mod sockets;
pub mod tokens;
pub mod websso;

pub use testkit::{
    block_until, chain, host_port, keystone, proxy, saml, skip, temp_dir, totp, wait_until, Keystone, Saml,
};

/// keystoneauth's own helpers on the shared [`Keystone`] facts.
pub trait KeystoneExt {
    /// A v3 password plugin for the admin user, scoped to the admin project,
    /// authenticating at `auth_url` (for example through a proxy).
    fn admin_project_plugin(&self, auth_url: &str) -> keystoneauth::identity::v3::Password;
}

impl KeystoneExt for Keystone {
    fn admin_project_plugin(&self, auth_url: &str) -> keystoneauth::identity::v3::Password {
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

/// How long before expiry the identity plugins renew a token: 120 s, or a
/// quarter of the token's lifetime when that is shorter.
pub fn reauth_margin(access: &keystoneauth::AccessInfo) -> std::time::Duration {
    let lifetime = access.lifetime().expect("Keystone gives issued_at");
    std::time::Duration::from_secs(120).min(lifetime / 4)
}

/// A duration in milliseconds, for reports.
pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Panics when `text` holds any of `secrets`, naming `what` leaked it.
pub fn assert_free_of(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} leaks {secret:?}: {text}");
    }
}

/// The same for both Debug forms (`{:?}` and `{:#?}`) of `value`.
pub fn assert_debug_free_of(what: &str, value: &dyn std::fmt::Debug, secrets: &[&str]) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert_free_of(what, &text, secrets);
    }
}

/// The access info `plugin` authenticates to (with a default session's
/// transport).
pub async fn access(
    plugin: &dyn keystoneauth::AuthPlugin,
) -> keystoneauth::Result<std::sync::Arc<keystoneauth::AccessInfo>> {
    let session = keystoneauth::Session::new().unwrap();
    plugin.access_info(session.transport()).await.map(Option::unwrap)
}

/// The compute service, as an endpoint filter.
pub fn compute() -> keystoneauth::EndpointFilter {
    keystoneauth::EndpointFilter::new("compute")
}
