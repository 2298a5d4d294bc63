//! Identity v3 plugins: the shared request core, users and scopes.

mod application_credential;
pub(crate) mod cookies;
pub(crate) mod federation;
mod k2k;
#[cfg(feature = "kerberos")]
mod kerberos;
mod multi_factor;
mod oauth1;
mod oauth2;
mod oidc;
mod options;
mod password;
mod receipt;
mod saml2;
mod token;
mod tokenless;
mod totp;
mod websso;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};

use super::base::{post_token_request, versioned_url, Lifecycle, TokenFetcher};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, Transport};

pub use crate::error::{MissingAuthMethods, ReceiptUser};
pub use application_credential::{ApplicationCredential, ApplicationCredentialBuilder};
pub use k2k::{Keystone2Keystone, Keystone2KeystoneBuilder};
#[cfg(feature = "kerberos")]
#[cfg_attr(docsrs, doc(cfg(feature = "kerberos")))]
pub use kerberos::{
    Kerberos, KerberosBuilder, KerberosError, KerberosErrorKind, MappedKerberos, MappedKerberosBuilder, MutualAuth,
};
pub use multi_factor::{IdentityMethod, MultiFactor, MultiFactorBuilder, User};
pub use oauth1::{OAuth1, OAuth1Builder, OAuth1Signer};
pub use oauth2::{
    OAuth2ClientCredential, OAuth2ClientCredentialBuilder, OAuth2MtlsClientCredential,
    OAuth2MtlsClientCredentialBuilder,
};
pub use oidc::{
    AccessTokenType, CodeChallengeMethod, DeviceAuthorizationInfo, DeviceAuthorizationPrompt, LogPrompt, OAuthError,
    OidcAccessToken, OidcAccessTokenBuilder, OidcAuthorizationCode, OidcAuthorizationCodeBuilder,
    OidcClientCredentials, OidcClientCredentialsBuilder, OidcDeviceAuthorization, OidcDeviceAuthorizationBuilder,
    OidcPassword, OidcPasswordBuilder, Pkce, StderrPrompt, DEFAULT_OPENID_SCOPE,
};
pub(crate) use options::{
    client_identity_setter, project_domain_setters, reauth_margin_setter, receipt_setter, require_user, required,
    scope_setters, string_setters, token_setters, user_setters, ScopeOptions, V3Options,
};
pub use password::{Password, PasswordBuilder};
pub use receipt::AUTH_RECEIPT_HEADER;
pub use saml2::{
    AdfsPassword, AdfsPasswordBuilder, EcpResponse, PaosRequest, Saml2Password, Saml2PasswordBuilder, SoapFault,
    WsTrustResponse,
};
pub use token::{Token, TokenBuilder};
pub use tokenless::{TokenlessAuth, TokenlessAuthBuilder};
pub use totp::{Totp, TotpBuilder};
pub use websso::{
    BrowserLauncher, SystemBrowser, WebSso, WebSsoBuilder, DEFAULT_LOGIN_TIMEOUT, DEFAULT_REDIRECT_HOST,
    DEFAULT_REDIRECT_PORT,
};

/// One v3 auth method (`password`, `token`, ...): its name and the JSON it
/// contributes under `auth.identity`.
pub(crate) trait AuthMethod: Send + Sync + fmt::Debug {
    /// The method's name in `auth.identity.methods`.
    fn name(&self) -> &'static str;
    /// The method's payload (holds secrets: built only for the request).
    fn payload(&self) -> Value;
    /// Identity-relevant parameters without secrets.
    fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>);
    /// The secrets the method sends.
    fn secrets(&self) -> Vec<&SecretString>;
    /// Headers the method adds to the token request at `url` (`oauth1`
    /// signs the request); none by default.
    fn headers(&self, _url: &url::Url) -> Result<Vec<(http::HeaderName, http::HeaderValue)>> {
        Ok(Vec::new())
    }
}

/// A domain given by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomainSpec {
    Id(String),
    Name(String),
}

impl DomainSpec {
    fn from_parts(id: Option<&String>, name: Option<&String>) -> Option<Self> {
        match (id, name) {
            (Some(id), _) => Some(DomainSpec::Id(id.clone())),
            (None, Some(name)) => Some(DomainSpec::Name(name.clone())),
            (None, None) => None,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            DomainSpec::Id(id) => json!({ "id": id }),
            DomainSpec::Name(name) => json!({ "name": name }),
        }
    }

    fn cache_part(&self) -> String {
        match self {
            DomainSpec::Id(id) => format!("id:{id}"),
            DomainSpec::Name(name) => format!("name:{name}"),
        }
    }
}

/// What a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Unscoped,
    ProjectId(String),
    ProjectName { name: String, domain: DomainSpec },
    Domain(DomainSpec),
    System(String),
    Trust(String),
}

