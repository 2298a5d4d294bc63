//! The common exchange as a small hand-written state machine: a request
//! put on the wire when first polled ([`Transport::plain_exchange`]), its
//! response awaited and, when it is a plain success (below 300, not
//! streamed), its body read into the [`Response`]. Anything else (an error
//! status, a redirect, a `401`) is handed back with its response, to go on
//! the general way ([`Transport::complete_unfinished`]), as is a request
//! the server refused before acting on it.
//!
//! Written by hand rather than as an `async fn` because this is the path
//! of nearly every request: its state is a few hundred bytes that are
//! never moved once polled, and its code is one small poll function, where
//! the nested futures of the general way are kilobytes moved from frame to
//! frame (see docs/benchmarks.md, issue 15).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::Stream;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::attempt::marked_headers;
use super::body::{add_chunk, body_buffer, classify_body_error, too_large, Failure};
use super::{Hop, HttpRequest, Response, Sending, Transport};
use crate::error::{Error, Result};

/// A body being read, as a stream of chunks.
pub(crate) trait BodyChunks: Stream<Item = reqwest::Result<Bytes>> + Send + Unpin {}

impl<T: Stream<Item = reqwest::Result<Bytes>> + Send + Unpin> BodyChunks for T {}

/// How a request is put on the wire ([`Transport::start`]).
type Launch<S> = fn(&Transport, &HttpRequest, Option<&HeaderMap>, Option<&HeaderMap>) -> Result<Option<S>>;

/// The exchange of [`Transport::plain_exchange`].
pub(crate) struct PlainExchange<S, B> {
    state: State<S, B>,
    /// How the request is put on the wire (a function pointer, as below).
    launch: Launch<S>,
    /// How a response becomes its body's stream (a function pointer, so
    /// that the stream's type, which reqwest does not name, is known here).
    into_chunks: fn(reqwest::Response) -> B,
}

// The states follow one another in place; boxing the reading one would
// cost an allocation per request.
#[allow(clippy::large_enum_variant)]
enum State<S, B> {
    /// Not polled yet: nothing sent (reqwest's client wants its runtime
    /// when a request is handed to it, and the future may be made outside
    /// one).
    Unsent,
    /// On the wire; `start` is set when first polled.
    Waiting {
        sending: S,
        start: Option<Instant>,
    },
    /// A plain success whose body is being read.
    Reading {
        status: StatusCode,
        headers: HeaderMap,
        buf: BytesMut,
        limit: usize,
        chunks: B,
        start: Instant,
    },
    Done,
}

/// What polling a [`PlainExchange`] ends with.
pub(crate) enum Landed {
    /// A plain success, read; or the error that ended the exchange.
    Read(Result<PlainRead>),
    /// Anything else, to go on the general way
    /// ([`Transport::complete_unfinished`]).
    Unfinished(Unfinished),
}

/// A plain exchange that did not end in a plain success.
pub(crate) enum Unfinished {
    /// Any other response, received at the instant given, body unread.
    Received(reqwest::Response, Instant),
    /// The server refused the request before acting on it (see
    /// [`Failure::Refused`]): to be sent again.
    Refused(Error),
}

/// A plain success read whole: the [`Response`] but for the method and URL,
/// which the request hands over instead of a copy being made.
pub(crate) struct PlainRead {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    elapsed: Duration,
}

impl PlainRead {
    /// The response to the request of `method` at `url`.
    pub(crate) fn into_response(self, method: Method, url: Url) -> Response {
        Response {
            status: self.status,
            headers: self.headers,
            url,
            method,
            body: self.body,
            body_truncated: false,
            history: Vec::new(),
            elapsed: self.elapsed,
        }
    }
}

impl Transport {
    /// The plain exchange of a request that can take it (no retry
    /// configured, no file body: see [`Transport::start`]); `None` when it
    /// must go the general way. Nothing is sent until it is polled.
    pub(crate) fn plain_exchange(
        &self,
        request: &HttpRequest,
    ) -> Option<PlainExchange<impl Sending + Unpin, impl BodyChunks>> {
        self.can_start(request).then(|| PlainExchange {
            state: State::Unsent,
            launch: Transport::start_ready,
            into_chunks: chunks_of,
        })
    }
}

