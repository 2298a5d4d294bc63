#![allow(clippy::unwrap_used, clippy::expect_used)]
//! keystoneauth1's own access-info tests, ported: the assertions of
//! `keystoneauth1/tests/unit/access/test_v3_access.py` and
//! `test_v2_access.py` (keystoneauth1 5.18.1, Apache-2.0) on the token
//! bodies their `fixture.V3Token` / `fixture.V2Token` builders produce,
//! copied under `tests/data/peers/keystoneauth1/` (ids from a counter, so
//! the literals below are the fixture's values). Each test names the peer
//! test it comes from.

mod common;

use chrono::{TimeZone, Utc};
use common::peers::{body, keystoneauth1};
use keystoneauth::{AccessInfo, EndpointFilter, IdentityVersion};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

const TOKEN_ID: &str = "peer-subject-token";

fn v3(entry: &str) -> AccessInfo {
    let token = keystoneauth1("v3_access", entry);
    AccessInfo::from_v3(SecretString::from(TOKEN_ID), body(&token)).unwrap()
}

fn v2(entry: &str) -> AccessInfo {
    AccessInfo::from_v2(body(&keystoneauth1("v2_access", entry))).unwrap()
}

/// The fixture's counter ids: `id(5)` is `00000000000000000000000000000005`.
fn id(n: u32) -> String {
    format!("{n:032x}")
}

/// What every V3Token of the fixture says about its user and times.
fn assert_v3_user_and_times(a: &AccessInfo) {
    assert_eq!(a.version(), IdentityVersion::V3);
    assert_eq!(a.token().expose_secret(), TOKEN_ID);
    assert_eq!(a.user_id(), id(1));
    assert_eq!(a.username(), Some(id(2).as_str()));
    assert_eq!(a.user_domain_id(), Some(id(3).as_str()));
    assert_eq!(a.user_domain_name(), Some(id(4).as_str()));
    // expires = issued + 1h; the fixture writes both from one clock.
    assert_eq!(a.expires_at(), Utc.with_ymd_and_hms(2030, 1, 1, 12, 58, 0).unwrap());
    assert_eq!(
        a.issued_at(),
        Some(Utc.with_ymd_and_hms(2030, 1, 1, 11, 58, 0).unwrap())
    );
    assert_eq!(a.audit_id(), Some(id(5).as_str()));
    assert_eq!(a.audit_chain_id(), None);
    assert_eq!(a.methods(), ["password"]);
}

fn has_identity_catalog(a: &AccessInfo) -> bool {
    a.catalog().endpoint(&EndpointFilter::new("identity")).is_ok()
}

// ---- test_v3_access.py ------------------------------------------------------

/// AccessV3Test.test_building_unscoped_accessinfo
#[test]
fn v3_building_unscoped_accessinfo() {
    let a = v3("test_building_unscoped_accessinfo");
    assert_v3_user_and_times(&a);
    assert!(a.catalog().is_empty());
    assert!(a.role_ids().is_empty());
    assert!(a.role_names().is_empty());
    assert_eq!(a.project_name(), None);
    assert_eq!(a.project_id(), None);
    assert!(!a.is_domain_scoped());
    assert!(!a.is_project_scoped());
    // keystoneauth1's project_is_domain is None here; this library's
    // is_domain() is false (docs/compatibility.md).
    assert!(!a.is_domain());
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert_eq!(a.bind(), None);
    assert!(a.is_unscoped());
}

/// AccessV3Test.test_building_system_scoped_assessinfo
#[test]
fn v3_building_system_scoped_accessinfo() {
    let a = v3("test_building_system_scoped_assessinfo");
    assert_v3_user_and_times(&a);
    assert!(has_identity_catalog(&a));
    assert!(a.role_ids().is_empty());
    assert!(a.role_names().is_empty());
    assert_eq!(a.project_name(), None);
    assert_eq!(a.project_id(), None);
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert_eq!(a.domain_name(), None);
    assert_eq!(a.domain_id(), None);
    assert_eq!(a.system_scope(), Some("all"));
    assert!(a.is_system_scoped());
    assert!(!a.is_domain_scoped());
    assert!(!a.is_project_scoped());
}

