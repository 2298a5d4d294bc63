#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Mock-server integration tests of the identity plugins (v2.0, v3 and the
//! generic ones that discover the version): the token requests they send,
//! the token lifecycle (single-flight, re-authentication before expiry and
//! on a 401), auth state and cache ids, catalog lookups through a session,
//! adapters, and that no secret shows in `Debug` output.
//!
//! The token, discovery and error documents are shaped as Keystone serves
//! them; catalog URLs point back at the mock server so that requests made
//! through the catalog land on it.

mod common;

use common::assert_debug_free_of;
use common::compute;
use common::mock::received_with;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::tokens::TokenResponder;
use keystoneauth::fixture::{V2Service, V2Token, V3Service, V3Token};
use keystoneauth::identity::{generic, v2, v3};
use keystoneauth::secrecy::ExposeSecret;
use keystoneauth::{Adapter, AuthPlugin, EndpointFilter, Error, Interface, Session};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

const KEYSTONE_401_MESSAGE: &str = "The request you have made requires authentication.";
const CANARY_PW: &str = "CANARY-PW-123";
const CANARY_TOK: &str = "CANARY-TOK-456";
const CANARIES: &[&str] = &[CANARY_PW, CANARY_TOK];

/// A v3 catalog whose URLs all point at `s` (compute at `compute`).
fn v3_catalog_with(s: &str, compute: &str) -> Vec<V3Service> {
    let region = "RegionOne";
    vec![
        V3Service::new("compute", "nova")
            .id("svc-compute")
            .endpoint_with_id("ep-c-pub", "public", region, format!("{compute}/compute/public/v2.1"))
            .endpoint_with_id(
                "ep-c-int",
                "internal",
                region,
                format!("{compute}/compute/internal/v2.1"),
            )
            .endpoint_with_id("ep-c-adm", "admin", region, format!("{compute}/compute/admin/v2.1")),
        V3Service::new("identity", "keystone")
            .id("svc-identity")
            .endpoint_with_id("ep-i-pub", "public", region, format!("{s}/identity/v3"))
            .endpoint_with_id("ep-i-int", "internal", region, format!("{s}/identity-internal/v3")),
        V3Service::new("volumev3", "cinderv3")
            .id("svc-volume")
            .endpoint_with_id("ep-v-pub", "public", region, format!("{s}/volume/v3/p-1")),
        V3Service::new("image", "glance")
            .id("svc-image")
            .endpoint_with_id("ep-g-int", "internal", region, "")
            .endpoint_with_id("ep-g-pub", "public", region, format!("{s}/image")),
    ]
}

fn v3_catalog(s: &str) -> Vec<V3Service> {
    v3_catalog_with(s, s)
}

/// A v3 project-scoped token body, issued `issued_ago` seconds ago and
/// expiring in `expires_in` seconds.
fn v3_token_doc(catalog: Option<Vec<V3Service>>, issued_ago: i64, expires_in: i64) -> Value {
    let token = V3Token::new()
        .user("u-1", "admin")
        .audit_id("aud-1")
        .issued_at(Utc::now() - chrono::Duration::seconds(issued_ago))
        .expires_at(Utc::now() + chrono::Duration::seconds(expires_in))
        .project_scope("p-1", "admin")
        .role("r-1", "admin")
        .role("r-2", "member");
    let token = match catalog {
        Some(services) => services.into_iter().fold(token, V3Token::service),
        None => token.without_catalog(),
    };
    token.json()
}

/// A project token valid for an hour, with the catalog of `s`.
fn v3_project_doc(s: &str) -> Value {
    v3_token_doc(Some(v3_catalog(s)), 60, 3600)
}

/// An unscoped v3 token (Keystone sends no catalog with it).
fn v3_unscoped_doc() -> Value {
    V3Token::new()
        .user("u-1", "admin")
        .audit_id("aud-9")
        .issued_at(Utc::now() - chrono::Duration::seconds(1))
        .json()
}

/// A v2.0 token response with a catalog pointing at `s`.
fn v2_token_doc(s: &str, token_id: &str) -> Value {
    V2Token::new()
        .token_id(token_id)
        .issued_at(Utc::now() - chrono::Duration::seconds(60))
        .audit_ids(["a1"])
        .user("u-1", "demo")
        .tenant("t-1", "demo")
        .role("9fe2ff9ee4384b1894a90878d3e92bab", "_member_")
        .service(V2Service::new("compute", "nova").endpoint(
            "RegionOne",
            &format!("{s}/compute/public/v2/t-1"),
            &format!("{s}/compute/internal/v2/t-1"),
            &format!("{s}/compute/admin/v2/t-1"),
        ))
        .service(V2Service::new("identity", "keystone").endpoint(
            "RegionOne",
            &format!("{s}/v2.0"),
            &format!("{s}/v2.0"),
            &format!("{s}/admin/v2.0"),
        ))
        .json()
}

fn v3_version_entry(s: &str) -> Value {
    json!({"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
           "links": [{"rel": "self", "href": format!("{s}/v3/")}],
           "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]})
}

fn v2_version_entry(s: &str, status: &str) -> Value {
    json!({"id": "v2.0", "status": status, "updated": "2016-08-04T00:00:00Z",
           "links": [{"rel": "self", "href": format!("{s}/v2.0/")},
                     {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"}],
           "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"}]})
}

/// Keystone's root document: v3 and v2.0, or a v2-only (old) Keystone.
fn root_versions(s: &str, with_v3: bool) -> Value {
    let values = if with_v3 {
        vec![v3_version_entry(s), v2_version_entry(s, "deprecated")]
    } else {
        vec![v2_version_entry(s, "stable")]
    };
    json!({"versions": {"values": values}})
}

fn keystone_401() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header("WWW-Authenticate", "Keystone uri=\"http://127.0.0.1/identity\"")
        .set_body_json(json!({"error": {"code": 401, "title": "Unauthorized", "message": KEYSTONE_401_MESSAGE}}))
}

fn html_404() -> ResponseTemplate {
    ResponseTemplate::new(404)
        .insert_header("Content-Type", "text/html; charset=UTF-8")
        .set_body_string("<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>")
}

// ---------------------------------------------------------------------------
// Mock helpers
// ---------------------------------------------------------------------------

async fn mount_v3_tokens(server: &MockServer, ids: &[&str], body: Value) {
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(TokenResponder::in_turn(ids, body))
        .mount(server)
        .await;
}

async fn mount_ok(server: &MockServer, p: &str) {
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(server)
        .await;
}

async fn mount_root(server: &MockServer, doc: Value) {
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(300).set_body_json(doc))
        .mount(server)
        .await;
}

