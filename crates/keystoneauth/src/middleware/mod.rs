//! Keystone authentication for HTTP stacks the application already has:
//! a [`reqwest_middleware`] middleware (feature `reqwest-middleware`) and a
//! [`tower`](https://docs.rs/tower) layer (feature `tower`).
//!
//! Both wrap a [`Session`] and its auth plugin, so they share its token
//! (re-authenticated on expiry, single-flight, and once more after a
//! `401`), its catalog and its discovery cache with every other user of
//! the session. A request names its target in one of three ways:
//!
//! - `openstack://<service-type>/<path>`: the path is joined to the
//!   service's endpoint from the catalog (interface and region as
//!   configured), the way keystoneauth1 joins a relative URL to an
//!   endpoint filter's endpoint. Aliases resolve as in the catalog
//!   (`openstack://block-storage/...` finds `volumev3`).
//! - A path alone (tower only, as `http::Uri`s may be relative), for the
//!   layer's default service type.
//! - An absolute `http(s)://` URL: sent as is, with the token only when its
//!   origin (scheme, host, port) is one of the catalog's endpoints. A token
//!   never goes to an origin the catalog does not name.
//!
//! Redirects are the HTTP stack's business, not the middleware's: see
//! [`redirect_policy`] for reqwest, and put tower-http's `FollowRedirect`
//! *outside* the layer so that each hop is checked against the catalog.

#[cfg(feature = "reqwest-middleware")]
mod reqwest_mw;
#[cfg(feature = "tower")]
mod tower_layer;

mod builder;

pub use builder::Builder;
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use reqwest_mw::{redirect_policy, KeystoneAuthMiddleware};
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use tower_layer::{KeystoneAuth, KeystoneAuthFuture, KeystoneAuthLayer};

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use http::HeaderMap;
use url::{Origin, Url};

use crate::access::AccessInfo;
use crate::auth::AuthPlugin;
use crate::catalog::{EndpointFilter, Interface};
use crate::error::{Error, Result};
use crate::session::{join_url, Session};

/// The URL scheme that names a catalog service: `openstack://compute/servers`.
pub const SCHEME: &str = "openstack";

/// Where a request goes, and whether it carries the token.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) url: Url,
    pub(crate) authenticated: bool,
}

/// What both integrations share: the session, the plugin and the filter
/// settings, and the catalog's origins for the current token.
#[derive(Clone)]
pub(crate) struct Core {
    inner: Arc<CoreInner>,
}

struct CoreInner {
    session: Session,
    plugin: Arc<dyn AuthPlugin>,
    interface: Option<Interface>,
    region: Option<String>,
    default_service: Option<String>,
    /// The catalog's origins, computed once per token (keyed by the
    /// `AccessInfo` they came from).
    origins: Mutex<Option<(Arc<AccessInfo>, Origins)>>,
}

/// The origins (scheme, host, port) of a catalog's endpoints.
type Origins = Arc<HashSet<Origin>>;

/// Settings shared by both builders.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub(crate) interface: Option<Interface>,
    pub(crate) region: Option<String>,
    pub(crate) default_service: Option<String>,
}

impl Core {
    /// A core for a session; the session must have an auth plugin.
    pub(crate) fn new(session: Session, options: Options) -> Result<Self> {
        let plugin = session
            .auth()
            .cloned()
            .ok_or(Error::missing_auth_plugin("authenticate requests in a middleware"))?;
        Ok(Core {
            inner: Arc::new(CoreInner {
                session,
                plugin,
                interface: options.interface,
                region: options.region,
                default_service: options.default_service,
                origins: Mutex::new(None),
            }),
        })
    }

    /// Resolves a request URL: `openstack://type/path`, a path (with a
    /// default service) or an absolute URL.
    pub(crate) async fn target(&self, url: &str) -> Result<Target> {
        if url.starts_with('/') {
            let service = self
                .inner
                .default_service
                .as_deref()
                .ok_or_else(|| Error::relative_url(crate::redact::url_str(url)))?;
            return self.catalog_target(service, url).await;
        }
        let parsed = Url::parse(url).map_err(|e| Error::invalid_url(url, e))?;
        match parsed.scheme() {
            SCHEME => {
                let service = parsed.host_str().unwrap_or_default().to_owned();
                if service.is_empty() {
                    return Err(Error::invalid_url(
                        url,
                        "an openstack:// URL names a service type as its host",
                    ));
                }
                let mut path = parsed.path().to_owned();
                if let Some(query) = parsed.query() {
                    path.push('?');
                    path.push_str(query);
                }
                self.catalog_target(&service, &path).await
            }
            "http" | "https" => {
                let authenticated = self.catalog_origins().await?.contains(&parsed.origin());
                Ok(Target {
                    url: parsed,
                    authenticated,
                })
            }
            _ => Err(Error::invalid_url(
                url,
                "only http, https and openstack URLs are supported",
            )),
        }
    }

    async fn catalog_target(&self, service: &str, path: &str) -> Result<Target> {
        let mut filter = EndpointFilter::new(service);
        if let Some(interface) = &self.inner.interface {
            filter = filter.interface(*interface);
        }
        if let Some(region) = &self.inner.region {
            filter = filter.region_name(region.clone());
        }
        let endpoint = self.inner.session.endpoint(&filter, Some(&self.inner.plugin)).await?;
        let joined = join_url(&endpoint, path);
        let url = Url::parse(&joined).map_err(|e| Error::invalid_url(&joined, e))?;
        Ok(Target {
            url,
            authenticated: true,
        })
    }

    /// The origins of every endpoint in the current token's catalog.
    async fn catalog_origins(&self) -> Result<Origins> {
        let transport = self.inner.session.transport_for(Some(&self.inner.plugin))?;
        let Some(access) = self.inner.plugin.access_info(&transport).await? else {
            return Ok(Arc::default());
        };
        let mut cached = self
            .inner
            .origins
            .lock()
            .map_err(|_| Error::invalid_request("the middleware's origin cache is unusable"))?;
        if let Some((seen, origins)) = cached.as_ref() {
            if Arc::ptr_eq(seen, &access) {
                return Ok(origins.clone());
            }
        }
        let mut origins = HashSet::new();
        for service in access.catalog().services() {
            for endpoint in &service.endpoints {
                if let Ok(url) = Url::parse(&endpoint.url) {
                    origins.insert(url.origin());
                }
            }
        }
        let origins = Arc::new(origins);
        *cached = Some((access, origins.clone()));
        Ok(origins)
    }

    /// The plugin's headers for a request (the token, and a service token
    /// when the plugin adds one).
    pub(crate) async fn auth_headers(&self) -> Result<HeaderMap> {
        let transport = self.inner.session.transport_for(Some(&self.inner.plugin))?;
        self.inner.plugin.headers(&transport).await
    }

    /// After a `401`: drops the token if it is the one that was sent, so
    /// that many requests rejected at once cause one re-authentication.
    pub(crate) fn rejected(&self, sent: &HeaderMap) {
        self.inner.plugin.invalidate_rejected(sent);
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("interface", &self.inner.interface)
            .field("region", &self.inner.region)
            .field("default_service", &self.inner.default_service)
            .finish_non_exhaustive()
    }
}

/// Sets the plugin's headers on a request's headers, replacing any the
/// caller set with the same names.
pub(crate) fn insert_auth(headers: &mut HeaderMap, auth: &HeaderMap) {
    for (name, value) in auth {
        headers.insert(name.clone(), value.clone());
    }
}