/// AccessV3Test.test_building_domain_scoped_accessinfo
#[test]
fn v3_building_domain_scoped_accessinfo() {
    let a = v3("test_building_domain_scoped_accessinfo");
    assert_v3_user_and_times(&a);
    assert!(has_identity_catalog(&a));
    assert_eq!(a.domain_id(), Some(id(6).as_str()));
    assert_eq!(a.domain_name(), Some(id(7).as_str()));
    assert_eq!(a.project_name(), None);
    assert_eq!(a.project_id(), None);
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert!(a.is_domain_scoped());
    assert!(!a.is_project_scoped());
    assert!(!a.is_domain());
}

/// AccessV3Test.test_building_project_scoped_accessinfo
#[test]
fn v3_building_project_scoped_accessinfo() {
    let a = v3("test_building_project_scoped_accessinfo");
    assert_v3_user_and_times(&a);
    assert!(has_identity_catalog(&a));
    assert_eq!(a.domain_name(), None);
    assert_eq!(a.domain_id(), None);
    assert_eq!(a.project_id(), Some(id(6).as_str()));
    assert_eq!(a.project_name(), Some(id(7).as_str()));
    assert_eq!(a.project_domain_id(), Some(id(8).as_str()));
    assert_eq!(a.project_domain_name(), Some(id(9).as_str()));
    assert!(!a.is_domain_scoped());
    assert!(a.is_project_scoped());
    assert!(!a.is_domain());
}

/// AccessV3Test.test_building_project_as_domain_scoped_accessinfo
#[test]
fn v3_building_project_as_domain_scoped_accessinfo() {
    let a = v3("test_building_project_as_domain_scoped_accessinfo");
    assert_v3_user_and_times(&a);
    assert_eq!(a.project_id(), Some(id(6).as_str()));
    assert_eq!(a.project_name(), Some(id(7).as_str()));
    assert_eq!(a.project_domain_id(), Some(id(8).as_str()));
    assert!(!a.is_domain_scoped());
    assert!(a.is_project_scoped());
    assert!(a.is_domain());
}

/// AccessV3Test.test_oauth_access
#[test]
fn v3_oauth_access() {
    let a = v3("test_oauth_access");
    let oauth = a.oauth1().unwrap();
    assert_eq!(oauth.consumer_id.as_deref(), Some("consumer-1"));
    assert_eq!(oauth.access_token_id.as_deref(), Some("access-token-1"));
    assert!(v3("test_building_project_scoped_accessinfo").oauth1().is_none());
}

/// AccessV3Test.test_federated_property_standard_token
#[test]
fn v3_federated_property_standard_token() {
    assert!(!v3("test_federated_property_standard_token").is_federated());
    let mut token = keystoneauth1("v3_access", "test_federated_property_standard_token");
    token["token"]["user"]["OS-FEDERATION"] =
        json!({"identity_provider": {"id": "idp"}, "protocol": {"id": "saml2"}, "groups": []});
    let a = AccessInfo::from_v3(SecretString::from(TOKEN_ID), body(&token)).unwrap();
    assert!(a.is_federated());
}

/// AccessV3Test.test_binding
#[test]
fn v3_binding() {
    assert_eq!(v3("test_binding").bind(), Some(&json!({"kerberos": "principal-1"})));
}

/// AccessV3Test.test_is_admin_project_unset / _true / _false
#[test]
fn v3_is_admin_project() {
    assert!(v3("test_is_admin_project_unset").is_admin_project());
    assert!(v3("test_is_admin_project_true").is_admin_project());
    assert!(!v3("test_is_admin_project_false").is_admin_project());
}