async fn count(server: &MockServer, m: &str, p: &str) -> usize {
    received_with(server, m, p).await.len()
}

fn token_of(request: &Request) -> Option<String> {
    request
        .headers
        .get("x-auth-token")
        .map(|v| v.to_str().unwrap().to_owned())
}

fn mk_session(plugin: Arc<dyn AuthPlugin>) -> Session {
    Session::builder().auth(plugin).build().unwrap()
}

fn v3_password(s: &str) -> v3::Password {
    v3::Password::builder(format!("{s}/v3"))
        .username("admin")
        .user_domain_name("Default")
        .password("secret")
        .project_id("p-1")
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------
// 1. Identity v2.0
// ---------------------------------------------------------------------------

#[tokio::test]
async fn v2_password_end_to_end() {
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("POST"))
        .and(path("/v2.0/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v2_token_doc(&s, "v2-token-id")))
        .mount(&server)
        .await;
    mount_ok(&server, "/compute/public/v2/t-1/servers").await;
    mount_ok(&server, "/compute/internal/v2/t-1/servers").await;

    let plugin = v2::Password::builder(format!("{s}/v2.0"))
        .username("demo")
        .password("s3cret")
        .tenant_name("demo")
        .build()
        .unwrap();
    let session = mk_session(Arc::new(plugin));

    let r = session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.url().as_str(), format!("{s}/compute/public/v2/t-1/servers"));

    let r = session
        .get("/servers")
        .endpoint_filter(compute().interface(Interface::Internal))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/compute/internal/v2/t-1/servers"));

    assert_eq!(session.user_id(None).await.unwrap().as_deref(), Some("u-1"));
    assert_eq!(session.project_id(None).await.unwrap().as_deref(), Some("t-1"));

    let posts = received_with(&server, "POST", "/v2.0/tokens").await;
    assert_eq!(posts.len(), 1, "one token for everything");
    assert_eq!(
        posts[0].body_json::<Value>().unwrap(),
        json!({"auth": {"passwordCredentials": {"username": "demo", "password": "s3cret"}, "tenantName": "demo"}})
    );
    assert!(posts[0].headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(token_of(&posts[0]), None, "the token request carries no token");

    for p in ["/compute/public/v2/t-1/servers", "/compute/internal/v2/t-1/servers"] {
        let gets = received_with(&server, "GET", p).await;
        assert_eq!(gets.len(), 1, "{p}");
        assert_eq!(token_of(&gets[0]).as_deref(), Some("v2-token-id"), "{p}");
    }
}

#[tokio::test]
async fn v2_auth_url_is_used_as_given_and_token_plugin() {
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("POST"))
        .and(path("/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v2_token_doc(&s, "v2-token-id")))
        .mount(&server)
        .await;

    // keystoneauth1's v2 plugins post to `<auth_url>/tokens`: no version
    // segment is added (issue 12 item 14), a trailing slash is dropped.
    let plugin = v2::Password::builder(format!("{s}/"))
        .user_id("u-1")
        .password("pw")
        .tenant_id("t-1")
        .build()
        .unwrap();
    let token = mk_session(Arc::new(plugin)).token(None).await.unwrap().unwrap();
    assert_eq!(token.expose_secret(), "v2-token-id");
    let posts = received_with(&server, "POST", "/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].body_json::<Value>().unwrap(),
        json!({"auth": {"passwordCredentials": {"userId": "u-1", "password": "pw"}, "tenantId": "t-1"}})
    );

    let plugin = v2::Token::builder(s.clone(), "an-old-token")
        .tenant_id("t-1")
        .build()
        .unwrap();
    let session = mk_session(Arc::new(plugin));
    assert_eq!(session.project_id(None).await.unwrap().as_deref(), Some("t-1"));
    let posts = received_with(&server, "POST", "/tokens").await;
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[1].body_json::<Value>().unwrap(),
        json!({"auth": {"token": {"id": "an-old-token"}, "tenantId": "t-1"}})
    );
}

#[tokio::test]
async fn v2_plugin_with_a_v3_auth_url_says_so() {
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("POST"))
        .and(path("/v3/tokens"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"error": {"code": 404, "title": "Not Found", "message": "The resource could not be found."}}),
        ))
        .mount(&server)
        .await;
    let plugin = v2::Password::builder(format!("{s}/v3"))
        .username("demo")
        .password(CANARY_PW)
        .build()
        .unwrap();
    let err = mk_session(Arc::new(plugin)).token(None).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    assert!(text.contains("ends in /v3") && text.contains("v3 plugin"), "{text}");
    assert!(!text.contains(CANARY_PW) && !format!("{err:?}").contains(CANARY_PW));
    // The HTTP error stays the source.
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("404") || source.contains("Not Found"), "{source}");
    assert_eq!(received_with(&server, "POST", "/v3/tokens").await.len(), 1);
}

// ---------------------------------------------------------------------------
// 2. Identity v3
// ---------------------------------------------------------------------------

