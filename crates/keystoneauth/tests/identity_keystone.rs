//! Identity plugins, the catalog, re-authentication and the Adapter against
//! the real Keystone started by `scripts/keystone`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::access;
use common::KeystoneExt;
use testkit::require_keystone;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::proxy::CountingProxy;
use keystoneauth::identity::v3;
use keystoneauth::{Adapter, AuthPlugin, EndpointFilter, Interface, Session};
use secrecy::ExposeSecret;

const TOKEN_POST: &[u8] = b"POST /v3/auth/tokens";

/// A proxy in front of the Keystone at `auth_url`, and the proxied auth URL.
async fn proxy(auth_url: &str) -> (CountingProxy, String) {
    let p = CountingProxy::start(&common::host_port(auth_url), TOKEN_POST);
    let url = format!("{}/v3", p.base);
    (p, url)
}

fn admin(ks: &common::Keystone, auth_url: &str) -> v3::PasswordBuilder {
    v3::Password::builder(auth_url)
        .username(&ks.admin_username)
        .user_domain_id("default")
        .password(ks.admin_password.clone())
}

#[tokio::test]
async fn password_by_name_and_by_id() {
    let ks = require_keystone!();
    let by_name = ks.admin_project_plugin(&ks.auth_url);
    let a = access(&by_name).await.unwrap();
    assert_eq!(a.user_id(), ks.admin_user_id);
    assert_eq!(a.project_id(), Some(ks.admin_project_id.as_str()));
    assert_eq!(a.username(), Some("admin"));
    assert!(a.methods().iter().any(|m| m == "password"));
    assert!(!a.catalog().is_empty());

    let by_id = v3::Password::builder(&ks.auth_url)
        .user_id(&ks.demo_user_id)
        .password(ks.demo_password.clone())
        .project_id(&ks.demo_project_id)
        .build()
        .unwrap();
    let a = access(&by_id).await.unwrap();
    assert_eq!(a.user_id(), ks.demo_user_id);
    assert_eq!(a.project_name(), Some("demo"));
    assert!(a.role_names().contains(&"member"));
}

#[tokio::test]
async fn domain_system_and_unscoped_tokens() {
    let ks = require_keystone!();
    // auth_url without /v3: the plugin appends it.
    let root = ks.auth_url.trim_end_matches("/v3").to_owned();
    let domain = admin(&ks, &root).domain_id("default").build().unwrap();
    let a = access(&domain).await.unwrap();
    assert!(a.is_domain_scoped());
    assert_eq!(a.domain_id(), Some("default"));

    let system = admin(&ks, &ks.auth_url).system_scope("all").build().unwrap();
    let a = access(&system).await.unwrap();
    assert_eq!(a.system_scope(), Some("all"));

    let unscoped = admin(&ks, &ks.auth_url).build().unwrap();
    let a = access(&unscoped).await.unwrap();
    assert!(a.is_unscoped());
    assert!(a.catalog().is_empty());
    let session = Session::builder().auth(Arc::new(unscoped)).build().unwrap();
    let err = session
        .endpoint(&EndpointFilter::new("compute"), None)
        .await
        .unwrap_err();
    assert!(err.is_endpoint_not_found(), "{err}");
}

#[tokio::test]
async fn token_plugin_rescopes_an_existing_token() {
    let ks = require_keystone!();
    let unscoped = access(&admin(&ks, &ks.auth_url).build().unwrap()).await.unwrap();
    let rescoped = v3::Token::builder(&ks.auth_url, unscoped.token().clone())
        .project_name(&ks.admin_project)
        .project_domain_name("Default")
        .build()
        .unwrap();
    let a = access(&rescoped).await.unwrap();
    assert_eq!(a.project_id(), Some(ks.admin_project_id.as_str()));
    assert_eq!(a.user_id(), ks.admin_user_id);
    assert!(a.methods().iter().any(|m| m == "token"));
    assert_ne!(a.token().expose_secret(), unscoped.token().expose_secret());
    // Re-scoping keeps the original expiry.
    assert_eq!(a.expires_at(), unscoped.expires_at());
}

