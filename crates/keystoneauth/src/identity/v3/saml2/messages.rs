//! The SAML2 ECP and WS-Trust messages the plugins read, and SOAP faults.
//! Each is parsed from the bytes a server sent; what goes on to the next
//! server is spliced from those bytes (see the `xml` module).

use std::fmt;
use std::ops::Range;

use secrecy::{ExposeSecret, SecretString};

use super::xml::{self, children, text_of, Message, ECP, PAOS, SOAP11, SOAP12, WS_TRUST_13, WS_TRUST_2005};
use crate::error::{Error, Result};

/// A service provider's SAML2 ECP request (a PAOS SOAP envelope with the
/// `samlp:AuthnRequest` in its body), as the SP answers the federated
/// auth URL.
///
/// ```
/// use keystoneauth::identity::v3::PaosRequest;
/// let sp = br#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
///   <S:Header>
///     <paos:Request xmlns:paos="urn:liberty:paos:2003-08" responseConsumerURL="https://sp/Shibboleth.sso/SAML2/ECP"
///         service="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"/>
///     <ecp:RelayState xmlns:ecp="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp">ss:mem:1</ecp:RelayState>
///   </S:Header>
///   <S:Body><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"/></S:Body>
/// </S:Envelope>"#;
/// let request = PaosRequest::parse(sp, "https://sp/v3").unwrap();
/// assert_eq!(request.response_consumer_url(), "https://sp/Shibboleth.sso/SAML2/ECP");
/// assert!(!request.authn_request().contains("S:Header"));
/// assert!(request.relay_state().unwrap().contains("xmlns:S="));
/// ```
pub struct PaosRequest {
    consumer_url: String,
    relay_state: Option<String>,
    authn_request: String,
}

impl fmt::Debug for PaosRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaosRequest")
            .field("response_consumer_url", &crate::redact::url_str(&self.consumer_url))
            .field("relay_state", &self.relay_state.as_ref().map(|_| crate::redact::MASK))
            .field("authn_request_len", &self.authn_request.len())
            .finish()
    }
}

impl PaosRequest {
    /// Reads the SP's answer `body`; `from` (its URL) is named in errors.
    /// Fails with [`Error::InvalidResponse`] naming what is missing: a
    /// SOAP 1.1 envelope, its `S:Header` with one `paos:Request` and its
    /// `responseConsumerURL`, and an `S:Body`.
    pub fn parse(body: &[u8], from: &str) -> Result<Self> {
        const WHAT: &str = "the service provider's SAML2 ECP request";
        let text = Message::utf8(body, from, WHAT)?;
        let m = Message::parse(text, from, WHAT)?;
        let envelope = m.envelope(SOAP11, "SOAP 1.1")?;
        let header = m.only_child(envelope, SOAP11, "Header", "S:Header")?;
        let paos = m.only_child(header, PAOS, "Request", "paos:Request in its S:Header")?;
        let consumer_url = m.attribute(paos, "responseConsumerURL", "paos:Request responseConsumerURL")?;
        m.only_child(envelope, SOAP11, "Body", "S:Body")?;
        let relay_state = m
            .doc
            .descendants()
            .find(|n| n.has_tag_name((ECP, "RelayState")))
            .map(|n| m.standalone(n));
        Ok(PaosRequest {
            consumer_url: consumer_url.to_owned(),
            relay_state,
            authn_request: xml::splice(text, header.range(), ""),
        })
    }

    /// The SP's `paos:Request responseConsumerURL`: where the identity
    /// provider's answer must go.
    pub fn response_consumer_url(&self) -> &str {
        &self.consumer_url
    }

    /// The SP's `ecp:RelayState` element, standing alone (with the
    /// namespace declarations it inherits), if the SP sent one.
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    /// The envelope without its `S:Header`, byte for byte otherwise: what
    /// is sent to the identity provider.
    pub fn authn_request(&self) -> &str {
        &self.authn_request
    }
}

/// An identity provider's SAML2 ECP response: a SOAP envelope with an
/// `ecp:Response` header naming the `AssertionConsumerServiceURL`, and the
/// SAML response (an assertion: a secret) in its body.
pub struct EcpResponse {
    text: SecretString,
    consumer_url: String,
    ecp_response: Range<usize>,
}

impl fmt::Debug for EcpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcpResponse")
            .field(
                "assertion_consumer_service_url",
                &crate::redact::url_str(&self.consumer_url),
            )
            .field("body", &crate::redact::MASK)
            .finish()
    }
}

