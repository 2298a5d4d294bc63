//! The OpenID Connect plugins end to end against mocks: a small OpenID
//! Connect provider (discovery document, token endpoint, device
//! authorization endpoint) and a Keystone with the federation endpoint and
//! `/v3/auth/tokens` for the re-scope, both wiremock servers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::chain;
use common::logs::capture_logs;
use common::mock::{header_str, received_at};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use chrono::{TimeZone, Utc};
use common::tokens::{compute_service, TokenResponder};
use keystoneauth::fixture::V3Token;
use keystoneauth::identity::v3::{
    AccessTokenType, CodeChallengeMethod, DeviceAuthorizationInfo, DeviceAuthorizationPrompt, OAuthError,
    OidcAccessToken, OidcAuthorizationCode, OidcClientCredentials, OidcDeviceAuthorization, OidcPassword, Pkce,
};
use keystoneauth::{AuthPlugin, EndpointFilter, Error, Session, TokenCache};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

// ---------------------------------------------------------------------------
// Canaries and fixtures
// ---------------------------------------------------------------------------

const CLIENT_ID: &str = "openstack-cli";
const CLIENT_SECRET: &str = "CLIENT-SECRET-CANARY-9f2e";
const PASSWORD: &str = "PASSWORD-CANARY-4c1d";
const ACCESS_TOKEN: &str = "ACCESS-TOKEN-CANARY-eyJhbGciOi";
const ID_TOKEN: &str = "ID-TOKEN-CANARY-eyJ0eXAiOi";
const REFRESH_TOKEN: &str = "REFRESH-TOKEN-CANARY-8b7a";
const AUTH_CODE: &str = "AUTH-CODE-CANARY-SplxlOBeZQQ";
const CODE_VERIFIER: &str = "CODE-VERIFIER-CANARY-dBjftJeZ4CVP-mB92K27uhbUJU1p1r";
const DEVICE_CODE: &str = "DEVICE-CODE-CANARY-GmRhmhcxhwAzkoEqiMEg";
const USER_CODE: &str = "WDJB-MJHT";
const IDP: &str = "myidp";
const PROTOCOL: &str = "openid";
const FEDERATION_PATH: &str = "/v3/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth";

/// A federated user's v3 token; scoped to `project` (with a compute
/// endpoint) or unscoped.
fn federated_token(keystone: &str, project: Option<&str>) -> V3Token {
    let token = V3Token::new()
        .user("fed-user-id", "alice")
        .federated(IDP, PROTOCOL, Vec::<String>::new())
        .expires_at(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap());
    match project {
        Some(p) => token
            .methods(["token"])
            .project_scope(p, "demo")
            .role("r1", "member")
            .service(compute_service(&format!("{keystone}/compute"))),
        None => token.methods(["openid"]),
    }
}

/// A Keystone with the federation endpoint (accepting `bearer` only) and
/// the token method for the re-scope, giving project `p1`.
async fn federation_keystone(bearer: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(FEDERATION_PATH))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(TokenResponder::numbered(
            "FED-UNSCOPED",
            federated_token(&server.uri(), None),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(FEDERATION_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."
        }})))
        .with_priority(10)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(json!({"auth": {"identity": {"methods": ["token"]}}})))
        .respond_with(TokenResponder::numbered(
            "SCOPED",
            federated_token(&server.uri(), Some("p1")),
        ))
        .mount(&server)
        .await;
    server
}

/// The provider's successful token answer.
fn token_answer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": ACCESS_TOKEN,
        "id_token": ID_TOKEN,
        "refresh_token": REFRESH_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "openid profile",
    }))
}

/// An OAuth 2.0 error answer.
fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": error, "error_description": description}))
}

/// The discovery document of a provider at `idp`.
fn discovery(idp: &str, grant_types: Value) -> Value {
    json!({
        "issuer": idp,
        "authorization_endpoint": format!("{idp}/auth"),
        "token_endpoint": format!("{idp}/token"),
        "device_authorization_endpoint": format!("{idp}/device"),
        "jwks_uri": format!("{idp}/certs"),
        "grant_types_supported": grant_types,
        "code_challenge_methods_supported": ["plain", "S256"],
    })
}

async fn mount_discovery(idp: &MockServer, grant_types: Value) {
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(discovery(&idp.uri(), grant_types)))
        .mount(idp)
        .await;
}

/// The token endpoint answers the password grant with [`token_answer`].
async fn mount_password_grant(idp: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=password"))
        .respond_with(token_answer())
        .mount(idp)
        .await;
}

fn discovery_url(idp: &MockServer) -> String {
    format!("{}/.well-known/openid-configuration", idp.uri())
}

