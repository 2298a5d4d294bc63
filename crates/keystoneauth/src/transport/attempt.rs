//! One attempt: the request put on the wire (a step that awaits nothing,
//! so that the common request is started when it is sent and its future
//! stays small) and its response read.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, USER_AGENT};
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::body::{self, classify_send_error, read_body, read_prefix, Failure};
use super::log::{log_request, log_response, LoggedBody, LoggedResponse};
use super::redirect::is_redirect;
use super::{Answer, Hop, RequestBody, RequestTiming, Response, Transport, MAX_ERROR_BODY};
use crate::redact;

/// A request on the wire: reqwest's future for its response, not yet
/// polled.
pub(crate) trait Sending: Future<Output = reqwest::Result<reqwest::Response>> + Send {}

impl<T: Future<Output = reqwest::Result<reqwest::Response>> + Send> Sending for T {}

/// A response's headers, taken from reqwest's response (not copied: nothing
/// reads them there), the secret ones marked.
pub(super) fn marked_headers(response: &mut reqwest::Response) -> HeaderMap {
    let mut headers = std::mem::take(response.headers_mut());
    for (name, value) in headers.iter_mut() {
        if redact::is_sensitive_header(name) {
            value.set_sensitive(true);
        }
    }
    headers
}

/// Whether `url` has a user or password. Never without an `@` in it,
/// which is looked for first: one scan of the URL instead of two lookups.
fn has_userinfo(url: &Url) -> bool {
    url.as_str().as_bytes().contains(&b'@') && (!url.username().is_empty() || url.password().is_some())
}

impl Transport {
    /// One attempt: one request on the wire, the body read: whole (within
    /// the size limit) for a success, only a bounded prefix for an error
    /// status or a redirect that will be followed; or, for a streamed
    /// success, not read at all.
    pub(super) async fn attempt(&self, hop: &Hop<'_>) -> Result<Answer, Failure> {
        let mut headers = self.headers_for(hop);
        let body = match hop.body {
            None => None,
            Some(body @ RequestBody::File(_)) => Some(Box::pin(body::to_reqwest(body, &mut headers)).await?),
            Some(body) => Some(body::to_reqwest_now(body, &mut headers)?),
        };
        let sending = self.put_on_wire(hop, headers, body)?;
        self.land(hop, sending).await
    }

    /// Puts a hop whose body is in hand (none, bytes or a stream) on the
    /// wire, unpolled.
    pub(super) fn launch(&self, hop: &Hop<'_>) -> Result<impl Sending, Failure> {
        let mut headers = self.headers_for(hop);
        let body = match hop.body {
            None => None,
            Some(body) => Some(body::to_reqwest_now(body, &mut headers)?),
        };
        self.put_on_wire(hop, headers, body)
    }

