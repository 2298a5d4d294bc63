//! Tokenless auth, the service-token wrapper, auth receipts and the secrets
//! of application credentials, TOTP and receipts, against mock servers
//! (wiremock, and an in-test HTTPS server requiring client certificates).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::logs::capture_logs;
use common::mock::{header_str, received_at, session_with};
use common::mtls::MtlsServer;
use common::pki::Pki;

use std::sync::Arc;

use common::tokens::{project_token, TokenResponder};
use keystoneauth::identity::v3;
use keystoneauth::redact::hash_secret;
use keystoneauth::{token_endpoint, AuthPlugin, ClientIdentity, EndpointFilter, Error, ServiceToken, Session};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

const USER_TOKEN: &str = "USER-TOKEN-CANARY";
const SERVICE_TOKEN: &str = "SERVICE-TOKEN-CANARY";
const APP_CRED_SECRET: &str = "APP-CRED-SECRET-CANARY-5e1d";
const PASSCODE: &str = "PASSCODE-CANARY-401923";
const RECEIPT: &str = "RECEIPT-CANARY-gAAAAAB3c2";
const PASSWORD: &str = "PASSWORD-CANARY-77ab";

fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

// ---------------------------------------------------------------------------
// Tokenless auth: scope headers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn tokenless_sends_the_scope_as_headers_and_no_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"projects": []})))
        .mount(&server)
        .await;
    let auth_url = format!("{}/v3", server.uri());
    let b = || v3::TokenlessAuth::builder(&auth_url);
    let cases: Vec<(v3::TokenlessAuth, Vec<(&str, &str)>)> = vec![
        (b().project_id("p-1").build().unwrap(), vec![("x-project-id", "p-1")]),
        (
            b().project_name("demo").project_domain_name("Default").build().unwrap(),
            vec![("x-project-name", "demo"), ("x-project-domain-name", "Default")],
        ),
        (
            b().project_name("demo").project_domain_id("default").build().unwrap(),
            vec![("x-project-name", "demo"), ("x-project-domain-id", "default")],
        ),
        (b().domain_id("d-1").build().unwrap(), vec![("x-domain-id", "d-1")]),
        (
            b().domain_name("Default").build().unwrap(),
            vec![("x-domain-name", "Default")],
        ),
    ];
    const SCOPE_HEADERS: [&str; 6] = [
        "x-project-id",
        "x-project-name",
        "x-project-domain-id",
        "x-project-domain-name",
        "x-domain-id",
        "x-domain-name",
    ];
    for (i, (plugin, expected)) in cases.into_iter().enumerate() {
        assert!(plugin.connection_params().client_identity.is_none());
        let session = session_with(Arc::new(plugin));
        // The identity endpoint is the auth URL.
        let response = session
            .get("/projects")
            .endpoint_filter(EndpointFilter::new("identity"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let requests = received_at(&server, "/v3/projects").await;
        let request = &requests[i];
        for name in SCOPE_HEADERS {
            let want = expected.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
            assert_eq!(header_str(request, name), want, "case {i}: {name}");
        }
        assert!(request.headers.get("x-auth-token").is_none());
        // Other services have no endpoint, as in keystoneauth1.
        let err = session
            .get("/servers")
            .endpoint_filter(EndpointFilter::new("compute"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_endpoint_not_found(), "{err}");
    }
}

// ---------------------------------------------------------------------------
// Tokenless auth: the client certificate (an HTTPS server requiring one)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn tokenless_presents_its_client_certificate() {
    let pki = Pki::new();
    let server = MtlsServer::start(&pki, |_, _| (200, "{}".to_owned())).await;
    let auth_url = format!("https://127.0.0.1:{}/v3", server.port);
    // The session trusts the CA but has no client certificate of its own.
    let session = Session::builder().ca_file(&pki.ca_pem_path).build().unwrap();

    let identity = ClientIdentity::from_pem(pki.client_combined_pem()).unwrap();
    let plugin = v3::TokenlessAuth::builder(&auth_url)
        .project_name("demo")
        .project_domain_id("default")
        .client_identity(identity)
        .build()
        .unwrap();
    assert!(plugin.connection_params().client_identity.is_some());
    assert!(!format!("{plugin:?}").contains("PRIVATE KEY"));
    let response = session
        .get("/auth/tokens")
        .auth(Arc::new(plugin))
        .endpoint_filter(EndpointFilter::new("identity"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    {
        let seen = server.seen();
        assert_eq!(seen.len(), 1);
        let (cert, head) = (&seen[0].cert, &seen[0].head);
        assert_eq!(cert.as_deref(), Some(pki.client_cert_der.as_ref()));
        assert!(head.starts_with("get /v3/auth/tokens "), "{head}");
        assert!(head.contains("\r\nx-project-name: demo\r\n"), "{head}");
        assert!(head.contains("\r\nx-project-domain-id: default\r\n"), "{head}");
        assert!(!head.contains("x-auth-token"), "{head}");
    }

    // The same session with a plugin that has no certificate is refused:
    // the certificate came from the plugin.
    let without = v3::TokenlessAuth::builder(&auth_url).project_id("p").build().unwrap();
    let result = session
        .get("/auth/tokens")
        .auth(Arc::new(without))
        .endpoint_filter(EndpointFilter::new("identity"))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(server.seen().len(), 1);
}

// ---------------------------------------------------------------------------
// The service-token wrapper
// ---------------------------------------------------------------------------

#[tokio::test]
async fn service_token_sends_both_tokens_with_fixed_plugins() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/volumes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"volumes": []})))
        .mount(&server)
        .await;
    let user = Arc::new(token_endpoint::Token::new(server.uri(), USER_TOKEN).unwrap());
    let service = Arc::new(token_endpoint::Token::new("http://127.0.0.1:1/unused", SERVICE_TOKEN).unwrap());
    let wrapper = ServiceToken::new(user, service);
    let session = session_with(Arc::new(wrapper.clone()));
    // The endpoint is the user plugin's.
    session
        .get("/volumes")
        .endpoint_filter(EndpointFilter::new("volumev3"))
        .send()
        .await
        .unwrap();
    let requests = received_at(&server, "/volumes").await;
    assert_eq!(header_str(&requests[0], "x-auth-token"), Some(USER_TOKEN));
    assert_eq!(header_str(&requests[0], "x-service-token"), Some(SERVICE_TOKEN));
    // The token is the user's.
    let token = wrapper.token(session.transport()).await.unwrap().unwrap();
    assert_eq!(token.expose_secret(), USER_TOKEN);
    let shown = format!("{wrapper:?}");
    assert!(!shown.contains(USER_TOKEN) && !shown.contains(SERVICE_TOKEN), "{shown}");
}

