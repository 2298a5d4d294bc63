//! Endpoint filters: which service, interface and region a request wants.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::version::{AllowedStatuses, ApiVersion};

/// An endpoint interface, in the v3 catalog's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interface {
    /// `public` (v2: `publicURL`), the default.
    Public,
    /// `internal` (v2: `internalURL`).
    Internal,
    /// `admin` (v2: `adminURL`).
    Admin,
}

impl Interface {
    /// All interfaces, in keystoneauth1's order.
    pub const ALL: [Interface; 3] = [Interface::Public, Interface::Internal, Interface::Admin];

    /// The v3 name: `public`, `internal` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }

    /// The v2 catalog key: `publicURL`, `internalURL` or `adminURL`.
    pub fn v2_key(self) -> &'static str {
        match self {
            Interface::Public => "publicURL",
            Interface::Internal => "internalURL",
            Interface::Admin => "adminURL",
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Interface {
    type Err = Error;

    /// Accepts `public`, `internal`, `admin` and the v2 forms `publicURL`,
    /// `internalURL`, `adminURL`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let base = lower.strip_suffix("url").unwrap_or(&lower);
        match base {
            "public" => Ok(Interface::Public),
            "internal" => Ok(Interface::Internal),
            "admin" => Ok(Interface::Admin),
            _ => Err(Error::invalid_option(
                "interface",
                format!("{s:?} is not one of public, internal, admin (or publicURL, internalURL, adminURL)"),
            )),
        }
    }
}

/// What a request wants from the service catalog.
///
/// Keys an auth plugin does not understand are ignored by it; the
/// `token_endpoint` plugin ignores all of them.
///
/// ```
/// use keystoneauth::{EndpointFilter, Interface};
/// let filter = EndpointFilter::new("compute")
///     .interfaces([Interface::Internal, Interface::Public])
///     .region_name("RegionTwo");
/// assert_eq!(filter.to_string(), "service_type=compute, interface=internal,public, region_name=RegionTwo");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct EndpointFilter {
    /// The service type (`identity`, `compute`, `block-storage`...).
    pub service_type: Option<String>,
    /// The service's name in the catalog (`nova`, `cinderv3`...).
    pub service_name: Option<String>,
    /// The service's id in the catalog.
    pub service_id: Option<String>,
    /// The endpoint's id in the catalog.
    pub endpoint_id: Option<String>,
    /// The interfaces acceptable, most preferred first. Empty means public.
    pub interfaces: Vec<Interface>,
    /// The region.
    pub region_name: Option<String>,
    /// The API version wanted (`version=X` means X up to X.latest);
    /// a request with a version resolves its URL through discovery.
    pub version: Option<ApiVersion>,
    /// The lowest acceptable API version.
    pub min_version: Option<ApiVersion>,
    /// The highest acceptable API version.
    pub max_version: Option<ApiVersion>,
    /// Which version statuses discovery may choose.
    pub allow: AllowedStatuses,
    /// Whether discovery may try the unversioned root of a versioned
    /// catalog URL (`None` means yes).
    pub allow_version_hack: Option<bool>,
}

impl EndpointFilter {
    /// A filter for a service type.
    pub fn new(service_type: impl Into<String>) -> Self {
        EndpointFilter {
            service_type: Some(service_type.into()),
            ..Default::default()
        }
    }

    /// Sets the service type.
    pub fn service_type(mut self, service_type: impl Into<String>) -> Self {
        self.service_type = Some(service_type.into());
        self
    }

    /// Sets the service name.
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Sets the service id.
    pub fn service_id(mut self, id: impl Into<String>) -> Self {
        self.service_id = Some(id.into());
        self
    }

    /// Sets the endpoint id (keystoneauth1's `endpoint_id`).
    pub fn endpoint_id(mut self, id: impl Into<String>) -> Self {
        self.endpoint_id = Some(id.into());
        self
    }

    /// Sets one interface.
    pub fn interface(mut self, interface: Interface) -> Self {
        self.interfaces = vec![interface];
        self
    }

    /// Sets the acceptable interfaces, most preferred first.
    pub fn interfaces(mut self, interfaces: impl IntoIterator<Item = Interface>) -> Self {
        self.interfaces = interfaces.into_iter().collect();
        self
    }

    /// Sets the region.
    pub fn region_name(mut self, region: impl Into<String>) -> Self {
        self.region_name = Some(region.into());
        self
    }

    /// Asks for an API version (X up to X.latest).
    pub fn version(mut self, version: ApiVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// Asks for at least this API version.
    pub fn min_version(mut self, version: ApiVersion) -> Self {
        self.min_version = Some(version);
        self
    }

    /// Asks for at most this API version.
    pub fn max_version(mut self, version: ApiVersion) -> Self {
        self.max_version = Some(version);
        self
    }

    /// Lets discovery choose experimental versions.
    pub fn allow_experimental(mut self, allow: bool) -> Self {
        self.allow.experimental = allow;
        self
    }

    /// Lets discovery choose deprecated versions (default true).
    pub fn allow_deprecated(mut self, allow: bool) -> Self {
        self.allow.deprecated = allow;
        self
    }

    /// Lets discovery choose versions with an unknown status.
    pub fn allow_unknown(mut self, allow: bool) -> Self {
        self.allow.unknown = allow;
        self
    }

    /// Whether discovery may try the unversioned root of a versioned
    /// catalog URL (default true).
    pub fn allow_version_hack(mut self, allow: bool) -> Self {
        self.allow_version_hack = Some(allow);
        self
    }

    /// True when the filter asks for a version, so its URL comes from
    /// version discovery.
    pub fn has_version_request(&self) -> bool {
        self.version.is_some() || self.min_version.is_some() || self.max_version.is_some()
    }

    /// The interfaces to try, in order (public when none was given).
    pub fn effective_interfaces(&self) -> &[Interface] {
        if self.interfaces.is_empty() {
            &[Interface::Public]
        } else {
            &self.interfaces
        }
    }
}

impl fmt::Display for EndpointFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(v) = &self.service_type {
            parts.push(format!("service_type={v}"));
        }
        if let Some(v) = &self.service_name {
            parts.push(format!("service_name={v}"));
        }
        if let Some(v) = &self.service_id {
            parts.push(format!("service_id={v}"));
        }
        if let Some(v) = &self.endpoint_id {
            parts.push(format!("endpoint_id={v}"));
        }
        let interfaces: Vec<&str> = self.effective_interfaces().iter().map(|i| i.as_str()).collect();
        parts.push(format!("interface={}", interfaces.join(",")));
        if let Some(v) = &self.region_name {
            parts.push(format!("region_name={v}"));
        }
        for (name, v) in [
            ("version", &self.version),
            ("min_version", &self.min_version),
            ("max_version", &self.max_version),
        ] {
            if let Some(v) = v {
                parts.push(format!("{name}={v}"));
            }
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_parse_v2_and_v3_names() {
        for (s, i) in [
            ("public", Interface::Public),
            ("publicURL", Interface::Public),
            ("Internal", Interface::Internal),
            ("internalURL", Interface::Internal),
            ("admin", Interface::Admin),
            ("adminURL", Interface::Admin),
        ] {
            assert_eq!(s.parse::<Interface>().unwrap(), i);
        }
        let err = "private".parse::<Interface>().unwrap_err().to_string();
        assert!(
            err.contains("\"private\"") && err.contains("public, internal, admin"),
            "{err}"
        );
    }

    #[test]
    fn default_interface_is_public() {
        assert_eq!(
            EndpointFilter::new("compute").effective_interfaces(),
            &[Interface::Public]
        );
    }
}
