//! Generic plugins (`password`, `token`): discover whether the identity
//! service speaks v3 or v2.0 and authenticate with the right one.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;
use secrecy::SecretString;

use super::base::cache_id;
use super::v3::{require_user, required, V3Options};
use super::{v2, v3};
use crate::access::AccessInfo;
use crate::auth::AuthPlugin;
use crate::catalog::EndpointFilter;
use crate::discovery::{fetch_discovery, DiscoveryCache, DiscoveryContext};
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;
use crate::version::AllowedStatuses;

/// The secret of a generic plugin.
enum Secret {
    Password(SecretString),
    Token(SecretString),
}

/// What both generic plugins share.
struct Generic {
    name: &'static str,
    /// The options as for v3 (a v2.0 plugin takes the ones v2.0 knows).
    options: V3Options,
    secret: Secret,
    default_domain_id: Option<String>,
    default_domain_name: Option<String>,
    discovery_cache: DiscoveryCache,
    inner: tokio::sync::OnceCell<Arc<dyn AuthPlugin>>,
}

impl fmt::Debug for Generic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = match &self.secret {
            Secret::Password(_) => "password",
            Secret::Token(_) => "token",
        };
        f.debug_struct(self.name)
            .field("options", &self.options)
            .field(secret, &crate::redact::MASK)
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
        let user_domain = matches!(self.secret, Secret::Password(_)) && self.options.user.has_domain();
        user_domain || self.options.scope.needs_v3()
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
        match fetch_discovery(ctx, self.options.auth_url.expose()).await {
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
                    self.options.auth_url,
                    if self.has_domain_scope() {
                        " (domain options need v3)"
                    } else {
                        ""
                    }
                )))
            }
            Err(e) => {
                let path = url::Url::parse(self.options.auth_url.expose())
                    .map(|u| u.path().trim_end_matches('/').to_owned())
                    .unwrap_or_default();
                if path.ends_with("/v3") {
                    tracing::debug!(target: crate::transport::LOG_TARGET, error = %e, "discovery failed; using v3 from the URL path");
                    self.create(Major::V3, self.options.auth_url.clone())
                } else if path.ends_with("/v2.0") && !self.has_domain_scope() {
                    tracing::debug!(target: crate::transport::LOG_TARGET, error = %e, "discovery failed; using v2.0 from the URL path");
                    self.create(Major::V2, self.options.auth_url.clone())
                } else {
                    Err(Error::authorization("could not find a versioned identity endpoint when attempting to authenticate; check that the auth URL is correct").with_source(e))
                }
            }
        }
    }

    fn create(&self, major: Major, url: MaskedUrl) -> Result<Arc<dyn AuthPlugin>> {
        let s = &self.options.scope;
        let margin = self.options.reauth_margin;
        Ok(match (major, &self.secret) {
            (Major::V3, Secret::Password(password)) => {
                let mut b = v3::Password::builder(url).password(password.clone());
                b.options = self.v3_options(b.options.auth_url);
                Arc::new(b.build()?)
            }
            (Major::V3, Secret::Token(token)) => {
                let mut b = v3::Token::builder(url, token.clone());
                b.options = self.v3_options(b.options.auth_url);
                Arc::new(b.build()?)
            }
            (Major::V2, Secret::Password(password)) => {
                let mut b = v2::Password::builder(url).password(password.clone());
                b.user_id.clone_from(&self.options.user.user_id);
                b.username.clone_from(&self.options.user.username);
                Arc::new(b.with_v3_scope(s, margin).build()?)
            }
            (Major::V2, Secret::Token(token)) => {
                let b = v2::Token::builder(url, token.clone());
                Arc::new(b.with_v3_scope(s, margin).build()?)
            }
        })
    }

    /// The v3 options at `url`, with the default domain filling in a
    /// missing user or project domain.
    fn v3_options(&self, url: MaskedUrl) -> V3Options {
        let mut options = self.options.clone();
        options.auth_url = url;
        let (id, name) = (&self.default_domain_id, &self.default_domain_name);
        if !options.user.has_domain() {
            options.user.user_domain_id.clone_from(id);
            options.user.user_domain_name.clone_from(name);
        }
        let scope = &mut options.scope;
        if scope.project_name.is_some() && scope.project_domain_id.is_none() && scope.project_domain_name.is_none() {
            scope.project_domain_id.clone_from(id);
            scope.project_domain_name.clone_from(name);
        }
        options
    }

    fn cache_parts(&self) -> Vec<(&'static str, String)> {
        let s = &self.options.scope;
        let u = &self.options.user;
        let mut parts = vec![
            ("plugin", self.name.to_owned()),
            (
                "auth_url",
                self.options.auth_url.expose().trim_end_matches('/').to_owned(),
            ),
        ];
        match &self.secret {
            Secret::Password(password) => {
                for (k, v) in [
                    ("user_id", &u.user_id),
                    ("username", &u.username),
                    ("user_domain_id", &u.user_domain_id),
                    ("user_domain_name", &u.user_domain_name),
                ] {
                    parts.push((k, v.clone().unwrap_or_default()));
                }
                parts.push(super::secret_part("password", password));
            }
            Secret::Token(t) => parts.push(super::secret_part("token", t)),
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
                let p = self.create(major, self.options.auth_url.clone())?;
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

            fn prepared_auth(&self) -> Option<Arc<crate::auth::PreparedAuth>> {
                self.0.inner.get().and_then(|p| p.prepared_auth())
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
            options: V3Options::new(auth_url),
            password: None,
            default_domain_id: None,
            default_domain_name: None,
        }
    }
}

