//! Per-request options: where to send, whether and how to authenticate.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use url::Url;

use super::url::{is_relative, join_endpoint, join_url};
use super::Limits;
use super::Session;
use crate::auth::{AuthPlugin, PreparedAuth};
use crate::catalog::EndpointFilter;
use crate::discovery::set_microversion_headers;
use crate::error::{Error, Result};
use crate::redact;
use crate::transport::{
    same_origin, HttpRequest, RequestBody, RequestOverrides, Response, StreamingResponse, Transport, UserAgentItem,
};
use crate::version::ApiVersion;

/// The header that carries a global request id across services.
pub const GLOBAL_REQUEST_ID_HEADER: &str = "x-openstack-request-id";

/// A request being prepared; send it with [`RequestBuilder::send`].
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    session: Session,
    method: Method,
    url: String,
    authenticated: Option<bool>,
    endpoint_filter: Option<RequestFilter>,
    endpoint_override: Option<String>,
    auth: Option<Arc<dyn AuthPlugin>>,
    raise_error: bool,
    allow_reauth: bool,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Option<RequestBody>,
    log: bool,
    follow_redirects: bool,
    overrides: RequestOverrides,
    user_agent: Option<String>,
    client: Option<UserAgentItem>,
    limits: Option<Arc<Limits>>,
    microversion: Option<ApiVersion>,
    microversion_service_type: Option<String>,
    error: Option<Error>,
}

impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("url", &redact::url_str(&self.url))
            .field("authenticated", &self.authenticated)
            .field("endpoint_filter", &self.endpoint_filter.as_deref())
            .field(
                "endpoint_override",
                &self.endpoint_override.as_deref().map(redact::url_str),
            )
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl RequestBuilder {
    pub(crate) fn new(session: Session, method: Method, url: String) -> Self {
        RequestBuilder {
            session,
            method,
            url,
            authenticated: None,
            endpoint_filter: None,
            endpoint_override: None,
            auth: None,
            raise_error: true,
            allow_reauth: true,
            headers: HeaderMap::new(),
            query: Vec::new(),
            body: None,
            log: true,
            follow_redirects: true,
            overrides: RequestOverrides::default(),
            user_agent: None,
            client: None,
            limits: None,
            microversion: None,
            microversion_service_type: None,
            error: None,
        }
    }

    /// Whether to send credentials: `None` (the default) sends them when a
    /// plugin is available, `Some(false)` never, `Some(true)` requires a
    /// plugin.
    pub fn authenticated(mut self, authenticated: impl Into<Option<bool>>) -> Self {
        self.authenticated = authenticated.into();
        self
    }

    /// Resolves a relative URL against the endpoint this filter selects.
    pub fn endpoint_filter(mut self, filter: EndpointFilter) -> Self {
        self.endpoint_filter = Some(RequestFilter::Owned(filter));
        self
    }

    /// [`RequestBuilder::endpoint_filter`] with a filter shared with others
    /// (an adapter's), not copied.
    pub(crate) fn shared_endpoint_filter(mut self, filter: Arc<EndpointFilter>) -> Self {
        self.endpoint_filter = Some(RequestFilter::Shared(filter));
        self
    }

    /// Resolves a relative URL against this endpoint instead of the
    /// catalog. `%(project_id)s` and `%(user_id)s` are filled in from the
    /// auth plugin.
    pub fn endpoint_override(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint_override = Some(endpoint.into());
        self
    }

    /// Authenticates with this plugin instead of the session's.
    pub fn auth(mut self, plugin: Arc<dyn AuthPlugin>) -> Self {
        self.auth = Some(plugin);
        self
    }

    /// Whether a status of 400 or more is returned as an error (default
    /// true). When it is, only the first 64 KiB of the error body are read
    /// ([`MAX_ERROR_BODY`](crate::transport::MAX_ERROR_BODY)); turned off, the whole
    /// body of an error status is read and returned in the response.
    pub fn raise_error(mut self, raise: bool) -> Self {
        self.raise_error = raise;
        self
    }

    /// Whether a 401 invalidates the plugin and re-sends once with fresh
    /// credentials (default true).
    pub fn allow_reauth(mut self, allow: bool) -> Self {
        self.allow_reauth = allow;
        self
    }

    /// Sets a header.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        match (name.try_into(), value.try_into()) {
            (Ok(name), Ok(mut value)) => {
                if redact::is_sensitive_header(&name) {
                    value.set_sensitive(true);
                }
                self.headers.insert(name, value);
            }
            (Err(_), _) => self.fail(Error::invalid_request("invalid header name")),
            (Ok(name), Err(_)) => self.fail(Error::invalid_request(format!("invalid value for header {name}"))),
        }
        self
    }

    /// Sets several headers.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        for (name, mut value) in headers {
            if let Some(name) = name {
                if redact::is_sensitive_header(&name) {
                    value.set_sensitive(true);
                }
                self.headers.insert(name, value);
            }
        }
        self
    }

    /// Adds query parameters.
    pub fn query<K: ToString, V: ToString>(mut self, params: &[(K, V)]) -> Self {
        self.query
            .extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(RequestBody::Bytes(Bytes::from(bytes)));
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(Error::invalid_request("the JSON body could not be serialised").with_source(e)),
        }
        self
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(RequestBody::Bytes(body.into()));
        self
    }

    /// Streams the body from a file, with its length as `Content-Length`.
    /// The file is opened when the request is sent, and again for each
    /// retry or redirect, so such a body is retried like a byte body.
    pub fn body_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.body = Some(RequestBody::File(path.into()));
        self
    }

    /// Streams the body from a stream of byte chunks; `len`, when known,
    /// is sent as `Content-Length` (else the body is sent chunked). Such a
    /// body can be sent only once: it is never retried, and a redirect or
    /// a `401` that would need it again ends the exchange (a `307`/`308`
    /// is returned as the response; a `401` or a retriable status is
    /// [`Error::BodyNotReplayable`], with the response).
    pub fn body_stream<S>(mut self, stream: S, len: Option<u64>) -> Self
    where
        S: futures::Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static,
    {
        self.body = Some(RequestBody::stream(stream, len));
        self
    }

    /// Streams the body from an [`AsyncRead`](tokio::io::AsyncRead), as
    /// [`RequestBuilder::body_stream`] does (sent once, never retried).
    pub fn body_reader<R>(self, reader: R, len: Option<u64>) -> Self
    where
        R: tokio::io::AsyncRead + Send + 'static,
    {
        self.body_stream(tokio_util::io::ReaderStream::with_capacity(reader, 256 * 1024), len)
    }

    /// Refuses a response body larger than `bytes` in [`RequestBuilder::send`]
    /// (an [`Error::InvalidResponse`] naming the limit, without reading
    /// more), overriding the session's and adapter's
    /// `max_response_size`. With [`RequestBuilder::send_streaming`] a body
    /// announced larger by `Content-Length` is refused.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.overrides.max_body = Some(bytes);
        self
    }

    /// Sends a global request id (`X-OpenStack-Request-ID`) so the request
    /// can be traced across services.
    pub fn global_request_id(self, id: impl AsRef<str>) -> Self {
        self.header(GLOBAL_REQUEST_ID_HEADER, id.as_ref())
    }

    /// Whether bodies are logged (default true). Turn off for requests that
    /// carry secrets in their bodies.
    pub fn log(mut self, log: bool) -> Self {
        self.log = log;
        self
    }

    /// Whether redirects are followed (default true).
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// Whether a `307` or `308` redirect to another origin (scheme, host
    /// or port) re-sends this request's body there (default: the session's
    /// [`SessionBuilder::redirect_body_cross_origin`](crate::SessionBuilder::redirect_body_cross_origin),
    /// itself off). When it is off, such a redirect is not followed and the
    /// `307`/`308` response is returned (it is not an error status, so
    /// `send` succeeds with it). Credential headers are never sent to
    /// another origin either way.
    pub fn redirect_body_cross_origin(mut self, allow: bool) -> Self {
        self.overrides.redirect_body_cross_origin = Some(allow);
        self
    }

    crate::transport::retry_setters!(overrides.retry);

    /// The retry settings of an adapter, under this request's own.
    pub(crate) fn retry_overrides(mut self, retry: crate::transport::RetryOverrides) -> Self {
        self.overrides.retry = retry;
        self
    }

    /// The total time allowed for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    super::user_agent_setters!();

    /// Sends this microversion (`OpenStack-API-Version` and the service's
    /// legacy header). `latest` is resolved to the service's discovered
    /// maximum; a request for `N.latest` is refused.
    pub fn microversion(mut self, microversion: impl AsRef<str>) -> Self {
        match ApiVersion::parse_option(microversion.as_ref(), "microversion") {
            Ok(v) => self.microversion = Some(v),
            Err(e) => self.fail(e),
        }
        self
    }

    /// The service type named in the microversion header (default: the
    /// endpoint filter's service type).
    pub fn microversion_service_type(mut self, service_type: impl Into<String>) -> Self {
        self.microversion_service_type = Some(service_type.into());
        self
    }

    /// Runs the request under an adapter's concurrency and rate limits.
    pub(crate) fn limits(mut self, limits: Arc<Limits>) -> Self {
        self.limits = Some(limits);
        self
    }

    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Sends the request: resolves the URL, authenticates, follows
    /// redirects, retries, and re-authenticates once on a 401. The whole
    /// body is read (up to `max_response_size` when one is set).
    pub async fn send(self) -> Result<Response> {
        let raise = self.raise_error;
        let response = self.dispatch(false).await?.into_response(None).await?;
        if raise {
            response.error_for_status()
        } else {
            Ok(response)
        }
    }

    /// Sends the request like [`RequestBuilder::send`] but returns once the
    /// response's head has arrived, with its body to be read as a stream
    /// ([`StreamingResponse`]). Redirects, status retries and the `401`
    /// re-authentication all happen before. An error status is an
    /// [`Error::Http`] built from the first 64 KiB of its body (unless
    /// `raise_error(false)`, which hands over the whole error body).
    ///
    /// ```no_run
    /// # async fn demo(session: keystoneauth::Session) -> keystoneauth::Result<()> {
    /// use futures::StreamExt;
    /// use keystoneauth::EndpointFilter;
    /// let response = session
    ///     .get("/container/big-object")
    ///     .endpoint_filter(EndpointFilter::new("object-store"))
    ///     .send_streaming()
    ///     .await?;
    /// let mut body = response.bytes_stream();
    /// while let Some(chunk) = body.next().await {
    ///     let chunk = chunk?; // write it somewhere
    /// #   let _ = chunk;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_streaming(self) -> Result<StreamingResponse> {
        let raise = self.raise_error;
        let response = self.dispatch(true).await?;
        if raise {
            response.error_for_status().await
        } else {
            Ok(response)
        }
    }

    async fn dispatch(mut self, stream: bool) -> Result<StreamingResponse> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let limits = self.limits.take();
        let _permit = match &limits {
            Some(l) => l.acquire().await?,
            None => None,
        };
        // Two steps, so that the builder is gone (not carried in the
        // future) while the request is on the wire.
        self.prepare().await?.exchange(stream).await
    }

    /// Resolves the URL and the headers: the request as it will be sent.
    async fn prepare(mut self) -> Result<Prepared> {
        let session = &self.session;
        let plugin = self.auth.as_ref().or(session.inner.auth.as_ref());
        let transport = session.transport_for(plugin)?;
        // The plugin's credentials for its current token, when it has them
        // in hand: the header and the endpoint without asking it again.
        let prepared = plugin.and_then(|p| p.prepared_auth());
        let mut url = self.resolve_url(plugin, prepared.as_deref(), &transport).await?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let authenticate = match self.authenticated {
            Some(false) => None,
            Some(true) => Some(plugin.ok_or(Error::missing_auth_plugin("authenticate the request"))?),
            None => plugin,
        };
        let auth = authenticate.map(|p| (p.clone(), prepared));

        let mut headers = std::mem::take(&mut self.headers);
        if self.microversion.is_some() || self.user_agent.is_some() || self.client.is_some() {
            self.set_rare_headers(&mut headers, plugin, &transport).await?;
        }

        let mut request = HttpRequest::new(self.method, url)
            .follow_redirects(self.follow_redirects)
            .log(self.log);
        request.headers = headers;
        request.body = self.body;
        request.whole_error_body = !self.raise_error;
        request.overrides = self.overrides;
        Ok(Prepared {
            transport,
            request,
            auth,
            allow_reauth: self.allow_reauth,
        })
    }

    /// The microversion and user agent headers, when the request sets them.
    async fn set_rare_headers(
        &self,
        headers: &mut HeaderMap,
        plugin: Option<&Arc<dyn AuthPlugin>>,
        transport: &Transport,
    ) -> Result<()> {
        if let Some(mv) = self.microversion {
            let service_type = self
                .microversion_service_type
                .clone()
                .or_else(|| self.endpoint_filter.as_ref().and_then(|f| f.service_type.clone()))
                .ok_or_else(|| Error::invalid_option("microversion", format!(
                        "microversion {mv} was asked for but no service type is known; give an endpoint filter with a service type or a microversion service type"
                    )))?;
            let mv = if mv.is_latest() {
                Box::pin(self.latest_microversion(plugin, transport)).await?
            } else {
                mv
            };
            set_microversion_headers(headers, &service_type, mv)?;
        }
        if !headers.contains_key(USER_AGENT) {
            let ua = match (&self.user_agent, &self.client) {
                (Some(ua), _) => Some(ua.clone()),
                (None, Some(client)) => self.session.user_agent_for_client(client),
                (None, None) => None,
            };
            if let Some(ua) = ua {
                let value = HeaderValue::from_str(&ua).map_err(|_| {
                    Error::invalid_request("the user agent contains characters not allowed in a header")
                })?;
                headers.insert(USER_AGENT, value);
            }
        }
        Ok(())
    }

    /// The service's maximum microversion, for a request of `latest`.
    async fn latest_microversion(
        &self,
        plugin: Option<&Arc<dyn AuthPlugin>>,
        transport: &Transport,
    ) -> Result<ApiVersion> {
        let (Some(plugin), Some(filter)) = (plugin, &self.endpoint_filter) else {
            return Err(Error::invalid_option("microversion", "latest can only be sent once resolved against the service's discovered range; give an endpoint filter and an auth plugin"));
        };
        let data = plugin
            .endpoint_data(transport, &self.session.inner.discovery_cache, filter, true)
            .await?
            .ok_or_else(|| Error::endpoint_not_found(filter.to_string()))?;
        data.max_microversion.ok_or_else(|| {
            Error::discovery(
                redact::url_str(data.url()),
                "microversion latest was asked for but the service announces no microversion range",
            )
        })
    }

    async fn resolve_url(
        &self,
        plugin: Option<&Arc<dyn AuthPlugin>>,
        prepared: Option<&PreparedAuth>,
        transport: &Transport,
    ) -> Result<Url> {
        if is_relative(&self.url) {
            if let (None, Some(filter), Some(prepared)) = (&self.endpoint_override, &self.endpoint_filter, prepared) {
                if !filter.has_version_request() {
                    if let Some(url) = prepared.with_endpoint(filter, |e| join_endpoint(e, &self.url)) {
                        return url;
                    }
                }
            }
        } else {
            match Url::parse(&self.url) {
                Ok(u) if u.has_host() => return Ok(u),
                Ok(_) => {
                    return Err(Error::invalid_url(&self.url, "the URL has no host"));
                }
                Err(url::ParseError::RelativeUrlWithoutBase) => {}
                Err(e) => return Err(Error::invalid_url(&self.url, e)),
            }
        }
        let base = if let Some(endpoint) = &self.endpoint_override {
            substitute(endpoint, plugin, transport).await?
        } else if let Some(filter) = &self.endpoint_filter {
            let plugin = plugin.ok_or(Error::missing_auth_plugin("resolve an endpoint filter"))?;
            super::resolve_endpoint(plugin.as_ref(), transport, &self.session.inner.discovery_cache, filter).await?
        } else {
            return Err(Error::relative_url(redact::url_str(&self.url)));
        };
        let joined = join_url(&base, &self.url);
        Url::parse(&joined).map_err(|e| Error::invalid_url(&joined, e))
    }
}

