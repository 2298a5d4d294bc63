//! Application credentials, TOTP and multi-factor authentication with auth
//! receipts, against the real Keystone started by `scripts/keystone`.
//!
//! The harness seeds the `mfa` user (rules: password + totp) and its TOTP
//! secret; application credentials and a TOTP-only user are made here
//! through the REST API, with the library itself, and removed at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::access;
use testkit::require_keystone;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use keystoneauth::identity::v3;
use keystoneauth::{AccessInfo, AuthPlugin, Session};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use testkit::totp::{base32_encode, totp, wrong_totp};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A session authenticated as the user of `plugin`.
fn session_as(plugin: impl AuthPlugin + 'static) -> Session {
    Session::builder().auth(Arc::new(plugin)).build().unwrap()
}

fn admin_session(ks: &common::Keystone) -> Session {
    session_as(
        v3::Password::builder(&ks.auth_url)
            .username(&ks.admin_username)
            .user_domain_id("default")
            .password(ks.admin_password.clone())
            .project_name(&ks.admin_project)
            .project_domain_id("default")
            .build()
            .unwrap(),
    )
}

fn demo_session(ks: &common::Keystone) -> Session {
    session_as(
        v3::Password::builder(&ks.auth_url)
            .user_id(&ks.demo_user_id)
            .password(ks.demo_password.clone())
            .project_id(&ks.demo_project_id)
            .build()
            .unwrap(),
    )
}

/// A REST call to Keystone; `None` body for none. Panics on error statuses.
async fn call(session: &Session, method: http::Method, url: String, body: Option<Value>) -> Value {
    let mut request = session.request(method.clone(), url.clone());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    if response.bytes().is_empty() {
        Value::Null
    } else {
        response.json().unwrap()
    }
}

fn has_method(a: &AccessInfo, method: &str) -> bool {
    a.methods().iter().any(|m| m == method)
}

// ---------------------------------------------------------------------------
// Application credentials
// ---------------------------------------------------------------------------

#[derive(Clone)]
struct AppCred {
    id: String,
    name: String,
    secret: String,
}

async fn create_app_cred(ks: &common::Keystone, demo: &Session, name: &str, unrestricted: bool) -> AppCred {
    let created = call(
        demo,
        http::Method::POST,
        format!("{}/users/{}/application_credentials", ks.auth_url, ks.demo_user_id),
        Some(json!({"application_credential": {
            "name": name,
            "description": "keystoneauth test; deleted by the test",
            "unrestricted": unrestricted,
        }})),
    )
    .await;
    let ac = &created["application_credential"];
    AppCred {
        id: ac["id"].as_str().unwrap().to_owned(),
        name: ac["name"].as_str().unwrap().to_owned(),
        secret: ac["secret"].as_str().unwrap().to_owned(),
    }
}

const APP_CRED_PREFIX: &str = "ksa-test-appcred";

/// Deletes application credentials of the demo user left over by an
/// earlier run of these tests that failed half-way.
async fn delete_stale_app_creds(ks: &common::Keystone, demo: &Session) {
    let listed = call(
        demo,
        http::Method::GET,
        format!("{}/users/{}/application_credentials", ks.auth_url, ks.demo_user_id),
        None,
    )
    .await;
    let stale_before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() - 3_600_000_000_000;
    for ac in listed["application_credentials"].as_array().unwrap() {
        let name = ac["name"].as_str().unwrap_or_default();
        let made = name.rsplit('-').next().and_then(|n| n.parse::<u128>().ok());
        if name.starts_with(APP_CRED_PREFIX) && made.is_some_and(|m| m < stale_before) {
            let id = ac["id"].as_str().unwrap();
            call(
                demo,
                http::Method::DELETE,
                format!("{}/users/{}/application_credentials/{id}", ks.auth_url, ks.demo_user_id),
                None,
            )
            .await;
        }
    }
}

fn assert_app_cred_token(ks: &common::Keystone, a: &AccessInfo, ac: &AppCred, restricted: bool) {
    let info = a
        .application_credential()
        .expect("the token names its application credential");
    assert_eq!(info.id, ac.id);
    assert_eq!(info.name.as_deref(), Some(ac.name.as_str()));
    assert_eq!(info.restricted, Some(restricted));
    assert!(has_method(a, "application_credential"), "{:?}", a.methods());
    assert_eq!(a.user_id(), ks.demo_user_id);
    // Keystone scopes the token to the credential's project.
    assert_eq!(a.project_id(), Some(ks.demo_project_id.as_str()));
    assert!(a.role_names().contains(&"member"), "{:?}", a.role_names());
    assert!(!a.catalog().is_empty());
}

