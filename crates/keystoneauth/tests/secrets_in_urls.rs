//! Issue 11, item 3: secrets in URLs, and secrets echoed back by servers.
//!
//! - `Debug` of every plugin, builder and `Session` holding an auth URL
//!   with a password in its user info and a secret query value shows
//!   neither (the URLs are [`MaskedUrl`]s).
//! - `OptValue`'s `Display` masks what its `Debug` masks.
//! - A server that echoes the credentials it was sent in a refusal (JSON
//!   or text) does not get them into the error's `Display`, `Debug`,
//!   sources or kept body: every identity plugin scrubs its own secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::shown::Shown;
use std::sync::Arc;

use common::echo::{Echo, EchoFormat};
use keystoneauth::identity::v3::{IdentityMethod, User};
use keystoneauth::identity::{generic, v2, v3};
use keystoneauth::loading::{Env, Loader, OptValue};
use keystoneauth::{AuthPlugin, HttpBasic, MaskedUrl, NoAuth, Session};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

const MARKER: &str = "CANARY";
const URL_PASSWORD: &str = "CANARY-URL-PASSWORD-4c1d";
const QUERY_SECRET: &str = "CANARY-QUERY-SECRET-8e2f";
const PASSWORD: &str = "CANARY-PASSWORD-\"quoted\"-é-b7";
const TOKEN: &str = "CANARY-TOKEN-91aa";
const PASSCODE: &str = "CANARY-PASSCODE-305";
const APP_SECRET: &str = "CANARY-APP-SECRET-77e0";
const CLIENT_SECRET: &str = "CANARY-CLIENT-SECRET-1f3b";
const RECEIPT: &str = "CANARY-RECEIPT-5d5d";
const ACCESS_TOKEN: &str = "CANARY-ACCESS-TOKEN-0c9e";
const AUTH_CODE: &str = "CANARY-AUTH-CODE-62f1";
const CODE_VERIFIER: &str = "CANARY-CODE-VERIFIER-aa41-bb52-cc63-dd74-ee85";
const IDP_OTP: &str = "CANARY-IDP-OTP-1234";

/// `http://alice:<password>@<host>/<path>?secret=<secret>&region=r1`.
fn url_with_secrets(host: &str, path: &str) -> String {
    format!("http://alice:{URL_PASSWORD}@{host}/{path}?secret={QUERY_SECRET}&region=r1")
}

