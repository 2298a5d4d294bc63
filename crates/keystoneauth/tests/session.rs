#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the [`Session`]: endpoint resolution, error bodies,
//! retries, redirects, redacted logging, bad input, the blocking facade,
//! re-authentication and the user agent.

mod common;

use common::mock::{fails_then_ok, header_str, received, session_with};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keystoneauth::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use keystoneauth::redact::hash_secret;
use keystoneauth::transport::LIBRARY_USER_AGENT;
use keystoneauth::{
    blocking, token_endpoint, Adapter, AuthPlugin, EndpointFilter, Error, HttpErrorKind, Interface, Result,
    RetryPolicy, Session, Transport,
};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn token_plugin(endpoint: &str, token: &str) -> Arc<dyn AuthPlugin> {
    Arc::new(token_endpoint::Token::new(endpoint, token.to_owned()).unwrap())
}

/// A local port nothing listens on: bound, then released.
async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A server that accepts connections and reads requests but never answers,
/// keeping every socket open. Returns its base URL and the number of
/// requests (request lines) it has read.
async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut counted = 0;
                let mut chunk = [0u8; 4096];
                loop {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            seen.extend_from_slice(&chunk[..n]);
                            let requests = seen.windows(11).filter(|w| w == b" HTTP/1.1\r\n").count();
                            if requests > counted {
                                counter.fetch_add(requests - counted, Ordering::SeqCst);
                                counted = requests;
                            }
                        }
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

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

/// A plugin that hands out `token-1`, `token-2`, ... one per `headers()`
/// call, and whose `invalidate()` always reports that it dropped something.
#[derive(Debug)]
struct Rotating {
    endpoint: String,
    header_calls: AtomicUsize,
    invalidations: AtomicUsize,
}

impl Rotating {
    fn new(endpoint: String) -> Arc<Self> {
        Arc::new(Rotating {
            endpoint,
            header_calls: AtomicUsize::new(0),
            invalidations: AtomicUsize::new(0),
        })
    }
}

#[keystoneauth::async_trait]
impl AuthPlugin for Rotating {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        let n = self.header_calls.fetch_add(1, Ordering::SeqCst) + 1;
        let mut headers = HeaderMap::new();
        headers.insert("x-auth-token", HeaderValue::from_str(&format!("token-{n}")).unwrap());
        Ok(headers)
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(Some(self.endpoint.clone()))
    }

    fn invalidate(&self) -> bool {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        true
    }
}

// ---------------------------------------------------------------------------
// 1. token_endpoint and URL resolution
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
// 2. Error bodies
// ---------------------------------------------------------------------------

struct ErrorCase {
    status: u16,
    response: ResponseTemplate,
    kind: HttpErrorKind,
    message: &'static str,
    details: Option<&'static str>,
    request_id: Option<&'static str>,
}

