//! `v3samlpassword` (SAML2 ECP) and `v3adfspassword` (ADFS) end to end
//! against wiremock stand-ins speaking the wire format of keystoneauth1's
//! own test messages: a service provider (Keystone behind mod_shib) and
//! the identity providers (`tests/common/saml2.rs`). What each server
//! received is checked: the bytes forwarded, and which credentials and
//! cookies went where.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::logs::capture_logs;
use common::mock::{header_str, received, received_at};
use common::saml2::*;
use common::shown::Shown;
use keystoneauth::identity::v3::{AdfsPassword, Saml2Password, SoapFault};
use keystoneauth::{AuthPlugin, Error, Session};
use wiremock::{MockServer, Request};

/// The ECP plugin for the stand-ins, scoped to project `p1` unless `unscoped`.
fn ecp_plugin(sp: &MockServer, idp: &MockServer, password: &str) -> Saml2Password {
    Saml2Password::builder(format!("{}/v3", sp.uri()), IDP, PROTOCOL)
        .identity_provider_url(format!("{}{ECP_IDP_PATH}", idp.uri()))
        .username(USERNAME)
        .password(password.to_owned())
        .project_id("p1")
        .build()
        .unwrap()
}

fn adfs_plugin(sp: &MockServer, idp: &MockServer, password: &str) -> AdfsPassword {
    AdfsPassword::builder(format!("{}/v3", sp.uri()), IDP, PROTOCOL)
        .identity_provider_url(format!("{}{ADFS_IDP_PATH}", idp.uri()))
        .service_provider_endpoint(format!("{}{ADFS_SP_PATH}", sp.uri()))
        .service_provider_entity_id(SP_ENTITY_ID)
        .username(USERNAME)
        .password(password.to_owned())
        .project_id("p1")
        .build()
        .unwrap()
}

async fn token(plugin: &dyn AuthPlugin) -> keystoneauth::Result<String> {
    let session = Session::new().unwrap();
    let t = plugin.token(session.transport()).await?.unwrap();
    Ok(secrecy::ExposeSecret::expose_secret(&t).to_owned())
}

/// The element `open..close` of `text`, both tags included.
fn element<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap();
    let end = text[start..].find(close).unwrap() + start + close.len();
    &text[start..end]
}

/// `METHOD path` of each request, in order.
fn methods_and_paths(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// No request to `server` carried the identity provider's password or
/// cookie, and none carried an `Authorization` header.
fn assert_no_idp_credentials(requests: &[Request]) {
    for r in requests {
        let shown = format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body));
        assert!(header_str(r, "authorization").is_none(), "{} {}", r.method, r.url);
        for s in [PASSWORD, IDP_COOKIE, &basic()] {
            assert!(!shown.contains(s), "{} {} carried {s}", r.method, r.url);
        }
    }
}

/// No request to the identity provider carried a cookie.
fn assert_no_cookies(requests: &[Request]) {
    for r in requests {
        assert!(
            header_str(r, "cookie").is_none(),
            "{} {} carried a cookie",
            r.method,
            r.url
        );
    }
}

