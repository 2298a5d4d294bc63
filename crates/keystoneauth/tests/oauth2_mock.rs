//! Keystone's OAuth 2.0 client credentials against mocks:
//! `v3oauth2clientcredential` with wiremock, and
//! `v3oauth2mtlsclientcredential` with an in-test HTTPS Keystone that
//! requires a client certificate (tokio-rustls, certificates by rcgen).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::logs::capture_logs;
use common::mock::{header_str, received_at};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::Engine;
use common::mtls::{MtlsServer, Seen};
use common::pki::Pki;
use common::tokens::{project_token, TokenResponder};
use keystoneauth::identity::v3::{OAuth2ClientCredential, OAuth2MtlsClientCredential, OAuthError};
use keystoneauth::redact::hash_secret;
use keystoneauth::{AuthPlugin, ClientIdentity, EndpointFilter, Error, Session};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use wiremock::matchers::{basic_auth, body_partial_json, body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CLIENT_ID: &str = "a5b4c3d2-app-cred";
const CLIENT_SECRET: &str = "OAUTH2-CLIENT-SECRET-CANARY-77f1";
const MTLS_TOKEN: &str = "MTLS-ACCESS-TOKEN-CANARY-gAAAAAB";
const MTLS_CLIENT_ID: &str = "mtls-user-id";

/// A v3 token body with a compute endpoint at `compute`.
fn token_body(compute: &str, methods: &[&str]) -> Value {
    project_token("svc", Some(compute))
        .methods(methods.iter().copied())
        .json()
}

/// A Keystone token responder: `<prefix>-1`, `<prefix>-2`... for an
/// application-credential token with a compute endpoint on `server`.
fn keystone_tokens(prefix: &'static str, server: &MockServer) -> TokenResponder {
    let compute = format!("{}/compute", server.uri());
    TokenResponder::numbered(
        prefix,
        project_token("svc", Some(&compute)).methods(["application_credential"]),
    )
}

/// Answers `<prefix>-1`, `<prefix>-2`... as OAuth 2.0 access tokens.
struct Numbered {
    prefix: &'static str,
    expires_in: u64,
    issued: AtomicUsize,
}

impl Numbered {
    fn oauth2(prefix: &'static str, expires_in: u64) -> Self {
        Numbered {
            prefix,
            expires_in,
            issued: AtomicUsize::new(0),
        }
    }
}

impl Respond for Numbered {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("{}-{n}", self.prefix), "token_type": "Bearer", "expires_in": self.expires_in,
        }))
    }
}

/// A Keystone with application-credential authentication and its OAuth 2.0
/// token endpoint, giving access tokens that live `expires_in` seconds.
async fn oauth2_keystone(expires_in: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(json!({"auth": {"identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": CLIENT_ID, "secret": CLIENT_SECRET},
        }}})))
        .respond_with(keystone_tokens("KS-TOKEN", &server))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/OS-OAUTH2/token"))
        .and(basic_auth(CLIENT_ID, CLIENT_SECRET))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(Numbered::oauth2("OAUTH2-TOKEN", expires_in))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/OS-OAUTH2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "Client authentication failed.",
        })))
        .with_priority(10)
        .mount(&server)
        .await;
    // The service refuses the first OAuth 2.0 token once, on /compute/reject.
    Mock::given(method("GET"))
        .and(path("/compute/reject"))
        .and(header("authorization", "Bearer OAUTH2-TOKEN-1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/compute/reject"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .with_priority(10)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/compute/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&server)
        .await;
    server
}