/// The form fields of a request.
fn form(request: &Request) -> Vec<(String, String)> {
    assert_eq!(
        header_str(request, "content-type"),
        Some("application/x-www-form-urlencoded"),
        "{request:?}"
    );
    keystoneauth::url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    let mut found = fields.iter().filter(|(k, _)| k == key);
    let first = found.next().map(|(_, v)| v.as_str());
    assert!(found.next().is_none(), "{key} sent twice in {fields:?}");
    first
}

/// Asserts that the client id was sent exactly once: as HTTP Basic with the
/// secret when there is one, else in the form, never both.
fn assert_client_id_once(request: &Request, secret: Option<&str>) {
    let fields = form(request);
    let basic = header_str(request, "authorization");
    match secret {
        Some(secret) => {
            let expected = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{secret}"));
            assert_eq!(basic, Some(format!("Basic {expected}").as_str()));
            assert_eq!(
                field(&fields, "client_id"),
                None,
                "client_id in the body too: {fields:?}"
            );
            assert_eq!(field(&fields, "client_secret"), None, "{fields:?}");
        }
        None => {
            assert_eq!(basic, None, "no secret, yet an Authorization header");
            assert_eq!(field(&fields, "client_id"), Some(CLIENT_ID), "{fields:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Password, client credentials, authorization code, access token
// ---------------------------------------------------------------------------

#[tokio::test]
async fn password_flow_with_discovery_then_rescoped_to_the_project() {
    let idp = MockServer::start().await;
    mount_discovery(&idp, json!(["authorization_code", "password", "client_credentials"])).await;
    mount_password_grant(&idp).await;
    let ks = federation_keystone(ACCESS_TOKEN).await;

    let plugin = OidcPassword::builder(format!("{}/v3", ks.uri()), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .discovery_endpoint(discovery_url(&idp))
        .username("alice")
        .password(PASSWORD)
        .project_id("p1")
        .build()
        .unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let t = session.transport();
    let plugin = session.auth().unwrap();

    let access = plugin.access_info(t).await.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), "SCOPED-1");
    assert_eq!(access.project_id(), Some("p1"));
    assert_eq!(
        plugin.endpoint(t, &EndpointFilter::new("compute")).await.unwrap(),
        Some(format!("{}/compute", ks.uri()))
    );

    // The token request: password grant, the client id once (Basic).
    let token_requests = received_at(&idp, "/token").await;
    assert_eq!(token_requests.len(), 1);
    let fields = form(&token_requests[0]);
    assert_eq!(field(&fields, "grant_type"), Some("password"));
    assert_eq!(field(&fields, "username"), Some("alice"));
    assert_eq!(field(&fields, "password"), Some(PASSWORD));
    assert_eq!(field(&fields, "scope"), Some("openid profile"));
    assert_client_id_once(&token_requests[0], Some(CLIENT_SECRET));

    // Keystone got the access token as a bearer, then the re-scope.
    let federated = received_at(&ks, FEDERATION_PATH).await;
    assert_eq!(federated.len(), 1);
    assert_eq!(
        header_str(&federated[0], "authorization"),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );
    let rescope = received_at(&ks, "/v3/auth/tokens").await;
    assert_eq!(rescope.len(), 1);
    assert_eq!(
        rescope[0].body_json::<Value>().unwrap(),
        json!({"auth": {
            "identity": {"methods": ["token"], "token": {"id": "FED-UNSCOPED-1"}},
            "scope": {"project": {"id": "p1"}},
        }})
    );

    // A new authentication reuses the discovery document. It tries the
    // refresh token first (this provider answers 404), then the password.
    assert!(plugin.invalidate());
    let access = plugin.access_info(t).await.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), "SCOPED-2");
    assert_eq!(received_at(&idp, "/.well-known/openid-configuration").await.len(), 1);
    let grants: Vec<String> = received_at(&idp, "/token")
        .await
        .iter()
        .map(|r| field(&form(r), "grant_type").unwrap().to_owned())
        .collect();
    assert_eq!(grants, ["password", "refresh_token", "password"]);
}

#[tokio::test]
async fn client_credentials_with_a_token_endpoint_and_no_scope_keep_the_unscoped_token() {
    let idp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(token_answer())
        .mount(&idp)
        .await;
    let ks = federation_keystone(ACCESS_TOKEN).await;

    let plugin = OidcClientCredentials::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(format!("{}/oauth/token", idp.uri()))
        .openid_scope("openid")
        .build()
        .unwrap();
    let session = Session::new().unwrap();
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), "FED-UNSCOPED-1");
    assert!(access.is_unscoped());
    assert_eq!(access.user_id(), "fed-user-id");

    // No discovery, no re-scope.
    let all = idp.received_requests().await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    let fields = form(&all[0]);
    assert_eq!(field(&fields, "grant_type"), Some("client_credentials"));
    assert_eq!(field(&fields, "scope"), Some("openid"));
    assert_client_id_once(&all[0], Some(CLIENT_SECRET));
    assert!(received_at(&ks, "/v3/auth/tokens").await.is_empty());
    // auth-url without /v3 gets it added.
    assert_eq!(received_at(&ks, FEDERATION_PATH).await.len(), 1);
}

