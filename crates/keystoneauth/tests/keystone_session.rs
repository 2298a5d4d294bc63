//! The Session against the real Keystone (no auth plugin involved).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use testkit::require_keystone;

use keystoneauth::{Error, HttpErrorKind, Session};
use serde_json::json;

#[tokio::test]
async fn unauthenticated_get_of_v3_returns_the_version_document() {
    let ks = require_keystone!();
    let session = Session::new().unwrap();
    let response = session.get(&ks.auth_url).authenticated(false).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().unwrap();
    let id = body["version"]["id"].as_str().unwrap();
    assert!(id.starts_with("v3."), "{id}");
    assert_eq!(body["version"]["status"], "stable");
    assert!(response.request_id().is_some_and(|id| id.starts_with("req-")));
}

#[tokio::test]
async fn root_answers_300_with_the_versions_list() {
    let ks = require_keystone!();
    let root = ks.auth_url.trim_end_matches("/v3").to_owned() + "/";
    let session = Session::new().unwrap();
    // 300 Multiple Choices is not a redirect to follow and not an error.
    let response = session.get(root).send().await.unwrap();
    assert_eq!(response.status(), 300);
    let body: serde_json::Value = response.json().unwrap();
    assert!(body["versions"]["values"].as_array().is_some_and(|v| !v.is_empty()));
}

#[tokio::test]
async fn rejected_token_post_is_a_typed_error_with_keystones_message() {
    let ks = require_keystone!();
    let session = Session::new().unwrap();
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": ks.admin_username, "domain": {"id": "default"}, "password": "definitely-wrong"}}}}});
    let err = session
        .post(format!("{}/auth/tokens", ks.auth_url))
        .json(&body)
        .log(false)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let http = err.http().unwrap();
    assert_eq!(http.kind(), HttpErrorKind::Unauthorized);
    assert_eq!(http.message(), "The request you have made requires authentication.");
    let request_id = err.request_id().unwrap();
    assert!(request_id.starts_with("req-"), "{request_id}");
    let text = err.to_string();
    assert!(text.contains("401") && text.contains(request_id), "{text}");
    assert!(!text.contains("definitely-wrong") && !format!("{err:?}").contains("definitely-wrong"));
}

#[tokio::test]
async fn malformed_post_is_a_400_with_details() {
    let ks = require_keystone!();
    let session = Session::new().unwrap();
    let err = session
        .post(format!("{}/auth/tokens", ks.auth_url))
        .json(&json!({"auth": {}}))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { .. }));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(!err.http().unwrap().message().is_empty());
}