#[tokio::test]
async fn ecp_login_forwards_the_messages_byte_for_byte_and_rescopes() {
    let (logs, _guard) = capture_logs();
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
    let consumer = format!("{}{CONSUMER_PATH}", sp.uri());
    let idp = ecp_identity_provider(ecp_response(&consumer)).await;
    mount_consumer(&sp, FEDERATION_PATH).await;

    let plugin = ecp_plugin(&sp, &idp, PASSWORD);
    assert_eq!(token(&plugin).await.unwrap(), "SCOPED-1");

    // The SP: the PAOS GET, the consumer POST, the GET with the cookie, the re-scope.
    let sp_requests = received(&sp).await;
    assert_eq!(
        methods_and_paths(&sp_requests),
        [
            format!("GET {FEDERATION_PATH}"),
            format!("POST {CONSUMER_PATH}"),
            format!("GET {FEDERATION_PATH}"),
            "POST /v3/auth/tokens".to_owned(),
        ]
    );
    let first = &sp_requests[0];
    assert_eq!(header_str(first, "accept"), Some("text/html, application/vnd.paos+xml"));
    assert!(header_str(first, "cookie").is_none());
    assert_no_idp_credentials(&sp_requests);

    // The IdP got the SP's envelope without its header, byte for byte, with Basic.
    let idp_requests = received_at(&idp, ECP_IDP_PATH).await;
    assert_eq!(idp_requests.len(), 1);
    let to_idp = &idp_requests[0];
    assert_eq!(header_str(to_idp, "authorization"), Some(basic().as_str()));
    assert_eq!(header_str(to_idp, "content-type"), Some("text/xml"));
    let paos = paos_request(&consumer, true);
    let header = element(&paos, "<S:Header>", "</S:Header>");
    assert_eq!(String::from_utf8_lossy(&to_idp.body), paos.replacen(header, "", 1));
    assert_no_cookies(&idp_requests);

    // The consumer got the IdP's response, its ecp:Response replaced by the
    // SP's relay state (standing alone), everything else byte for byte.
    let to_consumer = String::from_utf8(sp_requests[1].body.clone()).unwrap();
    let idp_text = ecp_response(&consumer);
    let ecp = element(&idp_text, "<ecp:Response", "/>");
    let relay = element(&paos, "<ecp:RelayState", "</ecp:RelayState>");
    let standalone = relay.replacen(
        "<ecp:RelayState",
        "<ecp:RelayState xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"",
        1,
    );
    assert_eq!(to_consumer, idp_text.replacen(ecp, &standalone, 1));
    assert!(to_consumer.contains(element(&idp_text, "<soap11:Body>", "</soap11:Body>")));
    assert!(header_str(&sp_requests[1], "cookie").is_none());

    // The session cookie went back to the federated auth URL only.
    let cookie = header_str(&sp_requests[2], "cookie").unwrap();
    assert!(cookie.contains(SP_COOKIE) && !cookie.contains(IDP_COOKIE), "{cookie}");
    assert!(header_str(&sp_requests[3], "cookie").is_none());

    common::assert_debug_free_of("the plugin", &plugin, SECRETS);
    common::assert_free_of("the logs", &logs.text(), SECRETS);
}

#[tokio::test]
async fn ecp_without_relay_state_sends_the_idp_response_unchanged() {
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), false)).await;
    let consumer = format!("{}{CONSUMER_PATH}", sp.uri());
    let idp = ecp_identity_provider(ecp_response(&consumer)).await;
    // A Location without a host, resolved against the consumer URL.
    mount_consumer(&sp, FEDERATION_PATH).await;
    assert_eq!(token(&ecp_plugin(&sp, &idp, PASSWORD)).await.unwrap(), "SCOPED-1");
    let to_consumer = received_at(&sp, CONSUMER_PATH).await;
    assert_eq!(String::from_utf8_lossy(&to_consumer[0].body), ecp_response(&consumer));
}

#[tokio::test]
async fn ecp_refuses_differing_consumer_urls_and_sends_nothing_to_the_sp() {
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
    let elsewhere = MockServer::start().await;
    let idp_consumer = format!("{}{CONSUMER_PATH}", elsewhere.uri());
    let idp = ecp_identity_provider(ecp_response(&idp_consumer)).await;
    mount_consumer(&sp, FEDERATION_PATH).await;

    let err = token(&ecp_plugin(&sp, &idp, PASSWORD)).await.unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("{}{CONSUMER_PATH}", sp.uri())), "{text}");
    assert!(text.contains(&idp_consumer), "{text}");
    // Only the first GET reached the SP; nothing reached the other consumer.
    assert_eq!(received(&sp).await.len(), 1);
    assert!(received(&elsewhere).await.is_empty());
}

#[tokio::test]
async fn ecp_refuses_a_redirect_to_another_origin() {
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
    let consumer = format!("{}{CONSUMER_PATH}", sp.uri());
    let idp = ecp_identity_provider(ecp_response(&consumer)).await;
    let evil = MockServer::start().await;
    mount_consumer(&sp, &format!("{}{FEDERATION_PATH}", evil.uri())).await;
    let err = token(&ecp_plugin(&sp, &idp, PASSWORD)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("not to the origin of the federated auth URL"),
        "{err}"
    );
    assert!(received(&evil).await.is_empty());
}