#[tokio::test]
async fn authorization_code_public_client_with_pkce_verifier_and_id_token() {
    let idp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(token_answer())
        .mount(&idp)
        .await;
    // Keystone accepts only the id token here.
    let ks = federation_keystone(ID_TOKEN).await;

    let plugin = OidcAuthorizationCode::builder(format!("{}/v3/", ks.uri()), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .access_token_endpoint(format!("{}/token", idp.uri()))
        .access_token_type(AccessTokenType::IdToken)
        .code(AUTH_CODE)
        .redirect_uri("http://127.0.0.1:8400/callback")
        .code_verifier(CODE_VERIFIER)
        .domain_name("Default")
        .build()
        .unwrap();
    let session = Session::new().unwrap();
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), "SCOPED-1");

    let requests = received_at(&idp, "/token").await;
    assert_eq!(requests.len(), 1);
    let fields = form(&requests[0]);
    assert_eq!(field(&fields, "grant_type"), Some("authorization_code"));
    assert_eq!(field(&fields, "code"), Some(AUTH_CODE));
    assert_eq!(field(&fields, "redirect_uri"), Some("http://127.0.0.1:8400/callback"));
    assert_eq!(field(&fields, "code_verifier"), Some(CODE_VERIFIER));
    // A public client: the client id in the form only.
    assert_client_id_once(&requests[0], None);
    let rescope = received_at(&ks, "/v3/auth/tokens").await;
    assert_eq!(
        rescope[0].body_json::<Value>().unwrap()["auth"]["scope"],
        json!({"domain": {"name": "Default"}})
    );
}

#[tokio::test]
async fn access_token_plugin_goes_straight_to_keystone() {
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let plugin = OidcAccessToken::builder(format!("{}/v3", ks.uri()), IDP, PROTOCOL)
        .access_token(ACCESS_TOKEN)
        .project_name("demo")
        .project_domain_id("default")
        .build()
        .unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    let token = session.token(None).await.unwrap().unwrap();
    assert_eq!(token.expose_secret(), "SCOPED-1");
    let rescope = received_at(&ks, "/v3/auth/tokens").await;
    assert_eq!(
        rescope[0].body_json::<Value>().unwrap()["auth"]["scope"],
        json!({"project": {"name": "demo", "domain": {"id": "default"}}})
    );

    // A token Keystone refuses: its 401.
    let refused = OidcAccessToken::builder(format!("{}/v3", ks.uri()), IDP, PROTOCOL)
        .access_token("not-the-right-token")
        .build()
        .unwrap();
    let err = refused.token(session.transport()).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
}

// ---------------------------------------------------------------------------
// Endpoints and discovery
// ---------------------------------------------------------------------------

