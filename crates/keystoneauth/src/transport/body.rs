//! Reading response bodies within limits, and classifying transport
//! failures by whether the request may be sent again.

use bytes::{Bytes, BytesMut};
use http::header::{HeaderValue, CONTENT_LENGTH};
use http::{HeaderMap, Method};
use url::Url;

use super::RequestBody;

use crate::error::{BoxError, Error};
use crate::redact;

/// How a failed attempt may be retried.
pub(super) enum Failure {
    /// The request cannot be sent at all: never retried.
    Fatal(Error),
    /// The request never reached the server: safe to re-send any method.
    NotSent(Error),
    /// The request may have reached the server.
    MaybeSent(Error),
    /// The server refused the request before acting on it: an HTTP/2
    /// `REFUSED_STREAM`, or a graceful `GOAWAY` the request came after.
    /// Safe to send again at once, whatever the method
    /// ([`MAX_REFUSED_RESENDS`](super::retry::MAX_REFUSED_RESENDS) times).
    Refused(Error),
}

impl Failure {
    /// The error, when no retry is to be made.
    pub(super) fn into_error(self) -> Error {
        match self {
            Failure::Fatal(e) | Failure::NotSent(e) | Failure::MaybeSent(e) | Failure::Refused(e) => e,
        }
    }
}

/// The size of the reads from a file body.
const FILE_CHUNK: usize = 256 * 1024;

/// The body to hand to reqwest for one send: bytes are shared, a file is
/// opened again (with its length as `Content-Length`), a stream is taken
/// (it can be sent once).
pub(super) async fn to_reqwest(body: &RequestBody, headers: &mut HeaderMap) -> Result<reqwest::Body, Failure> {
    match body {
        RequestBody::File(path) => {
            let file_error = |source| Failure::Fatal(Error::file("request body file", path.clone(), source));
            let file = tokio::fs::File::open(path).await.map_err(file_error)?;
            let len = file.metadata().await.map_err(file_error)?.len();
            headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
            let stream = tokio_util::io::ReaderStream::with_capacity(file, FILE_CHUNK);
            Ok(reqwest::Body::wrap_stream(stream))
        }
        other => to_reqwest_now(other, headers),
    }
}

/// [`to_reqwest`] of a body in hand: bytes or a stream. A file must be
/// opened, asynchronously, by [`to_reqwest`]: asked here, it is an error.
pub(super) fn to_reqwest_now(body: &RequestBody, headers: &mut HeaderMap) -> Result<reqwest::Body, Failure> {
    match body {
        RequestBody::Bytes(b) => Ok(reqwest::Body::from(b.clone())),
        RequestBody::File(_) => Err(Failure::Fatal(Error::invalid_request(
            "a file body must be opened before the request is sent",
        ))),
        RequestBody::Stream { body, len } => {
            let taken = body.lock().ok().and_then(|mut b| b.take()).ok_or_else(|| {
                Failure::Fatal(Error::invalid_request(
                    "the streamed request body was already sent; a stream can be sent only once",
                ))
            })?;
            if let Some(len) = len {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(*len));
            }
            Ok(taken)
        }
    }
}

/// The error for a body over a size limit.
#[cold]
pub(super) fn too_large(url: &Url, limit: usize) -> Error {
    Error::invalid_response(
        redact::url(url),
        format!("the response body is larger than the {limit} bytes allowed"),
    )
}

/// The most memory reserved up front from a `Content-Length`.
const MAX_RESERVED: u64 = 64 * 1024 * 1024;

/// Reads the whole body, refusing more than `limit` bytes when one is set.
/// The buffer is sized from `Content-Length` when there is one, so a body
/// costs its own size, not twice it.
pub(super) async fn read_body(
    mut response: reqwest::Response,
    limit: Option<usize>,
    method: &Method,
    url: &Url,
) -> Result<Bytes, Failure> {
    let limit = limit.unwrap_or(usize::MAX);
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(Failure::Fatal(too_large(url, limit)));
    }
    let mut buf = body_buffer(response.content_length());
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify_body_error(e, method, url))?
    {
        add_chunk(&mut buf, &chunk, limit, url)?;
    }
    Ok(buf.freeze())
}

/// The buffer for a body of `content_length` bytes (when announced), so
/// that a body costs its own size, not twice it.
pub(super) fn body_buffer(content_length: Option<u64>) -> BytesMut {
    BytesMut::with_capacity(content_length.unwrap_or(0).min(MAX_RESERVED) as usize)
}

/// Adds a chunk to a body being read, refusing more than `limit` bytes.
pub(super) fn add_chunk(buf: &mut BytesMut, chunk: &[u8], limit: usize, url: &Url) -> Result<(), Failure> {
    if buf.len().saturating_add(chunk.len()) > limit {
        return Err(Failure::Fatal(too_large(url, limit)));
    }
    buf.extend_from_slice(chunk);
    Ok(())
}

/// Reads at most `limit` bytes of the body and drops the rest unread (the
/// connection is closed rather than drained). Returns the prefix and
/// whether the body was longer.
pub(super) async fn read_prefix(
    mut response: reqwest::Response,
    limit: usize,
    method: &Method,
    url: &Url,
) -> Result<(Bytes, bool), Failure> {
    let mut truncated = response.content_length().is_some_and(|n| n > limit as u64);
    let mut buf = BytesMut::with_capacity(limit.min(response.content_length().unwrap_or(8192) as usize));
    while buf.len() < limit {
        let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify_body_error(e, method, url))?
        else {
            break;
        };
        let room = limit - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), truncated))
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

#[cold]
pub(super) fn classify_send_error(e: reqwest::Error, method: &Method, url: &Url) -> Failure {
    let shown = redact::url(url);
    if is_protocol_refusal(&e) {
        return Failure::Refused(Error::connection(method.clone(), shown, boxed(e)));
    }
    if is_tls_error(&e) {
        return Failure::NotSent(Error::tls(shown, boxed(e)));
    }
    if e.is_connect() {
        return Failure::NotSent(if e.is_timeout() {
            Error::connect_timeout(shown, boxed(e))
        } else {
            Error::connect_failure(shown, boxed(e))
        });
    }
    if e.is_builder() {
        return Failure::Fatal(
            Error::invalid_request(format!("the request to {shown} could not be built")).with_source(boxed(e)),
        );
    }
    if e.is_timeout() {
        return Failure::MaybeSent(Error::read_timeout(method.clone(), shown, boxed(e)));
    }
    Failure::MaybeSent(Error::connection(method.clone(), shown, boxed(e)))
}

/// Whether the server refused the request at the protocol level before
/// acting on it, as reqwest's default retry policy judges it (the
/// transport turns that policy off and re-sends such requests itself, see
/// `build_client`): an HTTP/2 `REFUSED_STREAM` reset, or a `GOAWAY` without
/// error (a graceful shutdown), sent by the server.
fn is_protocol_refusal(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(h2) = err.downcast_ref::<h2::Error>() {
            let reason = h2.reason();
            return h2.is_remote()
                && ((h2.is_go_away() && reason == Some(h2::Reason::NO_ERROR))
                    || (h2.is_reset() && reason == Some(h2::Reason::REFUSED_STREAM)));
        }
        source = err.source();
    }
    false
}

#[cold]
pub(super) fn classify_body_error(e: reqwest::Error, method: &Method, url: &Url) -> Failure {
    let shown = redact::url(url);
    Failure::MaybeSent(if e.is_timeout() {
        Error::read_timeout(method.clone(), shown, boxed(e))
    } else {
        Error::connection(method.clone(), shown, boxed(e))
    })
}