fn error_cases() -> Vec<ErrorCase> {
    vec![
        // Keystone, with details.
        ErrorCase {
            status: 400,
            response: ResponseTemplate::new(400)
                .insert_header("x-openstack-request-id", "req-400")
                .set_body_json(json!({"error": {
                    "code": 400,
                    "title": "Bad Request",
                    "message": "Invalid input for field 'name'.",
                    "details": "'name' is a required property",
                }})),
            kind: HttpErrorKind::BadRequest,
            message: "Invalid input for field 'name'.",
            details: Some("'name' is a required property"),
            request_id: Some("req-400"),
        },
        // Keystone, no details.
        ErrorCase {
            status: 401,
            response: ResponseTemplate::new(401)
                .insert_header("x-openstack-request-id", "req-401")
                .set_body_json(json!({"error": {
                    "code": 401,
                    "title": "Unauthorized",
                    "message": "The request you have made requires authentication.",
                }})),
            kind: HttpErrorKind::Unauthorized,
            message: "The request you have made requires authentication.",
            details: None,
            request_id: Some("req-401"),
        },
        // API-SIG.
        ErrorCase {
            status: 403,
            response: ResponseTemplate::new(403).set_body_json(json!({"errors": [{
                "request_id": "req-in-body",
                "code": "compute.policy",
                "status": 403,
                "title": "Forbidden",
                "detail": "Policy doesn't allow os_compute_api:servers:create to be performed.",
            }]})),
            kind: HttpErrorKind::Forbidden,
            message: "Forbidden",
            details: Some("Policy doesn't allow os_compute_api:servers:create to be performed."),
            request_id: None,
        },
        // Nova, request id from x-compute-request-id.
        ErrorCase {
            status: 404,
            response: ResponseTemplate::new(404)
                .insert_header("x-compute-request-id", "req-nova-404")
                .set_body_json(json!({"itemNotFound": {
                    "message": "Instance 8a4e could not be found.",
                    "code": 404,
                }})),
            kind: HttpErrorKind::NotFound,
            message: "Instance 8a4e could not be found.",
            details: None,
            request_id: Some("req-nova-404"),
        },
        // Neutron with an empty detail.
        ErrorCase {
            status: 409,
            response: ResponseTemplate::new(409)
                .insert_header("x-openstack-request-id", "req-409")
                .set_body_json(json!({"NeutronError": {
                    "type": "IpAddressInUse",
                    "message": "The IP address 10.0.0.5 is in use.",
                    "detail": "",
                }})),
            kind: HttpErrorKind::Conflict,
            message: "The IP address 10.0.0.5 is in use.",
            details: None,
            request_id: Some("req-409"),
        },
        // Plain text.
        ErrorCase {
            status: 413,
            response: ResponseTemplate::new(413).set_body_string("  Request body larger than 112 KiB\n"),
            kind: HttpErrorKind::RequestEntityTooLarge,
            message: "Request body larger than 112 KiB",
            details: None,
            request_id: None,
        },
        // Plain text, both request id headers: the OpenStack one wins.
        ErrorCase {
            status: 429,
            response: ResponseTemplate::new(429)
                .insert_header("x-openstack-request-id", "req-429")
                .insert_header("x-compute-request-id", "req-compute-429")
                .insert_header("retry-after", "30")
                .set_body_string("Too many requests"),
            kind: HttpErrorKind::TooManyRequests,
            message: "Too many requests",
            details: None,
            request_id: Some("req-429"),
        },
        // HTML (webob style, as OpenStack services' middleware produces).
        ErrorCase {
            status: 500,
            response: ResponseTemplate::new(500).set_body_raw(
                "<html>\n <head>\n  <title>500 Internal Server Error</title>\n </head>\n <body>\n  \
                 <h1>500 Internal Server Error</h1>\n  The server has either erred or is incapable of \
                 performing the requested operation.<br /><br />\n\n\n\n </body>\n</html>",
                "text/html; charset=UTF-8",
            ),
            kind: HttpErrorKind::InternalServerError,
            message: "500 Internal Server Error The server has either erred or is incapable of performing the requested operation.",
            details: None,
            request_id: None,
        },
        // Neutron with details.
        ErrorCase {
            status: 503,
            response: ResponseTemplate::new(503)
                .insert_header("x-openstack-request-id", "req-503")
                .set_body_json(json!({"NeutronError": {
                    "type": "ServiceUnavailable",
                    "message": "The service is unavailable.",
                    "detail": "Try again later.",
                }})),
            kind: HttpErrorKind::ServiceUnavailable,
            message: "The service is unavailable.",
            details: Some("Try again later."),
            request_id: Some("req-503"),
        },
        // No body at all: the reason phrase.
        ErrorCase {
            status: 502,
            response: ResponseTemplate::new(502),
            kind: HttpErrorKind::BadGateway,
            message: "Bad Gateway",
            details: None,
            request_id: None,
        },
    ]
}

