//! The options every v3 plugin builder shares: the auth URL, the user, the
//! scope, whether to include the catalog and the re-auth margin, with one
//! set of checks and one `Debug`. Each builder holds a [`V3Options`] (as
//! reqwest's `ClientBuilder` holds its `Config`) and adds only its own
//! fields; the setters are forwarded onto it by the macros below.

use std::time::Duration;

use super::{AuthMethod, DomainSpec, Scope, UserSpec, V3Auth};
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;

/// The options of a v3 plugin builder that are the same for every method.
#[derive(Debug, Clone)]
pub(crate) struct V3Options {
    /// The identity service's URL (with or without a trailing `/v3`).
    pub(crate) auth_url: MaskedUrl,
    /// The user, for the methods that name one.
    pub(crate) user: UserOptions,
    /// What the token is scoped to.
    pub(crate) scope: ScopeOptions,
    /// Whether Keystone puts the catalog in the token (default: yes).
    pub(crate) include_catalog: bool,
    /// Re-authenticate when the token expires within this margin.
    pub(crate) reauth_margin: Option<Duration>,
}

impl V3Options {
    /// The defaults for a plugin authenticating at `auth_url`.
    pub(crate) fn new(auth_url: impl Into<MaskedUrl>) -> Self {
        V3Options {
            auth_url: auth_url.into(),
            user: UserOptions::default(),
            scope: ScopeOptions::default(),
            include_catalog: true,
            reauth_margin: None,
        }
    }

    /// The user, validated as keystoneauth1 does.
    pub(crate) fn user(&self, plugin: &str) -> Result<UserSpec> {
        self.user.resolve(plugin)
    }

    /// The v3 request core with these methods and the scope the options
    /// ask for.
    pub(crate) fn into_auth(self, plugin: &'static str, methods: Vec<Box<dyn AuthMethod>>) -> Result<V3Auth> {
        let scope = self.scope.resolve(plugin)?;
        self.into_scoped_auth(plugin, methods, scope)
    }

    /// The v3 request core with these methods and `scope`.
    pub(crate) fn into_scoped_auth(
        self,
        plugin: &'static str,
        methods: Vec<Box<dyn AuthMethod>>,
        scope: Scope,
    ) -> Result<V3Auth> {
        V3Auth::new(
            plugin,
            self.auth_url,
            methods,
            scope,
            self.include_catalog,
            self.reauth_margin,
        )
    }
}

/// The user options, with keystoneauth1's names: an id, or a name and its
/// domain.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserOptions {
    pub(crate) user_id: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) user_domain_id: Option<String>,
    pub(crate) user_domain_name: Option<String>,
}

impl UserOptions {
    /// Validates the user options as keystoneauth1 does.
    pub(crate) fn resolve(&self, plugin: &str) -> Result<UserSpec> {
        UserSpec::resolve(
            plugin,
            self.user_id.as_ref(),
            self.username.as_ref(),
            self.user_domain_id.as_ref(),
            self.user_domain_name.as_ref(),
        )
    }

    /// Whether a user domain is given.
    pub(crate) fn has_domain(&self) -> bool {
        self.user_domain_id.is_some() || self.user_domain_name.is_some()
    }
}

/// Checks that a user is named by id or name, as the v2.0 and generic
/// plugins (which need no domain) require.
pub(crate) fn require_user(plugin: &str, user_id: Option<&String>, username: Option<&String>) -> Result<()> {
    if user_id.is_none() && username.is_none() {
        return Err(Error::missing_option_in("user-id or username", plugin));
    }
    Ok(())
}

/// A required option's value, or the error naming it.
pub(crate) fn required<T>(value: Option<T>, option: &str, plugin: &str) -> Result<T> {
    value.ok_or_else(|| Error::missing_option_in(option, plugin))
}

/// The scope options every v3 plugin takes, with keystoneauth1's names.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScopeOptions {
    pub(crate) project_id: Option<String>,
    pub(crate) project_name: Option<String>,
    pub(crate) project_domain_id: Option<String>,
    pub(crate) project_domain_name: Option<String>,
    pub(crate) domain_id: Option<String>,
    pub(crate) domain_name: Option<String>,
    pub(crate) system_scope: Option<String>,
    pub(crate) trust_id: Option<String>,
}

impl ScopeOptions {
    /// Validates the options as keystoneauth1 does and picks the scope.
    pub(crate) fn resolve(&self, plugin: &str) -> Result<Scope> {
        let project = self.project_id.is_some() || self.project_name.is_some();
        let domain = self.domain_id.is_some() || self.domain_name.is_some();
        let chosen = [project, domain, self.trust_id.is_some(), self.system_scope.is_some()];
        if chosen.iter().filter(|c| **c).count() > 1 {
            return Err(Error::invalid_option_in(
                "scope",
                plugin,
                "authentication cannot be scoped to multiple targets; pick one of project, domain, trust or system",
            ));
        }
        if let Some(id) = &self.project_id {
            return Ok(Scope::ProjectId(id.clone()));
        }
        if let Some(name) = &self.project_name {
            return Ok(Scope::ProjectName {
                name: name.clone(),
                domain: self.project_domain(plugin)?,
            });
        }
        if let Some(d) = DomainSpec::from_parts(self.domain_id.as_ref(), self.domain_name.as_ref()) {
            return Ok(Scope::Domain(d));
        }
        if let Some(t) = &self.trust_id {
            return Ok(Scope::Trust(t.clone()));
        }
        if let Some(s) = &self.system_scope {
            return Ok(Scope::System(s.clone()));
        }
        Ok(Scope::Unscoped)
    }