impl Scope {
    fn to_json(&self) -> Option<Value> {
        Some(match self {
            Scope::Unscoped => return None,
            Scope::ProjectId(id) => json!({"project": {"id": id}}),
            Scope::ProjectName { name, domain } => json!({"project": {"name": name, "domain": domain.to_json()}}),
            Scope::Domain(d) => json!({ "domain": d.to_json() }),
            Scope::System(s) => {
                let mut m = Map::new();
                m.insert(s.clone(), Value::Bool(true));
                json!({ "system": m })
            }
            Scope::Trust(id) => json!({"OS-TRUST:trust": {"id": id}}),
        })
    }

    fn cache_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        match self {
            Scope::Unscoped => parts.push(("scope", "unscoped".into())),
            Scope::ProjectId(id) => parts.push(("project_id", id.clone())),
            Scope::ProjectName { name, domain } => {
                parts.push(("project_name", name.clone()));
                parts.push(("project_domain", domain.cache_part()));
            }
            Scope::Domain(d) => parts.push(("domain", d.cache_part())),
            Scope::System(s) => parts.push(("system_scope", s.clone())),
            Scope::Trust(id) => parts.push(("trust_id", id.clone())),
        }
    }
}

/// A user given by id, or by name and domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserSpec {
    Id(String),
    Name { name: String, domain: DomainSpec },
}

impl UserSpec {
    /// Validates the user options as keystoneauth1 does.
    pub(crate) fn resolve(
        plugin: &str,
        user_id: Option<&String>,
        username: Option<&String>,
        domain_id: Option<&String>,
        domain_name: Option<&String>,
    ) -> Result<Self> {
        if let Some(id) = user_id {
            return Ok(UserSpec::Id(id.clone()));
        }
        let Some(name) = username else {
            return Err(Error::missing_option_in("user-id or username", plugin.to_owned()));
        };
        let domain = DomainSpec::from_parts(domain_id, domain_name).ok_or_else(|| {
            Error::missing_option_in(
                "user-domain-id or user-domain-name",
                format!("{plugin}: needed with username"),
            )
        })?;
        Ok(UserSpec::Name {
            name: name.clone(),
            domain,
        })
    }

    /// The `user` object of a method payload (without the secret).
    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            UserSpec::Id(id) => {
                m.insert("id".into(), Value::String(id.clone()));
            }
            UserSpec::Name { name, domain } => {
                m.insert("name".into(), Value::String(name.clone()));
                m.insert("domain".into(), domain.to_json());
            }
        }
        m
    }

    /// A method payload `{"user": {..., <key>: <secret>}}` (holds the
    /// secret: built only for the request).
    pub(crate) fn payload_with(&self, key: &str, secret: &SecretString) -> Value {
        let mut user = self.to_json();
        user.insert(key.into(), Value::String(secret.expose_secret().to_owned()));
        json!({ "user": user })
    }

    pub(crate) fn cache_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        match self {
            UserSpec::Id(id) => parts.push(("user_id", id.clone())),
            UserSpec::Name { name, domain } => {
                parts.push(("username", name.clone()));
                parts.push(("user_domain", domain.cache_part()));
            }
        }
    }
}

/// The core of every v3 plugin: POST `/v3/auth/tokens` with some methods
/// and a scope, and keep the token.
pub(crate) struct V3Auth {
    plugin_name: &'static str,
    auth_url: MaskedUrl,
    token_url: url::Url,
    methods: Vec<Box<dyn AuthMethod>>,
    scope: Scope,
    include_catalog: bool,
    lifecycle: Lifecycle,
    /// An auth receipt sent as `Openstack-Auth-Receipt` (multi-factor).
    receipt: Option<SecretString>,
}

impl fmt::Debug for V3Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V3Auth")
            .field("plugin_name", &self.plugin_name)
            .field("auth_url", &self.auth_url)
            .field("token_url", &MaskedUrl::from(&self.token_url))
            .field("methods", &self.methods)
            .field("scope", &self.scope)
            .field("include_catalog", &self.include_catalog)
            .field("lifecycle", &self.lifecycle)
            .field("receipt", &self.receipt.as_ref().map(|_| crate::redact::MASK))
            .finish()
    }
}

impl V3Auth {
    pub(crate) fn new(
        plugin_name: &'static str,
        auth_url: MaskedUrl,
        methods: Vec<Box<dyn AuthMethod>>,
        scope: Scope,
        include_catalog: bool,
        reauth_margin: Option<Duration>,
    ) -> Result<Self> {
        let token_url = versioned_url(&auth_url, "/v3", "auth/tokens")?;
        Ok(V3Auth {
            plugin_name,
            auth_url,
            token_url,
            methods,
            scope,
            include_catalog,
            lifecycle: Lifecycle::new(reauth_margin),
            receipt: None,
        })
    }

    /// Sends this auth receipt with every token request, to continue a
    /// multi-factor authentication.
    pub(crate) fn with_receipt(mut self, receipt: Option<SecretString>) -> Self {
        self.receipt = receipt;
        self
    }

