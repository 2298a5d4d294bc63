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

use std::path::PathBuf;

use http::{Method, StatusCode};

use crate::redact;

mod auth;
mod constructors;
mod headers;
mod http_error;
mod response;
mod shared;

pub use auth::{MissingAuthMethods, ReceiptUser};
pub use headers::{parse_retry_after, MAX_ERROR_BODY};
pub(crate) use headers::{request_id_from, retry_after_from};
pub use http_error::{HttpError, HttpErrorKind};
pub use response::{RedirectHop, Response};
pub use shared::SharedError;

/// A boxed error, as the constructors of [`Error`] take a source (it is
/// kept as a [`SharedError`]).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout keystoneauth.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in keystoneauth.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection could not be established (refused, DNS failure,
    /// unreachable). The request was not sent, so it is safe to retry.
    #[non_exhaustive]
    #[error("unable to establish a connection to {url}")]
    ConnectFailure {
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: SharedError,
    },

    /// Establishing the connection took longer than the connect timeout.
    #[non_exhaustive]
    #[error("connection to {url} timed out")]
    ConnectTimeout {
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: SharedError,
    },

    /// The request was sent but no complete response arrived in time. The
    /// server may have acted on it, so non-idempotent requests are never
    /// re-sent after this error.
    #[non_exhaustive]
    #[error("{method} {url} timed out waiting for the response")]
    ReadTimeout {
        /// The HTTP method.
        method: Method,
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: SharedError,
    },

    /// The TLS handshake failed (untrusted or invalid certificate, protocol
    /// mismatch, client certificate refused).
    #[non_exhaustive]
    #[error("TLS handshake with {url} failed")]
    Tls {
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying TLS error.
        #[source]
        source: SharedError,
    },

    /// Any other connection-level failure, for example a connection reset
    /// while the response was being read.
    #[non_exhaustive]
    #[error("connection error during {method} {url}")]
    Connection {
        /// The HTTP method.
        method: Method,
        /// The URL that was being requested (secrets masked).
        url: String,
        /// The underlying transport error.
        #[source]
        source: SharedError,
    },

    /// The server answered with an error status (400 or above).
    #[non_exhaustive]
    #[error(transparent)]
    Http(Box<HttpError>),

    /// More redirects than the session's limit.
    #[non_exhaustive]
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
    #[non_exhaustive]
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
    #[non_exhaustive]
    #[error("{} {}: {reason}, but the request body is a stream that cannot be sent again; not re-sent", .response.status().as_u16(), redact::url(.response.url()))]
    BodyNotReplayable {
        /// Why the body would have been sent again.
        reason: &'static str,
        /// The response (its body read up to 64 KiB when it is an error).
        response: Box<Response>,
    },

    /// A URL could not be parsed or built.
    #[non_exhaustive]
    #[error("invalid URL {url:?}")]
    InvalidUrl {
        /// The offending value (secrets masked).
        url: String,
        /// The parse error.
        #[source]
        source: SharedError,
    },

    /// A relative path was requested with nothing to resolve it against.
    #[non_exhaustive]
    #[error("cannot send a request to the relative path {path:?}: give an absolute URL, an endpoint filter or an endpoint override")]
    RelativeUrl {
        /// The relative path that was requested.
        path: String,
    },

    /// A request could not be built (an invalid header name or value, a body
    /// that could not be serialised).
    #[non_exhaustive]
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What was wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<SharedError>,
    },

    /// The server's response could not be understood (not JSON where JSON was
    /// expected, a missing field, a redirect without a location, too large).
    #[non_exhaustive]
    #[error("invalid response from {url}: {message}")]
    InvalidResponse {
        /// The URL that answered (secrets masked).
        url: String,
        /// What was wrong with it.
        message: String,
        /// The underlying parse error, when there is one.
        #[source]
        source: Option<SharedError>,
    },

    /// The service catalog has no entries at all.
    #[non_exhaustive]
    #[error("the service catalog is empty")]
    EmptyCatalog,

    /// No endpoint in the catalog matched the filter.
    #[non_exhaustive]
    #[error("no endpoint found for {filter}")]
    EndpointNotFound {
        /// A readable form of the filter that matched nothing.
        filter: String,
    },

    /// Version discovery failed.
    #[non_exhaustive]
    #[error("version discovery failed for {url}: {message}")]
    Discovery {
        /// The URL being discovered (secrets masked).
        url: String,
        /// What went wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<SharedError>,
    },

    /// Authentication could not be performed or produced no usable result.
    #[non_exhaustive]
    #[error("authorization failed: {message}")]
    Authorization {
        /// What went wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<SharedError>,
    },

    /// The browser login's loopback callback could not listen (the port is
    /// taken, or not allowed): choose another `redirect-port`, also listed
    /// in Keystone's `[federation] trusted_dashboard`.
    #[non_exhaustive]
    #[error("cannot listen for the single sign-on callback on {address}")]
    CallbackListen {
        /// The address that could not be bound.
        address: String,
        /// The operating system's error.
        #[source]
        source: SharedError,
    },

    /// No token Keystone vouches for reached the browser login's callback
    /// in time (`login-timeout`).
    #[non_exhaustive]
    #[error("no single sign-on token reached {callback} within {}s (login-timeout); log in again, or raise the timeout", .waited.as_secs_f64())]
    LoginTimeout {
        /// How long the callback waited.
        waited: std::time::Duration,
        /// The callback URL.
        callback: String,
    },

    /// The request asked to be authenticated but no auth plugin is
    /// available on the request, the adapter or the session.
    #[non_exhaustive]
    #[error("an auth plugin is required to {action}, but none was given to the request, adapter or session")]
    MissingAuthPlugin {
        /// What needed the plugin ("authenticate the request", "resolve an endpoint filter"...).
        action: &'static str,
    },

    /// A required option was not given.
    #[non_exhaustive]
    #[error("missing required option {option}{}", location_suffix(.location))]
    MissingOption {
        /// The option's name (as keystoneauth1 names it).
        option: String,
        /// Where it was expected (a plugin, a file and group, the command line).
        location: Option<String>,
    },

    /// An option had a value that could not be used.
    #[non_exhaustive]
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
    #[non_exhaustive]
    #[error("environment variable {var} is not valid UTF-8 (its value is not shown)")]
    EnvNotUtf8 {
        /// The variable's name.
        var: String,
    },

    /// A file (CA bundle, client certificate, key, configuration) could not be read.
    #[non_exhaustive]
    #[error("unable to read {what} {}", .path.display())]
    File {
        /// What the file was for.
        what: &'static str,
        /// The path that was tried.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: SharedError,
    },

    /// A certificate or key file was read but could not be used.
    #[non_exhaustive]
    #[error("invalid {what} in {}", .path.display())]
    InvalidCertificate {
        /// What the file was for.
        what: &'static str,
        /// The path of the file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: SharedError,
    },

    /// A file or directory that must be the current user's own (the
    /// [`TokenCache`](crate::TokenCache) directory and its files) is not: a
    /// symbolic link, not a regular file, owned by another user, or open to
    /// group or others. Nothing in it was used.
    #[non_exhaustive]
    #[error("refusing {what} {}: {reason}", .path.display())]
    UntrustedFile {
        /// What the file was for.
        what: &'static str,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it (owner, mode or type; never its content).
        reason: String,
    },

    /// A token store (where [`TokenCache`](crate::TokenCache) keeps its
    /// entries, such as a shared Redis) could not be configured or used.
    /// The message names the store by its location, secrets masked.
    #[non_exhaustive]
    #[error("token store {store}: {message}")]
    TokenStore {
        /// The store's location (`redis://host:6379/0`, a directory), masked.
        store: String,
        /// What went wrong (never an entry, a token or a key).
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<SharedError>,
    },

    /// The HTTP client could not be built.
    #[non_exhaustive]
    #[error("unable to build the HTTP client")]
    ClientBuild {
        /// The underlying error.
        #[source]
        source: SharedError,
    },

    /// The blocking facade was used from inside an async runtime, where it
    /// would dead-lock; use the async API there.
    #[non_exhaustive]
    #[error("the blocking API cannot be used from within an async runtime; use the async API instead")]
    BlockingInAsyncContext,

    /// Keystone accepted some auth methods but the user's multi-factor
    /// rules need more (it answered 401 with an auth receipt). The error
    /// carries the receipt, the methods satisfied and those required; see
    /// [`Error::missing_auth_methods`]. Not an [`Error::Http`]: keystoneauth1
    /// raises `MissingAuthMethods`, not `Unauthorized`.
    #[non_exhaustive]
    #[error(transparent)]
    MissingAuthMethods(Box<MissingAuthMethods>),
}

