//! Test support shared by the integration tests of `keystoneauth` and `ksa`
//! (a dev-dependency of both; never published).
//!
//! - [`keystone()`], [`Keystone`], [`skip()`] and [`require_keystone!`]: the
//!   local Keystone started by `scripts/keystone`, read from the `KSA_TEST_*`
//!   variables; a test without them prints `SKIPPED <test>: <reason>` (and
//!   fails under `CI=true`);
//! - [`wait_until`] and [`block_until`]: waits on events or counts with a
//!   generous deadline, never on a wall-clock window;
//! - [`totp`]: RFC 4648 base32 and RFC 6238 TOTP codes;
//! - [`proxy::CountingProxy`]: a loopback proxy that counts requests and
//!   records what it relays;
//! - [`redis_url`] and [`sso`]: the harness's Redis and WebSSO federation,
//!   skipped the same way when absent;
//! - [`saml()`]: the harness's SAML federation (Keystone-to-Keystone, the
//!   service provider Keystone, the ECP and ADFS stand-ins), the same way;
//! - [`kerberos()`]: the harness's Kerberos realm and the Keystone behind
//!   its SPNEGO layer, with [`Kerberos::kinit`];
//! - small helpers: [`temp_dir`], [`chain`], [`host_port`].
//!
//! Panicking is how test support reports a broken test environment, so
//! `unwrap` and `expect` are allowed here.
#![deny(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod kerberos;
mod keystone;
pub mod proxy;
mod saml;
mod services;
pub mod totp;
mod wait;

pub use kerberos::{kerberos, Kerberos};
pub use keystone::{keystone, skip, Keystone};
pub use saml::{saml, Saml};
pub use services::{redis_url, sso, Sso};
pub use wait::{block_until, wait_until, DEADLINE};

/// A variable of the environment, `None` when unset or empty.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A fresh empty directory under the system's temporary directory, its
/// name starting with `prefix` (unique per process and call).
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

/// The error and all its sources, joined with `": "`, for messages.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

/// `host:port` of a URL (the scheme's default port when it has none).
pub fn host_port(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    format!("{}:{}", u.host_str().unwrap(), u.port_or_known_default().unwrap())
}

/// Returns from the test (skipping it, with a visible `SKIPPED` line) when
/// there is no local Keystone; otherwise evaluates to its [`Keystone`].
#[macro_export]
macro_rules! require_keystone {
    () => {
        match $crate::keystone() {
            Some(k) => k,
            None => return,
        }
    };
}

/// Returns from the test (skipping it, with a visible `SKIPPED` line) when
/// the harness has no Kerberos realm; otherwise evaluates to its
/// [`Kerberos`].
#[macro_export]
macro_rules! require_kerberos {
    () => {
        match $crate::kerberos() {
            Some(k) => k,
            None => return,
        }
    };
}
