//! The Kerberos realm of the harness (scripts/kdc, started by
//! scripts/keystone when the MIT Kerberos packages are installed) and the
//! Keystone behind its SPNEGO layer, read from the `KSA_TEST_KRB5_*`,
//! `KSA_TEST_KERBEROS_*` and `KSA_TEST_FEDKERB_*` variables.

use std::path::Path;
use std::process::{Command, Stdio};

/// Facts about the realm and the Kerberos side of the local Keystone.
#[derive(Debug, Clone)]
pub struct Kerberos {
    /// The realm's `krb5.conf` (for `KRB5_CONFIG`).
    pub krb5_config: String,
    /// `KSA.TEST`.
    pub realm: String,
    /// The principal of the Keystone user `user` (v3kerberos).
    pub principal: String,
    /// A principal Keystone knows only through the federation (v3fedkerb).
    pub fed_principal: String,
    /// The password of both principals.
    pub password: String,
    /// The `kinit` program.
    pub kinit: String,
    /// `http://localhost:<port>/v3`: the host names the service principal
    /// `HTTP/localhost`.
    pub auth_url: String,
    /// The Keystone user of `principal`.
    pub user: String,
    /// Its id.
    pub user_id: String,
    /// The project both users have `member` on.
    pub project: String,
    /// Its id.
    pub project_id: String,
    /// The identity provider of the Kerberos federation.
    pub fed_idp: String,
    /// Its protocol (`mapped`).
    pub fed_protocol: String,
}

/// The harness's Kerberos realm, or `None` (with a printed `SKIPPED` line)
/// when the running Keystone has none; under `CI=true` a missing realm is a
/// failure, not a skip.
pub fn kerberos() -> Option<Kerberos> {
    let Some(krb5_config) = crate::var("KSA_TEST_KRB5_CONFIG") else {
        let reason =
            "KSA_TEST_KRB5_CONFIG is not set: no Kerberos realm (scripts/kdc install, then scripts/keystone start)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{reason}; scripts/test installs the packages under CI=true, so the Kerberos tests must run");
        }
        crate::skip(reason);
        return None;
    };
    let get = |n: &str| crate::var(n).unwrap_or_else(|| panic!("{n} is not set, though KSA_TEST_KRB5_CONFIG is"));
    Some(Kerberos {
        krb5_config,
        realm: get("KSA_TEST_KRB5_REALM"),
        principal: get("KSA_TEST_KRB5_PRINCIPAL"),
        fed_principal: get("KSA_TEST_KRB5_FED_PRINCIPAL"),
        password: get("KSA_TEST_KRB5_PASSWORD"),
        kinit: get("KSA_TEST_KRB5_KINIT"),
        auth_url: get("KSA_TEST_KERBEROS_AUTH_URL"),
        user: get("KSA_TEST_KERBEROS_USER"),
        user_id: get("KSA_TEST_KERBEROS_USER_ID"),
        project: get("KSA_TEST_KERBEROS_PROJECT"),
        project_id: get("KSA_TEST_KERBEROS_PROJECT_ID"),
        fed_idp: get("KSA_TEST_FEDKERB_IDP"),
        fed_protocol: get("KSA_TEST_FEDKERB_PROTOCOL"),
    })
}

impl Kerberos {
    /// Gets a ticket-granting ticket for `principal` with `kinit` into a
    /// new credential cache in `dir` (never the user's default cache) and
    /// returns the cache's name, `FILE:<dir>/ccache`, for `KRB5CCNAME`.
    pub fn kinit(&self, principal: &str, dir: &Path) -> String {
        let ccache = format!("FILE:{}", dir.join("ccache").display());
        let mut child = Command::new(&self.kinit)
            .arg(principal)
            .env("KRB5_CONFIG", &self.krb5_config)
            .env("KRB5CCNAME", &ccache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.kinit));
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", self.password).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "kinit {principal} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ccache
    }
}
