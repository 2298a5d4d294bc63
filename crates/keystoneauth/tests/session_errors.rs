#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the [`Session`]: error bodies as typed errors, and
//! the re-authentication on a 401.

mod common;

use common::mock::{header_str, received, session_with};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use keystoneauth::http::{HeaderMap, HeaderValue, Method, StatusCode};
use keystoneauth::{AuthPlugin, EndpointFilter, Error, HttpErrorKind, Result, Session, Transport};
use serde_json::json;
use wiremock::matchers::{any, header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

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
// Error bodies
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
// Re-authentication on 401
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
