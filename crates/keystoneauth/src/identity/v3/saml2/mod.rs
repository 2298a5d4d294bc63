//! SAML2 federated logins with a user name and password at a third-party
//! identity provider: SAML2 ECP (keystoneauth1's `v3samlpassword`,
//! [`Saml2Password`]) and ADFS's WS-Trust (`v3adfspassword`,
//! [`AdfsPassword`]).
//!
//! Both end at Keystone's federated auth URL with the service provider's
//! session cookie, which gives an unscoped token, re-scoped when a scope
//! is asked for (see `federation`). Signed XML reaches the service provider
//! byte for byte: messages are read as trees over their original text and
//! spliced by byte ranges, never re-serialised. Cookies are kept per exact
//! origin, so the identity provider's never reach the service provider nor
//! the other way round; the password goes only to the identity provider.

mod adfs;
mod ecp;
mod messages;
mod xml;

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use http::header::{CONTENT_TYPE, COOKIE, LOCATION};
use http::{HeaderValue, Method};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::cookies::OriginCookies;
use super::federation::Federation;
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::identity::base::{Lifecycle, TokenFetcher};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, RedirectPolicy, Response, Transport};

pub use adfs::{AdfsPassword, AdfsPasswordBuilder};
pub(crate) use ecp::PAOS_MEDIA_TYPE;
pub use ecp::{Saml2Password, Saml2PasswordBuilder};
pub use messages::{EcpResponse, PaosRequest, SoapFault, WsTrustResponse};

/// The largest SAML or SOAP message read from an identity or service
/// provider (responses with certificates and many attributes stay far below).
pub(crate) const MAX_SAML_BODY: usize = 1024 * 1024;

/// The user's name and password at the identity provider.
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &crate::redact::MASK)
            .finish()
    }
}

impl Credentials {
    /// The `Authorization: Basic` value (a secret).
    fn basic(&self) -> SecretString {
        let raw = format!("{}:{}", self.username, self.password.expose_secret());
        SecretString::from(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
        ))
    }
}

/// How the plugin logs in at the identity provider and the service provider.
#[derive(Debug)]
pub(crate) enum Login {
    Ecp,
    Adfs(adfs::AdfsSp),
}

/// The core of both plugins: the login, then Keystone's federated auth URL
/// with the SP's cookies, then the re-scope.
pub(crate) struct SamlAuth {
    federation: Federation,
    identity_provider_url: Url,
    credentials: Credentials,
    login: Login,
    lifecycle: Lifecycle,
}

impl fmt::Debug for SamlAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SamlAuth")
            .field("federation", &self.federation)
            .field(
                "identity_provider_url",
                &crate::redact::url(&self.identity_provider_url),
            )
            .field("credentials", &self.credentials)
            .field("login", &self.login)
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

#[async_trait]
impl TokenFetcher for SamlAuth {
    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo> {
        let mut jar = OriginCookies::default();
        let login = Exchange {
            auth: self,
            transport,
            jar: &mut jar,
        };
        let unscoped = match &self.login {
            Login::Ecp => login.ecp().await,
            Login::Adfs(sp) => login.adfs(sp).await,
        };
        let unscoped = unscoped.map_err(|e| crate::redact::scrub_error(e, &jar.secrets()))?;
        drop(jar);
        self.federation.target.rescope(transport, unscoped).await
    }

    fn cache_id_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = Vec::new();
        self.federation.cache_id_parts(&mut parts);
        parts.push(("identity_provider_url", self.identity_provider_url.as_str().to_owned()));
        if let Login::Adfs(sp) = &self.login {
            sp.cache_id_parts(&mut parts);
        }
        parts.push(("username", self.credentials.username.clone()));
        parts.push(crate::identity::secret_part("password", &self.credentials.password));
        parts
    }

    fn secrets(&self) -> Vec<&SecretString> {
        vec![&self.credentials.password]
    }
}

/// One login: the plugin, the transport, and the cookies set so far.
pub(crate) struct Exchange<'a> {
    auth: &'a SamlAuth,
    transport: &'a Transport,
    jar: &'a mut OriginCookies,
}

impl Exchange<'_> {
    /// Sends `request` with the cookies of its origin, keeps the cookies of
    /// the answer, and follows no redirect.
    async fn send(&mut self, mut request: HttpRequest, max_body: usize) -> Result<Response> {
        if let Some(cookie) = self.jar.header_for(request.url()) {
            request = request.header(COOKIE, cookie);
        }
        let request = request
            .max_body(max_body)
            .redirect_policy(RedirectPolicy::None)
            .log(false);
        let response = self.transport.send(request).await?;
        self.jar.store(response.url(), response.headers());
        Ok(response)
    }

    /// A POST of `body` as `content_type`.
    fn post(url: Url, content_type: &'static str, body: impl Into<bytes::Bytes>) -> HttpRequest {
        HttpRequest::new(Method::POST, url)
            .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
            .body(body)
    }

    /// The unscoped token of Keystone's federated auth URL, or of `url` on
    /// the same origin, fetched with the service provider's cookies.
    async fn unscoped_at(&self, url: Url) -> Result<AccessInfo> {
        let federated = &self.auth.federation.federated_url;
        if !crate::transport::same_origin(&url, federated) {
            return Err(Error::invalid_response(
                crate::redact::url(federated),
                format!(
                    "the service provider sent the login to {}, not to the origin of the federated auth URL",
                    crate::redact::url(&url)
                ),
            ));
        }
        let Some(cookie) = self.jar.header_for(&url) else {
            return Err(Error::authorization(format!(
                "the service provider set no session cookie for {}: the login did not succeed",
                crate::redact::url(&url)
            )));
        };
        let request = HttpRequest::new(Method::GET, url).header(COOKIE, cookie);
        self.auth
            .federation
            .unscoped_from(self.transport, request, &self.jar.secrets())
            .await
    }

    /// The target of a redirect answer, resolved against its URL.
    fn location(response: &Response) -> Result<Url> {
        let invalid = |m: &str| Error::invalid_response(crate::redact::url(response.url()), m);
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| invalid("the redirect has no Location header"))?;
        response
            .url()
            .join(location)
            .map_err(|_| invalid("the redirect's Location is not a valid URL"))
    }

    /// An error status of the identity provider's answer (`from`): a
    /// SOAP fault in its body, or the status, with the credentials masked.
    fn error_for_status(&self, response: Response, from: &str) -> Result<Response> {
        let basic = self.auth.credentials.basic();
        let secrets = [&self.auth.credentials.password, &basic];
        if response.status().as_u16() >= 400 {
            if let Some(fault) = SoapFault::parse(response.bytes()) {
                return Err(fault.scrubbed(&secrets).into_error(from));
            }
        }
        response
            .error_for_status()
            .map_err(|e| crate::redact::scrub_error(e, &secrets))
    }
}

