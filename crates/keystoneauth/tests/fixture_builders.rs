#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `keystoneauth::fixture`'s token and discovery builders: every field a
//! builder sets is read back through `AccessInfo` / `Discovered`, and the
//! v3 token has the structure of the real Keystone's token for the same
//! user.

mod common;

use testkit::require_keystone;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use keystoneauth::fixture::{Discovery, V2Service, V2Token, V3Service, V3Token, VersionEntry};
use keystoneauth::secrecy::ExposeSecret;
use keystoneauth::{ApiVersion, EndpointFilter, IdentityVersion, Interface, VersionStatus};
use serde_json::Value;

fn v(s: &str) -> ApiVersion {
    s.parse().unwrap()
}

#[test]
fn v3_project_token_round_trips_through_access_info() {
    let issued = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let expires = Utc.with_ymd_and_hms(2099, 1, 2, 3, 4, 5).unwrap();
    let token = V3Token::new()
        .token_id("gAAAAAB-fixture")
        .user("u-1", "alice")
        .user_domain("d-1", "Users")
        .project_scope("p-1", "demo")
        .project_domain("d-2", "Projects")
        .role("r-1", "member")
        .role("r-2", "reader")
        .methods(["password", "totp"])
        .issued_at(issued)
        .expires_at(expires)
        .audit_id("audit-1")
        .audit_chain_id("audit-0")
        .service(
            V3Service::new("compute", "nova")
                .id("svc-c")
                .endpoint_with_id("ep-1", "public", "RegionOne", "https://nova.one/v2.1")
                .endpoint("internal", "RegionOne", "http://nova.one.internal/v2.1")
                .endpoint("public", "RegionTwo", "https://nova.two/v2.1"),
        )
        .service(V3Service::new("volumev3", "cinderv3").standard_endpoints("RegionOne", "https://cinder/v3"));
    assert_eq!(token.subject_token(), "gAAAAAB-fixture");
    let a = token.access_info().unwrap();
    assert_eq!(a.version(), IdentityVersion::V3);
    assert_eq!(a.token().expose_secret(), "gAAAAAB-fixture");
    assert_eq!((a.user_id(), a.username()), ("u-1", Some("alice")));
    assert_eq!((a.user_domain_id(), a.user_domain_name()), (Some("d-1"), Some("Users")));
    assert_eq!((a.project_id(), a.project_name()), (Some("p-1"), Some("demo")));
    assert_eq!(
        (a.project_domain_id(), a.project_domain_name()),
        (Some("d-2"), Some("Projects"))
    );
    assert!(a.is_project_scoped() && !a.is_domain());
    assert_eq!(a.role_names(), ["member", "reader"]);
    assert_eq!(a.roles()[0].id.as_deref(), Some("r-1"));
    assert_eq!(a.methods(), ["password", "totp"]);
    assert_eq!(a.issued_at(), Some(issued));
    assert_eq!(a.expires_at(), expires);
    assert_eq!(a.audit_ids(), ["audit-1", "audit-0"]);
    let catalog = a.catalog();
    assert_eq!(catalog.services().len(), 2);
    assert_eq!(catalog.services()[0].id.as_deref(), Some("svc-c"));
    let public = catalog
        .endpoint(&EndpointFilter::new("compute").region_name("RegionOne"))
        .unwrap();
    assert_eq!(
        (public.url(), public.endpoint.id.as_deref()),
        ("https://nova.one/v2.1", Some("ep-1"))
    );
    let internal = catalog
        .endpoint(&EndpointFilter::new("compute").interface(Interface::Internal))
        .unwrap();
    assert_eq!(internal.url(), "http://nova.one.internal/v2.1");
    let two = catalog
        .endpoint(&EndpointFilter::new("compute").region_name("RegionTwo"))
        .unwrap();
    assert_eq!(two.url(), "https://nova.two/v2.1");
    let admin = catalog
        .endpoint(&EndpointFilter::new("block-storage").interface(Interface::Admin))
        .unwrap();
    assert_eq!(admin.url(), "https://cinder/v3");
}