#[tokio::test]
async fn v3_request_bodies_for_users_and_scopes() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&s)).await;
    let url = format!("{s}/v3");
    let pw = |user: Value| json!({"user": user});
    let cases: Vec<(&str, Arc<dyn AuthPlugin>, Value)> = vec![
        (
            "user id, project id",
            Arc::new(
                v3::Password::builder(&url)
                    .user_id("u-1")
                    .password("pw")
                    .project_id("p-1")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"], "password": pw(json!({"id": "u-1", "password": "pw"}))},
                "scope": {"project": {"id": "p-1"}}}}),
        ),
        (
            "user name + domain, project name + domain",
            Arc::new(
                v3::Password::builder(&url)
                    .username("admin")
                    .user_domain_name("Default")
                    .password("pw")
                    .project_name("admin")
                    .project_domain_id("default")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"],
                             "password": pw(json!({"name": "admin", "domain": {"name": "Default"}, "password": "pw"}))},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}),
        ),
        (
            "domain scope by id",
            Arc::new(
                v3::Password::builder(&url)
                    .username("admin")
                    .user_domain_id("default")
                    .password("pw")
                    .domain_id("default")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"],
                             "password": pw(json!({"name": "admin", "domain": {"id": "default"}, "password": "pw"}))},
                "scope": {"domain": {"id": "default"}}}}),
        ),
        (
            "domain scope by name",
            Arc::new(
                v3::Password::builder(&url)
                    .user_id("u-1")
                    .password("pw")
                    .domain_name("Default")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"], "password": pw(json!({"id": "u-1", "password": "pw"}))},
                "scope": {"domain": {"name": "Default"}}}}),
        ),
        (
            "system all",
            Arc::new(
                v3::Password::builder(&url)
                    .user_id("u-1")
                    .password("pw")
                    .system_scope("all")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"], "password": pw(json!({"id": "u-1", "password": "pw"}))},
                "scope": {"system": {"all": true}}}}),
        ),
        (
            "trust",
            Arc::new(
                v3::Password::builder(&url)
                    .user_id("u-2")
                    .password("pw")
                    .trust_id("t-1")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"], "password": pw(json!({"id": "u-2", "password": "pw"}))},
                "scope": {"OS-TRUST:trust": {"id": "t-1"}}}}),
        ),
        (
            "unscoped",
            Arc::new(
                v3::Password::builder(&url)
                    .user_id("u-1")
                    .password("pw")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["password"], "password": pw(json!({"id": "u-1", "password": "pw"}))}}}),
        ),
        (
            "token method, project scope",
            Arc::new(
                v3::Token::builder(&url, "an-unscoped-token")
                    .project_id("p-1")
                    .build()
                    .unwrap(),
            ),
            json!({"auth": {
                "identity": {"methods": ["token"], "token": {"id": "an-unscoped-token"}},
                "scope": {"project": {"id": "p-1"}}}}),
        ),
    ];
    for (i, (name, plugin, expected)) in cases.into_iter().enumerate() {
        let token = mk_session(plugin).token(None).await.unwrap().unwrap();
        assert_eq!(token.expose_secret(), "tok-A", "{name}");
        let posts = received_with(&server, "POST", "/v3/auth/tokens").await;
        assert_eq!(posts.len(), i + 1, "{name}");
        let post = &posts[i];
        assert_eq!(post.url.query(), None, "{name}: the catalog is asked for by default");
        let body: Value = post.body_json().unwrap();
        assert_eq!(body, expected, "{name}");
        if name == "unscoped" {
            assert!(
                body["auth"].get("scope").is_none(),
                "an unscoped request has no scope key"
            );
        }
    }
}

#[tokio::test]
async fn v3_nocatalog_missing_subject_token_and_401() {
    // include_catalog(false) asks for ?nocatalog.
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A"], v3_token_doc(None, 60, 3600)).await;
    let plugin = v3::Password::builder(format!("{s}/v3/"))
        .user_id("u-1")
        .password("pw")
        .project_id("p-1")
        .include_catalog(false)
        .build()
        .unwrap();
    let session = mk_session(Arc::new(plugin));
    assert_eq!(session.project_id(None).await.unwrap().as_deref(), Some("p-1"));
    let posts = received_with(&server, "POST", "/v3/auth/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].url.query(), Some("nocatalog"));

    // A 201 without X-Subject-Token is an error, not a panic.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(v3_project_doc(&server.uri())))
        .mount(&server)
        .await;
    let session = Session::builder()
        .auth(Arc::new(v3_password(&server.uri())))
        .build()
        .unwrap();
    let err = session.token(None).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("X-Subject-Token"), "{err}");
    let err = session
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("X-Subject-Token"), "{err}");

    // A 401 to the token request is an unauthorized error with Keystone's message,
    // and a request that cannot authenticate does not retry the token request.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(keystone_401())
        .mount(&server)
        .await;
    let session = Session::builder()
        .auth(Arc::new(v3_password(&server.uri())))
        .build()
        .unwrap();
    let err = session.token(None).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.http().unwrap().message(), KEYSTONE_401_MESSAGE);
    assert!(err.to_string().contains(KEYSTONE_401_MESSAGE), "{err}");
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);
    let err = session
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
}

// ---------------------------------------------------------------------------
// 3. Generic plugins: version discovery
// ---------------------------------------------------------------------------

fn generic_password(auth_url: String) -> generic::PasswordBuilder {
    generic::Password::builder(auth_url)
        .username("demo")
        .password("pw")
        .project_name("demo")
        .default_domain_id("default")
}

fn generic_v3_body() -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"],
                     "password": {"user": {"name": "demo", "domain": {"id": "default"}, "password": "pw"}}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
}

fn generic_v2_body() -> Value {
    json!({"auth": {"passwordCredentials": {"username": "demo", "password": "pw"}, "tenantName": "demo"}})
}

