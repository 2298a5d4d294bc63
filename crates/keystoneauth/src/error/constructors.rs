//! Constructors for [`Error`]'s variants, in place of struct literals
//! (as reqwest's `src/error.rs` builds its errors): each takes what its
//! message needs and wraps a source as a [`SharedError`].
//!
//! Those a third-party auth plugin or loader legitimately needs (option
//! errors, an unusable response, a failed authentication) are public; the
//! rest are for the crate only.

use std::path::PathBuf;

use http::Method;

use super::{BoxError, Error, Response, SharedError};

impl Error {
    /// A required option was not given.
    #[cold]
    pub fn missing_option(option: impl Into<String>) -> Self {
        Error::MissingOption {
            option: option.into(),
            location: None,
        }
    }

    /// A required option was not given where it was expected (`location`:
    /// a plugin, a file and group, the command line).
    #[cold]
    pub fn missing_option_in(option: impl Into<String>, location: impl Into<String>) -> Self {
        Error::MissingOption {
            option: option.into(),
            location: Some(location.into()),
        }
    }

    /// An option had a value that cannot be used; `message` says why (never
    /// the value itself when it is secret).
    #[cold]
    pub fn invalid_option(option: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidOption {
            option: option.into(),
            location: None,
            message: message.into(),
        }
    }

    /// An option given in `location` had a value that cannot be used.
    #[cold]
    pub fn invalid_option_in(
        option: impl Into<String>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::InvalidOption {
            option: option.into(),
            location: Some(location.into()),
            message: message.into(),
        }
    }

    /// The response from `url` (secrets masked) could not be understood.
    #[cold]
    pub fn invalid_response(url: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidResponse {
            url: url.into(),
            message: message.into(),
            source: None,
        }
    }

    /// Authentication could not be performed or produced no usable result.
    #[cold]
    pub fn authorization(message: impl Into<String>) -> Self {
        Error::Authorization {
            message: message.into(),
            source: None,
        }
    }

    /// Sets the source of an error whose variant has an optional one
    /// ([`Error::InvalidRequest`], [`Error::InvalidResponse`],
    /// [`Error::Discovery`], [`Error::Authorization`],
    /// [`Error::TokenStore`]); any other error is returned unchanged.
    #[cold]
    pub fn with_source(mut self, error: impl Into<BoxError>) -> Self {
        match &mut self {
            Error::InvalidRequest { source, .. }
            | Error::InvalidResponse { source, .. }
            | Error::Discovery { source, .. }
            | Error::Authorization { source, .. }
            | Error::TokenStore { source, .. } => *source = Some(SharedError::new(error)),
            _ => {}
        }
        self
    }

    #[cold]
    pub(crate) fn connect_failure(url: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::ConnectFailure {
            url: url.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn connect_timeout(url: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::ConnectTimeout {
            url: url.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn read_timeout(method: Method, url: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::ReadTimeout {
            method,
            url: url.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn tls(url: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Tls {
            url: url.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn connection(method: Method, url: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Connection {
            method,
            url: url.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn too_many_redirects(url: impl Into<String>, limit: usize) -> Self {
        Error::TooManyRedirects { url: url.into(), limit }
    }

    #[cold]
    pub(crate) fn cross_origin_redirect(url: impl Into<String>, status: u16, target: impl Into<String>) -> Self {
        Error::CrossOriginRedirect {
            url: url.into(),
            status,
            target: target.into(),
        }
    }

    #[cold]
    pub(crate) fn body_not_replayable(reason: &'static str, response: Response) -> Self {
        Error::BodyNotReplayable {
            reason,
            response: Box::new(response),
        }
    }

    #[cold]
    pub(crate) fn invalid_url(url: &str, source: impl Into<BoxError>) -> Self {
        Error::InvalidUrl {
            url: crate::redact::url_str(url),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn relative_url(path: impl Into<String>) -> Self {
        Error::RelativeUrl { path: path.into() }
    }

    #[cold]
    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
            source: None,
        }
    }

    #[cold]
    pub(crate) fn endpoint_not_found(filter: impl Into<String>) -> Self {
        Error::EndpointNotFound { filter: filter.into() }
    }

    #[cold]
    pub(crate) fn unknown_service_provider(id: impl Into<String>, known: Vec<String>) -> Self {
        Error::ServiceProviderNotFound { id: id.into(), known }
    }

    #[cold]
    pub(crate) fn discovery(url: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Discovery {
            url: url.into(),
            message: message.into(),
            source: None,
        }
    }

    #[cold]
    pub(crate) fn callback_listen(address: impl Into<String>, source: std::io::Error) -> Self {
        Error::CallbackListen {
            address: address.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn login_timeout(waited: std::time::Duration, callback: impl Into<String>) -> Self {
        Error::LoginTimeout {
            waited,
            callback: callback.into(),
        }
    }

    #[cold]
    pub(crate) fn missing_auth_plugin(action: &'static str) -> Self {
        Error::MissingAuthPlugin { action }
    }

    #[cold]
    pub(crate) fn env_not_utf8(var: impl Into<String>) -> Self {
        Error::EnvNotUtf8 { var: var.into() }
    }

    #[cold]
    pub(crate) fn file(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            what,
            path: path.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn invalid_certificate(
        what: &'static str,
        path: impl Into<PathBuf>,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::InvalidCertificate {
            what,
            path: path.into(),
            source: SharedError::new(source),
        }
    }

    #[cold]
    pub(crate) fn untrusted_file(what: &'static str, path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::UntrustedFile {
            what,
            path: path.into(),
            reason: reason.into(),
        }
    }

    #[cold]
    pub(crate) fn token_store(store: impl Into<String>, message: impl Into<String>) -> Self {
        Error::TokenStore {
            store: store.into(),
            message: message.into(),
            source: None,
        }
    }

    #[cold]
    pub(crate) fn client_build(source: impl Into<BoxError>) -> Self {
        Error::ClientBuild {
            source: SharedError::new(source),
        }
    }
}
