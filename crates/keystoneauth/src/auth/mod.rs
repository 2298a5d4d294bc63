//! The auth plugin trait and the plugins that need no identity service.
//!
//! A plugin gives a request its credential headers and resolves endpoint
//! filters to URLs. Plugins are shared (`Arc<dyn AuthPlugin>`) between
//! sessions, adapters and requests; third-party crates implement the trait
//! for their own methods.

mod http_basic;
mod lookup;
mod noauth;
mod prepared;
mod service_token;
pub(crate) mod token_endpoint;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::access::AccessInfo;
use crate::catalog::EndpointFilter;
use crate::discovery::{CredentialSource, DiscoveryCache, DiscoveryContext, EndpointData, ServiceVersions};
use crate::error::{Error, Result};
use crate::transport::{ClientIdentity, Transport};

pub use http_basic::HttpBasic;
pub use noauth::NoAuth;
pub(crate) use prepared::PreparedEndpoint;
pub use prepared::{PreparedAuth, MAX_JOINED_PATHS, MAX_PREPARED_ENDPOINTS};
pub use service_token::{ServiceToken, SERVICE_TOKEN_HEADER};

/// The header that carries an OpenStack token.
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";

/// An authentication method.
///
/// Implementations must be cheap to call repeatedly: the session asks for
/// headers on every authenticated request, so a plugin that fetches tokens
/// caches them and fetches anew only when needed. The trait is object safe;
/// sessions hold plugins as `Arc<dyn AuthPlugin>`.
///
/// ```
/// use async_trait::async_trait;
/// use keystoneauth::{AuthPlugin, EndpointFilter, Result, Transport};
/// use http::HeaderMap;
///
/// /// A plugin for a service behind an API gateway that wants a static key.
/// #[derive(Debug)]
/// struct ApiKey { endpoint: String }
///
/// #[async_trait]
/// impl AuthPlugin for ApiKey {
///     async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
///         let mut h = HeaderMap::new();
///         let mut v = http::HeaderValue::from_static("not-a-real-key");
///         v.set_sensitive(true);
///         h.insert("x-api-key", v);
///         Ok(h)
///     }
///     async fn endpoint(&self, _t: &Transport, _f: &EndpointFilter) -> Result<Option<String>> {
///         Ok(Some(self.endpoint.clone()))
///     }
/// }
/// ```
#[async_trait]
pub trait AuthPlugin: Send + Sync + fmt::Debug {
    /// The headers that authenticate a request, fetching a token first if
    /// needed. An empty map means the plugin adds none.
    async fn headers(&self, transport: &Transport) -> Result<HeaderMap>;

    /// The endpoint URL for a filter, or `None` when the plugin knows none.
    async fn endpoint(&self, transport: &Transport, filter: &EndpointFilter) -> Result<Option<String>>;

    /// The credentials of the current token, prepared once per token
    /// ([`PreparedAuth`]: the headers and the endpoint lookups), when the
    /// plugin has a valid token in hand; `None` (the default) when it has
    /// none or builds its headers per request. The session uses them
    /// instead of calling [`AuthPlugin::headers`] and
    /// [`AuthPlugin::endpoint`] for every request, so they must be what
    /// those two would give now. Called on every request: it must not wait.
    fn prepared_auth(&self) -> Option<Arc<PreparedAuth>> {
        None
    }

    /// Drops cached credentials so that the next request fetches new ones.
    /// Returns whether anything was dropped, that is whether sending the
    /// request again could succeed where it just failed with a 401.
    fn invalidate(&self) -> bool {
        false
    }