/// A request ready to be sent: the URL resolved, the headers set, and the
/// plugin that authenticates it with its prepared credentials (if any).
struct Prepared {
    transport: Transport,
    request: HttpRequest,
    auth: Option<Authenticator>,
    allow_reauth: bool,
}

/// The plugin that authenticates a request and its prepared credentials.
type Authenticator = (Arc<dyn AuthPlugin>, Option<Arc<PreparedAuth>>);

impl Prepared {
    /// Sends the request, re-authenticating once on a 401.
    async fn exchange(self, stream: bool) -> Result<StreamingResponse> {
        let Prepared {
            transport,
            request,
            auth,
            allow_reauth,
        } = self;
        let Some((plugin, prepared)) = auth else {
            return transport.exchange_with(&request, None, stream).await;
        };
        // The request is lent to the transport, not cloned, and the auth
        // headers are laid over its own when each attempt is sent: only a
        // re-authentication needs them again.
        let fetched;
        let auth_headers = match &prepared {
            Some(p) => p.headers(),
            None => {
                fetched = plugin.headers(&transport).await?;
                &fetched
            }
        };
        let response = transport.exchange_with(&request, Some(auth_headers), stream).await?;
        // A 401 from another origin (after a redirect) was answered by a
        // server that never saw the credentials: it says nothing about
        // them, so they are kept.
        if response.status() == StatusCode::UNAUTHORIZED
            && allow_reauth
            && same_origin(response.url(), &request.url)
            && plugin.invalidate_rejected(auth_headers)
        {
            return Box::pin(reauthenticate(plugin.as_ref(), &transport, &request, response, stream)).await;
        }
        Ok(response)
    }
}

