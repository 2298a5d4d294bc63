//! Keystone-to-Keystone federation (keystoneauth1's
//! `keystoneauth1.identity.v3.k2k.Keystone2Keystone`): a token of a remote
//! Keystone (the service provider) for a user of the local Keystone (the
//! identity provider), without a password at the remote side.
//!
//! 1. The local plugin's token, and the service provider in its
//!    `service_providers` list (`sp_url`, `auth_url`).
//! 2. `POST {local auth url}/v3/auth/OS-FEDERATION/saml2/ecp` with the
//!    token method, scoped to `{"service_provider": {"id": ...}}`: the local
//!    Keystone answers with a signed SAML assertion in an ECP envelope (read
//!    up to 1 MiB, as every SAML message).
//! 3. The envelope is posted to `sp_url` (the SAML service provider in
//!    front of the remote Keystone, `application/vnd.paos+xml`), redirects
//!    off. On `302`/`303` the SAML session is open: `GET auth_url` (the
//!    remote Keystone's federated auth URL) with the cookies that origin set,
//!    which gives an unscoped token. A `2xx` with a token is taken as it is.
//! 4. With a scope, the unscoped token is re-scoped at the remote
//!    Keystone's `/v3` (`auth_url` up to `/OS-FEDERATION/`).
//!
//! The local token goes only to the local Keystone (in the body of step 2);
//! the service provider's cookies go only back to the origin that set them
//! (keystoneauth1 keeps them in a domain-scoped jar, see
//! [`OriginCookies`]).

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, COOKIE};
use http::{HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use url::Url;

use super::cookies::OriginCookies;
use super::federation::Rescope;
use super::saml2::{MAX_SAML_BODY, PAOS_MEDIA_TYPE};
use super::{scope_setters, Scope, V3Options};
use crate::access::{AccessInfo, ServiceProviderInfo};
use crate::auth::AuthPlugin;
use crate::catalog::{EndpointFilter, Interface};
use crate::error::{Error, Result};
use crate::identity::base::{
    identity_plugin, post_token_request, subject_token, versioned_url, Lifecycle, TokenFetcher,
};
use crate::masked_url::MaskedUrl;
use crate::redact::scrub_error;
use crate::transport::{HttpRequest, RedirectPolicy, Response, Transport, MAX_TOKEN_BODY};

/// The name in messages (keystoneauth1 has no loader name for it).
const NAME: &str = "keystone2keystone";

/// The local Keystone's ECP endpoint, under its `/v3`.
const ECP_PATH: &str = "auth/OS-FEDERATION/saml2/ecp";

/// Keystone-to-Keystone federation: a token of a remote Keystone, the
/// service provider, obtained with a SAML assertion the local Keystone
/// issues for the local plugin's user (keystoneauth1's
/// `Keystone2Keystone`).
///
/// The local plugin is any identity plugin of the local cloud (its token
/// lists the service providers). The new token's catalog is the remote
/// cloud's, so a session with this plugin talks to the remote cloud.
/// Loading wraps any plugin in it when a `service-provider` option is
/// given (osc-lib's `--os-service-provider`).
///
/// ```
/// use std::sync::Arc;
/// use keystoneauth::identity::v3::{Keystone2Keystone, Password};
/// # fn main() -> keystoneauth::Result<()> {
/// let local = Password::builder("https://idp.example:5000/v3")
///     .username("alice")
///     .user_domain_name("Default")
///     .password("secret")
///     .project_name("demo")
///     .project_domain_name("Default")
///     .build()?;
/// let remote = Keystone2Keystone::builder(Arc::new(local), "my-sp")
///     .project_name("remote-project")
///     .project_domain_id("default")
///     .build()?;
/// assert_eq!(remote.service_provider(), "my-sp");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Keystone2Keystone {
    inner: K2kAuth,
}

impl Keystone2Keystone {
    /// A builder for `service_provider` (its id in the local Keystone),
    /// reached with `local`'s token.
    pub fn builder(local: Arc<dyn AuthPlugin>, service_provider: impl Into<String>) -> Keystone2KeystoneBuilder {
        Keystone2KeystoneBuilder {
            local,
            service_provider: service_provider.into(),
            options: V3Options::new(""),
        }
    }

    /// The service provider's id.
    pub fn service_provider(&self) -> &str {
        &self.inner.service_provider
    }

    /// The plugin of the local cloud.
    pub fn local_plugin(&self) -> &Arc<dyn AuthPlugin> {
        &self.inner.local
    }

