#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests of the [`Session`]: secrets never reach the logs or
//! `Debug` output (canary values), and the split loggers' targets.

mod common;

use common::mock::{header_str, received, session_with, token_plugin};
use common::sockets::refused_url;
use std::sync::Arc;

use keystoneauth::http::StatusCode;
use keystoneauth::redact::hash_secret;
use keystoneauth::{EndpointFilter, Session};
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------
// Secrets never reach the logs
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
