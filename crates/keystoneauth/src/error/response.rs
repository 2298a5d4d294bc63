//! The response of a request: status, headers and the whole body.
//!
//! The data type lives at the error layer because
//! [`Error::BodyNotReplayable`](super::Error::BodyNotReplayable) keeps the
//! response; `transport` re-exports it, and adds the methods that turn a
//! response into a value or an error (`json`, `error_for_status`).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::headers::request_id_from;
use crate::redact;

/// One redirect that was followed on the way to a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectHop {
    /// The status of the redirect response (301, 302, 303, 305, 307, 308).
    pub status: StatusCode,
    /// The URL that answered with the redirect (secrets masked).
    pub url: String,
    /// The request id of the redirect response, if any.
    pub request_id: Option<String>,
}

/// A complete HTTP response; the body has been read (see
/// [`Response::is_body_truncated`] for error statuses).
#[derive(Clone)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
    pub(crate) method: Method,
    pub(crate) body: Bytes,
    pub(crate) body_truncated: bool,
    pub(crate) history: Vec<RedirectHop>,
    pub(crate) elapsed: Duration,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// True for 2xx statuses.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The response headers. Token headers such as `X-Subject-Token` are
    /// marked sensitive.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The URL that gave this response (after redirects).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The method of the request that gave this response.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request id: `x-openstack-request-id`, else `x-compute-request-id`.
    pub fn request_id(&self) -> Option<&str> {
        request_id_from(&self.headers)
    }

    /// The redirects followed to get here, oldest first.
    pub fn history(&self) -> &[RedirectHop] {
        &self.history
    }

    /// Time from sending the request to reading the whole body (this hop).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// True when only the first part of the body was read: the body of an
    /// error status is read only up to its first
    /// [`MAX_ERROR_BODY`](crate::transport::MAX_ERROR_BODY) bytes (unless the request
    /// turned `raise_error` off), and so is that of a redirect that was not
    /// followed.
    pub fn is_body_truncated(&self) -> bool {
        self.body_truncated
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body, consuming the response.
    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("method", &self.method)
            .field("url", &redact::url(&self.url))
            .field("request_id", &self.request_id())
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .field("body_truncated", &self.body_truncated)
            .field("history", &self.history)
            .finish()
    }
}
