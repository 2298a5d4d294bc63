//! HTTP Basic authentication, for standalone services (Ironic, for one).

use std::fmt;

use async_trait::async_trait;
use base64::Engine;
use http::{header::AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};

use super::{check_endpoint, secret_header_value, AuthPlugin};
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;

/// Sends `Authorization: Basic ...` built from a user name and password,
/// and resolves every filter to the configured endpoint (keystoneauth1's
/// `http_basic` loader).
#[derive(Clone)]
pub struct HttpBasic {
    username: String,
    password: SecretString,
    endpoint: Option<MaskedUrl>,
    /// The precomputed `Basic ...` value.
    header: SecretString,
}

impl HttpBasic {
    /// A plugin for `username` and `password`, with an optional endpoint.
    pub fn new(
        username: impl Into<String>,
        password: impl Into<SecretString>,
        endpoint: Option<String>,
    ) -> Result<Self> {
        if let Some(e) = &endpoint {
            check_endpoint("endpoint", e)?;
        }
        let username = username.into();
        let password = password.into();
        let raw = format!("{}:{}", username, password.expose_secret());
        let header = SecretString::from(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
        ));
        Ok(HttpBasic {
            username,
            password,
            endpoint: endpoint.map(MaskedUrl::from),
            header,
        })
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }
}

impl fmt::Debug for HttpBasic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password is never shown; its presence is implied.
        let _ = &self.password;
        f.debug_struct("HttpBasic")
            .field("username", &self.username)
            .field("password", &"***")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

#[async_trait]
impl AuthPlugin for HttpBasic {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        let mut headers = HeaderMap::with_capacity(1);
        headers.insert(AUTHORIZATION, secret_header_value("password", &self.header)?);
        Ok(headers)
    }

    async fn endpoint(&self, _transport: &Transport, _filter: &EndpointFilter) -> Result<Option<String>> {
        Ok(self.endpoint.as_ref().map(|e| e.expose().to_owned()))
    }
}
