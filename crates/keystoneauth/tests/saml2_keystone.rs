//! `v3samlpassword` (SAML2 ECP) and `v3adfspassword` (ADFS) end to end
//! against the harness's SAML federation (docs/keystone-harness.md, "SAML
//! federation"): the service provider Keystone behind the mod_shib
//! stand-in, which verifies the assertions' signatures with xmlsec1, and
//! the ECP and ADFS identity provider stand-ins, which sign them. A token
//! from the SP Keystone proves the signed XML arrived byte for byte; the
//! stand-ins' events show which headers and cookies reached which server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::access;

use keystoneauth::identity::v3::{AdfsPassword, Saml2Password, SoapFault};
use keystoneauth::{AuthPlugin, Error, Session};
use testkit::Saml;

fn ecp(s: &Saml, idp_url: &str, password: &str) -> Saml2Password {
    Saml2Password::builder(&s.sp_auth_url, &s.ecp_idp, &s.protocol)
        .identity_provider_url(idp_url)
        .username(&s.ecp_username)
        .password(password.to_owned())
        .project_name(&s.saml_project)
        .project_domain_id("default")
        .build()
        .unwrap()
}

fn adfs(s: &Saml, password: &str) -> AdfsPassword {
    AdfsPassword::builder(&s.sp_auth_url, &s.adfs_idp, &s.protocol)
        .identity_provider_url(&s.adfs_url)
        .service_provider_endpoint(&s.adfs_sp_endpoint)
        .service_provider_entity_id(&s.adfs_sp_entity_id)
        .username(&s.adfs_username)
        .password(password.to_owned())
        .project_id(&s.saml_project_id)
        .build()
        .unwrap()
}

/// The new `request` events of a stand-in since `before` (one JSON line each).
fn new_requests(all: Vec<String>, before: usize) -> Vec<String> {
    all.into_iter().skip(before).collect()
}

/// Among the stand-ins' new `request` events (which name the headers and
/// cookies that arrived, never their values): none at the SP has an
/// `Authorization` header, none at the identity provider a cookie; and
/// there are some of each, so the check is not vacuous.
fn assert_credentials_stayed_home(s: &Saml, sp_before: usize, idp_before: usize) {
    let sp = new_requests(s.sp_events_of("request"), sp_before);
    let idp = new_requests(s.idp_events_of("request"), idp_before);
    assert!(sp.len() >= 2 && !idp.is_empty(), "{sp:?} {idp:?}");
    for line in sp {
        assert!(!line.contains("\"authorization\""), "the SP got {line}");
    }
    for line in idp {
        assert!(line.contains("\"cookies\": []"), "the IdP got a cookie: {line}");
        assert!(!line.contains("x-auth-token"), "{line}");
    }
}

#[tokio::test]
async fn ecp_password_gets_a_token_from_the_sp_keystone_scoped_to_the_project() {
    let Some(s) = testkit::saml() else { return };
    let (sp_before, idp_before) = (s.sp_events_of("request").len(), s.idp_events_of("request").len());
    let plugin = ecp(&s, &s.ecp_idp_url, &s.ecp_password);
    let access = access(&plugin).await.unwrap();
    assert_eq!(access.project_id(), Some(s.saml_project_id.as_str()));
    assert_eq!(access.username(), Some("ecp-user"));
    assert_credentials_stayed_home(&s, sp_before, idp_before);
    common::assert_debug_free_of("the plugin", &plugin, &[&s.ecp_password]);

    // Unscoped: the federated token itself.
    let unscoped = Saml2Password::builder(&s.sp_auth_url, &s.ecp_idp, &s.protocol)
        .identity_provider_url(&s.ecp_idp_url)
        .username(&s.ecp_username)
        .password(s.ecp_password.clone())
        .build()
        .unwrap();
    let access = common::access(&unscoped).await.unwrap();
    assert!(access.project_id().is_none());
    assert!(access.is_federated(), "{access:?}");
}

#[tokio::test]
async fn ecp_refuses_the_idps_other_consumer_and_sends_the_sp_nothing() {
    let Some(s) = testkit::saml() else { return };
    let faults = s.sp_event_count("soap_fault_received");
    let wrong_posts = s.idp_event_count("wrong_consumer_post");
    let err = access(&ecp(&s, &s.ecp_idp_url_wrong_consumer, &s.ecp_password))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authorization { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&s.ecp_wrong_consumer_url), "{text}");
    assert!(!text.contains(&s.ecp_password), "{text}");
    assert_eq!(s.sp_event_count("soap_fault_received"), faults);
    assert_eq!(s.idp_event_count("wrong_consumer_post"), wrong_posts);
}

#[tokio::test]
async fn ecp_wrong_password_is_the_idps_401() {
    let Some(s) = testkit::saml() else { return };
    let wrong = "CANARY-WRONG-ECP-PASSWORD";
    let err = access(&ecp(&s, &s.ecp_idp_url, wrong)).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    common::assert_free_of("the error", &format!("{err} {err:?}"), &[wrong]);
}

#[tokio::test]
async fn adfs_password_gets_a_token_from_the_sp_keystone() {
    let Some(s) = testkit::saml() else { return };
    let (sp_before, idp_before) = (s.sp_events_of("request").len(), s.idp_events_of("request").len());
    let plugin = adfs(&s, &s.adfs_password);
    let access = access(&plugin).await.unwrap();
    assert_eq!(access.project_id(), Some(s.saml_project_id.as_str()));
    assert_eq!(access.username(), Some("adfs-user@ksa.test"));
    assert_credentials_stayed_home(&s, sp_before, idp_before);

    // A wrong password: ADFS's fault, typed.
    let wrong = "CANARY-WRONG-ADFS-PASSWORD-<&>";
    let err = access_err(&adfs(&s, wrong)).await;
    let fault = SoapFault::find(&err).unwrap_or_else(|| panic!("no SoapFault in {err:?}"));
    assert_eq!(fault.subcode(), Some("a:FailedAuthentication"));
    common::assert_free_of("the error", &format!("{err} {err:?}"), &[wrong]);
}

async fn access_err(plugin: &dyn AuthPlugin) -> Error {
    let session = Session::new().unwrap();
    plugin.access_info(session.transport()).await.unwrap_err()
}