#[tokio::test]
async fn application_credentials_by_id_and_by_name_restricted_or_not() {
    let ks = require_keystone!();
    let demo = demo_session(&ks);
    delete_stale_app_creds(&ks, &demo).await;
    let restricted = create_app_cred(&ks, &demo, &unique(APP_CRED_PREFIX), false).await;
    let unrestricted = create_app_cred(&ks, &demo, &unique(APP_CRED_PREFIX), true).await;

    // Checks run in a task so that the credentials are deleted even when
    // one fails.
    let outcome = tokio::spawn({
        let (ks, r, u) = (ks.clone(), restricted.clone(), unrestricted.clone());
        async move { app_cred_checks(&ks, &r, &u).await }
    })
    .await;

    for ac in [&restricted, &unrestricted] {
        call(
            &demo,
            http::Method::DELETE,
            format!(
                "{}/users/{}/application_credentials/{}",
                ks.auth_url, ks.demo_user_id, ac.id
            ),
            None,
        )
        .await;
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn app_cred_checks(ks: &common::Keystone, restricted: &AppCred, unrestricted: &AppCred) {
    // By id.
    let by_id = v3::ApplicationCredential::builder(&ks.auth_url)
        .application_credential_id(&restricted.id)
        .application_credential_secret(restricted.secret.clone())
        .build()
        .unwrap();
    let a = access(&by_id).await.unwrap();
    assert_app_cred_token(ks, &a, restricted, true);

    // By name, with the user by name and domain.
    let by_name = v3::ApplicationCredential::builder(&ks.auth_url)
        .application_credential_name(&restricted.name)
        .application_credential_secret(restricted.secret.clone())
        .username(&ks.demo_username)
        .user_domain_name("Default")
        .build()
        .unwrap();
    assert_ne!(by_id.cache_id(), by_name.cache_id());
    let a = access(&by_name).await.unwrap();
    assert_app_cred_token(ks, &a, restricted, true);

    // By name, with the user by id; the unrestricted credential.
    let unrestricted_by_name = v3::ApplicationCredential::builder(&ks.auth_url)
        .application_credential_name(&unrestricted.name)
        .application_credential_secret(unrestricted.secret.clone())
        .user_id(&ks.demo_user_id)
        .build()
        .unwrap();
    let a = access(&unrestricted_by_name).await.unwrap();
    assert_app_cred_token(ks, &a, unrestricted, false);

    // A restricted credential may not make application credentials.
    let session = session_as(by_id);
    let err = session
        .post(format!(
            "{}/users/{}/application_credentials",
            ks.auth_url, ks.demo_user_id
        ))
        .json(&json!({"application_credential": {"name": unique(APP_CRED_PREFIX)}}))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");

    // A wrong secret is refused, and the error does not show it.
    let wrong = v3::ApplicationCredential::builder(&ks.auth_url)
        .application_credential_id(&restricted.id)
        .application_credential_secret("not-the-secret-canary")
        .build()
        .unwrap();
    let err = access(&wrong).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(!format!("{err} {err:?}").contains("not-the-secret-canary"));
}

// ---------------------------------------------------------------------------
// TOTP
// ---------------------------------------------------------------------------

#[derive(Clone)]
struct TotpUser {
    id: String,
    name: String,
    secret: String,
}

async fn create_totp_user(ks: &common::Keystone, admin: &Session) -> TotpUser {
    let name = unique("ksa-test-totp");
    let user = call(
        admin,
        http::Method::POST,
        format!("{}/users", ks.auth_url),
        Some(json!({"user": {"name": name, "domain_id": "default", "enabled": true}})),
    )
    .await;
    let id = user["user"]["id"].as_str().unwrap().to_owned();
    // 20 pseudo-random bytes: enough for a test secret.
    let seed = format!("{name}-{id}");
    let digest = {
        let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
        d.as_ref()[..20].to_vec()
    };
    let secret = base32_encode(&digest);
    call(
        admin,
        http::Method::POST,
        format!("{}/credentials", ks.auth_url),
        Some(json!({"credential": {"type": "totp", "user_id": id, "blob": secret}})),
    )
    .await;
    let roles = call(
        admin,
        http::Method::GET,
        format!("{}/roles?name=member", ks.auth_url),
        None,
    )
    .await;
    let member = roles["roles"][0]["id"].as_str().unwrap();
    call(
        admin,
        http::Method::PUT,
        format!(
            "{}/projects/{}/users/{id}/roles/{member}",
            ks.auth_url, ks.demo_project_id
        ),
        None,
    )
    .await;
    TotpUser { id, name, secret }
}

#[tokio::test]
async fn totp_with_a_code_computed_from_the_secret() {
    let ks = require_keystone!();
    let admin = admin_session(&ks);
    let user = create_totp_user(&ks, &admin).await;

    // Checks run in a task so that the user is deleted even when one fails.
    let outcome = tokio::spawn({
        let (ks, user) = (ks.clone(), user.clone());
        async move { totp_checks(&ks, &user).await }
    })
    .await;

    // Deleting the user deletes its credentials and role assignments.
    call(
        &admin,
        http::Method::DELETE,
        format!("{}/users/{}", ks.auth_url, user.id),
        None,
    )
    .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn totp_checks(ks: &common::Keystone, user: &TotpUser) {
    let by_id = v3::Totp::builder(&ks.auth_url)
        .user_id(&user.id)
        .passcode(totp(&user.secret))
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    let a = access(&by_id).await.unwrap();
    assert_eq!(a.user_id(), user.id);
    assert_eq!(a.project_id(), Some(ks.demo_project_id.as_str()));
    assert!(has_method(&a, "totp"), "{:?}", a.methods());

    let by_name = v3::Totp::builder(&ks.auth_url)
        .username(&user.name)
        .user_domain_id("default")
        .passcode(totp(&user.secret))
        .project_name(&ks.demo_project)
        .project_domain_name("Default")
        .build()
        .unwrap();
    let a = access(&by_name).await.unwrap();
    assert_eq!(a.user_id(), user.id);
    assert_eq!(a.username(), Some(user.name.as_str()));

    // Another passcode, same cache id: a cached token is found again.
    let next = v3::Totp::builder(&ks.auth_url)
        .user_id(&user.id)
        .passcode(wrong_totp(&user.secret))
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    assert_eq!(next.cache_id(), by_id.cache_id());
    let state = by_id.auth_state().unwrap();
    assert!(next.set_auth_state(state.expose_secret()).unwrap());
    let session = Session::new().unwrap();
    assert_eq!(
        next.token(session.transport()).await.unwrap().unwrap().expose_secret(),
        by_id.token(session.transport()).await.unwrap().unwrap().expose_secret()
    );

    // A wrong passcode is refused (a plain 401: the user has no MFA rules).
    next.invalidate();
    let err = access(&next).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.missing_auth_methods().is_none());
}

// ---------------------------------------------------------------------------
// Multi-factor and auth receipts (the seeded `mfa` user: password + totp)
// ---------------------------------------------------------------------------

fn mfa_password(ks: &common::Keystone) -> v3::IdentityMethod {
    v3::IdentityMethod::password(
        v3::User::name_in_domain_id(&ks.mfa_username, "default"),
        ks.mfa_password.clone(),
    )
}

fn mfa_totp(ks: &common::Keystone) -> v3::IdentityMethod {
    v3::IdentityMethod::totp(v3::User::id(&ks.mfa_user_id), totp(&ks.mfa_totp_secret))
}

fn assert_mfa_token(ks: &common::Keystone, a: &AccessInfo) {
    assert_eq!(a.user_id(), ks.mfa_user_id);
    assert_eq!(a.project_id(), Some(ks.demo_project_id.as_str()));
    assert!(has_method(a, "password") && has_method(a, "totp"), "{:?}", a.methods());
}

#[tokio::test]
async fn password_alone_gets_a_receipt_naming_the_missing_method() {
    let ks = require_keystone!();
    if ks.mfa_totp_secret.is_empty() {
        common::skip("the harness did not give the mfa user's TOTP secret");
        return;
    }
    // The plain password plugin gets the receipt error too.
    let password = v3::Password::builder(&ks.auth_url)
        .user_id(&ks.mfa_user_id)
        .password(ks.mfa_password.clone())
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    let err = access(&password).await.unwrap_err();
    let missing = err.missing_auth_methods().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(missing.methods(), ["password"]);
    assert!(
        missing
            .required_auth_methods()
            .iter()
            .any(|set| set.contains(&"password".to_owned()) && set.contains(&"totp".to_owned())),
        "{:?}",
        missing.required_auth_methods()
    );
    assert_eq!(missing.missing_methods(), vec![vec!["totp".to_owned()]]);
    assert!(!missing.is_expired());
    assert!(missing.expires_at() > chrono::Utc::now());
    assert_eq!(missing.user().map(|u| u.id()), Some(ks.mfa_user_id.as_str()));
    assert!(missing.request_id().is_some());
    let receipt = missing.receipt().expose_secret().to_owned();
    assert!(!receipt.is_empty());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(&receipt), "{shown}");
    assert!(!shown.contains(&ks.mfa_password), "{shown}");
    assert!(shown.contains("totp"), "{shown}");

    // Continue with the missing method and the receipt: a multi-factor
    // plugin with the typed method...
    let second = v3::MultiFactor::builder(&ks.auth_url)
        .method(mfa_totp(&ks))
        .receipt(missing.receipt().clone())
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    assert_mfa_token(&ks, &access(&second).await.unwrap());

    // ... or the TOTP plugin with the receipt.
    let totp_plugin = v3::Totp::builder(&ks.auth_url)
        .username(&ks.mfa_username)
        .user_domain_name("Default")
        .passcode(totp(&ks.mfa_totp_secret))
        .receipt(missing.receipt().clone())
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    assert_mfa_token(&ks, &access(&totp_plugin).await.unwrap());

    // Without the receipt TOTP alone is not enough either.
    let totp_alone = v3::Totp::builder(&ks.auth_url)
        .user_id(&ks.mfa_user_id)
        .passcode(totp(&ks.mfa_totp_secret))
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    let err = access(&totp_alone).await.unwrap_err();
    let missing = err.missing_auth_methods().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(missing.methods(), ["totp"]);
    assert_eq!(missing.missing_methods(), vec![vec!["password".to_owned()]]);

    // A receipt Keystone did not issue is refused.
    let forged = v3::MultiFactor::builder(&ks.auth_url)
        .method(mfa_totp(&ks))
        .receipt(SecretString::from("not-a-receipt-canary"))
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    let err = access(&forged).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    // Keystone echoes the receipt in its message; the library masks it.
    let body = String::from_utf8_lossy(err.http().unwrap().body()).into_owned();
    let shown = format!("{err} {err:?} {body}");
    assert!(!shown.contains("not-a-receipt-canary"), "{shown}");
}

#[tokio::test]
async fn password_and_totp_in_one_request() {
    let ks = require_keystone!();
    if ks.mfa_totp_secret.is_empty() {
        common::skip("the harness did not give the mfa user's TOTP secret");
        return;
    }
    // Typed methods.
    let typed = v3::MultiFactor::builder(&ks.auth_url)
        .method(mfa_password(&ks))
        .method(mfa_totp(&ks))
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    assert_mfa_token(&ks, &access(&typed).await.unwrap());

    // keystoneauth1's way: method names and shared options.
    let named = v3::MultiFactor::builder(&ks.auth_url)
        .auth_methods(["v3password", "v3totp"])
        .username(&ks.mfa_username)
        .user_domain_id("default")
        .password(ks.mfa_password.clone())
        .passcode(totp(&ks.mfa_totp_secret))
        .project_name(&ks.demo_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    assert_mfa_token(&ks, &access(&named).await.unwrap());
    // The token works for an authenticated request.
    let session = session_as(named);
    let me = call(
        &session,
        http::Method::GET,
        format!("{}/users/{}", ks.auth_url, ks.mfa_user_id),
        None,
    )
    .await;
    assert_eq!(me["user"]["name"], json!(ks.mfa_username));

    // Password only through the multi-factor plugin: the receipt error.
    let password_only = v3::MultiFactor::builder(&ks.auth_url)
        .auth_methods(["password"])
        .user_id(&ks.mfa_user_id)
        .password(ks.mfa_password.clone())
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    let err = access(&password_only).await.unwrap_err();
    assert!(err.missing_auth_methods().is_some(), "{err:?}");
}
