//! `v3multifactor`: several auth methods in one request, and auth receipts
//! to satisfy them over several requests.

use std::fmt;

use secrecy::SecretString;

use super::application_credential::{app_cred_setters, AppCredOptions, AppCredRef, ApplicationCredentialMethod};
use super::password::UserSecretMethod;
use super::token::TokenMethod;
use super::{receipt_setter, scope_setters, AuthMethod, DomainSpec, UserSpec, V3Auth, V3Options};
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::masked_url::MaskedUrl;

/// A user given to one [`IdentityMethod`]: by id, or by name in a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User(UserSpec);

impl User {
    /// The user with this id.
    pub fn id(id: impl Into<String>) -> Self {
        User(UserSpec::Id(id.into()))
    }

    /// The user with this name in the domain with this id.
    pub fn name_in_domain_id(name: impl Into<String>, domain_id: impl Into<String>) -> Self {
        User(UserSpec::Name {
            name: name.into(),
            domain: DomainSpec::Id(domain_id.into()),
        })
    }

    /// The user with this name in the domain with this name.
    pub fn name_in_domain_name(name: impl Into<String>, domain_name: impl Into<String>) -> Self {
        User(UserSpec::Name {
            name: name.into(),
            domain: DomainSpec::Name(domain_name.into()),
        })
    }
}

/// One auth method of a [`MultiFactor`] plugin (a v3 `auth.identity`
/// method), with its secret. `Debug` never shows the secret.
///
/// ```
/// use keystoneauth::identity::v3::{IdentityMethod, User};
/// let m = IdentityMethod::totp(User::id("9f2c..."), "123456");
/// assert_eq!(m.name(), "totp");
/// assert!(!format!("{m:?}").contains("123456"));
/// ```
pub struct IdentityMethod(Box<dyn AuthMethod>);

impl fmt::Debug for IdentityMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl IdentityMethod {
    /// The `password` method.
    pub fn password(user: User, password: impl Into<SecretString>) -> Self {
        IdentityMethod(Box::new(UserSecretMethod::password(user.0, password.into())))
    }

    /// The `totp` method: a passcode from the user's authenticator.
    pub fn totp(user: User, passcode: impl Into<SecretString>) -> Self {
        IdentityMethod(Box::new(UserSecretMethod::totp(user.0, passcode.into())))
    }

    /// The `token` method: an existing token.
    pub fn token(token: impl Into<SecretString>) -> Self {
        IdentityMethod(Box::new(TokenMethod { token: token.into() }))
    }

    /// The `application_credential` method, by credential id.
    pub fn application_credential_id(id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        IdentityMethod(Box::new(ApplicationCredentialMethod {
            credential: AppCredRef::Id(id.into()),
            secret: secret.into(),
        }))
    }

    /// The `application_credential` method, by credential name and owner.
    pub fn application_credential_name(name: impl Into<String>, user: User, secret: impl Into<SecretString>) -> Self {
        IdentityMethod(Box::new(ApplicationCredentialMethod {
            credential: AppCredRef::Name {
                name: name.into(),
                user: user.0,
            },
            secret: secret.into(),
        }))
    }

    /// The method's name in the request (`password`, `totp`, `token`,
    /// `application_credential`).
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

/// The method names `auth_methods` accepts: keystoneauth1's plugin names
/// (which is what its `v3multifactor` takes) and the bare method names.
const METHOD_NAMES: &[(&str, &str)] = &[
    ("v3password", "password"),
    ("password", "password"),
    ("v3totp", "totp"),
    ("totp", "totp"),
    ("v3token", "token"),
    ("token", "token"),
    ("v3applicationcredential", "application_credential"),
    ("application_credential", "application_credential"),
];

/// Identity v3 authentication with several methods at once (keystoneauth1's
/// `v3multifactor`), for users whose multi-factor rules need, say, a
/// password and a TOTP passcode.
///
/// Methods are given either as keystoneauth1 does, by name with
/// [`auth_methods`](MultiFactorBuilder::auth_methods) (`v3password`,
/// `v3totp`, `v3token`, `v3applicationcredential`, or the bare method
/// names) plus the options they need on the builder, or one by one as
/// typed [`IdentityMethod`]s with [`method`](MultiFactorBuilder::method).
///
/// When Keystone accepts some methods but needs more, authentication fails
/// with [`Error::MissingAuthMethods`], which carries an auth receipt. Build
/// a new plugin with the missing method(s) and
/// [`receipt`](MultiFactorBuilder::receipt) to finish:
///
/// ```no_run
/// use keystoneauth::identity::v3::{IdentityMethod, MultiFactor, User};
/// use keystoneauth::{AuthPlugin, Session};
///
/// # async fn demo(passcode: String) -> keystoneauth::Result<()> {
/// let session = Session::new()?;
/// let user = || User::name_in_domain_id("alice", "default");
/// let first = MultiFactor::builder("http://127.0.0.1:5000/v3")
///     .method(IdentityMethod::password(user(), "s3cr3t"))
///     .project_id("9a8b...")
///     .build()?;
/// let receipt = match first.access_info(session.transport()).await {
///     Err(e) => match e.missing_auth_methods() {
///         Some(missing) => missing.receipt().clone(),
///         None => return Err(e),
///     },
///     Ok(_) => return Ok(()),
/// };
/// let second = MultiFactor::builder("http://127.0.0.1:5000/v3")
///     .method(IdentityMethod::totp(user(), passcode))
///     .receipt(receipt)
///     .project_id("9a8b...")
///     .build()?;
/// let token = second.token(session.transport()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MultiFactor {
    inner: V3Auth,
}

