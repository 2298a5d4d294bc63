//! OpenID Connect: federated authentication with an access token from an
//! OpenID Connect provider (keystoneauth1's `v3oidc*` plugins).
//!
//! Every plugin here works in the same steps, as keystoneauth1's
//! `_OidcBase` does:
//!
//! 1. Get an access token (or an id token, see [`AccessTokenType`]) from the
//!    provider's token endpoint with the plugin's grant, or take the one
//!    given ([`OidcAccessToken`]). The token endpoint is
//!    `access_token_endpoint`, else the `token_endpoint` of the discovery
//!    document at `discovery_endpoint`.
//! 2. POST it as `Authorization: Bearer` to Keystone's
//!    `/v3/OS-FEDERATION/identity_providers/{identity_provider}/protocols/{protocol}/auth`,
//!    which answers with an unscoped token.
//! 3. When a scope is given, exchange that token for a scoped one with the
//!    v3 `token` method.
//!
//! A refresh token in the provider's answer is kept; when Keystone's token
//! must be renewed, step 1 uses it first (`grant_type=refresh_token`) and
//! runs the grant again only when the provider refuses it.
//!
//! The client id is sent once: with the secret as HTTP Basic when there is
//! a secret, else in the form (keystoneauth1 sends it in both places, which
//! Okta rejects). A provider's error answer becomes an
//! [`Error::Authorization`] whose source is an [`OAuthError`].

mod auth;
mod device;
mod pkce;
mod plugins;
pub(crate) mod provider;
mod refresh;

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::Transport;
use provider::{ClientAuth, DiscoveryDocument};

pub(crate) use super::federation::Federation;
pub(crate) use auth::{GivenToken, OidcAuth, TokenSource};
pub(crate) use refresh::Tokens;

pub use device::{
    DeviceAuthorizationInfo, DeviceAuthorizationPrompt, LogPrompt, OidcDeviceAuthorization,
    OidcDeviceAuthorizationBuilder, StderrPrompt,
};
pub use pkce::{CodeChallengeMethod, Pkce};
pub use plugins::{
    OidcAccessToken, OidcAccessTokenBuilder, OidcAuthorizationCode, OidcAuthorizationCodeBuilder,
    OidcClientCredentials, OidcClientCredentialsBuilder, OidcPassword, OidcPasswordBuilder,
};
pub use provider::OAuthError;

/// keystoneauth1's default OpenID Connect scope.
pub const DEFAULT_OPENID_SCOPE: &str = "openid profile";

/// Which token of the provider's answer is sent to Keystone
/// (keystoneauth1's `access_token_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AccessTokenType {
    /// The OAuth 2.0 `access_token` (the default).
    #[default]
    AccessToken,
    /// The OpenID Connect `id_token`.
    IdToken,
}

impl AccessTokenType {
    /// The field of the token answer: `access_token` or `id_token`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessTokenType::AccessToken => "access_token",
            AccessTokenType::IdToken => "id_token",
        }
    }
}

impl fmt::Display for AccessTokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessTokenType {
    type Err = Error;

    /// Parses `access_token` or `id_token`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "access_token" => Ok(AccessTokenType::AccessToken),
            "id_token" => Ok(AccessTokenType::IdToken),
            other => Err(Error::invalid_option(
                "access-token-type",
                format!("{other:?} is not a token type; use access_token or id_token"),
            )),
        }
    }
}

/// Parses an endpoint option as a URL.
fn parse_endpoint(option: &str, plugin: &str, value: &MaskedUrl) -> Result<Url> {
    Url::parse(value.expose()).map_err(|e| {
        Error::invalid_option_in(
            option.to_owned(),
            plugin.to_owned(),
            format!("{value:?} is not an absolute URL ({e})"),
        )
    })
}

