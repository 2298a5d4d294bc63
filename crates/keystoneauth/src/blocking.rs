//! A synchronous facade over the async API, for programs without a runtime.
//!
//! Requests run on one small background runtime shared by every blocking
//! session. Do not use this from inside an async runtime: it returns
//! [`Error::BlockingInAsyncContext`] there instead of dead-locking.
//!
//! ```no_run
//! # fn demo() -> keystoneauth::Result<()> {
//! use std::sync::Arc;
//! use keystoneauth::{blocking, token_endpoint, EndpointFilter, Session};
//!
//! let plugin = token_endpoint::Token::new("http://127.0.0.1:8774/v2.1", "a-token")?;
//! let session = blocking::Session::from_builder(Session::builder().auth(Arc::new(plugin)))?;
//! let response = session.get("/servers").endpoint_filter(EndpointFilter::new("compute")).send()?;
//! println!("{}", response.status());
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secrecy::SecretString;
use serde::Serialize;

use crate::auth::AuthPlugin;
use crate::catalog::EndpointFilter;
use crate::error::{Error, Result};
use crate::transport::{RequestTiming, Response};

static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();

/// Runs a future to completion on the shared background runtime.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::BlockingInAsyncContext);
    }
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("keystoneauth-blocking")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match runtime {
        Ok(rt) => Ok(rt.block_on(future)),
        Err(e) => Err(Error::client_build(format!(
            "the background runtime could not start: {e}"
        ))),
    }
}

/// The blocking twin of [`crate::Session`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Session {
    inner: crate::Session,
}

impl Session {
    /// Builds a blocking session from the async builder's settings.
    pub fn from_builder(builder: crate::SessionBuilder) -> Result<Self> {
        Ok(Session {
            inner: builder.build()?,
        })
    }

    /// A blocking session with default settings and no auth plugin.
    pub fn new() -> Result<Self> {
        Self::from_builder(crate::Session::builder())
    }

    /// The async session underneath (they share everything).
    pub fn as_async(&self) -> &crate::Session {
        &self.inner
    }

    /// Starts a request.
    pub fn request(&self, method: Method, url: impl Into<String>) -> RequestBuilder {
        RequestBuilder {
            inner: self.inner.request(method, url),
        }
    }

    crate::session::method_shortcuts!(RequestBuilder);

    /// The endpoint URL for a filter.
    pub fn endpoint(&self, filter: &EndpointFilter, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<String> {
        block_on(self.inner.endpoint(filter, auth))?
    }

    /// The current token, authenticating first if needed.
    pub fn token(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<Option<SecretString>> {
        block_on(self.inner.token(auth))?
    }

    /// The authenticated user's id.
    pub fn user_id(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<Option<String>> {
        block_on(self.inner.user_id(auth))?
    }

    /// The scoped project's id.
    pub fn project_id(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> Result<Option<String>> {
        block_on(self.inner.project_id(auth))?
    }

    /// Drops the plugin's cached credentials.
    pub fn invalidate(&self, auth: Option<&Arc<dyn AuthPlugin>>) -> bool {
        self.inner.invalidate(auth)
    }

    /// Collected request timings.
    pub fn timings(&self) -> Vec<RequestTiming> {
        self.inner.timings()
    }

    /// Forgets the collected timings.
    pub fn reset_timings(&self) {
        self.inner.reset_timings()
    }
}

impl From<crate::Session> for Session {
    fn from(inner: crate::Session) -> Self {
        Session { inner }
    }
}

/// The blocking twin of [`crate::RequestBuilder`]; every option is the same.
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    inner: crate::RequestBuilder,
}

macro_rules! forward {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*); )*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                RequestBuilder { inner: self.inner.$name($($arg),*) }
            }
        )*
    };
}

impl RequestBuilder {
    forward! {
        /// See [`crate::RequestBuilder::authenticated`].
        fn authenticated(authenticated: Option<bool>);
        /// See [`crate::RequestBuilder::endpoint_filter`].
        fn endpoint_filter(filter: EndpointFilter);
        /// See [`crate::RequestBuilder::endpoint_override`].
        fn endpoint_override(endpoint: String);
        /// See [`crate::RequestBuilder::auth`].
        fn auth(plugin: Arc<dyn AuthPlugin>);
        /// See [`crate::RequestBuilder::raise_error`].
        fn raise_error(raise: bool);
        /// See [`crate::RequestBuilder::allow_reauth`].
        fn allow_reauth(allow: bool);
        /// See [`crate::RequestBuilder::headers`].
        fn headers(headers: HeaderMap);
        /// See [`crate::RequestBuilder::body`].
        fn body(body: bytes::Bytes);
        /// See [`crate::RequestBuilder::global_request_id`].
        fn global_request_id(id: String);
        /// See [`crate::RequestBuilder::log`].
        fn log(log: bool);
        /// See [`crate::RequestBuilder::follow_redirects`].
        fn follow_redirects(follow: bool);
        /// See [`crate::RequestBuilder::redirect_body_cross_origin`].
        fn redirect_body_cross_origin(allow: bool);
        /// See [`crate::RequestBuilder::body_file`].
        fn body_file(path: std::path::PathBuf);
        /// See [`crate::RequestBuilder::max_response_size`].
        fn max_response_size(bytes: usize);
        /// See [`crate::RequestBuilder::connect_retries`].
        fn connect_retries(retries: u32);
        /// See [`crate::RequestBuilder::status_code_retries`].
        fn status_code_retries(retries: u32);
        /// See [`crate::RequestBuilder::retry`].
        fn retry(policy: crate::RetryPolicy);
        /// See [`crate::RequestBuilder::connect_retry_delay`].
        fn connect_retry_delay(delay: Duration);
        /// See [`crate::RequestBuilder::status_code_retry_delay`].
        fn status_code_retry_delay(delay: Duration);
        /// See [`crate::RequestBuilder::timeout`].
        fn timeout(timeout: Duration);
        /// See [`crate::RequestBuilder::user_agent`].
        fn user_agent(user_agent: String);
    }

