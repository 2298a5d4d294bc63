//! The adapter: a session with per-service defaults, for client authors.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secrecy::SecretString;

use crate::auth::AuthPlugin;
use crate::catalog::{EndpointFilter, Interface};
use crate::discovery::{DiscoveryContext, EndpointData, ServiceVersions};
use crate::error::{Error, Result};
use crate::session::{Limits, RequestBuilder, Session};
use crate::transport::{RetryOverrides, UserAgentItem};
use crate::version::{AllowedStatuses, ApiVersion};

/// A session bound to one service: its type, interface, region and the
/// defaults its client wants, so each call only names the path.
///
/// Values given on a request win over the adapter's defaults. Cheap to
/// clone; clones share the concurrency and rate limits.
///
/// ```no_run
/// # async fn demo(session: keystoneauth::Session) -> keystoneauth::Result<()> {
/// use keystoneauth::{Adapter, Interface};
/// let compute = Adapter::builder(session)
///     .service_type("compute")
///     .interface(Interface::Internal)
///     .region_name("RegionTwo")
///     .concurrency(8)
///     .build()?;
/// let servers = compute.get("/servers").send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Adapter {
    inner: Arc<AdapterInner>,
}

/// An adapter's defaults for its requests: what the builder sets and the
/// adapter keeps.
struct AdapterConfig {
    session: Session,
    /// Shared with every request, not copied into each.
    filter: Arc<EndpointFilter>,
    endpoint_override: Option<String>,
    /// Parsed once, when set (checked there, so it is always valid).
    microversion: Option<ApiVersion>,
    auth: Option<Arc<dyn AuthPlugin>>,
    user_agent: Option<String>,
    client: Option<UserAgentItem>,
    headers: HeaderMap,
    retry: RetryOverrides,
    raise_error: Option<bool>,
    global_request_id: Option<String>,
    max_response_size: Option<usize>,
}