    /// The domain of the project named by `project_name`, which must be given.
    pub(crate) fn project_domain(&self, plugin: &str) -> Result<DomainSpec> {
        DomainSpec::from_parts(self.project_domain_id.as_ref(), self.project_domain_name.as_ref()).ok_or_else(|| {
            Error::missing_option_in(
                "project-domain-id or project-domain-name",
                format!("{plugin}: needed with project-name"),
            )
        })
    }

    /// Whether any option needs Identity v3 (domains and system scope).
    pub(crate) fn needs_v3(&self) -> bool {
        self.domain_id.is_some()
            || self.domain_name.is_some()
            || self.project_domain_id.is_some()
            || self.project_domain_name.is_some()
            || self.system_scope.is_some()
    }
}

/// Setters of `Option<String>` fields: each sets the field of the same
/// name under the path given (`string_setters!(options.user { user_id; })`).
macro_rules! string_setters {
    ($field:ident . $sub:ident { $($(#[$doc:meta])* $name:ident;)* }) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.$field.$sub.$name = Some(value.into());
                self
            }
        )*
    };
    ($field:ident { $($(#[$doc:meta])* $name:ident;)* }) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.$field.$name = Some(value.into());
                self
            }
        )*
    };
}
pub(crate) use string_setters;

/// Setters for the user options (id, or name and domain), forwarded onto
/// the builder's `options: V3Options`.
macro_rules! user_setters {
    () => {
        $crate::identity::v3::string_setters!(options.user {
            /// The user's id.
            user_id;
            /// The user's name (needs a user domain in v3).
            username;
            /// The domain id of the user named by `username` (v3 only).
            user_domain_id;
            /// The domain name of the user named by `username` (v3 only).
            user_domain_name;
        });
    };
}
pub(crate) use user_setters;

/// Setters for the project and domain scope, onto the `ScopeOptions` at
/// the path given.
macro_rules! project_domain_setters {
    ($($path:tt)+) => {
        $crate::identity::v3::string_setters!($($path)+ {
            /// Scopes to the project with this id.
            project_id;
            /// Scopes to the project with this name (needs a project domain).
            project_name;
            /// The domain id of the project named by `project_name`.
            project_domain_id;
            /// The domain name of the project named by `project_name`.
            project_domain_name;
            /// Scopes to the domain with this id.
            domain_id;
            /// Scopes to the domain with this name.
            domain_name;
        });
    };
}
pub(crate) use project_domain_setters;

/// Setters for `include_catalog` and `reauth_margin`, forwarded onto the
/// builder's `options: V3Options`.
macro_rules! token_setters {
    () => {
        /// Asks Keystone to leave the catalog out of the token (default: include it).
        pub fn include_catalog(mut self, include: bool) -> Self {
            self.options.include_catalog = include;
            self
        }

        $crate::identity::v3::reauth_margin_setter!();
    };
}
pub(crate) use token_setters;

/// Setters for the scope options, `include_catalog` and `reauth_margin`,
/// forwarded onto the builder's `options: V3Options`.
macro_rules! scope_setters {
    () => {
        $crate::identity::v3::project_domain_setters!(options.scope);
        $crate::identity::v3::string_setters!(options.scope {
            /// Scopes to the system (`all`).
            system_scope;
            /// Scopes to a trust.
            trust_id;
        });
        $crate::identity::v3::token_setters!();
    };
}
pub(crate) use scope_setters;

/// The `receipt` setter of the builders that can continue a multi-factor
/// authentication.
macro_rules! receipt_setter {
    () => {
        /// An auth receipt from an earlier attempt
        /// ([`MissingAuthMethods::receipt`](crate::identity::v3::MissingAuthMethods::receipt)),
        /// sent as `Openstack-Auth-Receipt`: the methods it proves count
        /// together with the methods of this plugin.
        pub fn receipt(mut self, receipt: impl Into<secrecy::SecretString>) -> Self {
            self.receipt = Some(receipt.into());
            self
        }
    };
}
pub(crate) use receipt_setter;

/// The `reauth_margin` setter, onto the builder's `options: V3Options`.
macro_rules! reauth_margin_setter {
    () => {
        /// Re-authenticate when the token expires within this margin
        /// (default 120 s, at most a quarter of the token's lifetime).
        pub fn reauth_margin(mut self, margin: std::time::Duration) -> Self {
            self.options.reauth_margin = Some(margin);
            self
        }
    };
}
pub(crate) use reauth_margin_setter;

/// The `client_identity` setter of the plugins authenticated by a TLS
/// client certificate.
macro_rules! client_identity_setter {
    () => {
        /// The client certificate and key to present on every connection of
        /// requests authenticated by this plugin; without it the session's
        /// must be configured.
        pub fn client_identity(mut self, identity: $crate::transport::ClientIdentity) -> Self {
            self.client_identity = Some(identity);
            self
        }
    };
}
pub(crate) use client_identity_setter;
