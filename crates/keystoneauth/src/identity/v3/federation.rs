//! Keystone's side of federated authentication, shared by every federated
//! plugin (OpenID Connect, SAML2 ECP, ADFS, Kerberos, browser SSO): the
//! federated auth URL
//! `/v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth`,
//! the request there that yields an unscoped token, and the re-scope
//! (keystoneauth1's `FederationBaseAuth`).

use std::fmt;

use http::header::AUTHORIZATION;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::token::TokenMethod;
use super::{Scope, V3Auth, V3Options};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::identity::base::{post_token_request, versioned_url, TokenFetcher};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, Transport};

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
    pub(crate) target: Rescope,
    pub(crate) identity_provider: String,
    pub(crate) protocol: String,
    pub(crate) federated_url: Url,
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

    /// The unscoped token Keystone gives for an access token (OpenID
    /// Connect: a POST with `Authorization: Bearer`).
    pub(crate) async fn unscoped(&self, transport: &Transport, access_token: &SecretString) -> Result<AccessInfo> {
        let bearer = SecretString::from(format!("Bearer {}", access_token.expose_secret()));
        let request = HttpRequest::new(Method::POST, self.federated_url.clone()).header(
            AUTHORIZATION,
            crate::auth::secret_header_value("access-token", &bearer)?,
        );
        self.unscoped_from(transport, request, &[access_token]).await
    }

    /// The unscoped token Keystone answers to `request` (a request to the
    /// federated auth URL, or to a service provider's URL that ends there),
    /// with `secrets` scrubbed from any error. The request is sent as a
    /// token request: JSON accepted, the token-body limit, redirects only
    /// to the same origin, no body logging.
    pub(crate) async fn unscoped_from(
        &self,
        transport: &Transport,
        request: HttpRequest,
        secrets: &[&SecretString],
    ) -> Result<AccessInfo> {
        let response = post_token_request(transport, request)
            .await
            .map_err(|e| crate::redact::scrub_error(e, secrets))?;
        self.access_from(response)
    }

    /// The unscoped token of a successful answer from the federated auth URL.
    pub(crate) fn access_from(&self, response: crate::transport::Response) -> Result<AccessInfo> {
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

    pub(crate) fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn federated_urls_like_keystoneauth1() {
        for base in [
            "http://h:5000",
            "http://h:5000/",
            "http://h:5000/v3",
            "http://h:5000/v3/",
        ] {
            let f = Federation::new("v3oidcpassword", &V3Options::new(base), "myidp".into(), "openid".into()).unwrap();
            assert_eq!(
                f.federated_url.as_str(),
                "http://h:5000/v3/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth"
            );
        }
        // Names are path segments, encoded.
        let f = Federation::new("x", &V3Options::new("http://h/v3"), "my idp/x".into(), "oidc".into()).unwrap();
        assert_eq!(
            f.federated_url.as_str(),
            "http://h/v3/OS-FEDERATION/identity_providers/my%20idp%2Fx/protocols/oidc/auth"
        );
        let err = Federation::new("x", &V3Options::new("http://h"), String::new(), "p".into())
            .unwrap_err()
            .to_string();
        assert!(err.contains("identity-provider"), "{err}");
    }
}
