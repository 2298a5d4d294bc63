//! The request as the transport sends it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, Method};
use serde::Serialize;
use url::Url;

use super::RedirectPolicy;
use crate::error::{Error, Result};
use crate::redact;

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
    pub(crate) body: Option<RequestBody>,
    pub(crate) log_body: bool,
    pub(crate) redirect: RedirectPolicy,
    /// Read the whole body of an error status, not only its first 64 KiB
    /// (for applications that asked for error responses as responses).
    pub(crate) whole_error_body: bool,
    /// Boxed, and only when one is set: most requests set none, and the
    /// request is moved with its future ([`HttpRequest::overrides`]).
    pub(crate) overrides: Option<Box<RequestOverrides>>,
}

/// A request body: in memory, a file (re-opened for each send, so it can be
/// retried), or a one-shot stream (never sent twice).
#[derive(Clone)]
pub(crate) enum RequestBody {
    Bytes(Bytes),
    File(PathBuf),
    Stream {
        body: Arc<Mutex<Option<reqwest::Body>>>,
        len: Option<u64>,
    },
}

impl RequestBody {
    /// A one-shot body from a stream of byte chunks.
    pub(crate) fn stream<S>(stream: S, len: Option<u64>) -> Self
    where
        S: futures::Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static,
    {
        RequestBody::Stream {
            body: Arc::new(Mutex::new(Some(reqwest::Body::wrap_stream(stream)))),
            len,
        }
    }

    /// True when the body can be sent again (retries, redirects, 401).
    pub(crate) fn is_replayable(&self) -> bool {
        !matches!(self, RequestBody::Stream { .. })
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestBody::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            RequestBody::File(p) => write!(f, "File({})", p.display()),
            RequestBody::Stream { len, .. } => write!(f, "Stream({len:?} bytes)"),
        }
    }
}

/// Per-request overrides of the transport's settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOverrides {
    pub(crate) retry: super::RetryOverrides,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_body: Option<usize>,
    pub(crate) redirect_body_cross_origin: Option<bool>,
}

impl RequestOverrides {
    /// No override: the transport's settings.
    pub(crate) const NONE: RequestOverrides = RequestOverrides {
        retry: super::RetryOverrides::NONE,
        timeout: None,
        max_body: None,
        redirect_body_cross_origin: None,
    };
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
            redirect: RedirectPolicy::Follow,
            whole_error_body: false,
            overrides: None,
        }
    }

    /// The overrides of the transport's settings this request sets.
    pub(crate) fn overrides(&self) -> &RequestOverrides {
        self.overrides.as_deref().unwrap_or(&RequestOverrides::NONE)
    }

    /// The overrides, to set one.
    fn overrides_mut(&mut self) -> &mut RequestOverrides {
        self.overrides.get_or_insert_with(Box::default)
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
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_request("the JSON body could not be serialised").with_source(e))?;
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = Some(RequestBody::Bytes(Bytes::from(bytes)));
        Ok(self)
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(RequestBody::Bytes(body.into()));
        self
    }

    /// Whether the request and response bodies may be logged (default
    /// true). Turn it off for requests that carry credentials.
    pub fn log(mut self, log: bool) -> Self {
        self.log_body = log;
        self
    }

    super::retry_setters!(overrides_mut().retry);

    /// Whether to follow redirects (default true): `true` is
    /// [`RedirectPolicy::Follow`], `false` [`RedirectPolicy::None`].
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.redirect = if follow {
            RedirectPolicy::Follow
        } else {
            RedirectPolicy::None
        };
        self
    }

    /// How redirects are followed (default [`RedirectPolicy::Follow`]).
    /// Requests that carry credentials in their body use
    /// [`RedirectPolicy::SameOriginOnly`].
    pub fn redirect_policy(mut self, policy: RedirectPolicy) -> Self {
        self.redirect = policy;
        self
    }

    /// Whether a `307`/`308` redirect to another origin re-sends the body
    /// (default: the session's setting, itself off by default). When it is
    /// off, the `307`/`308` response is returned instead.
    pub fn redirect_body_cross_origin(mut self, allow: bool) -> Self {
        self.overrides_mut().redirect_body_cross_origin = Some(allow);
        self
    }

    /// Overrides the session's total timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.overrides_mut().timeout = Some(timeout);
        self
    }

    /// Refuses a response body larger than `bytes` (an
    /// [`Error::InvalidResponse`] instead of reading it all). The library
    /// sets this on the bodies it parses itself, so a hostile server cannot
    /// make it allocate without limit. The body of an error status is read
    /// only up to its first 64 KiB whatever this limit.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.overrides_mut().max_body = Some(bytes);
        self
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact::url(&self.url))
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .field("body", &self.body)
            .field("redirect", &self.redirect)
            .finish_non_exhaustive()
    }
}
