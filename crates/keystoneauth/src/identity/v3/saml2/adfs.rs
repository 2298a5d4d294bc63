//! ADFS with a password (keystoneauth1's `v3adfspassword`,
//! `keystoneauth1.extras._saml2.v3.adfs.Password`): a WS-Trust 1.3 token
//! request with a username token, and the WS-Federation sign-in at the
//! service provider.

use std::fmt::Write as _;

use chrono::{Duration as ChronoDuration, Utc};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::xml::escape;
use super::{saml_plugin, saml_setters, Credentials, Exchange, Login, SamlOptions, WsTrustResponse, MAX_SAML_BODY};
use crate::access::AccessInfo;
use crate::error::{Error, Result};
use crate::identity::v3::{scope_setters, V3Options};
use crate::masked_url::MaskedUrl;

/// How long the requested security token may live (keystoneauth1's
/// `DEFAULT_ADFS_TOKEN_EXPIRATION`).
const TOKEN_LIFETIME_SECS: i64 = 120;
/// The content type of SOAP 1.2 requests.
const SOAP_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";
/// The content type of the sign-in form.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

saml_plugin!(
    /// ADFS with a user name and password (keystoneauth1's
    /// `v3adfspassword`):
    ///
    /// 1. POST a WS-Trust 1.3 `RequestSecurityToken` (SOAP 1.2) with a
    ///    username token and a two-minute timestamp, for the service
    ///    provider's entity id, to the identity provider (ADFS's
    ///    `/adfs/services/trust/13/usernamemixed`). A SOAP fault is an
    ///    [`Error::Authorization`](crate::Error::Authorization) whose source
    ///    is the [`SoapFault`](crate::identity::v3::SoapFault).
    /// 2. POST the `RequestSecurityTokenResponse` with its SAML 1.1
    ///    assertion, as WS-Federation's `wresult`, to the service
    ///    provider's endpoint (`https://keystone.example.org/Shibboleth.sso/ADFS`),
    ///    which sets its session cookie.
    /// 3. GET Keystone's federated auth URL with that cookie: an unscoped
    ///    token, re-scoped when a scope is given.
    ///
    /// The assertion reaches the service provider byte for byte, the
    /// password goes only to the identity provider, and each cookie only
    /// to the origin that set it.
    ///
    /// ```
    /// use keystoneauth::identity::v3::AdfsPassword;
    /// let auth = AdfsPassword::builder("https://keystone.example.org/v3", "adfs", "saml2")
    ///     .identity_provider_url("https://adfs.example.org/adfs/services/trust/13/usernamemixed")
    ///     .service_provider_endpoint("https://keystone.example.org/Shibboleth.sso/ADFS")
    ///     .service_provider_entity_id("https://keystone.example.org/shibboleth")
    ///     .username("alice@example.org")
    ///     .password("alice-s3cret")
    ///     .project_id("f3a8c1")
    ///     .build()
    ///     .unwrap();
    /// assert!(!format!("{auth:?}").contains("s3cret"));
    /// ```
    AdfsPassword,
    AdfsPasswordBuilder {
        service_provider_endpoint: None,
        service_provider_entity_id: None,
    }
);

/// Builds an [`AdfsPassword`] plugin.
#[must_use]
#[derive(Debug)]
pub struct AdfsPasswordBuilder {
    pub(crate) options: V3Options,
    identity_provider: String,
    protocol: String,
    saml: SamlOptions,
    service_provider_endpoint: Option<MaskedUrl>,
    service_provider_entity_id: Option<String>,
}

impl AdfsPasswordBuilder {
    saml_setters!();

    /// The service provider's endpoint for WS-Federation sign-ins, where
    /// the assertion is posted (`https://keystone.example.org/Shibboleth.sso/ADFS`).
    pub fn service_provider_endpoint(mut self, url: impl Into<MaskedUrl>) -> Self {
        self.service_provider_endpoint = Some(url.into());
        self
    }

