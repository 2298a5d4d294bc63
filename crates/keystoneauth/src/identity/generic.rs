//! Generic plugins (`password`, `token`): discover whether the identity
//! service speaks v3 or v2.0 and authenticate with the right one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};

use super::base::cache_id;
use super::v3::ScopeOptions;
use super::{v2, v3};
use crate::access::AccessInfo;
use crate::auth::AuthPlugin;
use crate::catalog::EndpointFilter;
use crate::discovery::{fetch_discovery, DiscoveryCache, DiscoveryContext};
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;
use crate::version::AllowedStatuses;

enum Secret {
    Password {
        user_id: Option<String>,
        username: Option<String>,
        user_domain_id: Option<String>,
        user_domain_name: Option<String>,
        password: SecretString,
    },
    Token(SecretString),
}

/// What both generic plugins share.
struct Generic {
    name: &'static str,
    auth_url: MaskedUrl,
    secret: Secret,
    scope: ScopeOptions,
    default_domain_id: Option<String>,
    default_domain_name: Option<String>,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
    discovery_cache: DiscoveryCache,
    inner: tokio::sync::OnceCell<Arc<dyn AuthPlugin>>,
}

impl fmt::Debug for Generic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(self.name);
        d.field("auth_url", &self.auth_url);
        match &self.secret {
            Secret::Password {
                user_id,
                username,
                user_domain_id,
                user_domain_name,
                ..
            } => {
                d.field("user_id", user_id)
                    .field("username", username)
                    .field("user_domain_id", user_domain_id)
                    .field("user_domain_name", user_domain_name)
                    .field("password", &"***");
            }
            Secret::Token(_) => {
                d.field("token", &"***");
            }
        }
        d.field("scope", &self.scope)
            .field("chosen", &self.inner.get())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Major {
    V2,
    V3,
}

impl Generic {
    /// Domain information can only be expressed in v3.
    fn has_domain_scope(&self) -> bool {
        let s = &self.scope;
        let user_domain = match &self.secret {
            Secret::Password {
                user_domain_id,
                user_domain_name,
                ..
            } => user_domain_id.is_some() || user_domain_name.is_some(),
            Secret::Token(_) => false,
        };
        user_domain
            || s.domain_id.is_some()
            || s.domain_name.is_some()
            || s.project_domain_id.is_some()
            || s.project_domain_name.is_some()
            || s.system_scope.is_some()
    }

    async fn plugin(&self, transport: &Transport) -> Result<&Arc<dyn AuthPlugin>> {
        self.inner.get_or_try_init(|| self.choose(transport)).await
    }

    async fn choose(&self, transport: &Transport) -> Result<Arc<dyn AuthPlugin>> {
        let ctx = DiscoveryContext {
            transport,
            cache: &self.discovery_cache,
            credentials: None,
        };
        match fetch_discovery(ctx, self.auth_url.expose()).await {
            Ok(disc) => {
                for v in disc.versions(AllowedStatuses::default()) {
                    match v.version.major_number() {
                        Some(3) => return self.create(Major::V3, v.url.clone().into()),
                        Some(2) if !self.has_domain_scope() => return self.create(Major::V2, v.url.clone().into()),
                        _ => {}
                    }
                }
                Err(Error::authorization(format!(
                    "the identity service at {} offers no version this plugin can use{}",
                    self.auth_url,
                    if self.has_domain_scope() {
                        " (domain options need v3)"
                    } else {
                        ""
                    }
                )))
            }
            Err(e) => {
                let path = url::Url::parse(self.auth_url.expose())
                    .map(|u| u.path().trim_end_matches('/').to_owned())
                    .unwrap_or_default();
                if path.ends_with("/v3") {
                    tracing::debug!(target: crate::transport::LOG_TARGET, error = %e, "discovery failed; using v3 from the URL path");
                    self.create(Major::V3, self.auth_url.clone())
                } else if path.ends_with("/v2.0") && !self.has_domain_scope() {
                    tracing::debug!(target: crate::transport::LOG_TARGET, error = %e, "discovery failed; using v2.0 from the URL path");
                    self.create(Major::V2, self.auth_url.clone())
                } else {
                    Err(Error::authorization("could not find a versioned identity endpoint when attempting to authenticate; check that the auth URL is correct").with_source(e))
                }
            }
        }
    }

