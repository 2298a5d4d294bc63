//! Keystone-to-Keystone against the harness's real federation: the main
//! Keystone as SAML identity provider (a real signed ECP assertion), a
//! second Keystone behind the mod_shib stand-in as service provider (the
//! token really comes from Keystone's federation code). Recording proxies
//! in front of both prove that the local token never reaches the service
//! provider and the SP's session cookie never reaches the local Keystone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::proxy::CountingProxy;
use common::{assert_free_of, chain, host_port, Keystone, KeystoneExt};
use testkit::{require_keystone, K2k};

use std::sync::Arc;

use keystoneauth::identity::v3::Keystone2Keystone;
use keystoneauth::loading::{Env, Loader};
use keystoneauth::{AccessInfo, AuthPlugin, Session};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

fn admin_session(ks: &Keystone) -> Session {
    common::mock::session_with(Arc::new(ks.admin_project_plugin(&ks.auth_url)))
}

async fn access(plugin: &dyn AuthPlugin) -> keystoneauth::Result<Arc<AccessInfo>> {
    common::access(plugin).await
}

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
async fn assert_sp_token(ks: &Keystone, k: &K2k, access: &AccessInfo) {
    let token = access.token().expose_secret();
    let (status, body) = validate(&k.sp_keystone_url, token).await;
    assert_eq!(status, 200, "the SP Keystone validates its token: {body}");
    assert_eq!(
        body["token"]["user"]["OS-FEDERATION"]["identity_provider"]["id"], k.idp,
        "{body}"
    );
    let (status, _) = validate(&ks.auth_url, token).await;
    assert_eq!(status, 404, "the local Keystone does not know the SP's token");
}

#[tokio::test]
async fn an_sp_token_unscoped_and_in_the_remote_project() {
    let ks = require_keystone!();
    let Some(k) = testkit::k2k() else { return };
    let local: Arc<dyn AuthPlugin> = Arc::new(ks.admin_project_plugin(&ks.auth_url));
    let unscoped = Keystone2Keystone::builder(local.clone(), &k.sp_id).build().unwrap();
    let a = access(&unscoped).await.unwrap();
    assert!(a.is_unscoped() && a.is_federated(), "{a:?}");
    assert_sp_token(&ks, &k, &a).await;

    let scoped = Keystone2Keystone::builder(local, &k.sp_id)
        .project_name(&k.remote_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    let a = access(&scoped).await.unwrap();
    assert_eq!(a.project_name(), Some(k.remote_project.as_str()), "{a:?}");
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
            .starts_with(&k.sp_keystone_url.trim_end_matches("/v3").to_string()),
        "{}",
        identity.url()
    );
    let projects: Value = identity.json().unwrap();
    assert!(projects.to_string().contains(&k.remote_project), "{projects}");
}

#[tokio::test]
async fn from_os_variables_like_openstackclient() {
    let ks = require_keystone!();
    let Some(k) = testkit::k2k() else { return };
    let env = Env::from_pairs([
        ("OS_AUTH_URL", ks.auth_url.as_str()),
        ("OS_IDENTITY_API_VERSION", "3"),
        ("OS_USERNAME", &ks.demo_username),
        ("OS_PASSWORD", &ks.demo_password),
        ("OS_PROJECT_NAME", &ks.demo_project),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
        ("OS_SERVICE_PROVIDER", &k.sp_id),
        ("OS_REMOTE_PROJECT_NAME", &k.remote_project),
    ]);
    let plugin = Loader::new().env(env).load_auth().unwrap().unwrap();
    let a = access(plugin.as_ref()).await.unwrap();
    assert_eq!(a.project_name(), Some(k.remote_project.as_str()));
    assert_sp_token(&ks, &k, &a).await;
}

/// A second service provider in the local Keystone whose URLs go through
/// `proxy` (in front of the SP); removed on drop.
struct ProxiedProvider {
    admin: Session,
    url: String,
    id: String,
}

