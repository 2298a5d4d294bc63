//! The SAML federation harness itself (scripts/keystone_saml.sh,
//! scripts/saml_sp.py, scripts/saml_idp_standin.py), driven over raw HTTP
//! the way the federated plugins will drive it: the main Keystone's real
//! signed Keystone-to-Keystone assertion goes through the mod_shib stand-in
//! to the service provider Keystone, whose federation code issues the token;
//! what the stand-in must refuse (a tampered or replayed assertion, a
//! missing session, another identity provider's session) is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Keystone, Saml};
use serde_json::{json, Value};

const PAOS: &str = "application/vnd.paos+xml";
const SESSION_COOKIE: &str = "_shibsession_";

fn require() -> Option<(Keystone, Saml)> {
    Some((common::keystone()?, common::saml()?))
}

/// A client that shows redirects instead of following them, and keeps no cookies.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// POST `{auth_url}/auth/tokens`: the token (201 asserted) and the body.
async fn issue_token(http: &reqwest::Client, auth_url: &str, auth: Value) -> (String, Value) {
    let resp = http
        .post(format!("{auth_url}/auth/tokens"))
        .json(&json!({ "auth": auth }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"].to_str().unwrap().to_owned();
    (token, resp.json().await.unwrap())
}

/// The SP Keystone's token for `token` re-scoped to the project `scope`.
async fn rescope(http: &reqwest::Client, saml: &Saml, token: &str, scope: Value) -> Value {
    let auth = json!({"identity": {"methods": ["token"], "token": {"id": token}}, "scope": {"project": scope}});
    issue_token(http, &saml.sp_auth_url, auth).await.1
}

/// A token of the main Keystone (the identity provider): demo, scoped to demo.
async fn idp_token(ks: &Keystone, http: &reqwest::Client) -> String {
    let auth = json!({
        "identity": {"methods": ["password"], "password": {"user": {
            "name": ks.demo_username, "domain": {"id": "default"}, "password": ks.demo_password}}},
        "scope": {"project": {"id": ks.demo_project_id}}});
    issue_token(http, &ks.auth_url, auth).await.0
}

/// The main Keystone's ECP envelope for the service provider: a real
/// assertion, signed with xmlsec1.
async fn k2k_envelope(ks: &Keystone, saml: &Saml, http: &reqwest::Client) -> String {
    let token = idp_token(ks, http).await;
    let body = json!({"auth": {
        "identity": {"methods": ["token"], "token": {"id": token}},
        "scope": {"service_provider": {"id": saml.k2k_sp_id}}}});
    let resp = http
        .post(format!("{}/auth/OS-FEDERATION/saml2/ecp", ks.auth_url))
        .header("X-Auth-Token", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let envelope = resp.text().await.unwrap();
    for part in [
        ":RelayState",
        ":Response",
        ":Assertion",
        "SignatureValue",
        "openstack_user",
    ] {
        assert!(
            envelope.contains(part),
            "no {part} in Keystone's ECP envelope: {envelope}"
        );
    }
    assert!(envelope.contains(&format!("Destination=\"{}\"", saml.k2k_sp_url)));
    envelope
}

/// POSTs an ECP envelope to the service provider's consumer (`sp_url`).
async fn post_envelope(http: &reqwest::Client, url: &str, envelope: String) -> reqwest::Response {
    http.post(url)
        .header("Content-Type", PAOS)
        .body(envelope)
        .send()
        .await
        .unwrap()
}

/// The `name=value` of the stand-in's session cookie in a response.
fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(SESSION_COOKIE))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Follows the consumer's redirect with the session cookie; returns the
/// status, the `X-Subject-Token` and the body.
async fn follow(http: &reqwest::Client, location: &str, cookie: &str) -> (u16, Option<String>, String) {
    let resp = http.get(location).header("Cookie", cookie).send().await.unwrap();
    let status = resp.status().as_u16();
    let token = resp
        .headers()
        .get("x-subject-token")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, token, resp.text().await.unwrap())
}

/// The envelope with one byte changed in the value of attribute `name`.
fn tamper_attribute(envelope: &str, name: &str) -> String {
    let attr = envelope
        .find(&format!("Name=\"{name}\""))
        .expect("attribute in the envelope");
    let value = attr + envelope[attr..].find("AttributeValue").unwrap();
    let start = value + envelope[value..].find('>').unwrap() + 1;
    let mut bytes = envelope.as_bytes().to_vec();
    bytes[start] = if bytes[start] == b'x' { b'y' } else { b'x' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn k2k_assertion_gets_a_token_from_the_sp_keystone_which_rescopes_it() {
    let Some((ks, saml)) = require() else { return };
    let http = client();
    let envelope = k2k_envelope(&ks, &saml, &http).await;
    let created = saml.sp_event_count("session_created");

    let resp = post_envelope(&http, &saml.k2k_sp_url, envelope).await;
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location, saml.k2k_sp_auth_url,
        "an unsolicited response goes to its IdP's protected URL"
    );
    let cookie = session_cookie(&resp).expect("a _shibsession_ cookie");
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("Path=/") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );
    assert!(
        saml.sp_event_count("session_created") > created,
        "the stand-in logs its sessions"
    );

    let (status, token, body) = follow(&http, &location, &cookie).await;
    assert_eq!(status, 201, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    let user = &doc["token"]["user"];
    assert_eq!(doc["token"]["methods"], json!([saml.protocol]));
    assert_eq!(user["name"], ks.demo_username.as_str());
    assert_eq!(user["OS-FEDERATION"]["identity_provider"]["id"], saml.k2k_idp.as_str());
    assert_eq!(user["OS-FEDERATION"]["protocol"]["id"], saml.protocol.as_str());

    // The federated user's group has member on the remote project.
    let scope = json!({"name": saml.k2k_remote_project, "domain": {"id": "default"}});
    let doc = rescope(&http, &saml, &token.unwrap(), scope).await;
    assert_eq!(doc["token"]["project"]["id"], saml.k2k_remote_project_id.as_str());
    let roles: Vec<&str> = doc["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"member"), "{roles:?}");
}

#[tokio::test]
async fn a_tampered_attribute_is_refused_and_the_untouched_assertion_still_passes() {
    let Some((ks, saml)) = require() else { return };
    let http = client();
    let envelope = k2k_envelope(&ks, &saml, &http).await;

    for attribute in ["openstack_user", "openstack_roles", "openstack_project"] {
        let tampered = tamper_attribute(&envelope, attribute);
        assert_ne!(tampered, envelope);
        let resp = post_envelope(&http, &saml.k2k_sp_url, tampered).await;
        assert_eq!(resp.status(), 403, "{attribute}");
        assert!(session_cookie(&resp).is_none());
        let reason = resp.text().await.unwrap();
        assert!(reason.contains("signature"), "{attribute}: {reason}");
    }

    // The refusals were the signature's: the original still verifies...
    let resp = post_envelope(&http, &saml.k2k_sp_url, envelope.clone()).await;
    assert_eq!(resp.status(), 302);
    assert!(session_cookie(&resp).is_some());
    // ...once: a replayed assertion is refused, as mod_shib's replay cache does.
    let resp = post_envelope(&http, &saml.k2k_sp_url, envelope).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("replayed"));
}

#[tokio::test]
async fn the_protected_path_needs_a_session_of_its_own_identity_provider() {
    let Some((ks, saml)) = require() else { return };
    let http = client();

    // No session, no PAOS: 401, and Keystone never sees the request.
    let resp = http.get(&saml.k2k_sp_auth_url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    // A session id the stand-in never made is no session.
    let forged = format!("{SESSION_COOKIE}64656661756c74=_0123456789abcdef0123456789abcdef");
    let (status, token, _) = follow(&http, &saml.k2k_sp_auth_url, &forged).await;
    assert_eq!((status, token), (401, None));

    let resp = post_envelope(&http, &saml.k2k_sp_url, k2k_envelope(&ks, &saml, &http).await).await;
    let cookie = session_cookie(&resp).unwrap();
    // The K2K session on the ECP and ADFS identity providers' paths: 403.
    for idp in [&saml.ecp_idp, &saml.adfs_idp] {
        let (status, token, body) = follow(&http, &saml.federated_auth_url(idp), &cookie).await;
        assert_eq!((status, token), (403, None), "{idp}: {body}");
    }
    // The session is not spent by that: its own path still answers.
    let (status, token, _) = follow(&http, &saml.k2k_sp_auth_url, &cookie).await;
    assert_eq!(status, 201);
    assert!(token.is_some());
}

#[tokio::test]
async fn an_assertion_for_another_consumer_or_from_an_unknown_issuer_is_refused() {
    let Some((ks, saml)) = require() else { return };
    let http = client();
    let envelope = k2k_envelope(&ks, &saml, &http).await;

    // The consumer takes POST only.
    let resp = http
        .get(&saml.k2k_sp_url)
        .header("Content-Type", PAOS)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);

    // The Response's Destination rewritten: refused before the signature.
    let elsewhere = envelope.replacen(
        &format!("Destination=\"{}\"", saml.k2k_sp_url),
        "Destination=\"http://127.0.0.1:9/Shibboleth.sso/SAML2/ECP\"",
        1,
    );
    let resp = post_envelope(&http, &saml.k2k_sp_url, elsewhere).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("destination"));

    // An issuer the service provider does not trust (the signature covers
    // it, but trust is checked first).
    let unknown = envelope.replace(&saml.k2k_idp_entity_id, "https://unknown.ksa.test/idp");
    let resp = post_envelope(&http, &saml.k2k_sp_url, unknown).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("not a trusted identity provider"));

    // Not XML, and an empty body.
    let resp = post_envelope(&http, &saml.k2k_sp_url, "<not-xml".into()).await;
    assert_eq!(resp.status(), 400);
    let resp = post_envelope(&http, &saml.k2k_sp_url, String::new()).await;
    assert_eq!(resp.status(), 400);
}

