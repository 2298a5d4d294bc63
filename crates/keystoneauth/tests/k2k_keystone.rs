//! Keystone-to-Keystone against the harness's real federation: the main
//! Keystone as SAML identity provider (a real signed ECP assertion), a
//! second Keystone behind the mod_shib stand-in as service provider (the
//! token really comes from Keystone's federation code). A recording relay
//! in front of the local Keystone shows it gets the local token and never a
//! cookie; `crates/ksa/tests/cli_k2k.rs` records the service provider's side.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::access;
use common::proxy::CountingProxy;
use common::{assert_free_of, chain, Keystone, KeystoneExt};
use testkit::{require_keystone, Saml};

use std::sync::Arc;

use keystoneauth::identity::v3::Keystone2Keystone;
use keystoneauth::loading::{Env, Loader};
use keystoneauth::{AccessInfo, AuthPlugin, Session};
use secrecy::ExposeSecret;
use serde_json::Value;

/// Keystone's answer (status, body) about `token` at `keystone_url`
/// (the token validates itself).
async fn validate(keystone_url: &str, token: &str) -> (u16, Value) {
    let r = Session::new()
        .unwrap()
        .get(format!("{keystone_url}/auth/tokens"))
        .header("x-auth-token", token)
        .header("x-subject-token", token)
        .raise_error(false)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().unwrap_or(Value::Null))
}

/// Checks that `access` is a token of the SP Keystone for a user federated
/// from the harness's identity provider, unknown to the local Keystone.
async fn assert_sp_token(ks: &Keystone, k: &Saml, access: &AccessInfo) {
    let token = access.token().expose_secret();
    let (status, body) = validate(&k.sp_auth_url, token).await;
    assert_eq!(status, 200, "the SP Keystone validates its token: {body}");
    assert_eq!(
        body["token"]["user"]["OS-FEDERATION"]["identity_provider"]["id"], k.k2k_idp,
        "{body}"
    );
    let (status, _) = validate(&ks.auth_url, token).await;
    assert_eq!(status, 401, "the local Keystone does not know the SP's token");
}

