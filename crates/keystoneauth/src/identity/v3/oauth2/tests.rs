//! Unit tests of the OAuth 2.0 plugins.

use super::*;

#[test]
fn required_options_with_keystoneauth1_names() {
    let err = OAuth2ClientCredential::builder("http://h/v3")
        .oauth2_client_id("c")
        .oauth2_client_secret("s")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("oauth2-endpoint"), "{err}");
    let err = OAuth2ClientCredential::builder("http://h/v3")
        .oauth2_endpoint("http://h/v3/OS-OAUTH2/token")
        .oauth2_client_secret("s")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("oauth2-client-id"), "{err}");
    let err = OAuth2ClientCredential::builder("http://h/v3")
        .oauth2_endpoint("http://h/v3/OS-OAUTH2/token")
        .oauth2_client_id("c")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("oauth2-client-secret"), "{err}");
    let err = OAuth2MtlsClientCredential::builder("http://h/v3")
        .oauth2_endpoint("not a url")
        .oauth2_client_id("c")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("oauth2-endpoint"), "{err}");
    let err = OAuth2MtlsClientCredential::builder("http://h/v3")
        .oauth2_endpoint("http://h/v3/OS-OAUTH2/token")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("oauth2-client-id"), "{err}");
}

#[test]
fn bearer_lifetimes() {
    let b = |lifetime: Option<u64>, age: u64| {
        let bearer = Bearer {
            token: SecretString::from("t"),
            fetched: Instant::now(),
            lifetime: lifetime.map(Duration::from_secs),
        };
        move |margin| bearer.usable_at_age(Duration::from_secs(age), margin)
    };
    let margin = Duration::from_secs(120);
    assert!(b(None, 10_000)(margin));
    assert!(b(Some(3600), 0)(margin));
    assert!(!b(Some(3600), 3500)(margin));
    // Short-lived: the margin is at most a quarter of the lifetime.
    assert!(b(Some(40), 20)(margin));
    assert!(!b(Some(40), 31)(margin));
}
