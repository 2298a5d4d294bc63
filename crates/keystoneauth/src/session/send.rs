//! A prepared request on the wire: sent at once when nothing must be
//! awaited first (the common request, whose future then holds little more
//! than reqwest's), or through a boxed future that prepares and sends it;
//! then the `401` re-authentication.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, StatusCode};

use crate::auth::{AuthPlugin, PreparedAuth};
use crate::error::{Error, Result};
use crate::transport::{
    same_origin, BodyChunks, HttpRequest, Landed, PlainExchange, RequestBody, Response, Sending, StreamingResponse,
    Transport, Unfinished,
};

/// A request ready to be sent: the URL resolved, the headers set, and the
/// plugin that authenticates it with its prepared credentials (if any).
pub(super) struct Prepared {
    pub(super) transport: Transport,
    pub(super) request: HttpRequest,
    pub(super) auth: Option<Authenticator>,
    pub(super) allow_reauth: bool,
}

/// The plugin that authenticates a request and its prepared credentials.
pub(super) type Authenticator = (Arc<dyn AuthPlugin>, Option<Arc<PreparedAuth>>);

/// A boxed exchange, for the requests that take the general way.
type Later = Pin<Box<dyn Future<Output = Result<StreamingResponse>> + Send>>;

/// The future of [`RequestBuilder::send`](super::RequestBuilder::send):
/// a [`PlainExchange`] polled in place for the common request, else (or
/// once its response turns out not to be a plain success) a boxed
/// exchange the general way.
// The plain variant is the common one; boxing it would cost an allocation
// per request.
#[allow(clippy::large_enum_variant)]
pub(super) enum SendFuture<S, B> {
    Plain {
        prepared: Prepared,
        exchange: PlainExchange<S, B>,
        raise: bool,
    },
    Later {
        exchange: Later,
        raise: bool,
    },
    Done,
}

impl<S: Sending + Unpin, B: BodyChunks> SendFuture<S, B> {
    pub(super) fn plain(prepared: Prepared, exchange: PlainExchange<S, B>, raise: bool) -> Self {
        SendFuture::Plain {
            prepared,
            exchange,
            raise,
        }
    }

    pub(super) fn later(
        exchange: impl Future<Output = Result<StreamingResponse>> + Send + 'static,
        raise: bool,
    ) -> Self {
        SendFuture::Later {
            exchange: Box::pin(exchange),
            raise,
        }
    }
}

impl<S: Sending + Unpin, B: BodyChunks> SendFuture<S, B> {
    /// A plain exchange that did not end in a plain success (a response
    /// that is not one, or a refused send), continued the general way (out
    /// of line: rare).
    #[cold]
    #[inline(never)]
    fn the_general_way(self, unfinished: Unfinished) -> Self {
        match self {
            SendFuture::Plain { prepared, raise, .. } => {
                SendFuture::later(prepared.complete_unfinished(unfinished), raise)
            }
            other => other,
        }
    }
}

impl<S: Sending + Unpin, B: BodyChunks> Future for SendFuture<S, B> {
    type Output = Result<Response>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Response>> {
        let this = &mut *self;
        loop {
            match this {
                SendFuture::Plain { prepared, exchange, .. } => {
                    let credentials = prepared.credentials();
                    let unfinished = match exchange.poll(&prepared.transport, &prepared.request, credentials, cx) {
                        Poll::Pending => return Poll::Pending,
                        // a plain success: below 300, nothing to raise; the
                        // request's method and URL go into the response
                        Poll::Ready(Landed::Read(result)) => {
                            let done = std::mem::replace(this, SendFuture::Done);
                            return Poll::Ready(match (result, done) {
                                (Ok(read), SendFuture::Plain { prepared, .. }) => {
                                    Ok(read.into_response(prepared.request.method, prepared.request.url))
                                }
                                (Ok(_), _) => Err(Error::invalid_request("the request's state was lost")),
                                (Err(e), _) => Err(e),
                            });
                        }
                        Poll::Ready(Landed::Unfinished(unfinished)) => unfinished,
                    };
                    *this = std::mem::replace(this, SendFuture::Done).the_general_way(unfinished);
                }
                SendFuture::Later { exchange, raise } => {
                    let result = match exchange.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(result) => result,
                    };
                    let raise = *raise;
                    *this = SendFuture::Done;
                    let response = result.map(StreamingResponse::into_head);
                    return Poll::Ready(if raise {
                        response.and_then(Response::error_for_status)
                    } else {
                        response
                    });
                }
                SendFuture::Done => {
                    return Poll::Ready(Err(Error::invalid_request(
                        "the request's future was polled after it completed",
                    )))
                }
            }
        }
    }
}

