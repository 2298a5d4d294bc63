//! Keystone's bootstrap `admin_token` (a shared secret from keystone.conf).

use std::fmt;

use async_trait::async_trait;
use http::HeaderMap;
use secrecy::SecretString;

use super::{check_endpoint, token_headers, AuthPlugin};
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;

/// Sends Keystone's configured `admin_token` as `X-Auth-Token` to a fixed
/// endpoint (keystoneauth1's `admin_token` loader). Only for bootstrapping
/// a deployment; it has no catalog.
#[derive(Clone)]
pub struct AdminToken {
    endpoint: MaskedUrl,
    token: SecretString,
}

impl AdminToken {
    /// A plugin that sends `token` to `endpoint`.
    pub fn new(endpoint: impl Into<MaskedUrl>, token: impl Into<SecretString>) -> Result<Self> {
        let endpoint = endpoint.into();
        check_endpoint("endpoint", endpoint.expose())?;
        Ok(AdminToken {
            endpoint,
            token: token.into(),
        })
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminToken")
            .field("endpoint", &self.endpoint)
            .field("token", &"***")
            .finish()
    }
}

#[async_trait]
impl AuthPlugin for AdminToken {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        token_headers(&self.token)
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(Some(self.endpoint.expose().to_owned()))
    }

    async fn token(&self, _transport: &Transport) -> Result<Option<SecretString>> {
        Ok(Some(self.token.clone()))
    }
}
