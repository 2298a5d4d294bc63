//! `ksa token issue` with the Kerberos plugins: with the `kerberos`
//! feature, against the real KDC and the Keystone behind its SPNEGO layer
//! (scripts/kdc, scripts/keystone; skipped with a printed reason without
//! them); without it, naming them is an error that says which feature is
//! missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;

#[cfg(feature = "kerberos")]
#[test]
fn token_issue_with_v3kerberos_and_v3fedkerb() {
    use common::{pairs, KeystoneExt};
    let ks = testkit::require_keystone!();
    let k = testkit::require_kerberos!();
    let s = Sandbox::with_secrets("kerberos", &[&k.password]);
    let ticket = |principal: &str, name: &str| {
        let dir = s.root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let ccache = k.kinit(principal, &dir);
        pairs(&[("KRB5_CONFIG", &k.krb5_config), ("KRB5CCNAME", &ccache)])
    };
    let check = |v: &serde_json::Value, user_id: Option<&str>| {
        let (status, body) = ks.validate(v["id"].as_str().unwrap());
        assert_eq!(status, 200, "{body}");
        assert_eq!(v["project_id"], k.project_id.as_str(), "{v}");
        assert_eq!(body["token"]["project"]["id"], k.project_id.as_str());
        if let Some(id) = user_id {
            assert_eq!(v["user_id"], id, "{v}");
        }
    };
    let user = ticket(&k.principal, "user");
    let v3kerberos = [
        "--os-auth-type",
        "v3kerberos",
        "--os-auth-url",
        &k.auth_url,
        "--os-project-name",
        &k.project,
        "--os-project-domain-id",
        "default",
        "--os-mutual-auth",
        "required",
        "token",
        "issue",
        "-f",
        "json",
    ];
    let v = s.json(&user, &v3kerberos);
    check(&v, Some(&k.user_id));

    // Another principal's ticket with the same options: the cached token
    // of the first is not reused (Keystone refuses this principal, which
    // it knows only through the federation).
    let fed = ticket(&k.fed_principal, "fed");
    let out = s.run_args(&fed, &v3kerberos);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stderr.contains("401"), "{}", out.stderr);

    // v3fedkerb from OS_* variables.
    let mut env = fed.clone();
    env.extend(pairs(&[
        ("OS_AUTH_TYPE", "v3fedkerb"),
        ("OS_AUTH_URL", &k.auth_url),
        ("OS_IDENTITY_PROVIDER", &k.fed_idp),
        ("OS_PROTOCOL", &k.fed_protocol),
        ("OS_PROJECT_ID", &k.project_id),
        ("OS_MUTUAL_AUTH", "required"),
    ]));
    let v = s.json(&env, &["token", "issue", "-f", "json"]);
    check(&v, None);

    // No ticket: an error that says what to do, no panic.
    let none = pairs(&[
        ("KRB5_CONFIG", &k.krb5_config),
        (
            "KRB5CCNAME",
            &format!("FILE:{}", s.root.join("no-such-ccache").display()),
        ),
    ]);
    let out = s.run_args(&none, &[&["--no-cache"][..], &v3kerberos[..]].concat());
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stderr.contains("kinit"), "{}", out.stderr);
}

#[cfg(not(feature = "kerberos"))]
#[test]
fn the_kerberos_plugins_need_the_kerberos_feature() {
    let s = Sandbox::new("no-kerberos");
    for name in ["v3kerberos", "v3fedkerb"] {
        let out = s.run_args(
            &[],
            &[
                "--os-auth-type",
                name,
                "--os-auth-url",
                "http://localhost:1/v3",
                "token",
                "issue",
            ],
        );
        assert_ne!(out.code, 0, "{}", out.stdout);
        assert!(
            out.stderr.contains(name) && out.stderr.contains("`kerberos` cargo feature"),
            "{}",
            out.stderr
        );
    }
}