    /// The remote Keystone's `/v3` URL where the token is scoped: from the
    /// service provider's `auth_url`, the part before `/OS-FEDERATION/`, as
    /// keystoneauth1's `_remote_auth_url` (the whole URL when it has no
    /// such part).
    pub fn remote_auth_url(sp_auth_url: &str) -> &str {
        match sp_auth_url.find("/OS-FEDERATION/") {
            Some(i) => &sp_auth_url[..i],
            None => sp_auth_url,
        }
    }
}

identity_plugin!(Keystone2Keystone, inner);

/// Builds a [`Keystone2Keystone`] plugin: the scope at the service
/// provider (none: unscoped) and, optionally, the local auth URL.
#[must_use]
#[derive(Debug)]
pub struct Keystone2KeystoneBuilder {
    local: Arc<dyn AuthPlugin>,
    service_provider: String,
    /// `auth_url` is the local Keystone's (empty: from the local token's
    /// catalog); the scope is the remote one.
    options: V3Options,
}

impl Keystone2KeystoneBuilder {
    scope_setters!();

    /// The local Keystone's auth URL, where the assertion is asked for
    /// (default: the public identity endpoint of the local token's
    /// catalog; loading gives the local plugin's `auth-url`).
    pub fn local_auth_url(mut self, auth_url: impl Into<MaskedUrl>) -> Self {
        self.options.auth_url = auth_url.into();
        self
    }

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Keystone2Keystone> {
        if self.service_provider.is_empty() {
            return Err(Error::missing_option_in("service-provider", NAME));
        }
        let local_cache_id = self.local.cache_id().ok_or_else(|| {
            Error::invalid_option_in(
                "local plugin",
                NAME,
                "it is not an identity plugin (it has no cache id); the service providers come from its token",
            )
        })?;
        let local_auth_url = Some(self.options.auth_url.clone()).filter(|u| !u.expose().is_empty());
        if let Some(url) = &local_auth_url {
            versioned_url(url, "/v3", ECP_PATH)?;
        }
        Ok(Keystone2Keystone {
            inner: K2kAuth {
                scope: self.options.scope.resolve(NAME)?,
                include_catalog: self.options.include_catalog,
                lifecycle: Lifecycle::new(self.options.reauth_margin),
                local: self.local,
                local_cache_id,
                local_auth_url,
                service_provider: self.service_provider,
            },
        })
    }
}

/// The fetching core.
#[derive(Debug)]
struct K2kAuth {
    local: Arc<dyn AuthPlugin>,
    local_cache_id: String,
    local_auth_url: Option<MaskedUrl>,
    service_provider: String,
    scope: Scope,
    include_catalog: bool,
    lifecycle: Lifecycle,
}

/// A URL of the service provider entry, parsed.
fn sp_field(sp: &ServiceProviderInfo, field: &str, value: &str) -> Result<Url> {
    Url::parse(value).map_err(|e| {
        Error::invalid_response(
            "token response",
            format!(
                "service provider {:?}: {field} {:?} is not an absolute URL ({e})",
                sp.id,
                crate::redact::url_str(value)
            ),
        )
    })
}

impl K2kAuth {
    /// The local ECP endpoint: from the configured auth URL, else the local
    /// token's public identity endpoint.
    fn ecp_url(&self, local: &AccessInfo) -> Result<Url> {
        if let Some(url) = &self.local_auth_url {
            return versioned_url(url, "/v3", ECP_PATH);
        }
        let filter = EndpointFilter::new("identity").interface(Interface::Public);
        let found = local.catalog().endpoint(&filter).map_err(|e| {
            Error::missing_option_in(
                "local-auth-url",
                format!("{NAME}: the local token's catalog has no public identity endpoint ({e})"),
            )
        })?;
        versioned_url(&MaskedUrl::from(found.endpoint.url.as_str()), "/v3", ECP_PATH)
    }

    /// Steps 1 and 2: the local token, the service provider it lists, and
    /// the envelope. A local token the local Keystone refuses (401, 404:
    /// revoked before its expiry) is dropped from the local plugin and
    /// replaced, once; keystoneauth1 fails until it expires.
    async fn local_assertion(&self, transport: &Transport) -> Result<(Arc<AccessInfo>, ServiceProviderInfo, Bytes)> {
        let mut replaced = false;
        loop {
            let local = self.local.access_info(transport).await?.ok_or_else(|| {
                Error::invalid_option_in(
                    "local plugin",
                    NAME,
                    "the local plugin has no token to list service providers",
                )
            })?;
            let sp = local.service_provider(&self.service_provider).cloned().ok_or_else(|| {
                let known = local.service_providers().iter().map(|sp| sp.id.clone()).collect();
                Error::unknown_service_provider(self.service_provider.clone(), known)
            })?;
            let token = local.token();
            match self.ecp_assertion(transport, self.ecp_url(&local)?, token).await {
                Ok(envelope) => return Ok((local, sp, envelope)),
                Err(e)
                    if !replaced
                        && (e.is_unauthorized() || e.is_not_found())
                        && self.local.invalidate_rejected(&crate::auth::token_headers(token)?) =>
                {
                    tracing::debug!(
                        target: crate::transport::LOG_TARGET,
                        plugin = NAME,
                        status = ?e.status(),
                        "the local Keystone refused the local token; replacing it once"
                    );
                    replaced = true;
                }
                Err(e) => return Err(scrub_error(e, &[token])),
            }
        }
    }

