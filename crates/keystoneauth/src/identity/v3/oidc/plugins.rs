//! The OpenID Connect plugins with a single token request: password,
//! client credentials, authorization code, and an access token given
//! directly.

use secrecy::{ExposeSecret, SecretString};

use super::{oidc_setters, Federation, GivenToken, Grant, OidcAuth, OidcOptions, TokenSource};
use crate::error::{Error, Result};
use crate::identity::base::identity_plugin;
use crate::identity::v3::{scope_setters, V3Options};
use crate::masked_url::MaskedUrl;

/// Declares a plugin type wrapping [`OidcAuth`], its `builder` and accessors.
macro_rules! oidc_plugin {
    ($(#[$meta:meta])* $name:ident, $builder:ident { $($field:ident: $init:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name {
            inner: OidcAuth,
        }

        impl $name {
            /// A builder for a plugin authenticating at `auth_url` through the
            /// identity provider and protocol registered in Keystone under
            /// these names.
            pub fn builder(
                auth_url: impl Into<MaskedUrl>,
                identity_provider: impl Into<String>,
                protocol: impl Into<String>,
            ) -> $builder {
                $builder {
                    options: V3Options::new(auth_url),
                    identity_provider: identity_provider.into(),
                    protocol: protocol.into(),
                    $($field: $init,)*
                }
            }

            /// The auth URL.
            pub fn auth_url(&self) -> &MaskedUrl {
                self.inner.auth_url()
            }

            /// The identity provider's name in Keystone.
            pub fn identity_provider(&self) -> &str {
                self.inner.identity_provider()
            }

            /// The federation protocol's name in Keystone.
            pub fn protocol(&self) -> &str {
                self.inner.protocol()
            }
        }

        identity_plugin!($name, inner);
    };
}
pub(super) use oidc_plugin;

/// Builds the federation part of a plugin from a builder.
macro_rules! federation {
    ($name:expr, $b:expr) => {
        Federation::new($name, &$b.options, $b.identity_provider, $b.protocol)?
    };
}

oidc_plugin!(
    /// OpenID Connect resource owner password credentials (keystoneauth1's
    /// `v3oidcpassword`): the user's name and password at the provider's
    /// token endpoint (`grant_type=password`), the access token exchanged at
    /// Keystone's federation endpoint, then re-scoped when a scope is given.
    ///
    /// ```
    /// use keystoneauth::identity::v3::OidcPassword;
    /// let auth = OidcPassword::builder("https://keystone.example.org/v3", "myidp", "openid")
    ///     .client_id("openstack")
    ///     .client_secret("client-s3cret")
    ///     .discovery_endpoint("https://idp.example.org/.well-known/openid-configuration")
    ///     .username("alice")
    ///     .password("alice-s3cret")
    ///     .project_name("demo")
    ///     .project_domain_name("Default")
    ///     .build()
    ///     .unwrap();
    /// let shown = format!("{auth:?}");
    /// assert!(!shown.contains("s3cret"));
    /// ```
    OidcPassword,
    OidcPasswordBuilder {
        oidc: OidcOptions::default(),
        username: None,
        password: None,
        idp_otp_key: None,
        idp_otp: None,
    }
);

/// Builds an [`OidcPassword`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OidcPasswordBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    oidc: OidcOptions,
    username: Option<String>,
    password: Option<SecretString>,
    idp_otp_key: Option<String>,
    idp_otp: Option<SecretString>,
}

impl OidcPasswordBuilder {
    oidc_setters!();