#[tokio::test]
async fn interfaces_and_preference_lists_select_the_right_address() {
    let ks = require_keystone!();
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&ks.auth_url)))
        .build()
        .unwrap();
    for (interface, host) in [
        (Interface::Public, "127.0.0.1"),
        (Interface::Internal, "127.0.0.2"),
        (Interface::Admin, "127.0.0.3"),
    ] {
        let url = session
            .endpoint(&EndpointFilter::new("identity").interface(interface), None)
            .await
            .unwrap();
        assert_eq!(url, format!("http://{host}:{}/v3", ks.port()), "{interface}");
        // And a real request through that interface reaches Keystone there.
        let r = session
            .get(format!("/users/{}", ks.admin_user_id))
            .endpoint_filter(EndpointFilter::new("identity").interface(interface))
            .send()
            .await
            .unwrap();
        assert_eq!(r.url().host_str(), Some(host));
        let body: serde_json::Value = r.json().unwrap();
        assert_eq!(body["user"]["name"], "admin");
    }
    let preferred = EndpointFilter::new("identity").interfaces([Interface::Internal, Interface::Public]);
    assert_eq!(
        session.endpoint(&preferred, None).await.unwrap(),
        format!("http://127.0.0.2:{}/v3", ks.port())
    );
}

#[tokio::test]
async fn regions_service_names_and_aliases() {
    let ks = require_keystone!();
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&ks.auth_url)))
        .build()
        .unwrap();
    let compute = |region: &str| EndpointFilter::new("compute").region_name(region);
    assert_eq!(
        session.endpoint(&compute("RegionOne"), None).await.unwrap(),
        "http://127.0.0.1:8774/v2.1"
    );
    assert_eq!(
        session.endpoint(&compute("RegionTwo"), None).await.unwrap(),
        "http://127.0.0.1:18774/v2.1"
    );
    let internal_two = compute("RegionTwo").interface(Interface::Internal);
    assert_eq!(
        session.endpoint(&internal_two, None).await.unwrap(),
        "http://127.0.0.2:18774/v2.1"
    );
    let err = session.endpoint(&compute("RegionNine"), None).await.unwrap_err();
    assert!(err.to_string().contains("RegionNine"), "{err}");

    let by_name = EndpointFilter::new("compute").service_name("nova");
    assert_eq!(
        session.endpoint(&by_name, None).await.unwrap(),
        "http://127.0.0.1:8774/v2.1"
    );
    let wrong_name = EndpointFilter::new("compute").service_name("not-nova");
    assert!(session
        .endpoint(&wrong_name, None)
        .await
        .unwrap_err()
        .is_endpoint_not_found());

    let block = EndpointFilter::new("block-storage").region_name("RegionOne");
    assert_eq!(
        session.endpoint(&block, None).await.unwrap(),
        format!("http://127.0.0.1:8776/v3/{}", ks.admin_project_id)
    );
}

#[tokio::test]
async fn wrong_password_is_unauthorized_with_keystones_message() {
    let ks = require_keystone!();
    let plugin = v3::Password::builder(&ks.auth_url)
        .username(&ks.admin_username)
        .user_domain_id("default")
        .password("CANARY-WRONG-PASSWORD")
        .project_id(&ks.admin_project_id)
        .build()
        .unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let err = session
        .get("/users")
        .endpoint_filter(EndpointFilter::new("identity"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(
        err.http().unwrap().message(),
        "The request you have made requires authentication."
    );
    assert!(err.request_id().is_some());
    assert!(!format!("{err} {err:?}").contains("CANARY-WRONG-PASSWORD"));
}

#[tokio::test]
async fn short_tokens_are_renewed_without_a_401_reaching_the_caller() {
    let ks = require_keystone!();
    let (counter, auth_url) = proxy(&ks.short_auth_url).await;
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&auth_url)))
        .build()
        .unwrap();
    // Runs until the token has been renewed at least twice (3 POSTs) and 50
    // requests were made, however slow the machine: events, not a window.
    let start = Instant::now();
    let deadline = Duration::from_secs(180);
    let mut requests = 0;
    while counter.count() < 3 || requests < 50 {
        assert!(
            start.elapsed() < deadline,
            "{requests} requests, {} POSTs",
            counter.count()
        );
        let r = session
            .get(format!("/users/{}", ks.admin_user_id))
            .endpoint_filter(EndpointFilter::new("identity"))
            .send()
            .await
            .expect("no request may fail while tokens expire");
        assert_eq!(r.status(), 200);
        requests += 1;
        // Pacing so the loop spans several 10-second token lifetimes.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let posts = counter.count();
    // Tokens are reused until due: at most one POST per renewal interval
    // (10 s lifetime less the 2.5 s margin) of the run, plus the first.
    let bound = (start.elapsed().as_secs_f64() / 7.5).ceil() as usize + 2;
    assert!(
        posts <= bound,
        "{posts} token POSTs for {requests} requests over {:?} of 10 s tokens",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once() {
    let ks = require_keystone!();
    let (counter, auth_url) = proxy(&ks.auth_url).await;
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&auth_url)))
        .build()
        .unwrap();
    let get_user = || {
        session
            .get(format!("/users/{}", ks.admin_user_id))
            .endpoint_filter(EndpointFilter::new("identity"))
            .send()
    };
    get_user().await.unwrap();
    let token = session.token(None).await.unwrap().unwrap();
    // Revoke it server-side.
    session
        .delete(format!("{}/auth/tokens", ks.auth_url))
        .header("x-subject-token", token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(counter.count(), 1);
    let r = get_user().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(counter.count(), 2, "exactly one re-authentication");
    let new_token = session.token(None).await.unwrap().unwrap();
    assert_ne!(new_token.expose_secret(), token.expose_secret());
}