#[tokio::test]
async fn service_token_with_identity_plugins_reauthenticates_both_and_hashes_both_in_logs() {
    let (logs, _guards) = capture_logs();
    let server = MockServer::start().await;
    let auth_url = format!("{}/v3", server.uri());
    for (name, prefix) in [("user", USER_TOKEN), ("service", SERVICE_TOKEN)] {
        Mock::given(method("POST"))
            .and(path("/v3/auth/tokens"))
            .and(body_partial_json(
                json!({"auth": {"identity": {"password": {"user": {"name": name}}}}}),
            ))
            .respond_with(TokenResponder::numbered(
                prefix,
                project_token(name, Some(&format!("{}/compute", server.uri()))),
            ))
            .mount(&server)
            .await;
    }
    // The first compute request is refused, as with an expired token.
    Mock::given(method("GET"))
        .and(path("/compute/servers"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"code": 401, "message": "expired"}})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/compute/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .with_priority(2)
        .mount(&server)
        .await;
    let password = |name: &str| {
        Arc::new(
            v3::Password::builder(&auth_url)
                .username(name)
                .user_domain_id("default")
                .password(PASSWORD)
                .project_id(format!("{name}-project"))
                .build()
                .unwrap(),
        )
    };
    let user = password("user");
    let wrapper = ServiceToken::new(user.clone(), password("service"));
    let session = session_with(Arc::new(wrapper.clone()));

    let response = session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let requests = received_at(&server, "/compute/servers").await;
    assert_eq!(requests.len(), 2);
    let sent = |r: &Request| {
        (
            header_str(r, "x-auth-token").unwrap().to_owned(),
            header_str(r, "x-service-token").unwrap().to_owned(),
        )
    };
    assert_eq!(
        sent(&requests[0]),
        (format!("{USER_TOKEN}-1"), format!("{SERVICE_TOKEN}-1"))
    );
    // Both plugins were invalidated by the 401 and fetched new tokens.
    assert_eq!(
        sent(&requests[1]),
        (format!("{USER_TOKEN}-2"), format!("{SERVICE_TOKEN}-2"))
    );
    assert_eq!(received_at(&server, "/v3/auth/tokens").await.len(), 4);

    // Ids, access info and cache id are the user's.
    let t = session.transport();
    assert_eq!(wrapper.user_id(t).await.unwrap().as_deref(), Some("user-id"));
    assert_eq!(wrapper.project_id(t).await.unwrap().as_deref(), Some("user-project"));
    assert_eq!(wrapper.access_info(t).await.unwrap().unwrap().username(), Some("user"));
    assert_eq!(wrapper.cache_id(), user.cache_id());
    // Invalidation reaches both.
    assert!(wrapper.invalidate());
    assert!(!wrapper.invalidate());

    let text = logs.text();
    for token in [
        format!("{USER_TOKEN}-1"),
        format!("{SERVICE_TOKEN}-1"),
        format!("{USER_TOKEN}-2"),
        format!("{SERVICE_TOKEN}-2"),
    ] {
        assert!(!text.contains(&token), "{token} in the logs:\n{text}");
        assert!(
            text.contains(&hash_secret(token.as_bytes())),
            "{token} is not logged hashed:\n{text}"
        );
    }
    assert!(text.contains("x-service-token: {SHA256}"), "{text}");
    assert!(!text.contains(PASSWORD));
}

