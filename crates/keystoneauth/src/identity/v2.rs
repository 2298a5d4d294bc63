//! Identity v2.0 plugins (`v2password`, `v2token`), for old clouds.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};

use super::base::{identity_plugin, post_token_request, Lifecycle, TokenFetcher};
use super::v3::{require_user, required};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, Transport};

enum Credentials {
    Password(PasswordCredentials),
    Token(SecretString),
}

/// A user (by id or name) and a password.
struct PasswordCredentials {
    user_id: Option<String>,
    username: Option<String>,
    password: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Password(p) => f
                .debug_struct("Password")
                .field("user_id", &p.user_id)
                .field("username", &p.username)
                .field("password", &"***")
                .finish(),
            Credentials::Token(_) => f.debug_struct("Token").field("token", &"***").finish(),
        }
    }
}

/// The tenant (project) and trust options of the v2 plugins.
#[derive(Debug, Clone, Default)]
struct Tenant {
    tenant_id: Option<String>,
    tenant_name: Option<String>,
    trust_id: Option<String>,
}

struct V2Auth {
    plugin_name: &'static str,
    auth_url: MaskedUrl,
    token_url: url::Url,
    credentials: Credentials,
    tenant: Tenant,
    lifecycle: Lifecycle,
}

impl fmt::Debug for V2Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V2Auth")
            .field("plugin_name", &self.plugin_name)
            .field("auth_url", &self.auth_url)
            .field("token_url", &MaskedUrl::from(&self.token_url))
            .field("credentials", &self.credentials)
            .field("tenant", &self.tenant)
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

impl V2Auth {
    fn new(
        plugin_name: &'static str,
        auth_url: MaskedUrl,
        credentials: Credentials,
        tenant: Tenant,
        margin: Option<Duration>,
    ) -> Result<Self> {
        Ok(V2Auth {
            plugin_name,
            token_url: tokens_url(auth_url.expose())?,
            auth_url,
            credentials,
            tenant,
            lifecycle: Lifecycle::new(margin),
        })
    }

    fn body(&self) -> Value {
        let mut auth = Map::new();
        match &self.credentials {
            Credentials::Password(p) => {
                let mut creds = Map::new();
                if let Some(id) = &p.user_id {
                    creds.insert("userId".into(), Value::String(id.clone()));
                } else if let Some(name) = &p.username {
                    creds.insert("username".into(), Value::String(name.clone()));
                }
                creds.insert("password".into(), Value::String(p.password.expose_secret().to_owned()));
                auth.insert("passwordCredentials".into(), Value::Object(creds));
            }
            Credentials::Token(token) => {
                auth.insert("token".into(), json!({ "id": token.expose_secret() }));
            }
        }
        if let Some(id) = &self.tenant.tenant_id {
            auth.insert("tenantId".into(), Value::String(id.clone()));
        } else if let Some(name) = &self.tenant.tenant_name {
            auth.insert("tenantName".into(), Value::String(name.clone()));
        }
        if let Some(trust) = &self.tenant.trust_id {
            auth.insert("trust_id".into(), Value::String(trust.clone()));
        }
        json!({ "auth": auth })
    }
}

/// keystoneauth1's v2 plugins post to `<auth_url>/tokens`, the URL as
/// given: no version segment is added.
fn tokens_url(auth_url: &str) -> Result<url::Url> {
    let joined = format!("{}/tokens", auth_url.trim_end_matches('/'));
    url::Url::parse(&joined).map_err(|e| {
        Error::invalid_option(
            "auth-url",
            format!("{:?} is not a valid URL ({e})", crate::redact::url_str(auth_url)),
        )
    })
}

/// True if the auth URL's path ends in `/v3`: an Identity v3 endpoint,
/// where a v2.0 token request cannot succeed.
fn is_v3_url(token_url: &url::Url) -> bool {
    token_url
        .path()
        .trim_end_matches('/')
        .strip_suffix("/tokens")
        .is_some_and(|p| p.trim_end_matches('/').ends_with("/v3"))
}