/// How an access token is obtained from the provider.
pub(crate) enum Grant {
    /// Resource owner password credentials.
    Password {
        username: String,
        password: SecretString,
        /// The form field and value of a one-time password for the provider.
        otp: Option<(String, SecretString)>,
    },
    /// Client credentials.
    ClientCredentials,
    /// An authorization code the application obtained.
    AuthorizationCode {
        code: SecretString,
        redirect_uri: Option<String>,
        code_verifier: Option<SecretString>,
    },
    /// The device authorization grant (RFC 8628).
    Device(device::DeviceGrant),
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::Password { username, otp, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &crate::redact::MASK)
                .field("otp_key", &otp.as_ref().map(|(k, _)| k))
                .finish(),
            Grant::ClientCredentials => f.write_str("ClientCredentials"),
            Grant::AuthorizationCode {
                redirect_uri,
                code_verifier,
                ..
            } => f
                .debug_struct("AuthorizationCode")
                .field("code", &crate::redact::MASK)
                .field("redirect_uri", redirect_uri)
                .field("code_verifier", &code_verifier.as_ref().map(|_| crate::redact::MASK))
                .finish(),
            Grant::Device(d) => d.fmt(f),
        }
    }
}

impl Grant {
    /// The `grant_type`.
    fn grant_type(&self) -> &'static str {
        match self {
            Grant::Password { .. } => "password",
            Grant::ClientCredentials => "client_credentials",
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::Device(_) => device::GRANT_TYPE,
        }
    }

    /// A name for messages.
    fn describe(&self) -> &'static str {
        match self {
            Grant::Password { .. } => "password grant",
            Grant::ClientCredentials => "client credentials grant",
            Grant::AuthorizationCode { .. } => "authorization code grant",
            Grant::Device(_) => "device code grant",
        }
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        match self {
            Grant::Password { username, .. } => parts.push(("username", username.clone())),
            Grant::ClientCredentials => {}
            Grant::AuthorizationCode { code, redirect_uri, .. } => {
                parts.push(("code", crate::redact::hash_secret(code.expose_secret().as_bytes())));
                if let Some(r) = redirect_uri {
                    parts.push(("redirect_uri", r.clone()));
                }
            }
            Grant::Device(_) => parts.push(("grant", device::GRANT_TYPE.to_owned())),
        }
    }
}

/// The provider's side: the client, the endpoints and the discovery
/// document (fetched once).
pub(crate) struct Provider {
    plugin_name: &'static str,
    client: ClientAuth,
    access_token_endpoint: Option<Url>,
    discovery_endpoint: Option<Url>,
    access_token_type: AccessTokenType,
    openid_scope: String,
    discovery: tokio::sync::OnceCell<DiscoveryDocument>,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("client", &self.client)
            .field(
                "access_token_endpoint",
                &self.access_token_endpoint.as_ref().map(crate::redact::url),
            )
            .field(
                "discovery_endpoint",
                &self.discovery_endpoint.as_ref().map(crate::redact::url),
            )
            .field("access_token_type", &self.access_token_type)
            .field("openid_scope", &self.openid_scope)
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// The discovery document, fetched on first use, when there is a
    /// discovery endpoint.
    async fn discovery(&self, transport: &Transport) -> Result<Option<&DiscoveryDocument>> {
        let Some(url) = &self.discovery_endpoint else {
            return Ok(None);
        };
        self.discovery
            .get_or_try_init(|| provider::fetch_discovery(transport, url))
            .await
            .map(Some)
    }

    /// The token endpoint: the one given, else the discovered one.
    async fn token_endpoint(&self, transport: &Transport) -> Result<Url> {
        if let Some(url) = &self.access_token_endpoint {
            return Ok(url.clone());
        }
        let discovered = self.discovery(transport).await?;
        discovered.and_then(|d| d.token_endpoint.clone()).ok_or_else(|| {
            Error::invalid_response(
                self.discovery_endpoint
                    .as_ref()
                    .map(crate::redact::url)
                    .unwrap_or_default(),
                "the OpenID Connect discovery document has no token_endpoint; give access-token-endpoint",
            )
        })
    }

    /// Fails when the discovery document lists the grant types the provider
    /// supports and this one is not among them.
    async fn check_grant_type(&self, transport: &Transport, grant_type: &str) -> Result<()> {
        let Some(doc) = self.discovery(transport).await? else {
            return Ok(());
        };
        match &doc.grant_types_supported {
            Some(supported) if !supported.is_empty() && !supported.iter().any(|g| g == grant_type) => {
                Err(Error::authorization(format!(
                        "the OpenID Connect provider does not support the grant type {grant_type:?} ({} needs it; its discovery document lists {})",
                        self.plugin_name,
                        supported.join(", ")
                    )))
            }
            _ => Ok(()),
        }
    }

