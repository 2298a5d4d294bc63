//! # keystoneauth
//!
//! OpenStack authentication and the shared HTTP session for Rust: the
//! counterpart of Python's `keystoneauth1`.
//!
//! Every OpenStack client needs the same layer: get a token, keep it fresh,
//! find the right endpoint in the service catalog, speak TLS correctly,
//! retry sanely, and never leak a secret. keystoneauth does it once:
//!
//! - [`Session`]: one connection pool with TLS (CA bundle, `insecure`,
//!   client certificate), timeouts, user agent, redirects that never carry
//!   a token to another host, safe retries, redacted logging and optional
//!   timing, plus an optional default [`AuthPlugin`]. Many clients share one
//!   session and so one token.
//! - Auth plugins: [`token_endpoint::Token`] (also what the `admin_token`
//!   loader builds), [`NoAuth`], [`HttpBasic`], the Keystone plugins in
//!   [`identity`] (password, token,
//!   application credential, TOTP, multi-factor with auth receipts,
//!   tokenless, OpenID Connect, OAuth2, OAuth1, browser single sign-on,
//!   Kerberos with the `kerberos` feature), [`ServiceToken`] to add a service's
//!   token to a user's, and any plugin a third-party crate implements.
//! - [`ServiceCatalog`] and [`EndpointFilter`]: v2 and v3 catalogs, service
//!   type aliases, interface preference lists, regions.
//! - Discovery: [`EndpointData`], [`ApiVersion`], [`DiscoveryCache`];
//!   version documents and microversion headers in [`discovery`].
//! - [`Adapter`]: a session bound to one service with its defaults.
//! - [`loading`]: plugins, sessions and adapters from INI files, the command
//!   line, `OS_*` variables and clouds.yaml, with keystoneauth1's names.
//! - [`TokenCache`]: tokens reused across processes.
//! - [`blocking`]: the same API for programs without an async runtime.
//! - Lower-level namespaces, for client and plugin authors: [`discovery`]
//!   (version documents, microversions), [`transport`] (the HTTP layer,
//!   its limits and constants), [`version`] (version matching) and
//!   [`redact`] (masking secrets the way the library's logs do).
//! - `fixture` (cargo feature `fixture`): token and discovery builders and
//!   an in-process mock cloud, for testing clients without a cloud.
//!
//! ## Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use keystoneauth::{token_endpoint, EndpointFilter, Session};
//!
//! # async fn demo() -> keystoneauth::Result<()> {
//! let plugin = token_endpoint::Token::new("http://127.0.0.1:8774/v2.1", "a-token")?;
//! let session = Session::builder()
//!     .auth(Arc::new(plugin))
//!     .timeout(std::time::Duration::from_secs(30))
//!     .build()?;
//!
//! // Relative paths resolve through the plugin's endpoint for the filter.
//! let response = session
//!     .get("/servers")
//!     .endpoint_filter(EndpointFilter::new("compute"))
//!     .send()
//!     .await?;
//! let servers: serde_json::Value = response.json()?;
//!
//! // An error status is a typed error with the server's message.
//! match session.get("/servers/nope").endpoint_filter(EndpointFilter::new("compute")).send().await {
//!     Err(e) if e.is_not_found() => println!("not found: {e}"),
//!     other => { other?; }
//! }
//! # Ok(()) }
//! ```
//!
//! ## Cargo features
//!
//! | Feature | Default | What it adds |
//! |---|---|---|
//! | `blocking` | yes | [`blocking`]: the same API for programs without an async runtime |
//! | `cli` | yes | `loading::cli`: `--os-*` options with clap |
//! | `prompt` | yes | asking for a missing password on the terminal, without echo, when the application opts in |
//! | `fixture` | no | `fixture`: token and discovery builders and an in-process mock cloud, for client tests |
//! | `reqwest-middleware` | no | `middleware::KeystoneAuthMiddleware` for `reqwest_middleware` clients |
//! | `tower` | no | `middleware::KeystoneAuthLayer`, a `tower` layer for any `Service<http::Request<B>>` |
//! | `redis` | no | `RedisTokenStore`: tokens shared by a fleet of hosts through Redis, encrypted |
//! | `kerberos` | no | `identity::v3::{Kerberos, MappedKerberos}` (`v3kerberos`, `v3fedkerb`) with the system's GSSAPI |
//!
//! Only `kerberos` needs a system library (the GSSAPI of MIT Kerberos or
//! Heimdal; building needs its development files and libclang). TLS is
//! rustls with the platform's root certificates.
//!
//! ## Logging
//!
//! Requests and responses are logged with [`tracing`] at debug level under
//! the target `keystoneauth::session`, in curl form. Token headers appear as
//! `{SHA256}<hex>`, secret values in JSON and form bodies as `***`.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(rust_2018_idioms)]

mod access;
mod adapter;
mod auth;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod catalog;
pub mod discovery;
mod error;
#[cfg(feature = "fixture")]
#[cfg_attr(docsrs, doc(cfg(feature = "fixture")))]
pub mod fixture;
pub mod identity;
pub mod loading;
mod masked_url;
#[cfg(any(feature = "reqwest-middleware", feature = "tower"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "reqwest-middleware", feature = "tower"))))]
pub mod middleware;
pub mod redact;
mod session;
mod token_cache;
pub mod transport;
pub mod version;

pub use access::{
    AccessInfo, ApplicationCredentialInfo, DomainRef, EntityInfo, EntityRef, IdentityVersion, OAuth1Info, ProjectInfo,
    RoleRef, ServiceProviderInfo, TrustInfo, UserInfo,
};
pub use adapter::{Adapter, AdapterBuilder};

pub use auth::{
    AuthPlugin, ConnectionParams, HttpBasic, NoAuth, PreparedAuth, ServiceToken, AUTH_TOKEN_HEADER, MAX_JOINED_PATHS,
    MAX_PREPARED_ENDPOINTS, SERVICE_TOKEN_HEADER,
};
pub use catalog::{
    service_types, CatalogEndpoint, CatalogMatch, CatalogService, EndpointFilter, Interface, ServiceCatalog,
};
pub use discovery::{DiscoveryCache, EndpointData};
pub use error::{BoxError, Error, HttpError, HttpErrorKind, Result, SharedError};
pub use masked_url::MaskedUrl;
pub use session::{RequestBuilder, Session, SessionBuilder};
pub use token_cache::{FileTokenStore, LockRelease, StoreLock, TokenCache, TokenStore};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use token_cache::{RedisTokenStore, RedisTokenStoreBuilder};
pub use transport::{
    ClientIdentity, HttpRequest, RedirectPolicy, RequestTiming, Response, RetryPolicy, StreamingResponse, TlsVersion,
    Transport, UserAgentItem,
};
pub use version::{AllowedStatuses, ApiVersion, ParseVersionError, VersionRange, VersionStatus};

/// A fixed endpoint and token, with no identity service
/// (keystoneauth1's `token_endpoint`).
pub mod token_endpoint {
    pub use crate::auth::token_endpoint::Token;
}

/// This library's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// Re-exported so that plugin implementors use the same versions.
pub use async_trait::async_trait;
pub use http;
pub use secrecy;
pub use url;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// The client-testing chapter's example, compiled and run as a doctest.
#[cfg(all(doctest, feature = "fixture"))]
#[doc = include_str!("../../../docs/testing-clients.md")]
pub struct TestingClientsDoctests;