// ------------------------------------------------------------ SAML2 ECP

/// keystoneauth1's PAOS header value: the ECP service a client offers.
const PAOS_VER: &str = "ver=\"urn:liberty:paos:2003-08\";\"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp\"";

/// The text between the first `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start} in {text}")) + start.len();
    let to = from + text[from..].find(end).unwrap_or_else(|| panic!("no {end} in {text}"));
    &text[from..to]
}

/// The value of the first attribute `name` in `text`.
fn attribute<'a>(text: &'a str, name: &str) -> &'a str {
    between(text, &format!(" {name}=\""), "\"")
}

/// What the SP's PAOS answer gives an ECP client.
struct Paos {
    consumer: String,
    relay_state: String,
    request_id: String,
    /// The SOAP envelope for the IdP: the SP's envelope without its header.
    authn_request: String,
}

/// GETs the protected URL as an ECP client; the SP answers a PAOS request.
async fn paos(http: &reqwest::Client, url: &str) -> Paos {
    let resp = http
        .get(url)
        .header("Accept", format!("text/html, {PAOS}"))
        .header("PAOS", PAOS_VER)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], PAOS);
    let body = resp.text().await.unwrap();
    let request = between(&body, "<samlp:AuthnRequest", ">");
    assert_eq!(
        attribute(request, "AssertionConsumerServiceURL"),
        attribute(&body, "responseConsumerURL")
    );
    let relay_element = between(&body, "<ecp:RelayState", "</ecp:RelayState>");
    let relay_state = &relay_element[relay_element.find('>').unwrap() + 1..];
    Paos {
        consumer: attribute(&body, "responseConsumerURL").to_owned(),
        relay_state: relay_state.trim().to_owned(),
        request_id: attribute(request, "ID").to_owned(),
        authn_request: format!(
            "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>{}</S:Body></S:Envelope>",
            between(&body, "<S:Body>", "</S:Body>")
        ),
    }
}

