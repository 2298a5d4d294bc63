//! The reqwest-middleware and tower integrations (`keystoneauth::middleware`)
//! against the real Keystone (`scripts/keystone`), plus loopback servers for
//! what Keystone cannot do: a foreign origin, and a service that redirects.
//! Token POSTs are counted by the fault proxy in front of Keystone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::sync::Arc;

use bytes::Bytes;
use common::fault_proxy::FaultProxy;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use keystoneauth::middleware::{redirect_policy, Builder, KeystoneAuthLayer, KeystoneAuthMiddleware};
use keystoneauth::{token_endpoint, Session};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use secrecy::ExposeSecret;
use tower_layer::Layer;
use tower_service::Service;
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A session whose token POSTs go through a counting fault proxy.
async fn session(ks: &common::Keystone) -> (Session, FaultProxy) {
    let proxy = FaultProxy::for_url(&ks.auth_url).await;
    let auth_url = format!("{}/v3", proxy.base);
    let session = Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&auth_url)))
        .build()
        .unwrap();
    (session, proxy)
}

fn reqwest_client(session: &Session) -> ClientWithMiddleware {
    let client = reqwest::Client::builder().redirect(redirect_policy()).build().unwrap();
    ClientBuilder::new(client)
        .with(KeystoneAuthMiddleware::new(session.clone()).unwrap())
        .build()
}

/// Revokes the session's current token in Keystone.
async fn revoke(session: &Session, ks: &common::Keystone) -> String {
    let token = session.token(None).await.unwrap().unwrap();
    let r = session
        .delete(format!("{}/auth/tokens", ks.auth_url))
        .header("x-subject-token", token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    token.expose_secret().to_owned()
}

#[tokio::test]
async fn reqwest_middleware_resolves_catalog_urls_with_one_token_post() {
    let ks = require_keystone!();
    let (session, proxy) = session(&ks).await;
    let client = reqwest_client(&session);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = client.clone();
        let user = ks.admin_user_id.clone();
        tasks.push(tokio::spawn(async move {
            client
                .get(format!("openstack://identity/users/{user}"))
                .send()
                .await
                .unwrap()
        }));
    }
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.url().as_str(),
            format!("{}/users/{}", ks.auth_url, ks.admin_user_id)
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["user"]["id"], ks.admin_user_id.as_str());
    }
    assert_eq!(proxy.token_posts(), 1, "20 requests, one token");

    // The query string is kept; an absolute URL of a catalog origin gets the token too.
    let r = client
        .get(format!("openstack://identity/users?name={}", ks.admin_username))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["users"][0]["id"], ks.admin_user_id.as_str());
    let r = client
        .get(format!("{}/auth/projects", ks.auth_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(proxy.token_posts(), 1);
}

#[tokio::test]
async fn reqwest_middleware_reauthenticates_once_after_a_401() {
    let ks = require_keystone!();
    let (session, proxy) = session(&ks).await;
    let client = reqwest_client(&session);
    let get = || client.get("openstack://identity/auth/projects").send();
    assert_eq!(get().await.unwrap().status(), 200);
    let old = revoke(&session, &ks).await;
    assert_eq!(proxy.token_posts(), 1);

    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .get("openstack://identity/auth/projects")
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200, "no caller sees the 401");
    }
    assert_eq!(proxy.token_posts(), 2, "10 rejected requests, one re-authentication");
    let new = session.token(None).await.unwrap().unwrap();
    assert_ne!(new.expose_secret(), old);
}

#[tokio::test]
async fn a_token_never_goes_to_an_origin_outside_the_catalog() {
    let ks = require_keystone!();
    let (session, _proxy) = session(&ks).await;
    let foreign = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&foreign)
        .await;

    let client = reqwest_client(&session);
    let r = client.get(format!("{}/anything", foreign.uri())).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let mut service = KeystoneAuthLayer::new(session.clone())
        .unwrap()
        .layer(HyperClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());
    let request = http::Request::get(format!("{}/other", foreign.uri()))
        .body(Full::default())
        .unwrap();
    assert_eq!(service.call(request).await.unwrap().status(), 200);

    let token = session.token(None).await.unwrap().unwrap();
    let received = foreign.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for request in received {
        assert!(request.headers.get("x-auth-token").is_none(), "{request:?}");
        let dump = format!("{request:?}");
        assert!(!dump.contains(token.expose_secret()));
    }
}

