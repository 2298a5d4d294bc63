//! `ksa exec`, `ksa env` and the per-service `--os-<service>-*` flags
//! against the real Keystone: the exported token works (Keystone validates
//! it, and another client authenticates with it), the password and other
//! secrets are gone (canaries), exit codes pass through, `ksa env` output
//! evaluated by sh gives the same environment; an endpoint override given
//! as a per-service flag is where requests go. Skipped, with a printed
//! reason, without a Keystone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::collections::BTreeMap;

use common::proxy::CountingProxy;
use common::{pairs, Keystone, Sandbox};

/// Secrets given to ksa next to the password: none may reach the command.
const CANARIES: &[(&str, &str)] = &[
    ("OS_CLIENT_SECRET", "canary-client-secret-51"),
    ("OS_APPLICATION_CREDENTIAL_SECRET", "canary-appcred-52"),
    ("OS_PASSCODE", "canary-passcode-53"),
    ("OS_AUTH_TOKEN", "canary-auth-token-54"),
];

/// The admin's variables plus the canaries; the sandbox treats every
/// canary as a secret (no output may contain one).
fn env_with_canaries(k: &Keystone, s: &mut Sandbox) -> Vec<(String, String)> {
    let mut env = k.admin_env(&k.auth_url);
    env.extend(pairs(CANARIES));
    s.secrets.extend(CANARIES.iter().map(|(_, v)| (*v).to_owned()));
    env
}

/// `NAME=value` lines as a map (values without newlines).
fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Checks the variables the command got; returns its token.
fn check_exported(k: &Keystone, vars: &BTreeMap<String, String>) -> String {
    assert_eq!(vars["OS_AUTH_TYPE"], "token");
    assert_eq!(vars["OS_AUTH_URL"], k.auth_url);
    assert_eq!(vars["OS_PROJECT_ID"], k.admin_project_id);
    for gone in ["OS_PASSWORD", "OS_USERNAME", "OS_PROJECT_NAME", "OS_USER_DOMAIN_NAME"] {
        assert!(!vars.contains_key(gone), "{gone} was passed on");
    }
    for (name, _) in CANARIES {
        assert!(!vars.contains_key(*name), "{name} was passed on");
    }
    let token = vars["OS_TOKEN"].clone();
    let (status, body) = k.validate(&token);
    assert_eq!(status, 200, "Keystone rejects the exported token: {body}");
    assert_eq!(body["token"]["project"]["id"], k.admin_project_id.as_str());
    token
}

#[test]
fn exec_gives_a_working_token_and_no_secrets() {
    let k = require_keystone!();
    let mut s = Sandbox::new("exec");
    let env = env_with_canaries(&k, &mut s);
    // Sandbox::run fails if the password or a canary is in the output.
    let out = s.ok(&env, &["exec", "--service", "identity", "--", "env"]);
    let vars = parse_env(&out.stdout);
    check_exported(&k, &vars);
    let endpoint = s.ok(&env, &["endpoint", "get", "identity"]).stdout;
    assert_eq!(vars["OS_ENDPOINT"], endpoint.trim());
    assert_eq!(
        vars["HOME"],
        s.home.display().to_string(),
        "the rest of the environment is kept"
    );
    // Without --service, no OS_ENDPOINT (and an outer one is removed).
    let mut with_endpoint = env.clone();
    with_endpoint.push(("OS_ENDPOINT".into(), "http://stale.example".into()));
    let vars = parse_env(&s.ok(&with_endpoint, &["exec", "--", "env"]).stdout);
    assert!(!vars.contains_key("OS_ENDPOINT"));
}