async fn mount_v2_tokens(server: &MockServer) {
    let doc = v2_token_doc(&server.uri(), "v2-token-id");
    Mock::given(method("POST"))
        .and(path("/v2.0/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(doc))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn generic_password_discovers_v3_once() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_root(&server, root_versions(&s, true)).await;
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&s)).await;
    mount_v2_tokens(&server).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let session = mk_session(Arc::new(generic_password(s.clone()).build().unwrap()));

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.get("/servers").endpoint_filter(compute()).send().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    session.get("/servers").endpoint_filter(compute()).send().await.unwrap();

    let discovery = received_with(&server, "GET", "/").await;
    assert_eq!(discovery.len(), 1, "discovery happens once");
    assert_eq!(token_of(&discovery[0]), None, "discovery is unauthenticated");
    let posts = received_with(&server, "POST", "/v3/auth/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body_json::<Value>().unwrap(), generic_v3_body());
    assert_eq!(count(&server, "POST", "/v2.0/tokens").await, 0);
    assert_eq!(count(&server, "GET", "/compute/public/v2.1/servers").await, 11);
}

#[tokio::test]
async fn generic_password_discovers_from_a_versioned_url() {
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": v3_version_entry(&s)})))
        .mount(&server)
        .await;
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&s)).await;
    let session = mk_session(Arc::new(generic_password(format!("{s}/v3")).build().unwrap()));
    assert_eq!(session.token(None).await.unwrap().unwrap().expose_secret(), "tok-A");
    assert_eq!(session.user_id(None).await.unwrap().as_deref(), Some("u-1"));
    assert_eq!(count(&server, "GET", "/v3").await, 1);
    let posts = received_with(&server, "POST", "/v3/auth/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body_json::<Value>().unwrap(), generic_v3_body());
}

#[tokio::test]
async fn generic_password_uses_v2_on_a_v2_only_cloud() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_root(&server, root_versions(&s, false)).await;
    mount_v2_tokens(&server).await;
    mount_ok(&server, "/compute/public/v2/t-1/servers").await;
    // The default domain is a v3-only default: it does not rule v2.0 out.
    let session = mk_session(Arc::new(generic_password(s.clone()).build().unwrap()));
    for _ in 0..3 {
        session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    }
    assert_eq!(count(&server, "GET", "/").await, 1, "discovery happens once");
    let posts = received_with(&server, "POST", "/v2.0/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body_json::<Value>().unwrap(), generic_v2_body());
    let gets = received_with(&server, "GET", "/compute/public/v2/t-1/servers").await;
    assert_eq!(gets.len(), 3);
    assert!(gets.iter().all(|r| token_of(r).as_deref() == Some("v2-token-id")));
}

#[tokio::test]
async fn generic_password_with_domain_options_refuses_v2_only_cloud() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_root(&server, root_versions(&s, false)).await;
    mount_v2_tokens(&server).await;
    let plugin = generic::Password::builder(s.clone())
        .username("demo")
        .user_domain_name("Default")
        .password("pw")
        .project_name("demo")
        .build()
        .unwrap();
    let err = mk_session(Arc::new(plugin)).token(None).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("domain") && text.contains("v3"), "{text}");
    assert_eq!(count(&server, "POST", "/v2.0/tokens").await, 0);
}

#[tokio::test]
async fn generic_password_falls_back_to_the_url_path_when_discovery_fails() {
    // .../v3 answers 404 HTML: the path says v3.
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3"))
        .respond_with(html_404())
        .mount(&server)
        .await;
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&s)).await;
    let session_v3 = mk_session(Arc::new(generic_password(format!("{s}/v3")).build().unwrap()));
    assert_eq!(session_v3.token(None).await.unwrap().unwrap().expose_secret(), "tok-A");
    let posts = received_with(&server, "POST", "/v3/auth/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body_json::<Value>().unwrap(), generic_v3_body());

    // .../v2.0 answers 404 HTML: the path says v2.0.
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("GET"))
        .and(path("/v2.0"))
        .respond_with(html_404())
        .mount(&server)
        .await;
    mount_v2_tokens(&server).await;
    let session_v2 = mk_session(Arc::new(generic_password(format!("{s}/v2.0")).build().unwrap()));
    assert_eq!(
        session_v2.token(None).await.unwrap().unwrap().expose_secret(),
        "v2-token-id"
    );
    session_v2.token(None).await.unwrap();
    assert_eq!(
        count(&server, "GET", "/v2.0").await,
        1,
        "a fallback is also chosen once"
    );
    let posts = received_with(&server, "POST", "/v2.0/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body_json::<Value>().unwrap(), generic_v2_body());

    // A root URL whose discovery fails: nothing to fall back on.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(html_404())
        .mount(&server)
        .await;
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&server.uri())).await;
    let session_root = mk_session(Arc::new(generic_password(server.uri()).build().unwrap()));
    let err = session_root.token(None).await.unwrap_err();
    assert!(
        err.to_string().contains("could not find a versioned identity endpoint"),
        "{err}"
    );
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 0);
}

#[tokio::test]
async fn generic_token_discovers_v3() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_root(&server, root_versions(&s, true)).await;
    mount_v3_tokens(&server, &["tok-rescoped"], v3_project_doc(&s)).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let plugin = generic::Token::builder(s.clone(), "tok-unscoped")
        .project_id("p-1")
        .build()
        .unwrap();
    let session = mk_session(Arc::new(plugin));
    for _ in 0..3 {
        session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    }
    assert_eq!(count(&server, "GET", "/").await, 1);
    let posts = received_with(&server, "POST", "/v3/auth/tokens").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].body_json::<Value>().unwrap(),
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "tok-unscoped"}},
                        "scope": {"project": {"id": "p-1"}}}})
    );
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    assert!(gets.iter().all(|r| token_of(r).as_deref() == Some("tok-rescoped")));
}

