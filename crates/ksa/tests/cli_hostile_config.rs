//! ksa and hostile configuration (issue 11, item 5): a clouds.yaml in the
//! current directory is read by every command, so an alias bomb or a huge
//! file there must be refused naming the file; an `OS_*` variable that is
//! not UTF-8 must be named, never reported as a missing option.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../keystoneauth/tests/common/hostile.rs"]
mod hostile;

use common::{pairs, Sandbox};
use hostile::alias_bomb;

#[test]
fn alias_bomb_in_the_current_directory_is_refused() {
    let s = Sandbox::new("alias-bomb");
    let path = s.home.join("clouds.yaml");
    std::fs::write(&path, alias_bomb(10)).unwrap();
    let out = s.run_args(&[], &["config", "show"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains(&path.display().to_string()), "{}", out.stderr);
    assert!(out.stderr.contains("100000 nodes"), "{}", out.stderr);
}

#[test]
fn huge_clouds_yaml_is_refused_before_reading() {
    let s = Sandbox::new("huge-clouds");
    let path = s.home.join("clouds.yaml");
    std::fs::File::create(&path).unwrap().set_len(50_000_000).unwrap();
    let out = s.run_args(&[], &["config", "show"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains(&path.display().to_string()), "{}", out.stderr);
    assert!(out.stderr.contains("4 MiB limit"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn os_password_not_utf8_is_named() {
    use std::os::unix::ffi::OsStringExt;
    let s = Sandbox::new("not-utf8");
    let env = pairs(&[
        ("OS_AUTH_URL", "http://127.0.0.1:9/v3"),
        ("OS_USERNAME", "u"),
        ("OS_PROJECT_NAME", "p"),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_PROJECT_DOMAIN_NAME", "Default"),
    ]);
    let mut cmd = s.ksa(&env);
    cmd.env("OS_PASSWORD", std::ffi::OsString::from_vec(b"canary-\xff-pw".to_vec()))
        .args(["token", "issue"]);
    let out = s.run(&mut cmd);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("OS_PASSWORD is not valid UTF-8"), "{}", out.stderr);
    assert!(!out.stderr.contains("missing required option"), "{}", out.stderr);
    assert!(!out.stderr.contains("canary"), "{}", out.stderr);
}
