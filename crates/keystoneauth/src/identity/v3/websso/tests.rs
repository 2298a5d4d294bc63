use super::*;

#[test]
fn urls_like_keystoneauth1() {
    for base in [
        "http://h:5000",
        "http://h:5000/",
        "http://h:5000/v3",
        "http://h:5000/v3/",
    ] {
        let p = WebSso::builder(base, "saml2")
            .identity_provider("my idp")
            .build()
            .unwrap();
        assert_eq!(
            p.websso_url(),
            "http://h:5000/v3/auth/OS-FEDERATION/identity_providers/my%20idp/protocols/saml2/websso?origin=http%3A%2F%2Flocalhost%3A9990%2Fauth%2Fwebsso%2F",
            "{base}"
        );
    }
    let p = WebSso::builder("https://h/identity/v3", "oidc")
        .redirect_host("127.0.0.1")
        .redirect_port(8080)
        .build()
        .unwrap();
    assert_eq!(p.redirect_uri(), "http://127.0.0.1:8080/auth/websso/");
    assert_eq!(
        p.websso_url(),
        "https://h/identity/v3/auth/OS-FEDERATION/websso/oidc?origin=http%3A%2F%2F127.0.0.1%3A8080%2Fauth%2Fwebsso%2F"
    );
    let p = WebSso::builder("http://h/v3", "oidc")
        .redirect_host("::1")
        .build()
        .unwrap();
    assert_eq!(p.redirect_uri(), "http://[::1]:9990/auth/websso/");
}

#[test]
fn options_are_validated() {
    let err = WebSso::builder("http://h/v3", "").build().unwrap_err().to_string();
    assert!(err.contains("protocol") && err.contains("v3websso"), "{err}");
    let err = WebSso::builder("http://h/v3", "p")
        .redirect_host("evil.example/x")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("redirect-host"), "{err}");
    let err = WebSso::builder("http://h/v3", "p")
        .project_id("a")
        .domain_id("b")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("scope"), "{err}");
}

#[test]
fn the_unscoped_cache_id_ignores_the_scope_and_the_scoped_one_does_not() {
    use crate::AuthPlugin;
    let a = WebSso::builder("http://h/v3", "p").project_id("one").build().unwrap();
    let b = WebSso::builder("http://h/v3", "p").project_id("two").build().unwrap();
    assert_eq!(a.unscoped_cache_id(), b.unscoped_cache_id());
    assert_ne!(a.cache_id(), b.cache_id());
    assert_ne!(a.cache_id(), a.unscoped_cache_id());
    let c = WebSso::builder("http://h/v3", "p").username("alice").build().unwrap();
    assert_ne!(a.unscoped_cache_id(), c.unscoped_cache_id());
    assert!(a.unscoped_auth_state().is_none());
}

#[tokio::test]
async fn a_non_loopback_redirect_host_is_refused_before_listening() {
    let err = callback::Listener::bind("192.0.2.1", 0)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("non-loopback"), "{err}");
}
