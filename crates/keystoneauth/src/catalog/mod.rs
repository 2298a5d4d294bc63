//! The service catalog and the filters that select an endpoint from it.
//!
//! - [`ServiceCatalog`]: a token's catalog, parsed from the v3 or v2.0
//!   format, with [`ServiceCatalog::endpoint`] lookups by
//!   [`EndpointFilter`].
//! - [`service_types`]: the OpenStack service-types authority (official
//!   types and their aliases), which lookups use to match `block-storage`
//!   with `volumev3` and the like.

mod entry;
mod filter;
mod parse;
mod service_catalog;
pub mod service_types;
#[cfg(test)]
mod tests;

pub use entry::{CatalogEndpoint, CatalogMatch, CatalogService};
pub use filter::{EndpointFilter, Interface};
pub use service_catalog::ServiceCatalog;