fn client_credential(server: &MockServer, secret: &str) -> OAuth2ClientCredential {
    OAuth2ClientCredential::builder(format!("{}/v3", server.uri()))
        .oauth2_endpoint(format!("{}/v3/OS-OAUTH2/token", server.uri()))
        .oauth2_client_id(CLIENT_ID)
        .oauth2_client_secret(secret)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------
// v3oauth2clientcredential
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_credential_sends_the_keystone_token_and_the_oauth2_bearer() {
    let server = oauth2_keystone(3600).await;
    let plugin = client_credential(&server, CLIENT_SECRET);
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let compute = EndpointFilter::new("compute");

    for _ in 0..2 {
        let response = session
            .get("/servers")
            .endpoint_filter(compute.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    let calls = received_at(&server, "/compute/servers").await;
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_eq!(header_str(call, "x-auth-token"), Some("KS-TOKEN-1"));
        assert_eq!(header_str(call, "authorization"), Some("Bearer OAUTH2-TOKEN-1"));
    }
    // Both tokens were fetched once and kept.
    assert_eq!(received_at(&server, "/v3/auth/tokens").await.len(), 1);
    let oauth2 = received_at(&server, "/v3/OS-OAUTH2/token").await;
    assert_eq!(oauth2.len(), 1);
    // The client id once, as HTTP Basic with the secret; the form holds
    // the grant type alone.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    assert_eq!(
        header_str(&oauth2[0], "authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(
        header_str(&oauth2[0], "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(oauth2[0].body, b"grant_type=client_credentials");

    // A 401 drops both tokens; the request is sent again with new ones.
    let response = session
        .get("/reject")
        .endpoint_filter(compute.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let rejected = received_at(&server, "/compute/reject").await;
    assert_eq!(rejected.len(), 2);
    assert_eq!(header_str(&rejected[1], "authorization"), Some("Bearer OAUTH2-TOKEN-2"));
    assert_eq!(header_str(&rejected[1], "x-auth-token"), Some("KS-TOKEN-2"));

    let access = session
        .auth()
        .unwrap()
        .access_info(session.transport())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access.project_id(), Some("svc-project"));
}

#[tokio::test]
async fn client_credential_fetches_a_new_bearer_when_the_old_one_expired() {
    // expires_in 0: every request needs a new access token, as keystoneauth1
    // always fetches one; the Keystone token is kept.
    let server = oauth2_keystone(0).await;
    let plugin = client_credential(&server, CLIENT_SECRET);
    let t = Session::new().unwrap();
    let t = t.transport();
    let first = plugin.headers(t).await.unwrap();
    let second = plugin.headers(t).await.unwrap();
    assert_eq!(first.get("authorization").unwrap(), "Bearer OAUTH2-TOKEN-1");
    assert_eq!(second.get("authorization").unwrap(), "Bearer OAUTH2-TOKEN-2");
    assert_eq!(second.get("x-auth-token").unwrap(), "KS-TOKEN-1");
    assert!(second.get("authorization").unwrap().is_sensitive());
    assert_eq!(received_at(&server, "/v3/auth/tokens").await.len(), 1);
}

#[tokio::test]
async fn client_credential_error_bodies_are_typed_errors() {
    let server = oauth2_keystone(3600).await;
    // Keystone accepts this secret for the token, but the OAuth 2.0
    // endpoint does not (matched on the Basic credentials).
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(keystone_tokens("KS-OTHER", &server))
        .with_priority(20)
        .mount(&server)
        .await;
    let plugin = client_credential(&server, "wrong-secret-canary");
    let session = Session::new().unwrap();
    let err = plugin.headers(session.transport()).await.unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    let oauth = OAuthError::find(&err).unwrap();
    assert_eq!(oauth.error(), "invalid_client");
    assert_eq!(oauth.description(), Some("Client authentication failed."));
    assert_eq!(oauth.status().as_u16(), 401);
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("invalid_client") && !shown.contains("wrong-secret-canary"),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------
// v3oauth2mtlsclientcredential: an HTTPS Keystone requiring client certificates
// ---------------------------------------------------------------------------

/// The answer of the mTLS Keystone to one request: the OAuth 2.0 token
/// endpoint gives [`MTLS_TOKEN`] to [`MTLS_CLIENT_ID`], `/v3/auth/tokens`
/// validates it, anything else is a 200 `{}`.
fn answer(port: u16, seen: &Seen) -> (u16, String) {
    let token = seen.header("x-auth-token").unwrap_or_default().to_owned();
    let line = seen.head.lines().next().unwrap_or_default().to_owned();
    if line.starts_with("post /v3/os-oauth2/token ") {
        if seen.body == format!("grant_type=client_credentials&client_id={MTLS_CLIENT_ID}") {
            let body = json!({"access_token": MTLS_TOKEN, "token_type": "Bearer", "expires_in": 3600});
            return (200, body.to_string());
        }
        let body = json!({"error": "invalid_client", "error_description": "Client authentication failed."});
        return (401, body.to_string());
    }
    if line.starts_with("get /v3/auth/tokens ") {
        // The lower-cased head: compare with the lower-cased token.
        let lower = MTLS_TOKEN.to_ascii_lowercase();
        if token == lower && seen.header("x-subject-token") == Some(lower.as_str()) {
            let compute = format!("https://127.0.0.1:{port}/compute");
            return (200, token_body(&compute, &["oauth2_credential"]).to_string());
        }
        return (401, r#"{"error": {"code": 401, "message": "unauthorized"}}"#.into());
    }
    (200, "{}".into())
}

/// An HTTPS Keystone on 127.0.0.1 that requires a client certificate
/// signed by the PKI's CA.
async fn start_mtls_keystone(pki: &Pki) -> MtlsServer {
    MtlsServer::start(pki, answer).await
}

fn mtls_plugin(server: &MtlsServer, client_id: &str, identity: Option<ClientIdentity>) -> OAuth2MtlsClientCredential {
    let b = OAuth2MtlsClientCredential::builder(server.url("/v3"))
        .oauth2_endpoint(server.url("/v3/OS-OAUTH2/token"))
        .oauth2_client_id(client_id);
    match identity {
        Some(i) => b.client_identity(i),
        None => b,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn mtls_client_credential_presents_the_certificate_and_uses_the_token_both_ways() {
    let pki = Pki::new();
    let server = start_mtls_keystone(&pki).await;
    // The session trusts the CA but has no certificate of its own: the
    // plugin brings it.
    let session = Session::builder().ca_file(&pki.ca_pem_path).build().unwrap();
    let identity = ClientIdentity::from_pem(pki.client_combined_pem()).unwrap();
    let plugin = mtls_plugin(&server, MTLS_CLIENT_ID, Some(identity));
    assert!(plugin.connection_params().client_identity.is_some());
    let plugin: Arc<dyn AuthPlugin> = Arc::new(plugin);

    let response = session
        .get("/servers")
        .auth(plugin.clone())
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    for s in &seen {
        assert_eq!(s.cert.as_deref(), Some(pki.client_cert_der.as_ref()), "{s:?}");
    }
    // 1. The token request: the client id in the form, no secret, no Basic.
    assert!(seen[0].head.starts_with("post /v3/os-oauth2/token "), "{:?}", seen[0]);
    assert_eq!(
        seen[0].body,
        format!("grant_type=client_credentials&client_id={MTLS_CLIENT_ID}")
    );
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // 2. The token validated as itself.
    assert!(seen[1].head.starts_with("get /v3/auth/tokens "), "{:?}", seen[1]);
    // 3. The service: the access token as X-Auth-Token and as a bearer.
    let lower = MTLS_TOKEN.to_ascii_lowercase();
    assert!(seen[2].head.starts_with("get /compute/servers "), "{:?}", seen[2]);
    assert_eq!(seen[2].header("x-auth-token"), Some(lower.as_str()));
    assert_eq!(
        seen[2].header("authorization"),
        Some(format!("bearer {lower}").as_str())
    );

    let access = plugin.access_info(&session.transport().clone()).await;
    // (The session's own transport has no certificate; the plugin's data
    // is cached, so no request is needed.)
    let access = access.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), MTLS_TOKEN);
    assert_eq!(access.project_id(), Some("svc-project"));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn mtls_client_credential_errors() {
    let pki = Pki::new();
    let server = start_mtls_keystone(&pki).await;
    let session = Session::builder().ca_file(&pki.ca_pem_path).build().unwrap();

    // No certificate: the handshake fails.
    let without = mtls_plugin(&server, MTLS_CLIENT_ID, None);
    let err = without.token(session.transport()).await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    assert!(server.seen().is_empty());

    // An unknown client: the OAuth 2.0 error.
    let identity = ClientIdentity::from_pem(pki.client_combined_pem()).unwrap();
    let unknown: Arc<dyn AuthPlugin> = Arc::new(mtls_plugin(&server, "someone-else", Some(identity)));
    let err = session
        .get("/servers")
        .auth(unknown)
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        OAuthError::find(&err).map(OAuthError::error),
        Some("invalid_client"),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

// ---------------------------------------------------------------------------
// Canary secrets
// ---------------------------------------------------------------------------

#[tokio::test]
async fn canary_secrets_never_reach_debug_display_or_logs() {
    let (logs, _guards) = capture_logs();
    let server = oauth2_keystone(3600).await;
    let mut shown: Vec<String> = Vec::new();
    let builder = OAuth2ClientCredential::builder(format!("{}/v3", server.uri()))
        .oauth2_endpoint(format!("{}/v3/OS-OAUTH2/token", server.uri()))
        .oauth2_client_id(CLIENT_ID)
        .oauth2_client_secret(CLIENT_SECRET);
    shown.push(format!("{builder:?}"));
    let plugin = Arc::new(builder.build().unwrap());
    shown.push(format!("{plugin:?}"));
    let session = Session::builder().auth(plugin.clone()).build().unwrap();
    session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    shown.push(format!("{plugin:?}"));

    let pki = Pki::new();
    let mtls = start_mtls_keystone(&pki).await;
    let mtls_session = Session::builder().ca_file(&pki.ca_pem_path).build().unwrap();
    let identity = ClientIdentity::from_pem(pki.client_combined_pem()).unwrap();
    let mtls_plugin: Arc<dyn AuthPlugin> = Arc::new(mtls_plugin(&mtls, MTLS_CLIENT_ID, Some(identity)));
    mtls_session
        .get("/servers")
        .auth(mtls_plugin.clone())
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    shown.push(format!("{mtls_plugin:?}"));

    let text = logs.text();
    // The requests were logged, credentials hashed.
    assert!(text.contains("OS-OAUTH2"), "{text}");
    assert!(text.contains(&hash_secret(b"Bearer OAUTH2-TOKEN-1")), "{text}");
    assert!(text.contains(&hash_secret(MTLS_TOKEN.as_bytes())), "{text}");
    shown.push(text);
    for s in &shown {
        for canary in [CLIENT_SECRET, MTLS_TOKEN, "OAUTH2-TOKEN-1", "KS-TOKEN-1", "PRIVATE KEY"] {
            assert!(!s.contains(canary), "{canary} shown in:\n{s}");
        }
    }
}