#[tokio::test]
async fn error_bodies_become_typed_http_errors() {
    let server = MockServer::start().await;
    let cases = error_cases();
    for case in &cases {
        Mock::given(path(format!("/status/{}", case.status)))
            .respond_with(case.response.clone())
            .mount(&server)
            .await;
    }
    let session = Session::new().unwrap();
    for case in &cases {
        let url = format!("{}/status/{}", server.uri(), case.status);
        let err = session.get(&url).send().await.unwrap_err();
        let ctx = format!("status {}: {err:?}", case.status);
        assert!(matches!(err, Error::Http { .. }), "{ctx}");
        assert_eq!(err.status(), Some(StatusCode::from_u16(case.status).unwrap()), "{ctx}");
        let http = err.http().unwrap();
        assert_eq!(http.kind(), case.kind, "{ctx}");
        assert_eq!(http.message(), case.message, "{ctx}");
        assert_eq!(http.details(), case.details, "{ctx}");
        assert_eq!(http.request_id(), case.request_id, "{ctx}");
        assert_eq!(err.request_id(), case.request_id, "{ctx}");
        assert_eq!(http.method(), &Method::GET, "{ctx}");
        assert_eq!(http.url(), url, "{ctx}");
        assert_eq!(err.is_not_found(), case.status == 404, "{ctx}");
        assert_eq!(err.is_unauthorized(), case.status == 401, "{ctx}");
        assert_eq!(err.is_forbidden(), case.status == 403, "{ctx}");
        assert_eq!(err.is_conflict(), case.status == 409, "{ctx}");
        assert_eq!(
            err.is_retriable(),
            matches!(case.status, 429 | 502 | 503 | 504),
            "{ctx}"
        );
        assert!(!err.is_timeout() && !err.is_connect(), "{ctx}");

        let shown = err.to_string();
        assert!(shown.starts_with(&case.status.to_string()), "{shown}");
        assert!(shown.contains(case.message), "{shown}");
        if let Some(id) = case.request_id {
            assert!(shown.contains(id), "{shown}");
        }
    }
    let retry_after = session
        .get(format!("{}/status/429", server.uri()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(retry_after.http().unwrap().retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn html_error_page_without_head_keeps_its_text() {
    // Werkzeug, and so every Flask service (Keystone among them), writes its
    // default error pages with a <title> but no <head>.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n\
             <p>The requested URL was not found on the server. If you entered the URL manually \
             please check your spelling and try again.</p>\n",
            "text/html; charset=utf-8",
        ))
        .mount(&server)
        .await;
    let err = Session::new()
        .unwrap()
        .get(format!("{}/v3/nothing-here", server.uri()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let message = err.http().unwrap().message();
    assert!(
        message.contains("The requested URL was not found on the server."),
        "the page's text should be the message, got {message:?}"
    );
    assert!(!message.contains('<'), "{message:?}");
}

#[tokio::test]
async fn raise_error_false_returns_the_response() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-openstack-request-id", "req-raw")
                .set_body_json(json!({"itemNotFound": {"message": "gone", "code": 404}})),
        )
        .mount(&server)
        .await;
    let session = Session::new().unwrap();
    let response = session
        .get(format!("{}/x", server.uri()))
        .raise_error(false)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!response.is_success());
    assert_eq!(response.request_id(), Some("req-raw"));
    assert_eq!(
        response.json::<serde_json::Value>().unwrap(),
        json!({"itemNotFound": {"message": "gone", "code": 404}})
    );
    // The caller can still turn it into the typed error later.
    let err = response.error_for_status().unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.http().unwrap().message(), "gone");
}

// ---------------------------------------------------------------------------
// 3. Retries
// ---------------------------------------------------------------------------