    /// Called when a request sent with `rejected` (the headers this plugin
    /// gave) got a 401. Returns whether re-sending with fresh headers could
    /// succeed. The default invalidates; plugins that cache tokens override
    /// it so that many requests rejected at once drop the token only once,
    /// instead of each dropping the token the previous one just fetched.
    fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        let _ = rejected;
        self.invalidate()
    }

    /// The endpoint for a filter with what version discovery found: the
    /// URL of the version asked for, its microversion range. With
    /// `discover_versions` off and no version asked for, no request is made.
    ///
    /// The default, for a plugin with access info
    /// ([`AuthPlugin::access_info`]), takes the catalog entry of its token
    /// and runs discovery with that token (keystoneauth1's
    /// `BaseIdentityPlugin`); for any other plugin it resolves
    /// [`AuthPlugin::endpoint`] and runs discovery with the plugin's headers.
    async fn endpoint_data(
        &self,
        transport: &Transport,
        cache: &DiscoveryCache,
        filter: &EndpointFilter,
        discover_versions: bool,
    ) -> Result<Option<EndpointData>> {
        if let Some(access) = self.access_info(transport).await? {
            return lookup::endpoint_data_from(access, transport, cache, filter, discover_versions).await;
        }
        let Some(url) = self.endpoint(transport, filter).await? else {
            return Ok(None);
        };
        let data = EndpointData::from_url(url, filter.service_type.as_deref());
        let credentials = PluginCredentials {
            plugin: self,
            transport,
        };
        let ctx = credentials.context(cache);
        let project_id = self.project_id(transport).await.ok().flatten();
        data.resolve_for(ctx, filter, discover_versions, project_id)
            .await
            .map(Some)
    }

    /// The versions offered by every endpoint matching the filter (all
    /// services when it names no service type).
    async fn all_version_data(
        &self,
        transport: &Transport,
        cache: &DiscoveryCache,
        filter: &EndpointFilter,
    ) -> Result<Vec<ServiceVersions>> {
        if let Some(access) = self.access_info(transport).await? {
            return lookup::all_version_data_from(access, transport, cache, filter).await;
        }
        let Some(data) = self.endpoint_data(transport, cache, filter, false).await? else {
            return Ok(Vec::new());
        };
        let credentials = PluginCredentials {
            plugin: self,
            transport,
        };
        let ctx = credentials.context(cache);
        let versions = data.all_version_data(ctx, &Default::default()).await;
        Ok(vec![ServiceVersions {
            service_type: filter.service_type.clone().unwrap_or_default(),
            region_name: data.region_name.clone(),
            interface: data.interface,
            catalog_url: data.catalog_url.clone(),
            versions,
        }])
    }

    /// The authenticated user's id, when the plugin knows it.
    async fn user_id(&self, _transport: &Transport) -> Result<Option<String>> {
        Ok(None)
    }

    /// The scoped project's id, when the plugin knows it.
    async fn project_id(&self, _transport: &Transport) -> Result<Option<String>> {
        Ok(None)
    }

    /// The current token, fetching one if needed, when the plugin uses tokens.
    async fn token(&self, _transport: &Transport) -> Result<Option<SecretString>> {
        Ok(None)
    }

    /// What Keystone said about the current token, authenticating first if
    /// needed; `None` for plugins without access info.
    async fn access_info(&self, _transport: &Transport) -> Result<Option<Arc<AccessInfo>>> {
        Ok(None)
    }

    /// A stable id for the identity this plugin authenticates as (auth URL,
    /// user, scope), for caching tokens. It is a digest that reveals no
    /// secret; `None` for plugins whose tokens cannot be cached.
    fn cache_id(&self) -> Option<String> {
        None
    }

    /// The current token and its body, serialised (a secret), if any.
    fn auth_state(&self) -> Option<SecretString> {
        None
    }

    /// Restores state saved with [`AuthPlugin::auth_state`]. Returns whether
    /// the plugin took it; a restored token that is still valid is used
    /// without contacting Keystone.
    fn set_auth_state(&self, state: &str) -> Result<bool> {
        let _ = state;
        Ok(false)
    }

    /// A long-lived credential that gets new tokens without the user (an
    /// OpenID Connect refresh token), to keep across runs next to the auth
    /// state; a secret. `None` for plugins without one.
    /// [`TokenCache`](crate::TokenCache) stores it encrypted.
    fn refresh_credential(&self) -> Option<SecretString> {
        None
    }

    /// Gives back a credential saved from
    /// [`AuthPlugin::refresh_credential`]; the plugin uses it on its next
    /// authentication instead of asking the user. Returns whether it took it.
    fn set_refresh_credential(&self, credential: SecretString) -> bool {
        let _ = credential;
        false
    }

    /// For plugins that get an unscoped token first and re-scope it (the
    /// browser login, `v3websso`): a stable id for that unscoped token,
    /// which does not vary with the scope, so one stored copy serves every
    /// project (keystoneauth1's `get_unscoped_cache_id`). `None` otherwise.
    fn unscoped_cache_id(&self) -> Option<String> {
        None
    }

    /// The kept unscoped token, serialised (a secret), once there is one
    /// (keystoneauth1's `get_unscoped_auth_state`).
    fn unscoped_auth_state(&self) -> Option<SecretString> {
        None
    }

    /// Installs an unscoped token saved with
    /// [`AuthPlugin::unscoped_auth_state`]; the next scoped token is made
    /// from it without a new login while it is valid. Returns whether the
    /// plugin took it.
    fn set_unscoped_auth_state(&self, state: &str) -> Result<bool> {
        let _ = state;
        Ok(false)
    }

    /// Connection settings the plugin needs, such as a client certificate.
    fn connection_params(&self) -> ConnectionParams {
        ConnectionParams::default()
    }
}

