//! The library's one error type and the HTTP status error it carries.
//!
//! Every fallible function in keystoneauth returns [`Error`]. Its variants
//! follow keystoneauth1's exception hierarchy (connection failures, HTTP
//! status errors, catalog and discovery errors, option errors) but as one
//! enum, with helpers such as [`Error::status`], [`Error::is_timeout`] and
//! [`Error::request_id`] so callers rarely need to match on it.
//!
//! Messages never contain secrets: URLs are shown with passwords and secret
//! query values masked, and the source error of a transport failure is
//! stripped of its URL before it is kept.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use crate::redact;

/// A boxed error kept as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout keystoneauth.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in keystoneauth.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection could not be established (refused, DNS failure,
    /// unreachable). The request was not sent, so it is safe to retry.
    #[error("unable to establish a connection to {url}")]
    ConnectFailure {
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: BoxError,
    },

    /// Establishing the connection took longer than the connect timeout.
    #[error("connection to {url} timed out")]
    ConnectTimeout {
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: BoxError,
    },

    /// The request was sent but no complete response arrived in time. The
    /// server may have acted on it, so non-idempotent requests are never
    /// re-sent after this error.
    #[error("{method} {url} timed out waiting for the response")]
    ReadTimeout {
        /// The HTTP method.
        method: Method,
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: BoxError,
    },

    /// The TLS handshake failed (untrusted or invalid certificate, protocol
    /// mismatch, client certificate refused).
    #[error("TLS handshake with {url} failed")]
    Tls {
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying TLS error.
        #[source]
        source: BoxError,
    },

    /// Any other connection-level failure, for example a connection reset
    /// while the response was being read.
    #[error("connection error during {method} {url}")]
    Connection {
        /// The HTTP method.
        method: Method,
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: BoxError,
    },

    /// The server answered with an error status (400 or above).
    #[error(transparent)]
    Http(Box<HttpError>),

    /// More redirects than the session's limit.
    #[error("too many redirects (limit {limit}) starting from {url}")]
    TooManyRedirects {
        /// The URL the request started at (secrets masked).
        url: String,
        /// The redirect limit in force.
        limit: usize,
    },

    /// A request that carries credentials (a token POST, an OAuth 2.0 or
    /// OpenID Connect token request) was redirected to another origin
    /// (scheme, host or port). The redirect is not followed, so the
    /// credentials never reach the other origin.
    #[error("{url} answered {status} redirecting to another origin, {target}; not followed, because the request carries credentials")]
    CrossOriginRedirect {
        /// The URL that answered with the redirect (secrets masked).
        url: String,
        /// The redirect status (301, 302, 303, 305, 307 or 308).
        status: u16,
        /// The redirect target (secrets masked).
        target: String,
    },

    /// The request body is a one-shot stream and the exchange needed it
    /// sent again (a status retry, a `401` re-authentication). The request
    /// was not re-sent; the response that would have made it so is kept.
    #[error("{} {}: {reason}, but the request body is a stream that cannot be sent again; not re-sent", .response.status().as_u16(), redact::url(.response.url()))]
    BodyNotReplayable {
        /// Why the body would have been sent again.
        reason: &'static str,
        /// The response (its body read up to 64 KiB when it is an error).
        response: Box<crate::transport::Response>,
    },

    /// A URL could not be parsed or built.
    #[error("invalid URL {url:?}")]
    InvalidUrl {
        /// The offending value (secrets masked).
        url: String,
        /// The parse error.
        #[source]
        source: BoxError,
    },

    /// A relative path was requested with nothing to resolve it against.
    #[error("cannot send a request to the relative path {path:?}: give an absolute URL, an endpoint filter or an endpoint override")]
    RelativeUrl {
        /// The relative path that was requested.
        path: String,
    },

    /// A request could not be built (an invalid header name or value, a body
    /// that could not be serialised).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What was wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The server's response could not be understood (not JSON where JSON was
    /// expected, a missing field, a redirect without a location, too large).
    #[error("invalid response from {url}: {message}")]
    InvalidResponse {
        /// The URL that answered (secrets masked).
        url: String,
        /// What was wrong with it.
        message: String,
        /// The underlying parse error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The service catalog has no entries at all.
    #[error("the service catalog is empty")]
    EmptyCatalog,

    /// No endpoint in the catalog matched the filter.
    #[error("no endpoint found for {filter}")]
    EndpointNotFound {
        /// A readable form of the filter that matched nothing.
        filter: String,
    },

    /// Version discovery failed.
    #[error("version discovery failed for {url}: {message}")]
    Discovery {
        /// The URL being discovered (secrets masked).
        url: String,
        /// What went wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// Authentication could not be performed or produced no usable result.
    #[error("authorization failed: {message}")]
    Authorization {
        /// What went wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// The request asked to be authenticated but no auth plugin is
    /// available on the request, the adapter or the session.
    #[error("an auth plugin is required to {action}, but none was given to the request, adapter or session")]
    MissingAuthPlugin {
        /// What needed the plugin ("authenticate the request", "resolve an endpoint filter"...).
        action: &'static str,
    },

    /// A required option was not given.
    #[error("missing required option {option}{}", location_suffix(.location))]
    MissingOption {
        /// The option's name (as keystoneauth1 names it).
        option: String,
        /// Where it was expected (a plugin, a file and group, the command line).
        location: Option<String>,
    },

    /// An option had a value that could not be used.
    #[error("invalid value for option {option}{}: {message}", location_suffix(.location))]
    InvalidOption {
        /// The option's name.
        option: String,
        /// Where the value came from.
        location: Option<String>,
        /// What was wrong with it (never the value itself when it is secret).
        message: String,
    },

    /// An environment variable the configuration reads has a value that is
    /// not valid UTF-8 (the value is never shown: it may be a password).
    #[error("environment variable {var} is not valid UTF-8 (its value is not shown)")]
    EnvNotUtf8 {
        /// The variable's name.
        var: String,
    },

    /// A file (CA bundle, client certificate, key, configuration) could not be read.
    #[error("unable to read {what} {}", .path.display())]
    File {
        /// What the file was for.
        what: &'static str,
        /// The path that was tried.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A certificate or key file was read but could not be used.
    #[error("invalid {what} in {}", .path.display())]
    InvalidCertificate {
        /// What the file was for.
        what: &'static str,
        /// The path of the file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: BoxError,
    },

    /// A file or directory that must be the current user's own (the
    /// [`TokenCache`](crate::TokenCache) directory and its files) is not: a
    /// symbolic link, not a regular file, owned by another user, or open to
    /// group or others. Nothing in it was used.
    #[error("refusing {what} {}: {reason}", .path.display())]
    UntrustedFile {
        /// What the file was for.
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it (owner, mode or type; never its content).
        reason: String,
    },

    /// The HTTP client could not be built.
    #[error("unable to build the HTTP client")]
    ClientBuild {
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// The blocking facade was used from inside an async runtime, where it
    /// would dead-lock; use the async API there.
    #[error("the blocking API cannot be used from within an async runtime; use the async API instead")]
    BlockingInAsyncContext,

    /// Keystone accepted some auth methods but the user's multi-factor
    /// rules need more (it answered 401 with an auth receipt). The error
    /// carries the receipt, the methods satisfied and those required; see
    /// [`Error::missing_auth_methods`]. Not an [`Error::Http`]: keystoneauth1
    /// raises `MissingAuthMethods`, not `Unauthorized`.
    #[error(transparent)]
    MissingAuthMethods(Box<crate::identity::v3::MissingAuthMethods>),
}

fn location_suffix(location: &Option<String>) -> String {
    match location {
        Some(l) => format!(" ({l})"),
        None => String::new(),
    }
}

impl Error {
    /// The HTTP status of a status error, if this is one.
    pub fn status(&self) -> Option<StatusCode> {
        self.http().map(HttpError::status)
    }

    /// The HTTP status error, if this is one.
    pub fn http(&self) -> Option<&HttpError> {
        match self {
            Error::Http(e) => Some(e),
            _ => None,
        }
    }

    /// The request id the server gave (`x-openstack-request-id` or
    /// `x-compute-request-id`), for status errors.
    pub fn request_id(&self) -> Option<&str> {
        self.http().and_then(HttpError::request_id)
    }

    /// True for a 401 Unauthorized status error.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// True for a 403 Forbidden status error.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// True for a 404 Not Found status error.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// True for a 409 Conflict status error.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// True for connect and read timeouts.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::ConnectTimeout { .. } | Error::ReadTimeout { .. })
    }

    /// True when no connection could be made (refused or timed out while
    /// connecting): the request never reached the server.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::ConnectFailure { .. } | Error::ConnectTimeout { .. })
    }

    /// True for TLS handshake failures.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls { .. })
    }

    /// True when trying again later may succeed: connection failures,
    /// timeouts, and 429, 502, 503 and 504 responses.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::ConnectFailure { .. }
            | Error::ConnectTimeout { .. }
            | Error::ReadTimeout { .. }
            | Error::Connection { .. } => true,
            Error::Http(e) => matches!(e.status.as_u16(), 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// True for errors of the endpoint catalog (empty, or nothing matched).
    pub fn is_endpoint_not_found(&self) -> bool {
        matches!(self, Error::EmptyCatalog | Error::EndpointNotFound { .. })
    }

    /// The receipt and the missing methods, when Keystone needs more auth
    /// methods (multi-factor authentication) to issue a token.
    pub fn missing_auth_methods(&self) -> Option<&crate::identity::v3::MissingAuthMethods> {
        match self {
            Error::MissingAuthMethods(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn body_not_replayable(reason: &'static str, response: crate::transport::Response) -> Self {
        Error::BodyNotReplayable {
            reason,
            response: Box::new(response),
        }
    }

    /// The response kept by an [`Error::BodyNotReplayable`].
    pub fn response(&self) -> Option<&crate::transport::Response> {
        match self {
            Error::BodyNotReplayable { response, .. } => Some(response),
            _ => None,
        }
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn invalid_url(url: &str, source: impl Into<BoxError>) -> Self {
        Error::InvalidUrl {
            url: redact::url_str(url),
            source: source.into(),
        }
    }
}

impl From<HttpError> for Error {
    fn from(e: HttpError) -> Self {
        Error::Http(Box::new(e))
    }
}

/// The kind of an HTTP status error, named as keystoneauth1 names its
/// exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// 400
    BadRequest,
    /// 401
    Unauthorized,
    /// 402
    PaymentRequired,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 406
    NotAcceptable,
    /// 407
    ProxyAuthenticationRequired,
    /// 408
    RequestTimeout,
    /// 409
    Conflict,
    /// 410
    Gone,
    /// 411
    LengthRequired,
    /// 412
    PreconditionFailed,
    /// 413
    RequestEntityTooLarge,
    /// 414
    RequestUriTooLong,
    /// 415
    UnsupportedMediaType,
    /// 416
    RequestedRangeNotSatisfiable,
    /// 417
    ExpectationFailed,
    /// 422
    UnprocessableEntity,
    /// 429
    TooManyRequests,
    /// 500
    InternalServerError,
    /// 501
    HttpNotImplemented,
    /// 502
    BadGateway,
    /// 503
    ServiceUnavailable,
    /// 504
    GatewayTimeout,
    /// 505
    HttpVersionNotSupported,
    /// Any other 4xx status.
    OtherClientError,
    /// Any other 5xx status.
    OtherServerError,
    /// A status below 400 turned into an error by the caller.
    Other,
}

impl HttpErrorKind {
    /// The kind for a status code.
    pub fn from_status(status: StatusCode) -> Self {
        use HttpErrorKind::*;
        match status.as_u16() {
            400 => BadRequest,
            401 => Unauthorized,
            402 => PaymentRequired,
            403 => Forbidden,
            404 => NotFound,
            405 => MethodNotAllowed,
            406 => NotAcceptable,
            407 => ProxyAuthenticationRequired,
            408 => RequestTimeout,
            409 => Conflict,
            410 => Gone,
            411 => LengthRequired,
            412 => PreconditionFailed,
            413 => RequestEntityTooLarge,
            414 => RequestUriTooLong,
            415 => UnsupportedMediaType,
            416 => RequestedRangeNotSatisfiable,
            417 => ExpectationFailed,
            422 => UnprocessableEntity,
            429 => TooManyRequests,
            500 => InternalServerError,
            501 => HttpNotImplemented,
            502 => BadGateway,
            503 => ServiceUnavailable,
            504 => GatewayTimeout,
            505 => HttpVersionNotSupported,
            c if (400..500).contains(&c) => OtherClientError,
            c if (500..600).contains(&c) => OtherServerError,
            _ => Other,
        }
    }
}

/// The most of an error body kept on an [`HttpError`], and parsed.
const MAX_KEPT_BODY: usize = crate::transport::MAX_ERROR_BODY;
/// The most of a plain-text body used as a message.
const MAX_TEXT_MESSAGE: usize = 512;
/// The most of the message shown by an [`HttpError`]'s `Display`.
const MAX_SHOWN_MESSAGE: usize = 768;
/// The most of the details shown by an [`HttpError`]'s `Display`.
const MAX_SHOWN_DETAILS: usize = 256;

/// An HTTP response with an error status, with what the server said about it.
#[derive(Clone)]
pub struct HttpError {
    status: StatusCode,
    method: Method,
    url: String,
    request_id: Option<String>,
    message: String,
    details: Option<String>,
    retry_after: Option<Duration>,
    headers: HeaderMap,
    body: Bytes,
}

impl HttpError {
    /// Builds the error for a response, parsing the body for a message.
    ///
    /// `url` should already be masked for display (see the crate's logging
    /// rules). Only the first 64 KiB of the body are kept and parsed,
    /// whatever its length: a longer JSON body is not parsed, and its
    /// message is the start of its text.
    pub fn new(status: StatusCode, method: Method, url: String, headers: HeaderMap, body: Bytes) -> Self {
        let request_id = crate::transport::request_id_from(&headers).map(str::to_owned);
        let retry_after = crate::transport::retry_after_from(&headers);
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let body = if body.len() > MAX_KEPT_BODY {
            body.slice(..MAX_KEPT_BODY)
        } else {
            body
        };
        let (message, details) = parse_error_body(content_type, &body);
        let message = message.unwrap_or_else(|| {
            status
                .canonical_reason()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16()))
        });
        HttpError {
            status,
            method,
            url,
            request_id,
            message,
            details,
            retry_after,
            headers,
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The kind of error, by status.
    pub fn kind(&self) -> HttpErrorKind {
        HttpErrorKind::from_status(self.status)
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL that answered (secrets masked).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's request id, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The message parsed from the body, or the status's reason phrase.
    /// `Display` shows at most its first 768 bytes.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Details parsed from the body, when the server gave any.
    pub fn details(&self) -> Option<&str> {
        self.details.as_deref()
    }

    /// The `Retry-After` the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The response headers (token headers are marked sensitive).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The response body: at most its first 64 KiB
    /// ([`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY)), as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpError")
            .field("status", &self.status)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("request_id", &self.request_id)
            .field("message", &truncate(&self.message, MAX_SHOWN_MESSAGE))
            .field(
                "details",
                &self.details.as_deref().map(|d| truncate(d, MAX_SHOWN_DETAILS)),
            )
            .field("retry_after", &self.retry_after)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        if let Some(reason) = self.status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        write!(
            f,
            " for {} {}: {}",
            self.method,
            self.url,
            truncate(&self.message, MAX_SHOWN_MESSAGE)
        )?;
        if let Some(details) = &self.details {
            write!(f, " ({})", truncate(details, MAX_SHOWN_DETAILS))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}

/// Parses the message and details out of an error body.
///
/// Understands Keystone's `{"error": {"message", "details"}}`, the API-SIG
/// `{"errors": [{"title", "detail"}]}`, the Nova/Neutron style
/// `{"<Name>": {"message": ...}}` and plain text.
pub(crate) fn parse_error_body(content_type: &str, body: &[u8]) -> (Option<String>, Option<String>) {
    if body.is_empty() {
        return (None, None);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        return parse_error_json(&value);
    }
    if content_type.contains("html") {
        return (html_text(body), None);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    (Some(truncate(text, MAX_TEXT_MESSAGE).into_owned()), None)
}

fn parse_error_json(value: &serde_json::Value) -> (Option<String>, Option<String>) {
    use serde_json::Value;
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Null | Value::String(_) => None,
            other => Some(other.to_string()),
        }
    };
    let Value::Object(map) = value else {
        return (None, None);
    };
    // Keystone: {"error": {"code", "message", "title", "details"?}}
    if let Some(Value::Object(err)) = map.get("error") {
        let message = text(err.get("message")).or_else(|| text(err.get("title")));
        return (message, text(err.get("details")));
    }
    // API-SIG: {"errors": [{"title", "detail", ...}]}
    if let Some(Value::Array(errors)) = map.get("errors") {
        if let Some(Value::Object(first)) = errors.first() {
            let title = text(first.get("title"));
            let detail = text(first.get("detail"));
            return match (title, detail) {
                (Some(t), d) => (Some(t), d),
                (None, d) => (d, None),
            };
        }
    }
    // Keystone/others flat: {"message": ..., "details": ...}
    if map.contains_key("message") {
        return (
            text(map.get("message")),
            text(map.get("details").or_else(|| map.get("detail"))),
        );
    }
    // Nova/Neutron: {"itemNotFound": {"message", "code"}}, {"NeutronError": {"message", "type", "detail"}}
    if map.len() == 1 {
        if let Some((_, Value::Object(inner))) = map.iter().next() {
            let message = text(inner.get("message")).or_else(|| text(inner.get("title")));
            let details = text(inner.get("details")).or_else(|| text(inner.get("detail")));
            if message.is_some() || details.is_some() {
                return (message, details);
            }
        }
    }
    (None, None)
}

/// The visible text of a small HTML error page, collapsed to one line.
/// The contents of `<head>`, `<title>`, `<script>` and `<style>` are
/// skipped (titles usually repeat the heading).
fn html_text(body: &[u8]) -> Option<String> {
    const SKIPPED: &[&str] = &["head", "title", "script", "style"];
    let raw = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut skipping: Option<&str> = None;
    let mut rest: &str = &raw;
    while let Some(lt) = rest.find('<') {
        if skipping.is_none() {
            out.push_str(&rest[..lt]);
        }
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = &after[..gt];
        let (closing, name_part) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name: String = name_part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match skipping {
            Some(open) if closing && name == open => skipping = None,
            None if !closing => {
                if let Some(skip) = SKIPPED.iter().find(|s| **s == name) {
                    skipping = Some(skip);
                }
            }
            _ => {}
        }
        out.push(' ');
        rest = &after[gt + 1..];
    }
    if skipping.is_none() {
        out.push_str(rest);
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        None
    } else {
        Some(truncate(&collapsed, MAX_TEXT_MESSAGE).into_owned())
    }
}

fn truncate(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &s[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(ct: &str, body: &str) -> (Option<String>, Option<String>) {
        parse_error_body(ct, body.as_bytes())
    }

    #[test]
    fn keystone_error_body() {
        let (m, d) = parse(
            "application/json",
            r#"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#,
        );
        assert_eq!(m.as_deref(), Some("The request you have made requires authentication."));
        assert_eq!(d, None);
        let (m, d) = parse(
            "application/json",
            r#"{"error": {"code": 400, "message": "Invalid input", "details": "field x is required"}}"#,
        );
        assert_eq!(m.as_deref(), Some("Invalid input"));
        assert_eq!(d.as_deref(), Some("field x is required"));
    }

    #[test]
    fn api_sig_errors_body() {
        let (m, d) = parse(
            "application/json",
            r#"{"errors": [{"request_id": "req-1", "code": "placement.inventory.inuse", "status": 409, "title": "Conflict", "detail": "Inventory in use"}]}"#,
        );
        assert_eq!(m.as_deref(), Some("Conflict"));
        assert_eq!(d.as_deref(), Some("Inventory in use"));
    }

    #[test]
    fn nova_and_neutron_bodies() {
        let (m, d) = parse(
            "application/json",
            r#"{"itemNotFound": {"code": 404, "message": "Instance abc could not be found."}}"#,
        );
        assert_eq!(m.as_deref(), Some("Instance abc could not be found."));
        assert_eq!(d, None);
        let (m, d) = parse(
            "application/json",
            r#"{"NeutronError": {"type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}"#,
        );
        assert_eq!(m.as_deref(), Some("Network x could not be found."));
        assert_eq!(d, None);
        let (m, _) = parse(
            "application/json",
            r#"{"badRequest": {"message": "Invalid flavorRef", "code": 400}}"#,
        );
        assert_eq!(m.as_deref(), Some("Invalid flavorRef"));
    }

    #[test]
    fn text_and_html_bodies() {
        let (m, _) = parse("text/plain", "  Service temporarily overloaded \n");
        assert_eq!(m.as_deref(), Some("Service temporarily overloaded"));
        let (m, _) = parse(
            "text/html",
            "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The resource could not be found.</p></body></html>",
        );
        assert_eq!(m.as_deref(), Some("Not Found The resource could not be found."));
        // Werkzeug (Flask, Keystone) pages have a title but no head.
        let (m, _) = parse(
            "text/html",
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found.</p>\n",
        );
        assert_eq!(m.as_deref(), Some("Not Found The requested URL was not found."));
        let (m, _) = parse("text/html", "<header>Gateway</header><p>upstream timed out</p>");
        assert_eq!(m.as_deref(), Some("Gateway upstream timed out"));
        let (m, d) = parse("application/json", "");
        assert_eq!((m, d), (None, None));
        let long = "x".repeat(2000);
        let (m, _) = parse("text/plain", &long);
        assert!(m.is_some_and(|m| m.len() < 600));
    }

    #[test]
    fn unknown_json_has_no_message() {
        assert_eq!(parse("application/json", r#"{"a": 1, "b": 2}"#), (None, None));
        assert_eq!(parse("application/json", r#"[1, 2]"#), (None, None));
    }

    #[test]
    fn status_kinds_mapped() {
        let cases = [
            (400, HttpErrorKind::BadRequest),
            (401, HttpErrorKind::Unauthorized),
            (403, HttpErrorKind::Forbidden),
            (404, HttpErrorKind::NotFound),
            (409, HttpErrorKind::Conflict),
            (413, HttpErrorKind::RequestEntityTooLarge),
            (429, HttpErrorKind::TooManyRequests),
            (500, HttpErrorKind::InternalServerError),
            (503, HttpErrorKind::ServiceUnavailable),
            (418, HttpErrorKind::OtherClientError),
            (599, HttpErrorKind::OtherServerError),
        ];
        for (code, kind) in cases {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(HttpErrorKind::from_status(status), kind, "{code}");
        }
    }

    #[test]
    fn http_error_display_and_helpers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-openstack-request-id", "req-123".parse().unwrap());
        headers.insert("retry-after", "7".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        let e = HttpError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Method::GET,
            "http://h/v3".into(),
            headers,
            Bytes::from_static(br#"{"error": {"message": "busy", "details": "try later"}}"#),
        );
        assert_eq!(
            e.to_string(),
            "503 Service Unavailable for GET http://h/v3: busy (try later) (request id req-123)"
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let err = Error::from(e);
        assert_eq!(err.request_id(), Some("req-123"));
        assert!(err.is_retriable());
        assert!(!err.is_unauthorized());
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    }

    #[test]
    fn only_a_prefix_is_parsed_and_display_is_capped() {
        let json = |message: &str| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                Method::POST,
                "http://h/v3".into(),
                [(http::header::CONTENT_TYPE, "application/json".parse().unwrap())]
                    .into_iter()
                    .collect(),
                Bytes::from(format!(
                    r#"{{"error": {{"message": "{message}", "details": "{message}"}}}}"#
                )),
            )
        };
        // A long message in a small body: parsed, kept, shown capped.
        let e = json(&"m".repeat(10_000));
        assert_eq!(e.message().len(), 10_000);
        let shown = e.to_string();
        assert!(shown.len() < 1100, "{}", shown.len());
        assert!(shown.contains("m…"));
        assert!(format!("{e:?}").len() < 1300);
        // A body over 64 KiB: only its prefix is kept, and it is not
        // parsed as JSON (it is cut), so the message is its start.
        let e = json(&"x".repeat(200_000));
        assert_eq!(e.body().len(), MAX_KEPT_BODY);
        assert!(e.message().starts_with(r#"{"error""#));
        assert!(e.message().len() <= MAX_TEXT_MESSAGE + 3);
    }

    #[test]
    fn errors_are_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(std::mem::size_of::<Error>() <= 80, "{}", std::mem::size_of::<Error>());
    }
}