// ---------------------------------------------------------------------------
// 4. Lifecycle
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_requests_authenticate_once() {
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Subject-Token", "tok-A")
                .set_body_json(v3_project_doc(&s))
                .set_delay(Duration::from_millis(100)),
        )
        .expect(1)
        .named("the one token request")
        .mount(&server)
        .await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let session = mk_session(Arc::new(v3_password(&s)));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.get("/servers").endpoint_filter(compute()).send().await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    assert_eq!(gets.len(), 50);
    assert!(gets.iter().all(|r| token_of(r).as_deref() == Some("tok-A")));
    server.verify().await;
}

#[tokio::test]
async fn token_within_the_capped_margin_is_refreshed() {
    // Lifetime 120 s, 20 s left: the margin is min(120, 120 / 4) = 30 s, so
    // the token is already due.
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(
        &server,
        &["tok-A", "tok-B"],
        v3_token_doc(Some(v3_catalog(&s)), 100, 20),
    )
    .await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let session = mk_session(Arc::new(v3_password(&s)));
    session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);
    // A token fetched less than a second ago is used even within the margin
    // (so a request never authenticates twice); wait that out.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    assert_eq!(token_of(&gets[0]).as_deref(), Some("tok-A"));
    assert_eq!(token_of(&gets[1]).as_deref(), Some("tok-B"));
}

#[tokio::test]
async fn tokens_outside_the_margin_are_reused() {
    // Lifetime 3600 s, 3000 s left: far from due.
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(
        &server,
        &["tok-A", "tok-B"],
        v3_token_doc(Some(v3_catalog(&s)), 600, 3000),
    )
    .await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let session_long = mk_session(Arc::new(v3_password(&s)));
    for _ in 0..10 {
        session_long
            .get("/servers")
            .endpoint_filter(compute())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);

    // Lifetime 120 s, 40 s left: within the default 120 s margin, but the
    // margin is capped at a quarter of the lifetime (30 s), so it is reused
    // (also after the one-second grace for fresh tokens).
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A", "tok-B"], v3_token_doc(Some(v3_catalog(&s)), 80, 40)).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let session_short = mk_session(Arc::new(v3_password(&s)));
    session_short
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..5 {
        session_short
            .get("/servers")
            .endpoint_filter(compute())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);
}