    /// The user's name at the identity provider.
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.username = Some(name.into());
        self
    }

    /// The user's password at the identity provider.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The form field in which the provider expects a one-time password
    /// (keystoneauth1's `idp_otp_key`, for example `totp`); give the
    /// password itself with [`idp_otp`](Self::idp_otp).
    pub fn idp_otp_key(mut self, key: impl Into<String>) -> Self {
        self.idp_otp_key = Some(key.into());
        self
    }

    /// The one-time password sent in the [`idp_otp_key`](Self::idp_otp_key) field.
    pub fn idp_otp(mut self, otp: impl Into<SecretString>) -> Self {
        self.idp_otp = Some(otp.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OidcPassword> {
        const NAME: &str = "v3oidcpassword";
        let username = self
            .username
            .clone()
            .ok_or_else(|| Error::missing_option_in("username", NAME))?;
        let password = self
            .password
            .clone()
            .ok_or_else(|| Error::missing_option_in("password", NAME))?;
        let otp = match (self.idp_otp_key.clone(), self.idp_otp.clone()) {
            (Some(key), Some(otp)) if !key.is_empty() => Some((key, otp)),
            (Some(_), _) => return Err(Error::missing_option_in("the one-time password for idp-otp-key", NAME)),
            (None, Some(_)) => {
                return Err(Error::missing_option_in(
                    "idp-otp-key",
                    format!("{NAME}: needed with a one-time password"),
                ))
            }
            (None, None) => None,
        };
        let provider = self.oidc.provider(NAME)?;
        let federation = federation!(NAME, self);
        let grant = Grant::Password {
            username,
            password,
            otp,
        };
        Ok(OidcPassword {
            inner: OidcAuth::new(
                federation,
                TokenSource::provider(provider, grant),
                self.options.reauth_margin,
            ),
        })
    }
}

oidc_plugin!(
    /// OpenID Connect client credentials (keystoneauth1's
    /// `v3oidcclientcredentials`): the client's own id and secret at the
    /// provider's token endpoint (`grant_type=client_credentials`), for
    /// services and automation.
    ///
    /// ```
    /// use keystoneauth::identity::v3::OidcClientCredentials;
    /// let auth = OidcClientCredentials::builder("https://keystone.example.org/v3", "myidp", "openid")
    ///     .client_id("backup-service")
    ///     .client_secret("client-s3cret")
    ///     .access_token_endpoint("https://idp.example.org/token")
    ///     .project_id("4f2a...")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{auth:?}").contains("s3cret"));
    /// ```
    OidcClientCredentials,
    OidcClientCredentialsBuilder {
        oidc: OidcOptions::default(),
    }
);

/// Builds an [`OidcClientCredentials`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OidcClientCredentialsBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    oidc: OidcOptions,
}

impl OidcClientCredentialsBuilder {
    oidc_setters!();
    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OidcClientCredentials> {
        const NAME: &str = "v3oidcclientcredentials";
        let provider = self.oidc.provider(NAME)?;
        let federation = federation!(NAME, self);
        Ok(OidcClientCredentials {
            inner: OidcAuth::new(
                federation,
                TokenSource::provider(provider, Grant::ClientCredentials),
                self.options.reauth_margin,
            ),
        })
    }
}

oidc_plugin!(
    /// OpenID Connect authorization code (keystoneauth1's `v3oidcauthcode`):
    /// an authorization code the application got from the provider's
    /// authorization endpoint (`grant_type=authorization_code`, with the
    /// redirect URI used there and, with PKCE, the code verifier).
    ///
    /// A code can be used only once: when the token expires, authenticating
    /// again needs a new code and so a new plugin.
    ///
    /// ```
    /// use keystoneauth::identity::v3::OidcAuthorizationCode;
    /// let auth = OidcAuthorizationCode::builder("https://keystone.example.org/v3", "myidp", "openid")
    ///     .client_id("openstack")
    ///     .discovery_endpoint("https://idp.example.org/.well-known/openid-configuration")
    ///     .code("SplxlOBeZQQYbYS6WxSbIA")
    ///     .redirect_uri("http://127.0.0.1:8400/callback")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{auth:?}").contains("SplxlOBeZQQYbYS6WxSbIA"));
    /// ```
    OidcAuthorizationCode,
    OidcAuthorizationCodeBuilder {
        oidc: OidcOptions::default(),
        code: None,
        redirect_uri: None,
        code_verifier: None,
    }
);

/// Builds an [`OidcAuthorizationCode`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OidcAuthorizationCodeBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    oidc: OidcOptions,
    code: Option<SecretString>,
    redirect_uri: Option<String>,
    code_verifier: Option<SecretString>,
}

impl OidcAuthorizationCodeBuilder {
    oidc_setters!();

