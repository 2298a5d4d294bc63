#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the [`Session`]: connection and status retries,
//! and redirects (the token kept to the original origin only).

mod common;

use common::mock::{fails_then_ok, header_str, received, session_with, token_plugin};
use common::sockets::{refused_url, silent_server};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use keystoneauth::http::{Method, StatusCode};
use keystoneauth::{Adapter, EndpointFilter, Error, RetryPolicy, Session};
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------
// Retries
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
// Redirects
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