impl EcpResponse {
    /// Reads the IdP's answer `body`; `from` (its URL) is named in errors.
    /// A SOAP fault is an [`Error::Authorization`] whose source is the
    /// [`SoapFault`]; a message without a SOAP 1.1 envelope, its `S:Header`
    /// with one `ecp:Response` and its `AssertionConsumerServiceURL`, or an
    /// `S:Body`, an [`Error::InvalidResponse`] naming what is missing.
    pub fn parse(body: &[u8], from: &str) -> Result<Self> {
        Self::parse_masking(body, from, &[])
    }

    /// [`parse`](Self::parse), with `secrets` masked in a fault.
    pub(crate) fn parse_masking(body: &[u8], from: &str, secrets: &[&SecretString]) -> Result<Self> {
        const WHAT: &str = "the identity provider's SAML2 ECP response";
        let text = Message::utf8(body, from, WHAT)?;
        let m = Message::parse(text, from, WHAT)?;
        let envelope = m.envelope(SOAP11, "SOAP 1.1")?;
        fault_error(envelope, from, secrets)?;
        let header = m.only_child(envelope, SOAP11, "Header", "S:Header")?;
        let response = m.only_child(header, ECP, "Response", "ecp:Response in its S:Header")?;
        let consumer_url = m.attribute(
            response,
            "AssertionConsumerServiceURL",
            "ecp:Response AssertionConsumerServiceURL",
        )?;
        m.only_child(envelope, SOAP11, "Body", "S:Body")?;
        Ok(EcpResponse {
            text: SecretString::from(text.to_owned()),
            consumer_url: consumer_url.to_owned(),
            ecp_response: response.range(),
        })
    }

    /// The IdP's `ecp:Response AssertionConsumerServiceURL`.
    pub fn assertion_consumer_service_url(&self) -> &str {
        &self.consumer_url
    }

    /// The message for the service provider: the IdP's, byte for byte,
    /// with its `ecp:Response` header replaced by the SP's `relay_state`
    /// (when the SP sent one), as the ECP profile asks.
    pub fn for_service_provider(&self, relay_state: Option<&str>) -> SecretString {
        match relay_state {
            Some(relay) => SecretString::from(xml::splice(self.text.expose_secret(), self.ecp_response.clone(), relay)),
            None => self.text.clone(),
        }
    }
}

/// A WS-Trust 1.3 `RequestSecurityTokenResponse` from an ADFS identity
/// provider, holding a SAML 1.1 assertion (a secret).
pub struct WsTrustResponse {
    wresult: SecretString,
}

impl fmt::Debug for WsTrustResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsTrustResponse")
            .field("wresult", &crate::redact::MASK)
            .finish()
    }
}

impl WsTrustResponse {
    /// Reads the IdP's answer `body`; `from` (its URL) is named in errors.
    /// A SOAP fault is an [`Error::Authorization`] whose source is the
    /// [`SoapFault`]; a message without a SOAP 1.2 envelope, its `s:Body`,
    /// one `RequestSecurityTokenResponseCollection` with one
    /// `RequestSecurityTokenResponse` holding a `RequestedSecurityToken`,
    /// an [`Error::InvalidResponse`] naming what is missing.
    pub fn parse(body: &[u8], from: &str) -> Result<Self> {
        Self::parse_masking(body, from, &[])
    }

    /// [`parse`](Self::parse), with `secrets` masked in a fault.
    pub(crate) fn parse_masking(body: &[u8], from: &str, secrets: &[&SecretString]) -> Result<Self> {
        const WHAT: &str = "the ADFS identity provider's WS-Trust response";
        let text = Message::utf8(body, from, WHAT)?;
        let m = Message::parse(text, from, WHAT)?;
        let envelope = m.envelope(SOAP12, "SOAP 1.2")?;
        fault_error(envelope, from, secrets)?;
        let body = m.only_child(envelope, SOAP12, "Body", "s:Body")?;
        let collection = m.only_child(
            body,
            WS_TRUST_13,
            "RequestSecurityTokenResponseCollection",
            "trust:RequestSecurityTokenResponseCollection",
        )?;
        let response = m.only_child(
            collection,
            WS_TRUST_13,
            "RequestSecurityTokenResponse",
            "trust:RequestSecurityTokenResponse",
        )?;
        m.only_child(
            response,
            WS_TRUST_13,
            "RequestedSecurityToken",
            "trust:RequestedSecurityToken",
        )?;
        // As keystoneauth1 does: the response alone, in the WS-Trust
        // namespace of WS-Federation's passive profile.
        let wresult = m.standalone(response).replace(WS_TRUST_13, WS_TRUST_2005);
        Ok(WsTrustResponse {
            wresult: SecretString::from(wresult),
        })
    }