#[async_trait]
impl TokenFetcher for V2Auth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        let request = HttpRequest::new(Method::POST, self.token_url.clone()).json(&self.body())?;
        let response = match post_token_request(transport, request).await {
            Ok(r) => r,
            Err(e) if e.status().is_some() && is_v3_url(&self.token_url) => {
                return Err(Error::authorization(format!(
                        "the {} plugin speaks Identity v2.0, but the auth URL {} ends in /v3, an Identity v3 endpoint: use a v3 plugin (password, token, v3password...) or the v2.0 URL",
                        self.plugin_name,
                        self.auth_url
                    )).with_source(e));
            }
            Err(e) => return Err(e),
        };
        tracing::debug!(target: crate::transport::LOG_TARGET, plugin = self.plugin_name, "authenticated with Identity v2.0");
        AccessInfo::from_v2(response.into_bytes())
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![
            ("plugin", self.plugin_name.to_owned()),
            ("auth_url", self.auth_url.expose().trim_end_matches('/').to_owned()),
        ];
        match &self.credentials {
            Credentials::Password(p) => {
                parts.push(("user_id", p.user_id.clone().unwrap_or_default()));
                parts.push(("username", p.username.clone().unwrap_or_default()));
                parts.push(super::secret_part("password", &p.password));
            }
            Credentials::Token(t) => parts.push(super::secret_part("token", t)),
        }
        parts.push(("tenant_id", self.tenant.tenant_id.clone().unwrap_or_default()));
        parts.push(("tenant_name", self.tenant.tenant_name.clone().unwrap_or_default()));
        parts.push(("trust_id", self.tenant.trust_id.clone().unwrap_or_default()));
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        match &self.credentials {
            Credentials::Password(p) => vec![&p.password],
            Credentials::Token(t) => vec![t],
        }
    }
}

macro_rules! tenant_setters {
    () => {
        /// Scopes to the tenant (project) with this id.
        pub fn tenant_id(mut self, id: impl Into<String>) -> Self {
            self.tenant.tenant_id = Some(id.into());
            self
        }

        /// Scopes to the tenant (project) with this name.
        pub fn tenant_name(mut self, name: impl Into<String>) -> Self {
            self.tenant.tenant_name = Some(name.into());
            self
        }

        /// Authenticates through a trust.
        pub fn trust_id(mut self, id: impl Into<String>) -> Self {
            self.tenant.trust_id = Some(id.into());
            self
        }

        /// Re-authenticate when the token expires within this margin.
        pub fn reauth_margin(mut self, margin: Duration) -> Self {
            self.reauth_margin = Some(margin);
            self
        }

        /// The tenant, trust and margin from the options of a generic plugin.
        pub(crate) fn with_v3_scope(mut self, scope: &super::v3::ScopeOptions, margin: Option<Duration>) -> Self {
            self.tenant = Tenant {
                tenant_id: scope.project_id.clone(),
                tenant_name: scope.project_name.clone(),
                trust_id: scope.trust_id.clone(),
            };
            self.reauth_margin = margin;
            self
        }
    };
}

/// Identity v2.0 password authentication (keystoneauth1's `v2password`).
#[derive(Debug)]
pub struct Password {
    inner: V2Auth,
}

identity_plugin!(Password, inner);

impl Password {
    /// A builder for a plugin authenticating at `auth_url`, the Identity
    /// v2.0 URL (`https://keystone.example.com/v2.0`): tokens are requested
    /// at `<auth_url>/tokens`, as keystoneauth1 does, with no version
    /// segment added.
    pub fn builder(auth_url: impl Into<MaskedUrl>) -> PasswordBuilder {
        PasswordBuilder {
            auth_url: auth_url.into(),
            user_id: None,
            username: None,
            password: None,
            tenant: Tenant::default(),
            reauth_margin: None,
        }
    }
}

