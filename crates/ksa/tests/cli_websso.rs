//! `ksa --os-auth-type v3websso` against the real Keystone: the URL is
//! printed, the browser (`$BROWSER`) is started, and the unscoped token is
//! kept in the token cache, so a later run re-scopes to another project
//! without a second login. The "browser" here is a script that does what a
//! browser does with Keystone's WebSSO page, with curl: fetch it and submit
//! its form (the real-browser case is keystoneauth's websso_keystone test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::os::unix::fs::PermissionsExt;

use common::Sandbox;

/// A `$BROWSER` that logs in with curl and counts its logins in `logins`.
fn curl_browser(s: &Sandbox) -> String {
    let path = s.root.join("browser");
    let logins = s.root.join("logins");
    std::fs::write(
        &path,
        format!(
            r#"#!/bin/sh
# Fetch Keystone's WebSSO page and submit its form, as a browser would.
url=$1
page=$(curl -fsS "$url") || exit 1
action=$(printf '%s' "$page" | sed -n 's/.*action="\([^"]*\)".*/\1/p')
token=$(printf '%s' "$page" | sed -n 's/.*id="token" value="\([^"]*\)".*/\1/p')
origin=$(printf '%s' "$url" | sed 's|^\(https\{{0,1\}}://[^/]*\).*|\1|')
echo login >>'{logins}'
curl -fsS -o /dev/null -H "Origin: $origin" -H 'Sec-Fetch-Mode: navigate' \
    -H 'Sec-Fetch-Dest: document' -H 'Sec-Fetch-Site: cross-site' \
    --data-urlencode "token=$token" "$action" &
"#,
            logins = logins.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn websso_login_is_cached_and_rescoped_to_another_project_without_a_new_login() {
    let k = require_keystone!();
    let Some(testkit::Sso {
        idp,
        protocol,
        project_id: sso_project_id,
        ports,
        ..
    }) = testkit::sso()
    else {
        return;
    };
    let port = ports[8].to_string();
    let s = Sandbox::new("websso");
    let browser = curl_browser(&s);
    let env = |project_id: &str| {
        common::pairs(&[
            ("OS_AUTH_URL", k.auth_url.as_str()),
            ("OS_AUTH_TYPE", "v3websso"),
            ("OS_IDENTITY_PROVIDER", idp.as_str()),
            ("OS_PROTOCOL", protocol.as_str()),
            ("OS_REDIRECT_PORT", port.as_str()),
            ("OS_LOGIN_TIMEOUT", "50"),
            ("OS_PROJECT_ID", project_id),
            ("BROWSER", browser.as_str()),
        ])
    };
    let logins = || {
        std::fs::read_to_string(s.root.join("logins"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    let out = s.ok(&env(&sso_project_id), &["token", "issue", "-f", "json"]);
    let first: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(first["project_id"], sso_project_id.as_str());
    assert!(
        out.stderr.contains("/websso?origin="),
        "the URL is printed: {}",
        out.stderr
    );
    assert_eq!(logins(), 1);
    // Another project, a new process: re-scoped from the cached unscoped
    // token, no browser.
    let out = s.ok(&env(&k.demo_project_id), &["token", "issue", "-f", "json"]);
    let second: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(second["project_id"], k.demo_project_id.as_str());
    assert!(!out.stderr.contains("/websso?origin="), "{}", out.stderr);
    assert_eq!(logins(), 1, "a second browser login");
    // The token works.
    let (status, _) = k.validate(second["id"].as_str().unwrap());
    assert_eq!(status, 200);
}
