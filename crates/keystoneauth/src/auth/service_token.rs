//! A user's plugin plus a service's plugin: requests carry the user's token
//! and the service's token (`X-Service-Token`).

use std::sync::Arc;

use async_trait::async_trait;
use http::{HeaderMap, HeaderName};
use secrecy::SecretString;

use super::{secret_header_value, AuthPlugin, ConnectionParams, AUTH_TOKEN_HEADER};
use crate::access::AccessInfo;
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::transport::Transport;

/// The header that carries a service's token next to the user's.
pub const SERVICE_TOKEN_HEADER: &str = "x-service-token";

/// Sends a user's credentials together with a service's token
/// (keystoneauth1's `service_token.ServiceTokenAuthWrapper`).
///
/// A service acting for a user (Nova calling Cinder with the user's token)
/// adds its own token as `X-Service-Token`, so the callee accepts the
/// user's token even when it has just expired. Headers are the user
/// plugin's plus `X-Service-Token`; endpoints, the user and project ids, the
/// token, access info and the cache id come from the user plugin. A 401
/// invalidates both plugins: it cannot tell which token was refused.
/// Connection parameters are the user plugin's, falling back to the
/// service plugin's.
///
/// Both headers are hashed in logs (`{SHA256}...`).
///
/// ```
/// use std::sync::Arc;
/// use keystoneauth::{token_endpoint, ServiceToken};
/// let user = token_endpoint::Token::new("http://127.0.0.1:8776/v3", "user-token").unwrap();
/// let service = token_endpoint::Token::new("http://127.0.0.1:8776/v3", "service-token").unwrap();
/// let auth = ServiceToken::new(Arc::new(user), Arc::new(service));
/// let shown = format!("{auth:?}");
/// assert!(!shown.contains("user-token") && !shown.contains("service-token"));
/// ```
#[derive(Debug, Clone)]
pub struct ServiceToken {
    user: Arc<dyn AuthPlugin>,
    service: Arc<dyn AuthPlugin>,
}

impl ServiceToken {
    /// Wraps the user's plugin and the service's plugin.
    pub fn new(user: Arc<dyn AuthPlugin>, service: Arc<dyn AuthPlugin>) -> Self {
        ServiceToken { user, service }
    }

    /// The user's plugin.
    pub fn user_auth(&self) -> &Arc<dyn AuthPlugin> {
        &self.user
    }

    /// The service's plugin.
    pub fn service_auth(&self) -> &Arc<dyn AuthPlugin> {
        &self.service
    }
}

#[async_trait]
impl AuthPlugin for ServiceToken {
    async fn headers(&self, transport: &Transport) -> Result<HeaderMap> {
        let mut headers = self.user.headers(transport).await?;
        if let Some(token) = self.service.token(transport).await? {
            headers.insert(
                HeaderName::from_static(SERVICE_TOKEN_HEADER),
                secret_header_value("service token", &token)?,
            );
        }
        Ok(headers)
    }

    async fn endpoint(&self, transport: &Transport, filter: &EndpointFilter) -> Result<Option<String>> {
        self.user.endpoint(transport, filter).await
    }

    fn invalidate(&self) -> bool {
        // Both, without short-circuiting.
        let user = self.user.invalidate();
        let service = self.service.invalidate();
        user || service
    }

    fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        let user = self.user.invalidate_rejected(rejected);
        // The service plugin gave its token as X-Service-Token; it knows it
        // as X-Auth-Token.
        let service = match rejected.get(SERVICE_TOKEN_HEADER) {
            Some(sent) => {
                let mut as_sent = HeaderMap::with_capacity(1);
                as_sent.insert(HeaderName::from_static(AUTH_TOKEN_HEADER), sent.clone());
                self.service.invalidate_rejected(&as_sent)
            }
            None => self.service.invalidate(),
        };
        user || service
    }

    async fn user_id(&self, transport: &Transport) -> Result<Option<String>> {
        self.user.user_id(transport).await
    }

    async fn project_id(&self, transport: &Transport) -> Result<Option<String>> {
        self.user.project_id(transport).await
    }

    async fn token(&self, transport: &Transport) -> Result<Option<SecretString>> {
        self.user.token(transport).await
    }

    async fn access_info(&self, transport: &Transport) -> Result<Option<Arc<AccessInfo>>> {
        self.user.access_info(transport).await
    }

    fn cache_id(&self) -> Option<String> {
        self.user.cache_id()
    }

    fn auth_state(&self) -> Option<SecretString> {
        self.user.auth_state()
    }

    fn set_auth_state(&self, state: &str) -> Result<bool> {
        self.user.set_auth_state(state)
    }

    fn refresh_credential(&self) -> Option<SecretString> {
        self.user.refresh_credential()
    }

    fn set_refresh_credential(&self, credential: SecretString) -> bool {
        self.user.set_refresh_credential(credential)
    }

    fn connection_params(&self) -> ConnectionParams {
        let user = self.user.connection_params();
        if user.client_identity.is_some() {
            user
        } else {
            self.service.connection_params()
        }
    }
}
