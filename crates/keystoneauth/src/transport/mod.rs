//! The transport: one connection pool, TLS, retries, redirects, redacted
//! logging and timing. It knows nothing of authentication; the
//! [`Session`](crate::Session) adds that on top, and auth plugins use the
//! transport directly to talk to Keystone.

mod attempt;
mod body;
mod log;
mod plain;
mod redirect;
mod request;
mod response;
mod retry;
mod streaming;
mod tls;
mod user_agent;

use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use crate::error::{Error, Result};
use crate::redact;

pub(crate) use attempt::Sending;

use body::Failure;
pub(crate) use plain::{BodyChunks, Landed, PlainExchange, Unfinished};
use redirect::{is_redirect, redirect_method};

pub use crate::error::{parse_retry_after, MAX_ERROR_BODY};
pub(crate) use crate::error::{request_id_from, retry_after_from};
pub(crate) use redirect::same_origin;
pub use redirect::RedirectPolicy;
pub use request::HttpRequest;
pub(crate) use request::{RequestBody, RequestOverrides};
pub use response::{RedirectHop, Response};
pub(crate) use retry::{retry_setters, RetryOverrides, RetrySettings};
pub use retry::{RetryPolicy, DEFAULT_RETRIABLE_STATUS_CODES, MAX_BACKOFF};
pub use streaming::StreamingResponse;
pub use tls::{ClientIdentity, TlsVersion};
pub(crate) use tls::{PreparedTls, TlsOptions};
pub(crate) use user_agent::compose as compose_user_agent;
pub use user_agent::{UserAgentItem, LIBRARY_USER_AGENT};

/// The `tracing` target of request and response log events (unless the
/// session splits its loggers), and of the library's other events.
pub const LOG_TARGET: &str = "keystoneauth::session";
/// With split loggers ([`SessionBuilder::split_loggers`](crate::SessionBuilder::split_loggers)),
/// the target of each request's curl line (keystoneauth1's
/// `keystoneauth.session.request` logger).
pub const REQUEST_LOG_TARGET: &str = "keystoneauth::session::request";
/// With split loggers, the target of each response's status and headers
/// (keystoneauth1's `keystoneauth.session.response`).
pub const RESPONSE_LOG_TARGET: &str = "keystoneauth::session::response";
/// With split loggers, the target of each response's body (keystoneauth1's
/// `keystoneauth.session.body`).
pub const BODY_LOG_TARGET: &str = "keystoneauth::session::body";

/// The default limit on redirects followed for one request.
pub const DEFAULT_REDIRECT_LIMIT: usize = 30;

/// The largest token response the library parses (catalogs of hundreds of
/// services stay far below it).
pub const MAX_TOKEN_BODY: usize = 16 * 1024 * 1024;
/// The largest version document the library parses.
pub const MAX_DISCOVERY_BODY: usize = 1024 * 1024;

/// Method, URL, status and time of one request, collected when the session
/// is built with timing collection on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTiming {
    /// The HTTP method.
    pub method: Method,
    /// The URL (secrets masked).
    pub url: String,
    /// The response status, or `None` when no response arrived.
    pub status: Option<StatusCode>,
    /// Time from sending to the whole response.
    pub elapsed: Duration,
}

/// What a [`Transport`] is built from.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) max_response_size: Option<usize>,
    pub(crate) tls: TlsOptions,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) redirect_limit: usize,
    pub(crate) redirect_body_cross_origin: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) collect_timing: bool,
    /// Log requests, responses and bodies under their own targets.
    pub(crate) split_loggers: bool,
    pub(crate) client: Option<reqwest::Client>,
}

/// The shared HTTP transport of a session. Cheap to clone: clones share the
/// connection pool, settings and collected timings.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<TransportInner>,
}