#[tokio::test]
async fn refused_connection_is_retried_then_connect_failure() {
    let base = refused_url().await;

    let session = Session::builder()
        .connect_retries(3)
        .connect_retry_delay(Duration::from_millis(10))
        .collect_timing(true)
        .build()
        .unwrap();
    let err = session.get(format!("{base}/v3")).send().await.unwrap_err();
    assert!(matches!(err, Error::ConnectFailure { .. }), "{err:?}");
    assert!(err.is_connect() && err.is_retriable());
    assert!(err.to_string().contains(&base), "{err}");
    let timings = session.timings();
    assert_eq!(timings.len(), 4, "1 attempt + 3 retries: {timings:?}");
    for t in &timings {
        assert_eq!(t.status, None);
        assert_eq!(t.method, Method::GET);
        assert_eq!(t.url, format!("{base}/v3"));
    }

    let session = Session::builder().collect_timing(true).build().unwrap();
    let err = session.get(format!("{base}/v3")).send().await.unwrap_err();
    assert!(matches!(err, Error::ConnectFailure { .. }), "{err:?}");
    assert_eq!(session.timings().len(), 1);
    session.reset_timings();
    assert!(session.timings().is_empty());
}

#[tokio::test]
async fn retry_after_is_honoured_on_status_retry() {
    let busy = ResponseTemplate::new(503).insert_header("retry-after", "1");
    let server = fails_then_ok(busy, 1, "finally").await;
    let session = Session::builder().status_code_retries(2).build().unwrap();

    let start = Instant::now();
    let response = session.get(format!("{}/busy", server.uri())).send().await.unwrap();
    let elapsed = start.elapsed();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "finally");
    assert!(
        elapsed >= Duration::from_millis(900),
        "Retry-After: 1 not honoured: {elapsed:?}"
    );
    // No upper bound on a busy machine: the count says it retried once.
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn status_retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string("still busy"))
        .mount(&server)
        .await;
    let session = Session::builder()
        .status_code_retries(2)
        .status_code_retry_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    let err = session.get(format!("{}/busy", server.uri())).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.http().unwrap().message(), "still busy");
    assert_eq!(received(&server).await.len(), 3, "1 attempt + 2 retries");
}

/// A server answering 500 `failures` times, then 200 `ok`.
async fn failing_server(failures: u64) -> MockServer {
    fails_then_ok(ResponseTemplate::new(500).set_body_string("broken"), failures, "ok").await
}

/// Two status retries of 500, 10 ms apart.
fn retry_500_twice() -> RetryPolicy {
    RetryPolicy {
        status_code_retries: 2,
        status_code_retry_delay: Some(Duration::from_millis(10)),
        retriable_status_codes: vec![500],
        ..RetryPolicy::default()
    }
}

#[tokio::test]
async fn a_session_takes_a_whole_retry_policy() {
    let server = failing_server(2).await;
    let session = Session::builder().retry(retry_500_twice()).build().unwrap();
    let response = session.get(format!("{}/flaky", server.uri())).send().await.unwrap();
    assert_eq!(response.text(), "ok");
    assert_eq!(received(&server).await.len(), 3, "2 failures + 1 success");
    assert_eq!(session.transport().retry_policy(), &retry_500_twice());
}

#[tokio::test]
async fn an_adapter_retry_policy_replaces_the_sessions() {
    // The session alone does not retry a 500.
    let server = failing_server(2).await;
    let session = Session::builder()
        .connect_retry_delay(Duration::from_secs(30))
        .build()
        .unwrap();
    let err = session.get(format!("{}/flaky", server.uri())).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));

    // Its adapter with a policy does, and a request can still narrow it.
    let server = failing_server(2).await;
    let adapter = Adapter::builder(session.clone())
        .endpoint_override(server.uri())
        .retry(retry_500_twice())
        .build()
        .unwrap();
    let response = adapter.get("/flaky").send().await.unwrap();
    assert_eq!(response.text(), "ok");
    assert_eq!(received(&server).await.len(), 3, "2 failures + 1 success");

    let server = failing_server(2).await;
    let adapter = Adapter::builder(session)
        .endpoint_override(server.uri())
        .retry(retry_500_twice())
        .build()
        .unwrap();
    let err = adapter.get("/flaky").status_code_retries(1).send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(received(&server).await.len(), 2, "1 attempt + 1 retry");
}

