//! The transport: one connection pool, TLS, retries, redirects, redacted
//! logging and timing. It knows nothing of authentication; the
//! [`Session`](crate::Session) adds that on top, and auth plugins use the
//! transport directly to talk to Keystone.

mod response;
mod retry;
mod tls;
mod user_agent;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, USER_AGENT};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use url::Url;

use crate::error::{BoxError, Error, Result};
use crate::redact;

pub(crate) use response::request_id_from;
pub use response::{RedirectHop, Response};
pub(crate) use retry::retry_after_from;
pub use retry::{parse_retry_after, RetryPolicy, DEFAULT_RETRIABLE_STATUS_CODES, MAX_BACKOFF};
pub use tls::{ClientIdentity, TlsVersion};
pub(crate) use tls::{PreparedTls, TlsOptions};
pub(crate) use user_agent::compose as compose_user_agent;
pub use user_agent::{UserAgentItem, LIBRARY_USER_AGENT};

/// The `tracing` target of request and response log events.
pub const LOG_TARGET: &str = "keystoneauth::session";

/// The default limit on redirects followed for one request.
pub const DEFAULT_REDIRECT_LIMIT: usize = 30;

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

/// A request as the transport sends it: an absolute URL, headers and body,
/// plus per-request transport options.
///
/// Auth plugins build these to talk to Keystone; applications normally use
/// the [`Session`](crate::Session)'s request builder instead.
#[derive(Clone)]
pub struct HttpRequest {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) log_body: bool,
    pub(crate) follow_redirects: bool,
    pub(crate) overrides: RequestOverrides,
}

/// Per-request overrides of the transport's settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOverrides {
    pub(crate) connect_retries: Option<u32>,
    pub(crate) connect_retry_delay: Option<Duration>,
    pub(crate) status_code_retries: Option<u32>,
    pub(crate) status_code_retry_delay: Option<Duration>,
    pub(crate) retriable_status_codes: Option<Vec<u16>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_body: Option<usize>,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            log_body: true,
            follow_redirects: true,
            overrides: RequestOverrides::default(),
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers, to read or change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// Sets a header, replacing any earlier value. Credential headers are
    /// marked sensitive.
    pub fn header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        if redact::is_sensitive_header(&name) {
            value.set_sensitive(true);
        }
        self.headers.insert(name, value);
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidRequest {
            message: "the JSON body could not be serialised".into(),
            source: Some(e.into()),
        })?;
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Whether the request and response bodies may be logged (default
    /// true). Turn it off for requests that carry credentials.
    pub fn log(mut self, log: bool) -> Self {
        self.log_body = log;
        self
    }

    /// Overrides the number of connection retries for this request.
    pub fn connect_retries(mut self, retries: u32) -> Self {
        self.overrides.connect_retries = Some(retries);
        self
    }

    /// Overrides the number of status retries for this request.
    pub fn status_code_retries(mut self, retries: u32) -> Self {
        self.overrides.status_code_retries = Some(retries);
        self
    }

    /// Whether to follow redirects (default true).
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// Overrides the session's total timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides.timeout = Some(timeout);
        self
    }

    /// Refuses a response body larger than `bytes` (an
    /// [`Error::InvalidResponse`] instead of reading it all). The library
    /// sets this on the bodies it parses itself, so a hostile server cannot
    /// make it allocate without limit.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.overrides.max_body = Some(bytes);
        self
    }
}

/// The largest token response the library parses (catalogs of hundreds of
/// services stay far below it).
pub const MAX_TOKEN_BODY: usize = 16 * 1024 * 1024;
/// The largest version document the library parses.
pub const MAX_DISCOVERY_BODY: usize = 1024 * 1024;

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact::url(&self.url))
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish_non_exhaustive()
    }
}

/// What a [`Transport`] is built from.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) tls: TlsOptions,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    pub(crate) redirect_limit: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) collect_timing: bool,
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
            .field("tls", &c.tls)
            .field("user_agent", &c.user_agent)
            .field("redirect_limit", &c.redirect_limit)
            .field("retry", &c.retry)
            .field("collect_timing", &c.collect_timing)
            .finish_non_exhaustive()
    }
}

