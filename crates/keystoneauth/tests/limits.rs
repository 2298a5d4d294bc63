//! Bodies the library parses itself are bounded: a hostile server cannot
//! make it allocate without limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use keystoneauth::discovery::{fetch_discovery, DiscoveryContext};
use keystoneauth::identity::v3;
use keystoneauth::transport::MAX_DISCOVERY_BODY;
use keystoneauth::{AuthPlugin, DiscoveryCache, Error, Session};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn assert_too_large(err: &Error) {
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("bytes allowed"), "{err}");
}

#[tokio::test]
async fn oversized_version_document_is_refused() {
    let server = MockServer::start().await;
    let huge = format!(
        r#"{{"versions": [], "padding": "{}"}}"#,
        "x".repeat(MAX_DISCOVERY_BODY + 1)
    );
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let session = Session::new().unwrap();
    let cache = DiscoveryCache::new();
    let ctx = DiscoveryContext {
        transport: session.transport(),
        cache: &cache,
        credentials: None,
    };
    let err = fetch_discovery(ctx, &server.uri()).await.unwrap_err();
    assert_too_large(&err);
}

/// A server that streams an endless chunked body.
async fn endless_chunked_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Subject-Token: t\r\nTransfer-Encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
                // Bounded: 64 MiB at most, then the server gives up.
                for _ in 0..1024 {
                    if sock.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}/v3")
}

#[tokio::test]
async fn endless_token_body_is_cut_off() {
    let auth_url = endless_chunked_server().await;
    let plugin = v3::Password::builder(auth_url)
        .user_id("u")
        .password("p")
        .build()
        .unwrap();
    let session = Session::new().unwrap();
    let err = plugin.token(session.transport()).await.unwrap_err();
    assert_too_large(&err);
}

#[tokio::test]
async fn ordinary_requests_are_not_limited() {
    let server = MockServer::start().await;
    let big = "y".repeat(MAX_DISCOVERY_BODY * 2);
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_string(big.clone()))
        .mount(&server)
        .await;
    let session = Session::new().unwrap();
    let r = session.get(format!("{}/big", server.uri())).send().await.unwrap();
    assert_eq!(r.bytes().len(), big.len());
}