fn location_suffix(location: &Option<String>) -> String {
    match location {
        Some(l) => format!(" ({l})"),
        None => String::new(),
    }
}

impl Error {
    /// The first error of type `T` in this error's source chain, looking
    /// inside the [`SharedError`]s that hold sources (for the typed sources
    /// a plugin attaches, such as `OAuthError`).
    pub(crate) fn find_source<T: std::error::Error + 'static>(&self) -> Option<&T> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(self);
        while let Some(e) = current {
            let shared = e.downcast_ref::<SharedError>().and_then(SharedError::downcast_ref);
            if let Some(found) = e.downcast_ref::<T>().or(shared) {
                return Some(found);
            }
            current = e.source();
        }
        None
    }

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
            Error::Http(e) => matches!(e.status().as_u16(), 429 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// True for errors of the endpoint catalog (empty, or nothing matched).
    pub fn is_endpoint_not_found(&self) -> bool {
        matches!(self, Error::EmptyCatalog | Error::EndpointNotFound { .. })
    }

    /// The receipt and the missing methods, when Keystone needs more auth
    /// methods (multi-factor authentication) to issue a token.
    pub fn missing_auth_methods(&self) -> Option<&MissingAuthMethods> {
        match self {
            Error::MissingAuthMethods(m) => Some(m),
            _ => None,
        }
    }

    /// The response kept by an [`Error::BodyNotReplayable`].
    pub fn response(&self) -> Option<&Response> {
        match self {
            Error::BodyNotReplayable { response, .. } => Some(response),
            _ => None,
        }
    }
}

