//! The session: one transport and an optional default auth plugin, shared
//! by every client of a program.

mod limits;
mod microversions;
mod request;
mod send;
mod url;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secrecy::SecretString;

use crate::auth::AuthPlugin;
use crate::catalog::EndpointFilter;
use crate::discovery::{DiscoveryCache, EndpointData, ServiceVersions};
use crate::error::{Error, Result};
use crate::transport::{
    compose_user_agent, ClientIdentity, RequestTiming, RetryPolicy, TlsOptions, TlsVersion, Transport, TransportConfig,
    UserAgentItem, DEFAULT_REDIRECT_LIMIT,
};
use crate::version::ApiVersion;

pub(crate) use limits::Limits;
pub use request::RequestBuilder;
#[cfg(any(feature = "reqwest-middleware", feature = "tower"))]
pub(crate) use url::join_url;

/// The shared transport plus an optional default auth plugin.
///
/// Cheap to clone: clones share the connection pool, the plugin (and so
/// its token) and the collected timings. Build one per program with
/// [`Session::builder`] and hand clones to every service client.
///
/// ```no_run
/// # async fn demo() -> keystoneauth::Result<()> {
/// use std::sync::Arc;
/// use keystoneauth::{token_endpoint, EndpointFilter, Session};
///
/// let plugin = token_endpoint::Token::new("http://127.0.0.1:8774/v2.1", "a-token")?;
/// let session = Session::builder().auth(Arc::new(plugin)).build()?;
/// let servers = session
///     .get("/servers")
///     .endpoint_filter(EndpointFilter::new("compute"))
///     .send()
///     .await?;
/// println!("{}", servers.status());
/// // Unauthenticated, absolute URL:
/// let versions = session.get("http://127.0.0.1:5000/v3").authenticated(false).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    transport: Transport,
    auth: Option<Arc<dyn AuthPlugin>>,
    app: Option<UserAgentItem>,
    additional_user_agent: Vec<UserAgentItem>,
    user_agent_override: bool,
    discovery_cache: DiscoveryCache,
    /// Transports with a client certificate, for plugins that ask for one.
    identity_transports: Mutex<Vec<(String, Transport)>>,
    /// The microversion headers made so far.
    microversions: Arc<microversions::MicroversionHeaders>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("transport", &self.inner.transport)
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A builder with keystoneauth1's defaults.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// A session with default settings and no auth plugin.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// A session sharing this one's transport (connection pool, TLS,
    /// timings) but with another default auth plugin.
    pub fn with_auth(&self, auth: Option<Arc<dyn AuthPlugin>>) -> Session {
        Session {
            inner: Arc::new(SessionInner {
                transport: self.inner.transport.clone(),
                auth,
                app: self.inner.app.clone(),
                additional_user_agent: self.inner.additional_user_agent.clone(),
                user_agent_override: self.inner.user_agent_override,
                discovery_cache: self.inner.discovery_cache.clone(),
                identity_transports: Mutex::new(Vec::new()),
                microversions: Arc::clone(&self.inner.microversions),
            }),
        }
    }

    /// The default auth plugin, if any.
    pub fn auth(&self) -> Option<&Arc<dyn AuthPlugin>> {
        self.inner.auth.as_ref()
    }

    /// The transport (connection pool and settings).
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Starts a request. `url` is absolute, or a path resolved through an
    /// endpoint filter or endpoint override.
    pub fn request(&self, method: Method, url: impl Into<String>) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url.into())
    }

    crate::session::method_shortcuts!(RequestBuilder);

    /// The version documents this session has fetched (shared by clones).
    pub fn discovery_cache(&self) -> &DiscoveryCache {
        &self.inner.discovery_cache
    }

    /// The endpoint URL for a filter, through `auth` or the session's
    /// plugin. A filter that asks for a version resolves through version
    /// discovery.
    pub async fn endpoint(&self, filter: &EndpointFilter, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<String> {
        let plugin = self.plugin(auth, "resolve an endpoint filter")?;
        let transport = self.transport_for(Some(plugin))?;
        resolve_endpoint(plugin.as_ref(), &transport, &self.inner.discovery_cache, filter).await
    }

    /// The endpoint for a filter with what version discovery found (the
    /// versioned URL, the API version, the microversion range). With
    /// `discover_versions` off, nothing is fetched when the catalog already
    /// answers the filter.
    pub async fn endpoint_data(
        &self,
        filter: &EndpointFilter,
        auth: Option<&Arc<dyn AuthPlugin>>,
        discover_versions: bool,
    ) -> Result<EndpointData> {
        let plugin = self.plugin(auth, "resolve an endpoint filter")?;
        let transport = self.transport_for(Some(plugin))?;
        plugin
            .endpoint_data(&transport, &self.inner.discovery_cache, filter, discover_versions)
            .await?
            .ok_or_else(|| Error::endpoint_not_found(filter.to_string()))
    }

    /// The major API version of the endpoint a filter selects (from the
    /// URL when it names one, else from discovery).
    pub async fn api_major_version(
        &self,
        filter: &EndpointFilter,
        auth: Option<&Arc<dyn AuthPlugin>>,
    ) -> Result<Option<ApiVersion>> {
        let data = self.endpoint_data(filter, auth, false).await?;
        let version = match data.api_version {
            Some(v) => Some(v),
            None => self.endpoint_data(filter, auth, true).await?.api_version,
        };
        Ok(version.and_then(|v| v.major_number()).map(|m| ApiVersion::new(m, 0)))
    }

    /// The versions offered by every endpoint matching the filter (all
    /// services when the filter names no type), as `openstack versions
    /// show` lists them.
    pub async fn all_version_data(
        &self,
        filter: &EndpointFilter,
        auth: Option<&Arc<dyn AuthPlugin>>,
    ) -> Result<Vec<ServiceVersions>> {
        let plugin = self.plugin(auth, "list service versions")?;
        let transport = self.transport_for(Some(plugin))?;
        plugin
            .all_version_data(&transport, &self.inner.discovery_cache, filter)
            .await
    }

    /// The current token, authenticating first if needed.
    pub async fn token(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<Option<SecretString>> {
        let plugin = self.plugin(auth, "get a token")?;
        let transport = self.transport_for(Some(plugin))?;
        plugin.token(&transport).await
    }

    /// The authenticated user's id, authenticating first if needed.
    pub async fn user_id(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<Option<String>> {
        let plugin = self.plugin(auth, "get the user id")?;
        let transport = self.transport_for(Some(plugin))?;
        plugin.user_id(&transport).await
    }

    /// The scoped project's id, authenticating first if needed.
    pub async fn project_id(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<Option<String>> {
        let plugin = self.plugin(auth, "get the project id")?;
        let transport = self.transport_for(Some(plugin))?;
        plugin.project_id(&transport).await
    }

    /// Drops the cached credentials of `auth` or the session's plugin.
    pub fn invalidate(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> bool {
        auth.or(self.inner.auth.as_ref()).is_some_and(|p| p.invalidate())
    }

    /// Timings of the requests so far, when built with
    /// [`SessionBuilder::collect_timing`].
    pub fn timings(&self) -> Vec<RequestTiming> {
        self.inner.transport.timings()
    }

    /// Forgets the collected timings.
    pub fn reset_timings(&self) {
        self.inner.transport.reset_timings()
    }

    fn plugin<'a>(
        &'a self,
        auth: Option<&'a Arc<dyn AuthPlugin>>,
        action: &'static str,
    ) -> Result<&'a Arc<dyn AuthPlugin>> {
        auth.or(self.inner.auth.as_ref())
            .ok_or(Error::missing_auth_plugin(action))
    }

    /// The transport to use with a plugin: the session's, or one presenting
    /// the client certificate the plugin asks for.
    pub(crate) fn transport_for(&self, plugin: Option<&Arc<dyn AuthPlugin>>) -> Result<Transport> {
        match plugin.and_then(|p| p.connection_params().client_identity) {
            None => Ok(self.inner.transport.clone()),
            Some(identity) => self.identity_transport(identity),
        }
    }

    /// The transport that presents a plugin's client certificate, made once
    /// per certificate (out of line: rare).
    #[cold]
    #[inline(never)]
    fn identity_transport(&self, identity: crate::transport::ClientIdentity) -> Result<Transport> {
        let key = identity.fingerprint();
        let mut cache = self
            .inner
            .identity_transports
            .lock()
            .map_err(|_| Error::invalid_request("the session's transport cache is unusable"))?;
        if let Some((_, t)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(t.clone());
        }
        let transport = self.inner.transport.with_client_identity(identity)?;
        cache.push((key, transport.clone()));
        Ok(transport)
    }

    /// The user agent for a request made on behalf of a named client.
    pub(crate) fn user_agent_for_client(&self, client: &UserAgentItem) -> Option<String> {
        if self.inner.user_agent_override {
            return None;
        }
        Some(compose_user_agent(
            self.inner.app.as_ref(),
            Some(client),
            &self.inner.additional_user_agent,
        ))
    }
}

/// The URL for a filter: the catalog's, or discovery's when a version is asked for.
pub(crate) async fn resolve_endpoint(
    plugin: &dyn AuthPlugin,
    transport: &Transport,
    cache: &DiscoveryCache,
    filter: &EndpointFilter,
) -> Result<String> {
    let not_found = || Error::endpoint_not_found(filter.to_string());
    if filter.has_version_request() {
        let data = plugin
            .endpoint_data(transport, cache, filter, false)
            .await?
            .ok_or_else(not_found)?;
        return Ok(data.url().to_owned());
    }
    plugin.endpoint(transport, filter).await?.ok_or_else(not_found)
}

/// Builds a [`Session`]; modelled on reqwest's `ClientBuilder`.
///
/// # Timeouts
///
/// Like keystoneauth1, a session has **no timeout by default**: a request
/// to a server that accepts the connection and never answers waits for
/// ever. Programs should set one: [`SessionBuilder::connect_timeout`] (for
/// example 10 s) and [`SessionBuilder::timeout`] for the whole request (for
/// example 60 s for API calls). For streamed transfers, whose total time
/// grows with their size, use [`SessionBuilder::read_timeout`] (an idle
/// timeout) instead of a total timeout. The `ksa` command line sets
/// timeouts by default.
///
/// ```
/// # fn demo() -> keystoneauth::Result<()> {
/// use std::time::Duration;
/// let session = keystoneauth::Session::builder()
///     .connect_timeout(Duration::from_secs(10))
///     .timeout(Duration::from_secs(60))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Default)]
#[must_use]
pub struct SessionBuilder {
    auth: Option<Arc<dyn AuthPlugin>>,
    token_cache: Option<crate::TokenCache>,
    ca_file: Option<PathBuf>,
    insecure: bool,
    client_cert: Option<(PathBuf, Option<PathBuf>)>,
    client_identity: Option<ClientIdentity>,
    min_tls_version: Option<TlsVersion>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    max_response_size: Option<usize>,
    app: Option<UserAgentItem>,
    additional_user_agent: Vec<UserAgentItem>,
    user_agent: Option<String>,
    default_headers: HeaderMap,
    redirect_limit: Option<usize>,
    redirect_body_cross_origin: bool,
    retry: RetryPolicy,
    collect_timing: bool,
    split_loggers: bool,
    client: Option<reqwest::Client>,
    discovery_cache: Option<DiscoveryCache>,
}

impl std::fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("auth", &self.auth)
            .field("ca_file", &self.ca_file)
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SessionBuilder {
    /// The default auth plugin of every request (a request or adapter may
    /// override it).
    pub fn auth(mut self, plugin: Arc<dyn AuthPlugin>) -> Self {
        self.auth = Some(plugin);
        self
    }

    /// Sets or clears the default auth plugin.
    pub fn auth_opt(mut self, plugin: Option<Arc<dyn AuthPlugin>>) -> Self {
        self.auth = plugin;
        self
    }

    /// Sets or clears the token cache put in front of the default auth
    /// plugin when the session is built ([`TokenCache::wrap`](crate::TokenCache::wrap):
    /// tokens shared across processes, fetched single-flight).
    pub fn token_cache(mut self, cache: Option<crate::TokenCache>) -> Self {
        self.token_cache = cache;
        self
    }

    /// Verifies servers against this PEM CA bundle only (`--os-cacert`).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Disables server certificate verification (`--insecure`). Never use
    /// this in production.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// Presents a client certificate (PEM); the key may be in the
    /// certificate file (`--os-cert`, `--os-key`).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: Option<PathBuf>) -> Self {
        self.client_cert = Some((cert.into(), key));
        self
    }

    /// Presents an already loaded client certificate.
    pub fn client_identity(mut self, identity: ClientIdentity) -> Self {
        self.client_identity = Some(identity);
        self
    }

    /// The lowest TLS version accepted (default TLS 1.2).
    pub fn min_tls_version(mut self, version: TlsVersion) -> Self {
        self.min_tls_version = Some(version);
        self
    }

    /// The total time allowed for each request (`--timeout`). There is no
    /// default (see [Timeouts](SessionBuilder#timeouts)): interactive tools
    /// should set one (`ksa` uses 60 s, and a 10 s
    /// [`connect_timeout`](Self::connect_timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time allowed to establish a connection. There is no default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The longest wait for any read from the server (default none): an
    /// idle timeout, reset by every chunk that arrives. Unlike
    /// [`SessionBuilder::timeout`], it never cuts a long transfer that
    /// keeps moving, so it is the one to use with streamed bodies
    /// ([`RequestBuilder::send_streaming`]).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Refuses response bodies larger than `bytes` in
    /// [`RequestBuilder::send`] with an error naming the limit (default:
    /// no limit). Adapters and requests may set their own. Use
    /// [`RequestBuilder::send_streaming`] for bodies of any size.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// The application's name and version, first in the user agent.
    pub fn app_name(mut self, name: impl Into<String>, version: Option<&str>) -> Self {
        self.app = Some(UserAgentItem::new(name, version));
        self
    }

    /// An extra `name/version` item for the user agent, after the client's.
    pub fn additional_user_agent(mut self, name: impl Into<String>, version: Option<&str>) -> Self {
        self.additional_user_agent.push(UserAgentItem::new(name, version));
        self
    }

    /// Replaces the whole composed user agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// A header sent with every request unless the request sets it.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// The most redirects followed for one request (default 30; 0 follows none).
    pub fn redirect_limit(mut self, limit: usize) -> Self {
        self.redirect_limit = Some(limit);
        self
    }

    /// Whether a `307` or `308` redirect to another origin (scheme, host or
    /// port) re-sends the request body there (default false). When it is
    /// off, such a redirect is not followed and the `307`/`308` response is
    /// returned, so a body meant for one service never reaches another.
    /// Requests may override it with
    /// [`RequestBuilder::redirect_body_cross_origin`]. Credential headers
    /// are never sent to another origin either way, and the library's own
    /// authentication requests never follow a redirect to another origin.
    pub fn redirect_body_cross_origin(mut self, allow: bool) -> Self {
        self.redirect_body_cross_origin = allow;
        self
    }

    crate::transport::retry_setters!(retry);

    /// Collects method, URL, status and time of every request.
    pub fn collect_timing(mut self, collect: bool) -> Self {
        self.collect_timing = collect;
        self
    }

    /// Logs requests, responses and response bodies under their own
    /// `tracing` targets ([`REQUEST_LOG_TARGET`](crate::transport::REQUEST_LOG_TARGET),
    /// [`RESPONSE_LOG_TARGET`](crate::transport::RESPONSE_LOG_TARGET),
    /// [`BODY_LOG_TARGET`](crate::transport::BODY_LOG_TARGET)), as keystoneauth1's
    /// `split_loggers`, instead of all under [`LOG_TARGET`](crate::transport::LOG_TARGET)
    /// (the default). Secrets are masked the same way in both.
    pub fn split_loggers(mut self, split: bool) -> Self {
        self.split_loggers = split;
        self
    }

    /// Uses a caller-built reqwest client (and its pool) instead of
    /// building one. Its TLS and timeouts are the caller's: combining it with
    /// the TLS or timeout options here is an error. Build it with redirects
    /// disabled, or the session cannot keep tokens from other hosts.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Shares a discovery cache with other sessions (by default each session
    /// and its clones have their own).
    pub fn discovery_cache(mut self, cache: DiscoveryCache) -> Self {
        self.discovery_cache = Some(cache);
        self
    }

    /// Builds the session, reading and checking the CA bundle and client
    /// certificate. The HTTP client itself, and with it the system's root
    /// certificates, is built on the first request, so a session that is
    /// never used costs little; an error of that build is returned by that
    /// request as [`Error::ClientBuild`](crate::Error::ClientBuild).
    pub fn build(self) -> Result<Session> {
        let identity = match (self.client_identity, self.client_cert) {
            (Some(id), _) => Some(id),
            (None, Some((cert, key))) => Some(ClientIdentity::from_files(cert, key.as_deref())?),
            (None, None) => None,
        };
        let user_agent_override = self.user_agent.is_some();
        let ua = self
            .user_agent
            .unwrap_or_else(|| compose_user_agent(self.app.as_ref(), None, &self.additional_user_agent));
        let user_agent = HeaderValue::from_str(&ua)
            .map_err(|_| Error::invalid_option("user_agent", "contains characters not allowed in a header"))?;
        let config = TransportConfig {
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            max_response_size: self.max_response_size,
            tls: TlsOptions {
                ca_file: self.ca_file,
                insecure: self.insecure,
                identity,
                min_version: self.min_tls_version,
            },
            user_agent,
            default_headers: self.default_headers,
            redirect_limit: self.redirect_limit.unwrap_or(DEFAULT_REDIRECT_LIMIT),
            redirect_body_cross_origin: self.redirect_body_cross_origin,
            retry: self.retry,
            collect_timing: self.collect_timing,
            split_loggers: self.split_loggers,
            client: self.client,
        };
        Ok(Session {
            inner: Arc::new(SessionInner {
                transport: Transport::new(config)?,
                auth: match (self.auth, &self.token_cache) {
                    (Some(plugin), Some(cache)) => Some(cache.wrap(plugin)),
                    (auth, _) => auth,
                },
                app: self.app,
                additional_user_agent: self.additional_user_agent,
                user_agent_override,
                discovery_cache: self.discovery_cache.unwrap_or_default(),
                identity_transports: Mutex::new(Vec::new()),
                microversions: Arc::default(),
            }),
        })
    }
}

/// `get`, `post`, `put`, `patch`, `delete` and `head`: `request` with that
/// method, for every type that starts requests (sessions and adapters,
/// async and blocking) and returns `$builder`.
macro_rules! method_shortcuts {
    ($builder:ty) => {
        /// Starts a GET request.
        pub fn get(&self, url: impl Into<String>) -> $builder {
            self.request(http::Method::GET, url)
        }

        /// Starts a POST request.
        pub fn post(&self, url: impl Into<String>) -> $builder {
            self.request(http::Method::POST, url)
        }

        /// Starts a PUT request.
        pub fn put(&self, url: impl Into<String>) -> $builder {
            self.request(http::Method::PUT, url)
        }

        /// Starts a PATCH request.
        pub fn patch(&self, url: impl Into<String>) -> $builder {
            self.request(http::Method::PATCH, url)
        }

        /// Starts a DELETE request.
        pub fn delete(&self, url: impl Into<String>) -> $builder {
            self.request(http::Method::DELETE, url)
        }

        /// Starts a HEAD request.
        pub fn head(&self, url: impl Into<String>) -> $builder {
            self.request(http::Method::HEAD, url)
        }
    };
}
pub(crate) use method_shortcuts;

/// `user_agent` and `client_name`, onto the builder's `user_agent` and
/// `client` fields, or those of its field named (adapters and requests).
macro_rules! user_agent_setters {
    ($($path:tt)+) => {
        /// Replaces the whole user agent.
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.$($path)+.user_agent = Some(user_agent.into());
            self
        }

        /// Names the service client making the requests; its name and
        /// version appear in the user agent after the application's.
        pub fn client_name(mut self, name: impl Into<String>, version: Option<&str>) -> Self {
            self.$($path)+.client = Some($crate::transport::UserAgentItem::new(name, version));
            self
        }
    };
}
pub(crate) use user_agent_setters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_is_send_sync_and_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Session>();
        check::<Transport>();
    }

    #[test]
    fn unreadable_ca_file_named() {
        let err = Session::builder().ca_file("/nonexistent/ca.pem").build().unwrap_err();
        assert!(matches!(err, Error::File { .. }));
        assert_eq!(err.to_string(), "unable to read CA bundle /nonexistent/ca.pem");
    }

    #[test]
    fn invalid_ca_file_named() {
        let dir = std::env::temp_dir().join(format!("ksa-ca-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("not-a-cert.pem");
        std::fs::write(&path, "this is not PEM").unwrap();
        let err = Session::builder().ca_file(&path).build().unwrap_err();
        assert!(err.to_string().contains("not-a-cert.pem"), "{err}");
        assert!(matches!(err, Error::InvalidCertificate { .. }));
    }

    #[test]
    fn unreadable_client_cert_named() {
        let err = Session::builder()
            .client_cert("/nonexistent/client.pem", Some("/nonexistent/client.key".into()))
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to read client certificate /nonexistent/client.pem"
        );
    }
}