#[tokio::test]
async fn redirects_keep_the_token_in_its_origin() {
    // A fixed-endpoint plugin: its "catalog" is one service at `service`.
    let service = MockServer::start().await;
    let foreign = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&foreign)
        .await;
    Mock::given(path("/v2.1/away"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/stolen", foreign.uri())))
        .mount(&service)
        .await;
    Mock::given(path("/v2.1/moved"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/v2.1/here"))
        .mount(&service)
        .await;
    Mock::given(path("/v2.1/here"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&service)
        .await;
    let canary = "canary-token-0f3c9e";
    let plugin = token_endpoint::Token::new(format!("{}/v2.1", service.uri()), canary).unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let client = reqwest_client(&session);

    // Same origin: followed, with the token.
    let r = client.get("openstack://compute/moved").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.url().path().ends_with("/v2.1/here"));
    // Another origin: not followed; the caller gets the 302.
    let r = client.get("openstack://compute/away").send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(foreign.received_requests().await.unwrap().is_empty());

    let received = service.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_eq!(request.headers.get("x-auth-token").unwrap(), canary);
    }
    // Nothing shows the token.
    let middleware = KeystoneAuthMiddleware::new(session.clone()).unwrap();
    let layer = KeystoneAuthLayer::new(session).unwrap();
    for dump in [format!("{middleware:?}"), format!("{layer:?}")] {
        assert!(!dump.contains(canary), "{dump}");
    }
}

#[tokio::test]
async fn composes_with_reqwest_retry_and_reqwest_tracing() {
    // A service that fails twice with 503, then answers: reqwest-retry
    // retries, and every attempt passes through keystoneauth.
    let service = MockServer::start().await;
    Mock::given(path("/v1/thing"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&service)
        .await;
    Mock::given(path("/v1/thing"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&service)
        .await;
    let plugin = token_endpoint::Token::new(format!("{}/v1", service.uri()), "a-token").unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let client = reqwest::Client::builder().redirect(redirect_policy()).build().unwrap();
    let policy = reqwest_retry::policies::ExponentialBackoff::builder()
        .retry_bounds(std::time::Duration::from_millis(1), std::time::Duration::from_millis(5))
        .build_with_max_retries(3);
    let client = ClientBuilder::new(client)
        .with(reqwest_tracing::TracingMiddleware::default())
        .with(reqwest_retry::RetryTransientMiddleware::new_with_policy(policy))
        .with(KeystoneAuthMiddleware::new(session).unwrap())
        .build();
    let r = client.get("openstack://compute/thing").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let received = service.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    assert!(received
        .iter()
        .all(|r| r.headers.get("x-auth-token").unwrap() == "a-token"));
}

#[tokio::test]
async fn tower_layer_resolves_catalog_and_relative_uris_and_reauthenticates() {
    let ks = require_keystone!();
    let (session, proxy) = session(&ks).await;
    let layer = Builder::new(session.clone())
        .service_type("identity")
        .build_layer()
        .unwrap();
    let service = layer.layer(HyperClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());
    let call = |uri: String| {
        let mut service = service.clone();
        async move {
            let request = http::Request::get(uri).body(Full::default()).unwrap();
            let response = service.call(request).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default(),
            )
        }
    };
    let (status, body) = call(format!("openstack://identity/users/{}", ks.admin_user_id)).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["id"], ks.admin_user_id.as_str());
    let (status, body) = call("/auth/projects".into()).await;
    assert_eq!(status, 200);
    assert!(body["projects"].as_array().is_some_and(|p| !p.is_empty()));
    assert_eq!(proxy.token_posts(), 1);

    revoke(&session, &ks).await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        tasks.push(tokio::spawn(call("/auth/projects".into())));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().0, 200, "no caller sees the 401");
    }
    assert_eq!(proxy.token_posts(), 2, "one re-authentication");
}

#[tokio::test]
async fn bad_targets_are_typed_errors() {
    let plugin = token_endpoint::Token::new("http://127.0.0.1:9/v1", "a-token").unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let layer = KeystoneAuthLayer::new(session.clone()).unwrap();
    let mut service = layer.layer(HyperClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());
    // A bare path with no default service type.
    let request = http::Request::get("/servers").body(Full::default()).unwrap();
    let err = service.call(request).await.unwrap_err();
    let err = err.downcast::<keystoneauth::Error>().unwrap();
    assert!(matches!(*err, keystoneauth::Error::RelativeUrl { .. }), "{err}");
    // A scheme that is neither http(s) nor openstack.
    let request = http::Request::get("ftp://example.com/x").body(Full::default()).unwrap();
    let err = service.call(request).await.unwrap_err();
    let text = common::chain(&*err);
    assert!(text.contains("only http, https and openstack URLs"), "{text}");
    // No auth plugin at all.
    let err = KeystoneAuthMiddleware::new(Session::new().unwrap()).unwrap_err();
    assert!(matches!(err, keystoneauth::Error::MissingAuthPlugin { .. }), "{err}");
}