#[tokio::test]
async fn ecp_malformed_messages_are_typed_errors_naming_what_is_missing() {
    // The SP's answer is not XML: the IdP is never asked.
    let sp = service_provider(|_| "NON XML RESPONSE".to_owned()).await;
    let idp = ecp_identity_provider(String::new()).await;
    let err = token(&ecp_plugin(&sp, &idp, PASSWORD)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("not well-formed XML"), "{err}");
    assert!(received(&idp).await.is_empty());

    // The IdP's answer has no ecp:Response: nothing goes to the consumer.
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
    let consumer = format!("{}{CONSUMER_PATH}", sp.uri());
    let response = ecp_response(&consumer);
    let without = response.replacen(element(&response, "<ecp:Response", "/>"), "", 1);
    let idp = ecp_identity_provider(without).await;
    mount_consumer(&sp, FEDERATION_PATH).await;
    let err = token(&ecp_plugin(&sp, &idp, PASSWORD)).await.unwrap_err();
    assert!(err.to_string().contains("ecp:Response"), "{err}");
    assert!(!err.to_string().contains(ECP_ASSERTION), "{err}");
    assert!(received_at(&sp, CONSUMER_PATH).await.is_empty());
}

#[tokio::test]
async fn ecp_wrong_password_and_faults_never_show_the_secrets() {
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
    let consumer = format!("{}{CONSUMER_PATH}", sp.uri());
    let idp = ecp_identity_provider(ecp_response(&consumer)).await;
    let wrong = "WRONG-PASSWORD-CANARY-<&>";
    let mut shown = Shown::default();
    let plugin = ecp_plugin(&sp, &idp, wrong);
    let err = shown.must_fail("wrong password", token(&plugin).await);
    assert!(err.is_unauthorized(), "{err:?}");
    shown.debug("plugin", &plugin);

    // A SOAP 1.1 fault that echoes the password: typed, and masked.
    let idp = MockServer::start().await;
    let echoed = "WRONG-PASSWORD-CANARY-41";
    let fault = format!(
        "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body><S:Fault>\
         <faultcode>S:Client</faultcode><faultstring>bad password {echoed}</faultstring></S:Fault></S:Body></S:Envelope>"
    );
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(500).set_body_string(fault))
        .mount(&idp)
        .await;
    let err = shown.must_fail("fault", token(&ecp_plugin(&sp, &idp, echoed)).await);
    let fault = SoapFault::find(&err).unwrap_or_else(|| panic!("no SoapFault in {err:?}"));
    assert_eq!(fault.code(), "S:Client");
    assert!(fault.reason().unwrap().starts_with("bad password"), "{fault:?}");
    assert!(received_at(&sp, CONSUMER_PATH).await.is_empty());
    shown.assert_clean(&[wrong, echoed, PASSWORD]);
}

#[tokio::test]
async fn adfs_login_sends_an_escaped_token_request_and_the_assertion_byte_for_byte() {
    let (logs, _guard) = capture_logs();
    let sp = service_provider(|_| String::new()).await;
    mount_adfs_endpoint(&sp).await;
    let idp = adfs_identity_provider().await;
    let plugin = adfs_plugin(&sp, &idp, PASSWORD);
    assert_eq!(token(&plugin).await.unwrap(), "SCOPED-1");

    // The WS-Trust request: SOAP 1.2, the escaped credentials, AppliesTo.
    let to_idp = received_at(&idp, ADFS_IDP_PATH).await;
    assert_eq!(to_idp.len(), 1);
    assert_eq!(
        header_str(&to_idp[0], "content-type"),
        Some("application/soap+xml; charset=utf-8")
    );
    let rst = String::from_utf8(to_idp[0].body.clone()).unwrap();
    let doc = roxmltree::Document::parse(&rst).unwrap();
    let text_of = |local: &str| -> Vec<&str> {
        doc.descendants()
            .filter(|n| n.tag_name().name() == local)
            .filter_map(|n| n.text())
            .collect()
    };
    assert_eq!(text_of("Username"), [USERNAME]);
    assert_eq!(text_of("Password"), [PASSWORD]);
    assert_eq!(text_of("To"), [format!("{}{ADFS_IDP_PATH}", idp.uri()).as_str()]);
    assert!(text_of("Address").contains(&SP_ENTITY_ID), "{rst}");
    assert_eq!(text_of("Created").len(), 1);
    assert_no_cookies(&to_idp);

    // The sign-in: wa, wresult (the response standing alone, in WS-Trust
    // 2005's namespace, the assertion byte for byte), wctx.
    let sp_requests = received(&sp).await;
    assert_eq!(
        methods_and_paths(&sp_requests),
        [
            format!("POST {ADFS_SP_PATH}"),
            format!("GET {FEDERATION_PATH}"),
            "POST /v3/auth/tokens".to_owned(),
        ]
    );
    let form: Vec<(String, String)> = keystoneauth::url::form_urlencoded::parse(&sp_requests[0].body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let keys: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["wa", "wresult", "wctx"]);
    assert_eq!(form[0].1, "wsignin1.0");
    assert_eq!(form[2].1, "");
    let wresult = &form[1].1;
    let assertion = element(ADFS_RESPONSE, "<saml:Assertion", "</saml:Assertion>");
    assert!(
        wresult.contains(assertion),
        "the assertion was not forwarded byte for byte"
    );
    assert!(
        wresult.starts_with("<trust:RequestSecurityTokenResponse xmlns:"),
        "{wresult}"
    );
    assert!(wresult.contains("xmlns:trust=\"http://schemas.xmlsoap.org/ws/2005/02/trust\""));
    assert!(!wresult.contains("http://docs.oasis-open.org/ws-sx/ws-trust/200512"));
    roxmltree::Document::parse(wresult).expect("wresult stands alone");
    assert!(header_str(&sp_requests[0], "cookie").is_none());
    assert!(header_str(&sp_requests[1], "cookie").unwrap().contains(SP_COOKIE));
    assert_no_idp_credentials(&sp_requests);

    common::assert_debug_free_of("the plugin", &plugin, SECRETS);
    common::assert_free_of("the logs", &logs.text(), SECRETS);
}

