//! Browser single sign-on (`v3websso`) against the real Keystone: its
//! WebSSO route renders the auto-submitting form and its federation code
//! issues the token (scripts/keystone sets the federation up). The browser
//! is headless Chromium when installed (scripts/install-chromium), and a
//! plain HTTP client submitting Keystone's form otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keystoneauth::identity::v3::{WebSso, WebSsoBuilder};
use keystoneauth::{AuthPlugin, Error, Session};

use common::websso::{keystone_form, origin, post_form, sso, Sso};

/// A well-formed Fernet-looking token Keystone never issued.
const FORGED: &str = "gAAAAABforgedCANARYforgedforgedforgedforgedforgedforgedforgedforged_-forged==";

/// A plugin for the harness's identity provider, on callback port `ports[n]`,
/// with a generous login timeout.
fn builder(ks: &common::Keystone, sso: &Sso, n: usize) -> WebSsoBuilder {
    WebSso::builder(&ks.auth_url, &sso.protocol)
        .identity_provider(&sso.idp)
        .redirect_port(sso.ports[n])
        .login_timeout(Duration::from_secs(120))
}

fn require() -> Option<(common::Keystone, Sso)> {
    Some((common::keystone()?, sso()?))
}

#[tokio::test]
async fn a_plain_http_client_submitting_keystones_form_logs_in_then_rescopes() {
    let Some((ks, sso)) = require() else { return };
    let opened = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = opened.clone();
    let plugin = builder(&ks, &sso, 1)
        .browser(move |url: &str| {
            seen.lock().unwrap().push(url.to_owned());
            let url = url.to_owned();
            tokio::spawn(async move {
                let (action, token) = keystone_form(&url).await;
                assert_eq!(post_form(&action, &origin(&url), &[("token", &token)]).await, 200);
            });
        })
        .build()
        .unwrap();
    let plugin: Arc<dyn AuthPlugin> = Arc::new(plugin);
    let session = Session::builder().auth(plugin.clone()).build().unwrap();
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    assert!(access.is_unscoped() && access.is_federated());
    assert_eq!(access.username(), Some(sso.user.as_str()));
    let url = opened.lock().unwrap()[0].clone();
    assert!(
        url.contains(&format!(
            "/identity_providers/{}/protocols/{}/websso?origin=",
            sso.idp, sso.protocol
        )),
        "{url}"
    );
    // The token authenticates.
    let r = session
        .get(format!("{}/auth/projects", ks.auth_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The listener is gone once the login is over.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", sso.ports[1]))
        .await
        .is_err());

    // A scoped plugin given the kept unscoped token re-scopes without a login.
    let state = plugin.unscoped_auth_state().unwrap();
    let scoped = WebSso::builder(&ks.auth_url, &sso.protocol)
        .identity_provider(&sso.idp)
        .redirect_port(sso.ports[1])
        .project_id(&sso.project_id)
        .browser(|_: &str| panic!("no second login"))
        .build()
        .unwrap();
    use secrecy::ExposeSecret;
    assert!(scoped.set_unscoped_auth_state(state.expose_secret()).unwrap());
    let access = scoped.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.project_id(), Some(sso.project_id.as_str()));
    assert_eq!(opened.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_protocol_only_url_logs_in_too() {
    let Some((ks, sso)) = require() else { return };
    let plugin = WebSso::builder(&ks.auth_url, &sso.protocol)
        .redirect_port(sso.ports[2])
        .login_timeout(Duration::from_secs(120))
        .browser(form_browser(Arc::new(Mutex::new(0))))
        .build()
        .unwrap();
    assert!(
        plugin.websso_url().contains("/auth/OS-FEDERATION/websso/"),
        "{}",
        plugin.websso_url()
    );
    let session = Session::builder().build().unwrap();
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.username(), Some(sso.user.as_str()));
}

#[tokio::test]
async fn forged_and_misshapen_posts_are_refused_and_the_listener_keeps_waiting() {
    let Some((ks, sso)) = require() else { return };
    let (logs, _guards) = common::logs::capture_logs();
    let statuses = Arc::new(Mutex::new(Vec::<(String, u16)>::new()));
    let log = statuses.clone();
    let plugin = builder(&ks, &sso, 3)
        .browser(move |url: &str| {
            let (url, log) = (url.to_owned(), log.clone());
            tokio::spawn(async move {
                let (action, token) = keystone_form(&url).await;
                let ks_origin = origin(&url);
                let cases: Vec<(&str, u16)> = vec![
                    // A well-formed token Keystone does not know.
                    ("forged", post_form(&action, &ks_origin, &[("token", FORGED)]).await),
                    // A real token from another origin.
                    (
                        "origin",
                        post_form(&action, "http://evil.example", &[("token", &token)]).await,
                    ),
                    // Fields Keystone's form does not have.
                    (
                        "fields",
                        post_form(&action, &ks_origin, &[("token", &token), ("x", "1")]).await,
                    ),
                    ("get", reqwest::get(action.as_str()).await.unwrap().status().as_u16()),
                    // Still listening: the real form is accepted.
                    ("real", post_form(&action, &ks_origin, &[("token", &token)]).await),
                ];
                log.lock()
                    .unwrap()
                    .extend(cases.into_iter().map(|(n, s)| (n.to_owned(), s)));
            });
        })
        .build()
        .unwrap();
    let session = Session::builder().build().unwrap();
    let access = plugin.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.username(), Some(sso.user.as_str()));
    common::wait_until("the browser's requests", || statuses.lock().unwrap().len() == 5).await;
    let got = statuses.lock().unwrap().clone();
    let want: Vec<(String, u16)> = [
        ("forged", 400),
        ("origin", 400),
        ("fields", 400),
        ("get", 405),
        ("real", 200),
    ]
    .iter()
    .map(|(n, s)| ((*n).to_owned(), *s))
    .collect();
    assert_eq!(got, want);
    // Neither the forged nor the real token is logged or shown.
    use secrecy::ExposeSecret;
    let text = logs.text();
    assert!(text.contains("refused a token posted to the WebSSO callback"), "{text}");
    for canary in [FORGED, access.token().expose_secret()] {
        assert!(!text.contains(canary), "a token in the logs: {text}");
        assert!(!format!("{plugin:?}").contains(canary));
    }
}

