//! The `v3samlpassword` and `v3adfspassword` loaders: keystoneauth1's
//! option names, from `OS_*` variables, `--os-*` flags, clouds.yaml and
//! an INI section; each loaded plugin logs in at the stand-ins of
//! `tests/common/saml2.rs` without showing a secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::loading::from_every_source;
use common::saml2::*;
use keystoneauth::loading::{Env, Loader, Registry};
use keystoneauth::Session;
use secrecy::ExposeSecret;

/// `(name, secret, required)` of each option of a loader, after the
/// auth URL and the scope options every federation loader has.
fn own_options(name: &str) -> Vec<(String, bool, bool)> {
    let loader = Registry::global().get(name).unwrap();
    let options: Vec<(String, bool, bool)> = loader
        .options()
        .iter()
        .map(|o| (o.name().to_owned(), o.is_secret(), o.is_required()))
        .collect();
    assert_eq!(options[0], ("auth-url".to_owned(), false, true), "{name}");
    for scope in ["project-id", "project-name", "domain-id", "trust-id", "system-scope"] {
        assert!(options.iter().any(|o| o.0 == scope), "{name} lacks {scope}");
    }
    let first_own = options.iter().position(|o| o.0 == "identity-provider").unwrap();
    options[first_own..].to_vec()
}

fn opt(name: &str, secret: bool) -> (String, bool, bool) {
    (name.to_owned(), secret, true)
}

#[test]
fn options_are_keystoneauth1s() {
    assert_eq!(
        own_options("v3samlpassword"),
        [
            opt("identity-provider", false),
            opt("protocol", false),
            opt("identity-provider-url", false),
            opt("username", false),
            opt("password", true),
        ]
    );
    assert_eq!(
        own_options("v3adfspassword"),
        [
            opt("identity-provider", false),
            opt("protocol", false),
            opt("identity-provider-url", false),
            opt("service-provider-endpoint", false),
            opt("service-provider-entity-id", false),
            opt("username", false),
            opt("password", true),
        ]
    );
}

#[tokio::test]
async fn v3samlpassword_loads_from_every_source_and_logs_in() {
    let sp = service_provider(|uri| paos_request(&format!("{uri}{CONSUMER_PATH}"), true)).await;
    let idp = ecp_identity_provider(ecp_response(&format!("{}{CONSUMER_PATH}", sp.uri()))).await;
    mount_consumer(&sp, FEDERATION_PATH).await;
    let auth_url = format!("{}/v3", sp.uri());
    let idp_url = format!("{}{ECP_IDP_PATH}", idp.uri());
    let options = [
        ("auth-url", auth_url.as_str()),
        ("identity-provider", IDP),
        ("protocol", PROTOCOL),
        ("identity-provider-url", idp_url.as_str()),
        ("username", USERNAME),
        ("password", PASSWORD),
        ("project-id", "p1"),
    ];
    let session = Session::new().unwrap();
    for (source, plugin) in from_every_source("v3samlpassword", &options) {
        let shown = format!("{plugin:?} {:?}", plugin.cache_id());
        assert!(!shown.contains(PASSWORD), "{source} shows the password: {shown}");
        assert!(shown.contains(&idp_url), "{source}: {shown}");
        plugin.invalidate();
        let token = plugin.token(session.transport()).await.unwrap().unwrap();
        assert!(token.expose_secret().starts_with("SCOPED-"), "{source}");
    }
}

#[tokio::test]
async fn v3adfspassword_loads_from_every_source_and_logs_in() {
    let sp = service_provider(|_| String::new()).await;
    mount_adfs_endpoint(&sp).await;
    let idp = adfs_identity_provider().await;
    let auth_url = format!("{}/v3", sp.uri());
    let idp_url = format!("{}{ADFS_IDP_PATH}", idp.uri());
    let endpoint = format!("{}{ADFS_SP_PATH}", sp.uri());
    let options = [
        ("auth-url", auth_url.as_str()),
        ("identity-provider", IDP),
        ("protocol", PROTOCOL),
        ("identity-provider-url", idp_url.as_str()),
        ("service-provider-endpoint", endpoint.as_str()),
        ("service-provider-entity-id", SP_ENTITY_ID),
        ("username", USERNAME),
        ("password", PASSWORD),
        ("project-id", "p1"),
    ];
    let session = Session::new().unwrap();
    for (source, plugin) in from_every_source("v3adfspassword", &options) {
        let shown = format!("{plugin:?} {:?}", plugin.cache_id());
        assert!(!shown.contains(PASSWORD), "{source} shows the password: {shown}");
        assert!(
            shown.contains(SP_ENTITY_ID) && shown.contains(&endpoint),
            "{source}: {shown}"
        );
        let token = plugin.token(session.transport()).await.unwrap().unwrap();
        assert!(token.expose_secret().starts_with("SCOPED-"), "{source}");
    }
}

#[test]
fn a_missing_option_is_named_with_where_to_set_it() {
    let base = [
        ("OS_AUTH_TYPE", "v3adfspassword"),
        ("OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
        ("OS_IDENTITY_PROVIDER", IDP),
        ("OS_PROTOCOL", PROTOCOL),
        (
            "OS_IDENTITY_PROVIDER_URL",
            "https://adfs/adfs/services/trust/13/usernamemixed",
        ),
        ("OS_USERNAME", USERNAME),
        ("OS_PASSWORD", PASSWORD),
    ];
    let load = |pairs: &[(&str, &str)]| Loader::new().env(Env::from_pairs(pairs.iter().copied())).load_auth();
    let err = load(&base).unwrap_err().to_string();
    assert!(
        err.contains("service-provider-endpoint") || err.contains("service_provider_endpoint"),
        "{err}"
    );
    assert!(err.contains("OS_SERVICE_PROVIDER_ENDPOINT"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
    let mut ecp = base.to_vec();
    ecp[0].1 = "v3samlpassword";
    ecp.retain(|(k, _)| *k != "OS_IDENTITY_PROVIDER_URL");
    let err = load(&ecp).unwrap_err().to_string();
    assert!(err.contains("OS_IDENTITY_PROVIDER_URL"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
}
