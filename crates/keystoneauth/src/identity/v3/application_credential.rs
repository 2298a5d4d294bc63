//! `v3applicationcredential`: an application credential's id (or name and
//! user) and its secret.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::{AuthMethod, Scope, UserSpec, V3Auth, V3Options};
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// Which application credential: by id, or by name and owning user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AppCredRef {
    Id(String),
    Name { name: String, user: UserSpec },
}

/// The `application_credential` auth method.
pub(crate) struct ApplicationCredentialMethod {
    pub(crate) credential: AppCredRef,
    pub(crate) secret: SecretString,
}

impl fmt::Debug for ApplicationCredentialMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplicationCredentialMethod")
            .field("credential", &self.credential)
            .field("secret", &"***")
            .finish()
    }
}

impl AuthMethod for ApplicationCredentialMethod {
    fn name(&self) -> &'static str {
        "application_credential"
    }

    fn payload(&self) -> Value {
        let mut m = Map::new();
        match &self.credential {
            AppCredRef::Id(id) => {
                m.insert("id".into(), Value::String(id.clone()));
            }
            AppCredRef::Name { name, user } => {
                m.insert("name".into(), Value::String(name.clone()));
                m.insert("user".into(), Value::Object(user.to_json()));
            }
        }
        m.insert("secret".into(), Value::String(self.secret.expose_secret().to_owned()));
        Value::Object(m)
    }

    fn secrets(&self) -> Vec<&SecretString> {
        vec![&self.secret]
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        match &self.credential {
            AppCredRef::Id(id) => parts.push(("application_credential_id", id.clone())),
            AppCredRef::Name { name, user } => {
                parts.push(("application_credential_name", name.clone()));
                user.cache_parts(parts);
            }
        }
        parts.push((
            "application_credential_secret",
            crate::redact::hash_secret(self.secret.expose_secret().as_bytes()),
        ));
    }
}

/// The credential options shared by [`ApplicationCredentialBuilder`] and the
/// multi-factor builder, validated as keystoneauth1 does.
#[derive(Clone, Default)]
pub(crate) struct AppCredOptions {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) secret: Option<SecretString>,
}

impl fmt::Debug for AppCredOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredOptions")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

impl AppCredOptions {
    /// The method; `user` is resolved only when the credential is named.
    pub(crate) fn resolve(
        &self,
        plugin: &str,
        user: impl FnOnce() -> Result<UserSpec>,
    ) -> Result<ApplicationCredentialMethod> {
        let secret = self
            .secret
            .clone()
            .ok_or_else(|| Error::missing_option_in("application-credential-secret", plugin.to_owned()))?;
        let credential = match (&self.id, &self.name) {
            (Some(id), _) => AppCredRef::Id(id.clone()),
            (None, Some(name)) => AppCredRef::Name {
                name: name.clone(),
                user: user().map_err(|e| match e {
                    Error::MissingOption { option, .. } => {
                        Error::missing_option_in(option, format!("{plugin}: needed with application-credential-name"))
                    }
                    other => other,
                })?,
            },
            (None, None) => {
                return Err(Error::missing_option_in(
                    "application-credential-id or application-credential-name",
                    plugin.to_owned(),
                ))
            }
        };
        Ok(ApplicationCredentialMethod { credential, secret })
    }
}

/// Identity v3 application credential authentication (keystoneauth1's
/// `v3applicationcredential`).
///
/// The credential is given by id, or by name together with the user that
/// owns it (user id, or user name and domain). The token is scoped by
/// Keystone to the credential's project, so the plugin takes no scope; the
/// token's [`AccessInfo::application_credential`](crate::AccessInfo::application_credential)
/// tells the credential and whether it is restricted.
///
/// ```
/// use keystoneauth::identity::v3::ApplicationCredential;
/// let auth = ApplicationCredential::builder("http://127.0.0.1:5000/v3")
///     .application_credential_id("a5b4...")
///     .application_credential_secret("s3cr3t")
///     .build()
///     .unwrap();
/// assert!(!format!("{auth:?}").contains("s3cr3t"));
/// ```
#[derive(Debug)]
pub struct ApplicationCredential {
    inner: V3Auth,
}

