//! The entries of a normalised catalog: services, their endpoints, and
//! what a lookup returns.

use super::filter::Interface;

/// One endpoint of a catalog service.
///
/// A v2.0 endpoint entry with `publicURL`, `internalURL` and `adminURL`
/// becomes three of these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CatalogEndpoint {
    /// The endpoint's id (v3; v2.0 entries sometimes have one too).
    pub id: Option<String>,
    /// The interface it serves.
    pub interface: Interface,
    /// The region: v3 `region_id`, else `region`; v2.0 `region`.
    pub region: Option<String>,
    /// The URL. Empty when the catalog gave `null` or `""`: such an
    /// endpoint is kept here but never returned by a lookup.
    pub url: String,
}

impl CatalogEndpoint {
    /// An endpoint for an interface and URL, without id or region.
    pub fn new(interface: Interface, url: impl Into<String>) -> Self {
        CatalogEndpoint {
            id: None,
            interface,
            region: None,
            url: url.into(),
        }
    }

    /// Sets the endpoint id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// True if the endpoint has a URL, so lookups can return it.
    pub fn has_url(&self) -> bool {
        !self.url.is_empty()
    }
}

/// One service of the catalog, with its endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CatalogService {
    /// The service type as the catalog spells it (`compute`, `volumev3`...).
    pub service_type: String,
    /// The service's name (`nova`, `cinderv3`...), if the catalog gives one.
    pub name: Option<String>,
    /// The service's id (v3 only).
    pub id: Option<String>,
    /// The endpoints, in catalog order.
    pub endpoints: Vec<CatalogEndpoint>,
}

impl CatalogService {
    /// A service of a type, without name, id or endpoints.
    pub fn new(service_type: impl Into<String>) -> Self {
        CatalogService {
            service_type: service_type.into(),
            name: None,
            id: None,
            endpoints: Vec::new(),
        }
    }

    /// Sets the service name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the service id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Adds an endpoint.
    pub fn with_endpoint(mut self, endpoint: CatalogEndpoint) -> Self {
        self.endpoints.push(endpoint);
        self
    }
}

/// An endpoint found by a lookup, with the service it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogMatch<'a> {
    /// The service.
    pub service: &'a CatalogService,
    /// The endpoint (its URL is never empty).
    pub endpoint: &'a CatalogEndpoint,
}

impl<'a> CatalogMatch<'a> {
    /// The endpoint's URL.
    pub fn url(&self) -> &'a str {
        &self.endpoint.url
    }
}
