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

/// A token of the main Keystone (the identity provider): demo, scoped to demo.
async fn idp_token(ks: &Keystone, http: &reqwest::Client) -> String {
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": ks.demo_username, "domain": {"id": "default"}, "password": ks.demo_password}}},
        "scope": {"project": {"id": ks.demo_project_id}}}});
    let resp = http
        .post(format!("{}/auth/tokens", ks.auth_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.headers()["x-subject-token"].to_str().unwrap().to_owned()
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
    assert_eq!(saml.sp_event_count("session_created"), created + 1);

    let (status, token, body) = follow(&http, &location, &cookie).await;
    assert_eq!(status, 201, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    let user = &doc["token"]["user"];
    assert_eq!(doc["token"]["methods"], json!([saml.protocol]));
    assert_eq!(user["name"], ks.demo_username.as_str());
    assert_eq!(user["OS-FEDERATION"]["identity_provider"]["id"], saml.k2k_idp.as_str());
    assert_eq!(user["OS-FEDERATION"]["protocol"]["id"], saml.protocol.as_str());

    // The federated user's group has member on the remote project.
    let body = json!({"auth": {
        "identity": {"methods": ["token"], "token": {"id": token.unwrap()}},
        "scope": {"project": {"name": saml.k2k_remote_project, "domain": {"id": "default"}}}}});
    let resp = http
        .post(format!("{}/auth/tokens", saml.sp_auth_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let doc: Value = resp.json().await.unwrap();
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