    fn create(&self, major: Major, url: MaskedUrl) -> Result<Arc<dyn AuthPlugin>> {
        let s = &self.scope;
        Ok(match (major, &self.secret) {
            (
                Major::V3,
                Secret::Password {
                    user_id,
                    username,
                    user_domain_id,
                    user_domain_name,
                    password,
                },
            ) => {
                let mut b = v3::Password::builder(url).password(password.clone());
                b.scope = self.v3_scope();
                if let Some(v) = user_id {
                    b = b.user_id(v);
                }
                if let Some(v) = username {
                    b = b.username(v);
                }
                let (did, dname) = match (user_domain_id, user_domain_name) {
                    (None, None) => (self.default_domain_id.as_ref(), self.default_domain_name.as_ref()),
                    (id, name) => (id.as_ref(), name.as_ref()),
                };
                if let Some(v) = did {
                    b = b.user_domain_id(v);
                }
                if let Some(v) = dname {
                    b = b.user_domain_name(v);
                }
                b = b.include_catalog(self.include_catalog);
                if let Some(m) = self.reauth_margin {
                    b = b.reauth_margin(m);
                }
                Arc::new(b.build()?)
            }
            (Major::V3, Secret::Token(token)) => {
                let mut b = v3::Token::builder(url, token.clone()).include_catalog(self.include_catalog);
                b.scope = self.v3_scope();
                if let Some(m) = self.reauth_margin {
                    b = b.reauth_margin(m);
                }
                Arc::new(b.build()?)
            }
            (
                Major::V2,
                Secret::Password {
                    user_id,
                    username,
                    password,
                    ..
                },
            ) => {
                let mut b = v2::Password::builder(url).password(password.clone());
                if let Some(v) = user_id {
                    b = b.user_id(v);
                }
                if let Some(v) = username {
                    b = b.username(v);
                }
                b = v2_scope(
                    b,
                    s,
                    |b, v| b.tenant_id(v),
                    |b, v| b.tenant_name(v),
                    |b, v| b.trust_id(v),
                );
                if let Some(m) = self.reauth_margin {
                    b = b.reauth_margin(m);
                }
                Arc::new(b.build()?)
            }
            (Major::V2, Secret::Token(token)) => {
                let mut b = v2::Token::builder(url, token.clone());
                b = v2_scope(
                    b,
                    s,
                    |b, v| b.tenant_id(v),
                    |b, v| b.tenant_name(v),
                    |b, v| b.trust_id(v),
                );
                if let Some(m) = self.reauth_margin {
                    b = b.reauth_margin(m);
                }
                Arc::new(b.build()?)
            }
        })
    }

    /// The v3 scope, with the default domain filling in a missing project domain.
    fn v3_scope(&self) -> ScopeOptions {
        let mut scope = self.scope.clone();
        if scope.project_name.is_some() && scope.project_domain_id.is_none() && scope.project_domain_name.is_none() {
            scope.project_domain_id = self.default_domain_id.clone();
            scope.project_domain_name = self.default_domain_name.clone();
        }
        scope
    }

    fn cache_parts(&self) -> Vec<(&'static str, String)> {
        let s = &self.scope;
        let mut parts = vec![
            ("plugin", self.name.to_owned()),
            ("auth_url", self.auth_url.expose().trim_end_matches('/').to_owned()),
        ];
        match &self.secret {
            Secret::Password {
                user_id,
                username,
                user_domain_id,
                user_domain_name,
                password,
            } => {
                parts.push(("user_id", user_id.clone().unwrap_or_default()));
                parts.push(("username", username.clone().unwrap_or_default()));
                parts.push(("user_domain_id", user_domain_id.clone().unwrap_or_default()));
                parts.push(("user_domain_name", user_domain_name.clone().unwrap_or_default()));
                parts.push((
                    "password",
                    crate::redact::hash_secret(password.expose_secret().as_bytes()),
                ));
            }
            Secret::Token(t) => parts.push(("token", crate::redact::hash_secret(t.expose_secret().as_bytes()))),
        }
        for (k, v) in [
            ("project_id", &s.project_id),
            ("project_name", &s.project_name),
            ("project_domain_id", &s.project_domain_id),
            ("project_domain_name", &s.project_domain_name),
            ("domain_id", &s.domain_id),
            ("domain_name", &s.domain_name),
            ("system_scope", &s.system_scope),
            ("trust_id", &s.trust_id),
            ("default_domain_id", &self.default_domain_id),
            ("default_domain_name", &self.default_domain_name),
        ] {
            parts.push((k, v.clone().unwrap_or_default()));
        }
        parts
    }

