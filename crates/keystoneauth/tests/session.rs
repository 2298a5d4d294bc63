#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the [`Session`]: endpoint resolution, bad input,
//! the blocking facade and the user agent. Error bodies and the 401
//! re-authentication are in `session_errors.rs`, retries and redirects in
//! `session_retries.rs`, redacted logging in `session_logs.rs`.

mod common;

use common::mock::{header_str, received, session_with, token_plugin};
use std::sync::Arc;
use std::time::Duration;

use keystoneauth::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use keystoneauth::transport::LIBRARY_USER_AGENT;
use keystoneauth::{blocking, AuthPlugin, EndpointFilter, Error, Interface, Result, Session, Transport};
use serde_json::json;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A plugin written the way a third-party crate would write one: a fixed
/// token and a known project id.
#[derive(Debug)]
struct ProjectScoped {
    token: &'static str,
    project_id: &'static str,
}

#[keystoneauth::async_trait]
impl AuthPlugin for ProjectScoped {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        let mut value = HeaderValue::from_static(self.token);
        value.set_sensitive(true);
        headers.insert("x-auth-token", value);
        Ok(headers)
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(None)
    }

    async fn project_id(&self, _transport: &Transport) -> Result<Option<String>> {
        Ok(Some(self.project_id.to_owned()))
    }
}

// ---------------------------------------------------------------------------
// token_endpoint and URL resolution
// ---------------------------------------------------------------------------

#[tokio::test]
async fn token_endpoint_resolves_any_filter_to_its_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2.1/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&server)
        .await;
    let session = session_with(token_plugin(&format!("{}/v2.1", server.uri()), "tok-1"));
    let filter = EndpointFilter::new("compute")
        .interface(Interface::Internal)
        .region_name("Nowhere");

    let response = session
        .get("/servers")
        .endpoint_filter(filter.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<serde_json::Value>().unwrap(), json!({"servers": []}));
    assert_eq!(response.url().path(), "/v2.1/servers");

    let response = session
        .get("servers")
        .endpoint_filter(EndpointFilter::new("volumev3").interface(Interface::Admin))
        .authenticated(Some(false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].url.path(), "/v2.1/servers");
    assert_eq!(header_str(&requests[0], "x-auth-token"), Some("tok-1"));
    assert_eq!(requests[1].url.path(), "/v2.1/servers");
    assert_eq!(
        header_str(&requests[1], "x-auth-token"),
        None,
        "authenticated(false) must not send the token"
    );
}

/// `send()` resolves the common request at once but hands it to reqwest
/// only when polled: a future made outside any runtime, for a session whose
/// client has a timeout (reqwest starts its timer when it takes a request),
/// runs in a runtime afterwards, on the plain way and on the general one
/// (retries configured).
#[test]
fn a_request_future_made_outside_a_runtime_runs_in_one() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(method("GET"))
            .and(path("/v2.1/servers"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
            .mount(&server),
    );
    let session = Session::builder()
        .auth(token_plugin(&format!("{}/v2.1", server.uri()), "tok-1"))
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let compute = || session.get("/servers").endpoint_filter(EndpointFilter::new("compute"));
    let plain = compute().send();
    let general = compute().connect_retries(1).send();
    let streamed = compute().send_streaming();
    let (plain, general, streamed) = rt.block_on(async { (plain.await, general.await, streamed.await) });
    assert_eq!(plain.unwrap().status(), StatusCode::OK);
    assert_eq!(general.unwrap().status(), StatusCode::OK);
    assert_eq!(streamed.unwrap().status(), StatusCode::OK);
    assert_eq!(rt.block_on(received(&server)).len(), 3);
}

/// One plugin shared by two sessions with different user agents and default
/// headers: the headers prepared once per token for the first session are
/// never sent by the second, and a request's own headers still win.
#[tokio::test]
async fn sessions_sharing_a_plugin_send_their_own_headers() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let plugin = token_plugin(&format!("{}/v2.1", server.uri()), "tok-shared");
    let session = |agent: &str, value: &'static str| {
        Session::builder()
            .auth(plugin.clone())
            .user_agent(agent)
            .default_header(
                HeaderName::from_static("x-tenant-hint"),
                HeaderValue::from_static(value),
            )
            .build()
            .unwrap()
    };
    let (one, two) = (session("agent-one", "one"), session("agent-two", "two"));
    let compute = || EndpointFilter::new("compute");
    for _ in 0..2 {
        one.get("/a").endpoint_filter(compute()).send().await.unwrap();
        two.get("/b").endpoint_filter(compute()).send().await.unwrap();
    }
    two.get("/c")
        .endpoint_filter(compute())
        .header("x-tenant-hint", "own")
        .header("user-agent", "own-agent")
        .send()
        .await
        .unwrap();
    // a header of several values keeps them all, in order; the
    // credentials stay over a header of their name
    let mut own = http::HeaderMap::new();
    own.append("x-multi", HeaderValue::from_static("first"));
    own.append("x-multi", HeaderValue::from_static("second"));
    own.insert("x-auth-token", HeaderValue::from_static("forged"));
    own.insert("x-tenant-hint", HeaderValue::from_static("own"));
    own.insert("user-agent", HeaderValue::from_static("own-agent"));
    two.get("/d")
        .endpoint_filter(compute())
        .headers(own)
        .send()
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 6);
    let multi: Vec<_> = requests[5].headers.get_all("x-multi").iter().collect();
    assert_eq!(multi, ["first", "second"]);
    for r in &requests {
        let (agent, hint) = match r.url.path() {
            "/v2.1/a" => ("agent-one", "one"),
            "/v2.1/b" => ("agent-two", "two"),
            _ => ("own-agent", "own"),
        };
        assert_eq!(header_str(r, "user-agent"), Some(agent), "{}", r.url);
        assert_eq!(header_str(r, "x-tenant-hint"), Some(hint), "{}", r.url);
        assert_eq!(header_str(r, "x-auth-token"), Some("tok-shared"), "{}", r.url);
    }
}

