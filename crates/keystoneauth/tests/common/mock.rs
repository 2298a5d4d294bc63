//! Helpers for tests against wiremock servers.

use std::sync::Arc;

use keystoneauth::{token_endpoint, AuthPlugin, Session};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Every request a wiremock server has seen (recording is on by default).
pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

/// The requests a wiremock server has seen for `path`.
pub async fn received_at(server: &MockServer, path: &str) -> Vec<Request> {
    received(server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == path)
        .collect()
}

/// The requests a wiremock server has seen with this method and path.
pub async fn received_with(server: &MockServer, method: &str, path: &str) -> Vec<Request> {
    received_at(server, path)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == method)
        .collect()
}

/// A request header as text (`None` when absent or not text).
pub fn header_str<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// A session with `plugin` and the default options.
pub fn session_with(plugin: Arc<dyn AuthPlugin>) -> Session {
    Session::builder().auth(plugin).build().unwrap()
}

/// A server that answers `failure` to the first `times` requests, then 200
/// with the body `ok`.
pub async fn fails_then_ok(failure: ResponseTemplate, times: u64, ok: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(failure)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(ok))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// A `token_endpoint::Token` plugin for `endpoint` with `token`.
pub fn token_plugin(endpoint: &str, token: &str) -> Arc<dyn AuthPlugin> {
    Arc::new(token_endpoint::Token::new(endpoint, token.to_owned()).unwrap())
}