/// Builds a generic [`Password`] plugin.
#[must_use]
#[derive(Debug)]
pub struct PasswordBuilder {
    options: V3Options,
    password: Option<SecretString>,
    default_domain_id: Option<String>,
    default_domain_name: Option<String>,
}

/// The setters both generic builders share, and their `build`.
macro_rules! generic_setters {
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

        /// The plugin, with the options checked as far as they can be
        /// before the version is known.
        fn generic(self, name: &'static str, secret: Secret) -> Result<Generic> {
            url::Url::parse(self.options.auth_url.expose()).map_err(|e| Error::InvalidOption {
                option: "auth-url".into(),
                location: Some(name.into()),
                message: format!("{:?} is not a valid URL ({e})", self.options.auth_url),
            })?;
            Ok(Generic {
                name,
                options: self.options,
                secret,
                default_domain_id: self.default_domain_id,
                default_domain_name: self.default_domain_name,
                discovery_cache: DiscoveryCache::new(),
                inner: tokio::sync::OnceCell::new(),
            })
        }
    };
}

impl PasswordBuilder {
    super::v3::user_setters!();

    /// The password.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    generic_setters!();

    /// Validates the options and builds the plugin. The version is chosen
    /// on first use.
    pub fn build(self) -> Result<Password> {
        const NAME: &str = "password";
        let user = &self.options.user;
        require_user(NAME, user.user_id.as_ref(), user.username.as_ref())?;
        let password = required(self.password.clone(), "password", NAME)?;
        Ok(Password(self.generic(NAME, Secret::Password(password))?))
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
            options: V3Options::new(auth_url),
            token: token.into(),
            default_domain_id: None,
            default_domain_name: None,
        }
    }
}

/// Builds a generic [`Token`] plugin.
#[must_use]
#[derive(Debug)]
pub struct TokenBuilder {
    options: V3Options,
    token: SecretString,
    default_domain_id: Option<String>,
    default_domain_name: Option<String>,
}

impl TokenBuilder {
    generic_setters!();

    /// Builds the plugin. The version is chosen on first use.
    pub fn build(self) -> Result<Token> {
        let secret = Secret::Token(self.token.clone());
        Ok(Token(self.generic("token", secret)?))
    }
}
