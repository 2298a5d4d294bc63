//! A response whose body has not been read yet.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::body::{classify_body_error, read_body, read_prefix, Failure};
use super::MAX_ERROR_BODY;
use super::{RedirectHop, Response};
use crate::error::{Error, Result};
use crate::redact;

/// A response whose status and headers have arrived and whose body is read
/// as the caller consumes it: a [`Stream`] of [`Bytes`]
/// ([`StreamingResponse::bytes_stream`]), an
/// [`AsyncRead`](tokio::io::AsyncRead) ([`StreamingResponse::into_async_read`]),
/// or chunk by chunk ([`StreamingResponse::chunk`]). Memory stays at about
/// one chunk whatever the size of the body.
///
/// A body cut before its end (the connection closed before
/// `Content-Length` bytes, or before the last chunk) is an error, never a
/// short success. Made by [`RequestBuilder::send_streaming`](crate::RequestBuilder::send_streaming).
pub struct StreamingResponse {
    head: Response,
    raw: Option<reqwest::Response>,
    /// An adapter's concurrency slot, held until the body is read or
    /// dropped: a streamed body counts against the limit as long as it is
    /// on the wire.
    slot: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl StreamingResponse {
    pub(super) fn new(head: Response, raw: Option<reqwest::Response>) -> Self {
        StreamingResponse { head, raw, slot: None }
    }

    /// This response holding `slot` until its body is read or dropped.
    pub(crate) fn holding(mut self, slot: Option<tokio::sync::OwnedSemaphorePermit>) -> Self {
        self.slot = slot;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }

    /// The response headers (token headers marked sensitive).
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// A header's value as text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.header(name)
    }

    /// The URL that gave this response (after redirects).
    pub fn url(&self) -> &Url {
        &self.head.url
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.head.method
    }

    /// The request id, if the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.head.request_id()
    }

    /// The redirects followed to get here, oldest first.
    pub fn history(&self) -> &[RedirectHop] {
        &self.head.history
    }

    /// Time from sending the request to the response head.
    pub fn elapsed(&self) -> Duration {
        self.head.elapsed
    }

    /// The body's length, when the server announced it.
    pub fn content_length(&self) -> Option<u64> {
        match &self.raw {
            Some(raw) => raw.content_length(),
            None => Some(self.head.body.len() as u64),
        }
    }

    /// The next chunk of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        match &mut self.raw {
            Some(raw) => raw
                .chunk()
                .await
                .map_err(|e| classify_body_error(e, &self.head.method, &self.head.url).into_error()),
            None => {
                let body = std::mem::take(&mut self.head.body);
                Ok((!body.is_empty()).then_some(body))
            }
        }
    }

    /// The body as a stream of chunks.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let StreamingResponse { head, raw, slot } = self;
        match raw {
            Some(raw) => {
                let (method, url) = (head.method, head.url);
                raw.bytes_stream()
                    .map_err(move |e| {
                        // the slot lives as long as the stream
                        let _slot = &slot;
                        classify_body_error(e, &method, &url).into_error()
                    })
                    .left_stream()
            }
            None => {
                let body = head.body;
                futures::stream::iter((!body.is_empty()).then_some(Ok(body))).right_stream()
            }
        }
    }

    /// The body as an [`AsyncRead`](tokio::io::AsyncRead). Errors are
    /// `std::io::Error`s wrapping the library's [`Error`].
    pub fn into_async_read(self) -> impl tokio::io::AsyncRead + Send + Unpin + 'static {
        tokio_util::io::StreamReader::new(self.bytes_stream().map_err(std::io::Error::other).boxed())
    }

    /// The response of an exchange that was not streamed (its body read).
    pub(crate) fn into_head(self) -> Response {
        self.head
    }

    /// Reads the whole body (refusing more than `limit` bytes when one is
    /// given) into a buffered [`Response`]. An error status gives only the
    /// first [`MAX_ERROR_BODY`] bytes.
    pub async fn into_response(self, limit: Option<usize>) -> Result<Response> {
        let StreamingResponse {
            mut head,
            raw,
            slot: _slot,
        } = self;
        if let Some(raw) = raw {
            let (method, url) = (head.method.clone(), head.url.clone());
            (head.body, head.body_truncated) = if head.status.as_u16() >= 400 {
                read_prefix(raw, MAX_ERROR_BODY, &method, &url).await
            } else {
                read_body(raw, limit, &method, &url).await.map(|b| (b, false))
            }
            .map_err(Failure::into_error)?;
        }
        Ok(head)
    }

    /// This response if its status is below 400, else the status error
    /// (built from the first [`MAX_ERROR_BODY`] bytes of the body).
    pub async fn error_for_status(self) -> Result<Self> {
        if self.head.status.as_u16() < 400 {
            return Ok(self);
        }
        Err(Error::from(self.into_response(None).await?.to_http_error()))
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.head.status)
            .field("method", &self.head.method)
            .field("url", &redact::url(&self.head.url))
            .field("request_id", &self.request_id())
            .field("content_length", &self.content_length())
            .field("history", &self.head.history)
            .finish_non_exhaustive()
    }
}
