//! Issue 11 item 1: redirects never carry secrets to another origin.
//!
//! - Authentication requests (token POSTs of every plugin, OAuth 2.0 token
//!   endpoints) refuse a redirect to another origin with a typed error and
//!   follow one within their origin.
//! - An application body is not re-sent to another origin on 307/308
//!   unless the session or the request opts in; the 307/308 is returned.
//! - A 401 from another origin (after a redirect) keeps the token: 10
//!   such requests make 1 token POST to the real Keystone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::sync::Arc;

use common::proxy::CountingProxy;
use keystoneauth::http::{HeaderName, HeaderValue, StatusCode};
use keystoneauth::identity::{v2, v3};
use keystoneauth::{AuthPlugin, Error, Session};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CANARY: &str = "redirect-canary-secret";

/// A server that answers every request with a 307 to `target`.
async fn redirecting_to(target: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(307).insert_header("location", target))
        .mount(&server)
        .await;
    server
}

fn plugins(auth_url: &str) -> Vec<(&'static str, Arc<dyn AuthPlugin>)> {
    vec![
        (
            "v3password",
            Arc::new(
                v3::Password::builder(auth_url)
                    .username("admin")
                    .user_domain_id("default")
                    .password(CANARY)
                    .project_id("p")
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3token",
            Arc::new(v3::Token::builder(auth_url, CANARY).project_id("p").build().unwrap()),
        ),
        (
            "v2password",
            Arc::new(
                v2::Password::builder(auth_url.replace("/v3", "/v2.0"))
                    .username("admin")
                    .password(CANARY)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3applicationcredential",
            Arc::new(
                v3::ApplicationCredential::builder(auth_url)
                    .application_credential_id("ac")
                    .application_credential_secret(CANARY)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3oauth2clientcredential",
            Arc::new(
                v3::OAuth2ClientCredential::builder(auth_url)
                    .oauth2_endpoint(format!("{auth_url}/OS-OAUTH2/token"))
                    .oauth2_client_id("client")
                    .oauth2_client_secret(CANARY)
                    .build()
                    .unwrap(),
            ),
        ),
    ]
}

#[tokio::test]
async fn auth_requests_refuse_a_redirect_to_another_origin() {
    let foreign = MockServer::start().await;
    let target = format!("{}/v3/auth/tokens?token=leak-{CANARY}", foreign.uri());
    let origin = redirecting_to(&target).await;
    let session = Session::new().unwrap();
    for (name, plugin) in plugins(&format!("{}/v3", origin.uri())) {
        let err = plugin.token(session.transport()).await.unwrap_err();
        let Error::CrossOriginRedirect {
            url, status, target, ..
        } = &err
        else {
            panic!("{name}: expected a cross-origin redirect error, got {err:?}");
        };
        assert_eq!(*status, 307, "{name}");
        assert!(url.starts_with(&origin.uri()), "{name}: {url}");
        assert!(target.starts_with(&foreign.uri()), "{name}: {target}");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains(&foreign.uri()), "{name}: the target is named: {shown}");
        assert!(!shown.contains(CANARY), "{name}: a secret in the error: {shown}");
    }
    let leaked = foreign.received_requests().await.unwrap();
    assert!(leaked.is_empty(), "credentials reached another origin: {leaked:?}");
}

#[tokio::test]
async fn auth_requests_follow_a_redirect_within_their_origin() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/moved/v3/auth/tokens"))
        .mount(&server)
        .await;
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    Mock::given(method("POST"))
        .and(path("/moved/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-subject-token", "same-origin-token")
                .set_body_json(json!({"token": {
                    "methods": ["password"], "expires_at": expires, "issued_at": expires,
                    "user": {"id": "u", "name": "admin", "domain": {"id": "default", "name": "Default"}},
                    "project": {"id": "p", "name": "p", "domain": {"id": "default", "name": "Default"}},
                    "catalog": []}})),
        )
        .mount(&server)
        .await;
    let session = Session::new().unwrap();
    let plugin = &plugins(&format!("{}/v3", server.uri()))[0].1;
    let token = plugin.token(session.transport()).await.unwrap().unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "same-origin-token");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].body, requests[1].body,
        "a same-origin 307 re-sends the body"
    );
}