    /// The authorization code.
    pub fn code(mut self, code: impl Into<SecretString>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The redirect URI the code was sent to.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// The PKCE code verifier, when the authorization request carried a
    /// challenge (see [`Pkce`](super::Pkce)).
    pub fn code_verifier(mut self, verifier: impl Into<SecretString>) -> Self {
        self.code_verifier = Some(verifier.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OidcAuthorizationCode> {
        const NAME: &str = "v3oidcauthcode";
        let code = self
            .code
            .clone()
            .filter(|c| !c.expose_secret().is_empty())
            .ok_or_else(|| Error::missing_option_in("code", NAME))?;
        let provider = self.oidc.provider(NAME)?;
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri: self.redirect_uri.clone(),
            code_verifier: self.code_verifier.clone(),
        };
        let federation = federation!(NAME, self);
        Ok(OidcAuthorizationCode {
            inner: OidcAuth::new(
                federation,
                TokenSource::provider(provider, grant),
                self.options.reauth_margin,
            ),
        })
    }
}

oidc_plugin!(
    /// An OpenID Connect access token obtained elsewhere (keystoneauth1's
    /// `v3oidcaccesstoken`): exchanged at Keystone's federation endpoint,
    /// then re-scoped when a scope is given. No provider is contacted.
    ///
    /// ```
    /// use keystoneauth::identity::v3::OidcAccessToken;
    /// let auth = OidcAccessToken::builder("https://keystone.example.org/v3", "myidp", "openid")
    ///     .access_token("eyJhbGciOi...")
    ///     .project_id("4f2a...")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{auth:?}").contains("eyJhbGciOi"));
    /// ```
    OidcAccessToken,
    OidcAccessTokenBuilder {
        access_token: None,
    }
);

/// Builds an [`OidcAccessToken`] plugin.
#[must_use]
#[derive(Debug)]
pub struct OidcAccessTokenBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    access_token: Option<SecretString>,
}

impl OidcAccessTokenBuilder {
    /// The access token.
    pub fn access_token(mut self, token: impl Into<SecretString>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<OidcAccessToken> {
        const NAME: &str = "v3oidcaccesstoken";
        let token = self
            .access_token
            .clone()
            .filter(|t| !t.expose_secret().is_empty())
            .ok_or_else(|| Error::missing_option_in("access-token", NAME))?;
        let federation = federation!(NAME, self);
        Ok(OidcAccessToken {
            inner: OidcAuth::new(
                federation,
                TokenSource::Given(GivenToken(token)),
                self.options.reauth_margin,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthPlugin;

    #[test]
    fn required_options() {
        let b = || {
            OidcPassword::builder("http://h/v3", "idp", "openid")
                .client_id("c")
                .access_token_endpoint("https://idp/token")
        };
        assert!(b().password("p").build().unwrap_err().to_string().contains("username"));
        assert!(b().username("u").build().unwrap_err().to_string().contains("password"));
        let err = b()
            .username("u")
            .password("p")
            .idp_otp_key("totp")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("idp-otp-key"), "{err}");
        b().username("u").password("p").build().unwrap();

        let err = OidcAuthorizationCode::builder("http://h/v3", "idp", "openid")
            .client_id("c")
            .access_token_endpoint("https://idp/token")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("code") && err.contains("v3oidcauthcode"), "{err}");

        let err = OidcAccessToken::builder("http://h/v3", "idp", "openid")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("access-token"), "{err}");

        let err = OidcClientCredentials::builder("http://h/v3", "idp", "openid")
            .client_id("c")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("access-token-endpoint or discovery-endpoint"), "{err}");

        let err = OidcClientCredentials::builder("http://h/v3", "idp", "openid")
            .client_id("c")
            .access_token_endpoint("https://idp/token")
            .project_name("demo")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("project-domain-id or project-domain-name"), "{err}");
    }

    #[test]
    fn cache_ids_differ_by_identity_and_hide_secrets() {
        let p = |user: &str, project: &str| {
            OidcPassword::builder("http://h/v3", "idp", "openid")
                .client_id("c")
                .client_secret("canary-client-secret")
                .access_token_endpoint("https://idp/token")
                .username(user)
                .password("canary-password")
                .project_id(project)
                .build()
                .unwrap()
        };
        assert_eq!(p("a", "p1").cache_id(), p("a", "p1").cache_id());
        assert_ne!(p("a", "p1").cache_id(), p("b", "p1").cache_id());
        assert_ne!(p("a", "p1").cache_id(), p("a", "p2").cache_id());
        let t = |token: &str| {
            OidcAccessToken::builder("http://h/v3", "idp", "openid")
                .access_token(token)
                .build()
                .unwrap()
        };
        assert_ne!(t("x").cache_id(), t("y").cache_id());
        let shown = format!("{:?} {:?}", p("a", "p1"), t("canary-access-token"));
        assert!(!shown.contains("canary"), "{shown}");
    }
}