    /// Step 2: the ECP envelope the local Keystone issues for the service
    /// provider.
    async fn ecp_assertion(&self, transport: &Transport, url: Url, token: &SecretString) -> Result<Bytes> {
        let body = json!({"auth": {
            "identity": {"methods": ["token"], "token": {"id": token.expose_secret()}},
            "scope": {"service_provider": {"id": self.service_provider}},
        }});
        let request = HttpRequest::new(Method::POST, url)
            .json(&body)?
            .max_body(MAX_SAML_BODY)
            .redirect_policy(RedirectPolicy::SameOriginOnly)
            .log(false);
        let response = transport.send(request).await?.error_for_status()?;
        if response.bytes().iter().all(u8::is_ascii_whitespace) {
            return Err(Error::invalid_response(
                crate::redact::url(response.url()),
                "the ECP assertion response is empty",
            ));
        }
        Ok(response.into_bytes())
    }

    /// Step 3: the envelope presented to the service provider, then its
    /// federated auth URL with the session cookie; the token response.
    async fn present(
        &self,
        transport: &Transport,
        sp_url: Url,
        sp_auth_url: Url,
        envelope: Bytes,
        cookies: &mut OriginCookies,
    ) -> Result<Response> {
        let request = HttpRequest::new(Method::POST, sp_url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static(PAOS_MEDIA_TYPE))
            .body(envelope)
            .max_body(MAX_TOKEN_BODY)
            .redirect_policy(RedirectPolicy::None)
            .log(false);
        let response = transport.send(request).await?;
        cookies.store(&sp_url, response.headers());
        if !matches!(response.status().as_u16(), 302 | 303) {
            return response.error_for_status();
        }
        let mut request = HttpRequest::new(Method::GET, sp_auth_url.clone());
        if let Some(cookie) = cookies.header_for(&sp_auth_url) {
            request = request.header(COOKIE, cookie);
        }
        post_token_request(transport, request).await
    }
}

#[async_trait]
impl TokenFetcher for K2kAuth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        let (local, sp, envelope) = self.local_assertion(transport).await?;
        let token = local.token();
        let sp_url = sp_field(&sp, "sp_url", &sp.sp_url)?;
        let sp_auth_url = sp_field(&sp, "auth_url", &sp.auth_url)?;
        let mut cookies = OriginCookies::default();
        let presented = self
            .present(transport, sp_url, sp_auth_url, envelope, &mut cookies)
            .await;
        let response = presented.map_err(|e| scrub_error(scrub_error(e, &cookies.secrets()), &[token]))?;
        let subject = subject_token(&response, "service provider's federated authentication")?;
        let unscoped = AccessInfo::from_v3(subject, response.into_bytes())?;
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            plugin = NAME,
            service_provider = %self.service_provider,
            "got an unscoped token from the service provider"
        );
        let target = Rescope {
            plugin_name: NAME,
            auth_url: MaskedUrl::from(Keystone2Keystone::remote_auth_url(&sp.auth_url)),
            scope: self.scope.clone(),
            include_catalog: self.include_catalog,
        };
        target.rescope(transport, unscoped).await
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![
            ("plugin", NAME.to_owned()),
            ("local_plugin", self.local_cache_id.clone()),
            ("service_provider", self.service_provider.clone()),
        ];
        if let Some(url) = &self.local_auth_url {
            parts.push(("local_auth_url", url.expose().trim_end_matches('/').to_owned()));
        }
        self.scope.cache_parts(&mut parts);
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        // The local token is scrubbed where it is used (it is not kept here).
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_auth_url_like_keystoneauth1() {
        assert_eq!(
            Keystone2Keystone::remote_auth_url(
                "https://sp1.com/v3/OS-FEDERATION/identity_providers/testidp/protocols/saml2/auth"
            ),
            "https://sp1.com/v3"
        );
        assert_eq!(
            Keystone2Keystone::remote_auth_url("https://sp1.com/v3"),
            "https://sp1.com/v3"
        );
    }
}