#[tokio::test]
async fn concurrent_first_requests_make_one_token_post() {
    let ks = require_keystone!();
    let (counter, auth_url) = proxy(&ks.auth_url).await;
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&auth_url)))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let s = session.clone();
        tasks.push(tokio::spawn(async move {
            s.endpoint(&EndpointFilter::new("compute"), None).await.unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "http://127.0.0.1:8774/v2.1");
    }
    assert_eq!(counter.count(), 1);
    // And real requests on the same session reuse it.
    for _ in 0..5 {
        session
            .get("/projects")
            .endpoint_filter(EndpointFilter::new("identity"))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(counter.count(), 1);
}

#[tokio::test]
async fn adapters_share_the_session_token_or_use_their_own() {
    let ks = require_keystone!();
    let (counter, auth_url) = proxy(&ks.auth_url).await;
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&auth_url)))
        .build()
        .unwrap();
    let identity = Adapter::builder(session.clone())
        .service_type("identity")
        .build()
        .unwrap();
    let identity_internal = Adapter::builder(session.clone())
        .service_type("identity")
        .interface(Interface::Internal)
        .build()
        .unwrap();
    identity.get("/projects").send().await.unwrap();
    let r = identity_internal.get("/projects").send().await.unwrap();
    assert_eq!(r.url().host_str(), Some("127.0.0.2"));
    assert_eq!(
        identity.token().await.unwrap().unwrap().expose_secret(),
        identity_internal.token().await.unwrap().unwrap().expose_secret()
    );
    assert_eq!(counter.count(), 1, "two adapters, one token");

    let demo = v3::Password::builder(&auth_url)
        .username(&ks.demo_username)
        .user_domain_id("default")
        .password(ks.demo_password.clone())
        .project_name(&ks.demo_project)
        .project_domain_id("default")
        .build()
        .unwrap();
    let demo_adapter = Adapter::builder(session.clone())
        .service_type("identity")
        .auth(Arc::new(demo))
        .build()
        .unwrap();
    assert_eq!(
        demo_adapter.user_id().await.unwrap().as_deref(),
        Some(ks.demo_user_id.as_str())
    );
    assert_eq!(
        demo_adapter.project_id().await.unwrap().as_deref(),
        Some(ks.demo_project_id.as_str())
    );
    // The demo user may read itself with its own token.
    let r = demo_adapter
        .get(format!("/users/{}", ks.demo_user_id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        session.user_id(None).await.unwrap().as_deref(),
        Some(ks.admin_user_id.as_str())
    );
    assert_eq!(counter.count(), 2);
}

#[tokio::test]
async fn auth_state_restores_without_a_new_token_post() {
    let ks = require_keystone!();
    let (counter, auth_url) = proxy(&ks.auth_url).await;
    let first = ks.admin_project_plugin(&auth_url);
    let session = Session::builder().build().unwrap();
    let token = first.token(session.transport()).await.unwrap().unwrap();
    let state = first.auth_state().unwrap();
    assert_eq!(counter.count(), 1);

    let second = ks.admin_project_plugin(&auth_url);
    assert_eq!(second.cache_id(), first.cache_id());
    assert!(second.set_auth_state(state.expose_secret()).unwrap());
    let session = Session::builder().auth(Arc::new(second)).build().unwrap();
    let r = session
        .get("/projects")
        .endpoint_filter(EndpointFilter::new("identity"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        session.token(None).await.unwrap().unwrap().expose_secret(),
        token.expose_secret()
    );
    assert_eq!(counter.count(), 1, "the restored token was used");
}