/// A compute endpoint that rejects `tok-A` and accepts `tok-B`.
async fn mount_rejecting_a(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/compute/public/v2.1/servers"))
        .and(header("x-auth-token", "tok-A"))
        .respond_with(keystone_401().set_delay(Duration::from_millis(20)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/compute/public/v2.1/servers"))
        .and(header("x-auth-token", "tok-B"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_401_re_authenticates_once() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A", "tok-B", "tok-C"], v3_project_doc(&s)).await;
    mount_rejecting_a(&server).await;
    let session = mk_session(Arc::new(v3_password(&s)));
    let r = session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    let sent: Vec<_> = gets.iter().map(token_of).collect();
    assert_eq!(sent, [Some("tok-A".to_owned()), Some("tok-B".to_owned())]);
    // The new token sticks.
    session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
}

#[tokio::test]
async fn a_service_that_always_answers_401_is_not_retried_forever() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A", "tok-B", "tok-C"], v3_project_doc(&s)).await;
    Mock::given(method("GET"))
        .and(path("/compute/public/v2.1/servers"))
        .respond_with(keystone_401())
        .mount(&server)
        .await;
    let session = mk_session(Arc::new(v3_password(&s)));
    let err = session
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.http().unwrap().message(), KEYSTONE_401_MESSAGE);
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
    assert_eq!(count(&server, "GET", "/compute/public/v2.1/servers").await, 2);
    // allow_reauth(false): the 401 comes back as it is, without a new token.
    let err = session
        .get("/servers")
        .endpoint_filter(compute())
        .allow_reauth(false)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
    assert_eq!(count(&server, "GET", "/compute/public/v2.1/servers").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_requests_rejected_at_once_fetch_one_new_token() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A", "tok-B", "tok-C", "tok-D"], v3_project_doc(&s)).await;
    mount_rejecting_a(&server).await;
    let session = mk_session(Arc::new(v3_password(&s)));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.get("/servers").endpoint_filter(compute()).send().await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(
        count(&server, "POST", "/v3/auth/tokens").await,
        2,
        "tok-A, then tok-B only"
    );
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    let with_b = gets.iter().filter(|r| token_of(r).as_deref() == Some("tok-B")).count();
    assert_eq!(with_b, 20);
}

// ---------------------------------------------------------------------------
// 5. Auth state and cache ids
// ---------------------------------------------------------------------------

#[tokio::test]
async fn auth_state_restores_into_a_new_plugin() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A", "tok-B"], v3_project_doc(&s)).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;

    let first = Arc::new(v3_password(&s));
    assert!(first.auth_state().is_none(), "no state before authenticating");
    mk_session(first.clone())
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap();
    let state = first.auth_state().unwrap();
    let parsed: Value = serde_json::from_str(state.expose_secret()).unwrap();
    assert_eq!(parsed["auth_token"], "tok-A");
    assert_eq!(parsed["body"]["token"]["project"]["id"], "p-1");

    let second = Arc::new(v3_password(&s));
    assert!(second.set_auth_state(state.expose_secret()).unwrap());
    let session2 = mk_session(second.clone());
    for _ in 0..3 {
        session2
            .get("/servers")
            .endpoint_filter(compute())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(session2.user_id(None).await.unwrap().as_deref(), Some("u-1"));
    assert_eq!(
        count(&server, "POST", "/v3/auth/tokens").await,
        1,
        "the restored token is used"
    );
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    assert_eq!(gets.len(), 4);
    assert!(gets.iter().all(|r| token_of(r).as_deref() == Some("tok-A")));

    // Garbage is refused with an error, not a panic.
    assert!(second.set_auth_state("not json").is_err());
}

#[tokio::test]
async fn v2_auth_state_restores_into_a_new_plugin() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v2_tokens(&server).await;
    mount_ok(&server, "/compute/public/v2/t-1/servers").await;
    let build = || {
        Arc::new(
            v2::Password::builder(format!("{s}/v2.0"))
                .username("demo")
                .password("pw")
                .tenant_name("demo")
                .build()
                .unwrap(),
        )
    };
    let first = build();
    mk_session(first.clone()).token(None).await.unwrap();
    let state = first.auth_state().unwrap();
    let second = build();
    assert!(second.set_auth_state(state.expose_secret()).unwrap());
    mk_session(second)
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap();
    assert_eq!(count(&server, "POST", "/v2.0/tokens").await, 1);
}

#[tokio::test]
async fn generic_auth_state_restores_and_later_re_authenticates_with_v3() {
    // A v3 token whose body happens to contain the JSON string "access" (here
    // the project's name) must still be restored as v3 state, so that when
    // the token is dropped the plugin re-authenticates with v3.
    let server = MockServer::start().await;
    let s = server.uri();
    let mut doc = v3_project_doc(&s);
    doc["token"]["project"]["name"] = json!("access");
    mount_root(&server, root_versions(&s, true)).await;
    mount_v3_tokens(&server, &["tok-A", "tok-B"], doc).await;
    mount_v2_tokens(&server).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;

    let first = Arc::new(generic_password(s.clone()).build().unwrap());
    assert!(first.auth_state().is_none());
    mk_session(first.clone()).token(None).await.unwrap();
    let state = first.auth_state().unwrap();
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);

    let second = Arc::new(generic_password(s.clone()).build().unwrap());
    assert!(second.set_auth_state(state.expose_secret()).unwrap());
    let session2 = mk_session(second.clone());
    session2
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap();
    assert_eq!(
        count(&server, "POST", "/v3/auth/tokens").await,
        1,
        "restored, not fetched"
    );

    assert!(second.invalidate());
    let r = session2.get("/servers").endpoint_filter(compute()).send().await;
    assert_eq!(
        count(&server, "POST", "/v2.0/tokens").await,
        0,
        "a restored v3 state must not make the generic plugin re-authenticate with v2.0"
    );
    r.unwrap();
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
}

fn is_hex64(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn cache_ids_identify_user_scope_url_and_password_but_show_no_secret() {
    let v3_with = |password: &str, project: &str, url: &str| {
        v3::Password::builder(url)
            .username("admin")
            .user_domain_name("Default")
            .password(password)
            .project_id(project)
            .build()
            .unwrap()
            .cache_id()
            .unwrap()
    };
    let a = v3_with(CANARY_PW, "p-1", "http://keystone:5000/v3");
    let b = v3_with("another-password", "p-1", "http://keystone:5000/v3");
    let c = v3_with(CANARY_PW, "p-2", "http://keystone:5000/v3");
    let d = v3_with(CANARY_PW, "p-1", "http://other:5000/v3");
    assert!(is_hex64(&a), "{a}");
    assert!(!a.contains(CANARY_PW));
    assert_ne!(
        a, b,
        "a token cached for one password is never reused with another (as keystoneauth1)"
    );
    assert_ne!(a, c, "another project is another identity");
    assert_ne!(a, d, "another cloud is another identity");
    assert_eq!(a, v3_with(CANARY_PW, "p-1", "http://keystone:5000/v3/"));

    let v3_token = |token: &str| {
        v3::Token::builder("http://keystone:5000/v3", token)
            .project_id("p-1")
            .build()
            .unwrap()
            .cache_id()
            .unwrap()
    };
    let t = v3_token(CANARY_TOK);
    assert!(is_hex64(&t) && !t.contains(CANARY_TOK));

    let v2_with = |password: &str, tenant: &str| {
        v2::Password::builder("http://keystone:5000/v2.0")
            .username("demo")
            .password(password)
            .tenant_name(tenant)
            .build()
            .unwrap()
            .cache_id()
            .unwrap()
    };
    assert_ne!(v2_with(CANARY_PW, "demo"), v2_with("x", "demo"));
    assert_ne!(v2_with(CANARY_PW, "demo"), v2_with(CANARY_PW, "admin"));
    assert!(is_hex64(&v2_with(CANARY_PW, "demo")));

    let generic_with = |password: &str, project: &str| {
        generic::Password::builder("http://keystone:5000")
            .username("demo")
            .password(password)
            .project_name(project)
            .default_domain_id("default")
            .build()
            .unwrap()
            .cache_id()
            .unwrap()
    };
    assert_ne!(generic_with(CANARY_PW, "demo"), generic_with("x", "demo"));
    assert_ne!(generic_with(CANARY_PW, "demo"), generic_with(CANARY_PW, "admin"));
    assert!(is_hex64(&generic_with(CANARY_PW, "demo")));
}

// ---------------------------------------------------------------------------
// 6. Catalog lookups through the session
// ---------------------------------------------------------------------------

#[tokio::test]
async fn catalog_lookups_through_the_session() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&s)).await;
    mount_ok(&server, "/volume/v3/p-1/volumes").await;
    mount_ok(&server, "/image/v2/images").await;
    let session = mk_session(Arc::new(v3_password(&s)));

    // The official type finds the catalog's alias.
    let r = session
        .get("/volumes")
        .endpoint_filter(EndpointFilter::new("block-storage"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/volume/v3/p-1/volumes"));
    assert_eq!(
        session.endpoint(&EndpointFilter::new("volumev3"), None).await.unwrap(),
        format!("{s}/volume/v3/p-1")
    );

    // No endpoint in that region: the error names the filter.
    let err = session
        .get("/servers")
        .endpoint_filter(compute().region_name("RegionTwo"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EndpointNotFound { .. }), "{err:?}");
    assert!(err.is_endpoint_not_found());
    let text = err.to_string();
    assert!(
        text.contains("service_type=compute") && text.contains("region_name=RegionTwo"),
        "{text}"
    );

    // The internal image endpoint has an empty URL: the next interface wins.
    let r = session
        .get("/v2/images")
        .endpoint_filter(EndpointFilter::new("image").interfaces([Interface::Internal, Interface::Public]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/image/v2/images"));
    // With only the internal interface acceptable, there is nothing.
    let err = session
        .get("/v2/images")
        .endpoint_filter(EndpointFilter::new("image").interface(Interface::Internal))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EndpointNotFound { .. }), "{err:?}");
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);

    // An unscoped token has no catalog.
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-U"], v3_unscoped_doc()).await;
    let plugin = v3::Password::builder(format!("{s}/v3"))
        .user_id("u-1")
        .password("pw")
        .build()
        .unwrap();
    let session = mk_session(Arc::new(plugin));
    let err = session
        .get("/servers")
        .endpoint_filter(compute())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::EmptyCatalog { .. }), "{err:?}");
    assert!(err.is_endpoint_not_found());
    assert_eq!(session.project_id(None).await.unwrap(), None);
}

