//! The service catalog and the filters that select an endpoint from it.

mod filter;

pub use filter::{EndpointFilter, Interface};
