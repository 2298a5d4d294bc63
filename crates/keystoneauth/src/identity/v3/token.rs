//! `v3token`: an existing token, usually to re-scope it.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{scope_setters, AuthMethod, ScopeOptions, V3Auth};
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
            auth_url: auth_url.into(),
            token: token.into(),
            scope: ScopeOptions::default(),
            include_catalog: true,
            reauth_margin: None,
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
pub struct TokenBuilder {
    auth_url: MaskedUrl,
    token: SecretString,
    pub(crate) scope: ScopeOptions,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
}

impl fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("auth_url", &self.auth_url)
            .field("token", &"***")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenBuilder {
    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Token> {
        const NAME: &str = "v3token";
        let scope = self.scope.resolve(NAME)?;
        Ok(Token {
            inner: V3Auth::new(
                NAME,
                self.auth_url,
                vec![Box::new(TokenMethod { token: self.token })],
                scope,
                self.include_catalog,
                self.reauth_margin,
            )?,
        })
    }
}