#[tokio::test]
async fn per_request_plugin_overrides_the_sessions() {
    let session_server = MockServer::start().await;
    let other_server = MockServer::start().await;
    for server in [&session_server, &other_server] {
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .mount(server)
            .await;
    }
    let session = session_with(token_plugin(
        &format!("{}/session", session_server.uri()),
        "session-token",
    ));
    let other = token_plugin(&format!("{}/other", other_server.uri()), "other-token");

    session
        .get("/things")
        .endpoint_filter(EndpointFilter::new("compute"))
        .auth(other)
        .send()
        .await
        .unwrap();

    assert!(
        received(&session_server).await.is_empty(),
        "the session's endpoint must not be used"
    );
    let requests = received(&other_server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/other/things");
    assert_eq!(header_str(&requests[0], "x-auth-token"), Some("other-token"));
}

#[tokio::test]
async fn authenticated_request_without_plugin_is_missing_auth_plugin() {
    let session = Session::new().unwrap();
    let err = session
        .get("http://127.0.0.1:9/v3")
        .authenticated(Some(true))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingAuthPlugin { .. }), "{err:?}");

    // A filter needs a plugin too.
    let err = session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MissingAuthPlugin { .. }), "{err:?}");
}

#[tokio::test]
async fn relative_path_without_filter_or_override_is_relative_url_error() {
    let session = session_with(token_plugin("http://127.0.0.1:9/v2.1", "tok"));
    let err = session.get("/servers/detail").send().await.unwrap_err();
    match &err {
        Error::RelativeUrl { path, .. } => assert_eq!(path, "/servers/detail"),
        other => panic!("expected RelativeUrl, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("relative path"), "{message}");
    assert!(message.contains("/servers/detail"), "{message}");
    assert!(message.contains("endpoint filter"), "{message}");
}

#[tokio::test]
async fn absolute_url_ignores_the_endpoint_filter() {
    let endpoint_server = MockServer::start().await;
    let absolute_server = MockServer::start().await;
    for server in [&endpoint_server, &absolute_server] {
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200))
            .mount(server)
            .await;
    }
    let session = session_with(token_plugin(&format!("{}/v2.1", endpoint_server.uri()), "tok"));

    let response = session
        .get(format!("{}/direct/path", absolute_server.uri()))
        .endpoint_filter(EndpointFilter::new("compute").interface(Interface::Internal))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    assert!(received(&endpoint_server).await.is_empty());
    let requests = received(&absolute_server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/direct/path");
}

#[tokio::test]
async fn endpoint_override_fills_in_project_id_from_a_custom_plugin() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2.1/proj-42/servers"))
        .and(header("x-auth-token", "custom-token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&server)
        .await;
    let plugin: Arc<dyn AuthPlugin> = Arc::new(ProjectScoped {
        token: "custom-token",
        project_id: "proj-42",
    });
    let session = session_with(Arc::clone(&plugin));

    let response = session
        .get("servers")
        .endpoint_override(format!("{}/v2.1/%(project_id)s", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text(), "ok");
    assert_eq!(session.project_id(None).await.unwrap().as_deref(), Some("proj-42"));

    // The override is used even though this plugin knows no endpoints.
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/v2.1/proj-42/servers");
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[tokio::test]
async fn invalid_urls_are_errors_naming_the_value() {
    let session = session_with(token_plugin("http://127.0.0.1:9/v2.1", "tok"));
    for bad in [
        "http://[::1",
        "ftp-no-host:",
        "http://",
        "http://exa mple.com/",
        "localhost:5000/v3",
    ] {
        let err = session.get(bad).send().await.unwrap_err();
        match &err {
            Error::InvalidUrl { url, .. } => assert_eq!(url, bad),
            other => panic!("{bad:?}: expected InvalidUrl, got {other:?}"),
        }
        assert!(err.to_string().contains(bad), "{err}");
    }

    // An endpoint override that makes an invalid URL.
    let err = session
        .get("servers")
        .endpoint_override("http://[::1")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("http://[::1"), "{err}");

    // The password of an unparsable URL is still masked.
    let err = session.get("http://admin:s3cret-pw@[::1").send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cret-pw"), "{err:?}");
}

#[tokio::test]
async fn unsupported_scheme_is_rejected_without_retries() {
    let session = Session::builder()
        .connect_retries(3)
        .connect_retry_delay(Duration::from_millis(10))
        .collect_timing(true)
        .build()
        .unwrap();
    let url = "ftp://127.0.0.1:9/pub/file";
    let err = session.get(url).send().await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidUrl { .. } | Error::InvalidRequest { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(url), "{err}");
    assert!(!err.is_retriable(), "{err:?}");
    assert!(
        session.timings().len() <= 1,
        "a request that cannot be built must not be retried: {:?}",
        session.timings()
    );
}

#[tokio::test]
async fn invalid_header_is_invalid_request() {
    let session = Session::new().unwrap();
    let err = session
        .get("http://127.0.0.1:9/")
        .header("x-a", "bad\nvalue")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(err.to_string().contains("x-a"), "{err}");

    let err = session
        .get("http://127.0.0.1:9/")
        .header("bad name", "value")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------
// Blocking facade
// ---------------------------------------------------------------------------

#[test]
fn blocking_session_works_without_a_runtime() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v3"))
            .and(header("x-auth-token", "blocking-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": {"id": "v3.14"}})))
            .mount(&server)
            .await;
        server
    });
    let session =
        blocking::Session::from_builder(Session::builder().auth(token_plugin(&server.uri(), "blocking-token")))
            .unwrap();

    let response = session
        .get("/v3")
        .endpoint_filter(EndpointFilter::new("identity"))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<serde_json::Value>().unwrap(),
        json!({"version": {"id": "v3.14"}})
    );
    let err = session.get(format!("{}/missing", server.uri())).send().unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(runtime.block_on(received(&server)).len(), 2);
    runtime.block_on(async move { drop(server) });
}

