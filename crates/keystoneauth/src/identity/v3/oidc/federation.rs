//! Keystone's side of OpenID Connect: the federated auth URL, the POST of
//! the provider's token, and the re-scope.

use super::*;

/// Keystone's side: the federated auth URL, and the re-scope.
pub(crate) struct Federation {
    pub(super) plugin_name: &'static str,
    pub(super) auth_url: MaskedUrl,
    pub(super) identity_provider: String,
    pub(super) protocol: String,
    pub(super) federated_url: Url,
    pub(super) scope: Scope,
    pub(super) include_catalog: bool,
}

impl fmt::Debug for Federation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Federation")
            .field("plugin_name", &self.plugin_name)
            .field("auth_url", &self.auth_url)
            .field("identity_provider", &self.identity_provider)
            .field("protocol", &self.protocol)
            .field("federated_url", &MaskedUrl::from(&self.federated_url))
            .field("scope", &self.scope)
            .field("include_catalog", &self.include_catalog)
            .finish()
    }
}

impl Federation {
    pub(crate) fn new(
        plugin_name: &'static str,
        auth_url: MaskedUrl,
        identity_provider: String,
        protocol: String,
        scope: &ScopeOptions,
        include_catalog: bool,
    ) -> Result<Self> {
        for (option, value) in [("identity-provider", &identity_provider), ("protocol", &protocol)] {
            if value.is_empty() {
                return Err(Error::missing_option_in(option, plugin_name));
            }
        }
        let scope = scope.resolve(plugin_name)?;
        let mut federated_url = versioned_url(&auth_url, "/v3", "OS-FEDERATION/identity_providers")?;
        federated_url
            .path_segments_mut()
            .map_err(|()| {
                Error::invalid_option_in("auth-url", plugin_name, format!("{:?} cannot have a path", auth_url))
            })?
            .push(&identity_provider)
            .push("protocols")
            .push(&protocol)
            .push("auth");
        Ok(Federation {
            plugin_name,
            auth_url,
            identity_provider,
            protocol,
            federated_url,
            scope,
            include_catalog,
        })
    }

    /// The unscoped token Keystone gives for an access token.
    pub(super) async fn unscoped(&self, transport: &Transport, access_token: &SecretString) -> Result<AccessInfo> {
        let bearer = SecretString::from(format!("Bearer {}", access_token.expose_secret()));
        let request = HttpRequest::new(Method::POST, self.federated_url.clone()).header(
            AUTHORIZATION,
            crate::auth::secret_header_value("access-token", &bearer)?,
        );
        let response = post_token_request(transport, request)
            .await
            .map_err(|e| crate::redact::scrub_error(e, &[access_token]))?;
        let token = response
            .header("x-subject-token")
            .map(|t| SecretString::from(t.to_owned()))
            .ok_or_else(|| {
                Error::invalid_response(
                    crate::redact::url(response.url()),
                    "the federated authentication response has no X-Subject-Token header",
                )
            })?;
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            plugin = self.plugin_name,
            identity_provider = %self.identity_provider,
            protocol = %self.protocol,
            "got an unscoped federated token"
        );
        AccessInfo::from_v3(token, response.into_bytes())
    }

    /// The unscoped token exchanged for one with the requested scope, or
    /// itself when no scope was requested.
    pub(super) async fn rescope(&self, transport: &Transport, unscoped: AccessInfo) -> Result<AccessInfo> {
        rescope(
            self.plugin_name,
            &self.auth_url,
            &self.scope,
            self.include_catalog,
            transport,
            unscoped,
        )
        .await
    }

    pub(super) fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        parts.push(("plugin", self.plugin_name.to_owned()));
        parts.push(("auth_url", self.auth_url.expose().trim_end_matches('/').to_owned()));
        parts.push(("identity_provider", self.identity_provider.clone()));
        parts.push(("protocol", self.protocol.clone()));
        self.scope.cache_parts(parts);
    }
}

/// An unscoped federated token exchanged with the v3 `token` method for one
/// with `scope`, or itself when no scope was requested.
pub(crate) async fn rescope(
    plugin_name: &'static str,
    auth_url: &MaskedUrl,
    scope: &Scope,
    include_catalog: bool,
    transport: &Transport,
    unscoped: AccessInfo,
) -> Result<AccessInfo> {
    if *scope == Scope::Unscoped {
        return Ok(unscoped);
    }
    let method = TokenMethod {
        token: unscoped.token().clone(),
    };
    let auth = V3Auth::new(
        plugin_name,
        auth_url.clone(),
        vec![Box::new(method)],
        scope.clone(),
        include_catalog,
        None,
    )?;
    auth.fetch(transport).await
}
