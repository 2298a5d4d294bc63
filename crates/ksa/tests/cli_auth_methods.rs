//! `ksa token issue` with the auth methods of issue 7, from flags and from
//! clouds.yaml, against the real Keystone: application credentials, TOTP,
//! and the seeded password+TOTP multi-factor user (including the error
//! when only the password is given).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use common::totp::totp;
use common::{http, pairs, Keystone, Sandbox};
use serde_json::{json, Value};

fn token_for(ks: &Keystone, username: &str, password: &str, project: &str) -> String {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": username, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}});
    let r = http(
        "POST",
        &format!("{}/auth/tokens", ks.auth_url),
        &[("Content-Type", "application/json")],
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.header("x-subject-token").unwrap().to_owned()
}

/// An application credential of the demo user, deleted on drop.
struct AppCred<'a> {
    ks: &'a Keystone,
    token: String,
    id: String,
    name: String,
    secret: String,
}

impl<'a> AppCred<'a> {
    fn create(ks: &'a Keystone) -> Self {
        let token = token_for(ks, &ks.demo_username, &ks.demo_password, &ks.demo_project);
        let name = format!("ksa-cli-{}", std::process::id());
        let body = json!({"application_credential": {"name": name, "description": "ksa CLI test"}});
        let r = http(
            "POST",
            &format!("{}/users/{}/application_credentials", ks.auth_url, ks.demo_user_id),
            &[("Content-Type", "application/json"), ("X-Auth-Token", &token)],
            Some(body.to_string().as_bytes()),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json().unwrap();
        let ac = &v["application_credential"];
        AppCred {
            ks,
            token,
            id: ac["id"].as_str().unwrap().to_owned(),
            name,
            secret: ac["secret"].as_str().unwrap().to_owned(),
        }
    }
}

impl Drop for AppCred<'_> {
    fn drop(&mut self) {
        http(
            "DELETE",
            &format!(
                "{}/users/{}/application_credentials/{}",
                self.ks.auth_url, self.ks.demo_user_id, self.id
            ),
            &[("X-Auth-Token", &self.token)],
            None,
        );
    }
}

fn assert_demo_token(v: &Value, ks: &Keystone) {
    assert_eq!(v["user_id"], ks.demo_user_id);
    assert_eq!(v["project_id"], ks.demo_project_id);
    let (status, _) = ks.validate(v["id"].as_str().unwrap());
    assert_eq!(status, 200);
}

#[test]
fn application_credential_from_flags_and_clouds_yaml() {
    let ks = require_keystone!();
    let ac = AppCred::create(&ks);
    let mut sb = Sandbox::new("appcred");
    sb.secrets.push(ac.secret.clone());
    // By id, from flags.
    let v = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3applicationcredential",
            "--os-auth-url",
            &ks.auth_url,
            "--os-application-credential-id",
            &ac.id,
            // Keystone's secrets are random base64url: one may start with
            // '-', which a command line only takes in the `=` form.
            &format!("--os-application-credential-secret={}", ac.secret),
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    // The token is printed by design; it is not the secret.
    assert_demo_token(&v, &ks);
    // By name and user, from clouds.yaml.
    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: {}\n      application_credential_name: {}\n      application_credential_secret: {}\n      username: {}\n      user_domain_name: Default\n",
            ks.auth_url, ac.name, ac.secret, ks.demo_username
        ),
    );
    let v = sb.json(&[], &["--os-cloud", "appcred", "token", "issue", "-f", "json"]);
    assert_demo_token(&v, &ks);
    // A wrong secret is a 401, and the secret is not shown.
    let out = sb.run_args(
        &pairs(&[
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            ("OS_AUTH_URL", &ks.auth_url),
            ("OS_APPLICATION_CREDENTIAL_ID", &ac.id),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "CANARY-WRONG-SECRET"),
        ]),
        &["token", "issue", "--no-cache"],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(!out.stderr.contains("CANARY-WRONG-SECRET"));
}