#[tokio::test]
async fn blocking_session_inside_a_runtime_is_an_error_not_a_panic() {
    let session = blocking::Session::new().unwrap();
    let err = session.get("http://127.0.0.1:9/").send().unwrap_err();
    assert!(matches!(err, Error::BlockingInAsyncContext { .. }), "{err:?}");
    assert!(err.to_string().contains("async"), "{err}");
}

// ---------------------------------------------------------------------------
// User agent and default headers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn user_agent_default_headers_and_global_request_id() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let base = server.uri();

    assert_eq!(LIBRARY_USER_AGENT, format!("keystoneauth-rs/{}", keystoneauth::VERSION));
    Session::new()
        .unwrap()
        .get(format!("{base}/default"))
        .send()
        .await
        .unwrap();

    let session = Session::builder()
        .app_name("myapp", Some("1.2"))
        .additional_user_agent("extra", Some("3"))
        .default_header(
            HeaderName::from_static("x-default-header"),
            HeaderValue::from_static("always"),
        )
        .build()
        .unwrap();
    session.get(format!("{base}/app")).send().await.unwrap();
    session
        .get(format!("{base}/client"))
        .client_name("novaclient", Some("9"))
        .send()
        .await
        .unwrap();
    session
        .get(format!("{base}/override"))
        .client_name("novaclient", Some("9"))
        .user_agent("x/1")
        .send()
        .await
        .unwrap();
    session
        .get(format!("{base}/global"))
        .global_request_id("req-6f1c0e7b-2f4c-4d0e-9e55-0f1e2d3c4b5a")
        .header("x-default-header", "replaced")
        .send()
        .await
        .unwrap();

    let requests = received(&server).await;
    let by_path = |p: &str| requests.iter().find(|r| r.url.path() == p).unwrap();
    assert_eq!(header_str(by_path("/default"), "user-agent"), Some(LIBRARY_USER_AGENT));
    assert_eq!(
        header_str(by_path("/app"), "user-agent"),
        Some(format!("myapp/1.2 extra/3 {LIBRARY_USER_AGENT}").as_str())
    );
    assert_eq!(
        header_str(by_path("/client"), "user-agent"),
        Some(format!("myapp/1.2 novaclient/9 extra/3 {LIBRARY_USER_AGENT}").as_str())
    );
    assert_eq!(header_str(by_path("/override"), "user-agent"), Some("x/1"));

    assert_eq!(header_str(by_path("/default"), "x-default-header"), None);
    for p in ["/app", "/client", "/override"] {
        assert_eq!(header_str(by_path(p), "x-default-header"), Some("always"), "{p}");
    }
    let global = by_path("/global");
    assert_eq!(header_str(global, "x-default-header"), Some("replaced"));
    assert_eq!(
        header_str(global, "x-openstack-request-id"),
        Some("req-6f1c0e7b-2f4c-4d0e-9e55-0f1e2d3c4b5a")
    );
    assert_eq!(header_str(by_path("/app"), "x-openstack-request-id"), None);
}