    fn set_auth_state(&self, state: &str) -> Result<bool> {
        // Decide from the parsed state, not its text: a v3 body may well
        // contain the string "access" (a project named so).
        let major = match AccessInfo::from_state(state)?.version() {
            crate::access::IdentityVersion::V2 => Major::V2,
            _ => Major::V3,
        };
        let plugin = match self.inner.get() {
            Some(p) => p.clone(),
            None => {
                let p = self.create(major, self.auth_url.clone())?;
                // Another caller may have chosen meanwhile; use whichever is set.
                let _ = self.inner.set(p);
                match self.inner.get() {
                    Some(p) => p.clone(),
                    None => return Ok(false),
                }
            }
        };
        plugin.set_auth_state(state)
    }
}

fn v2_scope<B>(
    mut b: B,
    s: &ScopeOptions,
    tenant_id: impl Fn(B, String) -> B,
    tenant_name: impl Fn(B, String) -> B,
    trust_id: impl Fn(B, String) -> B,
) -> B {
    if let Some(v) = &s.project_id {
        b = tenant_id(b, v.clone());
    }
    if let Some(v) = &s.project_name {
        b = tenant_name(b, v.clone());
    }
    if let Some(v) = &s.trust_id {
        b = trust_id(b, v.clone());
    }
    b
}

macro_rules! generic_plugin {
    ($ty:ty) => {
        #[async_trait]
        impl AuthPlugin for $ty {
            async fn headers(&self, transport: &Transport) -> Result<HeaderMap> {
                self.0.plugin(transport).await?.headers(transport).await
            }

            async fn endpoint(&self, transport: &Transport, filter: &EndpointFilter) -> Result<Option<String>> {
                self.0.plugin(transport).await?.endpoint(transport, filter).await
            }

            async fn endpoint_data(
                &self,
                transport: &Transport,
                cache: &crate::discovery::DiscoveryCache,
                filter: &EndpointFilter,
                discover_versions: bool,
            ) -> Result<Option<crate::discovery::EndpointData>> {
                self.0
                    .plugin(transport)
                    .await?
                    .endpoint_data(transport, cache, filter, discover_versions)
                    .await
            }

            async fn all_version_data(
                &self,
                transport: &Transport,
                cache: &crate::discovery::DiscoveryCache,
                filter: &EndpointFilter,
            ) -> Result<Vec<crate::discovery::ServiceVersions>> {
                self.0
                    .plugin(transport)
                    .await?
                    .all_version_data(transport, cache, filter)
                    .await
            }

            fn invalidate(&self) -> bool {
                self.0.inner.get().is_some_and(|p| p.invalidate())
            }

            fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
                self.0
                    .inner
                    .get()
                    .is_some_and(|p| p.invalidate_rejected(rejected))
            }

            async fn user_id(&self, transport: &Transport) -> Result<Option<String>> {
                self.0.plugin(transport).await?.user_id(transport).await
            }

            async fn project_id(&self, transport: &Transport) -> Result<Option<String>> {
                self.0.plugin(transport).await?.project_id(transport).await
            }

            async fn token(&self, transport: &Transport) -> Result<Option<SecretString>> {
                self.0.plugin(transport).await?.token(transport).await
            }

            async fn access_info(&self, transport: &Transport) -> Result<Option<Arc<AccessInfo>>> {
                self.0.plugin(transport).await?.access_info(transport).await
            }

            fn cache_id(&self) -> Option<String> {
                Some(cache_id(&self.0.cache_parts()))
            }

            fn auth_state(&self) -> Option<SecretString> {
                self.0.inner.get().and_then(|p| p.auth_state())
            }

            fn set_auth_state(&self, state: &str) -> Result<bool> {
                self.0.set_auth_state(state)
            }
        }
    };
}

/// Password authentication with version discovery (keystoneauth1's
/// `password`): v3 when the service offers it, v2.0 otherwise (and never
/// v2.0 when domain options are given).
#[derive(Debug)]
pub struct Password(Generic);

generic_plugin!(Password);

impl Password {
    /// A builder for a plugin discovering versions at `auth_url`.
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> PasswordBuilder {
        PasswordBuilder {
            auth_url: auth_url.into(),
            user_id: None,
            username: None,
            user_domain_id: None,
            user_domain_name: None,
            password: None,
            scope: ScopeOptions::default(),
            default_domain_id: None,
            default_domain_name: None,
            include_catalog: true,
            reauth_margin: None,
        }
    }
}

/// Builds a generic [`Password`] plugin.
#[must_use]
pub struct PasswordBuilder {
    auth_url: MaskedUrl,
    user_id: Option<String>,
    username: Option<String>,
    user_domain_id: Option<String>,
    user_domain_name: Option<String>,
    password: Option<SecretString>,
    scope: ScopeOptions,
    default_domain_id: Option<String>,
    default_domain_name: Option<String>,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
}