#[test]
fn multi_factor_user_from_flags_and_clouds_yaml() {
    let ks = require_keystone!();
    let (user, password, secret) = (
        ks.mfa_username.clone(),
        ks.mfa_password.clone(),
        ks.mfa_totp_secret.clone(),
    );
    if user.is_empty() || secret.is_empty() {
        common::skip("the harness did not seed the multi-factor user");
        return;
    }
    let mut sb = Sandbox::new("mfa");
    sb.secrets.push(password.clone());
    // Password alone: Keystone wants TOTP too; ksa says so, exit 1.
    let out = sb.run_args(
        &pairs(&[
            ("OS_AUTH_TYPE", "v3password"),
            ("OS_AUTH_URL", &ks.auth_url),
            ("OS_USERNAME", &user),
            ("OS_USER_DOMAIN_NAME", "Default"),
            ("OS_PASSWORD", &password),
            ("OS_PROJECT_NAME", &ks.demo_project),
            ("OS_PROJECT_DOMAIN_NAME", "Default"),
        ]),
        &["token", "issue", "--no-cache"],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("totp"), "{}", out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);

    // Password and TOTP together, from flags.
    let code = totp(&secret);
    let v = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3multifactor",
            "--os-auth-url",
            &ks.auth_url,
            "--os-auth-methods",
            "v3password,v3totp",
            "--os-username",
            &user,
            "--os-user-domain-name",
            "Default",
            "--os-password",
            &password,
            "--os-passcode",
            &code,
            "--os-project-name",
            &ks.demo_project,
            "--os-project-domain-name",
            "Default",
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    assert_eq!(v["user_id"], ks.mfa_user_id);
    assert_eq!(v["project_id"], ks.demo_project_id);

    // From clouds.yaml, the passcode (which changes) from the command line.
    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  mfa:\n    auth_type: v3multifactor\n    auth:\n      auth_url: {}\n      auth_methods: [v3password, v3totp]\n      username: {user}\n      user_domain_name: Default\n      password: {password}\n      project_name: {}\n      project_domain_name: Default\n",
            ks.auth_url, ks.demo_project
        ),
    );
    let v = sb.json(
        &[],
        &[
            "--os-cloud",
            "mfa",
            "--os-passcode",
            &totp(&secret),
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    assert_eq!(v["user_id"], ks.mfa_user_id);
}

/// A user with only a TOTP credential, created as admin and deleted on drop.
struct TotpUser<'a> {
    ks: &'a Keystone,
    id: String,
    secret: String,
}

impl<'a> TotpUser<'a> {
    fn create(ks: &'a Keystone) -> Self {
        let admin = ks.admin_token();
        let post = |path: &str, body: Value| {
            let r = http(
                "POST",
                &format!("{}{path}", ks.auth_url),
                &[("Content-Type", "application/json"), ("X-Auth-Token", &admin)],
                Some(body.to_string().as_bytes()),
            );
            assert!(r.status == 201 || r.status == 204, "{path}: {}", r.text());
            r.json().unwrap_or(Value::Null)
        };
        let name = format!("ksa-cli-totp-{}", std::process::id());
        let user = post(
            "/users",
            json!({"user": {"name": name, "domain_id": "default", "enabled": true}}),
        );
        let id = user["user"]["id"].as_str().unwrap().to_owned();
        // A fixed, test-only secret (base32 of 20 bytes).
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned();
        post(
            "/credentials",
            json!({"credential": {"type": "totp", "blob": secret, "user_id": id}}),
        );
        let roles = ks.get("/roles?name=member");
        let role = roles["roles"][0]["id"].as_str().unwrap().to_owned();
        let r = http(
            "PUT",
            &format!(
                "{}/projects/{}/users/{id}/roles/{role}",
                ks.auth_url, ks.demo_project_id
            ),
            &[("X-Auth-Token", &admin)],
            None,
        );
        assert_eq!(r.status, 204, "{}", r.text());
        TotpUser { ks, id, secret }
    }
}

impl Drop for TotpUser<'_> {
    fn drop(&mut self) {
        self.ks.delete(&format!("/users/{}", self.id));
    }
}