    /// Sends a token request and returns the token of the configured type.
    async fn request_token(
        &self,
        transport: &Transport,
        form: Vec<(String, String)>,
        what: &str,
        secrets: &[&SecretString],
    ) -> Result<Tokens> {
        let endpoint = self.token_endpoint(transport).await?;
        let answer = provider::post_form(transport, &self.client, &endpoint, form, what, secrets).await?;
        let token = provider::secret_field(&answer, self.access_token_type.as_str(), &endpoint, what)?;
        let refresh = provider::secret_field(&answer, "refresh_token", &endpoint, what).ok();
        tracing::debug!(
            target: crate::transport::LOG_TARGET,
            plugin = self.plugin_name,
            endpoint = %crate::redact::url(&endpoint),
            token_type = self.access_token_type.as_str(),
            expires_in = provider::expires_in(&answer).map(|d| d.as_secs()),
            refresh_token = refresh.is_some(),
            "got a token from the OpenID Connect provider"
        );
        Ok(Tokens { token, refresh })
    }

    /// Runs a grant.
    async fn obtain(&self, transport: &Transport, grant: &Grant) -> Result<Tokens> {
        let grant_type = grant.grant_type();
        self.check_grant_type(transport, grant_type).await?;
        let mut form: Vec<(String, String)> = vec![("grant_type".into(), grant_type.into())];
        let mut secrets: Vec<&SecretString> = Vec::new();
        match grant {
            Grant::Password {
                username,
                password,
                otp,
            } => {
                form.push(("username".into(), username.clone()));
                form.push(("password".into(), password.expose_secret().to_owned()));
                form.push(("scope".into(), self.openid_scope.clone()));
                secrets.push(password);
                if let Some((key, value)) = otp {
                    form.push((key.clone(), value.expose_secret().to_owned()));
                    secrets.push(value);
                }
            }
            Grant::ClientCredentials => form.push(("scope".into(), self.openid_scope.clone())),
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                if let Some(r) = redirect_uri {
                    form.push(("redirect_uri".into(), r.clone()));
                }
                form.push(("code".into(), code.expose_secret().to_owned()));
                secrets.push(code);
                if let Some(v) = code_verifier {
                    form.push(("code_verifier".into(), v.expose_secret().to_owned()));
                    secrets.push(v);
                }
            }
            Grant::Device(d) => return d.obtain(self, transport).await,
        }
        self.request_token(transport, form, grant.describe(), &secrets).await
    }

    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        parts.push(("client_id", self.client.client_id.clone()));
        if let Some(u) = &self.access_token_endpoint {
            parts.push(("access_token_endpoint", u.as_str().to_owned()));
        }
        if let Some(u) = &self.discovery_endpoint {
            parts.push(("discovery_endpoint", u.as_str().to_owned()));
        }
        parts.push(("access_token_type", self.access_token_type.as_str().to_owned()));
        parts.push(("openid_scope", self.openid_scope.clone()));
    }
}

/// The provider options every grant-based builder takes, with
/// keystoneauth1's names.
#[derive(Clone, Default)]
pub(crate) struct OidcOptions {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) access_token_endpoint: Option<MaskedUrl>,
    pub(crate) discovery_endpoint: Option<MaskedUrl>,
    pub(crate) access_token_type: AccessTokenType,
    pub(crate) openid_scope: Option<String>,
}

impl fmt::Debug for OidcOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcOptions")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| crate::redact::MASK),
            )
            .field("access_token_endpoint", &self.access_token_endpoint)
            .field("discovery_endpoint", &self.discovery_endpoint)
            .field("access_token_type", &self.access_token_type)
            .field("openid_scope", &self.openid_scope)
            .finish()
    }
}