#[test]
fn v3_other_scopes_trusts_and_application_credentials_round_trip() {
    let domain = V3Token::new().domain_scope("d-9", "Ops").role("r", "admin");
    let a = domain.access_info().unwrap();
    assert!(a.is_domain_scoped() && !a.is_project_scoped());
    assert_eq!((a.domain_id(), a.domain_name()), (Some("d-9"), Some("Ops")));

    let system = V3Token::new().project_scope("p", "p").system_scope().role("r", "admin");
    let a = system.access_info().unwrap();
    assert!(
        a.is_system_scoped() && !a.is_project_scoped(),
        "scopes replace one another"
    );
    assert_eq!(a.system_scope(), Some("all"));

    let unscoped = V3Token::new();
    let a = unscoped.access_info().unwrap();
    assert!(a.is_unscoped());
    assert!(
        unscoped.json()["token"].get("catalog").is_none(),
        "no catalog on an unscoped token"
    );
    assert_eq!(a.audit_ids().len(), 1);

    let trust = V3Token::new()
        .project_scope("p-t", "trusted")
        .trust("t-1", "trustor", "trustee", true)
        .role("r", "member");
    let a = trust.access_info().unwrap();
    let t = a.trust().unwrap();
    assert_eq!(t.id, "t-1");
    assert_eq!(t.trustor_user_id.as_deref(), Some("trustor"));
    assert_eq!(t.trustee_user_id.as_deref(), Some("trustee"));
    assert_eq!(t.impersonation, Some(true));
    assert_eq!(a.project_id(), Some("p-t"));

    let ac = V3Token::new()
        .project_scope("p", "p")
        .application_credential("ac-1", "ci", true)
        .access_rule("GET", "/v2.1/servers", "compute")
        .access_rule("GET", "/v2.1/flavors", "compute");
    let a = ac.access_info().unwrap();
    let c = a.application_credential().unwrap();
    assert_eq!(
        (c.id.as_str(), c.name.as_deref(), c.restricted),
        ("ac-1", Some("ci"), Some(true))
    );
    assert_eq!(c.access_rules.len(), 2);
    assert_eq!(c.access_rules[1]["path"], "/v2.1/flavors");
    assert_eq!(a.methods(), ["application_credential"]);

    let is_domain = V3Token::new().project_scope("p", "p").project_is_domain(true);
    assert!(is_domain.access_info().unwrap().is_domain());

    let no_catalog = V3Token::new()
        .project_scope("p", "p")
        .service(V3Service::new("compute", "nova"))
        .without_catalog();
    assert!(no_catalog.access_info().unwrap().catalog().is_empty());
    let field = V3Token::new().field("is_admin_project", Value::Bool(true));
    assert_eq!(field.json()["token"]["is_admin_project"], true);
}

#[test]
fn expires_in_is_relative_to_now() {
    let before = Utc::now();
    let a = V3Token::new()
        .expires_in(Duration::from_secs(90))
        .access_info()
        .unwrap();
    let lifetime = a.expires_at() - before;
    assert!(
        lifetime > chrono::Duration::seconds(80) && lifetime <= chrono::Duration::seconds(91),
        "{lifetime}"
    );
    assert!(a.will_expire_soon(Duration::from_secs(120)));
    assert!(!a.will_expire_soon(Duration::from_secs(10)));
    let far = V3Token::new().expires_in(Duration::MAX).access_info().unwrap();
    assert!(far.expires_at() > Utc::now() + chrono::Duration::days(365));
    let v2 = V2Token::new()
        .expires_in(Duration::from_secs(90))
        .access_info()
        .unwrap();
    assert!(v2.will_expire_soon(Duration::from_secs(120)));
}

#[test]
fn v2_token_round_trips_through_access_info() {
    let issued = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let expires = Utc.with_ymd_and_hms(2099, 1, 2, 3, 4, 5).unwrap();
    let token = V2Token::new()
        .token_id("v2-tok")
        .user("u-2", "bob")
        .tenant("t-2", "demo")
        .role("r-1", "member")
        .role("r-2", "_member_")
        .issued_at(issued)
        .expires_at(expires)
        .audit_ids(["a-1", "a-0"])
        .trust("tr-1", "trustor", "trustee", false)
        .service(
            V2Service::new("compute", "nova")
                .endpoint("RegionOne", "https://n1/v2", "http://n1.int/v2", "http://n1.adm/v2")
                .endpoint("RegionTwo", "https://n2/v2", "http://n2.int/v2", "http://n2.adm/v2"),
        );
    assert_eq!(token.id(), "v2-tok");
    let a = token.access_info().unwrap();
    assert_eq!(a.version(), IdentityVersion::V2);
    assert_eq!(a.token().expose_secret(), "v2-tok");
    assert_eq!((a.user_id(), a.username()), ("u-2", Some("bob")));
    assert_eq!((a.project_id(), a.project_name()), (Some("t-2"), Some("demo")));
    assert_eq!(a.role_names(), ["member", "_member_"]);
    assert_eq!(a.issued_at(), Some(issued));
    assert_eq!(a.expires_at(), expires);
    assert_eq!(a.audit_ids(), ["a-1", "a-0"]);
    let t = a.trust().unwrap();
    assert_eq!((t.id.as_str(), t.impersonation), ("tr-1", Some(false)));
    let catalog = a.catalog();
    let get = |i: Interface, r: &str| {
        catalog
            .endpoint(&EndpointFilter::new("compute").interface(i).region_name(r))
            .unwrap()
            .url()
            .to_owned()
    };
    assert_eq!(get(Interface::Public, "RegionOne"), "https://n1/v2");
    assert_eq!(get(Interface::Internal, "RegionOne"), "http://n1.int/v2");
    assert_eq!(get(Interface::Admin, "RegionTwo"), "http://n2.adm/v2");
    let body = token.json();
    assert_eq!(body["access"]["metadata"]["roles"], serde_json::json!(["r-1", "r-2"]));
    assert!(body["access"]["token"]["issued_at"]
        .as_str()
        .unwrap()
        .ends_with(".000000"));
}