/// How a failed attempt may be retried.
enum Failure {
    /// The request cannot be sent at all: never retried.
    Fatal(Error),
    /// The request never reached the server: safe to re-send any method.
    NotSent(Error),
    /// The request may have reached the server.
    MaybeSent(Error),
}

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Result<Self> {
        let client = match &config.client {
            Some(client) => {
                if !config.tls.is_default() || config.timeout.is_some() || config.connect_timeout.is_some() {
                    return Err(Error::InvalidOption {
                        option: "client".into(),
                        location: None,
                        message: "TLS and timeout options cannot be combined with a caller-supplied HTTP client; configure that client instead".into(),
                    });
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
            return Err(Error::InvalidOption {
                option: "client certificate".into(),
                location: None,
                message:
                    "an auth plugin asked for a client certificate, but the session uses a caller-supplied HTTP client"
                        .into(),
            });
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
    pub fn client(&self) -> Result<&reqwest::Client> {
        if let Some(client) = self.inner.client.get() {
            return Ok(client);
        }
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

    /// Sends a request: follows redirects (credential headers go only to
    /// the origin the request started at), retries as the policy allows,
    /// logs the request and response with secrets masked, and reads the
    /// whole body. Error statuses are returned as responses; see
    /// [`Response::error_for_status`].
    pub async fn send(&self, request: HttpRequest) -> Result<Response> {
        let HttpRequest {
            mut method,
            url,
            mut headers,
            mut body,
            log_body,
            follow_redirects,
            overrides,
        } = request;
        let config = &self.inner.config;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid_url(
                url.as_str(),
                format!("the scheme {:?} is not http or https", url.scheme()),
            ));
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, config.user_agent.clone());
        }
        for (name, value) in &config.default_headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        for (name, value) in headers.iter_mut() {
            if redact::is_sensitive_header(name) {
                value.set_sensitive(true);
            }
        }
        let origin = url.origin();
        let start_url = url.clone();
        let mut current = url;
        let mut history: Vec<RedirectHop> = Vec::new();
        let mut stripped: Option<HeaderMap> = None;
        loop {
            let hop_headers = if current.origin() == origin {
                &headers
            } else {
                stripped.get_or_insert_with(|| {
                    let mut h = headers.clone();
                    for name in redact::SENSITIVE_HEADERS {
                        h.remove(*name);
                    }
                    h
                })
            };
            let mut response = self
                .send_with_retries(&overrides, &method, &current, hop_headers, body.as_ref(), log_body)
                .await?;
            let status = response.status;
            if !follow_redirects || !is_redirect(status) {
                response.history = history;
                return Ok(response);
            }
            let Some(location) = response.headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
                tracing::warn!(target: LOG_TARGET, url = %redact::url(&current), "redirect without a Location header; not followed");
                response.history = history;
                return Ok(response);
            };
            let next = current.join(location).map_err(|e| Error::InvalidResponse {
                url: redact::url(&current),
                message: "the redirect's Location is not a valid URL".into(),
                source: Some(e.into()),
            })?;
            if history.len() >= config.redirect_limit {
                return Err(Error::TooManyRedirects {
                    url: redact::url(&start_url),
                    limit: config.redirect_limit,
                });
            }
            history.push(RedirectHop {
                status,
                url: redact::url(&current),
                request_id: response.request_id().map(str::to_owned),
            });
            let (next_method, keep_body) = redirect_method(status, &method);
            if !keep_body {
                body = None;
                headers.remove(CONTENT_TYPE);
                headers.remove(CONTENT_LENGTH);
                stripped = None;
            }
            method = next_method;
            current = next;
        }
    }

    /// One hop: send, with connection and status retries.
    async fn send_with_retries(
        &self,
        request: &RequestOverrides,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&Bytes>,
        log_body: bool,
    ) -> Result<Response> {
        let policy = &self.inner.config.retry;
        let connect_retries = request.connect_retries.unwrap_or(policy.connect_retries);
        let connect_delay = request.connect_retry_delay.or(policy.connect_retry_delay);
        let status_retries = request.status_code_retries.unwrap_or(policy.status_code_retries);
        let status_delay = request.status_code_retry_delay.or(policy.status_code_retry_delay);
        let retriable = request
            .retriable_status_codes
            .as_deref()
            .unwrap_or(&policy.retriable_status_codes);
        let mut connect_attempt = 0u32;
        let mut status_attempt = 0u32;
        loop {
            match self.attempt(request, method, url, headers, body, log_body).await {
                Ok(response) => {
                    if status_attempt < status_retries && retriable.contains(&response.status.as_u16()) {
                        let delay = match retry_after_from(&response.headers) {
                            Some(d) => d.min(MAX_BACKOFF),
                            None => retry::backoff(status_attempt, status_delay),
                        };
                        tracing::info!(
                            target: LOG_TARGET,
                            status = response.status.as_u16(),
                            url = %redact::url(url),
                            delay_ms = delay.as_millis() as u64,
                            "retriable status; retrying ({} of {})",
                            status_attempt + 1,
                            status_retries
                        );
                        status_attempt += 1;
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    return Ok(response);
                }
                Err(failure) => {
                    let (err, may_retry) = match failure {
                        Failure::Fatal(e) => return Err(e),
                        Failure::NotSent(e) => (e, true),
                        Failure::MaybeSent(e) => (e, retry::is_idempotent(method)),
                    };
                    if !may_retry || connect_attempt >= connect_retries {
                        return Err(err);
                    }
                    let delay = retry::backoff(connect_attempt, connect_delay);
                    tracing::info!(
                        target: LOG_TARGET,
                        url = %redact::url(url),
                        delay_ms = delay.as_millis() as u64,
                        error = %err,
                        "connection failure; retrying ({} of {})",
                        connect_attempt + 1,
                        connect_retries
                    );
                    connect_attempt += 1;
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// One attempt: one request on the wire, the whole body read.
    async fn attempt(
        &self,
        request: &RequestOverrides,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&Bytes>,
        log_body: bool,
    ) -> std::result::Result<Response, Failure> {
        log_request(method, url, headers, body, log_body);
        let mut builder = self
            .client()
            .map_err(Failure::Fatal)?
            .request(method.clone(), url.clone())
            .headers(headers.clone());
        if let Some(body) = body {
            builder = builder.body(body.clone());
        }
        if let Some(timeout) = request.timeout {
            builder = builder.timeout(timeout);
        }
        let start = Instant::now();
        let sent = builder.send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                let failure = classify_send_error(e, method, url);
                if !matches!(failure, Failure::Fatal(_)) {
                    self.record(method, url, None, start.elapsed());
                }
                return Err(failure);
            }
        };
        let status = response.status();
        let mut response_headers = response.headers().clone();
        let body = match read_body(response, request.max_body, method, url).await {
            Ok(b) => b,
            Err(e) => {
                self.record(method, url, Some(status), start.elapsed());
                return Err(e);
            }
        };
        let elapsed = start.elapsed();
        for (name, value) in response_headers.iter_mut() {
            if redact::is_sensitive_header(name) {
                value.set_sensitive(true);
            }
        }
        self.record(method, url, Some(status), elapsed);
        let response = Response {
            status,
            headers: response_headers,
            url: url.clone(),
            method: method.clone(),
            body,
            history: Vec::new(),
            elapsed,
        };
        log_response(&response, log_body);
        Ok(response)
    }

    fn record(&self, method: &Method, url: &Url, status: Option<StatusCode>, elapsed: Duration) {
        if !self.inner.config.collect_timing {
            return;
        }
        if let Ok(mut t) = self.inner.timings.lock() {
            t.push(RequestTiming {
                method: method.clone(),
                url: redact::url(url),
                status,
                elapsed,
            });
        }
    }
}

/// Reads the whole body, refusing more than `limit` bytes when one is set.
async fn read_body(
    mut response: reqwest::Response,
    limit: Option<usize>,
    method: &Method,
    url: &Url,
) -> std::result::Result<Bytes, Failure> {
    let Some(limit) = limit else {
        return response.bytes().await.map_err(|e| classify_body_error(e, method, url));
    };
    let too_large = || {
        Failure::Fatal(Error::InvalidResponse {
            url: redact::url(url),
            message: format!("the response body is larger than the {limit} bytes allowed"),
            source: None,
        })
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify_body_error(e, method, url))?
    {
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn build_client(config: &TransportConfig, tls: &PreparedTls) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(t) = config.timeout {
        builder = builder.timeout(t);
    }
    if let Some(t) = config.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    tls.apply(builder)
        .build()
        .map_err(|e| Error::ClientBuild { source: e.into() })
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 305 | 307 | 308)
}

/// The method and whether the body is kept after a redirect, as browsers
/// and requests do: 303 becomes GET; 301 and 302 turn a POST into a GET.
fn redirect_method(status: StatusCode, method: &Method) -> (Method, bool) {
    match status.as_u16() {
        303 if *method != Method::HEAD => (Method::GET, false),
        301 | 302 if *method == Method::POST => (Method::GET, false),
        _ => (method.clone(), true),
    }
}

/// Finds a rustls error anywhere in an error's source chain. hyper-rustls
/// wraps the TLS error in nested `io::Error`s, whose `source()` skips the
/// wrapped error, so `io::Error`s are looked into with `get_ref()`.
fn is_tls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if e.is::<rustls::Error>() {
            return true;
        }
        current = match e.downcast_ref::<std::io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => None,
            },
            None => e.source(),
        };
    }
    false
}

