//! What turns a [`Response`] into a value or an error; the data type itself
//! is defined at the error layer (it is kept by
//! [`Error::BodyNotReplayable`]) and re-exported from here.

use serde::de::DeserializeOwned;

use crate::error::{Error, HttpError, Result};
use crate::redact;

pub use crate::error::{RedirectHop, Response};

impl Response {
    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::invalid_response(redact::url(&self.url), "the body is not the expected JSON").with_source(e)
        })
    }

    /// The error for this response's status.
    pub fn to_http_error(&self) -> HttpError {
        HttpError::new(
            self.status,
            self.method.clone(),
            redact::url(&self.url),
            self.headers.clone(),
            self.body.clone(),
        )
    }

    /// This response if its status is below 400, else the status error.
    pub fn error_for_status(self) -> Result<Self> {
        if self.status.as_u16() >= 400 {
            Err(Error::from(self.to_http_error()))
        } else {
            Ok(self)
        }
    }
}