impl Prepared {
    /// The credentials in hand: `Some(None)` when none are sent,
    /// `Some(Some(_))` when prepared, `None` when the plugin must be asked.
    fn headers_in_hand(&self) -> Option<Option<&HeaderMap>> {
        match &self.auth {
            None => Some(None),
            Some((_, Some(prepared))) => Some(Some(prepared.headers())),
            Some((_, None)) => None,
        }
    }

    /// The credentials in hand and the headers ready for them
    /// ([`PreparedAuth::headers_sent_by`]).
    fn credentials(&self) -> (Option<&HeaderMap>, Option<&HeaderMap>) {
        match &self.auth {
            Some((_, Some(prepared))) => (Some(prepared.headers()), prepared.headers_sent_by(&self.transport)),
            _ => (None, None),
        }
    }

    /// The plain exchange of this request, when its credentials are in
    /// hand and the transport can take it ([`Transport::plain_exchange`]).
    pub(super) fn plain_exchange(&self) -> Option<PlainExchange<impl Sending + Unpin, impl BodyChunks>> {
        self.headers_in_hand()?;
        self.transport.plain_exchange(&self.request)
    }

    /// The rest of a [`PlainExchange`] that did not end in a plain
    /// success, the general way.
    async fn complete_unfinished(self, unfinished: Unfinished) -> Result<StreamingResponse> {
        let auth = self.headers_in_hand().flatten();
        let response = self
            .transport
            .complete_unfinished(&self.request, auth, false, unfinished)
            .await?;
        self.checked(response, auth, false).await
    }

    /// The response, or the exchange again with fresh credentials when it
    /// rejects the ones sent.
    async fn checked(
        &self,
        response: StreamingResponse,
        auth: Option<&HeaderMap>,
        stream: bool,
    ) -> Result<StreamingResponse> {
        match (&self.auth, auth) {
            (Some((plugin, _)), Some(auth)) if self.rejects(&response, plugin.as_ref(), auth) => {
                Box::pin(reauthenticate(
                    plugin.as_ref(),
                    &self.transport,
                    &self.request,
                    response,
                    stream,
                ))
                .await
            }
            _ => Ok(response),
        }
    }

    /// Sends the request, re-authenticating once on a 401.
    pub(super) async fn exchange(self, stream: bool) -> Result<StreamingResponse> {
        let Prepared {
            transport,
            request,
            auth,
            ..
        } = &self;
        let Some((plugin, prepared)) = auth else {
            return transport.exchange_with(request, None, stream).await;
        };
        // The request is lent to the transport, not cloned, and the auth
        // headers are laid over its own when each attempt is sent: only a
        // re-authentication needs them again.
        let fetched;
        let auth_headers = match prepared {
            Some(p) => p.headers(),
            None => {
                fetched = plugin.headers(transport).await?;
                &fetched
            }
        };
        let response = transport.exchange_with(request, Some(auth_headers), stream).await?;
        if self.rejects(&response, plugin.as_ref(), auth_headers) {
            return Box::pin(reauthenticate(plugin.as_ref(), transport, request, response, stream)).await;
        }
        Ok(response)
    }

    /// Whether `response` rejects the credentials sent: a 401 from the
    /// request's origin, for credentials the plugin agrees to drop. A 401
    /// from another origin (after a redirect) was answered by a server
    /// that never saw the credentials: it says nothing about them, so they
    /// are kept.
    fn rejects(&self, response: &StreamingResponse, plugin: &dyn AuthPlugin, sent: &HeaderMap) -> bool {
        response.status() == StatusCode::UNAUTHORIZED
            && self.allow_reauth
            && same_origin(response.url(), &self.request.url)
            && plugin.invalidate_rejected(sent)
    }
}

/// Sends a request again with fresh credentials after a 401 (rare, so
/// boxed: the common path's future does not carry it).
async fn reauthenticate(
    plugin: &dyn AuthPlugin,
    transport: &Transport,
    request: &HttpRequest,
    response: StreamingResponse,
    stream: bool,
) -> Result<StreamingResponse> {
    if !request.body.as_ref().is_none_or(RequestBody::is_replayable) {
        return Err(Error::body_not_replayable(
            "the server answered 401 and re-authenticating would send the request again",
            response.into_response(None).await?,
        ));
    }
    drop(response);
    tracing::debug!(
        target: crate::transport::LOG_TARGET,
        "401 with credentials that may have expired; re-authenticating once"
    );
    let fresh = plugin.headers(transport).await?;
    transport.exchange_with(request, Some(&fresh), stream).await
}
