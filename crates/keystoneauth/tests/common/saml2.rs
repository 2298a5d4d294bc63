//! Stand-ins for a SAML service provider (Keystone behind mod_shib) and
//! for SAML2 ECP and ADFS identity providers, as wiremock servers speaking
//! the wire format of keystoneauth1's own test messages
//! (`tests/data/saml2/`). Every secret is a canary.

use chrono::{TimeZone, Utc};
use keystoneauth::fixture::V3Token;
use wiremock::matchers::{header, header_regex, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::tokens::TokenResponder;

/// The user's password at the identity provider, with every character XML
/// must escape.
pub const PASSWORD: &str = "IDP-PASSWORD-CANARY-<&\"'>-7e1";
/// The user's name at the identity provider.
pub const USERNAME: &str = "alice@example.org";
/// The service provider's session cookie value.
pub const SP_COOKIE: &str = "SP-SESSION-CANARY-5d2c";
/// A cookie the identity provider sets (it must never reach the SP).
pub const IDP_COOKIE: &str = "IDP-SESSION-CANARY-0b9f";
/// A marker inside the ECP assertion (its encrypted value).
pub const ECP_ASSERTION: &str = "ECP-ASSERTION-CANARY-c1f0";
/// A marker inside the ADFS assertion (its digest value).
pub const ADFS_ASSERTION: &str = "EaZ/2d0KAY5un9akV3++Npyk6hBc8JuTYs2S3lSxUeQ=";
/// Every secret of the stand-ins.
pub const SECRETS: &[&str] = &[PASSWORD, SP_COOKIE, IDP_COOKIE, ECP_ASSERTION, ADFS_ASSERTION];

/// The identity provider and protocol in Keystone.
pub const IDP: &str = "myidp";
/// The federation protocol.
pub const PROTOCOL: &str = "saml2";
/// Keystone's federated auth URL path.
pub const FEDERATION_PATH: &str = "/v3/OS-FEDERATION/identity_providers/myidp/protocols/saml2/auth";
/// The service provider's ECP consumer.
pub const CONSUMER_PATH: &str = "/Shibboleth.sso/SAML2/ECP";
/// The service provider's WS-Federation endpoint.
pub const ADFS_SP_PATH: &str = "/Shibboleth.sso/ADFS";
/// The ECP identity provider's endpoint.
pub const ECP_IDP_PATH: &str = "/idp/profile/SAML2/SOAP/ECP";
/// ADFS's WS-Trust endpoint.
pub const ADFS_IDP_PATH: &str = "/adfs/services/trust/13/usernamemixed";
/// The service provider's entity id (ADFS's `AppliesTo`).
pub const SP_ENTITY_ID: &str = "https://sp.example.org/shibboleth";

/// The PAOS request of a service provider whose consumer is `consumer`.
pub fn paos_request(consumer: &str, relay_state: bool) -> String {
    let template = if relay_state {
        include_str!("../data/saml2/soap_response.xml")
    } else {
        include_str!("../data/saml2/soap_response_no_relay_state.xml")
    };
    template
        .replace("$consumer", consumer)
        .replace("$issuer", "https://sp.example.org/shibboleth")
        .replace("$provider", "https://idp.example.org/idp/shibboleth")
}

/// The identity provider's ECP response for `destination`.
pub fn ecp_response(destination: &str) -> String {
    include_str!("../data/saml2/saml_assertion.xml")
        .replace("$destination", destination)
        .replace("$issuer", "https://idp.example.org/idp/shibboleth")
        .replace("VALUE==", ECP_ASSERTION)
}

/// ADFS's answer with a signed SAML 1.1 assertion.
pub const ADFS_RESPONSE: &str = include_str!("../data/saml2/ADFS_RequestSecurityTokenResponse.xml");
/// ADFS's fault for a wrong password.
pub const ADFS_FAULT: &str = include_str!("../data/saml2/ADFS_fault.xml");

/// The HTTP Basic value of the canary credentials.
pub fn basic() -> String {
    use base64::Engine;
    let raw = format!("{USERNAME}:{PASSWORD}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// A federated user's token: unscoped, or scoped to project `p1` (the re-scope).
pub fn federated_token(scoped: bool) -> V3Token {
    let token = V3Token::new()
        .user("fed-user-id", "alice")
        .federated(IDP, PROTOCOL, ["federated-users"])
        .expires_at(Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap());
    if scoped {
        token
            .methods(["token"])
            .project_scope("p1", "demo")
            .role("r1", "member")
    } else {
        token.methods(["saml2"])
    }
}

/// The service provider's session cookie header.
pub fn set_sp_cookie() -> String {
    format!("_shibsession_64656661756c74={SP_COOKIE}; path=/; HttpOnly")
}

/// Keystone behind the service provider: the federated auth URL gives a
/// token for the session cookie, and a PAOS request (`paos_request`)
/// to an ECP client; `/v3/auth/tokens` re-scopes.
pub async fn service_provider(paos: impl Fn(&str) -> String) -> MockServer {
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(FEDERATION_PATH))
        .and(header_regex(
            "cookie",
            &format!("_shibsession_64656661756c74={SP_COOKIE}"),
        ))
        .respond_with(TokenResponder::numbered("FED-UNSCOPED", federated_token(false)))
        .with_priority(1)
        .mount(&sp)
        .await;
    Mock::given(method("GET"))
        .and(path(FEDERATION_PATH))
        .and(header(
            "paos",
            "ver=\"urn:liberty:paos:2003-08\";\"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp\"",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(paos(&sp.uri()), "application/vnd.paos+xml"))
        .with_priority(2)
        .mount(&sp)
        .await;
    Mock::given(method("GET"))
        .and(path(FEDERATION_PATH))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(3)
        .mount(&sp)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(TokenResponder::numbered("SCOPED", federated_token(true)))
        .mount(&sp)
        .await;
    sp
}

/// The ECP consumer of `sp`: a 302 to `location` with the session cookie.
pub async fn mount_consumer(sp: &MockServer, location: &str) {
    Mock::given(method("POST"))
        .and(path(CONSUMER_PATH))
        .and(header("content-type", "application/vnd.paos+xml"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", location)
                .insert_header("set-cookie", set_sp_cookie().as_str()),
        )
        .mount(sp)
        .await;
}

/// An ECP identity provider answering the canary credentials with
/// `response` (and a cookie of its own), anything else with 401.
pub async fn ecp_identity_provider(response: String) -> MockServer {
    let idp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ECP_IDP_PATH))
        .and(header("authorization", basic().as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("set-cookie", format!("JSESSIONID={IDP_COOKIE}; Path=/idp").as_str())
                .set_body_raw(response, "application/vnd.paos+xml"),
        )
        .with_priority(1)
        .mount(&idp)
        .await;
    Mock::given(method("POST"))
        .and(path(ECP_IDP_PATH))
        .respond_with(ResponseTemplate::new(401).insert_header("www-authenticate", "Basic realm=\"idp\""))
        .with_priority(2)
        .mount(&idp)
        .await;
    idp
}

/// ADFS: the WS-Trust response for a request with the canary password
/// (read as XML), the SOAP fault with a 500 otherwise.
pub struct AdfsResponder;

impl Respond for AdfsResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body);
        let password = roxmltree::Document::parse(&body).ok().and_then(|doc| {
            doc.descendants()
                .find(|n| n.tag_name().name() == "Password")
                .and_then(|n| n.text().map(str::to_owned))
        });
        let (status, body) = if password.as_deref() == Some(PASSWORD) {
            (200, ADFS_RESPONSE)
        } else {
            (500, ADFS_FAULT)
        };
        ResponseTemplate::new(status)
            .insert_header("set-cookie", format!("MSISContext={IDP_COOKIE}; path=/adfs").as_str())
            .set_body_raw(body, "application/soap+xml; charset=utf-8")
    }
}

/// An ADFS identity provider ([`AdfsResponder`]).
pub async fn adfs_identity_provider() -> MockServer {
    let idp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ADFS_IDP_PATH))
        .respond_with(AdfsResponder)
        .mount(&idp)
        .await;
    idp
}

/// The service provider's WS-Federation endpoint: a 302 to a page with the
/// session cookie for a sign-in form holding the ADFS assertion.
pub async fn mount_adfs_endpoint(sp: &MockServer) {
    Mock::given(method("POST"))
        .and(path(ADFS_SP_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(|request: &Request| {
            let form: Vec<(String, String)> = keystoneauth::url::form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let signed_in = form.iter().any(|(k, v)| k == "wa" && v == "wsignin1.0")
                && form.iter().any(|(k, v)| k == "wresult" && v.contains(ADFS_ASSERTION));
            if signed_in {
                ResponseTemplate::new(302)
                    .insert_header("location", "/secure/")
                    .insert_header("set-cookie", set_sp_cookie().as_str())
            } else {
                ResponseTemplate::new(400)
            }
        })
        .mount(sp)
        .await;
}