/// Implements [`AuthPlugin`] for `$ty` with the methods given, and the
/// lookups (`endpoint_data`, `all_version_data`, `user_id`, `project_id`,
/// `token`, `access_info`, `cache_id`, `auth_state`) forwarded to the
/// plugin in the field `$base`, each async one after `self.$ensure(transport)`
/// when an `ensure` method is named. One macro for the whole `impl`:
/// `async_trait` must see every method.
macro_rules! forwarding_plugin {
    ($ty:ty, $base:ident $(, ensure = $ensure:ident)?, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::auth::AuthPlugin for $ty {
            $($own)*

            async fn endpoint_data(
                &self,
                transport: &$crate::transport::Transport,
                cache: &$crate::discovery::DiscoveryCache,
                filter: &$crate::catalog::EndpointFilter,
                discover_versions: bool,
            ) -> $crate::error::Result<Option<$crate::discovery::EndpointData>> {
                $(self.$ensure(transport).await?;)?
                self.$base.endpoint_data(transport, cache, filter, discover_versions).await
            }

            async fn all_version_data(
                &self,
                transport: &$crate::transport::Transport,
                cache: &$crate::discovery::DiscoveryCache,
                filter: &$crate::catalog::EndpointFilter,
            ) -> $crate::error::Result<Vec<$crate::discovery::ServiceVersions>> {
                $(self.$ensure(transport).await?;)?
                self.$base.all_version_data(transport, cache, filter).await
            }

            async fn user_id(&self, transport: &$crate::transport::Transport) -> $crate::error::Result<Option<String>> {
                $(self.$ensure(transport).await?;)?
                self.$base.user_id(transport).await
            }

            async fn project_id(&self, transport: &$crate::transport::Transport) -> $crate::error::Result<Option<String>> {
                $(self.$ensure(transport).await?;)?
                self.$base.project_id(transport).await
            }

            async fn token(
                &self,
                transport: &$crate::transport::Transport,
            ) -> $crate::error::Result<Option<secrecy::SecretString>> {
                $(self.$ensure(transport).await?;)?
                self.$base.token(transport).await
            }

            async fn access_info(
                &self,
                transport: &$crate::transport::Transport,
            ) -> $crate::error::Result<Option<std::sync::Arc<$crate::access::AccessInfo>>> {
                $(self.$ensure(transport).await?;)?
                self.$base.access_info(transport).await
            }

            fn cache_id(&self) -> Option<String> {
                self.$base.cache_id()
            }

            fn auth_state(&self) -> Option<secrecy::SecretString> {
                self.$base.auth_state()
            }
        }
    };
}
pub(crate) use forwarding_plugin;

/// Connection settings an auth plugin asks the session to use.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ConnectionParams {
    /// A client certificate to present on every connection of requests
    /// authenticated by this plugin.
    pub client_identity: Option<ClientIdentity>,
}

impl ConnectionParams {
    /// Parameters with a client certificate.
    pub fn with_client_identity(identity: ClientIdentity) -> Self {
        ConnectionParams {
            client_identity: Some(identity),
        }
    }

    /// Parameters with the client certificate, if any.
    pub(crate) fn from_identity(identity: Option<&ClientIdentity>) -> Self {
        ConnectionParams {
            client_identity: identity.cloned(),
        }
    }
}

/// A plugin's headers as credentials for discovery requests.
pub(crate) struct PluginCredentials<'a, P: ?Sized> {
    pub(crate) plugin: &'a P,
    pub(crate) transport: &'a Transport,
}

impl<'a, P: AuthPlugin + ?Sized> PluginCredentials<'a, P> {
    /// Discovery on the plugin's transport, answering a 401 with the
    /// plugin's headers.
    pub(crate) fn context(&'a self, cache: &'a DiscoveryCache) -> DiscoveryContext<'a> {
        DiscoveryContext {
            transport: self.transport,
            cache,
            credentials: Some(self),
        }
    }
}

#[async_trait]
impl<P: AuthPlugin + ?Sized> CredentialSource for PluginCredentials<'_, P> {
    async fn credentials(&self) -> Result<HeaderMap> {
        self.plugin.headers(self.transport).await
    }
}

/// A sensitive header value holding a secret; errors name the header only.
pub(crate) fn secret_header_value(name: &'static str, secret: &SecretString) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(secret.expose_secret()).map_err(|_| {
        Error::invalid_option(
            name.to_owned(),
            "the value contains characters not allowed in an HTTP header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Headers holding `X-Auth-Token: <token>`.
pub(crate) fn token_headers(token: &SecretString) -> Result<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(1);
    headers.insert(
        HeaderName::from_static(AUTH_TOKEN_HEADER),
        secret_header_value("token", token)?,
    );
    Ok(headers)
}

/// Validates an endpoint given to a plugin so mistakes show at construction.
pub(crate) fn check_endpoint(option: &str, endpoint: &str) -> Result<()> {
    url::Url::parse(endpoint).map(|_| ()).map_err(|e| {
        Error::invalid_option(
            option.to_owned(),
            format!("{:?} is not an absolute URL ({e})", crate::redact::url_str(endpoint)),
        )
    })
}
