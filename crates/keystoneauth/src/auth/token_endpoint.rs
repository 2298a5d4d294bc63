//! A fixed endpoint and a token, with no identity service involved.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;
use secrecy::SecretString;

use super::{check_endpoint, token_headers, AuthPlugin, PreparedAuth};
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;

/// Sends a given token to a given endpoint, whatever the endpoint filter
/// asks for (keystoneauth1's `token_endpoint.Token`). Useful in tests and for
/// services reached directly.
///
/// ```
/// use keystoneauth::token_endpoint::Token;
/// let plugin = Token::new("http://127.0.0.1:8774/v2.1", "a-token").unwrap();
/// assert!(!format!("{plugin:?}").contains("a-token"));
/// ```
#[derive(Clone)]
pub struct Token {
    endpoint: MaskedUrl,
    token: SecretString,
    /// The header and the endpoint, made once; `None` when the token
    /// cannot be a header value (every request then fails with that error).
    prepared: Option<Arc<PreparedAuth>>,
}

impl Token {
    /// A plugin that sends `token` to `endpoint`.
    pub fn new(endpoint: impl Into<MaskedUrl>, token: impl Into<SecretString>) -> Result<Self> {
        let endpoint = endpoint.into();
        check_endpoint("endpoint", endpoint.expose())?;
        let token = token.into();
        let prepared = token_headers(&token)
            .ok()
            .map(|h| Arc::new(PreparedAuth::new(h).with_fixed_endpoint(endpoint.expose())));
        Ok(Token {
            endpoint,
            token,
            prepared,
        })
    }

    /// The fixed endpoint (shown with its secrets masked; the real URL is
    /// [`MaskedUrl::expose`]).
    pub fn endpoint(&self) -> &MaskedUrl {
        &self.endpoint
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("token_endpoint::Token")
            .field("endpoint", &self.endpoint)
            .field("token", &"***")
            .finish()
    }
}

#[async_trait]
impl AuthPlugin for Token {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        token_headers(&self.token)
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(Some(self.endpoint.expose().to_owned()))
    }

    async fn token(&self, _transport: &Transport) -> Result<Option<SecretString>> {
        Ok(Some(self.token.clone()))
    }

    fn prepared_auth(&self) -> Option<Arc<PreparedAuth>> {
        self.prepared.clone()
    }
}