#[tokio::test]
async fn endpoints_are_required_and_discovery_problems_are_clear() {
    // Neither endpoint: a build error naming both options.
    let err = OidcPassword::builder("http://127.0.0.1:5000/v3", IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .username("alice")
        .password(PASSWORD)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::MissingOption { .. }), "{err:?}");
    assert!(
        err.to_string().contains("access-token-endpoint or discovery-endpoint")
            && err.to_string().contains("v3oidcpassword"),
        "{err}"
    );

    let idp = MockServer::start().await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = Session::new().unwrap();
    let t = session.transport();
    let build = |discovery: String| {
        OidcClientCredentials::builder(ks.uri(), IDP, PROTOCOL)
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .discovery_endpoint(discovery)
            .build()
            .unwrap()
    };

    // A document without a token endpoint.
    Mock::given(method("GET"))
        .and(path("/no-token-endpoint"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"issuer": idp.uri()})))
        .mount(&idp)
        .await;
    let err = build(format!("{}/no-token-endpoint", idp.uri()))
        .token(t)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("token_endpoint"), "{err}");

    // Not JSON.
    Mock::given(method("GET"))
        .and(path("/not-json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .mount(&idp)
        .await;
    let err = build(format!("{}/not-json", idp.uri())).token(t).await.unwrap_err();
    assert!(err.to_string().contains("discovery document"), "{err}");

    // Missing: the 404.
    let err = build(format!("{}/missing", idp.uri())).token(t).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");

    // The provider does not offer the grant.
    mount_discovery(&idp, json!(["authorization_code"])).await;
    let err = build(discovery_url(&idp)).token(t).await.unwrap_err();
    assert!(
        err.to_string().contains("client_credentials") && err.to_string().contains("not support"),
        "{err}"
    );

    // The explicit token endpoint wins over the discovered one.
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/explicit"))
        .respond_with(token_answer())
        .mount(&other)
        .await;
    let plugin = OidcPassword::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .discovery_endpoint(discovery_url(&idp))
        .access_token_endpoint(format!("{}/explicit", other.uri()))
        .username("alice")
        .password(PASSWORD)
        .build()
        .unwrap();
    // "password" is not in this provider's grant types: keystoneauth1 checks
    // the document even when the endpoint is explicit.
    let err = plugin.token(t).await.unwrap_err();
    assert!(err.to_string().contains("\"password\""), "{err}");
    assert!(received_at(&other, "/explicit").await.is_empty());
    let idp2 = MockServer::start().await;
    mount_discovery(&idp2, json!(["password"])).await;
    let plugin = OidcPassword::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .discovery_endpoint(discovery_url(&idp2))
        .access_token_endpoint(format!("{}/explicit", other.uri()))
        .username("alice")
        .password(PASSWORD)
        .build()
        .unwrap();
    assert_eq!(
        plugin.token(t).await.unwrap().unwrap().expose_secret(),
        "FED-UNSCOPED-1"
    );
    assert_eq!(received_at(&other, "/explicit").await.len(), 1);
    assert!(received_at(&idp2, "/token").await.is_empty());
}

// ---------------------------------------------------------------------------
// Provider error bodies
// ---------------------------------------------------------------------------

#[tokio::test]
async fn provider_error_bodies_are_typed_errors_without_secrets() {
    let idp = MockServer::start().await;
    // invalid_grant, with the provider echoing the password it got.
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("username=alice"))
        .respond_with(oauth_error(
            400,
            "invalid_grant",
            &format!("Invalid user credentials (password {PASSWORD})"),
        ))
        .mount(&idp)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("username=bob"))
        .respond_with(oauth_error(401, "invalid_client", "Client authentication failed"))
        .mount(&idp)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("username=carol"))
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string(format!(
                    "<html><body><h1>Bad Gateway</h1><p>{PASSWORD}</p></body></html>"
                )),
        )
        .mount(&idp)
        .await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = Session::new().unwrap();
    let t = session.transport();
    let plugin = |user: &str| {
        OidcPassword::builder(ks.uri(), IDP, PROTOCOL)
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .access_token_endpoint(format!("{}/token", idp.uri()))
            .username(user)
            .password(PASSWORD)
            .build()
            .unwrap()
    };

    let err = plugin("alice").token(t).await.unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    let oauth = OAuthError::find(&err).expect("an OAuth error");
    assert_eq!(oauth.error(), "invalid_grant");
    assert_eq!(oauth.status().as_u16(), 400);
    assert_eq!(oauth.description(), Some("Invalid user credentials (password ***)"));
    let shown = format!("{err} | {err:?} | {}", chain(&err));
    assert!(
        shown.contains("invalid_grant") && shown.contains("password grant"),
        "{shown}"
    );
    assert!(!shown.contains(PASSWORD) && !shown.contains(CLIENT_SECRET), "{shown}");

    let err = plugin("bob").token(t).await.unwrap_err();
    assert_eq!(OAuthError::find(&err).map(OAuthError::error), Some("invalid_client"));
    assert!(err.to_string().contains("Client authentication failed"), "{err}");

    // Not an OAuth body: the HTTP error, its kept body masked.
    let err = plugin("carol").token(t).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(OAuthError::find(&err).is_none());
    let body = String::from_utf8_lossy(err.http().unwrap().body()).into_owned();
    assert!(body.contains("Bad Gateway") && !body.contains(PASSWORD), "{body}");
    assert!(!format!("{err} {err:?}").contains(PASSWORD));

    // Keystone never saw a request.
    assert!(ks.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// Device authorization
// ---------------------------------------------------------------------------

/// Answers the token endpoint with the scripted errors, then the token.
struct Script {
    answers: Vec<&'static str>,
    calls: AtomicUsize,
}

impl Script {
    fn new(answers: &[&'static str]) -> Self {
        Script {
            answers: answers.to_vec(),
            calls: AtomicUsize::new(0),
        }
    }
}

impl Respond for Script {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.answers.get(n) {
            Some(&"token") | None => token_answer(),
            Some(error) => oauth_error(400, error, "scripted"),
        }
    }
}

/// A provider with a device endpoint announcing `interval` and
/// `expires_in`, and a token endpoint answering `script`.
async fn device_provider(interval: u64, expires_in: u64, script: &[&'static str]) -> MockServer {
    let idp = MockServer::start().await;
    mount_discovery(
        &idp,
        json!(["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"]),
    )
    .await;
    let uri = idp.uri();
    Mock::given(method("POST"))
        .and(path("/device"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "device_code": DEVICE_CODE,
            "user_code": USER_CODE,
            "verification_uri": format!("{uri}/activate"),
            "verification_uri_complete": format!("{uri}/activate?user_code={USER_CODE}"),
            "expires_in": expires_in,
            "interval": interval,
        })))
        .mount(&idp)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
        ))
        .respond_with(Script::new(script))
        .mount(&idp)
        .await;
    idp
}

