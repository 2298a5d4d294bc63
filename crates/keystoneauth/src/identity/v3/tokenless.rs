//! `v3tokenlessauth`: no token at all; the client certificate of the TLS
//! connection authenticates, and the scope travels in headers.

use std::fmt;

use async_trait::async_trait;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::{client_identity_setter, project_domain_setters, DomainSpec, ScopeOptions};
use crate::auth::{AuthPlugin, ConnectionParams};
use crate::catalog::EndpointFilter;
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::{ClientIdentity, Transport};

/// The scope of a tokenless request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TokenlessScope {
    ProjectId(String),
    ProjectName { name: String, domain: DomainSpec },
    Domain(DomainSpec),
}

/// Identity v3 tokenless authentication (keystoneauth1's
/// `v3tokenlessauth`): Keystone authenticates the request by the client
/// certificate presented on the TLS connection (mapped to a user through
/// its federation mapping), and the scope is sent in headers:
/// `X-Project-Id`, or `X-Project-Name` with `X-Project-Domain-Id` or
/// `X-Project-Domain-Name`, or `X-Domain-Id` or `X-Domain-Name`.
///
/// Give the plugin the certificate with
/// [`client_identity`](TokenlessAuthBuilder::client_identity) (it asks the
/// session to use it through [`AuthPlugin::connection_params`]), or
/// configure it on the session. As in keystoneauth1, the only endpoint the
/// plugin knows is its auth URL, for the `identity` service; other services
/// need an endpoint override.
///
/// When several scopes are given, the first of project id, project name,
/// domain id and domain name wins, as in keystoneauth1.
///
/// ```
/// use keystoneauth::identity::v3::TokenlessAuth;
/// let auth = TokenlessAuth::builder("https://keystone.example.org:5000/v3")
///     .project_name("demo")
///     .project_domain_name("Default")
///     .build()
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct TokenlessAuth {
    auth_url: MaskedUrl,
    scope: TokenlessScope,
    headers: HeaderMap,
    client_identity: Option<ClientIdentity>,
}

impl fmt::Debug for TokenlessAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenlessAuth")
            .field("auth_url", &self.auth_url)
            .field("scope", &self.scope)
            .field("client_identity", &self.client_identity)
            .finish()
    }
}

impl TokenlessAuth {
    /// A builder for a plugin whose identity endpoint is `auth_url` (it
    /// should include the version, `.../v3`, as keystoneauth1 requires).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> TokenlessAuthBuilder {
        TokenlessAuthBuilder {
            auth_url: auth_url.into(),
            scope: ScopeOptions::default(),
            client_identity: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        &self.auth_url
    }
}

#[async_trait]
impl AuthPlugin for TokenlessAuth {
    async fn headers(&self, _transport: &Transport) -> Result<HeaderMap> {
        Ok(self.headers.clone())
    }

    async fn endpoint(&self, _transport: &Transport, filter: &EndpointFilter) -> Result<Option<String>> {
        let identity = filter
            .service_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("identity"));
        Ok(identity.then(|| self.auth_url.expose().to_owned()))
    }

    fn connection_params(&self) -> ConnectionParams {
        ConnectionParams::from_identity(self.client_identity.as_ref())
    }
}

/// Builds a [`TokenlessAuth`] plugin.
#[must_use]
#[derive(Debug)]
pub struct TokenlessAuthBuilder {
    auth_url: MaskedUrl,
    /// The project or domain (sent as `X-Project-*` or `X-Domain-*`).
    scope: ScopeOptions,
    client_identity: Option<ClientIdentity>,
}

impl TokenlessAuthBuilder {
    project_domain_setters!(scope);
    client_identity_setter!();

    /// Validates the options as keystoneauth1's loader does and builds the
    /// plugin.
    pub fn build(self) -> Result<TokenlessAuth> {
        const NAME: &str = "v3tokenlessauth";
        crate::auth::check_endpoint("auth-url", self.auth_url.expose())?;
        let s = &self.scope;
        let scope = if let Some(id) = s.project_id.clone() {
            TokenlessScope::ProjectId(id)
        } else if let Some(name) = s.project_name.clone() {
            let domain = s.project_domain(NAME)?;
            TokenlessScope::ProjectName { name, domain }
        } else if let Some(d) = DomainSpec::from_parts(s.domain_id.as_ref(), s.domain_name.as_ref()) {
            TokenlessScope::Domain(d)
        } else {
            return Err(Error::missing_option_in(
                "project-id, project-name, domain-id or domain-name",
                NAME,
            ));
        };
        let headers = scope_headers(&scope)?;
        Ok(TokenlessAuth {
            auth_url: self.auth_url,
            scope,
            headers,
            client_identity: self.client_identity,
        })
    }
}

fn scope_headers(scope: &TokenlessScope) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| -> Result<()> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_option_in(
                name.trim_start_matches("x-").to_owned(),
                "v3tokenlessauth",
                "the value contains characters not allowed in an HTTP header",
            )
        })?;
        headers.insert(HeaderName::from_static(name), value);
        Ok(())
    };
    match scope {
        TokenlessScope::ProjectId(id) => put("x-project-id", id)?,
        TokenlessScope::ProjectName { name, domain } => {
            put("x-project-name", name)?;
            match domain {
                DomainSpec::Id(id) => put("x-project-domain-id", id)?,
                DomainSpec::Name(n) => put("x-project-domain-name", n)?,
            }
        }
        TokenlessScope::Domain(DomainSpec::Id(id)) => put("x-domain-id", id)?,
        TokenlessScope::Domain(DomainSpec::Name(n)) => put("x-domain-name", n)?,
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(auth: &TokenlessAuth) -> Vec<(String, String)> {
        let mut v: Vec<_> = auth
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn scopes_become_headers_in_keystoneauth1_order() {
        let b = || TokenlessAuth::builder("https://h/v3");
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            names(&b().project_id("p").domain_id("d").build().unwrap()),
            [pair("x-project-id", "p")]
        );
        assert_eq!(
            names(&b().project_name("demo").project_domain_id("default").build().unwrap()),
            [pair("x-project-domain-id", "default"), pair("x-project-name", "demo")]
        );
        assert_eq!(
            names(&b().domain_name("Default").build().unwrap()),
            [pair("x-domain-name", "Default")]
        );
        let err = b().build().unwrap_err().to_string();
        assert!(
            err.contains("project-id, project-name, domain-id or domain-name"),
            "{err}"
        );
        let err = b().project_name("demo").build().unwrap_err().to_string();
        assert!(err.contains("project-domain-id or project-domain-name"), "{err}");
        let err = b().project_id("a\nb").build().unwrap_err().to_string();
        assert!(err.contains("project-id"), "{err}");
        assert!(TokenlessAuth::builder("not a url").project_id("p").build().is_err());
    }
}
