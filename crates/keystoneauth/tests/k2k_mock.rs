//! The Keystone-to-Keystone plugin against mocks speaking the real wire
//! format (keystoneauth1's `K2KAuthPluginTest` and more): the flow, the
//! re-scope at the remote Keystone, its errors, caching, and that neither
//! the local token nor the SP's cookie goes where it does not belong.
//! `k2k_keystone.rs` runs the same against a real Keystone IdP and SP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::k2k::{
    json_body, K2kMock, ECP_CONSUMER_PATH, ECP_PATH, ENVELOPE, FEDERATION_PATH, LOCAL_TOKEN, PASSWORD, REMOTE_PROJECT,
    SP_COOKIE, SP_COOKIE_NAME, SP_ID,
};
use common::mock::{header_str, received_with, session_with};
use common::{assert_debug_free_of, assert_free_of, chain, compute};

use std::sync::Arc;

use keystoneauth::identity::v3::Keystone2Keystone;

/// The ECP envelope's media type.
const PAOS_MEDIA_TYPE: &str = "application/vnd.paos+xml";
/// The largest SAML message the library reads.
const MAX_ECP_BODY: usize = 1024 * 1024;
use keystoneauth::{AuthPlugin, Error, Session};
use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

fn k2k(mock: &K2kMock) -> keystoneauth::identity::v3::Keystone2KeystoneBuilder {
    Keystone2Keystone::builder(Arc::new(mock.local_plugin()), SP_ID)
}

async fn token(plugin: &dyn AuthPlugin) -> keystoneauth::Result<String> {
    let session = Session::new().unwrap();
    Ok(plugin
        .token(session.transport())
        .await?
        .unwrap()
        .expose_secret()
        .to_owned())
}

#[tokio::test]
async fn unscoped_token_through_302_and_303() {
    for redirect in [302, 303] {
        let mock = K2kMock::start(redirect).await;
        let plugin = k2k(&mock).build().unwrap();
        assert_eq!(token(&plugin).await.unwrap(), "SP-UNSCOPED-1", "{redirect}");

        // The ECP request: the local token in the token method, scoped to the SP.
        let ecp = received_with(&mock.idp, "POST", ECP_PATH).await;
        assert_eq!(ecp.len(), 1);
        assert_eq!(
            json_body(&ecp[0]),
            json!({"auth": {"identity": {"methods": ["token"], "token": {"id": LOCAL_TOKEN}},
                            "scope": {"service_provider": {"id": SP_ID}}}})
        );
        assert!(header_str(&ecp[0], "x-auth-token").is_none(), "sent unauthenticated");
        // The envelope as received, as PAOS, to the SP's consumer.
        let presented = received_with(&mock.sp, "POST", ECP_CONSUMER_PATH).await;
        assert_eq!(presented.len(), 1);
        assert_eq!(header_str(&presented[0], "content-type"), Some(PAOS_MEDIA_TYPE));
        assert_eq!(presented[0].body, ENVELOPE.as_bytes());
        // The federated auth URL, once, with the SP's cookie.
        let federated = received_with(&mock.sp, "GET", FEDERATION_PATH).await;
        assert_eq!(federated.len(), 1, "the redirect is not followed as well");
        assert_eq!(
            header_str(&federated[0], "cookie"),
            Some(format!("{SP_COOKIE_NAME}={SP_COOKIE}").as_str())
        );
        assert_eq!(
            K2kMock::count(&mock.sp, "POST", "/v3/auth/tokens").await,
            0,
            "no scope, no re-scope"
        );
        mock.assert_no_leak().await;
    }
}