impl OidcOptions {
    /// Validates the options as keystoneauth1 does (a client id, and a token
    /// endpoint or a discovery endpoint) and builds the provider.
    pub(crate) fn provider(self, plugin_name: &'static str) -> Result<Provider> {
        let client_id = self
            .client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::missing_option_in("client-id", plugin_name))?;
        if self.access_token_endpoint.is_none() && self.discovery_endpoint.is_none() {
            return Err(Error::missing_option_in(
                "access-token-endpoint or discovery-endpoint",
                plugin_name,
            ));
        }
        let access_token_endpoint = self
            .access_token_endpoint
            .as_ref()
            .map(|v| parse_endpoint("access-token-endpoint", plugin_name, v))
            .transpose()?;
        let discovery_endpoint = self
            .discovery_endpoint
            .as_ref()
            .map(|v| parse_endpoint("discovery-endpoint", plugin_name, v))
            .transpose()?;
        Ok(Provider {
            plugin_name,
            client: ClientAuth {
                client_id,
                client_secret: self.client_secret.filter(|s| !s.expose_secret().is_empty()),
            },
            access_token_endpoint,
            discovery_endpoint,
            access_token_type: self.access_token_type,
            openid_scope: self.openid_scope.unwrap_or_else(|| DEFAULT_OPENID_SCOPE.to_owned()),
            discovery: tokio::sync::OnceCell::new(),
        })
    }

    /// Whether a discovery endpoint was given.
    pub(crate) fn has_discovery(&self) -> bool {
        self.discovery_endpoint.is_some()
    }
}

/// Setters for the provider options, shared by the grant-based builders.
macro_rules! oidc_setters {
    () => {
        /// The OAuth 2.0 client id.
        pub fn client_id(mut self, id: impl Into<String>) -> Self {
            self.oidc.client_id = Some(id.into());
            self
        }

        /// The OAuth 2.0 client secret (sent as HTTP Basic with the client
        /// id; without it, the client id goes in the form).
        pub fn client_secret(mut self, secret: impl Into<secrecy::SecretString>) -> Self {
            self.oidc.client_secret = Some(secret.into());
            self
        }

        /// The provider's token endpoint. It takes precedence over the one
        /// in the discovery document.
        pub fn access_token_endpoint(mut self, url: impl Into<$crate::MaskedUrl>) -> Self {
            self.oidc.access_token_endpoint = Some(url.into());
            self
        }

        /// The provider's discovery document,
        /// `https://idp.example.org/.well-known/openid-configuration`.
        pub fn discovery_endpoint(mut self, url: impl Into<$crate::MaskedUrl>) -> Self {
            self.oidc.discovery_endpoint = Some(url.into());
            self
        }

        /// Which token of the provider's answer is sent to Keystone
        /// (default [`AccessTokenType::AccessToken`](crate::identity::v3::AccessTokenType)).
        pub fn access_token_type(mut self, kind: $crate::identity::v3::AccessTokenType) -> Self {
            self.oidc.access_token_type = kind;
            self
        }

        /// The OpenID Connect scope requested (keystoneauth1's
        /// `openid-scope`; default `openid profile`). The specification
        /// requires it to include `openid`.
        pub fn openid_scope(mut self, scope: impl Into<String>) -> Self {
            self.oidc.openid_scope = Some(scope.into());
            self
        }
    };
}
pub(crate) use oidc_setters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_options_are_validated() {
        let err = OidcOptions::default()
            .provider("v3oidcpassword")
            .unwrap_err()
            .to_string();
        assert!(err.contains("client-id") && err.contains("v3oidcpassword"), "{err}");
        let o = OidcOptions {
            client_id: Some("c".into()),
            ..Default::default()
        };
        let err = o.clone().provider("v3oidcpassword").unwrap_err().to_string();
        assert!(err.contains("access-token-endpoint or discovery-endpoint"), "{err}");
        let bad = OidcOptions {
            access_token_endpoint: Some("not a url".into()),
            ..o.clone()
        };
        assert!(bad
            .provider("x")
            .unwrap_err()
            .to_string()
            .contains("access-token-endpoint"));
        let p = OidcOptions {
            discovery_endpoint: Some("https://idp/.well-known/openid-configuration".into()),
            client_secret: Some(SecretString::from("canary")),
            ..o
        }
        .provider("x")
        .unwrap();
        assert_eq!(p.openid_scope, "openid profile");
        assert!(!format!("{p:?}").contains("canary"));
    }

    #[test]
    fn token_types_parse() {
        assert_eq!("id_token".parse::<AccessTokenType>().unwrap(), AccessTokenType::IdToken);
        assert_eq!(
            "access_token".parse::<AccessTokenType>().unwrap(),
            AccessTokenType::AccessToken
        );
        assert!("bearer".parse::<AccessTokenType>().is_err());
    }
}