struct TransportInner {
    /// Built on the first request (see [`Transport::client`]).
    client: OnceLock<reqwest::Client>,
    /// The TLS settings, files read and checked when the transport was made.
    tls: PreparedTls,
    /// Held while the client is built, so it is built once.
    building: Mutex<()>,
    config: TransportConfig,
    timings: Mutex<Vec<RequestTiming>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("Transport")
            .field("timeout", &c.timeout)
            .field("connect_timeout", &c.connect_timeout)
            .field("read_timeout", &c.read_timeout)
            .field("max_response_size", &c.max_response_size)
            .field("tls", &c.tls)
            .field("user_agent", &c.user_agent)
            .field("redirect_limit", &c.redirect_limit)
            .field("redirect_body_cross_origin", &c.redirect_body_cross_origin)
            .field("retry", &c.retry)
            .field("collect_timing", &c.collect_timing)
            .field("split_loggers", &c.split_loggers)
            .finish_non_exhaustive()
    }
}

/// A transport's identity: it keeps no transport alive, and while it is
/// held no other transport can take its place in memory (the allocation
/// stays), so comparing addresses is sound.
pub(crate) struct TransportKey(std::sync::Weak<TransportInner>);

/// One hop's request: what does not change between retries.
struct Hop<'a> {
    overrides: &'a RequestOverrides,
    method: &'a Method,
    url: &'a Url,
    /// Without the user agent and default headers, which each attempt adds.
    headers: &'a HeaderMap,
    /// Credentials laid over `headers` (they replace headers of the same
    /// name); none to another origin.
    auth: Option<&'a HeaderMap>,
    /// What [`Transport::headers_for`] gives for these credentials when
    /// the hop's own headers are empty and it stays at the request's
    /// origin, made once per token ([`Transport::first_hop_headers`]).
    ready: Option<&'a HeaderMap>,
    /// At another origin than the request's: no sensitive default header.
    cross_origin: bool,
    body: Option<&'a RequestBody>,
    log_body: bool,
    /// Read the whole body of an error status.
    whole_error_body: bool,
    /// Redirects will be followed: a redirect's body is not kept whole.
    following: bool,
    /// Hand a success's body over unread.
    stream: bool,
}

impl<'a> Hop<'a> {
    /// The first hop of `request`: at its URL, with its own headers.
    fn first(request: &'a HttpRequest, auth: Option<&'a HeaderMap>, stream: bool) -> Self {
        Hop {
            overrides: request.overrides(),
            method: &request.method,
            url: &request.url,
            headers: &request.headers,
            auth,
            ready: None,
            cross_origin: false,
            body: request.body.as_ref(),
            log_body: request.log_body,
            whole_error_body: request.whole_error_body,
            following: request.redirect != RedirectPolicy::None,
            stream,
        }
    }
}

