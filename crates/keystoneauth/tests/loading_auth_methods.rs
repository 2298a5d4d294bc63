//! Every auth method of issue 7 is loadable by its keystoneauth1 name from
//! the environment (and so from every source), with keystoneauth1's option
//! names; secrets never show in what the loaded plugin prints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use keystoneauth::loading::{Env, Loader, Registry};

const CANARY: &str = "CANARY-SECRET-4411";

fn load(pairs: &[(&str, &str)]) -> keystoneauth::Result<Option<std::sync::Arc<dyn keystoneauth::AuthPlugin>>> {
    let env = Env::from_pairs(pairs.iter().copied());
    Loader::new().env(env).load_auth()
}

#[test]
fn every_issue_7_method_is_registered() {
    let names = Registry::global().names();
    for name in [
        "v3applicationcredential",
        "v3totp",
        "v3multifactor",
        "v3tokenlessauth",
        "v3oidcpassword",
        "v3oidcclientcredentials",
        "v3oidcauthcode",
        "v3oidcaccesstoken",
        "v3oidcdeviceauthz",
        "v3oauth2clientcredential",
        "v3oauth2mtlsclientcredential",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} missing from {names:?}");
    }
}

#[test]
fn each_loads_from_os_variables_without_showing_secrets() {
    let url = ("OS_AUTH_URL", "http://127.0.0.1:5000/v3");
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            url,
            ("OS_APPLICATION_CREDENTIAL_ID", "ac-1"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", CANARY),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3totp"),
            url,
            ("OS_USER_ID", "u-1"),
            ("OS_PASSCODE", CANARY),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3multifactor"),
            url,
            ("OS_AUTH_METHODS", "v3password,v3totp"),
            ("OS_USER_ID", "u-1"),
            ("OS_PASSWORD", CANARY),
            ("OS_PASSCODE", "123456"),
        ],
        vec![("OS_AUTH_TYPE", "v3tokenlessauth"), url, ("OS_PROJECT_ID", "p-1")],
        vec![
            ("OS_AUTH_TYPE", "v3oidcpassword"),
            url,
            ("OS_IDENTITY_PROVIDER", "idp"),
            ("OS_PROTOCOL", "openid"),
            ("OS_CLIENT_ID", "client"),
            ("OS_CLIENT_SECRET", CANARY),
            ("OS_ACCESS_TOKEN_ENDPOINT", "https://idp.example.com/token"),
            ("OS_USERNAME", "alice"),
            ("OS_PASSWORD", CANARY),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3oidcclientcredentials"),
            url,
            ("OS_IDENTITY_PROVIDER", "idp"),
            ("OS_PROTOCOL", "openid"),
            ("OS_CLIENT_ID", "client"),
            ("OS_CLIENT_SECRET", CANARY),
            (
                "OS_DISCOVERY_ENDPOINT",
                "https://idp.example.com/.well-known/openid-configuration",
            ),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3oidcauthcode"),
            url,
            ("OS_IDENTITY_PROVIDER", "idp"),
            ("OS_PROTOCOL", "openid"),
            ("OS_CLIENT_ID", "client"),
            ("OS_ACCESS_TOKEN_ENDPOINT", "https://idp.example.com/token"),
            ("OS_REDIRECT_URI", "http://localhost:8080/cb"),
            ("OS_CODE", CANARY),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3oidcaccesstoken"),
            url,
            ("OS_IDENTITY_PROVIDER", "idp"),
            ("OS_PROTOCOL", "openid"),
            ("OS_ACCESS_TOKEN", CANARY),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3oidcdeviceauthz"),
            url,
            ("OS_IDENTITY_PROVIDER", "idp"),
            ("OS_PROTOCOL", "openid"),
            ("OS_CLIENT_ID", "client"),
            ("OS_ACCESS_TOKEN_ENDPOINT", "https://idp.example.com/token"),
            ("OS_DEVICE_AUTHORIZATION_ENDPOINT", "https://idp.example.com/device"),
            ("OS_CODE_CHALLENGE_METHOD", "S256"),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3oauth2clientcredential"),
            url,
            ("OS_OAUTH2_ENDPOINT", "https://keystone.example.com/v3/OS-OAUTH2/token"),
            ("OS_OAUTH2_CLIENT_ID", "client"),
            ("OS_OAUTH2_CLIENT_SECRET", CANARY),
        ],
        vec![
            ("OS_AUTH_TYPE", "v3oauth2mtlsclientcredential"),
            url,
            ("OS_OAUTH2_ENDPOINT", "https://keystone.example.com/v3/OS-OAUTH2/token"),
            ("OS_OAUTH2_CLIENT_ID", "client"),
        ],
    ];
    for case in cases {
        let plugin = load(&case)
            .unwrap_or_else(|e| panic!("{:?}: {e}", case[0]))
            .unwrap_or_else(|| panic!("{:?}: no plugin", case[0]));
        let shown = format!("{plugin:?} {:?}", plugin.cache_id());
        assert!(!shown.contains(CANARY), "{:?} shows a secret: {shown}", case[0]);
    }
}