struct AdapterInner {
    config: AdapterConfig,
    limits: Option<Arc<Limits>>,
    /// Whether the adapter sets anything besides its endpoint filter (else
    /// its requests are built in one step, see [`Adapter::request`]).
    plain: bool,
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        f.debug_struct("Adapter")
            .field("filter", &i.config.filter)
            .field(
                "endpoint_override",
                &i.config.endpoint_override.as_deref().map(crate::redact::url_str),
            )
            .field("microversion", &i.config.microversion.map(|v| v.to_string()))
            .field("auth", &i.config.auth)
            .field(
                "headers",
                &i.config.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Adapter {
    /// A builder for an adapter over `session`.
    pub fn builder(session: Session) -> AdapterBuilder {
        AdapterBuilder {
            config: AdapterConfig {
                session,
                filter: Arc::default(),
                endpoint_override: None,
                microversion: None,
                auth: None,
                user_agent: None,
                client: None,
                headers: HeaderMap::new(),
                retry: RetryOverrides::default(),
                raise_error: None,
                global_request_id: None,
                max_response_size: None,
            },
            concurrency: None,
            rate_limit: None,
            error: None,
        }
    }

    /// The session underneath.
    pub fn session(&self) -> &Session {
        &self.inner.config.session
    }

    /// The endpoint filter the adapter's requests use.
    pub fn endpoint_filter(&self) -> &EndpointFilter {
        &self.inner.config.filter
    }

    /// The auth plugin: the adapter's own, else the session's.
    pub fn auth(&self) -> Option<&Arc<dyn AuthPlugin>> {
        self.inner.config.auth.as_ref().or(self.inner.config.session.auth())
    }

    /// The API version asked for, if any (used by version discovery).
    pub fn version(&self) -> Option<ApiVersion> {
        self.inner.config.filter.version
    }

    /// Starts a request with the adapter's defaults.
    pub fn request(&self, method: Method, url: impl Into<String>) -> RequestBuilder {
        let i = &self.inner;
        if i.plain {
            let filter = Arc::clone(&i.config.filter);
            return RequestBuilder::with_shared_filter(i.config.session.clone(), method, url.into(), filter);
        }
        self.configured(i.config.session.request(method, url))
    }

    /// `b` with what the adapter sets (the request of an adapter that sets
    /// more than its filter).
    fn configured(&self, mut b: RequestBuilder) -> RequestBuilder {
        let i = &self.inner;
        if !i.config.headers.is_empty() {
            b = b.headers(i.config.headers.clone());
        }
        b = match &i.config.endpoint_override {
            Some(e) => b.endpoint_override(e.clone()),
            None => b.shared_endpoint_filter(Arc::clone(&i.config.filter)),
        };
        if let Some(a) = &i.config.auth {
            b = b.auth(a.clone());
        }
        if let Some(ua) = &i.config.user_agent {
            b = b.user_agent(ua.clone());
        }
        if let Some(c) = &i.config.client {
            b = b.client_name(c.name.clone(), c.version.as_deref());
        }
        b = b.retry_overrides(i.config.retry.clone());
        if let Some(v) = i.config.raise_error {
            b = b.raise_error(v);
        }
        if let Some(v) = &i.config.global_request_id {
            b = b.global_request_id(v);
        }
        if let Some(v) = i.config.max_response_size {
            b = b.max_response_size(v);
        }
        if let Some(l) = &i.limits {
            b = b.limits(l.clone());
        }
        if let Some(mv) = i.config.microversion {
            b = b.parsed_microversion(mv);
        }
        b
    }

    /// Whether an adapter of `config` and `limits` sets nothing that
    /// [`Adapter::configured`] would add to a request besides its filter.
    fn sets_only_its_filter(c: &AdapterConfig, limits: Option<&Arc<Limits>>) -> bool {
        c.headers.is_empty()
            && c.endpoint_override.is_none()
            && c.auth.is_none()
            && c.user_agent.is_none()
            && c.client.is_none()
            && c.retry == RetryOverrides::default()
            && c.raise_error.is_none()
            && c.global_request_id.is_none()
            && c.max_response_size.is_none()
            && limits.is_none()
            && c.microversion.is_none()
    }

    crate::session::method_shortcuts!(RequestBuilder);

    /// The endpoint the adapter's requests go to (the override, or the
    /// catalog's endpoint for the filter).
    pub async fn endpoint(&self) -> Result<String> {
        if let Some(e) = &self.inner.config.endpoint_override {
            return Ok(e.clone());
        }
        self.inner
            .config
            .session
            .endpoint(&self.inner.config.filter, self.inner.config.auth.as_ref())
            .await
    }

    /// The endpoint with what version discovery found (see
    /// [`Session::endpoint_data`]).
    pub async fn endpoint_data(&self, discover_versions: bool) -> Result<EndpointData> {
        if let Some(e) = &self.inner.config.endpoint_override {
            let plugin = self.auth().ok_or(Error::missing_auth_plugin("run version discovery"))?;
            let transport = self.inner.config.session.transport_for(Some(plugin))?;
            let credentials = crate::auth::PluginCredentials {
                plugin: plugin.as_ref(),
                transport: &transport,
            };
            let ctx = DiscoveryContext {
                transport: &transport,
                cache: self.inner.config.session.discovery_cache(),
                credentials: Some(&credentials),
            };
            let project_id = plugin.project_id(&transport).await.ok().flatten();
            return EndpointData::from_url(e.clone(), self.inner.config.filter.service_type.as_deref())
                .resolve_for(ctx, &self.inner.config.filter, discover_versions, project_id)
                .await;
        }
        self.inner
            .config
            .session
            .endpoint_data(
                &self.inner.config.filter,
                self.inner.config.auth.as_ref(),
                discover_versions,
            )
            .await
    }

    /// The major API version of the adapter's endpoint (the override's,
    /// when the adapter has one, as keystoneauth1's
    /// `get_api_major_version`).
    pub async fn api_major_version(&self) -> Result<Option<ApiVersion>> {
        if self.inner.config.endpoint_override.is_some() {
            let data = self.endpoint_data(false).await?;
            return Ok(match data.api_version {
                Some(v) => Some(v),
                None => self.endpoint_data(true).await?.api_version,
            });
        }
        self.inner
            .config
            .session
            .api_major_version(&self.inner.config.filter, self.inner.config.auth.as_ref())
            .await
    }

    /// The versions offered by the endpoints the adapter's filter matches.
    pub async fn all_version_data(&self) -> Result<Vec<ServiceVersions>> {
        self.inner
            .config
            .session
            .all_version_data(&self.inner.config.filter, self.inner.config.auth.as_ref())
            .await
    }

    /// The current token, authenticating first if needed.
    pub async fn token(&self) -> Result<Option<SecretString>> {
        self.inner.config.session.token(self.inner.config.auth.as_ref()).await
    }

    /// The authenticated user's id.
    pub async fn user_id(&self) -> Result<Option<String>> {
        self.inner.config.session.user_id(self.inner.config.auth.as_ref()).await
    }

    /// The scoped project's id.
    pub async fn project_id(&self) -> Result<Option<String>> {
        self.inner
            .config
            .session
            .project_id(self.inner.config.auth.as_ref())
            .await
    }

    /// Drops the plugin's cached credentials.
    pub fn invalidate(&self) -> bool {
        self.inner.config.session.invalidate(self.inner.config.auth.as_ref())
    }
}

/// Builds an [`Adapter`].
#[must_use]
pub struct AdapterBuilder {
    config: AdapterConfig,
    concurrency: Option<usize>,
    rate_limit: Option<f64>,
    error: Option<Error>,
}

impl std::fmt::Debug for AdapterBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdapterBuilder")
            .field("filter", &self.config.filter)
            .field(
                "endpoint_override",
                &self.config.endpoint_override.as_deref().map(crate::redact::url_str),
            )
            .finish_non_exhaustive()
    }
}