// ---------------------------------------------------------------------------
// Auth receipts
// ---------------------------------------------------------------------------

fn receipt_body(methods: &[&str], required: Value) -> Value {
    json!({
        "receipt": {
            "methods": methods,
            "user": {"id": "mfa-id", "name": "mfa", "domain": {"id": "default", "name": "Default"}},
            "expires_at": "2099-01-01T00:05:00.000000Z",
            "issued_at": "2099-01-01T00:00:00.000000Z",
        },
        "required_auth_methods": required,
    })
}

fn needs_totp() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header("openstack-auth-receipt", RECEIPT)
        .insert_header("x-openstack-request-id", "req-receipt")
        .set_body_json(receipt_body(&["password"], json!([["password", "totp"]])))
}

#[tokio::test]
async fn a_receipt_is_a_typed_error_and_continues_with_the_missing_method() {
    let server = MockServer::start().await;
    let auth_url = format!("{}/v3", server.uri());
    // With the receipt: a token.
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(header("openstack-auth-receipt", RECEIPT))
        .respond_with(TokenResponder::numbered(
            "MFA-TOKEN",
            project_token("mfa", Some(&format!("{}/compute", server.uri()))).methods(["password", "totp"]),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(needs_totp())
        .with_priority(2)
        .mount(&server)
        .await;

    let first = v3::MultiFactor::builder(&auth_url)
        .auth_methods(["v3password"])
        .username("mfa")
        .user_domain_id("default")
        .password(PASSWORD)
        .project_id("p")
        .build()
        .unwrap();
    let session = Session::new().unwrap();
    let err = first.access_info(session.transport()).await.unwrap_err();
    assert!(matches!(err, Error::MissingAuthMethods { .. }), "{err:?}");
    assert!(!err.is_unauthorized(), "a distinct error, as in keystoneauth1");
    let missing = err.missing_auth_methods().unwrap();
    assert_eq!(missing.receipt().expose_secret(), RECEIPT);
    assert_eq!(missing.methods(), ["password"]);
    assert_eq!(
        missing.required_auth_methods(),
        [vec!["password".to_owned(), "totp".to_owned()]]
    );
    assert_eq!(missing.missing_methods(), [vec!["totp".to_owned()]]);
    assert_eq!(missing.expires_at().to_rfc3339(), "2099-01-01T00:05:00+00:00");
    assert_eq!(missing.user().unwrap().name(), Some("mfa"));
    assert_eq!(missing.request_id(), Some("req-receipt"));
    assert!(missing.url().ends_with("/v3/auth/tokens"));
    let shown = err.to_string();
    assert!(
        shown.contains("[password, totp]") && shown.contains("satisfied [password]"),
        "{shown}"
    );

    let second = v3::MultiFactor::builder(&auth_url)
        .method(v3::IdentityMethod::totp(
            v3::User::name_in_domain_id("mfa", "default"),
            PASSCODE,
        ))
        .receipt(missing.receipt().clone())
        .project_id("p")
        .build()
        .unwrap();
    let access = second.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), "MFA-TOKEN-1");
    assert_eq!(access.methods(), ["password", "totp"]);

    let requests = received_at(&server, "/v3/auth/tokens").await;
    assert_eq!(requests.len(), 2);
    assert!(requests[0].headers.get("openstack-auth-receipt").is_none());
    assert_eq!(header_str(&requests[1], "openstack-auth-receipt"), Some(RECEIPT));
    assert_eq!(
        json_body(&requests[1])["auth"]["identity"],
        json!({"methods": ["totp"], "totp": {"user": {"name": "mfa", "domain": {"id": "default"}, "passcode": PASSCODE}}})
    );
}

