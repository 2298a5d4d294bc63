//! SAML2 ECP with a password (keystoneauth1's `v3samlpassword`,
//! `keystoneauth1.extras._saml2.v3.saml2.Password`).

use http::header::{ACCEPT, AUTHORIZATION};
use http::{HeaderName, HeaderValue, Method, StatusCode};
use url::Url;

use super::{saml_plugin, saml_setters, EcpResponse, Exchange, Login, PaosRequest, SamlOptions, MAX_SAML_BODY};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::identity::v3::{scope_setters, V3Options};
use crate::transport::MAX_TOKEN_BODY;

/// The media type of PAOS messages.
pub(crate) const PAOS_MEDIA_TYPE: &str = "application/vnd.paos+xml";
/// What the first request accepts (keystoneauth1 adds the PAOS type to
/// the session's `Accept`).
const PAOS_ACCEPT: &str = "text/html, application/vnd.paos+xml";
/// The `PAOS` header: the PAOS version and the ECP service.
pub(crate) const PAOS_HEADER: &str =
    "ver=\"urn:liberty:paos:2003-08\";\"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp\"";

saml_plugin!(
    /// SAML2 ECP with a user name and password (keystoneauth1's
    /// `v3samlpassword`), for identity providers with an ECP endpoint
    /// (Shibboleth IdP, Keycloak, ...):
    ///
    /// 1. GET Keystone's federated auth URL with the `PAOS` header; the
    ///    service provider (mod_shib, mod_auth_mellon) answers with a SAML2
    ///    `AuthnRequest` in a PAOS envelope.
    /// 2. POST that envelope, without its header, to the identity provider
    ///    with HTTP Basic; it answers with a SAML response.
    /// 3. Check that the identity provider's `AssertionConsumerServiceURL`
    ///    is the service provider's `responseConsumerURL`; when they
    ///    differ, fail and send nothing to the service provider (neither
    ///    the assertion nor keystoneauth1's SOAP fault).
    /// 4. POST the response, its header replaced by the service provider's
    ///    `RelayState`, to that URL; the service provider sets its session
    ///    cookie and redirects (302/303) to the federated auth URL.
    /// 5. GET it with the cookie: an unscoped token, re-scoped when a scope
    ///    is given.
    ///
    /// The identity provider's answer reaches the service provider byte
    /// for byte (its signature stays valid), the password goes only to the
    /// identity provider, and each cookie only to the origin that set it.
    ///
    /// ```
    /// use keystoneauth::identity::v3::Saml2Password;
    /// let auth = Saml2Password::builder("https://keystone.example.org/v3", "myidp", "saml2")
    ///     .identity_provider_url("https://idp.example.org/idp/profile/SAML2/SOAP/ECP")
    ///     .username("alice")
    ///     .password("alice-s3cret")
    ///     .project_name("demo")
    ///     .project_domain_name("Default")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{auth:?}").contains("s3cret"));
    /// ```
    Saml2Password,
    Saml2PasswordBuilder {}
);

/// Builds a [`Saml2Password`] plugin.
#[must_use]
#[derive(Debug)]
pub struct Saml2PasswordBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    saml: SamlOptions,
}

impl Saml2PasswordBuilder {
    saml_setters!();
    scope_setters!();

    /// Validates the options and builds the plugin.
    pub fn build(self) -> Result<Saml2Password> {
        const NAME: &str = "v3samlpassword";
        let federation = super::Federation::new(NAME, &self.options, self.identity_provider, self.protocol)?;
        let inner = self
            .saml
            .build(NAME, federation, Login::Ecp, self.options.reauth_margin)?;
        Ok(Saml2Password { inner })
    }
}

impl Exchange<'_> {
    /// The ECP login, up to the unscoped token.
    pub(super) async fn ecp(mut self) -> Result<AccessInfo> {
        let auth = self.auth;
        // 1. The service provider's PAOS request.
        let request = crate::transport::HttpRequest::new(Method::GET, auth.federation.federated_url.clone())
            .header(ACCEPT, HeaderValue::from_static(PAOS_ACCEPT))
            .header(HeaderName::from_static("paos"), HeaderValue::from_static(PAOS_HEADER));
        let sp_response = self.send(request, MAX_SAML_BODY).await?;
        let sp_url = crate::redact::url(sp_response.url());
        let sp_response = sp_response.error_for_status()?;
        let content_type = sp_response.header("content-type").unwrap_or("");
        if !content_type.trim_start().starts_with(PAOS_MEDIA_TYPE) {
            return Err(Error::invalid_response(
                sp_url,
                format!(
                    "the service provider answered {} with {content_type:?}, not a SAML2 ECP request ({PAOS_MEDIA_TYPE}): is the protocol's auth URL behind a SAML service provider with ECP on?",
                    sp_response.status()
                ),
            ));
        }
        let paos = PaosRequest::parse(sp_response.bytes(), &sp_url)?;
        drop(sp_response);

        // 2. The identity provider's SAML response, for the password.
        let idp_url = auth.identity_provider_url.clone();
        let idp_shown = crate::redact::url(&idp_url);
        let basic = auth.credentials.basic();
        let request = Exchange::post(idp_url, "text/xml", paos.authn_request().to_owned())
            .header(AUTHORIZATION, crate::auth::secret_header_value("password", &basic)?);
        let idp_response = self.send(request, MAX_SAML_BODY).await?;
        let idp_response = self.error_for_status(idp_response, &idp_shown)?;
        let idp = EcpResponse::parse_masking(idp_response.bytes(), &idp_shown, &[&auth.credentials.password])?;
        drop(idp_response);

        // 3. Both must name the same consumer.
        if paos.response_consumer_url() != idp.assertion_consumer_service_url() {
            return Err(Error::authorization(format!(
                "the service provider {sp_url} asks for the response at {} but the identity provider {idp_shown} addressed it to {}: the consumer URLs differ, so the assertion was not sent",
                crate::redact::url_str(paos.response_consumer_url()),
                crate::redact::url_str(idp.assertion_consumer_service_url()),
            )));
        }
        let consumer = Url::parse(paos.response_consumer_url())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Error::invalid_response(
                    sp_url.clone(),
                    format!(
                        "the responseConsumerURL {} is not an absolute http(s) URL",
                        crate::redact::url_str(paos.response_consumer_url())
                    ),
                )
            })?;

        // 4. The response, with the SP's relay state, to the consumer.
        let message = idp.for_service_provider(paos.relay_state());
        drop(idp);
        let body = bytes::Bytes::from(secrecy::ExposeSecret::expose_secret(&message).to_owned());
        drop(message);
        let request = Exchange::post(consumer, PAOS_MEDIA_TYPE, body);
        let consumer_response = self.send(request, MAX_TOKEN_BODY).await?;
        match consumer_response.status() {
            StatusCode::FOUND | StatusCode::SEE_OTHER => {
                // 5. Back to the federated auth URL, with the session cookie.
                let location = Exchange::location(&consumer_response)?;
                self.unscoped_at(location).await
            }
            status if status.is_success() => {
                // A service provider may answer with the token at once.
                auth.federation.unscoped_token(consumer_response)
            }
            _ => {
                let shown = crate::redact::url(consumer_response.url());
                let status = consumer_response.status();
                self.error_for_status(consumer_response, &shown)?;
                Err(Error::invalid_response(
                    shown,
                    format!("the service provider answered the SAML2 response with {status}, not a redirect to the federated auth URL"),
                ))
            }
        }
    }
}
