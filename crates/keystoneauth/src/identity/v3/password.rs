//! `v3password`: a user name or id and a password.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{scope_setters, AuthMethod, ScopeOptions, UserSpec, V3Auth};
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// The `password` auth method.
pub(crate) struct PasswordMethod {
    pub(crate) user: UserSpec,
    pub(crate) password: SecretString,
}

impl fmt::Debug for PasswordMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordMethod")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

impl AuthMethod for PasswordMethod {
    fn name(&self) -> &'static str {
        "password"
    }

    fn payload(&self) -> Value {
        self.user.payload_with("password", &self.password)
    }

    fn secrets(&self) -> Vec<&SecretString> {
        vec![&self.password]
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        self.user.cache_parts(parts);
        // As keystoneauth1: a digest of the password, so a token cached for
        // the right password is never reused with a wrong one.
        parts.push((
            "password",
            crate::redact::hash_secret(self.password.expose_secret().as_bytes()),
        ));
    }
}

/// Identity v3 password authentication (keystoneauth1's `v3password`).
///
/// Share one plugin between sessions and clients with `Arc`: it
/// authenticates once for all of them, re-authenticates shortly before the
/// token expires, and fetches a new token once when a request gets a 401.
///
/// ```
/// use keystoneauth::identity::v3::Password;
/// let auth = Password::builder("http://127.0.0.1:5000/v3")
///     .username("admin")
///     .user_domain_name("Default")
///     .password("secret")
///     .project_name("admin")
///     .project_domain_name("Default")
///     .build()
///     .unwrap();
/// assert!(!format!("{auth:?}").contains("secret"));
/// ```
#[derive(Debug)]
pub struct Password {
    inner: V3Auth,
}

impl Password {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> PasswordBuilder {
        PasswordBuilder {
            auth_url: auth_url.into(),
            user_id: None,
            username: None,
            user_domain_id: None,
            user_domain_name: None,
            password: None,
            scope: ScopeOptions::default(),
            include_catalog: true,
            reauth_margin: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.auth_url()
    }
}

identity_plugin!(Password, inner);

/// Builds a [`Password`] plugin.
#[must_use]
pub struct PasswordBuilder {
    auth_url: MaskedUrl,
    user_id: Option<String>,
    username: Option<String>,
    user_domain_id: Option<String>,
    user_domain_name: Option<String>,
    password: Option<SecretString>,
    pub(crate) scope: ScopeOptions,
    include_catalog: bool,
    reauth_margin: Option<Duration>,
}

impl fmt::Debug for PasswordBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordBuilder")
            .field("auth_url", &self.auth_url)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl PasswordBuilder {
    super::user_setters!();

    /// The password.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Password> {
        const NAME: &str = "v3password";
        let user = UserSpec::resolve(
            NAME,
            self.user_id.as_ref(),
            self.username.as_ref(),
            self.user_domain_id.as_ref(),
            self.user_domain_name.as_ref(),
        )?;
        let password = self
            .password
            .ok_or_else(|| Error::missing_option_in("password", NAME))?;
        let scope = self.scope.resolve(NAME)?;
        let method = PasswordMethod { user, password };
        Ok(Password {
            inner: V3Auth::new(
                NAME,
                self.auth_url,
                vec![Box::new(method)],
                scope,
                self.include_catalog,
                self.reauth_margin,
            )?,
        })
    }
}
