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
    let Some(k) = testkit::saml() else { return };
    let sb = Sandbox::new("k2k");
    let env = ks.admin_env(&ks.auth_url);
    let args = [
        "token",
        "issue",
        "--os-service-provider",
        &k.k2k_sp_id,
        "--os-remote-project-name",
        &k.k2k_remote_project,
        "-f",
        "json",
    ];
    let v = sb.json(&env, &args);
    let id = v["id"].as_str().unwrap().to_owned();
    let (status, body) = at_sp(&k.sp_auth_url, &id);
    assert_eq!(status, 200, "an SP token: {body}");
    assert_eq!(body["token"]["project"]["name"], k.k2k_remote_project.as_str());
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
    with_env.push(("OS_SERVICE_PROVIDER".into(), k.k2k_sp_id.clone()));
    with_env.push(("OS_REMOTE_PROJECT_NAME".into(), k.k2k_remote_project.clone()));
    let out = sb.ok(&with_env, &["exec", "--", "env"]);
    let vars: std::collections::BTreeMap<&str, &str> = out.stdout.lines().filter_map(|l| l.split_once('=')).collect();
    assert_eq!(vars["OS_TOKEN"], id, "the cached SP token");
    assert_eq!(
        vars["OS_AUTH_URL"].trim_end_matches('/').trim_end_matches("/v3"),
        k.sp_auth_url.trim_end_matches('/').trim_end_matches("/v3"),
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
    assert_eq!(row["Value"], k.k2k_sp_id.as_str());
    assert!(row["Source"].as_str().unwrap().contains("OS_SERVICE_PROVIDER"), "{row}");

    sb.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  remote:\n    auth_type: v3password\n    service_provider: {}\n    remote_project_name: {}\n    auth:\n      auth_url: {}\n      username: {}\n      password: {}\n      project_name: {}\n      user_domain_name: Default\n      project_domain_name: Default\n",
            k.k2k_sp_id, k.k2k_remote_project, ks.auth_url, ks.demo_username, ks.demo_password, ks.demo_project
        ),
    );
    let v = sb.json(
        &[],
        &["--os-cloud", "remote", "token", "issue", "-f", "json", "--no-cache"],
    );
    let (status, body) = at_sp(&k.sp_auth_url, v["id"].as_str().unwrap());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token"]["project"]["name"], k.k2k_remote_project.as_str());
}

/// The values of `header` in raw HTTP messages (case-insensitive name).
fn header_values(raw: &str, header: &str) -> Vec<String> {
    raw.lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case(header)
                .then(|| value.trim().to_owned())
        })
        .collect()
}

#[test]
fn the_local_token_never_reaches_the_sp_nor_the_sp_cookie_the_local_keystone() {
    let ks = require_keystone!();
    let Some(k) = testkit::saml() else { return };
    // The local Keystone behind a relay (reached as `localhost`, not proxied);
    // the service provider through a recording HTTP proxy (HTTP_PROXY, which
    // ksa's HTTP client honours), so the assertion still names the SP's own
    // consumer URL, as the stand-in requires.
    let idp_relay = common::proxy::CountingProxy::start(&ks.host_port(), b"POST /v3/auth/OS-FEDERATION/saml2/ecp");
    // An HTTP proxy sees the absolute URL in the request line.
    let presented: &'static [u8] = Box::leak(format!("POST {} ", k.k2k_sp_url).into_bytes().into_boxed_slice());
    let sp_proxy = common::proxy::CountingProxy::start(&common::host_port(&k.k2k_sp_url), presented);
    let port = idp_relay.base.rsplit(':').next().unwrap();
    let mut env = ks.admin_env(&format!("http://localhost:{port}/v3"));
    env.extend(common::pairs(&[
        ("OS_SERVICE_PROVIDER", &k.k2k_sp_id),
        ("OS_REMOTE_PROJECT_NAME", &k.k2k_remote_project),
        ("HTTP_PROXY", &sp_proxy.base),
        ("NO_PROXY", "localhost"),
    ]));
    let sb = Sandbox::new("k2k-leaks");
    let v = sb.json(&env, &["token", "issue", "-f", "json", "--no-cache"]);
    let (status, body) = at_sp(&k.sp_auth_url, v["id"].as_str().unwrap());
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (idp_relay.count(), sp_proxy.count()),
        (1, 1),
        "the assertion asked for and presented once, each through its recorder"
    );

    let (to_idp, to_sp) = (idp_relay.sent(), sp_proxy.sent());
    // Every token the local Keystone issued: never sent to the SP.
    let local_tokens = header_values(&idp_relay.answered(), "x-subject-token");
    assert!(!local_tokens.is_empty() && to_idp.contains(&local_tokens[0]));
    for t in &local_tokens {
        assert!(!to_sp.contains(t.as_str()), "the local token reached the SP:\n{to_sp}");
    }
    assert!(!to_sp.contains(&ks.admin_password));
    assert!(header_values(&to_sp, "x-auth-token").is_empty(), "{to_sp}");
    // The SP's session cookie: back to the SP, never to the local Keystone.
    let cookies: Vec<String> = header_values(&sp_proxy.answered(), "set-cookie")
        .iter()
        .filter_map(|c| Some(c.split(';').next()?.split_once('=')?.1.to_owned()))
        .filter(|c| !c.is_empty())
        .collect();
    assert!(!cookies.is_empty(), "the SP stand-in set a session cookie");
    for c in &cookies {
        assert!(to_sp.contains(c.as_str()), "the cookie went back to the SP");
        assert!(
            !to_idp.contains(c.as_str()),
            "the SP's cookie reached the local Keystone:\n{to_idp}"
        );
    }
    assert!(header_values(&to_idp, "cookie").is_empty(), "{to_idp}");
}