    /// The service provider's SAML entity id, the token's audience
    /// (`AppliesTo`).
    pub fn service_provider_entity_id(mut self, id: impl Into<String>) -> Self {
        self.service_provider_entity_id = Some(id.into());
        self
    }

    scope_setters!();

    /// Validates the options and builds the plugin. Every option is
    /// required, as keystoneauth1's loader says (its class falls back to
    /// the endpoint when no entity id is given; so does this builder).
    pub fn build(self) -> Result<AdfsPassword> {
        const NAME: &str = "v3adfspassword";
        let endpoint =
            crate::identity::v3::required(self.service_provider_endpoint, "service-provider-endpoint", NAME)?;
        let endpoint = super::url_option("service-provider-endpoint", NAME, &endpoint)?;
        let entity_id = self
            .service_provider_entity_id
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| endpoint.as_str().to_owned());
        let federation = super::Federation::new(NAME, &self.options, self.identity_provider, self.protocol)?;
        let sp = AdfsSp { endpoint, entity_id };
        let inner = self
            .saml
            .build(NAME, federation, Login::Adfs(sp), self.options.reauth_margin)?;
        Ok(AdfsPassword { inner })
    }
}

/// The service provider's side of an ADFS login.
pub(crate) struct AdfsSp {
    endpoint: Url,
    entity_id: String,
}

impl std::fmt::Debug for AdfsSp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdfsSp")
            .field("endpoint", &crate::redact::url(&self.endpoint))
            .field("entity_id", &self.entity_id)
            .finish()
    }
}

impl AdfsSp {
    pub(super) fn cache_id_parts(&self, parts: &mut Vec<(&'static str, String)>) {
        parts.push(("service_provider_endpoint", self.endpoint.as_str().to_owned()));
        parts.push(("service_provider_entity_id", self.entity_id.clone()));
    }
}

/// 16 random octets, hex-encoded (message ids).
fn random_hex() -> Result<String> {
    let mut octets = [0u8; 16];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut octets)
        .map_err(|_| Error::authorization("no secure random numbers are available for a WS-Trust message id"))?;
    Ok(hex::encode(octets))
}

/// The WS-Trust 1.3 `RequestSecurityToken` for `credentials`, sent to
/// `idp_url` for `applies_to`, created at `now` (a secret: it holds the
/// password).
pub(crate) fn request_security_token(
    credentials: &Credentials,
    idp_url: &Url,
    applies_to: &str,
    now: chrono::DateTime<Utc>,
    ids: (&str, &str),
) -> SecretString {
    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";
    let created = now.format(FORMAT);
    let expires = (now + ChronoDuration::seconds(TOKEN_LIFETIME_SECS)).format(FORMAT);
    let mut xml = String::with_capacity(2048);
    // keystoneauth1's message, element for element; the username token's
    // id is `u:Id` (keystoneauth1 writes an attribute `u:u`).
    let _ = write!(
        xml,
        concat!(
            r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" "#,
            r#"xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header>"#,
            r#"<a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action>"#,
            r#"<a:MessageID>urn:uuid:{message_id}</a:MessageID>"#,
            r#"<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>"#,
            r#"<a:To s:mustUnderstand="1">{to}</a:To>"#,
            r#"<o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" s:mustUnderstand="1">"#,
            r#"<u:Timestamp u:Id="_0"><u:Created>{created}</u:Created><u:Expires>{expires}</u:Expires></u:Timestamp>"#,
            r#"<o:UsernameToken u:Id="uuid-{token_id}-1"><o:Username>{username}</o:Username>"#,
            r#"<o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{password}</o:Password>"#,
            r#"</o:UsernameToken></o:Security></s:Header><s:Body>"#,
            r#"<trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512">"#,
            r#"<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">"#,
            r#"<wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{applies_to}</wsa:Address></wsa:EndpointReference>"#,
            r#"</wsp:AppliesTo><trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType>"#,
            r#"<trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType>"#,
            r#"<trust:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</trust:TokenType>"#,
            r#"</trust:RequestSecurityToken></s:Body></s:Envelope>"#,
        ),
        message_id = ids.0,
        token_id = ids.1,
        to = escape(idp_url.as_str()),
        created = created,
        expires = expires,
        username = escape(&credentials.username),
        password = escape(credentials.password.expose_secret()),
        applies_to = escape(applies_to),
    );
    SecretString::from(xml)
}