impl From<HttpError> for Error {
    fn from(e: HttpError) -> Self {
        Error::Http(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(std::mem::size_of::<Error>() <= 80, "{}", std::mem::size_of::<Error>());
    }

    #[test]
    fn clones_share_the_source_and_keep_the_kind() {
        let err = Error::connect_failure("http://h/", std::io::Error::other("refused"));
        let clone = err.clone();
        assert!(clone.is_connect() && clone.is_retriable());
        assert_eq!(clone.to_string(), err.to_string());
        let (Error::ConnectFailure { source: a, .. }, Error::ConnectFailure { source: b, .. }) = (&err, &clone) else {
            panic!("{clone:?}");
        };
        assert!(std::ptr::eq(a.get_ref(), b.get_ref()));
        let shown = std::error::Error::source(&clone).map(ToString::to_string);
        assert_eq!(shown.as_deref(), Some("refused"));
    }

    #[test]
    fn with_source_sets_only_an_optional_source() {
        let err = Error::authorization("no").with_source("why");
        assert_eq!(
            std::error::Error::source(&err).map(ToString::to_string).as_deref(),
            Some("why")
        );
        let err = Error::missing_option("auth-url").with_source("ignored");
        assert!(std::error::Error::source(&err).is_none());
        assert_eq!(err.to_string(), "missing required option auth-url");
    }
}