/// client_fixtures.project_scoped_token / domain_scoped_token (the tokens
/// of keystoneauth1's client tests)
#[test]
fn v3_client_fixture_tokens() {
    let p = v3("client_fixtures.project_scoped_token");
    assert_eq!(p.user_id(), "c4da488862bd435c9e6c0275a0d0e49a");
    assert_eq!(p.username(), Some("exampleuser"));
    assert_eq!(p.user_domain_id(), Some("4e6893b7ba0b4006840c3845660b86ed"));
    assert_eq!(p.project_id(), Some("225da22d3ce34b15877ea70b2a575f58"));
    assert_eq!(p.project_name(), Some("exampleproject"));
    assert_eq!(p.project_domain_name(), Some("exampledomain"));
    assert_eq!(p.role_ids(), ["76e72a", "f4f392"]);
    assert_eq!(p.role_names(), ["admin", "member"]);
    assert_eq!(p.expires_at(), Utc.with_ymd_and_hms(2010, 11, 1, 8, 32, 15).unwrap());
    // The nameless `volume` service: block-storage requests find it (the
    // official type matches its alias), a volumev2 request does not.
    let sc = p.catalog();
    assert_eq!(
        sc.endpoint(&EndpointFilter::new("block-storage")).unwrap().url(),
        "http://public.com:8776/v1/225da22d3ce34b15877ea70b2a575f58"
    );
    assert!(sc.endpoint(&EndpointFilter::new("volumev2")).is_err());
    assert_eq!(
        sc.endpoint(&EndpointFilter::new("identity").service_name("keystone"))
            .unwrap()
            .url(),
        "http://public.com:5000/v3"
    );
    let d = v3("client_fixtures.domain_scoped_token");
    assert_eq!(d.domain_id(), Some("8e9283b7ba0b1038840c3842058b86ab"));
    assert_eq!(d.domain_name(), Some("anotherdomain"));
    assert!(d.is_domain_scoped() && !d.is_project_scoped());
}

// ---- test_v2_access.py ------------------------------------------------------

/// AccessV2Test.test_building_unscoped_accessinfo
#[test]
fn v2_building_unscoped_accessinfo() {
    let a = v2("test_building_unscoped_accessinfo");
    assert_eq!(a.version(), IdentityVersion::V2);
    assert!(a.catalog().is_empty());
    assert_eq!(a.token().expose_secret(), id(1));
    assert_eq!(a.user_id(), id(2));
    assert_eq!(a.username(), Some(id(3).as_str()));
    assert!(a.role_ids().is_empty());
    assert!(a.role_names().is_empty());
    assert_eq!(a.project_name(), None);
    assert_eq!(a.project_id(), None);
    assert!(!a.is_domain_scoped());
    assert!(!a.is_project_scoped());
    assert!(a.trust().is_none());
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert_eq!(a.user_domain_id(), None);
    assert_eq!(a.user_domain_name(), None);
    assert_eq!(a.expires_at(), Utc.with_ymd_and_hms(2012, 10, 3, 16, 58, 1).unwrap());
    assert_eq!(
        a.issued_at(),
        Some(Utc.with_ymd_and_hms(2030, 1, 1, 11, 58, 0).unwrap())
    );
    assert_eq!(a.audit_id(), Some(id(4).as_str()));
    assert_eq!(a.audit_chain_id(), None);
    assert_eq!(a.bind(), None);
}