// ---------------------------------------------------------------------------
// 7. Adapters
// ---------------------------------------------------------------------------

#[tokio::test]
async fn adapters_share_the_session_token_and_per_call_values_win() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A", "tok-B"], v3_project_doc(&s)).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    mount_ok(&server, "/compute/internal/v2.1/servers").await;
    mount_ok(&server, "/identity/v3/users").await;
    let session = mk_session(Arc::new(v3_password(&s)));

    let compute_adapter = Adapter::builder(session.clone())
        .service_type("compute")
        .build()
        .unwrap();
    let identity_adapter = Adapter::builder(session.clone())
        .service_type("identity")
        .build()
        .unwrap();
    compute_adapter.get("/servers").send().await.unwrap();
    identity_adapter.get("/users").send().await.unwrap();
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1, "one token for both");
    for p in ["/compute/public/v2.1/servers", "/identity/v3/users"] {
        let gets = received_with(&server, "GET", p).await;
        assert_eq!(token_of(&gets[0]).as_deref(), Some("tok-A"), "{p}");
    }

    // Per-call values win over the adapter's.
    let internal = Adapter::builder(session.clone())
        .service_type("compute")
        .interface(Interface::Internal)
        .header("X-A", "1")
        .build()
        .unwrap();
    let r = internal.get("/servers").send().await.unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/compute/internal/v2.1/servers"));
    let r = internal
        .get("/servers")
        .header("X-A", "2")
        .endpoint_filter(compute().interface(Interface::Public))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/compute/public/v2.1/servers"));
    let internal_gets = received_with(&server, "GET", "/compute/internal/v2.1/servers").await;
    assert_eq!(internal_gets[0].headers["x-a"], "1");
    let public_gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    let last = public_gets.last().unwrap();
    let sent: Vec<_> = last.headers.get_all("x-a").iter().collect();
    assert_eq!(sent, ["2"], "only the call's value is sent");
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 1);
}