/// A response, and its body still unread when it is streamed.
type Answer = (Response, Option<reqwest::Response>);

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Result<Self> {
        let client = match &config.client {
            Some(client) => {
                if !config.tls.is_default()
                    || config.timeout.is_some()
                    || config.connect_timeout.is_some()
                    || config.read_timeout.is_some()
                {
                    return Err(Error::invalid_option("client", "TLS and timeout options cannot be combined with a caller-supplied HTTP client; configure that client instead"));
                }
                OnceLock::from(client.clone())
            }
            // Built on the first request: see `Transport::client`.
            None => OnceLock::new(),
        };
        // Bad CA or certificate files fail here, when the session is built.
        let tls = config.tls.prepare()?;
        Ok(Transport {
            inner: Arc::new(TransportInner {
                client,
                tls,
                building: Mutex::new(()),
                config,
                timings: Mutex::new(Vec::new()),
            }),
        })
    }

    /// A transport with the same settings that presents a client
    /// certificate. It has its own connection pool.
    pub fn with_client_identity(&self, identity: ClientIdentity) -> Result<Transport> {
        let mut config = self.inner.config.clone();
        if config.client.is_some() {
            return Err(Error::invalid_option(
                "client certificate",
                "an auth plugin asked for a client certificate, but the session uses a caller-supplied HTTP client",
            ));
        }
        config.tls.identity = Some(identity);
        Transport::new(config)
    }

    /// The underlying reqwest client (one connection pool), built on first
    /// use: a transport that never sends a request never loads the
    /// system's root certificates.
    ///
    /// # Errors
    /// [`Error::ClientBuild`] when reqwest cannot build the client (the
    /// same error every request then returns).
    #[inline]
    pub fn client(&self) -> Result<&reqwest::Client> {
        match self.inner.client.get() {
            Some(client) => Ok(client),
            None => self.build_client_once(),
        }
    }

    /// [`Transport::client`]'s first call: the client built, once (out of
    /// line: once per transport).
    #[cold]
    #[inline(never)]
    fn build_client_once(&self) -> Result<&reqwest::Client> {
        let _building = self
            .inner
            .building
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = self.inner.client.get() {
            return Ok(client);
        }
        let client = build_client(&self.inner.config, &self.inner.tls)?;
        Ok(self.inner.client.get_or_init(|| client))
    }

    /// This transport's identity, for what is kept per transport.
    pub(crate) fn key(&self) -> TransportKey {
        TransportKey(Arc::downgrade(&self.inner))
    }

    /// Whether `key` is this transport's.
    pub(crate) fn is(&self, key: &TransportKey) -> bool {
        std::ptr::eq(key.0.as_ptr(), Arc::as_ptr(&self.inner))
    }

    /// The retry policy used when a request does not override it.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.config.retry
    }

    /// The timings collected so far (empty unless collection is on).
    pub fn timings(&self) -> Vec<RequestTiming> {
        self.inner.timings.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Forgets the collected timings.
    pub fn reset_timings(&self) {
        if let Ok(mut t) = self.inner.timings.lock() {
            t.clear();
        }
    }

    /// Sends a request: follows redirects as its [`RedirectPolicy`] allows
    /// (credential headers go only to the origin the request started at, a
    /// body to another origin only when opted in), retries as the policy
    /// allows, logs the request and response with secrets masked, and
    /// reads the body. Error statuses are returned as responses, with only
    /// the first [`MAX_ERROR_BODY`] bytes of their body read (unless the
    /// request asks for the whole); see [`Response::error_for_status`].
    pub async fn send(&self, request: HttpRequest) -> Result<Response> {
        Ok(self.exchange_with(&request, None, false).await?.into_head())
    }

    /// Sends a request like [`Transport::send`] but returns as soon as the
    /// final response's head has arrived, with its body unread. Retries
    /// and redirects happen before; an error status's body is read only up
    /// to [`MAX_ERROR_BODY`] (unless the request asks for the whole) and
    /// then [`StreamingResponse::into_response`] gives it.
    pub async fn send_streaming(&self, request: HttpRequest) -> Result<StreamingResponse> {
        self.exchange(request, true).await
    }

    /// [`Transport::send`] (its body read) or [`Transport::send_streaming`].
    pub(crate) async fn exchange(&self, request: HttpRequest, stream: bool) -> Result<StreamingResponse> {
        self.exchange_with(&request, None, stream).await
    }

    /// [`Transport::exchange`] of a borrowed request with credential
    /// headers `auth` laid over its own: what is sent is built per attempt,
    /// so the caller keeps the request and the credentials (for a
    /// re-authentication) without copying them up front.
    pub(crate) async fn exchange_with(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
    ) -> Result<StreamingResponse> {
        match self.start(request, auth)? {
            Some(sending) => self.complete(request, auth, stream, sending).await,
            None => Box::pin(self.follow(request, auth, stream, None, 0)).await,
        }
    }

    /// Puts the first attempt of `request` on the wire without awaiting
    /// anything (its future is returned unpolled), for the common case:
    /// no retry configured and no file body to open. `None` otherwise: the
    /// caller then takes [`Transport::exchange_with`]'s general way.
    /// Finish it with [`Transport::complete`], with the same request and
    /// credentials.
    pub(crate) fn start(&self, request: &HttpRequest, auth: Option<&HeaderMap>) -> Result<Option<impl Sending>> {
        self.start_ready(request, auth, None)
    }

    /// [`Transport::start`] with the headers `ready` for the credentials,
    /// from [`Transport::first_hop_headers`] (used when the request sets
    /// no header of its own).
    pub(crate) fn start_ready(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        ready: Option<&HeaderMap>,
    ) -> Result<Option<impl Sending>> {
        let url = &request.url;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid_url(
                url.as_str(),
                format!("the scheme {:?} is not http or https", url.scheme()),
            ));
        }
        if !self.can_start(request) {
            return Ok(None);
        }
        let hop = Hop {
            ready,
            ..Hop::first(request, auth, false)
        };
        self.launch(&hop).map(Some).map_err(Failure::into_error)
    }

    /// Whether [`Transport::start`] can send `request` at once: no retry
    /// configured and no file body to open.
    pub(crate) fn can_start(&self, request: &HttpRequest) -> bool {
        let policy = request.overrides().retry.over(&self.inner.config.retry);
        policy.connect_retries == 0
            && policy.status_code_retries == 0
            && !matches!(request.body, Some(RequestBody::File(_)))
    }

    /// The rest of an exchange begun by [`Transport::start`]: the response
    /// read, and the redirect and retry machinery (its state and its code)
    /// entered, boxed, only when the response is a redirect to follow.
    pub(crate) async fn complete(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
        sending: impl Sending,
    ) -> Result<StreamingResponse> {
        let hop = Hop::first(request, auth, stream);
        let answer = match self.land(&hop, sending).await {
            Ok(answer) => answer,
            Err(Failure::Refused(e)) => return self.after_refusal(request, auth, stream, e).await,
            Err(failure) => return Err(failure.into_error()),
        };
        self.after_first(request, auth, stream, answer).await
    }

    /// The rest of a [`PlainExchange`] that did not end in a plain
    /// success, the general way.
    pub(crate) async fn complete_unfinished(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
        unfinished: Unfinished,
    ) -> Result<StreamingResponse> {
        match unfinished {
            Unfinished::Received(response, start) => {
                self.complete_received(request, auth, stream, response, start).await
            }
            Unfinished::Refused(error) => self.after_refusal(request, auth, stream, error).await,
        }
    }

    /// The general way for a request whose first send the server refused
    /// before acting on it (`error`, see [`Failure::Refused`]): sent again,
    /// that refusal counted; a streamed body cannot be, so its error stands.
    async fn after_refusal(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
        error: Error,
    ) -> Result<StreamingResponse> {
        if !request.body.as_ref().is_none_or(RequestBody::is_replayable) {
            return Err(error);
        }
        Box::pin(self.follow(request, auth, stream, None, 1)).await
    }

    /// [`Transport::complete`] from a response already received (at
    /// `start`), its body unread: what a [`PlainExchange`] hands back when
    /// the response is not a plain success.
    async fn complete_received(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
        response: reqwest::Response,
        start: Instant,
    ) -> Result<StreamingResponse> {
        let hop = Hop::first(request, auth, stream);
        let answer = self
            .received(&hop, response, start)
            .await
            .map_err(Failure::into_error)?;
        self.after_first(request, auth, stream, answer).await
    }

    /// The first hop's answer, or where its redirect leads.
    async fn after_first(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
        (response, raw): Answer,
    ) -> Result<StreamingResponse> {
        if request.redirect == RedirectPolicy::None || !is_redirect(response.status) {
            return Ok(StreamingResponse::new(response, raw));
        }
        Box::pin(self.follow(request, auth, stream, Some((response, raw)), 0)).await
    }

    /// The exchange with redirects and retries: from the start, or from
    /// the first hop's `answer` when the flat path already has it; its
    /// first hop already `refused` that many times (see
    /// [`Failure::Refused`]).
    async fn follow(
        &self,
        request: &HttpRequest,
        auth: Option<&HeaderMap>,
        stream: bool,
        mut answer: Option<Answer>,
        mut refused: u32,
    ) -> Result<StreamingResponse> {
        let HttpRequest {
            method,
            url,
            headers,
            body,
            redirect,
            ..
        } = request;
        let redirect = *redirect;
        let config = &self.inner.config;
        // Copied only when a redirect changes them; the user agent, the
        // default headers and the sensitive marks are added per attempt,
        // to the copy that is sent.
        let mut method = Cow::Borrowed(method);
        let mut headers = Cow::Borrowed(headers);
        let mut body = body.as_ref();
        let body_cross_origin = request
            .overrides()
            .redirect_body_cross_origin
            .unwrap_or(config.redirect_body_cross_origin);
        // `None` while at the starting URL.
        let mut redirected: Option<Url> = None;
        let mut history: Vec<RedirectHop> = Vec::new();
        let mut stripped: Option<HeaderMap> = None;
        loop {
            let current = redirected.as_ref().unwrap_or(url);
            let cross_origin = redirected.is_some() && !same_origin(current, url);
            let hop_headers = if !cross_origin {
                &*headers
            } else {
                stripped.get_or_insert_with(|| {
                    let mut h = headers.as_ref().clone();
                    for name in redact::SENSITIVE_HEADERS {
                        h.remove(*name);
                    }
                    h
                })
            };
            let hop = Hop {
                method: &method,
                url: current,
                headers: hop_headers,
                cross_origin,
                body,
                ..Hop::first(request, auth, stream)
            };
            let (mut response, raw) = match answer.take() {
                Some(first) => first,
                None => self.send_with_retries(&hop, std::mem::take(&mut refused)).await?,
            };
            let status = response.status;
            if redirect == RedirectPolicy::None || !is_redirect(status) {
                response.history = history;
                return Ok(StreamingResponse::new(response, raw));
            }
            let Some(location) = response.headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
                tracing::warn!(target: LOG_TARGET, url = %redact::url(current), "redirect without a Location header; not followed");
                response.history = history;
                return Ok(StreamingResponse::new(response, raw));
            };
            let next = current.join(location).map_err(|e| {
                Error::invalid_response(redact::url(current), "the redirect's Location is not a valid URL")
                    .with_source(e)
            })?;
            let cross_origin = !same_origin(&next, url);
            if cross_origin && redirect == RedirectPolicy::SameOriginOnly {
                return Err(Error::cross_origin_redirect(
                    redact::url(current),
                    status.as_u16(),
                    redact::url(&next),
                ));
            }
            if history.len() >= config.redirect_limit {
                return Err(Error::too_many_redirects(redact::url(url), config.redirect_limit));
            }
            let (next_method, keep_body) = redirect_method(status, &method);
            if keep_body && body.is_some_and(|b| !b.is_replayable()) {
                tracing::warn!(
                    target: LOG_TARGET,
                    url = %redact::url(current),
                    "{} redirect would send the streamed request body again, which a stream cannot be; not followed",
                    status.as_u16()
                );
                response.history = history;
                return Ok(StreamingResponse::new(response, raw));
            }
            if keep_body && body.is_some() && cross_origin && !body_cross_origin {
                tracing::warn!(
                    target: LOG_TARGET,
                    url = %redact::url(current),
                    location = %redact::url(&next),
                    "{} redirect to another origin would re-send the request body; not followed (opt in with redirect_body_cross_origin)",
                    status.as_u16()
                );
                response.history = history;
                return Ok(StreamingResponse::new(response, raw));
            }
            history.push(RedirectHop {
                status,
                url: redact::url(current),
                request_id: response.request_id().map(str::to_owned),
            });
            if !keep_body {
                body = None;
                let h = headers.to_mut();
                h.remove(CONTENT_TYPE);
                h.remove(CONTENT_LENGTH);
                stripped = None;
            }
            method = Cow::Owned(next_method);
            redirected = Some(next);
        }
    }

    /// One hop: send, with connection and status retries, and the re-sends
    /// of a refused request (`refused` of them made already). The rare
    /// paths (a retry's timer, a file body, an error body's prefix) are
    /// boxed so that the future of a plain request stays small: it is
    /// moved on every request, its rare parts would be too.
    async fn send_with_retries(&self, hop: &Hop<'_>, mut refused: u32) -> Result<Answer> {
        let policy = hop.overrides.retry.over(&self.inner.config.retry);
        let connect_retries = policy.connect_retries;
        let connect_delay = policy.connect_retry_delay;
        let status_retries = policy.status_code_retries;
        let status_delay = policy.status_code_retry_delay;
        let retriable = policy.retriable_status_codes;
        let replayable = hop.body.is_none_or(RequestBody::is_replayable);
        let mut connect_attempt = 0u32;
        let mut status_attempt = 0u32;
        loop {
            match self.attempt(hop).await {
                Ok((response, raw)) => {
                    if status_attempt < status_retries && retriable.contains(&response.status.as_u16()) {
                        if !replayable {
                            return Err(Error::body_not_replayable(
                                "the server answered a status that would be retried",
                                response,
                            ));
                        }
                        let delay = match retry_after_from(&response.headers) {
                            Some(d) => d.min(MAX_BACKOFF),
                            None => retry::backoff(status_attempt, status_delay),
                        };
                        tracing::info!(
                            target: LOG_TARGET,
                            status = response.status.as_u16(),
                            url = %redact::url(hop.url),
                            delay_ms = delay.as_millis() as u64,
                            "retriable status; retrying ({} of {})",
                            status_attempt + 1,
                            status_retries
                        );
                        status_attempt += 1;
                        Box::pin(tokio::time::sleep(delay)).await;
                        continue;
                    }
                    return Ok((response, raw));
                }
                Err(failure) => {
                    let (err, may_retry) = match failure {
                        Failure::Fatal(e) => return Err(e),
                        Failure::NotSent(e) => (e, true),
                        Failure::MaybeSent(e) => (e, retry::is_idempotent(hop.method)),
                        Failure::Refused(e) => {
                            if !replayable || refused >= retry::MAX_REFUSED_RESENDS {
                                return Err(e);
                            }
                            refused += 1;
                            tracing::debug!(
                                target: LOG_TARGET,
                                url = %redact::url(hop.url),
                                "the server refused the request before acting on it; sending it again ({refused} of {})",
                                retry::MAX_REFUSED_RESENDS
                            );
                            continue;
                        }
                    };
                    if !may_retry || !replayable || connect_attempt >= connect_retries {
                        return Err(err);
                    }
                    let delay = retry::backoff(connect_attempt, connect_delay);
                    tracing::info!(
                        target: LOG_TARGET,
                        url = %redact::url(hop.url),
                        delay_ms = delay.as_millis() as u64,
                        error = %err,
                        "connection failure; retrying ({} of {})",
                        connect_attempt + 1,
                        connect_retries
                    );
                    connect_attempt += 1;
                    Box::pin(tokio::time::sleep(delay)).await;
                }
            }
        }
    }
}

fn build_client(config: &TransportConfig, tls: &PreparedTls) -> Result<reqwest::Client> {
    // reqwest's redirects and retries off: the transport makes both. Its
    // default retry policy re-sends what an HTTP/2 server refused; it copies
    // every request for that (headers, URI, extensions), while the transport
    // keeps the request anyway and re-sends the rare refusal from it
    // (`Failure::Refused`; docs/benchmarks.md, issue 15).
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0));
    if let Some(t) = config.timeout {
        builder = builder.timeout(t);
    }
    if let Some(t) = config.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = config.read_timeout {
        builder = builder.read_timeout(t);
    }
    tls.apply(builder).build().map_err(Error::client_build)
}
