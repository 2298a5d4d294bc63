//! `ksa token issue --os-service-provider ... --os-remote-project-name ...`
//! (openstackclient's Keystone-to-Keystone flags) against the harness's
//! real federation: the main Keystone as SAML identity provider, a second
//! Keystone behind the mod_shib stand-in as service provider. The token ksa
//! prints is the SP Keystone's, in the remote project; it is cached under
//! its own id; clouds.yaml's top-level `service_provider` does the same.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use common::{http, Sandbox};
use serde_json::Value;

/// The SP Keystone's answer about `token` (it validates itself).
fn at_sp(sp_keystone_url: &str, token: &str) -> (u16, Value) {
    let r = http(
        "GET",
        &format!("{sp_keystone_url}/auth/tokens"),
        &[("X-Auth-Token", token), ("X-Subject-Token", token)],
        None,
    );
    (r.status, r.json().unwrap_or(Value::Null))
}

#[test]
fn the_flags_are_offered_with_any_plugin() {
    let sb = Sandbox::new("k2k-help");
    let out = sb.ok(&[], &["token", "issue", "--help"]);
    for flag in [
        "--os-service-provider",
        "--os-remote-project-id",
        "--os-remote-project-name",
        "--os-remote-project-domain-id",
        "--os-remote-project-domain-name",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from --help:\n{}", out.stdout);
    }
    // No Keystone needed: `config show` lists the options with their sources,
    // and a remote project without a service provider is refused before any request.
    let env = common::pairs(&[
        ("OS_AUTH_URL", "http://127.0.0.1:9/v3"),
        ("OS_USERNAME", "alice"),
        ("OS_PASSWORD", "K2K-CLI-CANARY"),
        ("OS_USER_DOMAIN_ID", "default"),
        ("OS_SERVICE_PROVIDER", "ksa-sp"),
    ]);
    let rows = sb.json(&env, &["--os-remote-project-id", "rp", "config", "show", "-f", "json"]);
    let rows = rows.as_array().unwrap();
    let find = |o: &str| {
        rows.iter()
            .find(|r| r["Option"] == o)
            .unwrap_or_else(|| panic!("{o}: {rows:?}"))
    };
    assert_eq!(
        find("service_provider")["Source"],
        "environment variable OS_SERVICE_PROVIDER"
    );
    assert_eq!(find("remote_project_id")["Value"], "rp");
    let out = sb.run_args(
        &env[..4],
        &["--os-remote-project-name", "rp", "token", "issue", "--no-cache"],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("service-provider") && out.stderr.contains("--os-remote-project-name"),
        "{}",
        out.stderr
    );
}

#[test]
fn token_issue_on_the_service_provider_from_flags_and_clouds_yaml() {
    let ks = require_keystone!();
    let Some(k) = testkit::k2k() else { return };
    let sb = Sandbox::new("k2k");
    let env = ks.admin_env(&ks.auth_url);
    let args = [
        "token",
        "issue",
        "--os-service-provider",
        &k.sp_id,
        "--os-remote-project-name",
        &k.remote_project,
        "-f",
        "json",
    ];
    let v = sb.json(&env, &args);
    let id = v["id"].as_str().unwrap().to_owned();
    let (status, body) = at_sp(&k.sp_keystone_url, &id);
    assert_eq!(status, 200, "an SP token: {body}");
    assert_eq!(body["token"]["project"]["name"], k.remote_project.as_str());
    assert_eq!(v["project_id"], body["token"]["project"]["id"]);
    let (status, _) = ks.validate(&id);
    assert_eq!(status, 404, "not a token of the local Keystone");

    // Cached under the SP token's own id: the next run reuses it.
    assert_eq!(sb.cache_files().len(), 1);
    assert_eq!(sb.json(&env, &args)["id"], id.as_str());
    // Without the flags, the local token: another cache entry.
    let local = sb.json(&env, &["token", "issue", "-f", "json"]);
    assert_ne!(local["id"], id.as_str());
    assert_eq!(ks.validate(local["id"].as_str().unwrap()).0, 200);
    assert_eq!(sb.cache_files().len(), 2);

    // `ksa exec`: the SP token, the SP Keystone as auth URL, and no
    // Keystone-to-Keystone setting left to apply a second time.
    let mut with_env = env.clone();
    with_env.push(("OS_SERVICE_PROVIDER".into(), k.sp_id.clone()));
    with_env.push(("OS_REMOTE_PROJECT_NAME".into(), k.remote_project.clone()));
    let out = sb.ok(&with_env, &["exec", "--", "env"]);
    let vars: std::collections::BTreeMap<&str, &str> = out.stdout.lines().filter_map(|l| l.split_once('=')).collect();
    assert_eq!(vars["OS_TOKEN"], id, "the cached SP token");
    assert_eq!(
        vars["OS_AUTH_URL"].trim_end_matches('/').trim_end_matches("/v3"),
        k.sp_keystone_url.trim_end_matches('/').trim_end_matches("/v3"),
        "{out:?}"
    );
    assert!(!vars.contains_key("OS_SERVICE_PROVIDER") && !vars.contains_key("OS_REMOTE_PROJECT_NAME"));
    // `ksa config show` says where the service provider came from.
    let rows = sb.json(&with_env, &["config", "show", "-f", "json"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Option"] == "service_provider")
        .unwrap();
    assert_eq!(row["Value"], k.sp_id.as_str());
    assert!(row["Source"].as_str().unwrap().contains("OS_SERVICE_PROVIDER"), "{row}");

    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  remote:\n    auth_type: v3password\n    service_provider: {}\n    remote_project_name: {}\n    auth:\n      auth_url: {}\n      username: {}\n      password: {}\n      project_name: {}\n      user_domain_name: Default\n      project_domain_name: Default\n",
            k.sp_id, k.remote_project, ks.auth_url, ks.demo_username, ks.demo_password, ks.demo_project
        ),
    );
    let v = sb.json(
        &[],
        &["--os-cloud", "remote", "token", "issue", "-f", "json", "--no-cache"],
    );
    let (status, body) = at_sp(&k.sp_keystone_url, v["id"].as_str().unwrap());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token"]["project"]["name"], k.remote_project.as_str());
}