/// The options both builders share besides the v3 ones: the identity
/// provider's URL and the user's name and password there.
#[derive(Clone, Default)]
pub(crate) struct SamlOptions {
    pub(crate) identity_provider_url: Option<MaskedUrl>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<SecretString>,
}

impl fmt::Debug for SamlOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SamlOptions")
            .field("identity_provider_url", &self.identity_provider_url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| crate::redact::MASK))
            .finish()
    }
}

/// Parses a URL option, which must be an absolute http(s) URL.
pub(crate) fn url_option(option: &str, plugin: &str, value: &MaskedUrl) -> Result<Url> {
    Url::parse(value.expose())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            Error::invalid_option_in(
                option.to_owned(),
                plugin.to_owned(),
                format!("{value:?} is not an absolute http(s) URL"),
            )
        })
}

impl SamlOptions {
    /// Validates the options (all required, as keystoneauth1's loader says)
    /// and builds the plugin core.
    pub(crate) fn build(
        self,
        plugin: &'static str,
        federation: Federation,
        login: Login,
        reauth_margin: Option<Duration>,
    ) -> Result<SamlAuth> {
        let idp_url = super::required(self.identity_provider_url, "identity-provider-url", plugin)?;
        let identity_provider_url = url_option("identity-provider-url", plugin, &idp_url)?;
        let username = super::required(self.username.filter(|u| !u.is_empty()), "username", plugin)?;
        let password = super::required(self.password, "password", plugin)?;
        for (option, value) in [("username", username.as_str()), ("password", password.expose_secret())] {
            if !xml::check_xml_chars(value) {
                return Err(Error::invalid_option_in(
                    option,
                    plugin,
                    "it holds control characters, which XML cannot carry",
                ));
            }
        }
        Ok(SamlAuth {
            federation,
            identity_provider_url,
            credentials: Credentials { username, password },
            login,
            lifecycle: Lifecycle::new(reauth_margin),
        })
    }
}

/// Setters for [`SamlOptions`], at `saml` in the builder.
macro_rules! saml_setters {
    () => {
        /// The identity provider's URL, where the login is sent (the ECP
        /// endpoint, or ADFS's `.../adfs/services/trust/13/usernamemixed`).
        pub fn identity_provider_url(mut self, url: impl Into<$crate::MaskedUrl>) -> Self {
            self.saml.identity_provider_url = Some(url.into());
            self
        }

        /// The user's name at the identity provider.
        pub fn username(mut self, name: impl Into<String>) -> Self {
            self.saml.username = Some(name.into());
            self
        }

        /// The user's password at the identity provider.
        pub fn password(mut self, password: impl Into<secrecy::SecretString>) -> Self {
            self.saml.password = Some(password.into());
            self
        }
    };
}
pub(crate) use saml_setters;

/// Declares a plugin type wrapping [`SamlAuth`], its `builder` and accessors.
macro_rules! saml_plugin {
    ($(#[$meta:meta])* $name:ident, $builder:ident { $($field:ident: $init:expr),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name {
            inner: super::SamlAuth,
        }

        impl $name {
            /// A builder for a plugin authenticating at `auth_url` through the
            /// identity provider and protocol registered in Keystone under
            /// these names.
            pub fn builder(
                auth_url: impl Into<$crate::MaskedUrl>,
                identity_provider: impl Into<String>,
                protocol: impl Into<String>,
            ) -> $builder {
                $builder {
                    options: $crate::identity::v3::V3Options::new(auth_url),
                    identity_provider: identity_provider.into(),
                    protocol: protocol.into(),
                    saml: super::SamlOptions::default(),
                    $($field: $init,)*
                }
            }

            /// The auth URL.
            pub fn auth_url(&self) -> &$crate::MaskedUrl {
                &self.inner.federation.target.auth_url
            }

            /// The identity provider's name in Keystone.
            pub fn identity_provider(&self) -> &str {
                &self.inner.federation.identity_provider
            }

            /// The federation protocol's name in Keystone.
            pub fn protocol(&self) -> &str {
                &self.inner.federation.protocol
            }

            /// The identity provider's URL, where the login is sent.
            pub fn identity_provider_url(&self) -> &url::Url {
                &self.inner.identity_provider_url
            }
        }

        $crate::identity::base::identity_plugin!($name, inner);
    };
}
pub(crate) use saml_plugin;
