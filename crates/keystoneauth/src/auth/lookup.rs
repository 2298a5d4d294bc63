//! Endpoint lookups from a token's catalog: what [`AuthPlugin`]'s default
//! `endpoint_data` and `all_version_data` do for plugins that have access
//! info (keystoneauth1's `BaseIdentityPlugin`), with the token as the
//! discovery credentials.
//!
//! [`AuthPlugin`]: super::AuthPlugin

use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;

use crate::access::AccessInfo;
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::transport::Transport;

/// Credentials from a token already in hand.
struct TokenCredentials(Arc<AccessInfo>);

#[async_trait]
impl crate::discovery::CredentialSource for TokenCredentials {
    async fn credentials(&self) -> Result<HeaderMap> {
        super::token_headers(self.0.token())
    }
}

/// Endpoint data from a token's catalog, with discovery when asked.
pub(super) async fn endpoint_data_from(
    access: Arc<AccessInfo>,
    transport: &Transport,
    cache: &crate::discovery::DiscoveryCache,
    filter: &EndpointFilter,
    discover_versions: bool,
) -> Result<Option<crate::discovery::EndpointData>> {
    let data = crate::discovery::EndpointData::from_catalog(access.catalog().endpoint(filter)?);
    let project_id = access.project_id().map(str::to_owned);
    let credentials = TokenCredentials(access);
    let ctx = crate::discovery::DiscoveryContext {
        transport,
        cache,
        credentials: Some(&credentials),
    };
    data.resolve_for(ctx, filter, discover_versions, project_id)
        .await
        .map(Some)
}

/// The versions of every catalog endpoint matching the filter.
pub(super) async fn all_version_data_from(
    access: Arc<AccessInfo>,
    transport: &Transport,
    cache: &crate::discovery::DiscoveryCache,
    filter: &EndpointFilter,
) -> Result<Vec<crate::discovery::ServiceVersions>> {
    let opts = crate::discovery::DiscoveryOptions {
        project_id: access.project_id().map(str::to_owned),
        allow: filter.allow,
        ..Default::default()
    };
    // Each interface is looked up on its own: with every interface listed
    // this is keystoneauth1's get_all_version_data(interface=None), which
    // reports every interface, not only the best one.
    let matches: Vec<crate::discovery::EndpointData> = filter
        .effective_interfaces()
        .iter()
        .enumerate()
        .filter(|(i, interface)| {
            !filter
                .effective_interfaces()
                .get(..*i)
                .is_some_and(|earlier| earlier.contains(interface))
        })
        .flat_map(|(_, &interface)| access.catalog().endpoints(&filter.clone().interface(interface)))
        .map(crate::discovery::EndpointData::from_catalog)
        .collect();
    let credentials = TokenCredentials(access);
    let ctx = crate::discovery::DiscoveryContext {
        transport,
        cache,
        credentials: Some(&credentials),
    };
    let mut out = Vec::with_capacity(matches.len());
    for data in matches {
        let versions = data.all_version_data(ctx, &opts).await;
        out.push(crate::discovery::ServiceVersions {
            service_type: data.service_type.clone().unwrap_or_default(),
            region_name: data.region_name.clone(),
            interface: data.interface,
            catalog_url: data.catalog_url.clone(),
            versions,
        });
    }
    Ok(out)
}