    /// See [`crate::RequestBuilder::header`].
    pub fn header(self, name: HeaderName, value: HeaderValue) -> Self {
        RequestBuilder {
            inner: self.inner.header(name, value),
        }
    }

    /// See [`crate::RequestBuilder::json`].
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        RequestBuilder {
            inner: self.inner.json(body),
        }
    }

    /// See [`crate::RequestBuilder::query`].
    pub fn query<K: ToString, V: ToString>(self, params: &[(K, V)]) -> Self {
        RequestBuilder {
            inner: self.inner.query(params),
        }
    }

    /// Sends the request and waits for the whole response.
    pub fn send(self) -> Result<Response> {
        block_on(self.inner.send())?
    }

    /// Streams the body from a [`std::io::Read`] (a file, standard input),
    /// read on a background thread; sent once and never retried, as
    /// [`crate::RequestBuilder::body_stream`].
    pub fn body_reader<R: std::io::Read + Send + 'static>(self, reader: R, len: Option<u64>) -> Self {
        RequestBuilder {
            inner: self.inner.body_stream(read_in_background(reader), len),
        }
    }

    /// Sends the request and returns once the response head has arrived;
    /// read the body through [`std::io::Read`]. See
    /// [`crate::RequestBuilder::send_streaming`].
    pub fn send_streaming(self) -> Result<StreamingResponse> {
        let inner = block_on(self.inner.send_streaming())??;
        Ok(StreamingResponse {
            inner,
            buffer: bytes::Bytes::new(),
        })
    }
}

/// Chunks of a blocking reader, read on their own thread, as a stream.
fn read_in_background<R: std::io::Read + Send + 'static>(
    mut reader: R,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    std::thread::spawn(move || loop {
        let mut buf = vec![0u8; 256 * 1024];
        let item = match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                Ok(bytes::Bytes::from(buf))
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => Err(e),
        };
        let stop = item.is_err();
        if tx.blocking_send(item).is_err() || stop {
            return;
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
}

/// The blocking twin of [`crate::StreamingResponse`]: the body is read
/// through [`std::io::Read`], one chunk at a time.
#[derive(Debug)]
pub struct StreamingResponse {
    inner: crate::StreamingResponse,
    buffer: bytes::Bytes,
}

impl StreamingResponse {
    /// The HTTP status.
    pub fn status(&self) -> http::StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.header(name)
    }

    /// The URL that gave this response.
    pub fn url(&self) -> &url::Url {
        self.inner.url()
    }

    /// The body's length, when announced.
    pub fn content_length(&self) -> Option<u64> {
        self.inner.content_length()
    }

    /// The async response underneath.
    pub fn into_async(self) -> crate::StreamingResponse {
        self.inner
    }
}

impl std::io::Read for StreamingResponse {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.buffer.is_empty() {
            match block_on(self.inner.chunk()).map_err(std::io::Error::other)? {
                Ok(Some(chunk)) => self.buffer = chunk,
                Ok(None) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.buffer.len());
        buf[..n].copy_from_slice(&self.buffer[..n]);
        bytes::Buf::advance(&mut self.buffer, n);
        Ok(n)
    }
}

/// The blocking twin of [`crate::Adapter`]: build the adapter with
/// [`crate::Adapter::builder`] and wrap it.
///
/// ```no_run
/// # fn demo(session: keystoneauth::Session) -> keystoneauth::Result<()> {
/// use keystoneauth::{blocking, Adapter};
/// let compute = blocking::Adapter::from(Adapter::builder(session).service_type("compute").build()?);
/// let servers = compute.get("/servers").send()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Adapter {
    inner: crate::Adapter,
}

impl From<crate::Adapter> for Adapter {
    fn from(inner: crate::Adapter) -> Self {
        Adapter { inner }
    }
}

impl Adapter {
    /// The async adapter underneath.
    pub fn as_async(&self) -> &crate::Adapter {
        &self.inner
    }

    /// Starts a request with the adapter's defaults.
    pub fn request(&self, method: Method, url: impl Into<String>) -> RequestBuilder {
        RequestBuilder {
            inner: self.inner.request(method, url),
        }
    }

    crate::session::method_shortcuts!(RequestBuilder);

    /// The endpoint the adapter's requests go to.
    pub fn endpoint(&self) -> Result<String> {
        block_on(self.inner.endpoint())?
    }

    /// The current token, authenticating first if needed.
    pub fn token(&self) -> Result<Option<SecretString>> {
        block_on(self.inner.token())?
    }

    /// The authenticated user's id.
    pub fn user_id(&self) -> Result<Option<String>> {
        block_on(self.inner.user_id())?
    }

    /// The scoped project's id.
    pub fn project_id(&self) -> Result<Option<String>> {
        block_on(self.inner.project_id())?
    }

    /// Drops the plugin's cached credentials.
    pub fn invalidate(&self) -> bool {
        self.inner.invalidate()
    }
}
