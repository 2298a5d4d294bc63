use super::*;

pub(crate) const V3_PROJECT_TOKEN: &str = r#"{"token": {
  "methods": ["password"],
  "user": {"domain": {"id": "default", "name": "Default"}, "id": "u-1", "name": "admin", "password_expires_at": null},
  "audit_ids": ["aud-1", "aud-0"],
  "expires_at": "2099-11-23T19:57:05.000000Z",
  "issued_at": "2099-11-23T18:57:05.000000Z",
  "project": {"domain": {"id": "default", "name": "Default"}, "id": "p-1", "name": "admin"},
  "is_domain": false,
  "roles": [{"id": "r-1", "name": "admin"}, {"id": "r-2", "name": "member"}],
  "catalog": [
    {"endpoints": [
       {"id": "e-1", "interface": "public", "region_id": "RegionOne", "url": "http://127.0.0.1:5000/v3", "region": "RegionOne"},
       {"id": "e-2", "interface": "internal", "region_id": "RegionOne", "url": "http://127.0.0.2:5000/v3", "region": "RegionOne"}],
     "id": "s-1", "type": "identity", "name": "keystone"}
  ],
  "unknown_future_field": {"x": 1}
}}"#;

const V3_DOMAIN_TOKEN: &str = r#"{"token": {"methods": ["password"], "user": {"id": "u-1", "name": "admin", "domain": {"id": "default", "name": "Default"}},
  "expires_at": "2099-01-01T00:00:00Z", "domain": {"id": "default", "name": "Default"}, "roles": [{"id": "r", "name": "admin"}]}}"#;

const V3_SYSTEM_TOKEN: &str = r#"{"token": {"methods": ["token", "password"], "user": {"id": "u-1"},
  "expires_at": "2099-01-01T00:00:00.000000Z", "system": {"all": true}, "catalog": []}}"#;

const V3_TRUST_APPCRED_TOKEN: &str = r#"{"token": {"methods": ["application_credential"], "user": {"id": "u-1"},
  "expires_at": "2099-01-01T00:00:00Z",
  "OS-TRUST:trust": {"id": "t-1", "impersonation": true, "trustee_user": {"id": "u-2"}, "trustor_user": {"id": "u-1"}},
  "application_credential": {"id": "ac-1", "name": "ci", "restricted": true, "access_rules": [{"path": "/v2.1/servers", "method": "GET", "service": "compute"}]}}}"#;

pub(crate) const V2_TOKEN: &str = r#"{"access": {
  "token": {"issued_at": "2099-03-05T10:40:28.000000", "expires": "2099-03-05T11:40:28Z", "id": "v2-token-id",
            "tenant": {"description": null, "enabled": true, "id": "t-1", "name": "demo"}, "audit_ids": ["a1"]},
  "serviceCatalog": [
    {"endpoints": [{"adminURL": "http://10.0.0.1:8774/v2/t-1", "region": "RegionOne", "internalURL": "http://10.0.0.2:8774/v2/t-1",
                    "id": "ep-1", "publicURL": "http://10.0.0.3:8774/v2/t-1"}],
     "endpoints_links": [], "type": "compute", "name": "nova"}],
  "user": {"username": "demo", "roles_links": [], "id": "u-1", "roles": [{"name": "_member_"}], "name": "demo"},
  "metadata": {"is_admin": 0, "roles": ["9fe2ff9ee4384b1894a90878d3e92bab"]}}}"#;

fn v3(body: &str) -> Result<AccessInfo> {
    AccessInfo::from_v3(SecretString::from("tok-123"), body.as_bytes().to_vec())
}

#[test]
fn v3_project_token() {
    let a = v3(V3_PROJECT_TOKEN).unwrap();
    assert_eq!(a.version(), IdentityVersion::V3);
    assert_eq!(a.token().expose_secret(), "tok-123");
    assert_eq!(a.user_id(), "u-1");
    assert_eq!(a.username(), Some("admin"));
    assert_eq!(a.user_domain_id(), Some("default"));
    assert_eq!(a.user_domain_name(), Some("Default"));
    assert_eq!(a.project_id(), Some("p-1"));
    assert_eq!(a.project_name(), Some("admin"));
    assert_eq!(a.project_domain_name(), Some("Default"));
    assert!(a.is_project_scoped() && !a.is_domain_scoped() && !a.is_unscoped());
    assert_eq!(a.role_names(), vec!["admin", "member"]);
    assert_eq!(a.methods(), ["password"]);
    assert_eq!(a.audit_ids(), ["aud-1", "aud-0"]);
    assert_eq!(a.lifetime(), Some(Duration::from_secs(3600)));
    assert_eq!(a.expires_at().to_rfc3339(), "2099-11-23T19:57:05+00:00");
    assert_eq!(a.catalog().services().len(), 1);
    assert!(!a.will_expire_soon(Duration::from_secs(120)));
    assert!(a.will_expire_soon(Duration::from_secs(100 * 365 * 86400)));
}

#[test]
fn v3_other_scopes() {
    let d = v3(V3_DOMAIN_TOKEN).unwrap();
    assert!(d.is_domain_scoped());
    assert_eq!(d.domain_id(), Some("default"));
    assert_eq!(d.domain_name(), Some("Default"));
    assert_eq!(d.project_id(), None);
    assert!(d.catalog().is_empty());
    let s = v3(V3_SYSTEM_TOKEN).unwrap();
    assert_eq!(s.system_scope(), Some("all"));
    assert!(s.is_system_scoped());
    let t = v3(V3_TRUST_APPCRED_TOKEN).unwrap();
    let trust = t.trust().unwrap();
    assert_eq!(trust.id, "t-1");
    assert_eq!(trust.trustee_user_id.as_deref(), Some("u-2"));
    assert_eq!(trust.impersonation, Some(true));
    let ac = t.application_credential().unwrap();
    assert_eq!(
        (ac.id.as_str(), ac.name.as_deref(), ac.restricted),
        ("ac-1", Some("ci"), Some(true))
    );
    assert_eq!(ac.access_rules.len(), 1);
}

