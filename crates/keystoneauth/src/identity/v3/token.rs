//! `v3token`: an existing token, usually to re-scope it.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{scope_setters, AuthMethod, V3Auth, V3Options};
use crate::error::Result;
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// The `token` auth method.
pub(crate) struct TokenMethod {
    pub(crate) token: SecretString,
}

impl fmt::Debug for TokenMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenMethod").field("token", &"***").finish()
    }
}

impl AuthMethod for TokenMethod {
    fn name(&self) -> &'static str {
        "token"
    }

    fn payload(&self) -> Value {
        serde_json::json!({ "id": self.token.expose_secret() })
    }

    fn secrets(&self) -> Vec<&SecretString> {
        vec![&self.token]
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        // The token identifies the user; its digest (not the token) keys the cache.
        parts.push((
            "token",
            crate::redact::hash_secret(self.token.expose_secret().as_bytes()),
        ));
    }
}

/// Identity v3 token authentication (keystoneauth1's `v3token`): exchanges
/// an existing token for a new one, typically with another scope. The new
/// token keeps the original's expiry.
///
/// ```
/// use keystoneauth::identity::v3::Token;
/// let auth = Token::builder("http://127.0.0.1:5000/v3", "an-unscoped-token")
///     .project_id("9a8b...")
///     .build()
///     .unwrap();
/// assert!(!format!("{auth:?}").contains("an-unscoped-token"));
/// ```
#[derive(Debug)]
pub struct Token {
    inner: V3Auth,
}

impl Token {
    /// A builder for a plugin exchanging `token` at `auth_url`.
    pub fn builder(auth_url: impl Into<MaskedUrl>, token: impl Into<SecretString>) -> TokenBuilder {
        TokenBuilder {
            options: V3Options::new(auth_url),
            token: token.into(),
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.auth_url()
    }
}

identity_plugin!(Token, inner);

/// Builds a [`Token`] plugin.
#[must_use]
#[derive(Debug)]
pub struct TokenBuilder {
    pub(crate) options: V3Options,
    token: SecretString,
}

impl TokenBuilder {
    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Token> {
        let method = TokenMethod { token: self.token };
        Ok(Token {
            inner: self.options.into_auth("v3token", vec![Box::new(method)])?,
        })
    }
}
