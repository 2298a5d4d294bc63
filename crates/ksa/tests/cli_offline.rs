//! ksa behaviour that needs no Keystone: usage errors, help, completions,
//! `config show` (sources and masking), and the errors for a missing option
//! and an unreachable auth URL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{pairs, Sandbox};
use serde_json::Value;

const CANARY: &str = "ksa-canary-password-3f9c1e";
const SECRETS: &[&str] = &[CANARY];

fn env_creds(auth_url: &str) -> Vec<(String, String)> {
    pairs(&[
        ("OS_AUTH_URL", auth_url),
        ("OS_USERNAME", "someone"),
        ("OS_PASSWORD", CANARY),
        ("OS_PROJECT_NAME", "proj"),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
    ])
}

#[test]
fn usage_errors_exit_2() {
    let s = Sandbox::with_secrets("usage", SECRETS);
    for args in [
        &["tokn", "issue"][..],
        &["--bogus-flag", "token", "issue"],
        &["token", "issue", "--nope"],
        &["token"],
        &["-f", "xml", "token", "issue"],
        &["completion", "klingon"],
        &["endpoint", "get", "compute", "--api-version", "2", "--min-version", "2"],
    ] {
        let out = s.run_args(&[], args);
        assert_eq!(out.code, 2, "ksa {args:?}:\n{}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.starts_with("error: "), "ksa {args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "ksa {args:?}: {}", out.stdout);
    }
    let out = s.run_args(&[], &["tokn", "issue"]);
    assert!(out.stderr.contains("unrecognized subcommand 'tokn'"), "{}", out.stderr);
}

#[test]
fn help_and_version_exit_0() {
    let s = Sandbox::with_secrets("help", SECRETS);
    let out = s.ok(&[], &["--help"]);
    for cmd in [
        "token",
        "catalog",
        "endpoint",
        "versions",
        "request",
        "config",
        "completion",
    ] {
        assert!(out.stdout.contains(cmd), "{cmd} missing from --help:\n{}", out.stdout);
    }
    for flag in [
        "--format",
        "--column",
        "--debug",
        "--no-cache",
        "--os-cloud",
        "--os-auth-url",
        "--os-password",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from --help");
    }
    let out = s.ok(&[], &["--version"]);
    assert!(out.stdout.starts_with("ksa "), "{}", out.stdout);
    let out = s.ok(&[], &["request", "--help"]);
    for flag in [
        "--data",
        "--header",
        "--microversion",
        "--include",
        "--no-auth",
        "--region",
        "--interface",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from request --help");
    }
}

#[test]
fn help_lists_the_chosen_plugins_options() {
    let s = Sandbox::with_secrets("help-plugin", SECRETS);
    let out = s.ok(&[], &["--os-auth-type", "v3applicationcredential", "--help"]);
    assert!(out.stdout.contains("--os-application-credential-id"), "{}", out.stdout);
    assert!(out.stdout.contains("--os-application-credential-secret"));
    assert!(!out.stdout.contains("--os-password"), "{}", out.stdout);
    // The same choice from the environment.
    let env = pairs(&[("OS_AUTH_TYPE", "v3applicationcredential")]);
    let out = s.ok(&env, &["--help"]);
    assert!(out.stdout.contains("--os-application-credential-id"));
    assert!(!out.stdout.contains("--os-password"));
    // And the default (password) plugin.
    let out = s.ok(&[], &["--help"]);
    assert!(out.stdout.contains("--os-password"));
    assert!(!out.stdout.contains("--os-application-credential-id"));
    // An unknown plugin is an error naming it.
    let out = s.run_args(&[], &["--os-auth-type", "nosuchplugin", "--help"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("nosuchplugin"), "{}", out.stderr);
}

#[test]
fn completion_scripts() {
    let s = Sandbox::with_secrets("completion", SECRETS);
    let out = s.ok(&[], &["completion", "bash"]);
    assert!(
        out.stdout.contains("_ksa()"),
        "{}",
        &out.stdout[..out.stdout.len().min(300)]
    );
    assert!(out.stdout.contains("complete -F _ksa"));
    assert!(out.stdout.contains("--os-auth-url"));
    for shell in ["zsh", "fish"] {
        let out = s.ok(&[], &["completion", shell]);
        assert!(out.stdout.contains("ksa"), "{shell}");
    }
    // A closed pipe is not a panic.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ksa"))
        .args(["completion", "bash"])
        .env_clear()
        .env("HOME", &s.home)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
}

fn rows(v: &Value) -> Vec<(String, String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["Option"].as_str().unwrap().to_owned(),
                r["Value"].as_str().unwrap().to_owned(),
                r["Source"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row<'a>(rows: &'a [(String, String, String)], option: &str) -> &'a (String, String, String) {
    rows.iter()
        .find(|r| r.0 == option)
        .unwrap_or_else(|| panic!("no {option} row in {rows:?}"))
}

#[test]
fn config_show_lists_sources_and_masks_secrets() {
    let s = Sandbox::with_secrets("config-env", SECRETS);
    let env = env_creds("http://127.0.0.1:1/v3");
    let v = s.json(&env, &["config", "show", "-f", "json"]);
    let r = rows(&v);
    assert_eq!(row(&r, "auth_type").1, "password");
    assert_eq!(
        row(&r, "username"),
        &(
            "username".into(),
            "someone".into(),
            "environment variable OS_USERNAME".into()
        )
    );
    assert_eq!(row(&r, "auth_url").2, "environment variable OS_AUTH_URL");
    let pw = row(&r, "password");
    assert_ne!(pw.1, CANARY);
    assert!(pw.1.contains('*'), "{pw:?}");
    assert_eq!(pw.2, "environment variable OS_PASSWORD");
    assert_eq!(row(&r, "interface").1, "public");
    assert_eq!(row(&r, "token_cache").1, s.cache_dir().display().to_string());
    // A flag wins over the variable, and says so.
    let v = s.json(
        &env,
        &["--os-username", "flagged", "--no-cache", "config", "show", "-f", "json"],
    );
    let r = rows(&v);
    assert_eq!(row(&r, "username").1, "flagged");
    assert_eq!(row(&r, "username").2, "command line --os-username");
    assert_eq!(row(&r, "token_cache").1, "disabled");
    // The table form and -c.
    let out = s.ok(&env, &["config", "show"]);
    assert!(out.stdout.contains("| Option"), "{}", out.stdout);
    let out = s.ok(&env, &["config", "show", "-f", "value", "-c", "option"]);
    assert!(out.stdout.lines().any(|l| l == "password"), "{}", out.stdout);
    // config show makes no request: nothing is listening on port 1.
}

#[test]
fn config_show_names_the_clouds_yaml() {
    let s = Sandbox::with_secrets("config-clouds", SECRETS);
    let clouds = s.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  mycloud:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n      username: clouduser\n      \
             password: {CANARY}\n      project_name: p\n      user_domain_name: Default\n      \
             project_domain_name: Default\n    region_name: RegionTwo\n    interface: internal\n    \
             split_loggers: true\n"
        ),
    );
    let v = s.json(&[], &["--os-cloud", "mycloud", "config", "show", "-f", "json"]);
    let r = rows(&v);
    let path = clouds.display().to_string();
    let user = row(&r, "username");
    assert_eq!(user.1, "clouduser");
    assert!(user.2.contains(&path) && user.2.contains("mycloud"), "{user:?}");
    let pw = row(&r, "password");
    assert!(pw.1.contains('*') && pw.2.contains(&path), "{pw:?}");
    assert_eq!(row(&r, "region_name").1, "RegionTwo");
    assert_eq!(row(&r, "interface").1, "internal");
    assert!(row(&r, "interface").2.contains(&path));
    let split = row(&r, "split_loggers");
    assert_eq!(split.1, "true");
    assert!(split.2.contains(&path), "{split:?}");
    // OS_CLOUD picks it too; an OS_* variable still wins over the file.
    let env = pairs(&[("OS_CLOUD", "mycloud"), ("OS_USERNAME", "envuser")]);
    let r = rows(&s.json(&env, &["config", "show", "-f", "json"]));
    assert_eq!(row(&r, "username").1, "envuser");
    assert_eq!(row(&r, "username").2, "environment variable OS_USERNAME");
    assert!(row(&r, "auth_url").2.contains(&path));
    // An unknown cloud is an error naming it and the file.
    let out = s.run_args(&[], &["--os-cloud", "nosuch", "config", "show"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("nosuch") && out.stderr.contains(&path),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
}

#[test]
fn missing_option_says_where_to_set_it() {
    let s = Sandbox::with_secrets("missing", SECRETS);
    let out = s.run_args(&pairs(&[("OS_USERNAME", "u")]), &["token", "issue"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("ksa: error: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("auth-url") && out.stderr.contains("--os-auth-url") && out.stderr.contains("OS_AUTH_URL"),
        "{}",
        out.stderr
    );
    // A password plugin without a password (and no terminal to ask on).
    let env = pairs(&[("OS_AUTH_URL", "http://127.0.0.1:1/v3"), ("OS_USERNAME", "u")]);
    let out = s.run(s.ksa(&env).args(["token", "issue"]).write_stdin(""));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("password") && out.stderr.contains("OS_PASSWORD"),
        "{}",
        out.stderr
    );
}

#[test]
fn unreachable_auth_url() {
    let s = Sandbox::with_secrets("unreachable", SECRETS);
    let out = s.run_args(&env_creds("http://127.0.0.1:1/v3"), &["token", "issue"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("ksa: error: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("unable to establish a connection"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("127.0.0.1:1"), "{}", out.stderr);
    assert!(s.cache_files().is_empty());
}