#[test]
fn v2_token() {
    let a = AccessInfo::from_v2(V2_TOKEN.as_bytes().to_vec()).unwrap();
    assert_eq!(a.version(), IdentityVersion::V2);
    assert_eq!(a.token().expose_secret(), "v2-token-id");
    assert_eq!(a.user_id(), "u-1");
    assert_eq!(a.username(), Some("demo"));
    assert_eq!(a.project_id(), Some("t-1"));
    assert_eq!(a.project_name(), Some("demo"));
    assert_eq!(a.role_names(), vec!["_member_"]);
    assert_eq!(a.lifetime(), Some(Duration::from_secs(3600)));
    assert_eq!(a.catalog().services().len(), 1);
}

#[test]
fn missing_required_fields_are_named() {
    let cases = [
        (r#"{"token": {"user": {"id": "u"}}}"#, "token.expires_at"),
        (r#"{"token": {"expires_at": "2099-01-01T00:00:00Z"}}"#, "token.user"),
        (
            r#"{"token": {"expires_at": "2099-01-01T00:00:00Z", "user": {"name": "x"}}}"#,
            "token.user.id",
        ),
        (
            r#"{"token": {"expires_at": "2099-01-01T00:00:00Z", "user": {"id": "u"}, "project": {"name": "p"}}}"#,
            "token.project.id",
        ),
        (
            r#"{"token": {"expires_at": "yesterday", "user": {"id": "u"}}}"#,
            "token.expires_at",
        ),
    ];
    for (body, field) in cases {
        let err = v3(body).unwrap_err().to_string();
        assert!(err.contains(field), "{body}: {err}");
    }
    let err = AccessInfo::from_v2(
        br#"{"access": {"token": {"expires": "2099-01-01T00:00:00Z"}, "user": {"id": "u"}}}"#.to_vec(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("access.token.id"), "{err}");
    assert!(v3("[]").is_err());
    assert!(v3("not json").is_err());
    assert!(
        AccessInfo::from_v3(SecretString::from(""), V3_PROJECT_TOKEN.as_bytes().to_vec())
            .unwrap_err()
            .to_string()
            .contains("X-Subject-Token")
    );
}

#[test]
fn state_round_trip() {
    let a = v3(V3_PROJECT_TOKEN).unwrap();
    let state = a.to_state().unwrap();
    let b = AccessInfo::from_state(state.expose_secret()).unwrap();
    assert_eq!(b.token().expose_secret(), "tok-123");
    assert_eq!(b.project_id(), Some("p-1"));
    assert_eq!(b.catalog(), a.catalog());
    let v2 = AccessInfo::from_v2(V2_TOKEN.as_bytes().to_vec()).unwrap();
    let restored = AccessInfo::from_state(v2.to_state().unwrap().expose_secret()).unwrap();
    assert_eq!(restored.token().expose_secret(), "v2-token-id");
    assert!(AccessInfo::from_state("{}").is_err());
    assert!(AccessInfo::from_state("nonsense").is_err());
}

#[test]
fn debug_hides_the_token() {
    let a = v3(V3_PROJECT_TOKEN).unwrap();
    assert!(!format!("{a:?}").contains("tok-123"));
}

#[test]
fn timestamps() {
    for v in [
        "2026-11-23T18:57:05.000000Z",
        "2026-11-23T18:57:05Z",
        "2026-11-23T18:57:05+00:00",
        "2026-11-23T18:57:05",
    ] {
        assert_eq!(
            parse_timestamp(v, "f").unwrap().to_rfc3339(),
            "2026-11-23T18:57:05+00:00",
            "{v}"
        );
    }
    assert!(parse_timestamp("23/11/2026", "f").is_err());
}

#[test]
fn v3_service_providers_like_keystoneauth1() {
    // Keystone's shape (keystoneauth1's fixture `add_service_provider`);
    // entries without an id are ignored, odd fields are empty, not errors.
    let body = r#"{"token": {"methods": ["password"], "user": {"id": "u-1"}, "expires_at": "2099-01-01T00:00:00Z",
      "service_providers": [
        {"id": "sp1", "auth_url": "https://sp1/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth",
         "sp_url": "https://sp1/Shibboleth.sso/SAML2/ECP"},
        {"auth_url": "https://no-id"},
        {"id": "sp2", "auth_url": null, "sp_url": 7},
        "junk"]}}"#;
    let a = v3(body).unwrap();
    let ids: Vec<&str> = a.service_providers().iter().map(|sp| sp.id.as_str()).collect();
    assert_eq!(ids, ["sp1", "sp2"]);
    let sp1 = a.service_provider("sp1").unwrap();
    assert_eq!(sp1.sp_url, "https://sp1/Shibboleth.sso/SAML2/ECP");
    assert!(sp1.auth_url.ends_with("/protocols/saml2/auth"));
    assert_eq!(a.service_provider("sp2").unwrap().auth_url, "");
    assert!(a.service_provider("nosuch").is_none());
    assert!(v3(V3_PROJECT_TOKEN).unwrap().service_providers().is_empty());
    let restored = AccessInfo::from_state(a.to_state().unwrap().expose_secret()).unwrap();
    assert_eq!(restored.service_providers(), a.service_providers());
}