/// Answers v3 token POSTs with a token named after the user in the body.
fn per_user_tokens(body: Value) -> TokenResponder {
    TokenResponder::new(move |_, request| {
        let auth: Value = request.body_json().unwrap();
        let user = auth["auth"]["identity"]["password"]["user"]["name"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        (format!("tok-{user}"), body.clone())
    })
}

#[tokio::test]
async fn an_adapter_with_its_own_plugin_uses_its_token() {
    let server = MockServer::start().await;
    let s = server.uri();
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(per_user_tokens(v3_project_doc(&s)))
        .mount(&server)
        .await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let user = |name: &str| -> Arc<dyn AuthPlugin> {
        Arc::new(
            v3::Password::builder(format!("{s}/v3"))
                .username(name)
                .user_domain_id("default")
                .password("pw")
                .project_id("p-1")
                .build()
                .unwrap(),
        )
    };
    let session = mk_session(user("alice"));
    let bob = Adapter::builder(session.clone())
        .service_type("compute")
        .auth(user("bob"))
        .build()
        .unwrap();
    bob.get("/servers").send().await.unwrap();
    assert_eq!(bob.token().await.unwrap().unwrap().expose_secret(), "tok-bob");
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    assert_eq!(token_of(&gets[0]).as_deref(), Some("tok-bob"));
    assert_eq!(
        count(&server, "POST", "/v3/auth/tokens").await,
        1,
        "alice is not asked for"
    );

    session.get("/servers").endpoint_filter(compute()).send().await.unwrap();
    let gets = received_with(&server, "GET", "/compute/public/v2.1/servers").await;
    assert_eq!(token_of(&gets[1]).as_deref(), Some("tok-alice"));
    assert_eq!(count(&server, "POST", "/v3/auth/tokens").await, 2);
}

/// A raw HTTP/1.1 server that holds every request for `delay` and records
/// the most requests it ever held at once. Returns its base URL, that
/// maximum and the number of requests answered.
async fn slow_server(delay: Duration) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let (m, sv) = (max.clone(), served.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (in_flight, max, served) = (in_flight.clone(), m.clone(), sv.clone());
            tokio::spawn(async move {
                let mut buf: Vec<u8> = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // GET requests: a header block and no body.
                    let end = loop {
                        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break pos + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    buf.drain(..end);
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    served.fetch_add(1, Ordering::SeqCst);
                    let body = "{\"servers\": []}";
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, max, served)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adapter_concurrency_limit_is_exact() {
    let keystone = MockServer::start().await;
    let s = keystone.uri();
    let (nova, max, served) = slow_server(Duration::from_millis(200)).await;
    mount_v3_tokens(
        &keystone,
        &["tok-A"],
        v3_token_doc(Some(v3_catalog_with(&s, &nova)), 60, 3600),
    )
    .await;
    let session = mk_session(Arc::new(v3_password(&s)));
    let adapter = Adapter::builder(session)
        .service_type("compute")
        .concurrency(3)
        .build()
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let adapter = adapter.clone();
            tokio::spawn(async move { adapter.get("/servers").send().await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().status(), 200);
    }
    let elapsed = started.elapsed();
    assert_eq!(served.load(Ordering::SeqCst), 12);
    assert_eq!(max.load(Ordering::SeqCst), 3, "exactly the limit, never more");
    assert!(elapsed >= Duration::from_millis(750), "4 waves of 200 ms: {elapsed:?}");
    assert_eq!(count(&keystone, "POST", "/v3/auth/tokens").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn adapter_rate_limit_spaces_requests() {
    let server = MockServer::start().await;
    let s = server.uri();
    mount_v3_tokens(&server, &["tok-A"], v3_project_doc(&s)).await;
    mount_ok(&server, "/compute/public/v2.1/servers").await;
    let adapter = Adapter::builder(mk_session(Arc::new(v3_password(&s))))
        .service_type("compute")
        .rate_limit(20.0)
        .build()
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let adapter = adapter.clone();
            tokio::spawn(async move { adapter.get("/servers").send().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    // Ten starts 50 ms apart: at least 450 ms (lower bound only).
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert_eq!(count(&server, "GET", "/compute/public/v2.1/servers").await, 10);
}

// ---------------------------------------------------------------------------
// 8. Secrets
// ---------------------------------------------------------------------------

#[tokio::test]
async fn debug_output_holds_no_secret() {
    let url = "http://keystone.invalid:5000/v3";

    let b = v3::Password::builder(url)
        .username("admin")
        .user_domain_name("Default")
        .password(CANARY_PW)
        .project_name("admin")
        .project_domain_name("Default");
    assert_debug_free_of("v3::PasswordBuilder", &b, CANARIES);
    assert_debug_free_of("v3::Password", &b.build().unwrap(), CANARIES);
    let b = v3::Token::builder(url, CANARY_TOK).project_id("p-1");
    assert_debug_free_of("v3::TokenBuilder", &b, CANARIES);
    assert_debug_free_of("v3::Token", &b.build().unwrap(), CANARIES);

    let b = v2::Password::builder(url)
        .username("demo")
        .password(CANARY_PW)
        .tenant_name("demo");
    assert_debug_free_of("v2::PasswordBuilder", &b, CANARIES);
    assert_debug_free_of("v2::Password", &b.build().unwrap(), CANARIES);
    let b = v2::Token::builder(url, CANARY_TOK).tenant_id("t-1");
    assert_debug_free_of("v2::TokenBuilder", &b, CANARIES);
    assert_debug_free_of("v2::Token", &b.build().unwrap(), CANARIES);

    let b = generic::Password::builder(url)
        .username("demo")
        .user_domain_id("default")
        .password(CANARY_PW)
        .project_id("p-1");
    assert_debug_free_of("generic::PasswordBuilder", &b, CANARIES);
    assert_debug_free_of("generic::Password", &b.build().unwrap(), CANARIES);
    let b = generic::Token::builder(url, CANARY_TOK).project_id("p-1");
    assert_debug_free_of("generic::TokenBuilder", &b, CANARIES);
    assert_debug_free_of("generic::Token", &b.build().unwrap(), CANARIES);

    // After authenticating, with the canary as the token Keystone issued.
    let server = MockServer::start().await;
    let s = server.uri();
    mount_root(&server, root_versions(&s, true)).await;
    mount_v3_tokens(&server, &[CANARY_TOK], v3_project_doc(&s)).await;
    Mock::given(method("POST"))
        .and(path("/v2.0/tokens"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v2_token_doc(&s, CANARY_TOK)))
        .mount(&server)
        .await;
    let plugins: Vec<(&str, Arc<dyn AuthPlugin>)> = vec![
        (
            "v3::Password",
            Arc::new(
                v3::Password::builder(format!("{s}/v3"))
                    .user_id("u-1")
                    .password(CANARY_PW)
                    .project_id("p-1")
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3::Token",
            Arc::new(
                v3::Token::builder(format!("{s}/v3"), CANARY_TOK)
                    .project_id("p-1")
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v2::Password",
            Arc::new(
                v2::Password::builder(format!("{s}/v2.0"))
                    .username("demo")
                    .password(CANARY_PW)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v2::Token",
            Arc::new(v2::Token::builder(format!("{s}/v2.0"), CANARY_TOK).build().unwrap()),
        ),
        (
            "generic::Password",
            Arc::new(
                generic::Password::builder(s.clone())
                    .user_id("u-1")
                    .password(CANARY_PW)
                    .project_id("p-1")
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "generic::Token",
            Arc::new(
                generic::Token::builder(s.clone(), CANARY_TOK)
                    .project_id("p-1")
                    .build()
                    .unwrap(),
            ),
        ),
    ];
    for (name, plugin) in plugins {
        let session = mk_session(plugin.clone());
        let token = session.token(None).await.unwrap().unwrap();
        assert_eq!(token.expose_secret(), CANARY_TOK, "{name}");
        assert_debug_free_of(name, &plugin, CANARIES);
        assert_debug_free_of("Session", &session, CANARIES);
        let adapter = Adapter::builder(session.clone())
            .service_type("compute")
            .build()
            .unwrap();
        assert_debug_free_of("Adapter", &adapter, CANARIES);
        assert_debug_free_of(
            "AccessInfo",
            &session.auth().unwrap().access_info(session.transport()).await.unwrap(),
            CANARIES,
        );
    }
}