/// POSTs the AuthnRequest envelope to an ECP IdP with HTTP Basic.
async fn ecp_idp(http: &reqwest::Client, url: &str, user: &str, password: &str, envelope: &str) -> reqwest::Response {
    http.post(url)
        .basic_auth(user, Some(password))
        .header("Content-Type", "text/xml")
        .body(envelope.to_owned())
        .send()
        .await
        .unwrap()
}

/// The IdP's envelope with its header replaced by the SP's RelayState, as
/// an ECP client sends it to the consumer.
fn with_relay_state(idp_envelope: &str, relay_state: &str) -> String {
    let header = between(idp_envelope, "<soap11:Header>", "</soap11:Header>");
    idp_envelope.replacen(
        header,
        &format!(
            "<ecp:RelayState xmlns:ecp=\"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp\" \
             soap11:actor=\"http://schemas.xmlsoap.org/soap/actor/next\" \
             soap11:mustUnderstand=\"1\">{relay_state}</ecp:RelayState>"
        ),
        1,
    )
}

#[tokio::test]
async fn ecp_paos_request_idp_and_consumer_give_a_token_from_the_sp_keystone() {
    let Some((_, saml)) = require() else { return };
    let http = client();
    let protected = saml.federated_auth_url(&saml.ecp_idp);
    let paos = paos(&http, &protected).await;
    assert_eq!(paos.consumer, saml.k2k_sp_url, "one consumer for ECP and K2K");
    assert!(paos.relay_state.starts_with("ss:mem:"), "{}", paos.relay_state);

    let resp = ecp_idp(
        &http,
        &saml.ecp_idp_url,
        &saml.ecp_username,
        &saml.ecp_password,
        &paos.authn_request,
    )
    .await;
    assert_eq!(resp.status(), 200);
    let idp_envelope = resp.text().await.unwrap();
    assert_eq!(attribute(&idp_envelope, "AssertionConsumerServiceURL"), paos.consumer);
    assert_eq!(attribute(&idp_envelope, "InResponseTo"), paos.request_id);

    let resp = post_envelope(
        &http,
        &paos.consumer,
        with_relay_state(&idp_envelope, &paos.relay_state),
    )
    .await;
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"],
        protected.as_str(),
        "back to the RelayState's target"
    );
    let cookie = session_cookie(&resp).unwrap();

    // The stand-ins log which headers and cookies reached them (names only).
    let ecp_path = url::Url::parse(&saml.ecp_idp_url).unwrap().path().to_owned();
    let to_idp: Vec<Value> = saml
        .idp_events_of("request")
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["path"] == ecp_path.as_str())
        .collect();
    assert!(to_idp
        .iter()
        .any(|e| e["headers"].as_array().unwrap().contains(&json!("authorization"))));
    assert!(to_idp.iter().all(|e| e["cookies"] == json!([])), "{to_idp:?}");

    let (status, token, body) = follow(&http, &protected, &cookie).await;
    assert_eq!(status, 201, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["token"]["user"]["name"], saml.ecp_username.as_str());
    assert_eq!(
        doc["token"]["user"]["OS-FEDERATION"]["identity_provider"]["id"],
        saml.ecp_idp.as_str()
    );
    let doc = rescope(&http, &saml, &token.unwrap(), json!({"id": saml.saml_project_id})).await;
    assert_eq!(doc["token"]["project"]["name"], saml.saml_project.as_str());
}