    /// Logs the request and hands it to reqwest, unpolled.
    fn put_on_wire(
        &self,
        hop: &Hop<'_>,
        headers: HeaderMap,
        body: Option<reqwest::Body>,
    ) -> Result<impl Sending, Failure> {
        let (method, url) = (hop.method, hop.url);
        let logged = match hop.body {
            None => LoggedBody::None,
            Some(RequestBody::Bytes(b)) => LoggedBody::Bytes(b),
            Some(_) => LoggedBody::Streamed(headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok())),
        };
        log_request(
            method,
            url,
            &headers,
            logged,
            hop.log_body,
            self.inner.config.split_loggers,
        );
        let client = self.client().map_err(Failure::Fatal)?;
        let request = if !has_userinfo(url) {
            // Built whole, the header map moved in (reqwest's builder would
            // copy it header by header).
            let mut request = reqwest::Request::new(method.clone(), url.clone());
            *request.headers_mut() = headers;
            *request.body_mut() = body;
            if let Some(timeout) = hop.overrides.timeout {
                // only when set: the first write allocates the request's extensions
                *request.timeout_mut() = Some(timeout);
            }
            request
        } else {
            self.request_with_userinfo(client, hop, headers, body)?
        };
        Ok(client.execute(request))
    }

    /// The request of a URL with a user or password: reqwest's builder
    /// moves them into an `Authorization` header, out of the URL it logs
    /// and pools by (out of line: rare).
    #[cold]
    #[inline(never)]
    fn request_with_userinfo(
        &self,
        client: &reqwest::Client,
        hop: &Hop<'_>,
        headers: HeaderMap,
        body: Option<reqwest::Body>,
    ) -> Result<reqwest::Request, Failure> {
        let (method, url) = (hop.method, hop.url);
        let mut builder = client.request(method.clone(), url.clone()).headers(headers);
        if let Some(body) = body {
            builder = builder.body(body);
        }
        if let Some(timeout) = hop.overrides.timeout {
            builder = builder.timeout(timeout);
        }
        builder.build().map_err(|e| {
            let failure = classify_send_error(e, method, url);
            if !matches!(failure, Failure::Fatal(_)) {
                self.record(method, url, None, Duration::ZERO);
            }
            failure
        })
    }

    /// Awaits the response of a hop put on the wire and reads its body as
    /// [`Transport::attempt`] says.
    pub(super) async fn land(&self, hop: &Hop<'_>, sending: impl Sending) -> Result<Answer, Failure> {
        let start = Instant::now();
        match sending.await {
            Ok(response) => self.received(hop, response, start).await,
            Err(e) => Err(self.not_answered(hop, e, start)),
        }
    }

    /// The failure of a hop that got no response.
    #[cold]
    pub(super) fn not_answered(&self, hop: &Hop<'_>, e: reqwest::Error, start: Instant) -> Failure {
        let failure = classify_send_error(e, hop.method, hop.url);
        if !matches!(failure, Failure::Fatal(_)) {
            self.record(hop.method, hop.url, None, start.elapsed());
        }
        failure
    }

    /// Reads the body of a hop's response (sent at `start`) as
    /// [`Transport::attempt`] says.
    pub(super) async fn received(
        &self,
        hop: &Hop<'_>,
        mut response: reqwest::Response,
        start: Instant,
    ) -> Result<Answer, Failure> {
        let (method, url) = (hop.method, hop.url);
        let split = self.inner.config.split_loggers;
        let mut head = self.head_of(hop, &mut response, start);
        let status = head.status;
        let prefix_only = (status.as_u16() >= 400 && !hop.whole_error_body) || (hop.following && is_redirect(status));
        let limit = self.body_limit(hop);
        if hop.stream && !prefix_only {
            if let (Some(limit), Some(len)) = (limit, response.content_length()) {
                if len > limit as u64 {
                    return Err(Failure::Fatal(body::too_large(url, limit)));
                }
            }
            self.record(method, url, Some(status), head.elapsed);
            log_response(&LoggedResponse::of(&head, None), hop.log_body, split);
            return Ok((head, Some(response)));
        }
        let read = if prefix_only {
            Box::pin(read_prefix(response, MAX_ERROR_BODY, method, url)).await
        } else {
            read_body(response, limit, method, url).await.map(|b| (b, false))
        };
        head.elapsed = start.elapsed();
        self.record(method, url, Some(status), head.elapsed);
        (head.body, head.body_truncated) = read?;
        self.log_read(hop, &head);
        Ok((head, None))
    }

    /// The response's head, its headers taken ([`marked_headers`]).
    pub(super) fn head_of(&self, hop: &Hop<'_>, response: &mut reqwest::Response, start: Instant) -> Response {
        Response {
            status: response.status(),
            headers: marked_headers(response),
            url: hop.url.clone(),
            method: hop.method.clone(),
            body: Bytes::new(),
            body_truncated: false,
            history: Vec::new(),
            elapsed: start.elapsed(),
        }
    }

    /// The largest body a hop reads, if limited.
    pub(super) fn body_limit(&self, hop: &Hop<'_>) -> Option<usize> {
        hop.overrides.max_body.or(self.inner.config.max_response_size)
    }

    /// Logs a response whose body is read.
    pub(super) fn log_read(&self, hop: &Hop<'_>, head: &Response) {
        log_response(
            &LoggedResponse::of(head, Some(&head.body)),
            hop.log_body,
            self.inner.config.split_loggers,
        );
    }

    /// [`Transport::log_read`] of a response in parts, whole.
    pub(super) fn log_read_parts(
        &self,
        hop: &Hop<'_>,
        status: StatusCode,
        headers: &HeaderMap,
        elapsed: Duration,
        body: &[u8],
    ) {
        let logged = LoggedResponse {
            status,
            method: hop.method,
            url: hop.url,
            headers,
            elapsed,
            body: Some(body),
            truncated: false,
        };
        log_response(&logged, hop.log_body, self.inner.config.split_loggers);
    }

    /// The headers one attempt sends: the hop's, then the user agent and
    /// the default headers the request does not set (no sensitive default
    /// header to another origin), credentials marked sensitive.
    fn headers_for(&self, hop: &Hop<'_>) -> HeaderMap {
        if let Some(ready) = hop.ready {
            if hop.headers.is_empty() && !hop.cross_origin {
                return ready.clone();
            }
        }
        self.merged_headers(hop.headers, hop.auth, hop.cross_origin)
    }

    /// `own` headers with the credentials `auth` laid over them, then the
    /// user agent and the default headers they do not set (no sensitive
    /// credential or default header to another origin), secrets marked.
    fn merged_headers(&self, own: &HeaderMap, auth: Option<&HeaderMap>, cross_origin: bool) -> HeaderMap {
        let config = &self.inner.config;
        let mut headers = own.clone();
        for (name, value) in auth.into_iter().flatten() {
            if !(cross_origin && redact::is_sensitive_header(name)) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, config.user_agent.clone());
        }
        for (name, value) in &config.default_headers {
            let withheld = cross_origin && redact::is_sensitive_header(name);
            if !withheld && !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        for (name, value) in headers.iter_mut() {
            if !value.is_sensitive() && redact::is_sensitive_header(name) {
                value.set_sensitive(true);
            }
        }
        headers
    }

    /// The headers a first hop with no header of its own sends with the
    /// credentials `auth`: made once per token and transport
    /// ([`PreparedAuth`](crate::auth::PreparedAuth) keeps them), so that
    /// such a request copies one map instead of building it.
    pub(crate) fn first_hop_headers(&self, auth: &HeaderMap) -> HeaderMap {
        self.merged_headers(&HeaderMap::new(), Some(auth), false)
    }

    #[inline]
    pub(super) fn record(&self, method: &Method, url: &Url, status: Option<StatusCode>, elapsed: Duration) {
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