#[tokio::test]
async fn post_whose_response_never_comes_is_not_resent() {
    let (base, requests) = silent_server().await;
    let session = Session::builder()
        .timeout(Duration::from_millis(500))
        .connect_retries(3)
        .connect_retry_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    let err = session
        .post(format!("{base}/v2.1/servers"))
        .json(&json!({"server": {"name": "vm"}}))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ReadTimeout { .. }), "{err:?}");
    assert!(err.is_timeout());
    assert!(err.to_string().contains("POST"), "{err}");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "a POST that may have reached the server must not be sent again"
    );
}

#[tokio::test]
async fn get_whose_response_never_comes_is_resent() {
    let (base, requests) = silent_server().await;
    let session = Session::builder()
        .timeout(Duration::from_millis(500))
        .connect_retries(3)
        .connect_retry_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    let err = session.get(format!("{base}/v2.1/servers")).send().await.unwrap_err();
    assert!(matches!(err, Error::ReadTimeout { .. }), "{err:?}");
    assert!(err.is_timeout());
    assert_eq!(requests.load(Ordering::SeqCst), 4, "1 attempt + 3 retries");
}

// ---------------------------------------------------------------------------
// 4. Redirects
// ---------------------------------------------------------------------------

#[tokio::test]
async fn same_origin_redirect_keeps_the_token() {
    let server = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/new"))
        .mount(&server)
        .await;
    Mock::given(path("/new"))
        .respond_with(ResponseTemplate::new(200).set_body_string("moved"))
        .mount(&server)
        .await;
    let session = session_with(token_plugin(&server.uri(), "same-origin-token"));
    let response = session
        .get("/old")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "moved");
    assert_eq!(response.url().path(), "/new");
    assert_eq!(response.history().len(), 1);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].url.path(), "/new");
    assert_eq!(header_str(&requests[1], "x-auth-token"), Some("same-origin-token"));
}

#[tokio::test]
async fn redirect_to_another_port_drops_the_token() {
    let origin = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/start"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/landing", elsewhere.uri())))
        .mount(&origin)
        .await;
    Mock::given(path("/landing"))
        .respond_with(ResponseTemplate::new(200).set_body_string("landed"))
        .mount(&elsewhere)
        .await;
    let session = session_with(token_plugin(&origin.uri(), "must-not-leak"));

    let response = session
        .get("/start")
        .endpoint_filter(EndpointFilter::new("object-store"))
        .header("x-custom", "kept")
        .global_request_id("req-global-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), "landed");
    assert_eq!(response.url().as_str(), format!("{}/landing", elsewhere.uri()));
    let history = response.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, StatusCode::FOUND);
    assert_eq!(history[0].url, format!("{}/start", origin.uri()));

    let first = received(&origin).await;
    assert_eq!(first.len(), 1);
    assert_eq!(header_str(&first[0], "x-auth-token"), Some("must-not-leak"));

    let second = received(&elsewhere).await;
    assert_eq!(second.len(), 1);
    assert!(
        second[0].headers.get("x-auth-token").is_none(),
        "the token was sent to another origin: {:?}",
        second[0].headers
    );
    assert_eq!(header_str(&second[0], "x-custom"), Some("kept"));
    assert_eq!(header_str(&second[0], "x-openstack-request-id"), Some("req-global-1"));
    assert!(header_str(&second[0], "user-agent")
        .unwrap()
        .contains("keystoneauth-rs/"));
}