/// The set of JSON paths (`token.user.domain.id`, `token.catalog[].endpoints[].url`)
/// and the type at each.
fn shape(value: &Value, at: &str, out: &mut BTreeSet<String>) {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.insert(format!("{at}: {kind}"));
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| shape(v, &format!("{at}.{k}"), out)),
        Value::Array(items) => items.iter().for_each(|v| shape(v, &format!("{at}[]"), out)),
        _ => {}
    }
}

fn shape_of(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    shape(value, "", &mut out);
    out
}

#[tokio::test]
async fn v3_token_has_the_structure_of_the_real_keystones() {
    let k = require_keystone!();
    let client = reqwest::Client::new();
    let request = serde_json::json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": k.demo_username, "domain": {"id": "default"}, "password": k.demo_password}}},
        "scope": {"project": {"id": k.demo_project_id}}}});
    let response = client
        .post(format!("{}/auth/tokens", k.auth_url))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let real_id = response.headers()["x-subject-token"].to_str().unwrap().to_owned();
    let real: Value = response.json().await.unwrap();

    // The same user, project and roles, and a catalog with the same services.
    let t = &real["token"];
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    let mut fixture = V3Token::new()
        .user(s(&t["user"]["id"]), s(&t["user"]["name"]))
        .project_scope(s(&t["project"]["id"]), s(&t["project"]["name"]));
    for role in t["roles"].as_array().unwrap() {
        fixture = fixture.role(s(&role["id"]), s(&role["name"]));
    }
    for service in t["catalog"].as_array().unwrap() {
        let mut built = V3Service::new(s(&service["type"]), s(&service["name"])).id(s(&service["id"]));
        for e in service["endpoints"].as_array().unwrap() {
            built = built.endpoint_with_id(s(&e["id"]), &s(&e["interface"]), &s(&e["region"]), s(&e["url"]));
        }
        fixture = fixture.service(built);
    }
    // The Keystone-to-Keystone service providers (the harness registers one).
    for sp in t["service_providers"].as_array().into_iter().flatten() {
        fixture = fixture.service_provider(&s(&sp["id"]), &s(&sp["auth_url"]), &s(&sp["sp_url"]));
    }
    assert_eq!(shape_of(&fixture.json()), shape_of(&real), "same paths and types");

    // Field for field, except what differs between two tokens.
    let mut mine = fixture.json();
    let mut theirs = real.clone();
    for doc in [&mut mine, &mut theirs] {
        for volatile in ["audit_ids", "expires_at", "issued_at"] {
            doc["token"][volatile] = Value::Null;
        }
    }
    assert_eq!(mine, theirs);

    // The real token's timestamps parse as the fixture's do.
    let a = keystoneauth::AccessInfo::from_v3(real_id.into(), real.to_string()).unwrap();
    let f = fixture.access_info().unwrap();
    assert_eq!(a.issued_at().is_some(), f.issued_at().is_some());
    assert_eq!(
        a.audit_ids()[0].len(),
        f.audit_ids()[0].len(),
        "audit ids are 22 characters"
    );
}