#[test]
fn every_plugin_builder_and_session_masks_secrets_in_urls() {
    let url = url_with_secrets("127.0.0.1:5000", "v3");
    let endpoint = url_with_secrets("idp.example.org", "token");
    let mut shown = Shown::default();
    let mut plugins: Vec<Arc<dyn AuthPlugin>> = Vec::new();

    let b = v3::Password::builder(&url)
        .username("u")
        .user_domain_id("default")
        .password(PASSWORD)
        .project_id("p");
    shown.debug("v3 password builder", &b);
    let password = shown.built("v3 password", b.build());
    // The accessor shows the URL masked and gives the real one on request.
    shown.display("v3 password auth_url()", password.auth_url());
    assert_eq!(password.auth_url().expose(), url);
    plugins.push(Arc::new(password));

    let b = v3::Token::builder(&url, TOKEN).project_id("p");
    shown.debug("v3 token builder", &b);
    plugins.push(Arc::new(shown.built("v3 token", b.build())));

    let b = v3::Totp::builder(&url).user_id("u").passcode(PASSCODE).receipt(RECEIPT);
    shown.debug("v3 totp builder", &b);
    plugins.push(Arc::new(shown.built("v3 totp", b.build())));

    let b = v3::ApplicationCredential::builder(&url)
        .application_credential_id("ac")
        .application_credential_secret(APP_SECRET);
    shown.debug("v3 application credential builder", &b);
    plugins.push(Arc::new(shown.built("v3 application credential", b.build())));

    let b = v3::MultiFactor::builder(&url)
        .method(IdentityMethod::password(User::id("u"), PASSWORD))
        .method(IdentityMethod::totp(User::id("u"), PASSCODE))
        .receipt(RECEIPT);
    shown.debug("v3 multi-factor builder", &b);
    plugins.push(Arc::new(shown.built("v3 multi-factor", b.build())));

    let b = v3::OAuth2ClientCredential::builder(&url)
        .oauth2_endpoint(&endpoint)
        .oauth2_client_id("c")
        .oauth2_client_secret(CLIENT_SECRET);
    shown.debug("v3 oauth2 builder", &b);
    plugins.push(Arc::new(shown.built("v3 oauth2", b.build())));

    let b = v3::OAuth2MtlsClientCredential::builder(&url)
        .oauth2_endpoint(&endpoint)
        .oauth2_client_id("c");
    shown.debug("v3 oauth2 mtls builder", &b);
    plugins.push(Arc::new(shown.built("v3 oauth2 mtls", b.build())));

    let b = v3::TokenlessAuth::builder(&url).project_id("p");
    shown.debug("v3 tokenless builder", &b);
    plugins.push(Arc::new(shown.built("v3 tokenless", b.build())));

    let b = v3::OidcPassword::builder(&url, "idp", "openid")
        .client_id("c")
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(&endpoint)
        .username("alice")
        .password(PASSWORD)
        .idp_otp_key("totp")
        .idp_otp(IDP_OTP);
    shown.debug("oidc password builder", &b);
    plugins.push(Arc::new(shown.built("oidc password", b.build())));

    let b = v3::OidcClientCredentials::builder(&url, "idp", "openid")
        .client_id("c")
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(&endpoint);
    shown.debug("oidc client credentials builder", &b);
    plugins.push(Arc::new(shown.built("oidc client credentials", b.build())));

    let b = v3::OidcAuthorizationCode::builder(&url, "idp", "openid")
        .client_id("c")
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(&endpoint)
        .code(AUTH_CODE)
        .code_verifier(CODE_VERIFIER)
        .redirect_uri("http://localhost/cb");
    shown.debug("oidc authorization code builder", &b);
    plugins.push(Arc::new(shown.built("oidc authorization code", b.build())));

    let b = v3::OidcAccessToken::builder(&url, "idp", "openid").access_token(ACCESS_TOKEN);
    shown.debug("oidc access token builder", &b);
    plugins.push(Arc::new(shown.built("oidc access token", b.build())));

    let b = v3::OidcDeviceAuthorization::builder(&url, "idp", "openid")
        .client_id("c")
        .client_secret(CLIENT_SECRET)
        .access_token_endpoint(&endpoint)
        .device_authorization_endpoint(&endpoint);
    shown.debug("oidc device builder", &b);
    plugins.push(Arc::new(shown.built("oidc device", b.build())));

    let b = v3::WebSso::builder(&url, "saml2").identity_provider("idp");
    shown.debug("websso builder", &b);
    let websso = shown.built("websso", b.build());
    // The URL the user is sent to (printed, given to the browser).
    shown.texts.push(("websso URL".into(), websso.websso_url().to_owned()));
    plugins.push(Arc::new(websso));

    let v2_url = url_with_secrets("127.0.0.1:5000", "v2.0");
    let b = v2::Password::builder(&v2_url)
        .username("u")
        .password(PASSWORD)
        .tenant_name("t");
    shown.debug("v2 password builder", &b);
    plugins.push(Arc::new(shown.built("v2 password", b.build())));
    let b = v2::Token::builder(&v2_url, TOKEN);
    shown.debug("v2 token builder", &b);
    plugins.push(Arc::new(shown.built("v2 token", b.build())));

    let b = generic::Password::builder(&url)
        .username("u")
        .user_domain_id("default")
        .password(PASSWORD)
        .project_id("p");
    shown.debug("generic password builder", &b);
    plugins.push(Arc::new(shown.built("generic password", b.build())));
    let b = generic::Token::builder(&url, TOKEN).project_id("p");
    shown.debug("generic token builder", &b);
    plugins.push(Arc::new(shown.built("generic token", b.build())));

    plugins.push(Arc::new(shown.built("noauth", NoAuth::with_endpoint(&url))));
    plugins.push(Arc::new(
        shown.built("token endpoint", keystoneauth::token_endpoint::Token::new(&url, TOKEN)),
    ));
    plugins.push(Arc::new(
        shown.built("http basic", HttpBasic::new("u", PASSWORD, Some(url.clone()))),
    ));

    for (i, plugin) in plugins.iter().enumerate() {
        let builder = Session::builder().auth(plugin.clone());
        shown.debug(&format!("session builder #{i}"), &builder);
        let session = builder.build().unwrap();
        shown.debug(&format!("session #{i}"), &session);
    }
    shown.debug("the MaskedUrl itself", &MaskedUrl::from(&url));
    shown.display("the MaskedUrl itself", &MaskedUrl::from(&url));
    shown.assert_clean(&[MARKER, URL_PASSWORD, QUERY_SECRET]);
}

