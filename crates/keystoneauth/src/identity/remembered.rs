//! A failed authentication, remembered for the callers that waited on it.

use crate::error::Error;

/// A failed authentication, kept so that the callers who were waiting for
/// it get its error instead of each trying again (a burst of requests with
/// a wrong password must not lock the account out). The error keeps its
/// kind, so `is_timeout()` or `is_connect()` answer the same for them.
pub(super) enum Remembered {
    Http(Box<crate::error::HttpError>),
    ConnectFailure {
        url: String,
        message: String,
    },
    ConnectTimeout {
        url: String,
        message: String,
    },
    ReadTimeout {
        method: http::Method,
        url: String,
        message: String,
    },
    Tls {
        url: String,
        message: String,
    },
    Connection {
        method: http::Method,
        url: String,
        message: String,
    },
    Other(String),
}

impl Remembered {
    pub(super) fn from_error(e: &Error) -> Self {
        let message = || e.to_string();
        match e {
            Error::Http(h) => Remembered::Http(h.clone()),
            Error::ConnectFailure { url, .. } => Remembered::ConnectFailure {
                url: url.clone(),
                message: message(),
            },
            Error::ConnectTimeout { url, .. } => Remembered::ConnectTimeout {
                url: url.clone(),
                message: message(),
            },
            Error::ReadTimeout { method, url, .. } => Remembered::ReadTimeout {
                method: method.clone(),
                url: url.clone(),
                message: message(),
            },
            Error::Tls { url, .. } => Remembered::Tls {
                url: url.clone(),
                message: message(),
            },
            Error::Connection { method, url, .. } => Remembered::Connection {
                method: method.clone(),
                url: url.clone(),
                message: message(),
            },
            _ => Remembered::Other(message()),
        }
    }

    pub(super) fn to_error(&self) -> Error {
        let source =
            |m: &str| -> crate::error::BoxError { format!("the same authentication failed moments ago: {m}").into() };
        match self {
            Remembered::Http(h) => Error::Http(h.clone()),
            Remembered::ConnectFailure { url, message } => Error::ConnectFailure {
                url: url.clone(),
                source: source(message),
            },
            Remembered::ConnectTimeout { url, message } => Error::ConnectTimeout {
                url: url.clone(),
                source: source(message),
            },
            Remembered::ReadTimeout { method, url, message } => Error::ReadTimeout {
                method: method.clone(),
                url: url.clone(),
                source: source(message),
            },
            Remembered::Tls { url, message } => Error::Tls {
                url: url.clone(),
                source: source(message),
            },
            Remembered::Connection { method, url, message } => Error::Connection {
                method: method.clone(),
                url: url.clone(),
                source: source(message),
            },
            Remembered::Other(message) => Error::Authorization {
                message: format!("authentication failed: {message}"),
                source: None,
            },
        }
    }
}