#[tokio::test]
async fn adfs_fault_is_a_typed_authorization_error_and_the_sp_is_not_asked() {
    let sp = service_provider(|_| String::new()).await;
    mount_adfs_endpoint(&sp).await;
    let idp = adfs_identity_provider().await;
    let err = token(&adfs_plugin(&sp, &idp, "wrong")).await.unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    let fault = SoapFault::find(&err).unwrap();
    assert_eq!(fault.subcode(), Some("a:FailedAuthentication"));
    assert_eq!(fault.code(), "s:Sender");
    assert_eq!(
        fault.reason(),
        Some("At least one security token in the message could not be validated.")
    );
    assert!(err.to_string().contains("a:FailedAuthentication"), "{err}");
    assert!(received(&sp).await.is_empty());
}

#[tokio::test]
async fn adfs_without_a_session_cookie_does_not_ask_keystone() {
    let sp = service_provider(|_| String::new()).await;
    // The endpoint answers without a cookie.
    wiremock::Mock::given(wiremock::matchers::path(ADFS_SP_PATH))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&sp)
        .await;
    let idp = adfs_identity_provider().await;
    let err = token(&adfs_plugin(&sp, &idp, PASSWORD)).await.unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    assert!(err.to_string().contains("no session cookie"), "{err}");
    assert!(received_at(&sp, FEDERATION_PATH).await.is_empty());
}

#[test]
fn builders_validate_like_keystoneauth1() {
    let missing = |r: keystoneauth::Result<Saml2Password>| r.unwrap_err().to_string();
    let base = || Saml2Password::builder("http://ks/v3", IDP, PROTOCOL);
    let err = missing(base().username("u").password("p").build());
    assert!(
        err.contains("identity-provider-url") && err.contains("v3samlpassword"),
        "{err}"
    );
    let err = missing(base().identity_provider_url("http://idp").password("p").build());
    assert!(err.contains("username"), "{err}");
    let err = missing(base().identity_provider_url("http://idp").username("u").build());
    assert!(err.contains("password"), "{err}");
    let err = missing(base().identity_provider_url("idp").username("u").password("p").build());
    assert!(err.contains("identity-provider-url"), "{err}");
    let err = missing(
        base()
            .identity_provider_url("http://idp")
            .username("u")
            .password("p\u{1}CANARY")
            .build(),
    );
    assert!(err.contains("password") && !err.contains("CANARY"), "{err}");
    let err = AdfsPassword::builder("http://ks/v3", IDP, PROTOCOL)
        .identity_provider_url("http://idp")
        .username("u")
        .password("p")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("service-provider-endpoint"), "{err}");
    let p = base()
        .identity_provider_url("http://idp/ecp")
        .username("u")
        .password("p")
        .build()
        .unwrap();
    assert_eq!(p.identity_provider(), IDP);
    assert_eq!(p.protocol(), PROTOCOL);
    assert_eq!(p.identity_provider_url().as_str(), "http://idp/ecp");
    // Another password is another token in a cache.
    let other = base()
        .identity_provider_url("http://idp/ecp")
        .username("u")
        .password("q")
        .build()
        .unwrap();
    assert_ne!(p.cache_id(), other.cache_id());
}