/// A session for tests on virtual time (`tokio::time::pause`). The tokio
/// clock then jumps to the next timer whenever the runtime waits, also
/// while it waits for a mock's answer; a connection pool without an idle
/// timer leaves no timer to jump to but the plugin's own waits.
fn virtual_time_session() -> Session {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    Session::builder().client(client).build().unwrap()
}

/// Records what the plugin showed the user.
#[derive(Clone, Default)]
struct Shown(Arc<Mutex<Vec<DeviceAuthorizationInfo>>>);

impl Shown {
    fn prompt(&self) -> impl Fn(&DeviceAuthorizationInfo) + Send + Sync + 'static {
        let shown = self.clone();
        move |info: &DeviceAuthorizationInfo| shown.0.lock().unwrap().push(info.clone())
    }

    fn all(&self) -> Vec<DeviceAuthorizationInfo> {
        self.0.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn device_flow_polls_while_pending_slows_down_and_uses_s256_pkce() {
    let idp = device_provider(
        1,
        600,
        &["authorization_pending", "slow_down", "authorization_pending", "token"],
    )
    .await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let shown = Shown::default();
    let plugin = OidcDeviceAuthorization::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .discovery_endpoint(discovery_url(&idp))
        .code_challenge_method(CodeChallengeMethod::S256)
        .prompt(shown.prompt())
        .project_id("p1")
        .build()
        .unwrap();
    let session = virtual_time_session();

    // Virtual time: the waits are skipped but measured.
    tokio::time::pause();
    let start = tokio::time::Instant::now();
    let token = plugin.token(session.transport()).await.unwrap().unwrap();
    let waited = start.elapsed();
    assert_eq!(token.expose_secret(), "SCOPED-1");

    // 1 s, 1 s (pending), then slow_down: 6 s and 6 s.
    assert!(
        waited >= Duration::from_secs(14) && waited < Duration::from_secs(15),
        "waited {waited:?}"
    );
    let polls = received_at(&idp, "/token").await;
    assert_eq!(polls.len(), 4, "polled again after pending and slow_down");

    // The user was shown where to go.
    let infos = shown.all();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].user_code, USER_CODE);
    assert_eq!(infos[0].interval, Duration::from_secs(1));
    assert_eq!(
        infos[0].verification_uri_complete.as_deref(),
        Some(format!("{}/activate?user_code={USER_CODE}", idp.uri()).as_str())
    );

    // PKCE: the challenge sent first is S256 of the verifier sent with
    // every poll; the client id once, in the form (no secret).
    let device = received_at(&idp, "/device").await;
    assert_eq!(device.len(), 1);
    let fields = form(&device[0]);
    assert_client_id_once(&device[0], None);
    assert_eq!(field(&fields, "scope"), Some("openid profile"));
    assert_eq!(field(&fields, "code_challenge_method"), Some("S256"));
    let challenge = field(&fields, "code_challenge").unwrap().to_owned();
    let mut verifiers = Vec::new();
    for poll in &polls {
        let fields = form(poll);
        assert_client_id_once(poll, None);
        assert_eq!(field(&fields, "device_code"), Some(DEVICE_CODE));
        verifiers.push(field(&fields, "code_verifier").unwrap().to_owned());
    }
    assert!(verifiers.iter().all(|v| *v == verifiers[0]), "{verifiers:?}");
    assert!((43..=128).contains(&verifiers[0].len()));
    assert_ne!(verifiers[0], challenge);
    assert_eq!(Pkce::challenge_for(CodeChallengeMethod::S256, &verifiers[0]), challenge);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(verifiers[0].as_bytes());
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest),
        challenge
    );
}

#[tokio::test]
async fn device_flow_with_plain_pkce_explicit_endpoints_and_a_client_secret() {
    let idp = device_provider(1, 600, &["authorization_pending", "token"]).await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let plugin = OidcDeviceAuthorization::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(format!("{}/token", idp.uri()))
        .device_authorization_endpoint(format!("{}/device", idp.uri()))
        .code_challenge_method(CodeChallengeMethod::Plain)
        .build()
        .unwrap();
    let session = virtual_time_session();
    tokio::time::pause();
    let token = plugin.token(session.transport()).await.unwrap().unwrap();
    assert_eq!(token.expose_secret(), "FED-UNSCOPED-1");
    // No discovery document was needed.
    assert!(received_at(&idp, "/.well-known/openid-configuration").await.is_empty());

    let device = received_at(&idp, "/device").await;
    let fields = form(&device[0]);
    assert_client_id_once(&device[0], Some(CLIENT_SECRET));
    assert_eq!(field(&fields, "code_challenge_method"), Some("plain"));
    let challenge = field(&fields, "code_challenge").unwrap().to_owned();
    let polls = received_at(&idp, "/token").await;
    assert_eq!(polls.len(), 2);
    for poll in &polls {
        assert_client_id_once(poll, Some(CLIENT_SECRET));
        assert_eq!(field(&form(poll), "code_verifier"), Some(challenge.as_str()));
    }
}