#[tokio::test]
async fn no_token_in_time_is_a_typed_timeout_and_the_port_is_released() {
    let Some((ks, sso)) = require() else { return };
    let plugin = WebSso::builder(&ks.auth_url, &sso.protocol)
        .identity_provider(&sso.idp)
        .redirect_port(sso.ports[4])
        .login_timeout(Duration::from_millis(300))
        .browser(|_: &str| {})
        .build()
        .unwrap();
    let session = Session::builder().build().unwrap();
    let err = plugin.access_info(session.transport()).await.unwrap_err();
    assert!(matches!(err, Error::LoginTimeout { .. }), "{err:?}");
    assert!(err.to_string().contains("login-timeout"), "{err}");
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", sso.ports[4]))
        .await
        .is_err());
}

#[tokio::test]
async fn a_taken_port_is_a_typed_error() {
    let Some((ks, sso)) = require() else { return };
    let _taken = std::net::TcpListener::bind(("127.0.0.1", sso.ports[5])).unwrap();
    let plugin = WebSso::builder(&ks.auth_url, &sso.protocol)
        .redirect_host("127.0.0.1")
        .redirect_port(sso.ports[5])
        .browser(|_: &str| panic!("no browser without a listener"))
        .build()
        .unwrap();
    let session = Session::builder().build().unwrap();
    let err = plugin.access_info(session.transport()).await.unwrap_err();
    assert!(matches!(err, Error::CallbackListen { .. }), "{err:?}");
}

/// Headless Chromium, started by the plugin through `$BROWSER` (a wrapper
/// script), loads Keystone's page, whose script posts the form.
#[tokio::test]
async fn headless_chromium_logs_in() {
    let Some((ks, sso)) = require() else { return };
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        common::skip("chromium is not installed (scripts/install-chromium installs it)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ksa-websso-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).unwrap();
    let wrapper = dir.join("browser");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nsetsid {chromium} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
             --disable-background-networking --disable-component-update --disable-sync \
             --user-data-dir='{dir}/profile' \"$1\" >'{dir}/chromium.log' 2>&1 &\necho $! >'{dir}/pid'\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Only this test reads BROWSER.
    std::env::set_var("BROWSER", &wrapper);
    let plugin = builder(&ks, &sso, 6).build().unwrap();
    let plugin: Arc<dyn AuthPlugin> = Arc::new(plugin);
    let session = Session::builder().auth(plugin.clone()).build().unwrap();
    let result = plugin.access_info(session.transport()).await;
    if let Ok(pid) = std::fs::read_to_string(dir.join("pid")) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", pid.trim())])
            .status();
    }
    let access = result
        .unwrap_or_else(|e| {
            panic!(
                "{}\n{}",
                common::chain(&e),
                std::fs::read_to_string(dir.join("chromium.log")).unwrap_or_default()
            )
        })
        .unwrap();
    assert_eq!(access.username(), Some(sso.user.as_str()));
    let r = session
        .get(format!("{}/auth/projects", ks.auth_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A browser that submits Keystone's form with a plain HTTP client, and
/// counts its logins.
fn form_browser(logins: Arc<Mutex<usize>>) -> impl Fn(&str) + Send + Sync {
    move |url: &str| {
        *logins.lock().unwrap() += 1;
        let url = url.to_owned();
        tokio::spawn(async move {
            let (action, token) = keystone_form(&url).await;
            post_form(&action, &origin(&url), &[("token", &token)]).await;
        });
    }
}

#[tokio::test]
async fn a_revoked_kept_unscoped_token_means_a_new_login() {
    let Some((ks, sso)) = require() else { return };
    use secrecy::ExposeSecret;
    let logins = Arc::new(Mutex::new(0));
    let first = builder(&ks, &sso, 7)
        .browser(form_browser(logins.clone()))
        .build()
        .unwrap();
    let session = Session::builder().build().unwrap();
    let unscoped = first.access_info(session.transport()).await.unwrap().unwrap();
    let state = first.unscoped_auth_state().unwrap();
    // The user revokes it (a token may revoke itself).
    let token = unscoped.token().expose_secret();
    let r = reqwest::Client::new()
        .delete(format!("{}/auth/tokens", ks.auth_url))
        .header("x-auth-token", token)
        .header("x-subject-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let scoped = builder(&ks, &sso, 7)
        .project_id(&sso.project_id)
        .browser(form_browser(logins.clone()))
        .build()
        .unwrap();
    assert!(scoped.set_unscoped_auth_state(state.expose_secret()).unwrap());
    let access = scoped.access_info(session.transport()).await.unwrap().unwrap();
    assert_eq!(access.project_id(), Some(sso.project_id.as_str()));
    assert_eq!(
        *logins.lock().unwrap(),
        2,
        "the refused kept token led to one new login"
    );
}