impl AdapterBuilder {
    /// The service type (`compute`, `identity`, `block-storage`...).
    pub fn service_type(mut self, service_type: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config.filter).service_type = Some(service_type.into());
        self
    }

    /// The service name in the catalog.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config.filter).service_name = Some(name.into());
        self
    }

    /// The service id in the catalog.
    pub fn service_id(mut self, id: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config.filter).service_id = Some(id.into());
        self
    }

    /// One interface.
    pub fn interface(mut self, interface: Interface) -> Self {
        Arc::make_mut(&mut self.config.filter).interfaces = vec![interface];
        self
    }

    /// Acceptable interfaces, most preferred first (`valid_interfaces`).
    pub fn interfaces(mut self, interfaces: impl IntoIterator<Item = Interface>) -> Self {
        Arc::make_mut(&mut self.config.filter).interfaces = interfaces.into_iter().collect();
        self
    }

    /// The region.
    pub fn region_name(mut self, region: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.config.filter).region_name = Some(region.into());
        self
    }

    /// An endpoint to use instead of the catalog's (`%(project_id)s` is
    /// filled in).
    pub fn endpoint_override(mut self, endpoint: impl Into<String>) -> Self {
        self.config.endpoint_override = Some(endpoint.into());
        self
    }

    /// `version` parsed, or `None` with the error kept for `build`.
    fn checked_version(&mut self, version: &str, option: &str) -> Option<ApiVersion> {
        ApiVersion::parse_option(version, option)
            .map_err(|e| {
                self.error.get_or_insert(e);
            })
            .ok()
    }

    /// The API version wanted: requests resolve the URL of that version
    /// through discovery (`2` means 2.0 up to 2.latest).
    pub fn version(mut self, version: impl AsRef<str>) -> Self {
        Arc::make_mut(&mut self.config.filter).version = self.checked_version(version.as_ref(), "version");
        self
    }

    /// The lowest API version acceptable.
    pub fn min_version(mut self, version: impl AsRef<str>) -> Self {
        Arc::make_mut(&mut self.config.filter).min_version = self.checked_version(version.as_ref(), "min_version");
        self
    }

    /// The highest API version acceptable.
    pub fn max_version(mut self, version: impl AsRef<str>) -> Self {
        Arc::make_mut(&mut self.config.filter).max_version = self.checked_version(version.as_ref(), "max_version");
        self
    }

    /// Whether discovery may try the unversioned root of a versioned
    /// catalog URL (default true).
    pub fn allow_version_hack(mut self, allow: bool) -> Self {
        Arc::make_mut(&mut self.config.filter).allow_version_hack = Some(allow);
        self
    }

    /// Version statuses discovery may choose.
    pub fn allow_statuses(mut self, allow: AllowedStatuses) -> Self {
        Arc::make_mut(&mut self.config.filter).allow = allow;
        self
    }

    /// The microversion every request sends unless it sets its own
    /// (`latest` is resolved against discovery).
    pub fn default_microversion(mut self, microversion: impl Into<String>) -> Self {
        match ApiVersion::parse_option(&microversion.into(), "default_microversion") {
            Ok(v) => self.config.microversion = Some(v),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// An auth plugin for this adapter's requests instead of the session's.
    pub fn auth(mut self, plugin: Arc<dyn AuthPlugin>) -> Self {
        self.config.auth = Some(plugin);
        self
    }

    crate::session::user_agent_setters!(config);

    /// A header sent with every request.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(n), Ok(v)) => {
                self.config.headers.insert(n, v);
            }
            _ => {
                self.error
                    .get_or_insert(Error::invalid_request("invalid adapter header name or value"));
            }
        }
        self
    }

    crate::transport::retry_setters!(config.retry);

    /// Whether error statuses are errors (default true).
    pub fn raise_error(mut self, raise: bool) -> Self {
        self.config.raise_error = Some(raise);
        self
    }

    /// A global request id sent with every request.
    pub fn global_request_id(mut self, id: impl Into<String>) -> Self {
        self.config.global_request_id = Some(id.into());
        self
    }

    /// Refuses response bodies larger than `bytes` in `send` (overrides
    /// the session's; see [`crate::RequestBuilder::max_response_size`]).
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.config.max_response_size = Some(bytes);
        self
    }

    /// At most this many requests of this adapter (and its clones) run at
    /// once; exactly this many, not one more. A streamed response
    /// ([`RequestBuilder::send_streaming`](crate::RequestBuilder::send_streaming))
    /// counts until its body is read or it is dropped.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Some(limit);
        self
    }

    /// At most this many requests per second start.
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Builds the adapter.
    pub fn build(self) -> Result<Adapter> {
        if let Some(e) = self.error {
            return Err(e);
        }
        crate::discovery::normalize_for_service(
            self.config.filter.version,
            self.config.filter.min_version,
            self.config.filter.max_version,
            self.config.filter.service_type.as_deref(),
        )?;
        if self.concurrency == Some(0) {
            return Err(Error::invalid_option_in("concurrency", "adapter", "must be at least 1"));
        }
        let interval = self
            .rate_limit
            .filter(|r| r.is_finite() && *r > 0.0)
            .and_then(|r| Duration::try_from_secs_f64(1.0 / r).ok());
        let interval = match (self.rate_limit, interval) {
            (None, _) => None,
            (Some(_), Some(interval)) => Some(interval),
            (Some(_), None) => {
                return Err(Error::invalid_option_in(
                    "rate_limit",
                    "adapter",
                    "must be a positive number of requests per second",
                ))
            }
        };
        let limits = Limits::new(self.concurrency, interval).map(Arc::new);
        let plain = Adapter::sets_only_its_filter(&self.config, limits.as_ref());
        Ok(Adapter {
            inner: Arc::new(AdapterInner {
                plain,
                config: self.config,
                limits,
            }),
        })
    }
}