#[test]
fn option_values_display_what_their_debug_masks() {
    let url = url_with_secrets("127.0.0.1:5000", "v3");
    let mut shown = Shown::default();
    for value in [
        OptValue::String(url.clone()),
        OptValue::List(vec![url.clone(), "x".into()]),
    ] {
        shown.display("OptValue", &value);
        shown.debug("OptValue", &value);
    }
    assert_eq!(
        OptValue::String(url.clone()).to_string(),
        "http://alice:***@127.0.0.1:5000/v3?secret=***&region=r1"
    );
    assert_eq!(
        OptValue::String(url.clone()).to_string(),
        format!("{:?}", OptValue::String(url.clone())).trim_matches('"')
    );
    // Loaded from the environment, as `ksa config show` lists them.
    let env = Env::from_pairs([
        ("OS_AUTH_URL", url.as_str()),
        ("OS_USERNAME", "u"),
        ("OS_PASSWORD", PASSWORD),
        ("OS_ENDPOINT", url.as_str()),
    ]);
    let loader = Loader::new().env(env).default_auth_type("password");
    let options = loader.auth_options().unwrap().unwrap();
    shown.debug("loaded options", &options);
    for v in options.iter() {
        shown.display(&format!("loaded {}", v.name), &v.value);
        shown.debug(&format!("loaded {}", v.name), &v.value);
    }
    let auth_url = options.iter().find(|v| v.name == "auth-url").unwrap();
    assert_eq!(
        auth_url.value.to_string(),
        "http://alice:***@127.0.0.1:5000/v3?secret=***&region=r1"
    );
    shown.assert_clean(&[MARKER, URL_PASSWORD, QUERY_SECRET, PASSWORD]);
}

