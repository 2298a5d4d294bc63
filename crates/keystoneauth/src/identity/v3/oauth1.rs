//! `v3oauth1`: an OAuth1 access token delegated to a consumer (Keystone's
//! OS-OAUTH1 extension), the token request signed with HMAC-SHA1.

mod signature;

use std::fmt;
use std::time::Duration;

use http::header::AUTHORIZATION;
use http::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

pub use signature::OAuth1Signer;

use super::{AuthMethod, Scope, V3Auth};
use crate::auth::secret_header_value;
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// The `oauth1` auth method: an empty payload, and the request signed by
/// the consumer and the access token.
struct OAuth1Method {
    signer: OAuth1Signer,
}

impl fmt::Debug for OAuth1Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Method").field("signer", &self.signer).finish()
    }
}

impl AuthMethod for OAuth1Method {
    fn name(&self) -> &'static str {
        "oauth1"
    }

    fn payload(&self) -> Value {
        Value::Object(serde_json::Map::new())
    }

    fn headers(&self, url: &url::Url) -> Result<Vec<(HeaderName, HeaderValue)>> {
        // keystoneauth1 signs the token URL without `?nocatalog`, and
        // Keystone verifies the signature over its path alone.
        let value = self.signer.authorization(&http::Method::POST, url, &[])?;
        Ok(vec![(AUTHORIZATION, secret_header_value("authorization", &value)?)])
    }

    fn secrets(&self) -> Vec<&SecretString> {
        self.signer.secrets()
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        // keystoneauth1's elements, the secrets as digests.
        let hash = |s: &SecretString| crate::redact::hash_secret(s.expose_secret().as_bytes());
        let secrets = self.signer.secrets();
        parts.push(("oauth1_consumer_key", self.signer.consumer_key().to_owned()));
        parts.push((
            "oauth1_consumer_secret",
            secrets.first().map(|s| hash(s)).unwrap_or_default(),
        ));
        parts.push((
            "oauth1_access_key",
            self.signer.token_key().unwrap_or_default().to_owned(),
        ));
        parts.push((
            "oauth1_access_secret",
            secrets.get(1).map(|s| hash(s)).unwrap_or_default(),
        ));
    }
}

/// Identity v3 OAuth1 authentication (keystoneauth1's `v3oauth1`): a
/// consumer authenticates with an access token that a user delegated to it
/// through Keystone's OS-OAUTH1 API.
///
/// The token request carries the `oauth1` method with an empty payload and
/// an `Authorization: OAuth ...` header signed with HMAC-SHA1 (RFC 5849) by
/// the consumer's key and secret and the access token's key and secret.
/// Keystone scopes the token to the access token's project, with the roles
/// the user delegated, so the plugin takes no scope. Getting the request
/// token and the access token is the consumer's business, not the
/// plugin's; [`OAuth1Signer`] signs those requests.
///
/// ```
/// use keystoneauth::identity::v3::OAuth1;
/// let auth = OAuth1::builder("http://127.0.0.1:5000/v3")
///     .consumer("a7f1...", "consumer-s3cr3t")
///     .access_token("c3d4...", "access-s3cr3t")
///     .build()
///     .unwrap();
/// assert!(!format!("{auth:?}").contains("s3cr3t"));
/// ```
#[derive(Debug)]
pub struct OAuth1 {
    inner: V3Auth,
}

impl OAuth1 {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> OAuth1Builder {
        OAuth1Builder {
            auth_url: auth_url.into(),
            consumer: None,
            access: None,
            include_catalog: true,
            reauth_margin: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.auth_url()
    }
}

identity_plugin!(OAuth1, inner);

/// Builds an [`OAuth1`] plugin.
#[must_use]
pub struct OAuth1Builder {
    auth_url: MaskedUrl,
    consumer: Option<(String, SecretString)>,
    access: Option<(String, SecretString)>,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
}

impl fmt::Debug for OAuth1Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Builder")
            .field("auth_url", &self.auth_url)
            .field("consumer_key", &self.consumer.as_ref().map(|(key, _)| key))
            .field("access_key", &self.access.as_ref().map(|(key, _)| key))
            .finish_non_exhaustive()
    }
}

impl OAuth1Builder {
    /// The consumer's key (Keystone's consumer id) and secret.
    pub fn consumer(mut self, key: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        self.consumer = Some((key.into(), secret.into()));
        self
    }

