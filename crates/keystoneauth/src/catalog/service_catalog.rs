//! The normalised service catalog and endpoint lookup.

use std::collections::HashMap;
use std::ops::ControlFlow;

use serde_json::Value;

use super::entry::{CatalogEndpoint, CatalogMatch, CatalogService};
use super::filter::{EndpointFilter, Interface};
use super::{parse, service_types};
use crate::error::{Error, Result};

/// Service indices by type, built with the catalog.
#[derive(Debug, Clone, Default)]
struct Index {
    by_type: HashMap<String, Vec<usize>>,
}

impl Index {
    fn build(services: &[CatalogService]) -> Self {
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::with_capacity(services.len());
        for (i, service) in services.iter().enumerate() {
            by_type.entry(service.service_type.clone()).or_default().push(i);
        }
        Index { by_type }
    }
}

/// A token's service catalog, normalised from the v3 or v2.0 format and
/// indexed for lookups.
///
/// Lookups follow keystoneauth1: the service type matches exactly or
/// through the service-types authority as os-service-types does (an
/// official type matches its aliases and an alias matches its official
/// type, but an alias never matches another alias: asking for `volumev2`
/// does not find `volumev3`; see [`service_types::is_match`]). The service
/// type is chosen first and then that type's best interface, in the
/// filter's order of preference. The service name and service id must be
/// equal when both the filter and the catalog give them (a catalog service
/// without a name or id passes, as keystoneauth1 does); the region and the
/// endpoint id must be equal when the filter gives them. See
/// [`ServiceCatalog::endpoints`] for the order of the results.
///
/// ```
/// use keystoneauth::{EndpointFilter, Interface, ServiceCatalog};
/// let catalog = ServiceCatalog::from_v3(&serde_json::json!([{
///     "type": "volumev3", "name": "cinderv3", "id": "c1",
///     "endpoints": [
///         {"id": "e1", "interface": "public", "region_id": "RegionOne", "url": "https://cinder.example/v3/p"},
///         {"id": "e2", "interface": "internal", "region_id": "RegionOne", "url": "http://cinder.internal/v3/p"}
///     ]
/// }]))?;
/// let found = catalog.endpoint(
///     &EndpointFilter::new("block-storage").interfaces([Interface::Internal, Interface::Public]),
/// )?;
/// assert_eq!(found.url(), "http://cinder.internal/v3/p");
/// assert_eq!(found.service.service_type, "volumev3");
/// # Ok::<(), keystoneauth::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServiceCatalog {
    services: Vec<CatalogService>,
    index: Index,
}

impl PartialEq for ServiceCatalog {
    fn eq(&self, other: &Self) -> bool {
        // The index is derived from the services.
        self.services == other.services
    }
}

impl Eq for ServiceCatalog {}

impl From<Vec<CatalogService>> for ServiceCatalog {
    fn from(services: Vec<CatalogService>) -> Self {
        ServiceCatalog::new(services)
    }
}

impl FromIterator<CatalogService> for ServiceCatalog {
    fn from_iter<I: IntoIterator<Item = CatalogService>>(iter: I) -> Self {
        ServiceCatalog::new(iter.into_iter().collect())
    }
}

impl ServiceCatalog {
    /// A catalog of the given services, in this order.
    pub fn new(services: Vec<CatalogService>) -> Self {
        let index = Index::build(&services);
        ServiceCatalog { services, index }
    }

    /// Parses a v3 token's `catalog` array:
    /// `[{"type", "name", "id", "endpoints": [{"id", "interface", "region", "region_id", "url"}]}]`.
    ///
    /// Unknown fields are ignored; an endpoint with an unknown interface is
    /// dropped; one with a `null` or empty `url` is kept but never returned
    /// by lookups. A service without `endpoints` has none.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when the value is not an array, or a
    /// service or endpoint is not an object, or `type`, `interface` or
    /// `url` is missing, or a known field has the wrong JSON type. The
    /// message names the field by its path, such as `catalog[3].type`.
    pub fn from_v3(catalog: &Value) -> Result<Self> {
        parse::v3(catalog).map(ServiceCatalog::new)
    }

    /// Parses a v2.0 token's `access.serviceCatalog` array:
    /// `[{"type", "name", "endpoints": [{"id", "region", "publicURL", "internalURL", "adminURL"}]}]`.
    ///
    /// Each endpoint entry becomes up to three endpoints, one for each of
    /// `publicURL`, `internalURL` and `adminURL` present. Unknown fields
    /// (`tenantId`, `endpoints_links`...) are ignored; a `null` or empty URL
    /// is kept but never returned by lookups.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when the value is not an array, or a
    /// service or endpoint entry is not an object, or `type` is missing, or
    /// a known field has the wrong JSON type. The message names the field
    /// by its path, such as `serviceCatalog[0].endpoints[1].publicURL`.
    pub fn from_v2(service_catalog: &Value) -> Result<Self> {
        parse::v2(service_catalog).map(ServiceCatalog::new)
    }

    /// The services, in catalog order.
    pub fn services(&self) -> &[CatalogService] {
        &self.services
    }

