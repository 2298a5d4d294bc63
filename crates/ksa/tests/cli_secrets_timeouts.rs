//! Issue 11 items 3 and 6 for ksa: a password or secret query value in the
//! auth URL never shows in `config show` (table or JSON), and a server that
//! accepts and never answers cannot hang ksa: it has default connect and
//! overall timeouts (10 s and 60 s), overridable, with the usual
//! precedence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{pairs, silent_server, Sandbox};
use serde_json::Value;

const URL_PASSWORD: &str = "CANARY-ksa-url-password-71d2";
const QUERY_SECRET: &str = "CANARY-ksa-query-secret-5b0e";
const PASSWORD: &str = "CANARY-ksa-password-a3f8";
const SECRETS: &[&str] = &[URL_PASSWORD, QUERY_SECRET, PASSWORD, "CANARY"];

fn creds(auth_url: &str) -> Vec<(String, String)> {
    pairs(&[
        ("OS_AUTH_URL", auth_url),
        ("OS_USERNAME", "someone"),
        ("OS_PASSWORD", PASSWORD),
        ("OS_PROJECT_NAME", "proj"),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
    ])
}

/// (value, source) of an option in `config show -f json`.
fn setting(v: &Value, option: &str) -> (String, String) {
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Option"] == option)
        .unwrap_or_else(|| panic!("no {option} row in {v}"));
    (
        row["Value"].as_str().unwrap().to_owned(),
        row["Source"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn config_show_masks_secrets_in_the_auth_url() {
    let s = Sandbox::with_secrets("url-secrets", SECRETS);
    let url = format!("http://alice:{URL_PASSWORD}@127.0.0.1:1/v3?secret={QUERY_SECRET}&region=x");
    // From the environment and from the command line; the sandbox fails
    // the run if a canary reaches stdout or stderr.
    for (env, args) in [
        (creds(&url), vec![]),
        (creds("http://127.0.0.1:1/v3"), vec!["--os-auth-url", url.as_str()]),
    ] {
        let mut json_args = args.clone();
        json_args.extend(["config", "show", "-f", "json"]);
        let v = s.json(&env, &json_args);
        let (shown, _) = setting(&v, "auth_url");
        assert_eq!(shown, "http://alice:***@127.0.0.1:1/v3?secret=***&region=x");
        let mut table_args = args.clone();
        table_args.extend(["config", "show"]);
        let out = s.ok(&env, &table_args);
        assert!(
            out.stdout
                .contains("http://alice:***@127.0.0.1:1/v3?secret=***&region=x"),
            "{}",
            out.stdout
        );
        for format in ["yaml", "value"] {
            let mut other = args.clone();
            other.extend(["config", "show", "-f", format]);
            s.ok(&env, &other);
        }
    }
    // A clouds.yaml auth_url too.
    s.write(
        "home/.config/openstack/clouds.yaml",
        &format!(
            "clouds:\n  c:\n    auth:\n      auth_url: \"{url}\"\n      username: u\n      password: {PASSWORD}\n"
        ),
    );
    let v = s.json(&[], &["--os-cloud", "c", "config", "show", "-f", "json"]);
    assert!(setting(&v, "auth_url").0.contains("alice:***@"), "{v}");
}

#[test]
fn default_timeouts_are_10s_to_connect_and_60s_in_all() {
    let s = Sandbox::with_secrets("timeout-defaults", SECRETS);
    let env = creds("http://127.0.0.1:1/v3");
    let v = s.json(&env, &["config", "show", "-f", "json"]);
    assert_eq!(setting(&v, "timeout"), ("60".into(), "default".into()));
    assert_eq!(setting(&v, "connect_timeout"), ("10".into(), "default".into()));
    // clouds.yaml api_timeout < OS_API_TIMEOUT < --timeout.
    let clouds = s.write(
        "home/.config/openstack/clouds.yaml",
        "clouds:\n  c:\n    api_timeout: 9\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n      username: u\n      password: p\n",
    );
    let v = s.json(&[], &["--os-cloud", "c", "config", "show", "-f", "json"]);
    let (value, source) = setting(&v, "timeout");
    assert_eq!(value, "9");
    assert!(source.contains(&clouds.display().to_string()), "{source}");
    let env = pairs(&[("OS_CLOUD", "c"), ("OS_API_TIMEOUT", "5")]);
    let v = s.json(&env, &["config", "show", "-f", "json"]);
    assert_eq!(
        setting(&v, "timeout"),
        ("5".into(), "environment variable OS_API_TIMEOUT".into())
    );
    let v = s.json(
        &env,
        &[
            "--timeout",
            "7",
            "--connect-timeout",
            "2.5",
            "config",
            "show",
            "-f",
            "json",
        ],
    );
    assert_eq!(setting(&v, "timeout"), ("7".into(), "command line --timeout".into()));
    assert_eq!(
        setting(&v, "connect_timeout"),
        ("2.5".into(), "command line --connect-timeout".into())
    );
    // Nonsense is refused, naming the option.
    for (arg, option) in [
        ("--timeout=0", "timeout"),
        ("--connect-timeout=-1", "connect-timeout"),
        ("--connect-timeout=soon", "connect-timeout"),
    ] {
        let out = s.run_args(&env, &[arg, "config", "show"]);
        assert_eq!(out.code, 1, "{arg}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("invalid value for option {option}")),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_server_that_never_answers_cannot_hang_ksa() {
    let s = Sandbox::with_secrets("hung-server", SECRETS);
    let (addr, accepted) = silent_server();
    let url = format!("http://alice:{URL_PASSWORD}@{addr}/v3");
    // The sandbox's own bound (60 s) fails the run if ksa hangs; with
    // keystoneauth1's 600 s default it would.
    let out = s.run_args(
        &creds(&url),
        &[
            "--timeout",
            "1",
            "--connect-timeout",
            "1",
            "--no-cache",
            "token",
            "issue",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.starts_with("ksa: error: "), "{}", out.stderr);
    assert!(out.stderr.contains("timed out"), "{}", out.stderr);
    // The error names the URL, with its password masked.
    assert!(
        out.stderr.contains(&format!("http://alice:***@{addr}/v3")),
        "{}",
        out.stderr
    );
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}