impl Exchange<'_> {
    /// The ADFS login, up to the unscoped token.
    pub(super) async fn adfs(mut self, sp: &AdfsSp) -> Result<AccessInfo> {
        let auth = self.auth;
        // 1. The security token from the identity provider.
        let idp_url = auth.identity_provider_url.clone();
        let idp_shown = crate::redact::url(&idp_url);
        let (message_id, token_id) = (random_hex()?, random_hex()?);
        let rst = request_security_token(
            &auth.credentials,
            &idp_url,
            &sp.entity_id,
            Utc::now(),
            (&message_id, &token_id),
        );
        let body = bytes::Bytes::from(rst.expose_secret().to_owned());
        drop(rst);
        let request = Exchange::post(idp_url, SOAP_CONTENT_TYPE, body);
        let idp_response = self.send(request, MAX_SAML_BODY).await?;
        let idp_response = self.error_for_status(idp_response, &idp_shown)?;
        let token = WsTrustResponse::parse_masking(idp_response.bytes(), &idp_shown, &[&auth.credentials.password])?;
        drop(idp_response);

        // 2. The WS-Federation sign-in at the service provider.
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("wa", "wsignin1.0")
            .append_pair("wresult", token.wresult().expose_secret())
            .append_pair("wctx", "")
            .finish();
        drop(token);
        let request = Exchange::post(sp.endpoint.clone(), FORM_CONTENT_TYPE, form);
        let sp_response = self.send(request, MAX_SAML_BODY).await?;
        // A redirect (to a page, not to the protected URL) is expected and
        // not followed: the session cookie is what counts.
        if sp_response.status().as_u16() >= 400 {
            sp_response.error_for_status()?;
        }

        // 3. Keystone's federated auth URL with the session cookie.
        self.unscoped_at(auth.federation.federated_url.clone()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_token_request_escapes_what_it_carries() {
        let credentials = Credentials {
            username: "al<ice>@example.org".into(),
            password: SecretString::from("p<&\"'>w"),
        };
        let idp = Url::parse("https://adfs.example.org/adfs/services/trust/13/usernamemixed?a=1&b=2").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 5, 0, 0).unwrap();
        let rst = request_security_token(&credentials, &idp, "https://sp/&x", now, ("m1", "t1"));
        let xml = rst.expose_secret();
        let doc = roxmltree::Document::parse(xml).unwrap();
        let text = |local: &str| {
            doc.descendants()
                .find(|n| n.tag_name().name() == local)
                .and_then(|n| n.text())
                .unwrap()
                .to_owned()
        };
        assert_eq!(text("Password"), "p<&\"'>w");
        assert_eq!(text("Username"), "al<ice>@example.org");
        assert_eq!(text("To"), idp.as_str());
        assert_eq!(text("Address"), "http://www.w3.org/2005/08/addressing/anonymous");
        assert_eq!(text("Created"), "2026-12-03T05:00:00.000000Z");
        assert_eq!(text("Expires"), "2026-12-03T05:02:00.000000Z");
        assert_eq!(text("MessageID"), "urn:uuid:m1");
        let applies = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "Address")
            .nth(1)
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(applies, "https://sp/&x");
        assert_eq!(text("TokenType"), "urn:oasis:names:tc:SAML:1.0:assertion");
        let a = random_hex().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex().unwrap());
    }
}