    /// True if the catalog has no services at all.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The best endpoint for a filter: the first of
    /// [`ServiceCatalog::endpoints`]. Does not allocate unless it fails.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyCatalog`] when the catalog has no services at all,
    /// [`Error::EndpointNotFound`] (naming the filter) when nothing matches.
    pub fn endpoint(&self, filter: &EndpointFilter) -> Result<CatalogMatch<'_>> {
        if self.services.is_empty() {
            return Err(Error::EmptyCatalog);
        }
        let mut found = None;
        self.visit(filter, |m| {
            found = Some(m);
            ControlFlow::Break(())
        });
        found.ok_or_else(|| Error::endpoint_not_found(filter.to_string()))
    }

    /// The endpoints matching a filter, best first (keystoneauth1's
    /// `get_endpoint_data_list`).
    ///
    /// With a service type, one type is chosen: the requested type itself
    /// if it has a matching endpoint, else the first type of its family in
    /// the authority's order (official type first, then the aliases) that
    /// has one, among the types that match the request. Within that type,
    /// the first of the filter's interfaces (public when it gives none)
    /// that has a matching endpoint is chosen, and the result is every
    /// matching endpoint of that type and interface, in catalog order.
    ///
    /// Without a service type, the same is done for every type of the
    /// catalog, in the order each type first appears, and the results are
    /// joined. Endpoints without a URL are skipped.
    pub fn endpoints(&self, filter: &EndpointFilter) -> Vec<CatalogMatch<'_>> {
        let mut found = Vec::new();
        self.visit(filter, |m| {
            found.push(m);
            ControlFlow::Continue(())
        });
        found
    }

    /// The services of a type that pass the filter's name and id checks.
    fn services_of<'a: 'f, 'f>(
        &'a self,
        service_type: &str,
        filter: &'f EndpointFilter,
    ) -> impl Iterator<Item = &'a CatalogService> + 'f {
        let indices = self
            .index
            .by_type
            .get(service_type)
            .map(Vec::as_slice)
            .unwrap_or_default();
        indices
            .iter()
            .filter_map(|&i| self.services.get(i))
            .filter(move |s| service_passes(s, filter))
    }

    /// The matching endpoints of one type for one interface, in catalog order.
    fn type_endpoints<'a: 'f, 'f>(
        &'a self,
        service_type: &str,
        interface: Interface,
        filter: &'f EndpointFilter,
    ) -> impl Iterator<Item = CatalogMatch<'a>> + 'f {
        self.services_of(service_type, filter).flat_map(move |service| {
            service
                .endpoints
                .iter()
                .filter(move |e| e.interface == interface && endpoint_passes(e, filter))
                .map(move |endpoint| CatalogMatch { service, endpoint })
        })
    }

    /// The first of the filter's interfaces for which a type has a
    /// matching endpoint.
    fn best_interface(&self, service_type: &str, filter: &EndpointFilter) -> Option<Interface> {
        filter
            .effective_interfaces()
            .iter()
            .copied()
            .find(|&i| self.type_endpoints(service_type, i, filter).next().is_some())
    }

    /// Calls `f` with each match of one type's best interface until it
    /// breaks; false if there was none.
    fn visit_type<'a>(
        &'a self,
        service_type: &str,
        filter: &EndpointFilter,
        f: &mut impl FnMut(CatalogMatch<'a>) -> ControlFlow<()>,
    ) -> ControlFlow<(), bool> {
        let Some(interface) = self.best_interface(service_type, filter) else {
            return ControlFlow::Continue(false);
        };
        for m in self.type_endpoints(service_type, interface, filter) {
            f(m)?;
        }
        ControlFlow::Continue(true)
    }

    /// Calls `f` with each match in order until it breaks. Allocation-free.
    fn visit<'a>(&'a self, filter: &EndpointFilter, mut f: impl FnMut(CatalogMatch<'a>) -> ControlFlow<()>) {
        match filter.service_type.as_deref() {
            None => {
                // Every type, in the order each first appears.
                for (i, service) in self.services.iter().enumerate() {
                    let first = self.index.by_type.get(&service.service_type).and_then(|v| v.first()) == Some(&i);
                    if first && self.visit_type(&service.service_type, filter, &mut f).is_break() {
                        return;
                    }
                }
            }
            Some(requested) => {
                let family = service_types::family(requested);
                let order = std::iter::once(requested).chain(family.iter().copied().filter(|t| *t != requested));
                for t in order.filter(|t| service_types::is_match(requested, t)) {
                    match self.visit_type(t, filter, &mut f) {
                        ControlFlow::Continue(false) => continue,
                        ControlFlow::Continue(true) | ControlFlow::Break(()) => return,
                    }
                }
            }
        }
    }
}

/// keystoneauth1's service checks: a name or id in the filter must equal
/// the service's, unless the catalog gives the service none (v2 catalogs
/// have no service ids, and old ones no names).
fn service_passes(service: &CatalogService, filter: &EndpointFilter) -> bool {
    let differs = |wanted: Option<&str>, have: Option<&str>| match (wanted, have) {
        (Some(w), Some(h)) if !h.is_empty() => w != h,
        _ => false,
    };
    !differs(filter.service_name.as_deref(), service.name.as_deref())
        && !differs(filter.service_id.as_deref(), service.id.as_deref())
}

/// The endpoint checks: a URL, and the region and endpoint id when the
/// filter gives them.
fn endpoint_passes(endpoint: &CatalogEndpoint, filter: &EndpointFilter) -> bool {
    !endpoint.url.is_empty()
        && filter
            .region_name
            .as_deref()
            .is_none_or(|r| endpoint.region.as_deref() == Some(r))
        && filter
            .endpoint_id
            .as_deref()
            .is_none_or(|id| endpoint.id.as_deref() == Some(id))
}