    /// The access token's key (its id) and secret.
    pub fn access_token(mut self, key: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        self.access = Some((key.into(), secret.into()));
        self
    }

    /// `false` asks Keystone to leave the catalog out of the token
    /// (`?nocatalog`; the signature still covers the URL without the
    /// query, as keystoneauth1's does). Default: the catalog is included.
    pub fn include_catalog(self, include_catalog: bool) -> Self {
        Self {
            include_catalog,
            ..self
        }
    }

    /// Signs a new token request when the token expires within this margin
    /// (default 120 s, at most a quarter of the token's lifetime). The
    /// access token itself lives as long as Keystone's
    /// `[oauth1] access_token_duration`.
    pub fn reauth_margin(self, margin: Duration) -> Self {
        Self {
            reauth_margin: Some(margin),
            ..self
        }
    }

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OAuth1> {
        const NAME: &str = "v3oauth1";
        let missing = |option: &str| Error::MissingOption {
            option: option.into(),
            location: Some(NAME.to_owned()),
        };
        let (consumer_key, consumer_secret) = self
            .consumer
            .filter(|(key, _)| !key.is_empty())
            .ok_or_else(|| missing("consumer-key and consumer-secret"))?;
        let (access_key, access_secret) = self
            .access
            .filter(|(key, _)| !key.is_empty())
            .ok_or_else(|| missing("access-key and access-secret"))?;
        let signer = OAuth1Signer::new(consumer_key, consumer_secret).with_token(access_key, access_secret);
        let method = OAuth1Method { signer };
        let methods: Vec<Box<dyn AuthMethod>> = vec![Box::new(method)];
        let (catalog, margin) = (self.include_catalog, self.reauth_margin);
        // Keystone scopes the token to the access token's project.
        let inner = V3Auth::new(NAME, self.auth_url, methods, Scope::Unscoped, catalog, margin)?;
        Ok(OAuth1 { inner })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plugin(consumer_secret: &str, access_secret: &str) -> OAuth1 {
        OAuth1::builder("http://h:5000/v3")
            .consumer("ck", consumer_secret)
            .access_token("ak", access_secret)
            .build()
            .unwrap()
    }

    #[test]
    fn the_body_names_oauth1_with_an_empty_payload_and_no_scope() {
        let body = plugin("cs", "as").inner.body();
        assert_eq!(
            body,
            json!({"auth": {"identity": {"methods": ["oauth1"], "oauth1": {}}}})
        );
    }

    #[test]
    fn the_header_is_signed_over_the_token_url() {
        let p = plugin("cs", "as");
        let url = url::Url::parse("http://h:5000/v3/auth/tokens").unwrap();
        let headers = p.inner.methods[0].headers(&url).unwrap();
        assert_eq!(headers.len(), 1);
        let (name, value) = &headers[0];
        assert_eq!(name, AUTHORIZATION);
        assert!(value.is_sensitive());
        let value = value.to_str().unwrap();
        assert!(value.starts_with("OAuth "), "{value}");
        for field in [
            "oauth_consumer_key=\"ck\"",
            "oauth_token=\"ak\"",
            "oauth_signature_method=\"HMAC-SHA1\"",
            "oauth_version=\"1.0\"",
            "oauth_signature=\"",
        ] {
            assert!(value.contains(field), "{field} in {value}");
        }
    }

    #[test]
    fn options_are_validated() {
        let err = OAuth1::builder("http://h/v3")
            .access_token("ak", "as")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("consumer-key") && err.contains("v3oauth1"), "{err}");
        let err = OAuth1::builder("http://h/v3")
            .consumer("ck", "cs")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("access-key"), "{err}");
    }

    #[test]
    fn the_secrets_are_not_in_the_cache_id_or_debug() {
        use crate::AuthPlugin;
        let a = plugin("canary-consumer", "canary-access");
        let b = plugin("canary-consumer", "canary-other");
        assert_ne!(a.cache_id(), b.cache_id());
        let builder = OAuth1::builder("http://h")
            .consumer("ck", "canary-consumer")
            .access_token("ak", "canary-access");
        let shown = format!("{a:?} {builder:?} {:?}", a.cache_id());
        assert!(!shown.contains("canary"), "{shown}");
    }
}