/// AccessV2Test.test_building_scoped_accessinfo
#[test]
fn v2_building_scoped_accessinfo() {
    let a = v2("test_building_scoped_accessinfo");
    assert!(has_identity_catalog(&a));
    assert_eq!(a.token().expose_secret(), id(1));
    assert_eq!(a.user_id(), id(2));
    assert_eq!(a.username(), Some(id(3).as_str()));
    // role ids from access.metadata.roles, names from user.roles.
    assert_eq!(a.role_ids(), [id(10)]);
    assert_eq!(a.role_names(), [id(11)]);
    assert_eq!(a.project_id(), Some(id(5).as_str()));
    assert_eq!(a.project_name(), Some(id(6).as_str()));
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert_eq!(a.user_domain_id(), None);
    assert_eq!(a.user_domain_name(), None);
    assert!(a.is_project_scoped());
    assert!(!a.is_domain_scoped());
    assert_eq!(a.audit_id(), Some(id(4).as_str()));
    assert_eq!(a.audit_chain_id(), None);
}

/// AccessV2Test.test_diablo_token (issue 12 item 6: the token's tenantId)
#[test]
fn v2_diablo_token() {
    let a = v2("test_diablo_token");
    assert_eq!(a.username(), Some("user_name1"));
    assert_eq!(a.project_id(), Some("tenant_id1"));
    assert_eq!(a.project_name(), Some("tenant_id1"));
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert_eq!(a.user_domain_id(), None);
    assert_eq!(a.user_domain_name(), None);
    assert_eq!(a.role_names(), ["role1", "role2"]);
    assert!(a.is_project_scoped());
}

/// AccessV2Test.test_grizzly_token (issue 12 item 6: the user's tenantId
/// and tenantName)
#[test]
fn v2_grizzly_token() {
    let a = v2("test_grizzly_token");
    assert_eq!(a.project_id(), Some("tenant_id1"));
    assert_eq!(a.project_name(), Some("tenant_name1"));
    assert_eq!(a.project_domain_id(), None);
    assert_eq!(a.project_domain_name(), None);
    assert_eq!(a.user_domain_id(), None);
    assert_eq!(a.user_domain_name(), None);
    assert_eq!(a.role_names(), ["role1", "role2"]);
}

/// AccessV2Test.test_v2_roles
#[test]
fn v2_roles() {
    let a = v2("test_v2_roles");
    assert_eq!(a.role_ids(), ["a"]);
    assert_eq!(a.role_names(), ["b"]);
}

/// AccessV2Test.test_trusts
#[test]
fn v2_trusts() {
    let a = v2("test_trusts");
    let trust = a.trust().unwrap();
    assert_eq!(trust.id, "trust-1");
    assert_eq!(trust.trustee_user_id.as_deref(), Some("trustee-1"));
    assert_eq!(a.user_id(), "trustee-1");
}

/// AccessV2Test.test_binding
#[test]
fn v2_binding() {
    assert_eq!(v2("test_binding").bind(), Some(&json!({"kerberos": "principal-1"})));
}

/// AccessV2Test.test_is_admin_project
#[test]
fn v2_is_admin_project() {
    assert!(v2("test_is_admin_project").is_admin_project());
}

/// AccessV3Test.test_will_expire_soon / AccessV2Test.test_will_expire_soon:
/// a token expiring in five minutes is not stale with a 120 s margin, is
/// with 301 s (300 s for v2), and not with the default margin (none).
#[test]
fn will_expire_soon() {
    let expires = (Utc::now() + chrono::Duration::minutes(5)).to_rfc3339();
    let mut v3_token = keystoneauth1("v3_access", "test_building_unscoped_accessinfo");
    v3_token["token"]["expires_at"] = expires.clone().into();
    let mut v2_token = keystoneauth1("v2_access", "test_building_unscoped_accessinfo");
    v2_token["access"]["token"]["expires"] = expires.into();
    let a3 = AccessInfo::from_v3(SecretString::from(TOKEN_ID), body(&v3_token)).unwrap();
    let a2 = AccessInfo::from_v2(body(&v2_token)).unwrap();
    for a in [a3, a2] {
        assert!(!a.will_expire_soon(std::time::Duration::from_secs(120)));
        assert!(a.will_expire_soon(std::time::Duration::from_secs(301)));
        assert!(!a.will_expire_soon(std::time::Duration::ZERO));
    }
}