impl ProxiedProvider {
    async fn register(ks: &Keystone, k: &K2k, proxy: &CountingProxy) -> Self {
        let through = |url: &str| url.replacen(&format!("http://{}", host_port(url)), &proxy.base, 1);
        let id = format!("ksa-sp-proxied-{}", std::process::id());
        let url = format!("{}/OS-FEDERATION/service_providers/{id}", ks.auth_url);
        let admin = admin_session(ks);
        let body = json!({"service_provider": {
            "auth_url": through(&k.sp_auth_url), "sp_url": through(&k.sp_url), "enabled": true}});
        let r = admin.put(&url).json(&body).raise_error(false).send().await.unwrap();
        if r.status().as_u16() == 409 {
            admin.patch(&url).json(&body).send().await.unwrap();
        } else {
            assert_eq!(r.status().as_u16(), 201, "{}", r.text());
        }
        ProxiedProvider { admin, url, id }
    }
}

impl Drop for ProxiedProvider {
    fn drop(&mut self) {
        let (admin, url) = (self.admin.clone(), self.url.clone());
        // A thread of its own: drop may run inside the test's runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async { admin.delete(&url).raise_error(false).send().await.map(|_| ()) })
        })
        .join();
    }
}

/// The session cookie values an SP answer set (`Set-Cookie: name=value`).
fn set_cookie_values(answers: &str) -> Vec<String> {
    answers
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim().eq_ignore_ascii_case("set-cookie").then_some(value)
        })
        .filter_map(|v| v.split(';').next()?.split_once('=').map(|(_, v)| v.trim().to_owned()))
        .filter(|v| !v.is_empty())
        .collect()
}

#[tokio::test]
async fn the_local_token_never_reaches_the_sp_nor_its_cookie_the_local_keystone() {
    let ks = require_keystone!();
    let Some(k) = testkit::k2k() else { return };
    let idp_proxy = CountingProxy::start(&ks.host_port(), b"POST /v3/auth/OS-FEDERATION/saml2/ecp");
    let sp_proxy = CountingProxy::start(&host_port(&k.sp_url), b"POST /Shibboleth.sso/SAML2/ECP");
    let provider = ProxiedProvider::register(&ks, &k, &sp_proxy).await;
    let local = Arc::new(ks.admin_project_plugin(&format!("{}/v3", idp_proxy.base)));
    let plugin = Keystone2Keystone::builder(local.clone(), &provider.id)
        .local_auth_url(format!("{}/v3", idp_proxy.base))
        .project_name(&k.remote_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    let a = access(&plugin).await.unwrap();
    assert_sp_token(&ks, &k, &a).await;
    assert_eq!(
        (idp_proxy.count(), sp_proxy.count()),
        (1, 1),
        "one assertion, presented once"
    );

    let local_token = local.token(Session::new().unwrap().transport()).await.unwrap().unwrap();
    let local_token = local_token.expose_secret();
    let (to_idp, to_sp) = (idp_proxy.sent(), sp_proxy.sent());
    assert!(
        to_idp.contains(local_token),
        "the recording sees the local token where it belongs"
    );
    assert_free_of("what the SP got", &to_sp, &[local_token, &ks.admin_password]);
    let cookies = set_cookie_values(&sp_proxy.answered());
    assert!(!cookies.is_empty(), "the SP stand-in set a session cookie");
    for cookie in &cookies {
        assert!(to_sp.contains(cookie.as_str()), "the cookie went back to the SP");
    }
    let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
    assert_free_of("what the local Keystone got", &to_idp, &cookies);
}

#[tokio::test]
async fn errors_name_the_provider_and_hold_no_secret() {
    let ks = require_keystone!();
    let Some(k) = testkit::k2k() else { return };
    let local: Arc<dyn AuthPlugin> = Arc::new(ks.admin_project_plugin(&ks.auth_url));
    let err = access(&Keystone2Keystone::builder(local.clone(), "nosuch-sp").build().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.service_provider_not_found(), Some("nosuch-sp"), "{err:?}");
    assert!(err.to_string().contains(&k.sp_id), "the known ones are listed: {err}");

    // A remote project the federated user has no role on: the SP refuses.
    let err = access(
        &Keystone2Keystone::builder(local.clone(), &k.sp_id)
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

#[test]
fn set_cookie_values_are_read_from_raw_answers() {
    let answers =
        "HTTP/1.1 302 Found\r\nSet-Cookie: _shibsession_x=abc123; Path=/; HttpOnly\r\nset-cookie: b=2\r\n\r\n";
    assert_eq!(set_cookie_values(answers), ["abc123", "2"]);
}