    /// The `RequestSecurityTokenResponse` standing alone, its WS-Trust 1.3
    /// namespace replaced by February 2005's: the `wresult` of the
    /// WS-Federation sign-in posted to the service provider.
    pub fn wresult(&self) -> &SecretString {
        &self.wresult
    }
}

/// A SOAP fault (SOAP 1.1 `faultcode` and `faultstring`, or SOAP 1.2
/// `Code`, `Subcode` and `Reason`), as an identity provider answers a
/// refused login: the [source](std::error::Error::source) of the
/// [`Error::Authorization`] the SAML plugins return. Texts are kept up to
/// 512 bytes, with the plugin's password masked.
///
/// ```
/// use keystoneauth::identity::v3::SoapFault;
/// let fault = SoapFault::parse(br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>
///   <s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>a:FailedAuthentication</s:Value></s:Subcode></s:Code>
///   <s:Reason><s:Text xml:lang="en-US">At least one security token could not be validated.</s:Text></s:Reason></s:Fault>
/// </s:Body></s:Envelope>"#).unwrap();
/// assert_eq!(fault.subcode(), Some("a:FailedAuthentication"));
/// assert_eq!(fault.to_string(), "a:FailedAuthentication: At least one security token could not be validated.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    code: String,
    subcode: Option<String>,
    reason: Option<String>,
}

impl SoapFault {
    /// The fault in a SOAP 1.1 or 1.2 envelope, if `body` is one.
    pub fn parse(body: &[u8]) -> Option<SoapFault> {
        let text = std::str::from_utf8(body).ok()?;
        let m = Message::parse(text, "", "a SOAP fault").ok()?;
        let envelope = m.doc.root_element();
        Self::in_envelope(envelope)
    }

    fn in_envelope(envelope: roxmltree::Node<'_, '_>) -> Option<SoapFault> {
        let soap = envelope
            .tag_name()
            .namespace()
            .filter(|ns| *ns == SOAP11 || *ns == SOAP12)?;
        if !envelope.has_tag_name((soap, "Envelope")) {
            return None;
        }
        let body = children(envelope, soap, "Body").next()?;
        let fault = children(body, soap, "Fault").next()?;
        let child = |parent, ns, local| children(parent, ns, local).next();
        if soap == SOAP11 {
            // SOAP 1.1: unqualified faultcode and faultstring.
            return Some(SoapFault {
                code: child(fault, "", "faultcode").and_then(text_of)?,
                subcode: None,
                reason: child(fault, "", "faultstring").and_then(text_of),
            });
        }
        let code = child(fault, soap, "Code")?;
        Some(SoapFault {
            code: child(code, soap, "Value").and_then(text_of)?,
            subcode: child(code, soap, "Subcode")
                .and_then(|s| child(s, soap, "Value"))
                .and_then(text_of),
            reason: child(fault, soap, "Reason")
                .and_then(|r| child(r, soap, "Text"))
                .and_then(text_of),
        })
    }

    /// The fault code (`s:Sender`, `S:Server`...).
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The SOAP 1.2 subcode (ADFS: `a:FailedAuthentication`), if any.
    pub fn subcode(&self) -> Option<&str> {
        self.subcode.as_deref()
    }

    /// The reason (SOAP 1.1 `faultstring`), if any.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The SOAP fault in an error's source chain, if any.
    pub fn find(error: &Error) -> Option<&SoapFault> {
        error.find_source()
    }

    /// The fault with `secrets` masked in its texts.
    pub(crate) fn scrubbed(self, secrets: &[&SecretString]) -> SoapFault {
        let scrub = |s: String| crate::redact::scrub(&s, secrets);
        SoapFault {
            code: scrub(self.code),
            subcode: self.subcode.map(scrub),
            reason: self.reason.map(scrub),
        }
    }

    /// The error for a refusal by `from` with this fault.
    pub(crate) fn into_error(self, from: &str) -> Error {
        Error::authorization(format!("{from} refused the login with a SOAP fault: {self}")).with_source(self)
    }
}

impl fmt::Display for SoapFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.subcode.as_deref().unwrap_or(&self.code))?;
        if let Some(reason) = &self.reason {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SoapFault {}

/// Fails with the fault (`secrets` masked in it) when the envelope's body
/// is a SOAP fault.
fn fault_error(envelope: roxmltree::Node<'_, '_>, from: &str, secrets: &[&SecretString]) -> Result<()> {
    match SoapFault::in_envelope(envelope) {
        Some(fault) => Err(fault.scrubbed(secrets).into_error(from)),
        None => Ok(()),
    }
}