#[tokio::test]
async fn device_flow_ends_on_expired_token_access_denied_and_its_own_deadline() {
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = virtual_time_session();
    let t = session.transport();
    let plugin = |idp: &MockServer| {
        OidcDeviceAuthorization::builder(ks.uri(), IDP, PROTOCOL)
            .client_id(CLIENT_ID)
            .discovery_endpoint(discovery_url(idp))
            .build()
            .unwrap()
    };
    tokio::time::pause();

    let idp = device_provider(1, 600, &["authorization_pending", "expired_token"]).await;
    let err = plugin(&idp).token(t).await.unwrap_err();
    assert_eq!(OAuthError::find(&err).map(OAuthError::error), Some("expired_token"));
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(received_at(&idp, "/token").await.len(), 2);
    // No PKCE asked for: none sent.
    let device = received_at(&idp, "/device").await;
    assert_eq!(field(&form(&device[0]), "code_challenge"), None);

    let idp = device_provider(1, 600, &["access_denied"]).await;
    let err = plugin(&idp).token(t).await.unwrap_err();
    assert_eq!(OAuthError::find(&err).map(OAuthError::error), Some("access_denied"));
    assert!(err.to_string().contains("denied"), "{err}");

    // The user never approves: the device code's lifetime ends the polling
    // (polls at 1 s and 2 s; one more wait would reach the expiry).
    let idp = device_provider(1, 3, &["authorization_pending"; 10]).await;
    // (Counted, not timed: two polls, then the error.)
    let err = plugin(&idp).token(t).await.unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    assert!(OAuthError::find(&err).is_none(), "{err:?}");
    assert!(err.to_string().contains("expired after 3 s"), "{err}");
    assert_eq!(received_at(&idp, "/token").await.len(), 2);
    assert!(ks.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------
// Canary secrets
// ---------------------------------------------------------------------------

#[tokio::test]
async fn canary_secrets_never_reach_debug_display_errors_or_logs() {
    let (logs, _guards) = capture_logs();
    let idp = device_provider(1, 600, &["authorization_pending", "token"]).await;
    mount_password_grant(&idp).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(oauth_error(
            400,
            "invalid_grant",
            &format!("code {AUTH_CODE} with verifier {CODE_VERIFIER} was already used"),
        ))
        .mount(&idp)
        .await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = virtual_time_session();
    let t = session.transport();
    let mut shown: Vec<String> = Vec::new();

    let b = OidcPassword::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(format!("{}/token", idp.uri()))
        .username("alice")
        .password(PASSWORD)
        .project_id("p1");
    shown.push(format!("{b:?}"));
    let p = b.build().unwrap();
    let access = p.access_info(t).await.unwrap().unwrap();
    shown.push(format!("{p:?} {access:?}"));

    let b = OidcAuthorizationCode::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(format!("{}/token", idp.uri()))
        .code(AUTH_CODE)
        .code_verifier(CODE_VERIFIER);
    shown.push(format!("{b:?}"));
    let p = b.build().unwrap();
    let err = p.token(t).await.unwrap_err();
    assert_eq!(OAuthError::find(&err).map(OAuthError::error), Some("invalid_grant"));
    shown.push(format!("{p:?} {err} {err:?} {}", chain(&err)));

    let b = OidcDeviceAuthorization::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .discovery_endpoint(discovery_url(&idp))
        .code_challenge_method(CodeChallengeMethod::Plain);
    shown.push(format!("{b:?}"));
    let p = b.build().unwrap();
    tokio::time::pause();
    let access = p.access_info(t).await.unwrap().unwrap();
    shown.push(format!("{p:?} {access:?}"));
    // The default prompt logged the instruction.
    let text = logs.text();
    assert!(text.contains(USER_CODE) && text.contains("To authenticate"), "{text}");
    // The plain verifier actually sent, to look for in the logs.
    let verifier = field(
        &form(&received_at(&idp, "/token").await.pop().unwrap()),
        "code_verifier",
    )
    .unwrap()
    .to_owned();

    let b = OidcAccessToken::builder(ks.uri(), IDP, PROTOCOL).access_token(ACCESS_TOKEN);
    shown.push(format!("{b:?}"));
    let p = b.build().unwrap();
    p.token(t).await.unwrap();
    shown.push(format!("{p:?}"));

    let text = logs.text();
    // Requests were logged (bodies omitted, the bearer hashed).
    assert!(text.contains("OS-FEDERATION") && text.contains("/token"), "{text}");
    assert!(
        text.contains(&keystoneauth::redact::hash_secret(
            format!("Bearer {ACCESS_TOKEN}").as_bytes()
        )),
        "{text}"
    );
    shown.push(text);
    for s in &shown {
        for canary in [
            CLIENT_SECRET,
            PASSWORD,
            ACCESS_TOKEN,
            ID_TOKEN,
            REFRESH_TOKEN,
            AUTH_CODE,
            CODE_VERIFIER,
            DEVICE_CODE,
            verifier.as_str(),
            "SCOPED-1",
            "FED-UNSCOPED-1",
        ] {
            assert!(!s.contains(canary), "{canary} shown in:\n{s}");
        }
    }
}

// ---------------------------------------------------------------------------
// Refresh tokens
// ---------------------------------------------------------------------------

const ROTATED_REFRESH_TOKEN: &str = "ROTATED-REFRESH-CANARY-51c0";

/// Records the device prompts and the notices shown to the user.
#[derive(Clone, Default)]
struct Recorder {
    prompts: Arc<Mutex<Vec<DeviceAuthorizationInfo>>>,
    notices: Arc<Mutex<Vec<String>>>,
}

impl DeviceAuthorizationPrompt for Recorder {
    fn prompt(&self, info: &DeviceAuthorizationInfo) {
        self.prompts.lock().unwrap().push(info.clone());
    }

    fn notice(&self, message: &str) {
        self.notices.lock().unwrap().push(message.to_owned());
    }
}

impl Recorder {
    fn prompts(&self) -> usize {
        self.prompts.lock().unwrap().len()
    }

    fn notices(&self) -> Vec<String> {
        self.notices.lock().unwrap().clone()
    }
}

/// Answers the refresh grant: a new access token and a rotated refresh
/// token, or the `error` given.
async fn mount_refresh(idp: &MockServer, error: Option<(&str, &str)>) {
    let answer = match error {
        Some((code, description)) => oauth_error(400, code, description),
        None => ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN,
            "refresh_token": ROTATED_REFRESH_TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
        })),
    };
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(answer)
        .mount(idp)
        .await;
}