#[tokio::test]
async fn malformed_receipts_are_clear_errors_not_panics() {
    let server = MockServer::start().await;
    let with_receipt = |body: &str, content_type: &str| {
        ResponseTemplate::new(401)
            .insert_header("openstack-auth-receipt", RECEIPT)
            .set_body_raw(body.as_bytes().to_vec(), content_type)
    };
    let cases: Vec<(&str, ResponseTemplate, &str)> = vec![
        ("empty", with_receipt("", "application/json"), "not JSON"),
        ("html", with_receipt("<h1>Unauthorized</h1>", "text/html"), "not JSON"),
        (
            "truncated",
            with_receipt(r#"{"receipt": {"methods": ["pass"#, "application/json"),
            "not JSON",
        ),
        ("array", with_receipt("[1, 2]", "application/json"), "no receipt object"),
        (
            "no-methods",
            with_receipt(
                r#"{"receipt": {"expires_at": "2099-01-01T00:00:00Z"}, "required_auth_methods": [["totp"]]}"#,
                "application/json",
            ),
            "receipt.methods",
        ),
        (
            "bad-expiry",
            with_receipt(
                r#"{"receipt": {"methods": ["password"], "expires_at": 12}, "required_auth_methods": [["totp"]]}"#,
                "application/json",
            ),
            "receipt.expires_at is missing",
        ),
        (
            "not-a-date",
            with_receipt(
                r#"{"receipt": {"methods": ["password"], "expires_at": "tomorrow"}, "required_auth_methods": [["totp"]]}"#,
                "application/json",
            ),
            "receipt.expires_at is not a timestamp",
        ),
        (
            "flat-required",
            with_receipt(
                r#"{"receipt": {"methods": ["password"], "expires_at": "2099-01-01T00:00:00Z"}, "required_auth_methods": ["totp"]}"#,
                "application/json",
            ),
            "required_auth_methods",
        ),
        (
            "empty-header",
            ResponseTemplate::new(401)
                .insert_header("openstack-auth-receipt", "")
                .set_body_json(receipt_body(&["password"], json!([["password", "totp"]]))),
            "header is empty",
        ),
    ];
    for (name, response, _) in &cases {
        Mock::given(method("POST"))
            .and(path(format!("/{name}/v3/auth/tokens")))
            .respond_with(response.clone())
            .mount(&server)
            .await;
    }
    let session = Session::new().unwrap();
    for (name, _, expected) in &cases {
        let plugin = v3::Password::builder(format!("{}/{name}/v3", server.uri()))
            .user_id("u")
            .password(PASSWORD)
            .build()
            .unwrap();
        let err = plugin.access_info(session.transport()).await.unwrap_err();
        let shown = format!("{err} / {err:?}");
        assert!(matches!(err, Error::InvalidResponse { .. }), "{name}: {shown}");
        assert!(shown.contains("Openstack-Auth-Receipt"), "{name}: {shown}");
        assert!(shown.contains(expected), "{name}: {shown}");
        assert!(!shown.contains(RECEIPT) && !shown.contains(PASSWORD), "{name}: {shown}");
    }
    // A 401 without the header stays an ordinary 401.
    Mock::given(method("POST"))
        .and(path("/plain/v3/auth/tokens"))
        .respond_with(ResponseTemplate::new(401).set_body_json(receipt_body(&["password"], json!([["totp"]]))))
        .mount(&server)
        .await;
    let plugin = v3::Password::builder(format!("{}/plain/v3", server.uri()))
        .user_id("u")
        .password(PASSWORD)
        .build()
        .unwrap();
    let err = plugin.access_info(session.transport()).await.unwrap_err();
    assert!(err.is_unauthorized() && err.missing_auth_methods().is_none(), "{err:?}");
}

// ---------------------------------------------------------------------------
// Canary secrets: application-credential secret, passcode, receipt
// ---------------------------------------------------------------------------

#[tokio::test]
async fn canary_secrets_never_reach_debug_display_or_logs() {
    let (logs, _guards) = capture_logs();
    let server = MockServer::start().await;
    let auth_url = format!("{}/v3", server.uri());
    // Application credential: a token.
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(
            json!({"auth": {"identity": {"application_credential": {"secret": APP_CRED_SECRET}}}}),
        ))
        .respond_with(TokenResponder::numbered(
            "AC-TOKEN",
            project_token("demo", Some(&format!("{}/compute", server.uri()))).methods(["application_credential"]),
        ))
        .mount(&server)
        .await;
    // TOTP with the receipt: Keystone refuses the receipt and echoes it.
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(header_exists("openstack-auth-receipt"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "code": 401, "title": "Unauthorized",
            "message": format!("Could not find auth receipt: {RECEIPT}."),
        }})))
        .with_priority(1)
        .mount(&server)
        .await;
    // TOTP without the receipt: a receipt.
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .and(body_partial_json(json!({"auth": {"identity": {"methods": ["totp"]}}})))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("openstack-auth-receipt", RECEIPT)
                .set_body_json(receipt_body(&["totp"], json!([["password", "totp"]]))),
        )
        .with_priority(2)
        .mount(&server)
        .await;

    let mut shown: Vec<String> = Vec::new();
    let session = Session::new().unwrap();
    let t = session.transport();

    let ac_builder = v3::ApplicationCredential::builder(&auth_url)
        .application_credential_id("ac-1")
        .application_credential_secret(APP_CRED_SECRET);
    shown.push(format!("{ac_builder:?}"));
    let ac = ac_builder.build().unwrap();
    shown.push(format!("{ac:?}"));
    let access = ac.access_info(t).await.unwrap().unwrap();
    shown.push(format!("{access:?}"));
    // The secret did reach Keystone (the mock matched on it).
    assert_eq!(access.token().expose_secret(), "AC-TOKEN-1");

    let totp_builder = v3::Totp::builder(&auth_url).user_id("mfa-id").passcode(PASSCODE);
    shown.push(format!("{totp_builder:?}"));
    let totp = totp_builder.build().unwrap();
    shown.push(format!("{totp:?}"));
    let err = totp.access_info(t).await.unwrap_err();
    let missing = err.missing_auth_methods().expect("a receipt");
    shown.push(format!("{err} {err:?} {missing} {missing:?}"));

    let mf_builder = v3::MultiFactor::builder(&auth_url)
        .auth_methods(["password", "totp", "application_credential"])
        .user_id("mfa-id")
        .password(PASSWORD)
        .passcode(PASSCODE)
        .application_credential_id("ac-1")
        .application_credential_secret(APP_CRED_SECRET)
        .receipt(missing.receipt().clone());
    shown.push(format!("{mf_builder:?}"));
    let mf = mf_builder.build().unwrap();
    shown.push(format!("{mf:?}"));
    let err = mf.access_info(t).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    shown.push(format!("{err} {err:?}"));
    shown.push(String::from_utf8_lossy(err.http().unwrap().body()).into_owned());
    shown.push(format!("{:?}", v3::IdentityMethod::totp(v3::User::id("u"), PASSCODE)));
    shown.push(format!(
        "{:?}",
        v3::IdentityMethod::application_credential_id("ac-1", SecretString::from(APP_CRED_SECRET))
    ));

    // The request carrying the receipt was sent, with it hashed in the log.
    let text = logs.text();
    assert!(text.contains(&hash_secret(RECEIPT.as_bytes())), "{text}");
    shown.push(text);
    for s in &shown {
        for canary in [APP_CRED_SECRET, PASSCODE, RECEIPT, PASSWORD] {
            assert!(!s.contains(canary), "{canary} shown in:\n{s}");
        }
    }
}
