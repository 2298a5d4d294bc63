//! No authentication: an endpoint and nothing else.

use async_trait::async_trait;
use http::HeaderMap;

use super::{check_endpoint, AuthPlugin};
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;

/// For services deployed without Keystone (`auth_strategy = noauth`): sends
/// no credentials and resolves every filter to the configured endpoint
/// (keystoneauth1's `none` loader).
#[derive(Debug, Clone, Default)]
pub struct NoAuth {
    endpoint: Option<MaskedUrl>,
}

impl NoAuth {
    /// A plugin with no endpoint: requests must use absolute URLs or an
    /// endpoint override.
    pub fn new() -> Self {
        NoAuth { endpoint: None }
    }

    /// A plugin that resolves every endpoint filter to `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<MaskedUrl>) -> Result<Self> {
        let endpoint = endpoint.into();
        check_endpoint("endpoint", endpoint.expose())?;
        Ok(NoAuth {
            endpoint: Some(endpoint),
        })
    }
}

#[async_trait]
impl AuthPlugin for NoAuth {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        Ok(HeaderMap::new())
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(self.endpoint.as_ref().map(|e| e.expose().to_owned()))
    }
}