fn device_plugin(ks: &MockServer, idp: &MockServer, prompt: &Recorder) -> OidcDeviceAuthorization {
    OidcDeviceAuthorization::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .discovery_endpoint(discovery_url(idp))
        .prompt(prompt.clone())
        .project_id("p1")
        .build()
        .unwrap()
}

/// The refresh grants the provider received.
async fn refresh_grants(idp: &MockServer) -> Vec<Vec<(String, String)>> {
    received_at(idp, "/token")
        .await
        .iter()
        .map(form)
        .filter(|f| field(f, "grant_type") == Some("refresh_token"))
        .collect()
}

/// Makes the Keystone token of a cache entry expired, as if the next run
/// came hours later.
fn expire_cached_token(file: &std::path::Path) {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    doc["state"]["body"]["token"]["expires_at"] = json!("2001-01-01T00:00:00.000000Z");
    std::fs::write(file, doc.to_string()).unwrap();
}

#[tokio::test]
async fn a_cached_refresh_token_renews_an_expired_token_without_a_second_device_prompt() {
    let (logs, _guards) = capture_logs();
    let idp = device_provider(1, 600, &["token"]).await;
    mount_refresh(&idp, None).await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = virtual_time_session();
    let t = session.transport();
    let cache = TokenCache::new(common::temp_dir("ksa-oidc-refresh").join("cache"));
    tokio::time::pause();

    // First run: the device flow, once; the refresh token is kept.
    let first = Recorder::default();
    let p = device_plugin(&ks, &idp, &first);
    p.access_info(t).await.unwrap().unwrap();
    assert_eq!(first.prompts(), 1);
    assert_eq!(p.refresh_credential().unwrap().expose_secret(), REFRESH_TOKEN);
    assert!(cache.save(&p).unwrap());
    let file = cache.path_for(&p.cache_id().unwrap()).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"refresh_token\"") && text.contains("A256GCM"), "{text}");
    assert!(!text.contains(REFRESH_TOKEN), "the refresh token in plain text: {text}");

    // Next run, once Keystone's token has expired: the cache gives the
    // plugin no token, but its refresh token, which gets a new one.
    expire_cached_token(&file);
    let second = Recorder::default();
    let p = device_plugin(&ks, &idp, &second);
    assert!(!cache.load(&p).unwrap(), "an expired token must not be used");
    assert_eq!(p.refresh_credential().unwrap().expose_secret(), REFRESH_TOKEN);
    let access = p.access_info(t).await.unwrap().unwrap();
    assert_eq!(access.project_id(), Some("p1"));
    assert_eq!(second.prompts(), 0, "the user was asked again");
    assert!(second.notices().is_empty(), "{:?}", second.notices());
    let grants = refresh_grants(&idp).await;
    assert_eq!(grants.len(), 1);
    assert_eq!(field(&grants[0], "refresh_token"), Some(REFRESH_TOKEN));
    assert_eq!(field(&grants[0], "client_id"), Some(CLIENT_ID));
    assert_eq!(received_at(&idp, "/device").await.len(), 1);
    // The rotated refresh token replaces the old one, in the cache too.
    assert_eq!(p.refresh_credential().unwrap().expose_secret(), ROTATED_REFRESH_TOKEN);
    assert!(cache.save(&p).unwrap());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(ROTATED_REFRESH_TOKEN), "{text}");
    let third = device_plugin(&ks, &idp, &Recorder::default());
    assert!(cache.load(&third).unwrap());
    assert_eq!(
        third.refresh_credential().unwrap().expose_secret(),
        ROTATED_REFRESH_TOKEN
    );

    // Never in Debug or the logs.
    let shown = format!("{p:?} {third:?} {cache:?} {}", logs.text());
    for canary in [REFRESH_TOKEN, ROTATED_REFRESH_TOKEN, ACCESS_TOKEN, DEVICE_CODE] {
        assert!(!shown.contains(canary), "{canary} shown in:\n{shown}");
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_falls_back_to_the_device_flow_with_a_clear_notice() {
    let (logs, _guards) = capture_logs();
    let idp = device_provider(1, 600, &["token"]).await;
    let echoed = format!("refresh token {ROTATED_REFRESH_TOKEN} is not active");
    mount_refresh(&idp, Some(("invalid_grant", &echoed))).await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = virtual_time_session();
    tokio::time::pause();

    let shown = Recorder::default();
    let p = device_plugin(&ks, &idp, &shown);
    assert!(p.set_refresh_credential(secrecy::SecretString::from(ROTATED_REFRESH_TOKEN)));
    p.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(refresh_grants(&idp).await.len(), 1);
    let notices = shown.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("refresh token was refused (invalid_grant: refresh token *** is not active)")
            && notices[0].contains("signing in again with the device code grant"),
        "{notices:?}"
    );
    assert_eq!(shown.prompts(), 1, "the device flow must run again");
    // The new authorization's refresh token replaces the refused one.
    assert_eq!(p.refresh_credential().unwrap().expose_secret(), REFRESH_TOKEN);
    let text = format!("{notices:?} {p:?} {}", logs.text());
    assert!(text.contains("refresh token was refused"), "{text}");
    for canary in [REFRESH_TOKEN, ROTATED_REFRESH_TOKEN, ACCESS_TOKEN, DEVICE_CODE] {
        assert!(!text.contains(canary), "{canary} shown in:\n{text}");
    }
}