impl fmt::Debug for PasswordBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("generic::PasswordBuilder")
            .field("auth_url", &self.auth_url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

macro_rules! generic_scope_setters {
    () => {
        super::v3::scope_setters!();

        /// The domain id used for the user and project when they have none
        /// (v3 only).
        pub fn default_domain_id(mut self, id: impl Into<String>) -> Self {
            self.default_domain_id = Some(id.into());
            self
        }

        /// The domain name used for the user and project when they have
        /// none (v3 only).
        pub fn default_domain_name(mut self, name: impl Into<String>) -> Self {
            self.default_domain_name = Some(name.into());
            self
        }

        /// The v2.0 name of `project_id`.
        pub fn tenant_id(self, id: impl Into<String>) -> Self {
            self.project_id(id)
        }

        /// The v2.0 name of `project_name`.
        pub fn tenant_name(self, name: impl Into<String>) -> Self {
            self.project_name(name)
        }
    };
}

impl PasswordBuilder {
    /// The user's id.
    pub fn user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }

    /// The user's name.
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.username = Some(name.into());
        self
    }

    /// The user's domain id (v3 only).
    pub fn user_domain_id(mut self, id: impl Into<String>) -> Self {
        self.user_domain_id = Some(id.into());
        self
    }

    /// The user's domain name (v3 only).
    pub fn user_domain_name(mut self, name: impl Into<String>) -> Self {
        self.user_domain_name = Some(name.into());
        self
    }

    /// The password.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    generic_scope_setters!();

    /// Validates the options and builds the plugin. The version is chosen
    /// on first use.
    pub fn build(self) -> Result<Password> {
        const NAME: &str = "password";
        if self.user_id.is_none() && self.username.is_none() {
            return Err(Error::missing_option_in("user-id or username", NAME));
        }
        let password = self
            .password
            .ok_or_else(|| Error::missing_option_in("password", NAME))?;
        url::Url::parse(self.auth_url.expose()).map_err(|e| {
            Error::invalid_option_in(
                "auth-url",
                NAME,
                format!("{:?} is not a valid URL ({e})", self.auth_url),
            )
        })?;
        Ok(Password(Generic {
            name: NAME,
            auth_url: self.auth_url,
            secret: Secret::Password {
                user_id: self.user_id,
                username: self.username,
                user_domain_id: self.user_domain_id,
                user_domain_name: self.user_domain_name,
                password,
            },
            scope: self.scope,
            default_domain_id: self.default_domain_id,
            default_domain_name: self.default_domain_name,
            include_catalog: self.include_catalog,
            reauth_margin: self.reauth_margin,
            discovery_cache: DiscoveryCache::new(),
            inner: tokio::sync::OnceCell::new(),
        }))
    }
}

/// Token authentication with version discovery (keystoneauth1's `token`).
#[derive(Debug)]
pub struct Token(Generic);

generic_plugin!(Token);

impl Token {
    /// A builder for a plugin exchanging `token`, discovering versions at `auth_url`.
    pub fn builder(auth_url: impl Into<MaskedUrl>, token: impl Into<SecretString>) -> TokenBuilder {
        TokenBuilder {
            auth_url: auth_url.into(),
            token: token.into(),
            scope: ScopeOptions::default(),
            default_domain_id: None,
            default_domain_name: None,
            include_catalog: true,
            reauth_margin: None,
        }
    }
}

/// Builds a generic [`Token`] plugin.
#[must_use]
pub struct TokenBuilder {
    auth_url: MaskedUrl,
    token: SecretString,
    scope: ScopeOptions,
    default_domain_id: Option<String>,
    default_domain_name: Option<String>,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
}

impl fmt::Debug for TokenBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("generic::TokenBuilder")
            .field("auth_url", &self.auth_url)
            .field("token", &"***")
            .finish_non_exhaustive()
    }
}

impl TokenBuilder {
    generic_scope_setters!();

    /// Builds the plugin. The version is chosen on first use.
    pub fn build(self) -> Result<Token> {
        url::Url::parse(self.auth_url.expose()).map_err(|e| {
            Error::invalid_option_in(
                "auth-url",
                "token",
                format!("{:?} is not a valid URL ({e})", self.auth_url),
            )
        })?;
        Ok(Token(Generic {
            name: "token",
            auth_url: self.auth_url,
            secret: Secret::Token(self.token),
            scope: self.scope,
            default_domain_id: self.default_domain_id,
            default_domain_name: self.default_domain_name,
            include_catalog: self.include_catalog,
            reauth_margin: self.reauth_margin,
            discovery_cache: DiscoveryCache::new(),
            inner: tokio::sync::OnceCell::new(),
        }))
    }
}