#[tokio::test]
async fn redirect_loop_stops_at_the_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&server)
        .await;
    let session = Session::builder().redirect_limit(5).build().unwrap();
    let url = format!("{}/loop", server.uri());
    let err = session.get(&url).send().await.unwrap_err();
    match &err {
        Error::TooManyRedirects { url: shown, limit, .. } => {
            assert_eq!(*limit, 5);
            assert_eq!(shown, &url);
        }
        other => panic!("expected TooManyRedirects, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 6, "the first request and 5 redirects");
}

#[tokio::test]
async fn see_other_after_post_is_followed_with_a_get_without_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/submit"))
        .respond_with(ResponseTemplate::new(303).insert_header("location", "/result"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/result"))
        .respond_with(ResponseTemplate::new(200).set_body_string("done"))
        .mount(&server)
        .await;
    let session = Session::new().unwrap();
    let response = session
        .post(format!("{}/submit", server.uri()))
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.method(), &Method::GET);
    assert_eq!(response.text(), "done");
    assert_eq!(response.history()[0].status, StatusCode::SEE_OTHER);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, Method::POST);
    assert_eq!(requests[0].body, br#"{"name":"x"}"#);
    assert_eq!(requests[1].method, Method::GET);
    assert!(requests[1].body.is_empty());
    assert!(requests[1].headers.get("content-type").is_none());
}

// ---------------------------------------------------------------------------
// 5. Secrets never reach the logs
// ---------------------------------------------------------------------------

const CANARY_PASSWORD: &str = "CANARY-PASSWORD-7f3a";
const CANARY_TOKEN: &str = "CANARY-TOKEN-9c1e";
const CANARIES: &[&str] = &[CANARY_PASSWORD, CANARY_TOKEN];

#[tokio::test]
async fn secrets_never_appear_in_logs_or_debug_output() {
    // The shared capture (tests/common/logs.rs) explains the tracing dance.
    let (capture, _guards) = common::logs::capture_logs();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-subject-token", CANARY_TOKEN)
                .set_body_json(json!({"token": {"methods": ["password"], "expires_at": "2030-01-01T00:00:00Z"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.0/tokens/current"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-subject-token", CANARY_TOKEN)
                .set_body_json(json!({"access": {"token": {"id": CANARY_TOKEN}}})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/unauthorized"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-subject-token", CANARY_TOKEN)
                .set_body_json(json!({"error": {"code": 401, "message": "The token is invalid."}})),
        )
        .mount(&server)
        .await;

    let plugin = token_plugin(&server.uri(), CANARY_TOKEN);
    let session = session_with(Arc::clone(&plugin));
    let body = json!({"auth": {"identity": {"password": {"user": {"password": CANARY_PASSWORD}}}}});
    let mut shown = Vec::new();

    // A password POST, answered with a token header.
    let builder = session
        .post(format!("{}/v3/auth/tokens", server.uri()))
        .authenticated(Some(false))
        .json(&body);
    shown.push(("request builder", format!("{builder:?}")));
    let response = builder.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.header("x-subject-token"), Some(CANARY_TOKEN));
    shown.push(("response", format!("{response:?}")));
    shown.push(("response headers", format!("{:?}", response.headers())));

    // An authenticated GET whose body and headers carry the token.
    let builder = session
        .get("/v2.0/tokens/current")
        .endpoint_filter(EndpointFilter::new("identity"))
        .header("x-service-token", CANARY_TOKEN);
    shown.push(("request builder", format!("{builder:?}")));
    let response = builder.send().await.unwrap();
    shown.push(("response", format!("{response:?}")));

    // A status error.
    let err = session
        .get(format!("{}/unauthorized", server.uri()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized());
    shown.push(("error", format!("{err} / {err:?}")));

    // A request that fails before any response, with secrets in the URL.
    let refused = refused_url().await;
    let failing_url = format!(
        "{}/v3?password={CANARY_PASSWORD}",
        refused.replace("http://", &format!("http://admin:{CANARY_PASSWORD}@"))
    );
    let builder = session.post(&failing_url).json(&body);
    shown.push(("request builder", format!("{builder:?}")));
    let err = builder.send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    shown.push(("error", format!("{err} / {err:?}")));
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        shown.push(("error source", format!("{s} / {s:?}")));
        source = s.source();
    }

    shown.push(("session", format!("{session:?}")));
    shown.push(("plugin", format!("{plugin:?}")));
    shown.push(("timings", format!("{:?}", session.timings())));

    // The server really got the secrets: redaction is only in what is shown.
    let requests = received(&server).await;
    assert!(String::from_utf8_lossy(&requests[0].body).contains(CANARY_PASSWORD));
    assert_eq!(header_str(&requests[1], "x-auth-token"), Some(CANARY_TOKEN));

    drop(_guards);
    let log = capture.text();
    common::assert_free_of("the log", &log, CANARIES);
    for (what, text) in &shown {
        common::assert_free_of(what, text, CANARIES);
    }
    let hashed = hash_secret(CANARY_TOKEN.as_bytes());
    assert!(hashed.starts_with("{SHA256}"), "{hashed}");
    assert!(
        log.contains(&hashed),
        "the token's hash should identify it in the log:\n{log}"
    );
    assert!(log.contains("REQ: curl"), "{log}");
    assert!(log.contains("RESP:"), "{log}");
    assert!(log.contains("***"), "masked values should be visible as ***:\n{log}");
}

#[tokio::test]
async fn split_loggers_log_requests_responses_and_bodies_under_their_own_targets() {
    use common::logs::{capture_logs, events_of};
    use keystoneauth::transport::{BODY_LOG_TARGET, LOG_TARGET, REQUEST_LOG_TARGET, RESPONSE_LOG_TARGET};

    let (capture, guards) = capture_logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-subject-token", CANARY_TOKEN)
                .set_body_json(json!({"token": {"methods": ["password"]}, "password": CANARY_PASSWORD})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2.1/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": [{"name": "visible-name"}]})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let plugin = token_plugin(&format!("{}/v2.1", server.uri()), CANARY_TOKEN);
    let session = Session::builder().auth(plugin).split_loggers(true).build().unwrap();
    assert!(format!("{:?}", session.transport()).contains("split_loggers: true"));
    let body = json!({"auth": {"identity": {"password": {"user": {"password": CANARY_PASSWORD}}}}});
    session
        .post(format!("{}/v3/auth/tokens", server.uri()))
        .authenticated(Some(false))
        .json(&body)
        .send()
        .await
        .unwrap();
    let compute = EndpointFilter::new("compute");
    session
        .get("/servers")
        .endpoint_filter(compute.clone())
        .send()
        .await
        .unwrap();
    session
        .delete("/servers/1")
        .endpoint_filter(compute)
        .send()
        .await
        .unwrap();
    drop(guards);
    let log = capture.text();

    let requests = events_of(&log, REQUEST_LOG_TARGET);
    let responses = events_of(&log, RESPONSE_LOG_TARGET);
    let bodies = events_of(&log, BODY_LOG_TARGET);
    // Requests: keystoneauth1's curl line without the `REQ:` prefix, the
    // request body in it, masked.
    assert_eq!(requests.len(), 3, "{log}");
    assert!(requests.iter().all(|r| r.starts_with("curl -g -i -X ")), "{log}");
    assert!(requests[0].contains("-d '") && requests[0].contains("***"), "{log}");
    assert!(requests[1].contains(&hash_secret(CANARY_TOKEN.as_bytes())), "{log}");
    // Responses: status and headers with the fields, no body.
    assert_eq!(responses.len(), 3, "{log}");
    assert!(
        responses[0].starts_with("[201] POST ") && responses[0].contains("status=201"),
        "{log}"
    );
    assert!(
        responses[1].starts_with("[200] GET ") && responses[1].contains("request_id="),
        "{log}"
    );
    assert!(responses[2].starts_with("[204] DELETE "), "{log}");
    assert!(
        !responses
            .iter()
            .any(|r| r.contains("BODY") || r.contains("visible-name")),
        "{log}"
    );
    // Bodies: one per non-empty response body (none for the 204), masked.
    assert_eq!(bodies.len(), 2, "{log}");
    assert!(bodies[0].contains("***") && bodies[0].contains("status=201"), "{log}");
    assert!(bodies[1].contains("visible-name"), "{log}");
    // Nothing of the exchange is left under the single target.
    let single = events_of(&log, LOG_TARGET);
    assert!(
        !single.iter().any(|e| e.contains("curl") || e.contains("RESP")),
        "{log}"
    );
    for (target, events) in [("request", &requests), ("response", &responses), ("body", &bodies)] {
        common::assert_free_of(&format!("the {target} target"), &events.join("\n"), CANARIES);
    }
    common::assert_free_of("the log", &log, CANARIES);
}

#[tokio::test]
async fn without_split_loggers_everything_is_logged_under_one_target() {
    use common::logs::{capture_logs, events_of};
    use keystoneauth::transport::{BODY_LOG_TARGET, LOG_TARGET, REQUEST_LOG_TARGET, RESPONSE_LOG_TARGET};

    let (capture, guards) = capture_logs();
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"password": CANARY_PASSWORD, "n": 1})))
        .mount(&server)
        .await;
    let session = session_with(token_plugin(&server.uri(), CANARY_TOKEN));
    session
        .get("/x")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    drop(guards);
    let log = capture.text();
    let single = events_of(&log, LOG_TARGET);
    assert!(single.iter().any(|e| e.starts_with("REQ: curl -g -i -X GET")), "{log}");
    assert!(
        single
            .iter()
            .any(|e| e.starts_with("RESP: [200] GET") && e.contains("RESP BODY: {") && e.contains("***")),
        "{log}"
    );
    for target in [REQUEST_LOG_TARGET, RESPONSE_LOG_TARGET, BODY_LOG_TARGET] {
        assert!(events_of(&log, target).is_empty(), "{log}");
    }
    common::assert_free_of("the log", &log, CANARIES);
}