#[tokio::test]
async fn the_ecp_idp_checks_credentials_and_the_sp_checks_consumer_and_relay_state() {
    let Some((_, saml)) = require() else { return };
    let http = client();
    let protected = saml.federated_auth_url(&saml.ecp_idp);
    let first = paos(&http, &protected).await;

    // Bad or no credentials: 401 with a Basic challenge.
    let resp = ecp_idp(
        &http,
        &saml.ecp_idp_url,
        &saml.ecp_username,
        "wrong",
        &first.authn_request,
    )
    .await;
    assert_eq!(resp.status(), 401);
    assert!(resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic "));
    let resp = http
        .post(&saml.ecp_idp_url)
        .body(first.authn_request.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // The wrong-consumer endpoint names another consumer, and its assertion
    // (for that consumer) is refused by the SP's.
    let resp = ecp_idp(
        &http,
        &saml.ecp_idp_url_wrong_consumer,
        &saml.ecp_username,
        &saml.ecp_password,
        &first.authn_request,
    )
    .await;
    assert_eq!(resp.status(), 200);
    let wrong = resp.text().await.unwrap();
    assert_eq!(
        attribute(&wrong, "AssertionConsumerServiceURL"),
        saml.ecp_wrong_consumer_url
    );
    assert_ne!(saml.ecp_wrong_consumer_url, first.consumer);
    let resp = post_envelope(&http, &first.consumer, with_relay_state(&wrong, &first.relay_state)).await;
    assert_eq!(resp.status(), 403);

    // A response to one AuthnRequest with the RelayState of another: refused.
    let second = paos(&http, &protected).await;
    let resp = ecp_idp(
        &http,
        &saml.ecp_idp_url,
        &saml.ecp_username,
        &saml.ecp_password,
        &second.authn_request,
    )
    .await;
    let for_second = resp.text().await.unwrap();
    let resp = post_envelope(
        &http,
        &first.consumer,
        with_relay_state(&for_second, &first.relay_state),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("relay state"));

    // A SOAP fault (an ECP client's consumer-mismatch report) is recorded.
    let faults = saml.sp_event_count("soap_fault_received");
    let fault = "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body><S:Fault>\
                 <faultcode>S:Server</faultcode><faultstring>mismatch</faultstring></S:Fault></S:Body></S:Envelope>";
    let resp = post_envelope(&http, &first.consumer, fault.into()).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(saml.sp_event_count("soap_fault_received"), faults + 1);
    // A post to the wrong consumer is recorded by the stand-in.
    let posts = saml.idp_event_count("wrong_consumer_post");
    let resp = post_envelope(&http, &saml.ecp_wrong_consumer_url, wrong).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(saml.idp_event_count("wrong_consumer_post"), posts + 1);
}

// ------------------------------------------------------------ ADFS

/// keystoneauth1's WS-Trust 1.3 RequestSecurityToken (SOAP 1.2, UsernameToken).
fn request_security_token(url: &str, user: &str, password: &str, applies_to: &str) -> String {
    let wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    let wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    let created = chrono::Utc::now();
    let expires = created + chrono::Duration::seconds(120);
    let fmt = "%Y-%m-%dT%H:%M:%S%.3fZ";
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="{wsu}"><s:Header><a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><a:MessageID>urn:uuid:0123456789abcdef0123456789abcdef</a:MessageID><a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">{url}</a:To><o:Security xmlns:o="{wsse}" s:mustUnderstand="1"><u:Timestamp u:Id="_0"><u:Created>{}</u:Created><u:Expires>{}</u:Expires></u:Timestamp><o:UsernameToken u:u="uuid-1"><o:Username>{user}</o:Username><o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{password}</o:Password></o:UsernameToken></o:Security></s:Header><s:Body><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{applies_to}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType><trust:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</trust:TokenType></trust:RequestSecurityToken></s:Body></s:Envelope>"#,
        created.format(fmt),
        expires.format(fmt),
    )
}

/// POSTs a RequestSecurityToken to the ADFS stand-in; returns status and body.
async fn adfs(http: &reqwest::Client, saml: &Saml, password: &str, applies_to: &str) -> (u16, String) {
    let rst = request_security_token(&saml.adfs_url, &saml.adfs_username, password, applies_to);
    let resp = http
        .post(&saml.adfs_url)
        .header("Content-Type", "application/soap+xml; charset=utf-8")
        .body(rst)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The RequestSecurityTokenResponse of an RSTR, as keystoneauth1 posts it
/// (the WS-Trust 1.3 namespace renamed to the 2005/02 one).
fn wresult(rstr: &str) -> String {
    let inner = between(
        rstr,
        "<trust:RequestSecurityTokenResponse>",
        "</trust:RequestSecurityTokenResponse>",
    );
    format!(
        "<trust:RequestSecurityTokenResponse xmlns:trust=\"http://schemas.xmlsoap.org/ws/2005/02/trust\">{inner}\
         </trust:RequestSecurityTokenResponse>"
    )
}

/// POSTs the WS-Federation sign-in form to the SP's ADFS endpoint.
async fn adfs_sign_in(http: &reqwest::Client, saml: &Saml, wresult: &str) -> reqwest::Response {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("wa", "wsignin1.0")
        .append_pair("wresult", wresult)
        .finish();
    http.post(&saml.adfs_sp_endpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn adfs_security_token_posted_to_the_sp_gives_a_token_from_the_sp_keystone() {
    let Some((_, saml)) = require() else { return };
    let http = client();
    let (status, rstr) = adfs(&http, &saml, &saml.adfs_password, &saml.adfs_sp_entity_id).await;
    assert_eq!(status, 200, "{rstr}");
    assert!(rstr.contains("urn:oasis:names:tc:SAML:1.0:assertion") && rstr.contains("SignatureValue"));

    let resp = adfs_sign_in(&http, &saml, &wresult(&rstr)).await;
    assert_eq!(resp.status(), 302);
    let protected = saml.federated_auth_url(&saml.adfs_idp);
    assert_eq!(resp.headers()["location"], protected.as_str());
    let cookie = session_cookie(&resp).unwrap();
    let (status, _, body) = follow(&http, &protected, &cookie).await;
    assert_eq!(status, 201, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["token"]["user"]["name"], format!("{}@ksa.test", saml.adfs_username));
    assert_eq!(
        doc["token"]["user"]["OS-FEDERATION"]["identity_provider"]["id"],
        saml.adfs_idp.as_str()
    );
}

#[tokio::test]
async fn adfs_faults_and_a_tampered_saml1_assertion_are_refused() {
    let Some((_, saml)) = require() else { return };
    let http = client();
    let (status, fault) = adfs(&http, &saml, "wrong", &saml.adfs_sp_entity_id).await;
    assert_eq!(status, 500);
    assert!(fault.contains("a:FailedAuthentication"), "{fault}");
    let (status, fault) = adfs(&http, &saml, &saml.adfs_password, "https://unknown.ksa.test/").await;
    assert_eq!(status, 500);
    assert!(fault.contains("a:InvalidRequest"), "{fault}");

    let (_, rstr) = adfs(&http, &saml, &saml.adfs_password, &saml.adfs_sp_entity_id).await;
    let good = wresult(&rstr);
    let tampered = good.replacen(">ksa-users<", ">ksa-userz<", 1);
    assert_ne!(tampered, good);
    let resp = adfs_sign_in(&http, &saml, &tampered).await;
    assert_eq!(resp.status(), 403);
    assert!(session_cookie(&resp).is_none());
    assert!(resp.text().await.unwrap().contains("signature"));
    let resp = http
        .post(&saml.adfs_sp_endpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("wa=wsignout1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // The untouched one passes, once.
    assert_eq!(adfs_sign_in(&http, &saml, &good).await.status(), 302);
    assert_eq!(adfs_sign_in(&http, &saml, &good).await.status(), 403);
}
