//! Keystone-to-Keystone from every loading source, osc-lib's way: the
//! loaded plugin is wrapped when `service-provider` is given (flags,
//! `OS_*`, clouds.yaml `auth.` or top level, INI), and the result
//! authenticates at the mock service provider (`common/k2k.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::k2k::{K2kMock, PASSWORD, REMOTE_PROJECT, SP_ID};

use std::sync::Arc;

use keystoneauth::loading::{cli, CloudsConfig, Env, IniFile, IniSource, Loader, ValueSource};
use keystoneauth::{AuthPlugin, Session};
use secrecy::ExposeSecret;

/// The plugin's token, from a fresh session.
async fn token(plugin: Arc<dyn AuthPlugin>) -> String {
    let session = Session::new().unwrap();
    plugin
        .token(session.transport())
        .await
        .unwrap()
        .unwrap()
        .expose_secret()
        .to_owned()
}

/// The local password login as `OS_*` variables.
fn local_env(mock: &K2kMock) -> Vec<(String, String)> {
    [
        ("OS_AUTH_TYPE", "v3password".to_owned()),
        ("OS_AUTH_URL", mock.idp_auth_url()),
        ("OS_USERNAME", "alice".to_owned()),
        ("OS_USER_DOMAIN_ID", "default".to_owned()),
        ("OS_PASSWORD", PASSWORD.to_owned()),
        ("OS_PROJECT_NAME", "demo".to_owned()),
        ("OS_PROJECT_DOMAIN_ID", "default".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test]
async fn from_flags() {
    let mock = K2kMock::start(302).await;
    let auth_url = mock.idp_auth_url();
    let argv = [
        "prog",
        "--os-auth-type",
        "v3password",
        "--os-auth-url",
        &auth_url,
        "--os-username",
        "alice",
        "--os-user-domain-id",
        "default",
        "--os-password",
        PASSWORD,
        "--os-project-name",
        "demo",
        "--os-project-domain-id",
        "default",
        "--os-service-provider",
        SP_ID,
        "--os-remote-project-name",
        REMOTE_PROJECT,
        "--os-remote-project-domain-id",
        "default",
    ];
    let env = Env::empty();
    let cmd = cli::register_auth_args(clap::Command::new("prog"), argv, &env, None).unwrap();
    let help = cmd.clone().render_long_help().to_string();
    assert!(
        help.contains("--os-service-provider") && help.contains("--os-remote-project-domain-name"),
        "{help}"
    );
    let matches = cmd.try_get_matches_from(argv).unwrap();
    let loader = Loader::new().command_line(&matches).env(env);
    let k2k = loader.k2k_options().unwrap();
    assert_eq!(
        k2k.source("service-provider"),
        Some(&ValueSource::CommandLine {
            flag: "--os-service-provider".into()
        })
    );
    let plugin = loader.load_auth().unwrap().unwrap();
    assert!(format!("{plugin:?}").contains("Keystone2Keystone"), "{plugin:?}");
    assert_eq!(token(plugin).await, "SP-SCOPED-1");
    mock.assert_no_leak().await;
}

#[tokio::test]
async fn from_os_variables() {
    let mock = K2kMock::start(302).await;
    let mut env = local_env(&mock);
    env.push(("OS_SERVICE_PROVIDER".into(), SP_ID.into()));
    env.push(("OS_REMOTE_PROJECT_ID".into(), "k2k-project-id".into()));
    let plugin = Loader::new().env(Env::from_pairs(env)).load_auth().unwrap().unwrap();
    assert_eq!(token(plugin).await, "SP-SCOPED-1");
    let rescope = common::mock::received_with(&mock.sp, "POST", "/v3/auth/tokens").await;
    assert_eq!(
        common::k2k::json_body(&rescope[0])["auth"]["scope"],
        serde_json::json!({"project": {"id": "k2k-project-id"}})
    );
}

#[tokio::test]
async fn from_clouds_yaml_auth_section_or_top_level() {
    let mock = K2kMock::start(302).await;
    let k2k = format!(
        "service_provider: {SP_ID}\nremote_project_name: {REMOTE_PROJECT}\nremote_project_domain_name: Default"
    );
    let indent = |text: &str, by: &str| text.lines().map(|l| format!("{by}{l}\n")).collect::<String>();
    let local = format!(
        "auth_url: {}\nusername: alice\nuser_domain_id: default\npassword: {PASSWORD}\nproject_name: demo\nproject_domain_id: default",
        mock.idp_auth_url()
    );
    for (in_auth, at_top) in [(k2k.as_str(), ""), ("", k2k.as_str())] {
        let yaml = format!(
            "clouds:\n  idp:\n    auth_type: v3password\n{}    auth:\n{}{}",
            indent(at_top, "    "),
            indent(&local, "      "),
            indent(in_auth, "      "),
        );
        let clouds = CloudsConfig::from_yaml_str(&yaml, "/test/clouds.yaml").unwrap();
        let cloud = clouds.cloud(Some("idp"), None).unwrap().unwrap();
        let loader = Loader::new().cloud(cloud);
        let source = loader
            .k2k_options()
            .unwrap()
            .source("service-provider")
            .unwrap()
            .to_string();
        assert!(source.contains("service_provider"), "{source}\n{yaml}");
        let plugin = loader.load_auth().unwrap().unwrap();
        assert!(token(plugin).await.starts_with("SP-SCOPED-"), "{yaml}");
    }
}

#[tokio::test]
async fn from_an_ini_section() {
    let mock = K2kMock::start(303).await;
    let ini = IniFile::parse(
        &format!(
            "[keystone_authtoken]\nauth_type = v3password\nauth_url = {}\nusername = alice\nuser_domain_id = default\n\
             password = {PASSWORD}\nproject_name = demo\nproject_domain_id = default\nservice_provider = {SP_ID}\n",
            mock.idp_auth_url()
        ),
        "/etc/svc.conf",
    )
    .unwrap();
    let loader = Loader::new().ini(IniSource::new(ini, "keystone_authtoken"));
    let plugin = loader.load_auth().unwrap().unwrap();
    assert_eq!(token(plugin).await, "SP-UNSCOPED-1", "no remote project: unscoped");
}

#[tokio::test]
async fn without_a_service_provider_the_plugin_is_not_wrapped() {
    let mock = K2kMock::start(302).await;
    let plugin = Loader::new()
        .env(Env::from_pairs(local_env(&mock)))
        .load_auth()
        .unwrap()
        .unwrap();
    assert!(!format!("{plugin:?}").contains("Keystone2Keystone"));
    assert_eq!(token(plugin).await, common::k2k::LOCAL_TOKEN);

    // A remote project without a service provider: an error naming the
    // option and the source of the remote project.
    let mut env = local_env(&mock);
    env.push(("OS_REMOTE_PROJECT_NAME".into(), REMOTE_PROJECT.into()));
    let err = Loader::new()
        .env(Env::from_pairs(env.clone()))
        .load_auth()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("service-provider") && err.contains("OS_REMOTE_PROJECT_NAME"),
        "{err}"
    );
}

#[tokio::test]
async fn a_remote_project_name_alone_is_in_the_default_domain() {
    for (extra, domain) in [
        (None, serde_json::json!({"id": "default"})),
        (
            Some(("OS_DEFAULT_DOMAIN_NAME", "Federated")),
            serde_json::json!({"name": "Federated"}),
        ),
    ] {
        let mock = K2kMock::start(302).await;
        let mut env = local_env(&mock);
        env[0].1 = "password".into(); // the generic plugin takes default-domain-*
        env.push(("OS_SERVICE_PROVIDER".into(), SP_ID.into()));
        env.push(("OS_REMOTE_PROJECT_NAME".into(), REMOTE_PROJECT.into()));
        if let Some((k, v)) = extra {
            env.push((k.into(), v.into()));
        }
        let plugin = Loader::new().env(Env::from_pairs(env)).load_auth().unwrap().unwrap();
        assert_eq!(token(plugin).await, "SP-SCOPED-1");
        let rescope = common::mock::received_with(&mock.sp, "POST", "/v3/auth/tokens").await;
        assert_eq!(
            common::k2k::json_body(&rescope[0])["auth"]["scope"],
            serde_json::json!({"project": {"name": REMOTE_PROJECT, "domain": domain}})
        );
    }
}