#[tokio::test]
async fn url_passwords_are_masked_in_debug_output() {
    let endpoint = format!("http://admin:{CANARY_PASSWORD}@127.0.0.1:9/v2.1");
    let plugin = token_plugin(&endpoint, CANARY_TOKEN);
    let session = session_with(Arc::clone(&plugin));
    let with_override = session
        .get("/servers")
        .endpoint_override(endpoint.clone())
        .query(&[("password", CANARY_PASSWORD)]);
    let absolute = session.get(format!("{endpoint}/servers?token={CANARY_TOKEN}"));
    let shown = [
        ("request builder with endpoint_override", format!("{with_override:?}")),
        ("request builder with absolute URL", format!("{absolute:?}")),
        ("token_endpoint plugin", format!("{plugin:?}")),
        ("session", format!("{session:?}")),
    ];
    let leaks: Vec<_> = shown
        .iter()
        .filter(|(_, text)| text.contains(CANARY_PASSWORD) || text.contains(CANARY_TOKEN))
        .collect();
    assert!(leaks.is_empty(), "URL secrets shown unmasked: {leaks:#?}");
}

// ---------------------------------------------------------------------------
// 6. Bad input
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
// 7. Blocking facade
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
// 8. Re-authentication on 401
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unauthorized_reauthenticates_once_and_succeeds() {
    let server = MockServer::start().await;
    Mock::given(header("x-auth-token", "token-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(header("x-auth-token", "token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fresh"))
        .mount(&server)
        .await;
    let plugin = Rotating::new(server.uri());
    let session = session_with(plugin.clone());
    let response = session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text(), "fresh");
    assert_eq!(received(&server).await.len(), 2);
    assert_eq!(plugin.header_calls.load(Ordering::SeqCst), 2);
    assert_eq!(plugin.invalidations.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn persistent_unauthorized_is_not_a_loop() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"code": 401, "message": "nope"}})))
        .mount(&server)
        .await;
    let plugin = Rotating::new(server.uri());
    let session = session_with(plugin.clone());
    let err = session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.http().unwrap().message(), "nope");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(header_str(&requests[0], "x-auth-token"), Some("token-1"));
    assert_eq!(header_str(&requests[1], "x-auth-token"), Some("token-2"));
}

#[tokio::test]
async fn reauthentication_can_be_disabled() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let plugin = Rotating::new(server.uri());
    let session = session_with(plugin.clone());
    let err = session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .allow_reauth(false)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(received(&server).await.len(), 1);
    assert_eq!(plugin.header_calls.load(Ordering::SeqCst), 1);
    assert_eq!(plugin.invalidations.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------
// 9. User agent and default headers
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