/// Sends a request again with fresh credentials after a 401 (rare, so
/// boxed: the common path's future does not carry it).
async fn reauthenticate(
    plugin: &dyn AuthPlugin,
    transport: &Transport,
    request: &HttpRequest,
    response: StreamingResponse,
    stream: bool,
) -> Result<StreamingResponse> {
    if !request.body.as_ref().is_none_or(RequestBody::is_replayable) {
        return Err(Error::body_not_replayable(
            "the server answered 401 and re-authenticating would send the request again",
            response.into_response(None).await?,
        ));
    }
    drop(response);
    tracing::debug!(
        target: crate::transport::LOG_TARGET,
        "401 with credentials that may have expired; re-authenticating once"
    );
    let fresh = plugin.headers(transport).await?;
    transport.exchange_with(request, Some(&fresh), stream).await
}

/// A request's endpoint filter: its own, or one shared with others.
// Owned is as large as the `Option<EndpointFilter>` it replaces; boxing it
// would add an allocation per request.
#[allow(clippy::large_enum_variant)]
enum RequestFilter {
    Owned(EndpointFilter),
    Shared(Arc<EndpointFilter>),
}

impl std::ops::Deref for RequestFilter {
    type Target = EndpointFilter;

    fn deref(&self) -> &EndpointFilter {
        match self {
            RequestFilter::Owned(f) => f,
            RequestFilter::Shared(f) => f,
        }
    }
}

/// Fills `%(project_id)s` and `%(user_id)s` in an endpoint override.
async fn substitute(endpoint: &str, plugin: Option<&Arc<dyn AuthPlugin>>, transport: &Transport) -> Result<String> {
    let mut out = endpoint.to_owned();
    for (placeholder, what) in [("%(project_id)s", "project_id"), ("%(user_id)s", "user_id")] {
        if !out.contains(placeholder) {
            continue;
        }
        let plugin = plugin.ok_or(Error::missing_auth_plugin("fill in the endpoint override"))?;
        let value = if what == "project_id" {
            plugin.project_id(transport).await?
        } else {
            plugin.user_id(transport).await?
        };
        let value = value.ok_or_else(|| {
            Error::invalid_option(
                "endpoint_override",
                format!("it contains {placeholder} but the auth plugin knows no {what}"),
            )
        })?;
        out = out.replace(placeholder, &value);
    }
    Ok(out)
}
