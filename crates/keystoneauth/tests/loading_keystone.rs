//! Plugins loaded from an INI group, command-line flags, `OS_*` variables
//! and clouds.yaml authenticate against the real Keystone started by
//! `scripts/keystone`. The environment is passed as an `Env`, never read
//! from or written to the process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use testkit::require_keystone;
use testkit::temp_dir;

use std::sync::Arc;

use clap::Command;
use keystoneauth::loading::{cli, CloudsConfig, Env, IniFile, IniSource, Loader};
use keystoneauth::{AuthPlugin, EndpointFilter, Interface, Session};

/// Authenticates with `plugin` and checks the user and project.
async fn check(plugin: Arc<dyn AuthPlugin>, session: Session, user_id: &str, project_id: &str) {
    let session = session.with_auth(Some(plugin));
    assert!(session.token(None).await.unwrap().is_some());
    assert_eq!(session.user_id(None).await.unwrap().as_deref(), Some(user_id));
    assert_eq!(session.project_id(None).await.unwrap().as_deref(), Some(project_id));
}

#[tokio::test]
async fn from_an_ini_group_with_auth_section() {
    let ks = require_keystone!();
    let text = format!(
        "[compute]\nauth_section = keystone_authtoken\nservice_type = compute\nvalid_interfaces = internal\n\
         region_name = RegionOne\ntimeout = 30\n\n\
         [keystone_authtoken]\nauth_type = v3password\nauth_url = {}\nusername = {}\nuser_domain_id = default\n\
         password = {}\nproject_name = {}\nproject_domain_id = default\n",
        ks.auth_url, ks.admin_username, ks.admin_password, ks.admin_project
    );
    let ini = IniFile::parse(&text, "/etc/nova/nova.conf").unwrap();
    let loader = Loader::new().ini(IniSource::new(ini, "compute"));
    let plugin = loader.load_auth().unwrap().unwrap();
    let session = loader.load_session().unwrap().build().unwrap();
    check(plugin.clone(), session.clone(), &ks.admin_user_id, &ks.admin_project_id).await;
    // The adapter finds the internal compute endpoint of RegionOne.
    let adapter = loader
        .load_adapter(session.with_auth(Some(plugin)))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(adapter.endpoint().await.unwrap(), "http://127.0.0.2:8774/v2.1");
}

#[tokio::test]
async fn from_command_line_flags() {
    let ks = require_keystone!();
    let argv: Vec<String> = [
        "prog",
        "--os-auth-type",
        "v3password",
        "--os-auth-url",
        &ks.auth_url,
        "--os-username",
        &ks.demo_username,
        "--os-user-domain-id",
        "default",
        "--os-password",
        &ks.demo_password,
        "--os-project-name",
        &ks.demo_project,
        "--os-project-domain-name",
        "Default",
        "--os-region-name",
        "RegionTwo",
        "--os-interface",
        "admin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = Env::empty();
    let cmd = cli::register_session_args(Command::new("prog"));
    let cmd = cli::register_adapter_args(cmd, Some("compute"));
    let cmd = cli::register_auth_args(cmd, &argv, &env, None).unwrap();
    let m = cmd.try_get_matches_from(&argv).unwrap();
    let plugin = cli::load_auth_from_matches(&m, &env).unwrap().unwrap();
    let session = cli::load_session_from_matches(&m, &env).unwrap().build().unwrap();
    check(plugin.clone(), session.clone(), &ks.demo_user_id, &ks.demo_project_id).await;
    let adapter = cli::load_adapter_from_matches(&m, &env, session.with_auth(Some(plugin)), None)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(adapter.endpoint().await.unwrap(), "http://127.0.0.3:18774/v2.1");
}

#[tokio::test]
async fn from_os_variables_alone() {
    let ks = require_keystone!();
    // Horizon's openrc: no OS_AUTH_TYPE; OS_IDENTITY_API_VERSION=3 picks v3password.
    let env = Env::from_pairs([
        ("OS_AUTH_URL", ks.auth_url.as_str()),
        ("OS_PROJECT_ID", ks.demo_project_id.as_str()),
        ("OS_PROJECT_NAME", ks.demo_project.as_str()),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_USERNAME", ks.demo_username.as_str()),
        ("OS_PASSWORD", ks.demo_password.as_str()),
        ("OS_REGION_NAME", "RegionOne"),
        ("OS_INTERFACE", "public"),
        ("OS_IDENTITY_API_VERSION", "3"),
    ]);
    let loader = Loader::new().env(env.clone());
    assert_eq!(loader.auth_type().unwrap().unwrap().value, "v3password");
    let plugin = loader.load_auth().unwrap().unwrap();
    let session = loader.load_session().unwrap().build().unwrap();
    check(plugin.clone(), session.clone(), &ks.demo_user_id, &ks.demo_project_id).await;
    let filter = EndpointFilter::new("compute")
        .interface(Interface::Public)
        .region_name("RegionOne");
    let url = session.endpoint(&filter, Some(&plugin)).await.unwrap();
    assert_eq!(url, "http://127.0.0.1:8774/v2.1");

    // The generic plugin, by OS_AUTH_TYPE, discovering the version.
    let generic = env
        .with("OS_AUTH_TYPE", "password")
        .with("OS_AUTH_URL", ks.auth_url.trim_end_matches("/v3"));
    let plugin = Loader::new().env(generic).load_auth().unwrap().unwrap();
    check(plugin, Session::new().unwrap(), &ks.demo_user_id, &ks.demo_project_id).await;
}

#[tokio::test]
async fn from_clouds_yaml_and_secure_yaml() {
    let ks = require_keystone!();
    let dir = temp_dir("clouds");
    std::fs::write(
        dir.join("clouds.yaml"),
        format!(
            "clouds:\n  local:\n    profile: devstack-like\n    auth:\n      username: {}\n      \
             project_name: {}\n      user_domain_name: Default\n      project_domain_name: Default\n    \
             region_name: RegionTwo\n    interface: internal\n",
            ks.admin_username, ks.admin_project
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("secure.yaml"),
        format!(
            "clouds:\n  local:\n    auth:\n      password: '{}'\n",
            ks.admin_password
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("clouds-public.yaml"),
        format!(
            "public-clouds:\n  devstack-like:\n    auth:\n      auth_url: {}\n    identity_api_version: 3\n",
            ks.auth_url
        ),
    )
    .unwrap();
    let env = Env::from_pairs([("OS_CLOUD", "local")]);
    let clouds = CloudsConfig::builder().search_dirs([&dir]).load(&env).unwrap();
    let cloud = clouds.cloud(None, None).unwrap().unwrap();
    let loader = Loader::new().cloud(cloud).service_type("compute");
    let plugin = loader.load_auth().unwrap().unwrap();
    let session = loader.load_session().unwrap().build().unwrap();
    check(plugin.clone(), session.clone(), &ks.admin_user_id, &ks.admin_project_id).await;
    let adapter = loader
        .load_adapter(session.with_auth(Some(plugin)))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(adapter.endpoint().await.unwrap(), "http://127.0.0.2:18774/v2.1");
}
