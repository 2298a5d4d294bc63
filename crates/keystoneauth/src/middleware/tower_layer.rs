//! The tower integration.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode, Uri};
use tower_layer::Layer;
use tower_service::Service;

use super::{insert_auth, Core, Options};
use crate::error::{BoxError, Error, Result};
use crate::session::Session;

/// A [`tower_layer::Layer`] that authenticates the requests of any
/// `tower::Service<http::Request<B>>` (a hyper client, a tonic channel, an
/// axum service calling OpenStack) with a [`Session`]'s auth plugin (cargo
/// feature `tower`).
///
/// The rules are those of [`KeystoneAuthMiddleware`](super::KeystoneAuthMiddleware)
/// (catalog resolution of `openstack://` URIs, the token only for catalog
/// origins, re-authentication on expiry and once after a `401`); a URI
/// that is a bare path resolves through [`Builder::service_type`](super::Builder::service_type). The
/// request body must be `Clone` so that it can be re-sent after a `401`
/// (as with tower's own retry policies): `http_body_util::Full<Bytes>`,
/// `String` and the like.
///
/// Redirects: put tower-http's `FollowRedirect` outside this layer, so that
/// each hop passes through it and gets the token only for catalog origins.
///
/// ```no_run
/// # async fn demo(session: keystoneauth::Session) -> Result<(), keystoneauth::BoxError> {
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
/// use keystoneauth::middleware::KeystoneAuthLayer;
/// use tower_layer::Layer;
/// use tower_service::Service;
///
/// let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
/// let mut service = KeystoneAuthLayer::new(session)?.layer(client);
/// let request = http::Request::get("openstack://identity/projects").body(Full::default())?;
/// let response = service.call(request).await?;
/// println!("{}", response.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct KeystoneAuthLayer {
    core: Core,
}

impl KeystoneAuthLayer {
    /// A layer with the default settings; see [`Builder`](super::Builder) for the rest.
    ///
    /// # Errors
    ///
    /// [`Error::MissingAuthPlugin`] when the session has no auth plugin.
    pub fn new(session: Session) -> Result<Self> {
        Ok(Self::from_core(Core::new(session, Options::default())?))
    }

    pub(super) fn from_core(core: Core) -> Self {
        KeystoneAuthLayer { core }
    }
}

impl<S> Layer<S> for KeystoneAuthLayer {
    type Service = KeystoneAuth<S>;

    fn layer(&self, inner: S) -> KeystoneAuth<S> {
        KeystoneAuth {
            inner,
            core: self.core.clone(),
        }
    }
}

/// The service [`KeystoneAuthLayer`] wraps around another.
#[derive(Debug, Clone)]
pub struct KeystoneAuth<S> {
    inner: S,
    core: Core,
}

/// The future of a [`KeystoneAuth`] call.
pub type KeystoneAuthFuture<R> = Pin<Box<dyn Future<Output = std::result::Result<R, BoxError>> + Send>>;

impl<S, B, R> Service<Request<B>> for KeystoneAuth<S>
where
    S: Service<Request<B>, Response = Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Clone + Send + 'static,
    R: Send + 'static,
{
    type Response = Response<R>;
    type Error = BoxError;
    type Future = KeystoneAuthFuture<Response<R>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The service that was polled ready answers this call; a clone
        // stays for the next one (tower's usual pattern).
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let core = self.core.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let target = core.target(&parts.uri.to_string()).await?;
            parts.uri = target
                .url
                .as_str()
                .parse::<Uri>()
                .map_err(|e| Error::invalid_url(target.url.as_str(), e))?;
            if !target.authenticated {
                return inner.call(Request::from_parts(parts, body)).await.map_err(Into::into);
            }
            let sent = core.auth_headers().await?;
            insert_auth(&mut parts.headers, &sent);
            let replay = Request::from_parts(parts.clone(), body.clone());
            let response = inner.call(Request::from_parts(parts, body)).await.map_err(Into::into)?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            core.rejected(&sent);
            let fresh = core.auth_headers().await?;
            if fresh == sent {
                return Ok(response);
            }
            let (mut parts, body) = replay.into_parts();
            insert_auth(&mut parts.headers, &fresh);
            poll_fn(|cx| inner.poll_ready(cx)).await.map_err(Into::into)?;
            inner.call(Request::from_parts(parts, body)).await.map_err(Into::into)
        })
    }
}
