//! `v3oauth1` against the real Keystone started by `scripts/keystone`
//! (its `[auth] methods` include `oauth1`): a consumer gets an access token
//! through the OS-OAUTH1 API (tests/common/oauth1.rs), then the plugin
//! authenticates with it and gets a token for the access token's project
//! with only the delegated role.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::access;

use std::sync::Arc;

use common::KeystoneExt;
use keystoneauth::identity::v3;
use keystoneauth::loading::{Env, Loader};
use keystoneauth::{AccessInfo, Session};
use secrecy::ExposeSecret;
use testkit::require_keystone;

fn plugin(ks: &common::Keystone, d: &common::oauth1::Delegation, access_secret: &str) -> v3::OAuth1Builder {
    v3::OAuth1::builder(ks.auth_url.as_str())
        .consumer(d.consumer_id.as_str(), d.consumer_secret.clone())
        .access_token(d.access_key.as_str(), access_secret.to_owned())
}

fn assert_delegated(a: &AccessInfo, d: &common::oauth1::Delegation) {
    assert_eq!(a.project_id(), Some(d.project_id.as_str()));
    assert_eq!(a.role_names(), vec![d.role_name.as_str()], "only the delegated role");
    assert!(a.methods().iter().any(|m| m == "oauth1"), "{:?}", a.methods());
    let info = a.oauth1().expect("an OS-OAUTH1 token");
    assert_eq!(info.consumer_id.as_deref(), Some(d.consumer_id.as_str()));
    assert_eq!(info.access_token_id.as_deref(), Some(d.access_key.as_str()));
}

#[tokio::test]
async fn an_access_token_gets_a_project_token_with_the_delegated_role() {
    let ks = require_keystone!();
    let admin = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&ks.auth_url)))
        .build()
        .unwrap();
    // The admin user holds `admin` on its project, but on the demo project
    // only the role made for this test, and only that one is delegated.
    let d = common::oauth1::delegate(&ks.auth_url, &admin, &ks.admin_user_id, &ks.demo_project_id).await;

    let a = access(&plugin(&ks, &d, &d.access_secret).build().unwrap())
        .await
        .unwrap();
    assert_delegated(&a, &d);
    assert!(!a.catalog().is_empty());
    assert_eq!(a.user_id(), ks.admin_user_id);

    // Without the catalog: the signature covers the token URL without
    // `?nocatalog`, as keystoneauth1 signs it and Keystone checks it.
    let a = access(
        &plugin(&ks, &d, &d.access_secret)
            .include_catalog(false)
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    assert_delegated(&a, &d);
    assert!(a.catalog().is_empty());

    // From OS_* variables, through the registry's loader.
    let env = Env::from_pairs([
        ("OS_AUTH_TYPE", "v3oauth1"),
        ("OS_AUTH_URL", ks.auth_url.as_str()),
        ("OS_CONSUMER_KEY", d.consumer_id.as_str()),
        ("OS_CONSUMER_SECRET", d.consumer_secret.as_str()),
        ("OS_ACCESS_KEY", d.access_key.as_str()),
        ("OS_ACCESS_SECRET", d.access_secret.as_str()),
    ]);
    let loaded = Loader::new().env(env).load_auth().unwrap().unwrap();
    assert_delegated(&access(loaded.as_ref()).await.unwrap(), &d);

    // A wrong access secret: Keystone rejects the signature, and the
    // error names no secret.
    let err = access(&plugin(&ks, &d, "canary-wrong-secret").build().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let shown = format!("{err} {err:?} {}", common::chain(&err));
    for secret in [
        "canary-wrong-secret",
        d.consumer_secret.as_str(),
        d.access_secret.as_str(),
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let p = plugin(&ks, &d, &d.access_secret).build().unwrap();
    let shown = format!("{p:?}");
    assert!(!shown.contains(d.access_secret.as_str()) && !shown.contains(d.consumer_secret.as_str()));

    // A token from a session with the plugin works for the delegated role:
    // Keystone's own token of the consumer validates.
    let session = Session::builder().auth(Arc::new(p)).build().unwrap();
    let token = session.token(None).await.unwrap().unwrap();
    let check = admin
        .request(
            http::Method::GET,
            format!("{}/auth/tokens", ks.auth_url.trim_end_matches('/')),
        )
        .header("X-Subject-Token", token.expose_secret())
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = check.json().unwrap();
    assert_eq!(body["token"]["project"]["id"], d.project_id.as_str());

    common::oauth1::remove(&ks.auth_url, &admin, &d).await;
    // The consumer is gone, and its access token with it (Keystone
    // answers 404 "Access token not found").
    let err = access(&plugin(&ks, &d, &d.access_secret).build().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err.status().map(|s| s.as_u16()), Some(401 | 404)), "{err}");
}