/// The body of `response` as its chunks.
fn chunks_of(response: reqwest::Response) -> impl BodyChunks {
    response.bytes_stream()
}

impl<S: Sending + Unpin, B: BodyChunks> PlainExchange<S, B> {
    /// Polls the exchange of `request` (the one it was made for) on
    /// `transport`, with the credentials `auth` (and the headers `ready`
    /// for them, see [`Transport::start_ready`]).
    pub(crate) fn poll(
        &mut self,
        transport: &Transport,
        request: &HttpRequest,
        (auth, ready): (Option<&HeaderMap>, Option<&HeaderMap>),
        cx: &mut Context<'_>,
    ) -> Poll<Landed> {
        let hop = Hop::first(request, None, false);
        loop {
            match &mut self.state {
                State::Unsent => {
                    self.state = match (self.launch)(transport, request, auth, ready) {
                        Ok(Some(sending)) => State::Waiting { sending, start: None },
                        Ok(None) => {
                            self.state = State::Done;
                            return Poll::Ready(Landed::Read(Err(Error::invalid_request(
                                "the request cannot be sent the plain way",
                            ))));
                        }
                        Err(e) => {
                            self.state = State::Done;
                            return Poll::Ready(Landed::Read(Err(e)));
                        }
                    };
                }
                State::Waiting { sending, start } => {
                    let start = *start.get_or_insert_with(Instant::now);
                    let mut response = match Pin::new(sending).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(response)) => response,
                        Poll::Ready(Err(e)) => {
                            self.state = State::Done;
                            return Poll::Ready(match transport.not_answered(&hop, e, start) {
                                Failure::Refused(e) => Landed::Unfinished(Unfinished::Refused(e)),
                                failure => Landed::Read(Err(failure.into_error())),
                            });
                        }
                    };
                    if response.status().as_u16() >= 300 {
                        self.state = State::Done;
                        return Poll::Ready(Landed::Unfinished(Unfinished::Received(response, start)));
                    }
                    let limit = transport.body_limit(&hop).unwrap_or(usize::MAX);
                    let announced = response.content_length();
                    if announced.is_some_and(|n| n > limit as u64) {
                        self.state = State::Done;
                        return Poll::Ready(Landed::Read(Err(too_large(hop.url, limit))));
                    }
                    self.state = State::Reading {
                        status: response.status(),
                        headers: marked_headers(&mut response),
                        buf: body_buffer(announced),
                        limit,
                        chunks: (self.into_chunks)(response),
                        start,
                    };
                }
                State::Reading { buf, limit, chunks, .. } => {
                    let failure = match Pin::new(chunks).poll_next(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Some(Ok(chunk))) => match add_chunk(buf, &chunk, *limit, hop.url) {
                            Ok(()) => continue,
                            Err(failure) => Some(failure),
                        },
                        Poll::Ready(Some(Err(e))) => Some(classify_body_error(e, hop.method, hop.url)),
                        Poll::Ready(None) => None,
                    };
                    return Poll::Ready(Landed::Read(self.read(transport, &hop, failure)));
                }
                State::Done => {
                    return Poll::Ready(Landed::Read(Err(Error::invalid_request(
                        "the request's future was polled after it completed",
                    ))))
                }
            }
        }
    }

    /// The response whose body has been read whole, or the failure that
    /// ended the reading; the exchange is done either way.
    fn read(&mut self, transport: &Transport, hop: &Hop<'_>, failure: Option<Failure>) -> Result<PlainRead> {
        let State::Reading {
            status,
            headers,
            buf,
            start,
            ..
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(Error::invalid_request("the request's body was read twice"));
        };
        let elapsed = start.elapsed();
        transport.record(hop.method, hop.url, Some(status), elapsed);
        if let Some(failure) = failure {
            return Err(failure.into_error());
        }
        let read = PlainRead {
            status,
            headers,
            body: buf.freeze(),
            elapsed,
        };
        transport.log_read_parts(hop, read.status, &read.headers, read.elapsed, &read.body);
        Ok(read)
    }
}