fn boxed(e: reqwest::Error) -> BoxError {
    Box::new(e.without_url())
}

fn classify_send_error(e: reqwest::Error, method: &Method, url: &Url) -> Failure {
    let shown = redact::url(url);
    if is_tls_error(&e) {
        return Failure::NotSent(Error::Tls {
            url: shown,
            source: boxed(e),
        });
    }
    if e.is_connect() {
        return Failure::NotSent(if e.is_timeout() {
            Error::ConnectTimeout {
                url: shown,
                source: boxed(e),
            }
        } else {
            Error::ConnectFailure {
                url: shown,
                source: boxed(e),
            }
        });
    }
    if e.is_builder() {
        return Failure::Fatal(Error::InvalidRequest {
            message: format!("the request to {shown} could not be built"),
            source: Some(boxed(e)),
        });
    }
    if e.is_timeout() {
        return Failure::MaybeSent(Error::ReadTimeout {
            method: method.clone(),
            url: shown,
            source: boxed(e),
        });
    }
    Failure::MaybeSent(Error::Connection {
        method: method.clone(),
        url: shown,
        source: boxed(e),
    })
}

fn classify_body_error(e: reqwest::Error, method: &Method, url: &Url) -> Failure {
    let shown = redact::url(url);
    Failure::MaybeSent(if e.is_timeout() {
        Error::ReadTimeout {
            method: method.clone(),
            url: shown,
            source: boxed(e),
        }
    } else {
        Error::Connection {
            method: method.clone(),
            url: shown,
            source: boxed(e),
        }
    })
}

