//! One builder for both integrations.

use super::{Core, Options};
use crate::catalog::Interface;
use crate::error::Result;
use crate::session::Session;

/// Settings for a [`KeystoneAuthMiddleware`](super::KeystoneAuthMiddleware)
/// or a [`KeystoneAuthLayer`](super::KeystoneAuthLayer): which endpoints
/// `openstack://` URLs resolve to.
///
/// ```
/// # fn demo(session: keystoneauth::Session) -> keystoneauth::Result<()> {
/// use keystoneauth::{middleware::Builder, Interface};
/// let builder = Builder::new(session)
///     .interface(Interface::Internal)
///     .region_name("RegionOne")
///     .service_type("compute");
/// # let _ = builder; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    session: Session,
    options: Options,
}

impl Builder {
    /// Settings for a session that has an auth plugin.
    pub fn new(session: Session) -> Self {
        Builder {
            session,
            options: Options::default(),
        }
    }

    /// The catalog interface for `openstack://` URLs (default: the catalog
    /// filter's default, `public`).
    pub fn interface(mut self, interface: Interface) -> Self {
        self.options.interface = Some(interface);
        self
    }

    /// The region for `openstack://` URLs.
    pub fn region_name(mut self, region: impl Into<String>) -> Self {
        self.options.region = Some(region.into());
        self
    }

    /// The service a bare path (`/servers`) resolves through, for stacks
    /// whose requests carry relative URIs.
    pub fn service_type(mut self, service_type: impl Into<String>) -> Self {
        self.options.default_service = Some(service_type.into());
        self
    }

    pub(super) fn core(self) -> Result<Core> {
        Core::new(self.session, self.options)
    }

    /// The reqwest middleware.
    ///
    /// # Errors
    ///
    /// [`Error::MissingAuthPlugin`](crate::Error::MissingAuthPlugin) when
    /// the session has no auth plugin.
    #[cfg(feature = "reqwest-middleware")]
    #[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
    pub fn build_middleware(self) -> Result<super::KeystoneAuthMiddleware> {
        Ok(super::KeystoneAuthMiddleware::from_core(self.core()?))
    }

    /// The tower layer.
    ///
    /// # Errors
    ///
    /// [`Error::MissingAuthPlugin`](crate::Error::MissingAuthPlugin) when
    /// the session has no auth plugin.
    #[cfg(feature = "tower")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
    pub fn build_layer(self) -> Result<super::KeystoneAuthLayer> {
        Ok(super::KeystoneAuthLayer::from_core(self.core()?))
    }
}