#[test]
fn totp_from_flags_and_clouds_yaml() {
    let ks = require_keystone!();
    let user = TotpUser::create(&ks);
    let sb = Sandbox::new("totp");
    let v = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3totp",
            "--os-auth-url",
            &ks.auth_url,
            "--os-user-id",
            &user.id,
            "--os-passcode",
            &totp(&user.secret),
            "--os-project-id",
            &ks.demo_project_id,
            "token",
            "issue",
            "-f",
            "json",
        ],
    );
    assert_eq!(v["user_id"], user.id);
    assert_eq!(v["project_id"], ks.demo_project_id);
    // The passcode is not part of the cache id: a second run with another
    // (wrong) code reuses the cached token instead of failing.
    let again = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3totp",
            "--os-auth-url",
            &ks.auth_url,
            "--os-user-id",
            &user.id,
            "--os-passcode",
            "000000",
            "--os-project-id",
            &ks.demo_project_id,
            "token",
            "issue",
            "-f",
            "json",
        ],
    );
    assert_eq!(again["id"], v["id"]);
    // From clouds.yaml.
    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  totp:\n    auth_type: v3totp\n    auth:\n      auth_url: {}\n      user_id: {}\n      project_id: {}\n",
            ks.auth_url, user.id, ks.demo_project_id
        ),
    );
    let v = sb.json(
        &[],
        &[
            "--os-cloud",
            "totp",
            "--os-passcode",
            &totp(&user.secret),
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    assert_eq!(v["user_id"], user.id);
}

#[test]
fn oauth1_access_token_from_flags_and_clouds_yaml() {
    let ks = require_keystone!();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The admin's token (fetched directly) drives the OS-OAUTH1 API.
    let admin = keystoneauth::Session::builder()
        .auth(std::sync::Arc::new(
            keystoneauth::token_endpoint::Token::new(ks.auth_url.as_str(), ks.admin_token()).unwrap(),
        ))
        .build()
        .unwrap();
    let d = runtime.block_on(common::oauth1::delegate(
        &ks.auth_url,
        &admin,
        &ks.admin_user_id,
        &ks.demo_project_id,
    ));
    let mut sb = Sandbox::new("oauth1");
    sb.secrets.push(d.consumer_secret.clone());
    sb.secrets.push(d.access_secret.clone());
    let assert_delegated = |v: &Value| {
        assert_eq!(v["user_id"], ks.admin_user_id);
        assert_eq!(v["project_id"], d.project_id);
        let (status, body) = ks.validate(v["id"].as_str().unwrap());
        assert_eq!(status, 200);
        let roles: Vec<&str> = body["token"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(roles, [d.role_name.as_str()]);
        assert_eq!(body["token"]["OS-OAUTH1"]["consumer_id"], d.consumer_id);
    };
    let v = sb.json(
        &[],
        &[
            "--os-auth-type",
            "v3oauth1",
            "--os-auth-url",
            &ks.auth_url,
            "--os-consumer-key",
            &d.consumer_id,
            "--os-consumer-secret",
            &d.consumer_secret,
            "--os-access-key",
            &d.access_key,
            "--os-access-secret",
            &d.access_secret,
            "token",
            "issue",
            "-f",
            "json",
            "--no-cache",
        ],
    );
    assert_delegated(&v);
    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  delegated:\n    auth_type: v3oauth1\n    auth:\n      auth_url: {}\n      consumer_key: {}\n      consumer_secret: {}\n      access_key: {}\n      access_secret: {}\n",
            ks.auth_url, d.consumer_id, d.consumer_secret, d.access_key, d.access_secret
        ),
    );
    let v = sb.json(
        &[],
        &["--os-cloud", "delegated", "token", "issue", "-f", "json", "--no-cache"],
    );
    assert_delegated(&v);
    // A wrong access secret is a 401, and no secret is shown.
    let out = sb.run_args(
        &pairs(&[
            ("OS_AUTH_TYPE", "v3oauth1"),
            ("OS_AUTH_URL", &ks.auth_url),
            ("OS_CONSUMER_KEY", &d.consumer_id),
            ("OS_CONSUMER_SECRET", &d.consumer_secret),
            ("OS_ACCESS_KEY", &d.access_key),
            ("OS_ACCESS_SECRET", "CANARY-WRONG-SECRET"),
        ]),
        &["token", "issue", "--no-cache"],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(!out.stderr.contains("CANARY-WRONG-SECRET"));
    runtime.block_on(common::oauth1::remove(&ks.auth_url, &admin, &d));
}