#[test]
fn missing_options_are_named_with_where_to_set_them() {
    let err = load(&[
        ("OS_AUTH_TYPE", "v3applicationcredential"),
        ("OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
        ("OS_APPLICATION_CREDENTIAL_ID", "ac-1"),
    ])
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("application_credential_secret") || err.contains("application-credential-secret"),
        "{err}"
    );
    assert!(err.contains("OS_APPLICATION_CREDENTIAL_SECRET"), "{err}");
    let err = load(&[
        ("OS_AUTH_TYPE", "v3oidcpassword"),
        ("OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
        ("OS_IDENTITY_PROVIDER", "idp"),
        ("OS_PROTOCOL", "openid"),
        ("OS_CLIENT_ID", "client"),
        ("OS_USERNAME", "alice"),
        ("OS_PASSWORD", CANARY),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("endpoint"), "{err}");
    assert!(!err.contains(CANARY));
}

#[test]
fn v3websso_loads_with_keystoneauth1_option_names_and_defaults() {
    let names = Registry::global().names();
    assert!(names.iter().any(|n| n == "v3websso"), "{names:?}");
    let url = ("OS_AUTH_URL", "http://127.0.0.1:5000/v3");
    let p = load(&[
        ("OS_AUTH_TYPE", "v3websso"),
        url,
        ("OS_IDENTITY_PROVIDER", "idp"),
        ("OS_PROTOCOL", "saml2"),
    ])
    .unwrap()
    .unwrap();
    let dbg = format!("{p:?}");
    assert!(dbg.contains("http://localhost:9990/auth/websso/"), "{dbg}");
    assert!(dbg.contains("60s"), "{dbg}");
    let p = load(&[
        ("OS_AUTH_TYPE", "v3websso"),
        url,
        ("OS_PROTOCOL", "oidc"),
        ("OS_REDIRECT_HOST", "127.0.0.1"),
        ("OS_REDIRECT_PORT", "8081"),
        ("OS_LOGIN_TIMEOUT", "2.5"),
    ])
    .unwrap()
    .unwrap();
    let dbg = format!("{p:?}");
    assert!(
        dbg.contains("http://127.0.0.1:8081/auth/websso/") && dbg.contains("2.5s"),
        "{dbg}"
    );
    for (name, bad) in [("OS_REDIRECT_PORT", "70000"), ("OS_LOGIN_TIMEOUT", "-1")] {
        let err = load(&[("OS_AUTH_TYPE", "v3websso"), url, ("OS_PROTOCOL", "p"), (name, bad)])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&name[3..].to_ascii_lowercase().replace('_', "-")), "{err}");
    }
    let err = load(&[("OS_AUTH_TYPE", "v3websso"), url]).unwrap_err().to_string();
    assert!(err.contains("protocol"), "{err}");
}