#[tokio::test]
async fn password_and_authorization_code_grants_keep_and_use_refresh_tokens() {
    let idp = MockServer::start().await;
    mount_discovery(&idp, json!(["authorization_code", "password", "refresh_token"])).await;
    mount_password_grant(&idp).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(Script::new(&["token", "invalid_grant"]))
        .mount(&idp)
        .await;
    mount_refresh(&idp, Some(("invalid_grant", "Token is not active"))).await;
    let ks = federation_keystone(ACCESS_TOKEN).await;
    let session = Session::new().unwrap();
    let t = session.transport();

    // Password grant: a refused refresh token quietly runs the grant again.
    let p = OidcPassword::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .discovery_endpoint(discovery_url(&idp))
        .username("alice")
        .password(PASSWORD)
        .build()
        .unwrap();
    p.token(t).await.unwrap();
    assert_eq!(p.refresh_credential().unwrap().expose_secret(), REFRESH_TOKEN);
    assert!(p.invalidate());
    p.token(t).await.unwrap();
    assert_eq!(refresh_grants(&idp).await.len(), 1);

    // Authorization code: the code is single use, so when the refresh token
    // is refused the error says both.
    let p = OidcAuthorizationCode::builder(ks.uri(), IDP, PROTOCOL)
        .client_id(CLIENT_ID)
        .discovery_endpoint(discovery_url(&idp))
        .code(AUTH_CODE)
        .build()
        .unwrap();
    p.token(t).await.unwrap();
    assert_eq!(p.refresh_credential().unwrap().expose_secret(), REFRESH_TOKEN);
    assert!(p.invalidate());
    let err = p.token(t).await.unwrap_err();
    let text = format!("{} {err:?}", chain(&err));
    assert!(
        text.contains("the saved refresh token was refused (invalid_grant: Token is not active) and the authorization code grant failed too"),
        "{text}"
    );
    assert_eq!(OAuthError::find(&err).map(OAuthError::error), Some("invalid_grant"));
    for canary in [REFRESH_TOKEN, AUTH_CODE, PASSWORD, ACCESS_TOKEN] {
        assert!(!text.contains(canary), "{canary} shown in:\n{text}");
    }
}