fn log_request(method: &Method, url: &Url, headers: &HeaderMap, body: Option<&Bytes>, log_body: bool) {
    if !tracing::enabled!(target: LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let mut line = format!("REQ: curl -g -i -X {method} \"{}\"", redact::url(url));
    for (name, value) in headers {
        line.push_str(&format!(
            " -H \"{}: {}\"",
            name,
            redact::header_value_for_log(name, value)
        ));
    }
    if let Some(body) = body {
        if log_body {
            let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            line.push_str(&format!(" -d '{}'", redact::body_for_log(ct, body)));
        } else {
            line.push_str(" -d '<omitted>'");
        }
    }
    tracing::debug!(target: LOG_TARGET, "{line}");
}

fn log_response(response: &Response, log_body: bool) {
    if !tracing::enabled!(target: LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let mut line = format!(
        "RESP: [{}] {} {} elapsed={}ms",
        response.status.as_u16(),
        response.method,
        redact::url(&response.url),
        response.elapsed.as_millis()
    );
    for (name, value) in &response.headers {
        line.push_str(&format!(" {}: {}", name, redact::header_value_for_log(name, value)));
    }
    if !response.body.is_empty() {
        if log_body {
            let ct = response.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            line.push_str(&format!(" RESP BODY: {}", redact::body_for_log(ct, &response.body)));
        } else {
            line.push_str(" RESP BODY: <omitted>");
        }
    }
    tracing::debug!(
        target: LOG_TARGET,
        status = response.status.as_u16(),
        request_id = response.request_id().unwrap_or("-"),
        elapsed_ms = response.elapsed.as_millis() as u64,
        "{line}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_methods() {
        assert_eq!(
            redirect_method(StatusCode::SEE_OTHER, &Method::POST),
            (Method::GET, false)
        );
        assert_eq!(
            redirect_method(StatusCode::SEE_OTHER, &Method::HEAD),
            (Method::HEAD, true)
        );
        assert_eq!(redirect_method(StatusCode::FOUND, &Method::POST), (Method::GET, false));
        assert_eq!(redirect_method(StatusCode::FOUND, &Method::PUT), (Method::PUT, true));
        assert_eq!(
            redirect_method(StatusCode::TEMPORARY_REDIRECT, &Method::POST),
            (Method::POST, true)
        );
        assert_eq!(
            redirect_method(StatusCode::PERMANENT_REDIRECT, &Method::PATCH),
            (Method::PATCH, true)
        );
    }

    #[test]
    fn redirect_statuses() {
        for code in [301, 302, 303, 305, 307, 308] {
            assert!(is_redirect(StatusCode::from_u16(code).unwrap()));
        }
        for code in [200, 300, 304, 400] {
            assert!(!is_redirect(StatusCode::from_u16(code).unwrap()));
        }
    }
}