#[test]
fn v3oauth1_loads_from_every_source_with_keystoneauth1_option_names() {
    use keystoneauth::loading::{cli, CloudsConfig, IniFile, IniSource};
    let names = Registry::global().names();
    assert!(names.iter().any(|n| n == "v3oauth1"), "{names:?}");
    let url = "http://127.0.0.1:5000/v3";
    // keystoneauth1's V3OAuth1 options: auth-url and the four credentials
    // (both secrets hidden), no scope options.
    let loader = Registry::global().get("v3oauth1").unwrap();
    let opts: Vec<(String, bool, bool)> = loader
        .options()
        .iter()
        .map(|o| (o.name().to_owned(), o.is_secret(), o.is_required()))
        .collect();
    assert_eq!(
        opts,
        [
            ("auth-url".to_owned(), false, true),
            ("consumer-key".to_owned(), false, true),
            ("consumer-secret".to_owned(), true, true),
            ("access-key".to_owned(), false, true),
            ("access-secret".to_owned(), true, true),
        ]
    );
    let shown_without_secrets = |plugin: std::sync::Arc<dyn keystoneauth::AuthPlugin>, from: &str| {
        let shown = format!("{plugin:?} {:?}", plugin.cache_id());
        assert!(!shown.contains(CANARY), "{from} shows a secret: {shown}");
        assert!(shown.contains("ck-1") && shown.contains("ak-1"), "{from}: {shown}");
    };

    // OS_* variables.
    let env = [
        ("OS_AUTH_TYPE", "v3oauth1"),
        ("OS_AUTH_URL", url),
        ("OS_CONSUMER_KEY", "ck-1"),
        ("OS_CONSUMER_SECRET", CANARY),
        ("OS_ACCESS_KEY", "ak-1"),
        ("OS_ACCESS_SECRET", CANARY),
    ];
    shown_without_secrets(load(&env).unwrap().unwrap(), "the environment");

    // --os-* flags.
    let argv = [
        "prog",
        "--os-auth-type",
        "v3oauth1",
        "--os-auth-url",
        url,
        "--os-consumer-key",
        "ck-1",
        "--os-consumer-secret",
        CANARY,
        "--os-access-key",
        "ak-1",
        "--os-access-secret",
        CANARY,
    ];
    let empty = Env::empty();
    let cmd = cli::register_auth_args(clap::Command::new("prog"), argv, &empty, None).unwrap();
    let m = cmd.try_get_matches_from(argv).unwrap();
    shown_without_secrets(cli::load_auth_from_matches(&m, &empty).unwrap().unwrap(), "the flags");

    // clouds.yaml `auth:` keys.
    let yaml = format!(
        "clouds:\n  delegated:\n    auth_type: v3oauth1\n    auth:\n      auth_url: {url}\n      \
         consumer_key: ck-1\n      consumer_secret: {CANARY}\n      access_key: ak-1\n      access_secret: {CANARY}\n"
    );
    let clouds = CloudsConfig::from_yaml_str(&yaml, "/etc/openstack/clouds.yaml").unwrap();
    let cloud = clouds.cloud(Some("delegated"), None).unwrap().unwrap();
    shown_without_secrets(Loader::new().cloud(cloud).load_auth().unwrap().unwrap(), "clouds.yaml");

    // An INI section.
    let ini = IniFile::parse(
        &format!(
            "[keystone_authtoken]\nauth_type = v3oauth1\nauth_url = {url}\nconsumer_key = ck-1\n\
             consumer_secret = {CANARY}\naccess_key = ak-1\naccess_secret = {CANARY}\n"
        ),
        "/etc/svc.conf",
    )
    .unwrap();
    let plugin = Loader::new()
        .ini(IniSource::new(ini, "keystone_authtoken"))
        .load_auth()
        .unwrap()
        .unwrap();
    shown_without_secrets(plugin, "the INI file");

    // A missing secret is named with where to set it, and the other
    // secret is not shown.
    let err = load(&env[..5]).unwrap_err().to_string();
    assert!(err.contains("access-secret") || err.contains("access_secret"), "{err}");
    assert!(err.contains("OS_ACCESS_SECRET"), "{err}");
    assert!(!err.contains(CANARY), "{err}");
}
