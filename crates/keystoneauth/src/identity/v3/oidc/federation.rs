//! Keystone's side of OpenID Connect: the federated auth URL, the POST of
//! the provider's token, and the re-scope.

use super::*;

/// Where an unscoped federated token is re-scoped, and to what.
#[derive(Debug)]
pub(crate) struct Rescope {
    pub(crate) plugin_name: &'static str,
    pub(crate) auth_url: MaskedUrl,
    pub(crate) scope: Scope,
    pub(crate) include_catalog: bool,
}

impl Rescope {
    /// The re-scope the options ask for (checked).
    pub(crate) fn new(plugin_name: &'static str, options: &V3Options) -> Result<Self> {
        Ok(Rescope {
            plugin_name,
            auth_url: options.auth_url.clone(),
            scope: options.scope.resolve(plugin_name)?,
            include_catalog: options.include_catalog,
        })
    }

    /// An unscoped federated token exchanged with the v3 `token` method
    /// for one with the scope, or itself when no scope was requested.
    pub(crate) async fn rescope(&self, transport: &Transport, unscoped: AccessInfo) -> Result<AccessInfo> {
        if self.scope == Scope::Unscoped {
            return Ok(unscoped);
        }
        let method = TokenMethod {
            token: unscoped.token().clone(),
        };
        let auth = V3Auth::new(
            self.plugin_name,
            self.auth_url.clone(),
            vec![Box::new(method)],
            self.scope.clone(),
            self.include_catalog,
            None,
        )?;
        auth.fetch(transport).await
    }
}

/// Keystone's side: the federated auth URL, and the re-scope.
pub(crate) struct Federation {
    pub(super) target: Rescope,
    pub(super) identity_provider: String,
    pub(super) protocol: String,
    pub(super) federated_url: Url,
}

impl fmt::Debug for Federation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Federation")
            .field("target", &self.target)
            .field("identity_provider", &self.identity_provider)
            .field("protocol", &self.protocol)
            .field("federated_url", &MaskedUrl::from(&self.federated_url))
            .finish()
    }
}

impl Federation {
    pub(crate) fn new(
        plugin_name: &'static str,
        options: &V3Options,
        identity_provider: String,
        protocol: String,
    ) -> Result<Self> {
        for (option, value) in [("identity-provider", &identity_provider), ("protocol", &protocol)] {
            if value.is_empty() {
                return Err(Error::missing_option_in(option, plugin_name));
            }
        }
        let target = Rescope::new(plugin_name, options)?;
        let auth_url = &target.auth_url;
        let mut federated_url = versioned_url(auth_url, "/v3", "OS-FEDERATION/identity_providers")?;
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
            target,
            identity_provider,
            protocol,
            federated_url,
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
        let token = crate::identity::base::subject_token(&response, "federated authentication")?;
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            plugin = self.target.plugin_name,
            identity_provider = %self.identity_provider,
            protocol = %self.protocol,
            "got an unscoped federated token"
        );
        AccessInfo::from_v3(token, response.into_bytes())
    }

    pub(super) fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        parts.push(("plugin", self.target.plugin_name.to_owned()));
        parts.push((
            "auth_url",
            self.target.auth_url.expose().trim_end_matches('/').to_owned(),
        ));
        parts.push(("identity_provider", self.identity_provider.clone()));
        parts.push(("protocol", self.protocol.clone()));
        self.target.scope.cache_parts(parts);
    }
}