#[tokio::test]
async fn rescoped_at_the_remote_keystone_whose_catalog_serves_endpoints() {
    let mock = K2kMock::start(302).await;
    let plugin = Arc::new(
        k2k(&mock)
            .project_name(REMOTE_PROJECT)
            .project_domain_id("default")
            .build()
            .unwrap(),
    );
    let session = session_with(plugin.clone());
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.token().expose_secret(), "SP-SCOPED-1");
    assert_eq!(access.project_name(), Some(REMOTE_PROJECT));
    let rescope = received_with(&mock.sp, "POST", "/v3/auth/tokens").await;
    assert_eq!(rescope.len(), 1);
    assert_eq!(
        json_body(&rescope[0])["auth"],
        json!({"identity": {"methods": ["token"], "token": {"id": "SP-UNSCOPED-1"}},
               "scope": {"project": {"name": REMOTE_PROJECT, "domain": {"id": "default"}}}})
    );
    // Endpoints come from the SP token's catalog, and requests carry the SP token.
    Mock::given(method("GET"))
        .and(path("/compute/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&mock.sp)
        .await;
    let response = session.get("servers").endpoint_filter(compute()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let servers = received_with(&mock.sp, "GET", "/compute/servers").await;
    assert_eq!(header_str(&servers[0], "x-auth-token"), Some("SP-SCOPED-1"));
    mock.assert_no_leak().await;
}

#[tokio::test]
async fn the_token_is_cached_and_renewed_without_a_new_local_login() {
    let mock = K2kMock::start(302).await;
    let plugin = k2k(&mock).project_id("k2k-project-id").build().unwrap();
    assert_eq!(token(&plugin).await.unwrap(), "SP-SCOPED-1");
    assert_eq!(token(&plugin).await.unwrap(), "SP-SCOPED-1", "cached");
    assert!(plugin.invalidate());
    assert_eq!(token(&plugin).await.unwrap(), "SP-SCOPED-2");
    assert_eq!(
        K2kMock::count(&mock.idp, "POST", "/v3/auth/tokens").await,
        1,
        "the local token is reused"
    );
    assert_eq!(K2kMock::count(&mock.idp, "POST", ECP_PATH).await, 2);
    assert_eq!(K2kMock::count(&mock.sp, "GET", FEDERATION_PATH).await, 2);
    // The SP token's state round-trips; the restored plugin makes no request.
    let state = plugin.auth_state().unwrap();
    let other = k2k(&mock).project_id("k2k-project-id").build().unwrap();
    assert_eq!(other.cache_id(), plugin.cache_id());
    assert!(other.set_auth_state(state.expose_secret()).unwrap());
    assert_eq!(token(&other).await.unwrap(), "SP-SCOPED-2");
    assert_eq!(K2kMock::count(&mock.sp, "GET", FEDERATION_PATH).await, 2);
}

#[tokio::test]
async fn cache_ids_follow_the_local_identity_the_provider_and_the_scope() {
    let mock = K2kMock::start(302).await;
    let base = k2k(&mock).build().unwrap().cache_id().unwrap();
    assert_eq!(k2k(&mock).build().unwrap().cache_id().unwrap(), base);
    let others = [
        Keystone2Keystone::builder(Arc::new(mock.local_plugin()), "other-sp")
            .build()
            .unwrap(),
        k2k(&mock).project_id("p").build().unwrap(),
        k2k(&mock).domain_id("d").build().unwrap(),
        Keystone2Keystone::builder(
            Arc::new(
                keystoneauth::identity::v3::Password::builder(mock.idp_auth_url())
                    .user_id("bob")
                    .password(PASSWORD)
                    .build()
                    .unwrap(),
            ),
            SP_ID,
        )
        .build()
        .unwrap(),
    ];
    for other in others {
        assert_ne!(other.cache_id().unwrap(), base, "{other:?}");
    }
}

#[tokio::test]
async fn an_unknown_service_provider_is_a_typed_error_naming_it() {
    let mock = K2kMock::start(302).await;
    let plugin = Keystone2Keystone::builder(Arc::new(mock.local_plugin()), "nosuch-sp")
        .build()
        .unwrap();
    let err = token(&plugin).await.unwrap_err();
    assert_eq!(err.service_provider_not_found(), Some("nosuch-sp"), "{err:?}");
    assert!(matches!(err, Error::ServiceProviderNotFound { .. }));
    let text = err.to_string();
    assert!(
        text.contains("\"nosuch-sp\"") && text.contains("sp1, other-sp"),
        "{text}"
    );
    assert_eq!(K2kMock::count(&mock.idp, "POST", ECP_PATH).await, 0);
}

#[tokio::test]
async fn a_refused_ecp_request_is_an_http_error_without_the_local_token() {
    let mock = K2kMock::start(302).await;
    // A hostile or buggy Keystone echoing the request in its error.
    K2kMock::answer(
        &mock.idp,
        "POST",
        ECP_PATH,
        ResponseTemplate::new(403).set_body_json(
            json!({"error": {"code": 403, "title": "Forbidden", "message": format!("token {LOCAL_TOKEN} may not")}}),
        ),
    )
    .await;
    let plugin = k2k(&mock).build().unwrap();
    let err = token(&plugin).await.unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
    assert!(err.to_string().contains("saml2/ecp"), "{err}");
    assert_free_of(
        "the error",
        &format!("{} {err:?}", chain(&err)),
        &[LOCAL_TOKEN, PASSWORD],
    );
    assert_eq!(K2kMock::count(&mock.sp, "POST", ECP_CONSUMER_PATH).await, 0);
}

#[tokio::test]
async fn an_empty_or_oversized_assertion_is_an_invalid_response() {
    for body in [String::new(), "  \n".to_owned(), "x".repeat(MAX_ECP_BODY + 1)] {
        let mock = K2kMock::start(302).await;
        K2kMock::answer(
            &mock.idp,
            "POST",
            ECP_PATH,
            ResponseTemplate::new(200).set_body_string(body.clone()),
        )
        .await;
        let err = token(&k2k(&mock).build().unwrap()).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidResponse { .. }),
            "{} bytes: {err:?}",
            body.len()
        );
        assert_eq!(K2kMock::count(&mock.sp, "POST", ECP_CONSUMER_PATH).await, 0);
    }
}