impl MultiFactor {
    /// A builder for a plugin authenticating at `auth_url` (with or without
    /// a trailing `/v3`).
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> MultiFactorBuilder {
        MultiFactorBuilder {
            options: V3Options::new(auth_url),
            auth_methods: Vec::new(),
            methods: Vec::new(),
            password: None,
            passcode: None,
            token: None,
            credential: AppCredOptions::default(),
            receipt: None,
        }
    }

    /// The auth URL.
    pub fn auth_url(&self) -> &MaskedUrl {
        self.inner.auth_url()
    }

    /// The names of the methods sent (`password`, `totp`...).
    pub fn method_names(&self) -> Vec<&'static str> {
        self.inner.methods.iter().map(|m| m.name()).collect()
    }
}

identity_plugin!(MultiFactor, inner);

/// Builds a [`MultiFactor`] plugin.
#[must_use]
#[derive(Debug)]
pub struct MultiFactorBuilder {
    pub(crate) options: V3Options,
    auth_methods: Vec<String>,
    methods: Vec<IdentityMethod>,
    password: Option<SecretString>,
    passcode: Option<SecretString>,
    token: Option<SecretString>,
    credential: AppCredOptions,
    receipt: Option<SecretString>,
}

impl MultiFactorBuilder {
    /// The methods to authenticate with, by name (keystoneauth1's
    /// `auth_methods`: `v3password`, `v3totp`, `v3token`,
    /// `v3applicationcredential`, or `password`, `totp`, `token`,
    /// `application_credential`). Each takes its options from this builder.
    pub fn auth_methods<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.auth_methods.extend(names.into_iter().map(Into::into));
        self
    }

    /// Adds a method built with its own options.
    pub fn method(mut self, method: IdentityMethod) -> Self {
        self.methods.push(method);
        self
    }

    super::user_setters!();

    /// The password (for the password method).
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The TOTP passcode (for the totp method).
    pub fn passcode(mut self, passcode: impl Into<SecretString>) -> Self {
        self.passcode = Some(passcode.into());
        self
    }

    /// The existing token (for the token method).
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    app_cred_setters!();
    receipt_setter!();

    scope_setters!();

    fn named_method(&self, name: &str) -> Result<Box<dyn AuthMethod>> {
        const NAME: &str = "v3multifactor";
        let missing = |option: &str, method: &str| {
            Error::missing_option_in(option.to_owned(), format!("{NAME}: needed by the {method} method"))
        };
        let method = METHOD_NAMES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(name.trim()))
            .map(|(_, method)| *method)
            .ok_or_else(|| Error::invalid_option_in("auth-methods", NAME, format!(
                    "{name:?} is not a method this plugin can combine; use v3password, v3totp, v3token or v3applicationcredential"
                )))?;
        Ok(match method {
            "password" => Box::new(UserSecretMethod::password(
                self.options.user(NAME)?,
                self.password.clone().ok_or_else(|| missing("password", method))?,
            )),
            "totp" => Box::new(UserSecretMethod::totp(
                self.options.user(NAME)?,
                self.passcode.clone().ok_or_else(|| missing("passcode", method))?,
            )),
            "token" => Box::new(TokenMethod {
                token: self.token.clone().ok_or_else(|| missing("token", method))?,
            }),
            _ => Box::new(self.credential.resolve(NAME, || self.options.user(NAME))?),
        })
    }

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<MultiFactor> {
        const NAME: &str = "v3multifactor";
        let mut methods: Vec<Box<dyn AuthMethod>> = Vec::new();
        for name in &self.auth_methods {
            methods.push(self.named_method(name)?);
        }
        methods.extend(self.methods.into_iter().map(|m| m.0));
        if methods.is_empty() {
            return Err(Error::missing_option_in("auth-methods", NAME));
        }
        for (i, m) in methods.iter().enumerate() {
            if methods[..i].iter().any(|earlier| earlier.name() == m.name()) {
                return Err(Error::invalid_option_in(
                    "auth-methods",
                    NAME,
                    format!("the {} method is given more than once", m.name()),
                ));
            }
        }
        Ok(MultiFactor {
            inner: self.options.into_auth(NAME, methods)?.with_receipt(self.receipt),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthPlugin;
    use serde_json::json;

    #[test]
    fn named_methods_take_the_builder_options() {
        let mf = MultiFactor::builder("http://h/v3")
            .auth_methods(["v3password", "v3totp"])
            .username("mfa")
            .user_domain_id("default")
            .password("pw")
            .passcode("123456")
            .project_id("p")
            .build()
            .unwrap();
        assert_eq!(mf.method_names(), ["password", "totp"]);
        let user = json!({"name": "mfa", "domain": {"id": "default"}});
        let mut with_password = user.clone();
        with_password["password"] = json!("pw");
        let mut with_passcode = user;
        with_passcode["passcode"] = json!("123456");
        assert_eq!(
            mf.inner.body(),
            json!({"auth": {
                "identity": {
                    "methods": ["password", "totp"],
                    "password": {"user": with_password},
                    "totp": {"user": with_passcode},
                },
                "scope": {"project": {"id": "p"}},
            }})
        );
    }

    #[test]
    fn typed_methods() {
        let mf = MultiFactor::builder("http://h")
            .method(IdentityMethod::token("tok"))
            .method(IdentityMethod::application_credential_name(
                "ac",
                User::name_in_domain_name("u", "Default"),
                "s",
            ))
            .method(IdentityMethod::password(User::id("u1"), "pw"))
            .build()
            .unwrap();
        assert_eq!(mf.method_names(), ["token", "application_credential", "password"]);
        let body = mf.inner.body();
        assert_eq!(body["auth"]["identity"]["token"], json!({"id": "tok"}));
        assert_eq!(
            body["auth"]["identity"]["application_credential"],
            json!({"name": "ac", "secret": "s", "user": {"name": "u", "domain": {"name": "Default"}}})
        );
        let m = IdentityMethod::application_credential_id("ac", "s");
        assert_eq!(m.name(), "application_credential");
    }

    #[test]
    fn options_are_validated() {
        let b = || MultiFactor::builder("http://h/v3");
        let err = b().build().unwrap_err().to_string();
        assert!(err.contains("auth-methods"), "{err}");
        let err = b().auth_methods(["v3oidcpassword"]).build().unwrap_err().to_string();
        assert!(err.contains("v3oidcpassword"), "{err}");
        let err = b()
            .auth_methods(["password", "totp"])
            .user_id("u")
            .password("p")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("passcode") && err.contains("totp method"), "{err}");
        let err = b()
            .auth_methods(["password"])
            .method(IdentityMethod::password(User::id("u"), "p"))
            .user_id("u")
            .password("p")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than once"), "{err}");
        let err = b().auth_methods(["v3token"]).build().unwrap_err().to_string();
        assert!(err.contains("token"), "{err}");
        let err = b()
            .auth_methods(["v3applicationcredential"])
            .application_credential_name("n")
            .application_credential_secret("s")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("user-id or username"), "{err}");
    }

    #[test]
    fn secrets_stay_out_of_debug_and_cache_id() {
        let build = |passcode: &str, receipt: &str| {
            MultiFactor::builder("http://h/v3")
                .auth_methods(["password", "totp", "application_credential"])
                .user_id("u")
                .password("canary-password")
                .passcode(passcode.to_owned())
                .application_credential_id("ac")
                .application_credential_secret("canary-ac-secret")
                .receipt(receipt.to_owned())
        };
        let builder = build("canary-passcode", "canary-receipt");
        let shown = format!("{builder:?}");
        let plugin = builder.build().unwrap();
        let shown = format!("{shown} {plugin:?}");
        for canary in [
            "canary-password",
            "canary-passcode",
            "canary-ac-secret",
            "canary-receipt",
        ] {
            assert!(!shown.contains(canary), "{canary}: {shown}");
        }
        assert_eq!(
            plugin.cache_id(),
            build("other-passcode", "other-receipt").build().unwrap().cache_id()
        );
    }
}
