//! HTTP/2 refusals: a request the server refuses before acting on it
//! (`REFUSED_STREAM`) is sent again by the transport itself, at most
//! twice, whatever its method, on the common path and the general way
//! alike; reqwest's own retry layer is off (it would copy every request),
//! so the server sees exactly the sends the transport makes. A streamed
//! body cannot be sent again: its refusal is the error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::h2::RefusingH2Server;
use common::pki::Pki;
use keystoneauth::{token_endpoint, Session};

fn session(pki: &Pki) -> Session {
    Session::builder().ca_file(&pki.ca_pem_path).build().unwrap()
}

#[tokio::test]
async fn a_refused_request_is_sent_again_once_per_refusal() {
    let pki = Pki::new();
    let server = RefusingH2Server::start(&pki, 2).await;
    let response = session(&pki).get(server.url("/v2.1/servers")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().as_ref(), b"{\"ok\": true}");
    assert_eq!(server.streams(), 3, "two refusals, then the answer");
}

#[tokio::test]
async fn a_refused_post_is_sent_again_with_its_body() {
    let pki = Pki::new();
    let server = RefusingH2Server::start(&pki, 1).await;
    let response = session(&pki)
        .post(server.url("/v2.1/servers"))
        .json(&serde_json::json!({"server": {"name": "a"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.streams(), 2);
    assert_eq!(
        server.bodies(),
        vec![Bytes::from_static(br#"{"server":{"name":"a"}}"#)],
        "the server refused the first send unread and acted on the second"
    );
}

#[tokio::test]
async fn refusals_end_in_a_connection_error_after_two_sends_again() {
    let pki = Pki::new();
    let server = RefusingH2Server::start(&pki, usize::MAX).await;
    let err = session(&pki).get(server.url("/v2.1/servers")).send().await.unwrap_err();
    assert!(matches!(err, keystoneauth::Error::Connection { .. }), "{err:?}");
    assert!(err.is_retriable());
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    // reqwest's retry layer, were it on, would make this 9 (3 of its sends
    // for each of the transport's)
    assert_eq!(server.streams(), 3, "the first send and two more");
}

#[tokio::test]
async fn an_authenticated_request_refused_is_sent_again_with_its_credentials() {
    let pki = Pki::new();
    let server = RefusingH2Server::start(&pki, 1).await;
    let plugin = token_endpoint::Token::new(server.url("/v2.1"), "canary-token-h2".to_owned()).unwrap();
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .auth(Arc::new(plugin))
        .build()
        .unwrap();
    let response = session.get(server.url("/v2.1/servers")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.streams(), 2);
}

#[tokio::test]
async fn the_general_way_sends_a_refused_request_again_without_using_connect_retries() {
    let pki = Pki::new();
    // connect retries take every request the general way
    let session = Session::builder()
        .ca_file(&pki.ca_pem_path)
        .connect_retries(1)
        .build()
        .unwrap();
    let server = RefusingH2Server::start(&pki, 2).await;
    let response = session.get(server.url("/a")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.streams(), 3);

    let always = RefusingH2Server::start(&pki, usize::MAX).await;
    let err = session.get(always.url("/a")).send().await.unwrap_err();
    assert!(matches!(err, keystoneauth::Error::Connection { .. }), "{err:?}");
    assert_eq!(
        always.streams(),
        3,
        "refusals are not connection failures: no connect retry on top"
    );
}

#[tokio::test]
async fn a_refused_streamed_body_is_not_sent_again() {
    let pki = Pki::new();
    let server = RefusingH2Server::start(&pki, 1).await;
    let chunks = futures::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from_static(b"once"))]);
    let err = session(&pki)
        .put(server.url("/v1/object"))
        .body_stream(chunks, Some(4))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, keystoneauth::Error::Connection { .. }), "{err:?}");
    assert_eq!(server.streams(), 1);
    assert!(server.bodies().is_empty());
}