#[tokio::test]
async fn a_refusing_service_provider_is_an_http_error_without_its_cookie() {
    let mock = K2kMock::start(302).await;
    // The SP refuses the session at its federated auth URL and echoes the cookie.
    K2kMock::answer(
        &mock.sp,
        "GET",
        FEDERATION_PATH,
        ResponseTemplate::new(401).set_body_string(format!("session {SP_COOKIE} expired; token {LOCAL_TOKEN}?")),
    )
    .await;
    let err = token(&k2k(&mock).build().unwrap()).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_free_of(
        "the error",
        &format!("{} {err:?}", chain(&err)),
        &[SP_COOKIE, LOCAL_TOKEN],
    );

    // A consumer that refuses the envelope.
    let mock = K2kMock::start(302).await;
    K2kMock::answer(
        &mock.sp,
        "POST",
        ECP_CONSUMER_PATH,
        ResponseTemplate::new(500).set_body_string("bad assertion"),
    )
    .await;
    let err = token(&k2k(&mock).build().unwrap()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
    assert_eq!(K2kMock::count(&mock.sp, "GET", FEDERATION_PATH).await, 0);
}

#[tokio::test]
async fn a_token_answered_to_the_envelope_is_taken_as_it_is() {
    let mock = K2kMock::start(302).await;
    let unscoped = keystoneauth::fixture::V3Token::new().federated("testidp", "saml2", Vec::<String>::new());
    K2kMock::answer(
        &mock.sp,
        "POST",
        ECP_CONSUMER_PATH,
        ResponseTemplate::new(201)
            .insert_header("x-subject-token", "SP-DIRECT")
            .set_body_json(unscoped.json()),
    )
    .await;
    assert_eq!(token(&k2k(&mock).build().unwrap()).await.unwrap(), "SP-DIRECT");
    assert_eq!(K2kMock::count(&mock.sp, "GET", FEDERATION_PATH).await, 0);
    // A 200 without a token is an invalid response.
    let mock = K2kMock::start(302).await;
    K2kMock::answer(
        &mock.sp,
        "POST",
        ECP_CONSUMER_PATH,
        ResponseTemplate::new(200).set_body_string("<html>logged in</html>"),
    )
    .await;
    let err = token(&k2k(&mock).build().unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("X-Subject-Token"), "{err}");
}

#[tokio::test]
async fn the_ecp_endpoint_comes_from_the_catalog_without_a_local_auth_url_and_debug_hides_secrets() {
    let mock = K2kMock::start(302).await;
    // An explicit local auth URL elsewhere is used as given.
    let elsewhere = k2k(&mock).local_auth_url("http://127.0.0.1:9/v3").build().unwrap();
    let err = token(&elsewhere).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // Without one: the public identity endpoint of the local token.
    let plugin = k2k(&mock).build().unwrap();
    token(&plugin).await.unwrap();
    assert_eq!(K2kMock::count(&mock.idp, "POST", ECP_PATH).await, 1);
    assert_debug_free_of(
        "the plugin",
        &plugin,
        &[LOCAL_TOKEN, PASSWORD, SP_COOKIE, "SP-UNSCOPED-1"],
    );
}

#[test]
fn building_checks_the_options() {
    let local = Arc::new(
        keystoneauth::identity::v3::Password::builder("http://h/v3")
            .user_id("u")
            .password("p")
            .build()
            .unwrap(),
    );
    let err = Keystone2Keystone::builder(local.clone(), "").build().unwrap_err();
    assert!(err.to_string().contains("service-provider"), "{err}");
    let err = Keystone2Keystone::builder(local.clone(), "sp")
        .project_name("p")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("project-domain-id or project-domain-name"),
        "{err}"
    );
    let err = Keystone2Keystone::builder(local, "sp")
        .project_id("p")
        .domain_id("d")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("multiple targets"), "{err}");
    // A plugin without access info cannot list service providers.
    let endpoint = Arc::new(keystoneauth::token_endpoint::Token::new("http://h", "t").unwrap());
    let err = Keystone2Keystone::builder(endpoint, "sp").build().unwrap_err();
    assert!(err.to_string().contains("not an identity plugin"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn trace_logs_hold_neither_the_local_token_nor_the_cookie() {
    let (logs, _guards) = common::logs::capture_logs();
    let mock = K2kMock::start(302).await;
    let plugin = k2k(&mock).project_id("k2k-project-id").build().unwrap();
    assert_eq!(token(&plugin).await.unwrap(), "SP-SCOPED-1");
    let text = logs.text();
    assert!(
        text.contains("saml2/ecp") && text.contains(ECP_CONSUMER_PATH),
        "the flow is logged:\n{text}"
    );
    assert_free_of(
        "the logs",
        &text,
        &[LOCAL_TOKEN, SP_COOKIE, PASSWORD, "SP-UNSCOPED-1", "SP-SCOPED-1"],
    );
}

#[tokio::test]
async fn a_local_token_the_local_keystone_refuses_is_replaced_once() {
    const SECOND: &str = "LOCAL-2-CANARY-e4b0";
    for always in [false, true] {
        let mock = K2kMock::start(302).await;
        let tokens = common::tokens::TokenResponder::in_turn(&[LOCAL_TOKEN, SECOND], mock.local_token.clone());
        K2kMock::answer(&mock.idp, "POST", "/v3/auth/tokens", tokens).await;
        // Revoked before its expiry: Keystone no longer finds the first token.
        let refusal = ResponseTemplate::new(404)
            .set_body_json(json!({"error": {"code": 404, "title": "Not Found", "message": "Could not find token"}}));
        let refused = if always { None } else { Some(LOCAL_TOKEN) };
        let mut m = Mock::given(method("POST")).and(path(ECP_PATH));
        if let Some(t) = refused {
            m = m.and(wiremock::matchers::body_string_contains(t));
        }
        m.respond_with(refusal).with_priority(1).mount(&mock.idp).await;
        let result = token(&k2k(&mock).build().unwrap()).await;
        assert_eq!(
            K2kMock::count(&mock.idp, "POST", "/v3/auth/tokens").await,
            2,
            "one new local token"
        );
        assert_eq!(
            K2kMock::count(&mock.idp, "POST", ECP_PATH).await,
            2,
            "asked once more, not again"
        );
        if always {
            let err = result.unwrap_err();
            assert!(err.is_not_found(), "{err:?}");
            assert_free_of("the error", &format!("{} {err:?}", chain(&err)), &[LOCAL_TOKEN, SECOND]);
        } else {
            assert_eq!(result.unwrap(), "SP-UNSCOPED-1");
        }
        common::k2k::assert_nothing_carries(
            "the service provider",
            &common::mock::received(&mock.sp).await,
            &[LOCAL_TOKEN, SECOND],
        );
    }
}