#[tokio::test]
async fn an_sp_token_unscoped_and_in_the_remote_project() {
    let ks = require_keystone!();
    let Some(k) = testkit::saml() else { return };
    let local: Arc<dyn AuthPlugin> = Arc::new(ks.admin_project_plugin(&ks.auth_url));
    let unscoped = Keystone2Keystone::builder(local.clone(), &k.k2k_sp_id).build().unwrap();
    let a = access(&unscoped).await.unwrap();
    assert!(a.is_unscoped() && a.is_federated(), "{a:?}");
    assert_sp_token(&ks, &k, &a).await;

    let scoped = Keystone2Keystone::builder(local, &k.k2k_sp_id)
        .project_name(&k.k2k_remote_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    let a = access(&scoped).await.unwrap();
    assert_eq!(a.project_name(), Some(k.k2k_remote_project.as_str()), "{a:?}");
    assert_sp_token(&ks, &k, &a).await;
    // Its catalog is the SP's: the identity endpoint is the SP Keystone.
    let session = common::mock::session_with(Arc::new(scoped));
    let identity = session
        .get("auth/projects")
        .endpoint_filter(keystoneauth::EndpointFilter::new("identity"))
        .send()
        .await
        .unwrap();
    assert!(
        identity
            .url()
            .as_str()
            .starts_with(&k.sp_auth_url.trim_end_matches("/v3").to_string()),
        "{}",
        identity.url()
    );
    let projects: Value = identity.json().unwrap();
    assert!(projects.to_string().contains(&k.k2k_remote_project), "{projects}");
}

#[tokio::test]
async fn from_os_variables_like_openstackclient() {
    let ks = require_keystone!();
    let Some(k) = testkit::saml() else { return };
    let env = Env::from_pairs([
        ("OS_AUTH_URL", ks.auth_url.as_str()),
        ("OS_IDENTITY_API_VERSION", "3"),
        ("OS_USERNAME", &ks.demo_username),
        ("OS_PASSWORD", &ks.demo_password),
        ("OS_PROJECT_NAME", &ks.demo_project),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
        ("OS_SERVICE_PROVIDER", &k.k2k_sp_id),
        ("OS_REMOTE_PROJECT_NAME", &k.k2k_remote_project),
    ]);
    let plugin = Loader::new().env(env).load_auth().unwrap().unwrap();
    let a = access(plugin.as_ref()).await.unwrap();
    assert_eq!(a.project_name(), Some(k.k2k_remote_project.as_str()));
    assert_sp_token(&ks, &k, &a).await;
}

#[tokio::test]
async fn the_local_keystone_gets_the_local_token_and_no_cookie() {
    // The SP side is recorded by `ksa`'s test (crates/ksa/tests/cli_k2k.rs),
    // through an HTTP proxy: the stand-in checks the assertion's recipient
    // against its own consumer URL, so the SP cannot be registered behind a
    // relay of another address.
    let ks = require_keystone!();
    let Some(k) = testkit::saml() else { return };
    let idp_relay = CountingProxy::start(&ks.host_port(), b"POST /v3/auth/OS-FEDERATION/saml2/ecp");
    let local_url = format!("{}/v3", idp_relay.base);
    let local = Arc::new(ks.admin_project_plugin(&local_url));
    let plugin = Keystone2Keystone::builder(local.clone(), &k.k2k_sp_id)
        .local_auth_url(&local_url)
        .project_name(&k.k2k_remote_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    let a = access(&plugin).await.unwrap();
    assert_sp_token(&ks, &k, &a).await;
    assert_eq!(idp_relay.count(), 1, "one assertion");
    let local_token = access(local.as_ref()).await.unwrap().token().expose_secret().to_owned();
    let to_idp = idp_relay.sent();
    assert!(
        to_idp.contains(&local_token),
        "the recording sees the local token where it belongs"
    );
    assert!(
        !to_idp.to_ascii_lowercase().contains("\r\ncookie:"),
        "no cookie ever reaches the local Keystone:\n{to_idp}"
    );
    assert_free_of("what the local Keystone got", &to_idp, &[a.token().expose_secret()]);
}

#[tokio::test]
async fn errors_name_the_provider_and_hold_no_secret() {
    let ks = require_keystone!();
    let Some(k) = testkit::saml() else { return };
    let local: Arc<dyn AuthPlugin> = Arc::new(ks.admin_project_plugin(&ks.auth_url));
    let err = access(&Keystone2Keystone::builder(local.clone(), "nosuch-sp").build().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.service_provider_not_found(), Some("nosuch-sp"), "{err:?}");
    assert!(
        err.to_string().contains(&k.k2k_sp_id),
        "the known ones are listed: {err}"
    );

    // A remote project the federated user has no role on: the SP refuses.
    let err = access(
        &Keystone2Keystone::builder(local.clone(), &k.k2k_sp_id)
            .project_name("no-such-remote-project")
            .project_domain_id("default")
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert!(err.http().is_some(), "{err:?}");
    let local_token = access(local.as_ref()).await.unwrap().token().expose_secret().to_owned();
    assert_free_of(
        "the error",
        &format!("{} {err:?}", chain(&err)),
        &[&local_token, &ks.admin_password],
    );
}

#[tokio::test]
async fn a_revoked_local_token_is_replaced() {
    let ks = require_keystone!();
    let Some(k) = testkit::saml() else { return };
    let local: Arc<dyn AuthPlugin> = Arc::new(ks.admin_project_plugin(&ks.auth_url));
    let plugin = Keystone2Keystone::builder(local.clone(), &k.k2k_sp_id).build().unwrap();
    let first = access(&plugin).await.unwrap();
    let revoked = access(local.as_ref()).await.unwrap().token().expose_secret().to_owned();
    let r = Session::new()
        .unwrap()
        .delete(format!("{}/auth/tokens", ks.auth_url))
        .header("x-auth-token", revoked.as_str())
        .header("x-subject-token", revoked.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    // The SP token is dropped (as after a 401); the next one needs a new
    // assertion, which the revoked local token cannot get.
    assert!(plugin.invalidate());
    let second = access(&plugin).await.unwrap();
    assert_ne!(second.token().expose_secret(), first.token().expose_secret());
    assert_sp_token(&ks, &k, &second).await;
    let renewed = access(local.as_ref()).await.unwrap().token().expose_secret().to_owned();
    assert_ne!(renewed, revoked, "the local plugin got a new token");
}