#[test]
fn discovery_shapes_parse() {
    let base = "http://svc.example:8774";
    let url = format!("{base}/");
    let entry = || {
        VersionEntry::new("v2.1", format!("{base}/v2.1/"))
            .microversions("2.1", "2.90")
            .link("collection", format!("{base}/"))
            .media_type("application/json", "application/vnd.openstack.x+json")
            .next_min_version("2.5", "2027-01-01")
    };
    for doc in [
        Discovery::single(entry()),
        Discovery::list([entry()]),
        Discovery::values([entry()]),
        // A bare resource cannot carry a `version` field (that would be
        // the wrapped shape), so its range is in the legacy spelling.
        Discovery::bare(
            entry()
                .field("version", Value::Null)
                .legacy_microversions("2.1", "2.90"),
        ),
    ] {
        let parsed = doc.parse(&url).unwrap();
        let d = &parsed.all_versions()[0];
        assert_eq!(d.version, v("2.1"), "{:?}", doc.json());
        assert_eq!(d.url, format!("{base}/v2.1/"));
        assert_eq!(d.collection.as_deref(), Some(url.as_str()));
        assert_eq!(
            (d.min_microversion, d.max_microversion),
            (Some(v("2.1")), Some(v("2.90")))
        );
        assert_eq!(d.next_min_version, Some(v("2.5")));
        assert_eq!(d.not_before.as_deref(), Some("2027-01-01"));
        assert_eq!(d.media_types, ["application/vnd.openstack.x+json"]);
        assert_eq!(d.status, VersionStatus::Current);
    }
    let legacy = Discovery::list([VersionEntry::new("v1.0", "")
        .status("EXPERIMENTAL")
        .legacy_microversions("1.0", "1.3")])
    .parse(&url)
    .unwrap();
    let d = &legacy.all_versions()[0];
    assert_eq!(
        (d.min_microversion, d.max_microversion),
        (Some(v("1.0")), Some(v("1.3")))
    );
    assert_eq!(
        (d.status, d.raw_status.as_str()),
        (VersionStatus::Experimental, "EXPERIMENTAL")
    );
    assert_eq!(d.url, url, "an empty self link is the document's own URL");
    for status in ["SUPPORTED", "DEPRECATED", "stable"] {
        let doc = Discovery::list([VersionEntry::new("v1.0", "x/").status(status)]);
        assert_eq!(doc.parse(&url).unwrap().all_versions()[0].raw_status, status);
    }
}

#[test]
fn named_service_documents_parse_as_the_real_ones() {
    let b = "http://127.0.0.1:9999";
    let root = format!("{b}/");
    let first = |d: Discovery, url: &str| d.parse(url).unwrap().all_versions()[0].clone();

    let nova = Discovery::nova(b).parse(&root).unwrap();
    let versions: Vec<_> = nova.all_versions().iter().map(|d| d.version).collect();
    assert_eq!(versions, [v("2.1"), v("2.0")]);
    assert_eq!(nova.all_versions()[1].max_microversion, None);
    let n = first(Discovery::nova_v21(b), &format!("{b}/v2.1"));
    assert_eq!(
        (n.min_microversion, n.max_microversion),
        (Some(v("2.1")), Some(v("2.96")))
    );

    let c = first(Discovery::cinder(b), &root);
    assert_eq!((c.version, c.max_microversion), (v("3.0"), Some(v("3.71"))));

    let glance = Discovery::glance(b).parse(&root).unwrap();
    assert_eq!(glance.all_versions().len(), 20);
    assert_eq!(glance.all_versions()[0].version, v("2.17"));
    assert_eq!(glance.all_versions()[19].status, VersionStatus::Deprecated);

    let i = first(Discovery::ironic(b), &root);
    assert_eq!((i.version, i.max_microversion), (v("1.0"), Some(v("1.87"))));
    let i1 = first(Discovery::ironic_v1(b), &format!("{b}/v1"));
    assert_eq!(i1.status, VersionStatus::Current, "a bare version is current");
    assert_eq!(
        (i1.min_microversion, i1.max_microversion),
        (Some(v("1.1")), Some(v("1.87"))),
        "from the headers"
    );

    let p = first(Discovery::placement(), &root);
    assert_eq!((p.url.as_str(), p.max_microversion), (root.as_str(), Some(v("1.39"))));

    let n = first(Discovery::neutron(b), &root);
    assert_eq!((n.version, n.url), (v("2.0"), format!("{b}/v2.0/")));

    let k = Discovery::keystone(b).parse(&root).unwrap();
    assert_eq!(k.all_versions()[0].version, v("3.14"));
    assert_eq!(k.all_versions()[0].raw_status, "stable");
    assert_eq!(first(Discovery::keystone_v3(b), &format!("{b}/v3")).version, v("3.14"));

    let swift = Discovery::swift_info();
    assert!(swift.json()["swift"]["version"].is_string());
    assert!(swift.parse(&root).is_err(), "Swift's /info is not a version document");
}
