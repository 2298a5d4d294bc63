//! Version discovery: what API versions a service offers, where, and with
//! which microversions (keystoneauth1's `discover` module).
//!
//! - [`Discovered`]: a parsed version document, whichever shape the service
//!   returns (`{"versions": {"values": [...]}}`, `{"versions": [...]}`,
//!   `{"version": {...}}`, or a bare version with its microversion range in
//!   headers); a list (Swift's root) or a non-JSON body is an error.
//! - [`EndpointData`]: a catalog endpoint plus the chosen version URL and
//!   microversion range, found by keystoneauth1's algorithm.
//! - [`DiscoveryCache`]: fetched documents, shared and single-flight.
//! - Microversion headers and negotiation.

mod cache;
mod document;
mod endpoint_data;
mod microversion;

pub use cache::DiscoveryCache;
pub use document::{Discovered, VersionData};
pub use endpoint_data::{
    fetch_discovery, implied_version, normalize_for_service, version_from_url, CredentialSource, DiscoveryContext,
    DiscoveryOptions, EndpointData, ServiceVersions,
};
pub use microversion::{microversion_service_type, negotiate_microversion, set_microversion_headers};