/// Builds a v2 [`Password`] plugin.
#[must_use]
#[derive(Debug)]
pub struct PasswordBuilder {
    auth_url: MaskedUrl,
    pub(crate) user_id: Option<String>,
    pub(crate) username: Option<String>,
    password: Option<SecretString>,
    tenant: Tenant,
    reauth_margin: Option<Duration>,
}

impl PasswordBuilder {
    /// The user's name.
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.username = Some(name.into());
        self
    }

    /// The user's id.
    pub fn user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }

    /// The password.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = Some(password.into());
        self
    }

    tenant_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Password> {
        const NAME: &str = "v2password";
        require_user(NAME, self.user_id.as_ref(), self.username.as_ref())?;
        let password = required(self.password, "password", NAME)?;
        let credentials = Credentials::Password(PasswordCredentials {
            user_id: self.user_id,
            username: self.username,
            password,
        });
        Ok(Password {
            inner: V2Auth::new(NAME, self.auth_url, credentials, self.tenant, self.reauth_margin)?,
        })
    }
}

/// Identity v2.0 token authentication (keystoneauth1's `v2token`).
#[derive(Debug)]
pub struct Token {
    inner: V2Auth,
}

identity_plugin!(Token, inner);

impl Token {
    /// A builder for a plugin exchanging `token` at `auth_url`.
    pub fn builder(auth_url: impl Into<MaskedUrl>, token: impl Into<SecretString>) -> TokenBuilder {
        TokenBuilder {
            auth_url: auth_url.into(),
            token: token.into(),
            tenant: Tenant::default(),
            reauth_margin: None,
        }
    }
}

/// Builds a v2 [`Token`] plugin.
#[must_use]
#[derive(Debug)]
pub struct TokenBuilder {
    auth_url: MaskedUrl,
    token: SecretString,
    tenant: Tenant,
    reauth_margin: Option<Duration>,
}

impl TokenBuilder {
    tenant_setters!();

    /// Builds the plugin.
    pub fn build(self) -> Result<Token> {
        Ok(Token {
            inner: V2Auth::new(
                "v2token",
                self.auth_url,
                Credentials::Token(self.token),
                self.tenant,
                self.reauth_margin,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_body() {
        let p = Password::builder("http://h:5000/v2.0")
            .username("demo")
            .password("pw")
            .tenant_name("demo")
            .build()
            .unwrap();
        assert_eq!(
            p.inner.body(),
            json!({"auth": {"passwordCredentials": {"username": "demo", "password": "pw"}, "tenantName": "demo"}})
        );
        assert_eq!(p.inner.token_url.as_str(), "http://h:5000/v2.0/tokens");
        // keystoneauth1's v2 plugins: `<auth_url>/tokens`, as given.
        let p = Password::builder("http://h:5000")
            .user_id("u")
            .password("pw")
            .tenant_id("t")
            .trust_id("tr")
            .build()
            .unwrap();
        assert_eq!(
            p.inner.body(),
            json!({"auth": {"passwordCredentials": {"userId": "u", "password": "pw"}, "tenantId": "t", "trust_id": "tr"}})
        );
        assert_eq!(p.inner.token_url.as_str(), "http://h:5000/tokens");
        assert!(!is_v3_url(&p.inner.token_url));
        assert!(!format!("{p:?}").contains("pw\""));
        for url in ["http://h:5000/v3", "http://h:5000/v3/"] {
            let p = Password::builder(url).username("u").password("pw").build().unwrap();
            assert_eq!(p.inner.token_url.as_str(), "http://h:5000/v3/tokens");
            assert!(is_v3_url(&p.inner.token_url));
        }
    }

    #[test]
    fn token_body_and_errors() {
        let t = Token::builder("http://h/v2.0", "tok").tenant_id("t").build().unwrap();
        assert_eq!(
            t.inner.body(),
            json!({"auth": {"token": {"id": "tok"}, "tenantId": "t"}})
        );
        let err = Password::builder("http://h")
            .password("x")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("user-id or username"), "{err}");
        let err = Password::builder("http://h")
            .username("x")
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("password"), "{err}");
    }
}