impl ApplicationCredential {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> ApplicationCredentialBuilder {
        ApplicationCredentialBuilder {
            options: V3Options::new(auth_url),
            credential: AppCredOptions::default(),
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.auth_url()
    }
}

identity_plugin!(ApplicationCredential, inner);

/// Builds an [`ApplicationCredential`] plugin.
#[must_use]
#[derive(Debug)]
pub struct ApplicationCredentialBuilder {
    pub(crate) options: V3Options,
    credential: AppCredOptions,
}

/// The application credential setters, onto the builder's `credential:
/// AppCredOptions`.
macro_rules! app_cred_setters {
    () => {
        /// The application credential's id.
        pub fn application_credential_id(mut self, id: impl Into<String>) -> Self {
            self.credential.id = Some(id.into());
            self
        }

        /// The application credential's name (needs the owning user).
        pub fn application_credential_name(mut self, name: impl Into<String>) -> Self {
            self.credential.name = Some(name.into());
            self
        }

        /// The application credential's secret.
        pub fn application_credential_secret(mut self, secret: impl Into<secrecy::SecretString>) -> Self {
            self.credential.secret = Some(secret.into());
            self
        }
    };
}
pub(crate) use app_cred_setters;

impl ApplicationCredentialBuilder {
    app_cred_setters!();
    super::user_setters!();
    super::token_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<ApplicationCredential> {
        const NAME: &str = "v3applicationcredential";
        if self.options.user.username.is_some() && !self.options.user.has_domain() {
            // keystoneauth1's loader rejects a user name without a domain even
            // with a credential id.
            return Err(Error::missing_option_in(
                "user-domain-id or user-domain-name",
                format!("{NAME}: needed with username"),
            ));
        }
        let method = self.credential.resolve(NAME, || self.options.user(NAME))?;
        Ok(ApplicationCredential {
            inner: self
                .options
                .into_scoped_auth(NAME, vec![Box::new(method)], Scope::Unscoped)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_by_id_and_by_name() {
        let by_id = ApplicationCredential::builder("http://h/v3")
            .application_credential_id("ac1")
            .application_credential_secret("s")
            .build()
            .unwrap();
        assert_eq!(by_id.inner.methods[0].payload(), json!({"id": "ac1", "secret": "s"}));

        let by_name = ApplicationCredential::builder("http://h/v3")
            .application_credential_name("backup")
            .application_credential_secret("s")
            .username("demo")
            .user_domain_name("Default")
            .build()
            .unwrap();
        assert_eq!(
            by_name.inner.methods[0].payload(),
            json!({"name": "backup", "secret": "s", "user": {"name": "demo", "domain": {"name": "Default"}}})
        );
        let body = by_name.inner.body();
        assert_eq!(body["auth"]["identity"]["methods"], json!(["application_credential"]));
        assert!(body["auth"].get("scope").is_none());
    }

    #[test]
    fn options_are_validated() {
        let b = || ApplicationCredential::builder("http://h/v3");
        let err = b().application_credential_id("x").build().unwrap_err().to_string();
        assert!(err.contains("application-credential-secret"), "{err}");
        let err = b().application_credential_secret("s").build().unwrap_err().to_string();
        assert!(
            err.contains("application-credential-id or application-credential-name"),
            "{err}"
        );
        let err = b()
            .application_credential_name("n")
            .application_credential_secret("s")
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user-id or username") && err.contains("application-credential-name"),
            "{err}"
        );
        let err = b()
            .application_credential_name("n")
            .application_credential_secret("s")
            .username("u")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("user-domain-id or user-domain-name"), "{err}");
    }

    #[test]
    fn the_secret_is_not_in_the_cache_id_or_debug() {
        use crate::AuthPlugin;
        let a = ApplicationCredential::builder("http://h/v3")
            .application_credential_id("ac1")
            .application_credential_secret("canary-secret")
            .build()
            .unwrap();
        let b = ApplicationCredential::builder("http://h/v3")
            .application_credential_id("ac2")
            .application_credential_secret("canary-secret")
            .build()
            .unwrap();
        assert_ne!(a.cache_id(), b.cache_id());
        let builder = ApplicationCredential::builder("http://h").application_credential_secret("canary-secret");
        let shown = format!("{a:?} {builder:?}");
        assert!(!shown.contains("canary-secret"), "{shown}");
    }
}
