//! `v3password`: a user name or id and a password.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{required, scope_setters, AuthMethod, UserSpec, V3Auth, V3Options};
use crate::error::Result;
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// The `password` and `totp` auth methods: a user and a secret.
pub(crate) struct UserSecretMethod {
    /// The method's name (`password`, `totp`).
    method: &'static str,
    /// The secret's key in the payload (`password`, `passcode`).
    key: &'static str,
    user: UserSpec,
    secret: SecretString,
}

impl UserSecretMethod {
    /// The `password` method.
    pub(crate) fn password(user: UserSpec, password: SecretString) -> Self {
        UserSecretMethod {
            method: "password",
            key: "password",
            user,
            secret: password,
        }
    }

    /// The `totp` method.
    pub(crate) fn totp(user: UserSpec, passcode: SecretString) -> Self {
        UserSecretMethod {
            method: "totp",
            key: "passcode",
            user,
            secret: passcode,
        }
    }
}

impl fmt::Debug for UserSecretMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSecretMethod")
            .field("method", &self.method)
            .field("user", &self.user)
            .field(self.key, &crate::redact::MASK)
            .finish()
    }
}

impl AuthMethod for UserSecretMethod {
    fn name(&self) -> &'static str {
        self.method
    }

    fn payload(&self) -> Value {
        self.user.payload_with(self.key, &self.secret)
    }

    fn secrets(&self) -> Vec<&SecretString> {
        vec![&self.secret]
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        if self.method == "totp" {
            // The passcode changes every 30 seconds: leaving it out lets a
            // cached token survive a new passcode (as keystoneauth1 does).
            parts.push(("method", "totp".into()));
            self.user.cache_parts(parts);
            return;
        }
        self.user.cache_parts(parts);
        // As keystoneauth1: a digest of the password, so a token cached for
        // the right password is never reused with a wrong one.
        parts.push((
            "password",
            crate::redact::hash_secret(self.secret.expose_secret().as_bytes()),
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
            options: V3Options::new(auth_url),
            password: None,
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
#[derive(Debug)]
pub struct PasswordBuilder {
    pub(crate) options: V3Options,
    password: Option<SecretString>,
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
        let user = self.options.user(NAME)?;
        let password = required(self.password, "password", NAME)?;
        let method = UserSecretMethod::password(user, password);
        Ok(Password {
            inner: self.options.into_auth(NAME, vec![Box::new(method)])?,
        })
    }
}