/// The application POSTs to `origin`, which answers 307 to `foreign`.
async fn post_redirected(session: &Session, opt_in: Option<bool>) -> (StatusCode, Vec<wiremock::Request>) {
    let foreign = MockServer::start().await;
    Mock::given(path("/upload"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&foreign)
        .await;
    let origin = redirecting_to(&format!("{}/upload", foreign.uri())).await;
    let mut request = session
        .post(format!("{}/upload", origin.uri()))
        .header("x-auth-token", CANARY)
        .body("application-body");
    if let Some(allow) = opt_in {
        request = request.redirect_body_cross_origin(allow);
    }
    let response = request.send().await.unwrap();
    (response.status(), foreign.received_requests().await.unwrap())
}

#[tokio::test]
async fn application_body_not_resent_to_another_origin_without_opt_in() {
    let session = Session::new().unwrap();
    let (status, foreign) = post_redirected(&session, None).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT, "the 307 itself is returned");
    assert!(foreign.is_empty(), "the body went to another origin: {foreign:?}");

    // The request may refuse even when the session allows.
    let allowing = Session::builder().redirect_body_cross_origin(true).build().unwrap();
    let (status, foreign) = post_redirected(&allowing, Some(false)).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    assert!(foreign.is_empty());
}

#[tokio::test]
async fn application_body_resent_to_another_origin_on_opt_in() {
    for (session, opt_in) in [
        (
            Session::builder().redirect_body_cross_origin(true).build().unwrap(),
            None,
        ),
        (Session::new().unwrap(), Some(true)),
    ] {
        let (status, foreign) = post_redirected(&session, opt_in).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(foreign.len(), 1);
        assert_eq!(foreign[0].body, b"application-body");
        assert!(
            foreign[0].headers.get("x-auth-token").is_none(),
            "credential headers are stripped as before"
        );
    }
}

#[tokio::test]
async fn a_401_from_another_origin_keeps_the_token() {
    let ks = require_keystone!();
    let proxy = CountingProxy::start(&ks.host_port(), b"POST /v3/auth/tokens");
    let plugin = ks.admin_project_plugin(&format!("{}/v3", proxy.base));
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();

    let foreign = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&foreign)
        .await;
    let service = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/elsewhere", foreign.uri())))
        .mount(&service)
        .await;

    for _ in 0..10 {
        let err = session
            .get("/resource")
            .endpoint_override(service.uri())
            .send()
            .await
            .unwrap_err();
        assert!(err.is_unauthorized(), "{err}");
    }
    assert_eq!(
        proxy.count(),
        1,
        "10 requests answered 401 by another origin: 1 token POST"
    );
    assert_eq!(foreign.received_requests().await.unwrap().len(), 10);
    for r in service.received_requests().await.unwrap() {
        assert!(r.headers.get("x-auth-token").is_some(), "the service got the token");
    }
    for r in foreign.received_requests().await.unwrap() {
        assert!(r.headers.get("x-auth-token").is_none(), "the other origin never did");
    }
}

#[tokio::test]
async fn a_credential_in_the_default_headers_stays_at_the_origin() {
    let foreign = MockServer::start().await;
    Mock::given(path("/there"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&foreign)
        .await;
    let origin = redirecting_to(&format!("{}/there", foreign.uri())).await;
    let session = Session::builder()
        .default_header(
            HeaderName::from_static("authorization"),
            HeaderValue::from_static("Bearer default-header-canary"),
        )
        .default_header(HeaderName::from_static("x-probe"), HeaderValue::from_static("kept"))
        .build()
        .unwrap();
    let response = session.get(format!("{}/here", origin.uri())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let at_origin = origin.received_requests().await.unwrap();
    assert!(
        at_origin[0].headers.get("authorization").is_some(),
        "the origin gets it"
    );
    let foreign = foreign.received_requests().await.unwrap();
    assert_eq!(foreign.len(), 1);
    assert!(foreign[0].headers.get("authorization").is_none(), "{foreign:?}");
    assert_eq!(foreign[0].headers.get("x-probe").unwrap(), "kept");
    assert!(foreign[0].headers.get("user-agent").is_some());
}
