//! Multi-factor authentication on a terminal, against the real Keystone's
//! seeded password+TOTP user: `ksa` run in a pseudo-terminal asks for the
//! missing method without echo, naming it and the user, finishes with the
//! auth receipt, and caches the token; without a terminal it keeps the
//! clear error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use testkit::require_keystone;

use std::path::Path;

use common::totp::totp;
use common::{pairs, Sandbox};
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

/// What the terminal shows to check the echo works before ksa starts.
const ECHO_PROBE: &str = "ECHO-PROBE-7c2d";

/// ksa with `args` in a new pseudo-terminal whose echo is on (as in a
/// real terminal), after the shell has shown that it echoes a probe line.
fn ksa_in_a_terminal(sb: &Sandbox, env: &[(String, String)], args: &[&str]) -> PtySession {
    let ksa = assert_cmd::cargo::cargo_bin("ksa");
    // The shell says when echo is on before the probe is typed: a line typed
    // earlier would not be echoed (the pseudo-terminal starts without echo).
    let script = r#"stty echo && echo ECHO-READY && read -r probe && exec "$0" "$@""#;
    let mut all = vec!["-c", script, ksa.to_str().unwrap()];
    all.extend_from_slice(args);
    let cmd = sb.command_of(Some(Path::new("/bin/sh")), env, &all);
    let mut p = rexpect::session::spawn_command(cmd, Some(120_000)).unwrap();
    p.exp_string("ECHO-READY").unwrap();
    p.send_line(ECHO_PROBE).unwrap();
    // The terminal echoes what is typed: the probe comes back.
    p.exp_string(ECHO_PROBE).unwrap();
    p
}

/// Waits (120 s at most) until the terminal's echo is off: ksa is then
/// reading the secret, and what is typed is not shown.
fn wait_for_no_echo(p: &PtySession) {
    let master = p.process().get_file_handle().unwrap();
    common::block_until("ksa turning the terminal's echo off", testkit::DEADLINE, || {
        let modes = rustix::termios::tcgetattr(&master).unwrap().local_modes;
        !modes.contains(rustix::termios::LocalModes::ECHO)
    });
}

/// Types `secret` at the prompt once the echo is off; returns everything
/// the terminal showed until ksa ended, and its exit code.
fn type_at_prompt(mut p: PtySession, prompt: &str, secret: &str) -> (String, i32) {
    p.exp_string(prompt).unwrap();
    wait_for_no_echo(&p);
    p.send_line(secret).unwrap();
    let rest = p.exp_eof().unwrap();
    let code = match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("ksa did not exit normally: {other:?}"),
    };
    (rest, code)
}

struct MfaUser {
    name: String,
    password: String,
    secret: String,
    id: String,
}

fn mfa_user(ks: &common::Keystone) -> Option<MfaUser> {
    let user = MfaUser {
        name: ks.mfa_username.clone(),
        password: ks.mfa_password.clone(),
        secret: ks.mfa_totp_secret.clone(),
        id: ks.mfa_user_id.clone(),
    };
    if user.name.is_empty() || user.secret.is_empty() {
        common::skip("the harness did not seed the multi-factor user");
        return None;
    }
    Some(user)
}

#[test]
fn a_missing_totp_passcode_is_asked_on_the_terminal_without_echo() {
    let ks = require_keystone!();
    let Some(user) = mfa_user(&ks) else { return };
    let mut sb = Sandbox::new("mfa-totp");
    sb.secrets.push(user.password.clone());
    // An openrc with the password only (the generic password plugin).
    let env = pairs(&[
        ("OS_AUTH_URL", &ks.auth_url),
        ("OS_USERNAME", &user.name),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PASSWORD", &user.password),
        ("OS_PROJECT_NAME", &ks.demo_project),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
    ]);

    // Without a terminal: the clear error of before, and nothing cached.
    let out = sb.run_args(&env, &["token", "issue"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        (out.stderr.contains("required one of [password, totp]")
            || out.stderr.contains("required one of [totp, password]"))
            && out.stderr.contains("--os-passcode")
            && out.stderr.contains("or run ksa on a terminal to be asked for it"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("TOTP passcode for"), "{}", out.stderr);
    assert!(sb.cache_files().is_empty());

    // On a terminal: asked for, by method and user, without echo.
    let p = ksa_in_a_terminal(&sb, &env, &["--debug", "-f", "json", "token", "issue"]);
    let code = totp(&user.secret);
    let prompt = format!("TOTP passcode for user {} (domain Default): ", user.name);
    let (shown, status) = type_at_prompt(p, &prompt, &code);
    assert_eq!(status, 0, "{shown}");
    assert!(!shown.contains(&code), "the passcode was shown:\n{shown}");
    assert!(!shown.contains(&user.password), "the password was shown:\n{shown}");
    // The debug log shows the two token requests, and a token came out.
    assert!(
        shown.contains("/v3/auth/tokens") && shown.contains("\"user_id\""),
        "{shown}"
    );
    assert!(shown.contains(&user.id), "{shown}");
    let files = sb.cache_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let cached = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!cached.contains(&code) && !cached.contains(&user.password));

    // The next run, without a terminal, uses the cached token: no prompt,
    // no error.
    let v = sb.json(&env, &["token", "issue", "-f", "json"]);
    assert_eq!(v["user_id"], user.id.as_str());
    assert_eq!(v["project_id"], ks.demo_project_id.as_str());
}

#[test]
fn a_missing_password_is_asked_and_a_wrong_answer_is_a_clear_error() {
    let ks = require_keystone!();
    let Some(user) = mfa_user(&ks) else { return };
    let mut sb = Sandbox::new("mfa-password");
    sb.secrets.push(user.password.clone());
    let env = |passcode: &str| {
        pairs(&[
            ("OS_AUTH_TYPE", "v3totp"),
            ("OS_AUTH_URL", &ks.auth_url),
            ("OS_USER_ID", &user.id),
            ("OS_PASSCODE", passcode),
            ("OS_PROJECT_ID", &ks.demo_project_id),
        ])
    };

    // A wrong password: Keystone's refusal, and the answer is not shown.
    let wrong = "WRONG-PASSWORD-CANARY-3e9b";
    let p = ksa_in_a_terminal(&sb, &env(&totp(&user.secret)), &["--no-cache", "token", "issue"]);
    let (shown, status) = type_at_prompt(p, "Password for user ", wrong);
    assert_eq!(status, 1, "{shown}");
    assert!(shown.contains("ksa: error:") && shown.contains("401"), "{shown}");
    assert!(!shown.contains(wrong), "the answer was shown:\n{shown}");

    // The right one gives a token.
    let p = ksa_in_a_terminal(
        &sb,
        &env(&totp(&user.secret)),
        &["--no-cache", "-f", "json", "token", "issue"],
    );
    let prompt = format!("Password for user {} (domain Default): ", user.name);
    let (shown, status) = type_at_prompt(p, &prompt, &user.password);
    assert_eq!(status, 0, "{shown}");
    assert!(!shown.contains(&user.password), "the password was shown:\n{shown}");
    assert!(shown.contains(&user.id), "{shown}");
}