    pub(crate) fn auth_url(&self) -> &MaskedUrl {
        &self.auth_url
    }

    /// The token request: the methods' payloads and headers, the scope,
    /// the receipt.
    pub(crate) fn token_request(&self) -> Result<HttpRequest> {
        let mut url = self.token_url.clone();
        if !self.include_catalog {
            url.set_query(Some("nocatalog"));
        }
        let mut request = HttpRequest::new(Method::POST, url).json(&self.body())?;
        for m in &self.methods {
            for (name, value) in m.headers(&self.token_url)? {
                request = request.header(name, value);
            }
        }
        if let Some(receipt) = &self.receipt {
            request = request.header(
                http::HeaderName::from_static(AUTH_RECEIPT_HEADER),
                crate::auth::secret_header_value("receipt", receipt)?,
            );
        }
        Ok(request)
    }

    /// The token of a successful token response.
    pub(crate) fn access_from(&self, response: crate::transport::Response) -> Result<AccessInfo> {
        let token = crate::identity::base::subject_token(&response, "token")?;
        tracing::debug!(target: crate::transport::LOG_TARGET, plugin = self.plugin_name, "authenticated with Identity v3");
        AccessInfo::from_v3(token, response.into_bytes())
    }

    fn body(&self) -> Value {
        let mut identity = Map::new();
        identity.insert(
            "methods".into(),
            Value::Array(self.methods.iter().map(|m| Value::String(m.name().into())).collect()),
        );
        for m in &self.methods {
            identity.insert(m.name().into(), m.payload());
        }
        let mut auth = Map::new();
        auth.insert("identity".into(), Value::Object(identity));
        if let Some(scope) = self.scope.to_json() {
            auth.insert("scope".into(), scope);
        }
        json!({ "auth": auth })
    }
}

#[async_trait]
impl TokenFetcher for V3Auth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        let response = post_token_request(transport, self.token_request()?)
            .await
            .map_err(|e| receipt::token_error(e, self.receipt.as_ref()))?;
        self.access_from(response)
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![
            ("plugin", self.plugin_name.to_owned()),
            ("auth_url", self.auth_url.expose().trim_end_matches('/').to_owned()),
        ];
        for m in &self.methods {
            m.cache_id_parts(&mut parts);
        }
        self.scope.cache_parts(&mut parts);
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        let mut secrets: Vec<&SecretString> = self.methods.iter().flat_map(|m| m.secrets()).collect();
        secrets.extend(self.receipt.as_ref());
        secrets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ScopeOptions {
        ScopeOptions::default()
    }

    #[test]
    fn scopes_resolve_like_keystoneauth1() {
        assert_eq!(opts().resolve("v3password").unwrap(), Scope::Unscoped);
        let mut o = opts();
        o.project_id = Some("p".into());
        assert_eq!(
            o.resolve("x").unwrap().to_json().unwrap(),
            json!({"project": {"id": "p"}})
        );
        let mut o = opts();
        o.project_name = Some("demo".into());
        let err = o.resolve("v3password").unwrap_err().to_string();
        assert!(err.contains("project-domain-id or project-domain-name"), "{err}");
        o.project_domain_name = Some("Default".into());
        assert_eq!(
            o.resolve("x").unwrap().to_json().unwrap(),
            json!({"project": {"name": "demo", "domain": {"name": "Default"}}})
        );
        let mut o = opts();
        o.domain_name = Some("Default".into());
        assert_eq!(
            o.resolve("x").unwrap().to_json().unwrap(),
            json!({"domain": {"name": "Default"}})
        );
        let mut o = opts();
        o.system_scope = Some("all".into());
        assert_eq!(
            o.resolve("x").unwrap().to_json().unwrap(),
            json!({"system": {"all": true}})
        );
        let mut o = opts();
        o.trust_id = Some("t".into());
        assert_eq!(
            o.resolve("x").unwrap().to_json().unwrap(),
            json!({"OS-TRUST:trust": {"id": "t"}})
        );
        let mut o = opts();
        o.project_id = Some("p".into());
        o.domain_id = Some("d".into());
        assert!(o.resolve("x").unwrap_err().to_string().contains("multiple targets"));
    }

    #[test]
    fn users_resolve() {
        let id = "u".to_owned();
        let name = "bob".to_owned();
        let dom = "Default".to_owned();
        assert_eq!(
            UserSpec::resolve("p", Some(&id), None, None, None).unwrap(),
            UserSpec::Id("u".into())
        );
        let err = UserSpec::resolve("v3password", None, Some(&name), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user-domain-id or user-domain-name") && err.contains("v3password"),
            "{err}"
        );
        let u = UserSpec::resolve("p", None, Some(&name), None, Some(&dom)).unwrap();
        assert_eq!(
            Value::Object(u.to_json()),
            json!({"name": "bob", "domain": {"name": "Default"}})
        );
        assert!(UserSpec::resolve("p", None, None, None, None).is_err());
    }
}