#[test]
fn the_exported_token_authenticates_another_client() {
    let k = require_keystone!();
    let mut s = Sandbox::new("exec-client");
    let env = env_with_canaries(&k, &mut s);
    let ksa = assert_cmd::cargo::cargo_bin("ksa");
    let inner = ksa.to_str().unwrap();
    // The inner ksa has only the token (OS_AUTH_TYPE=token): it authenticates
    // with it, as openstackclient would, and gets the same scope.
    let out = s.ok(
        &env,
        &["exec", "--", inner, "--no-cache", "token", "issue", "-f", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["project_id"], k.admin_project_id.as_str());
    assert_eq!(v["user_id"], k.admin_user_id.as_str());
    assert_eq!(k.validate(v["id"].as_str().unwrap()).0, 200);
}

#[test]
fn exec_propagates_the_exit_code() {
    let k = require_keystone!();
    let s = Sandbox::new("exec-code");
    let env = k.admin_env(&k.auth_url);
    assert_eq!(s.run_args(&env, &["exec", "--", "sh", "-c", "exit 7"]).code, 7);
    assert_eq!(s.run_args(&env, &["exec", "--", "true"]).code, 0);
    let out = s.run_args(&env, &["exec", "--", "/nonexistent/cmd"]);
    assert_eq!(out.code, 127);
    assert!(out.stderr.contains("/nonexistent/cmd"), "{}", out.stderr);
    // Arguments after -- are the command's, flags included.
    let out = s.ok(&env, &["exec", "--", "sh", "-c", "echo \"$0 $1\"", "--os-cloud", "x"]);
    assert_eq!(out.stdout, "--os-cloud x\n");
}

#[test]
fn env_output_evaluated_by_sh_gives_the_exec_environment() {
    let k = require_keystone!();
    let mut s = Sandbox::new("env-sh");
    let env = env_with_canaries(&k, &mut s);
    let script = s.ok(&env, &["env"]).stdout;
    assert!(script.contains("unset OS_PASSWORD\n"), "{script}");
    assert!(script.contains("export OS_AUTH_TYPE='token'\n"), "{script}");
    // The same variables, in a shell that had the password.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{script}\nenv"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(&k.admin_password));
    for (_, canary) in CANARIES {
        assert!(!text.contains(canary));
    }
    check_exported(&k, &parse_env(&text));
    // fish and PowerShell syntax (their quoting is checked by the unit tests).
    let fish = s.ok(&env, &["env", "--shell", "fish"]).stdout;
    assert!(fish.contains("set -e OS_PASSWORD\n") && fish.contains("set -gx OS_AUTH_TYPE 'token'\n"));
    let pwsh = s.ok(&env, &["env", "--shell", "powershell"]).stdout;
    assert!(pwsh.contains("$Env:OS_AUTH_TYPE = 'token'\n"), "{pwsh}");
}

#[test]
fn per_service_flags_are_used() {
    let k = require_keystone!();
    let s = Sandbox::new("service-flags");
    let env = k.admin_env(&k.auth_url);
    // --os-identity-endpoint-override: the request goes to the override.
    let counter = CountingProxy::start(&k.host_port(), b"GET /v3/projects HTTP");
    let override_url = format!("{}/v3", counter.base);
    s.ok(
        &env,
        &[
            "--os-identity-endpoint-override",
            &override_url,
            "request",
            "GET",
            "identity",
            "/v3/projects",
        ],
    );
    assert_eq!(counter.count(), 1);
    // A service not in the catalog and not among the listed ones, with the
    // flag after the subcommand and in --flag=value form.
    let lb = CountingProxy::start(&k.host_port(), b"GET /v2/lbaas/loadbalancers HTTP");
    let flag = format!("--os-load-balancer-endpoint-override={}/v2", lb.base);
    let out = s.run_args(
        &env,
        &["request", "GET", "load-balancer", "/v2/lbaas/loadbalancers", &flag],
    );
    assert_eq!(lb.count(), 1, "{}", out.stderr);
    // The variable works the same way.
    let mut with_var = env.clone();
    with_var.push(("OS_LOAD_BALANCER_ENDPOINT_OVERRIDE".into(), format!("{}/v2", lb.base)));
    s.run_args(
        &with_var,
        &["request", "GET", "load-balancer", "/v2/lbaas/loadbalancers"],
    );
    assert_eq!(lb.count(), 2);
    // An unknown service type is not a flag.
    let out = s.run_args(&env, &["--os-nosuch-api-version", "2", "token", "issue"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn help_lists_the_new_commands_and_flags() {
    let s = Sandbox::new("help");
    let help = s.ok(&[], &["--help"]).stdout;
    for text in [
        "proxy",
        "exec",
        "env",
        "--os-compute-api-version",
        "--os-compute-endpoint-override",
        "--os-volume-api-version",
        "--os-image-interface",
    ] {
        assert!(help.contains(text), "{text} missing from --help:\n{help}");
    }
}
