//! Per-request options: where to send, whether and how to authenticate.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use url::Url;

use super::send::{Authenticator, Prepared, SendFuture};
use super::url::{is_relative, join_endpoint, join_url, substitute};
use super::Limits;
use super::Session;
use crate::auth::{AuthPlugin, PreparedAuth};
use crate::catalog::EndpointFilter;
use crate::error::{Error, Result};
use crate::redact;
use crate::transport::{
    HttpRequest, RequestBody, RequestOverrides, Response, StreamingResponse, Transport, UserAgentItem,
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
    auth: Option<Arc<dyn AuthPlugin>>,
    raise_error: bool,
    allow_reauth: bool,
    log: bool,
    follow_redirects: bool,
    headers: HeaderMap,
    body: Option<RequestBody>,
    /// The options most requests leave alone, allocated when one is set,
    /// so that the builder (moved by each call) stays small.
    extras: Option<Box<Extras>>,
}

/// A request's less common options.
#[derive(Default)]
struct Extras {
    endpoint_override: Option<String>,
    query: Vec<(String, String)>,
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
                &self
                    .extra()
                    .and_then(|x| x.endpoint_override.as_deref())
                    .map(redact::url_str),
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
            auth: None,
            raise_error: true,
            allow_reauth: true,
            log: true,
            follow_redirects: true,
            headers: HeaderMap::new(),
            body: None,
            extras: None,
        }
    }

    /// A request whose endpoint filter is shared with others (an
    /// adapter's), built in one step.
    pub(crate) fn with_shared_filter(
        session: Session,
        method: Method,
        url: String,
        filter: Arc<EndpointFilter>,
    ) -> Self {
        let mut b = RequestBuilder::new(session, method, url);
        b.endpoint_filter = Some(RequestFilter::Shared(filter));
        b
    }

    /// The less common options, to set.
    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// The less common options, when any is set.
    fn extra(&self) -> Option<&Extras> {
        self.extras.as_deref()
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
        self.endpoint_filter = Some(RequestFilter::Owned(Box::new(filter)));
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
        self.extras().endpoint_override = Some(endpoint.into());
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

    /// Sets several headers: each name's values (all of them) replace what
    /// the request had under that name.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        // A name comes with its first value only: the others follow
        // without one, and are kept too.
        let mut last: Option<HeaderName> = None;
        for (name, mut value) in headers {
            let first = name.is_some();
            if let Some(name) = name {
                last = Some(name);
            }
            let Some(name) = &last else { continue };
            if redact::is_sensitive_header(name) {
                value.set_sensitive(true);
            }
            if first {
                self.headers.insert(name.clone(), value);
            } else {
                self.headers.append(name.clone(), value);
            }
        }
        self
    }

    /// Adds query parameters.
    pub fn query<K: ToString, V: ToString>(mut self, params: &[(K, V)]) -> Self {
        self.extras()
            .query
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
        self.extras().overrides.max_body = Some(bytes);
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
        self.extras().overrides.redirect_body_cross_origin = Some(allow);
        self
    }

    crate::transport::retry_setters!(extras().overrides.retry);

    /// The retry settings of an adapter, under this request's own.
    pub(crate) fn retry_overrides(mut self, retry: crate::transport::RetryOverrides) -> Self {
        if retry != crate::transport::RetryOverrides::default() {
            self.extras().overrides.retry = retry;
        }
        self
    }

    /// The total time allowed for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.extras().overrides.timeout = Some(timeout);
        self
    }

    super::user_agent_setters!(extras());

    /// Sends this microversion (`OpenStack-API-Version` and the service's
    /// legacy header). `latest` is resolved to the service's discovered
    /// maximum; a request for `N.latest` is refused.
    pub fn microversion(mut self, microversion: impl AsRef<str>) -> Self {
        match ApiVersion::parse_option(microversion.as_ref(), "microversion") {
            Ok(v) => self.extras().microversion = Some(v),
            Err(e) => self.fail(e),
        }
        self
    }

    /// [`RequestBuilder::microversion`] already parsed (an adapter's
    /// default, parsed when the adapter was built).
    pub(crate) fn parsed_microversion(mut self, microversion: ApiVersion) -> Self {
        self.extras().microversion = Some(microversion);
        self
    }

    /// The service type named in the microversion header (default: the
    /// endpoint filter's service type).
    pub fn microversion_service_type(mut self, service_type: impl Into<String>) -> Self {
        self.extras().microversion_service_type = Some(service_type.into());
        self
    }

    /// Runs the request under an adapter's concurrency and rate limits.
    pub(crate) fn limits(mut self, limits: Arc<Limits>) -> Self {
        self.extras().limits = Some(limits);
        self
    }

    fn fail(&mut self, error: Error) {
        let extras = self.extras();
        if extras.error.is_none() {
            extras.error = Some(error);
        }
    }

    /// Sends the request: resolves the URL, authenticates, follows
    /// redirects, retries, and re-authenticates once on a 401. The whole
    /// body is read (up to `max_response_size` when one is set).
    ///
    /// When everything the request needs is in hand (the plugin's
    /// credentials for its current token and the endpoint they resolve
    /// to), it is prepared when `send` is called, and the future only
    /// awaits the response; otherwise all of it happens when the future is
    /// polled.
    pub fn send(self) -> impl Future<Output = Result<Response>> + Send + 'static {
        let raise = self.raise_error;
        let prepared = match self.prepare_now() {
            Ok(Ok(prepared)) => prepared,
            Ok(Err(e)) => return SendFuture::later(std::future::ready(Err(e)), raise),
            Err(builder) => return SendFuture::later(builder.dispatch(false), raise),
        };
        match prepared.plain_exchange() {
            Some(exchange) => SendFuture::plain(prepared, exchange, raise),
            None => SendFuture::later(prepared.exchange(false), raise),
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

    /// The general way: the concurrency and rate limits, then the request
    /// prepared, awaiting what it needs, and sent.
    async fn dispatch(mut self, stream: bool) -> Result<StreamingResponse> {
        let mut extras = self.extras.take();
        if let Some(e) = extras.as_mut().and_then(|x| x.error.take()) {
            return Err(e);
        }
        let limits = extras.as_mut().and_then(|x| x.limits.take());
        self.extras = extras;
        let slot = match &limits {
            Some(l) => l.acquire().await?,
            None => None,
        };
        // Two steps, so that the builder is gone (not carried in the
        // future) while the request is on the wire.
        let response = self.prepare().await?.exchange(stream).await?;
        // A streamed body is still to come: the response keeps the slot.
        Ok(response.holding(slot))
    }

    /// [`RequestBuilder::prepare`] without awaiting anything, when nothing
    /// needs it: no error, no limits, no `latest` microversion to
    /// discover, the credentials prepared (or none sent) and the URL
    /// absolute or joined to a prepared endpoint. `Err(self)` otherwise.
    // The builder is handed back whole to take the general way; boxing it
    // would cost an allocation on the common way too.
    #[allow(clippy::result_large_err)]
    fn prepare_now(self) -> std::result::Result<Result<Prepared>, Self> {
        if let Some(x) = self.extra() {
            if x.error.is_some() || x.limits.is_some() || x.microversion.is_some_and(|v| v.is_latest()) {
                return Err(self);
            }
        }
        let plugin = self.auth.as_ref().or(self.session.inner.auth.as_ref()).cloned();
        let authenticate = match self.authenticated {
            Some(false) => false,
            Some(true) if plugin.is_none() => return Err(self),
            _ => plugin.is_some(),
        };
        let prepared = plugin.as_ref().and_then(|p| p.prepared_auth());
        if authenticate && prepared.is_none() {
            return Err(self);
        }
        let Some(url) = self.resolve_url_now(prepared.as_deref()) else {
            return Err(self);
        };
        let transport = match self.session.transport_for(plugin.as_ref()) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let auth = plugin.filter(|_| authenticate).map(|p| (p, prepared));
        let microversion = match self.microversion_to_send() {
            Ok(mv) => mv,
            Err(e) => return Ok(Err(e)),
        };
        Ok(url.and_then(|url| self.assemble(transport, url, auth, microversion)))
    }

    /// Resolves the URL and the headers: the request as it will be sent.
    async fn prepare(self) -> Result<Prepared> {
        let session = &self.session;
        let plugin = self.auth.as_ref().or(session.inner.auth.as_ref());
        let transport = session.transport_for(plugin)?;
        // The plugin's credentials for its current token, when it has them
        // in hand: the header and the endpoint without asking it again.
        let prepared = plugin.and_then(|p| p.prepared_auth());
        let url = self.resolve_url(plugin, prepared.as_deref(), &transport).await?;
        let authenticate = match self.authenticated {
            Some(false) => None,
            Some(true) => Some(plugin.ok_or(Error::missing_auth_plugin("authenticate the request"))?),
            None => plugin,
        };
        let auth = authenticate.map(|p| (p.clone(), prepared));
        let mut microversion = self.microversion_to_send()?;
        if let Some((_, mv)) = &mut microversion {
            if mv.is_latest() {
                *mv = Box::pin(self.latest_microversion(plugin, &transport)).await?;
            }
        }
        self.assemble(transport, url, auth, microversion)
    }

    /// The request as it will be sent, from its resolved URL, credentials
    /// and microversion.
    fn assemble(
        mut self,
        transport: Transport,
        mut url: Url,
        auth: Option<Authenticator>,
        microversion: Option<(String, ApiVersion)>,
    ) -> Result<Prepared> {
        let mut headers = std::mem::take(&mut self.headers);
        let extras = self.extras.take();
        if let Some(x) = &extras {
            self.apply_extras(x, &mut url, &mut headers, microversion)?;
        }
        let mut request = HttpRequest::new(self.method, url)
            .follow_redirects(self.follow_redirects)
            .log(self.log);
        request.headers = headers;
        request.body = self.body;
        request.whole_error_body = !self.raise_error;
        if let Some(x) = extras {
            request.overrides = Some(Box::new(x.overrides));
        }
        Ok(Prepared {
            transport,
            request,
            auth,
            allow_reauth: self.allow_reauth,
        })
    }

    /// The query, microversion and user agent of a request that sets them
    /// (out of line: most requests set none).
    #[cold]
    #[inline(never)]
    fn apply_extras(
        &self,
        x: &Extras,
        url: &mut Url,
        headers: &mut HeaderMap,
        microversion: Option<(String, ApiVersion)>,
    ) -> Result<()> {
        if !x.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&x.query);
        }
        if let Some((service_type, mv)) = microversion {
            self.session.inner.microversions.set(headers, &service_type, mv)?;
        }
        if (x.user_agent.is_some() || x.client.is_some()) && !headers.contains_key(USER_AGENT) {
            self.set_user_agent(x, headers)?;
        }
        Ok(())
    }

    /// The microversion asked for and the service type it names (`latest`
    /// not yet resolved).
    fn microversion_to_send(&self) -> Result<Option<(String, ApiVersion)>> {
        let Some(x) = self.extra() else {
            return Ok(None);
        };
        let Some(mv) = x.microversion else {
            return Ok(None);
        };
        let service_type = x
            .microversion_service_type
            .clone()
            .or_else(|| self.endpoint_filter.as_ref().and_then(|f| f.service_type.clone()))
            .ok_or_else(|| Error::invalid_option("microversion", format!(
                    "microversion {mv} was asked for but no service type is known; give an endpoint filter with a service type or a microversion service type"
                )))?;
        Ok(Some((service_type, mv)))
    }

    /// The user agent of a request that sets its own or names its client.
    fn set_user_agent(&self, extras: &Extras, headers: &mut HeaderMap) -> Result<()> {
        let ua = match (&extras.user_agent, &extras.client) {
            (Some(ua), _) => Some(ua.clone()),
            (None, Some(client)) => self.session.user_agent_for_client(client),
            (None, None) => None,
        };
        if let Some(ua) = ua {
            let value = HeaderValue::from_str(&ua)
                .map_err(|_| Error::invalid_request("the user agent contains characters not allowed in a header"))?;
            headers.insert(USER_AGENT, value);
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

    /// The URL when it is absolute or joins an endpoint in hand (the
    /// prepared credentials'); `None` when resolving it needs the plugin.
    fn resolve_url_now(&self, prepared: Option<&PreparedAuth>) -> Option<Result<Url>> {
        if is_relative(&self.url) {
            let endpoint_override = self.extra().and_then(|x| x.endpoint_override.as_ref());
            if let (None, Some(filter), Some(prepared)) = (endpoint_override, &self.endpoint_filter, prepared) {
                if !filter.has_version_request() {
                    return prepared.with_endpoint(filter, filter.shared(), |e| join_endpoint(e, &self.url));
                }
            }
            return None;
        }
        match Url::parse(&self.url) {
            Ok(u) if u.has_host() => Some(Ok(u)),
            Ok(_) => Some(Err(Error::invalid_url(&self.url, "the URL has no host"))),
            Err(url::ParseError::RelativeUrlWithoutBase) => None,
            Err(e) => Some(Err(Error::invalid_url(&self.url, e))),
        }
    }

    async fn resolve_url(
        &self,
        plugin: Option<&Arc<dyn AuthPlugin>>,
        prepared: Option<&PreparedAuth>,
        transport: &Transport,
    ) -> Result<Url> {
        if let Some(url) = self.resolve_url_now(prepared) {
            return url;
        }
        let base = if let Some(endpoint) = self.extra().and_then(|x| x.endpoint_override.as_ref()) {
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

/// A request's endpoint filter: its own, or one shared with others.
// Owned is boxed so that the builder, moved by each call, stays small.
enum RequestFilter {
    Owned(Box<EndpointFilter>),
    Shared(Arc<EndpointFilter>),
}

impl RequestFilter {
    /// The filter's `Arc` when it is shared.
    fn shared(&self) -> Option<&Arc<EndpointFilter>> {
        match self {
            RequestFilter::Owned(_) => None,
            RequestFilter::Shared(f) => Some(f),
        }
    }
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