/// Every identity plugin, pointed at `base` (a server that refuses and
/// echoes), for `format`.
fn echo_targets(base: &str) -> Vec<(&'static str, Arc<dyn AuthPlugin>)> {
    let v3_url = format!("{base}/v3");
    let v2_url = format!("{base}/v2.0");
    let token_endpoint = format!("{base}/idp/token");
    let user = || User::id("u");
    vec![
        (
            "v3 password",
            Arc::new(
                v3::Password::builder(&v3_url)
                    .user_id("u")
                    .password(PASSWORD)
                    .project_id("p")
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3 token",
            Arc::new(v3::Token::builder(&v3_url, TOKEN).project_id("p").build().unwrap()),
        ),
        (
            "v3 totp",
            Arc::new(
                v3::Totp::builder(&v3_url)
                    .user_id("u")
                    .passcode(PASSCODE)
                    .receipt(RECEIPT)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3 application credential",
            Arc::new(
                v3::ApplicationCredential::builder(&v3_url)
                    .application_credential_id("ac")
                    .application_credential_secret(APP_SECRET)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v3 multi-factor",
            Arc::new(
                v3::MultiFactor::builder(&v3_url)
                    .method(IdentityMethod::password(user(), PASSWORD))
                    .method(IdentityMethod::totp(user(), PASSCODE))
                    .receipt(RECEIPT)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v2 password",
            Arc::new(
                v2::Password::builder(&v2_url)
                    .username("u")
                    .password(PASSWORD)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "v2 token",
            Arc::new(v2::Token::builder(&v2_url, TOKEN).build().unwrap()),
        ),
        (
            "generic password",
            Arc::new(
                generic::Password::builder(&v3_url)
                    .user_id("u")
                    .password(PASSWORD)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "generic token",
            Arc::new(generic::Token::builder(&v3_url, TOKEN).build().unwrap()),
        ),
        (
            "oidc password",
            Arc::new(
                v3::OidcPassword::builder(&v3_url, "idp", "openid")
                    .client_id("c")
                    .client_secret(CLIENT_SECRET)
                    .access_token_endpoint(&token_endpoint)
                    .username("alice")
                    .password(PASSWORD)
                    .idp_otp_key("totp")
                    .idp_otp(IDP_OTP)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "oidc authorization code",
            Arc::new(
                v3::OidcAuthorizationCode::builder(&v3_url, "idp", "openid")
                    .client_id("c")
                    .client_secret(CLIENT_SECRET)
                    .access_token_endpoint(&token_endpoint)
                    .code(AUTH_CODE)
                    .code_verifier(CODE_VERIFIER)
                    .redirect_uri("http://localhost/cb")
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "oidc access token",
            Arc::new(
                v3::OidcAccessToken::builder(&v3_url, "idp", "openid")
                    .access_token(ACCESS_TOKEN)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "oauth2 client credential",
            Arc::new(
                v3::OAuth2ClientCredential::builder(&v3_url)
                    .oauth2_endpoint(&token_endpoint)
                    .oauth2_client_id("c")
                    .oauth2_client_secret(CLIENT_SECRET)
                    .build()
                    .unwrap(),
            ),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_echoed_by_a_server_never_show_in_errors() {
    let secrets = [
        PASSWORD,
        TOKEN,
        PASSCODE,
        APP_SECRET,
        CLIENT_SECRET,
        RECEIPT,
        ACCESS_TOKEN,
        AUTH_CODE,
        CODE_VERIFIER,
        IDP_OTP,
    ];
    let mut shown = Shown::default();
    let mut refused = 0;
    for format in [EchoFormat::KeystoneJson, EchoFormat::Text] {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(Echo { status: 401, format })
            .mount(&server)
            .await;
        for (label, plugin) in echo_targets(&server.uri()) {
            let label = format!("{label} ({format:?})");
            let session = Session::builder().build().unwrap();
            let err = session.token(Some(&plugin)).await.unwrap_err();
            shown.error(&label, &err);
            if err.is_unauthorized() {
                refused += 1;
                // The rest of the message is kept: only the secrets go.
                assert!(err.to_string().contains("***"), "{label}: {err}");
            }
        }
        // The server did see the secrets: the echo was real.
        let seen: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(common::echo::echo_text)
            .collect();
        let seen = seen.join("\n");
        for s in [
            PASSWORD,
            TOKEN,
            PASSCODE,
            APP_SECRET,
            RECEIPT,
            ACCESS_TOKEN,
            CLIENT_SECRET,
        ] {
            let json_form = serde_json::to_string(s).unwrap();
            assert!(
                seen.contains(s) || seen.contains(&json_form[1..json_form.len() - 1]),
                "{s} was never sent"
            );
        }
    }
    assert!(refused >= 20, "only {refused} errors were 401s");
    shown.assert_clean(&[&[MARKER][..], &secrets[..]].concat());
}
