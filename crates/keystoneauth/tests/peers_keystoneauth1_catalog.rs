#![allow(clippy::unwrap_used, clippy::expect_used)]
//! keystoneauth1's own catalog tests, ported: the assertions of
//! `keystoneauth1/tests/unit/access/test_v3_service_catalog.py` and
//! `test_v2_service_catalog.py` (keystoneauth1 5.18.1, Apache-2.0) on the
//! token bodies their fixtures build, copied under
//! `tests/data/peers/keystoneauth1/`. Each test names the peer test it
//! comes from; the expected values are the peer's literals.
//!
//! keystoneauth1's `url_for` defaults to the public interface, as
//! [`EndpointFilter`] does. Its `get_endpoints` without an interface
//! returns every interface; this library always filters by interface, so
//! those assertions are checked interface by interface (see
//! `docs/compatibility.md`).

mod common;

use common::compute;
use common::peers::{body, keystoneauth1};
use keystoneauth::{AccessInfo, EndpointFilter, Error, Interface, ServiceCatalog};
use secrecy::SecretString;
use serde_json::Value;

fn v3(entry: &str) -> AccessInfo {
    v3_body(keystoneauth1("v3_service_catalog", entry))
}

fn v3_body(token: Value) -> AccessInfo {
    AccessInfo::from_v3(SecretString::from("peer-token"), body(&token)).unwrap()
}

fn v2(entry: &str) -> AccessInfo {
    v2_body(keystoneauth1("v2_service_catalog", entry))
}

fn v2_body(token: Value) -> AccessInfo {
    AccessInfo::from_v2(body(&token)).unwrap()
}

fn catalog_url(sc: &ServiceCatalog, filter: EndpointFilter) -> Result<String, Error> {
    sc.endpoint(&filter).map(|m| m.url().to_owned())
}

fn get_urls(sc: &ServiceCatalog, filter: EndpointFilter) -> Vec<String> {
    sc.endpoints(&filter).iter().map(|m| m.url().to_owned()).collect()
}

fn not_found(result: Result<String, Error>) {
    assert!(matches!(result, Err(Error::EndpointNotFound { .. })), "{result:?}");
}

/// keystoneauth1's EmptyCatalog for `catalog_url(service_type='image',
/// interface='internalURL')`.
fn assert_empty_catalog(a: &AccessInfo) {
    let err = catalog_url(a.catalog(), image().interface("internalURL".parse().unwrap())).unwrap_err();
    assert!(matches!(err, Error::EmptyCatalog { .. }), "{err:?}");
}

fn image() -> EndpointFilter {
    EndpointFilter::new("image")
}

const NORTH_GLANCE: [(Interface, &str); 3] = [
    (Interface::Public, "http://glance.north.host/glanceapi/public"),
    (Interface::Internal, "http://glance.north.host/glanceapi/internal"),
    (Interface::Admin, "http://glance.north.host/glanceapi/admin"),
];

const SOUTH_GLANCE: [(Interface, &str); 3] = [
    (Interface::Public, "http://glance.south.host/glanceapi/public"),
    (Interface::Internal, "http://glance.south.host/glanceapi/internal"),
    (Interface::Admin, "http://glance.south.host/glanceapi/admin"),
];

// ---- test_v3_service_catalog.py: ServiceCatalogTest / ServiceCatalogV3Test --

/// test_building_a_service_catalog
#[test]
fn v3_building_a_service_catalog() {
    let a = v3("setUp");
    let sc = a.catalog();
    assert_eq!(
        catalog_url(sc, compute()).unwrap(),
        "https://compute.north.host/novapi/public"
    );
    assert_eq!(
        catalog_url(sc, compute().interface(Interface::Internal)).unwrap(),
        "https://compute.north.host/novapi/internal"
    );
    not_found(catalog_url(sc, compute().region_name("South")));
}

/// test_service_catalog_endpoints (ServiceCatalogV3Test: `region_id`)
#[test]
fn v3_service_catalog_endpoints() {
    let a = v3("setUp");
    let public = a.catalog().endpoints(&compute().interface(Interface::Public));
    assert_eq!(public[0].endpoint.region.as_deref(), Some("North"));
    assert_eq!(public[0].url(), "https://compute.north.host/novapi/public");
}

/// test_service_catalog_alias_find_official
#[test]
fn v3_alias_find_official() {
    let a = v3("setUp");
    let public = a.catalog().endpoints(
        &EndpointFilter::new("volume")
            .interface(Interface::Public)
            .region_name("North"),
    );
    assert_eq!(public[0].service.service_type, "block-storage");
    assert_eq!(public[0].endpoint.region.as_deref(), Some("North"));
    assert_eq!(public[0].url(), "http://cinder.north.host/cinderapi/public");
}

/// test_service_catalog_alias_find_exact_match
#[test]
fn v3_alias_find_exact_match() {
    let a = v3("setUp");
    let public = a
        .catalog()
        .endpoints(&EndpointFilter::new("volumev3").interface(Interface::Public));
    assert_eq!(public[0].service.service_type, "volumev3");
    assert_eq!(public[0].endpoint.region.as_deref(), Some("South"));
    assert_eq!(public[0].url(), "http://cinder.south.host/cinderapi/public/v3");
    // Issue 12 item 7: only the requested type's endpoints.
    assert_eq!(public.len(), 1);
}

/// test_service_catalog_alias_find_best_match
#[test]
fn v3_alias_find_best_match() {
    let a = v3("setUp");
    let public = a.catalog().endpoints(
        &EndpointFilter::new("block-storage")
            .interface(Interface::Public)
            .region_name("South"),
    );
    assert_eq!(public[0].service.service_type, "volumev3");
    assert_eq!(public[0].endpoint.region.as_deref(), Some("South"));
    assert_eq!(public[0].url(), "http://cinder.south.host/cinderapi/public/v3");
    assert_eq!(public.len(), 1);
}

/// test_service_catalog_alias_all_by_name
#[test]
fn v3_alias_all_by_name() {
    let a = v3("setUp");
    let public = a.catalog().endpoints(
        &EndpointFilter::default()
            .service_name("cinder")
            .interface(Interface::Public),
    );
    let by_type = |t: &str| {
        let m = public.iter().find(|m| m.service.service_type == t).unwrap();
        (m.endpoint.region.as_deref(), m.url())
    };
    assert_eq!(
        by_type("volumev2"),
        (Some("South"), "http://cinder.south.host/cinderapi/public/v2")
    );
    assert_eq!(
        by_type("volumev3"),
        (Some("South"), "http://cinder.south.host/cinderapi/public/v3")
    );
    assert_eq!(
        by_type("block-storage"),
        (Some("North"), "http://cinder.north.host/cinderapi/public")
    );
    assert_eq!(public.len(), 3);
}

/// test_service_catalog_regions
#[test]
fn v3_service_catalog_regions() {
    let mut token = keystoneauth1("v3_service_catalog", "setUp");
    token["token"]["region_name"] = "North".into();
    let a = v3_body(token.clone());
    assert_eq!(
        catalog_url(a.catalog(), image().interface(Interface::Public)).unwrap(),
        "http://glance.north.host/glanceapi/public"
    );
    token["token"]["region_name"] = "South".into();
    let a = v3_body(token);
    assert_eq!(
        catalog_url(a.catalog(), image().region_name("South").interface(Interface::Internal)).unwrap(),
        "http://glance.south.host/glanceapi/internal"
    );
}

/// test_service_catalog_empty
#[test]
fn v3_service_catalog_empty() {
    let mut token = keystoneauth1("v3_service_catalog", "setUp");
    token["token"]["catalog"] = Value::Array(Vec::new());
    assert_empty_catalog(&v3_body(token));
}

/// test_service_catalog_get_endpoints_region_names (get_endpoints without an
/// interface: every interface, checked one by one)
#[test]
fn v3_get_endpoints_region_names() {
    let a = v3("setUp");
    let sc = a.catalog();
    for (region, expected) in [("North", NORTH_GLANCE), ("South", SOUTH_GLANCE)] {
        for (interface, url) in expected {
            let found = get_urls(sc, image().region_name(region).interface(interface));
            assert_eq!(found, [url], "{region} {interface}");
        }
    }
    let all: usize = Interface::ALL
        .iter()
        .map(|&i| sc.endpoints(&compute().interface(i)).len())
        .sum();
    assert_eq!(all, 3);
    let north: usize = Interface::ALL
        .iter()
        .map(|&i| sc.endpoints(&compute().region_name("North").interface(i)).len())
        .sum();
    assert_eq!(north, 3);
    let west: usize = Interface::ALL
        .iter()
        .map(|&i| sc.endpoints(&compute().region_name("West").interface(i)).len())
        .sum();
    assert_eq!(west, 0);
}

/// test_service_catalog_url_for_region_names
#[test]
fn v3_url_for_region_names() {
    let a = v3("setUp");
    let sc = a.catalog();
    assert_eq!(
        catalog_url(sc, image().region_name("North")).unwrap(),
        NORTH_GLANCE[0].1
    );
    assert_eq!(
        catalog_url(sc, image().region_name("South")).unwrap(),
        SOUTH_GLANCE[0].1
    );
    not_found(catalog_url(sc, image().region_name("West")));
}

/// test_service_catalog_get_url_region_names
#[test]
fn v3_get_url_region_names() {
    let a = v3("setUp");
    let sc = a.catalog();
    assert_eq!(get_urls(sc, image()).len(), 2);
    assert_eq!(get_urls(sc, image().region_name("North")), [NORTH_GLANCE[0].1]);
    assert_eq!(get_urls(sc, image().region_name("South")), [SOUTH_GLANCE[0].1]);
    assert!(get_urls(sc, image().region_name("West")).is_empty());
}

/// test_service_catalog_service_name
#[test]
fn v3_service_catalog_service_name() {
    let a = v3("setUp");
    let sc = a.catalog();
    let glance = || image().service_name("glance").interface(Interface::Public);
    assert_eq!(
        catalog_url(sc, glance().region_name("North")).unwrap(),
        "http://glance.north.host/glanceapi/public"
    );
    assert_eq!(
        catalog_url(sc, glance().region_name("South")).unwrap(),
        "http://glance.south.host/glanceapi/public"
    );
    not_found(catalog_url(sc, compute().service_name("glance")));
    let urls = get_urls(sc, glance());
    assert!(urls.contains(&"http://glance.north.host/glanceapi/public".to_owned()));
    assert!(urls.contains(&"http://glance.south.host/glanceapi/public".to_owned()));
    assert!(get_urls(sc, image().service_name("Servers").interface(Interface::Public)).is_empty());
}

/// test_service_catalog_without_name (issue 12 item 1)
#[test]
fn v3_service_catalog_without_name() {
    let pr = v3("test_service_catalog_without_name");
    // "this will work because there are no service names on that token"
    assert_eq!(
        catalog_url(
            pr.catalog(),
            compute().service_name("NotExist").interface(Interface::Public)
        )
        .unwrap(),
        "http://public.com:8774/v2/225da22d3ce34b15877ea70b2a575f58"
    );
    // "this won't work because there is a name and it's not this one"
    let ab = v3("setUp");
    not_found(catalog_url(
        ab.catalog(),
        compute().service_name("NotExist").interface(Interface::Public),
    ));
}

/// ServiceCatalogV3Test.test_service_catalog_multiple_service_types
#[test]
fn v3_multiple_service_types() {
    let a = v3("test_service_catalog_multiple_service_types");
    let mut urls = get_urls(a.catalog(), compute().interface(Interface::Public));
    urls.sort();
    assert_eq!(urls, ["public-0", "public-1", "public-2"]);
    assert_eq!(
        get_urls(
            a.catalog(),
            compute().interface(Interface::Public).region_name("region-1")
        ),
        ["public-1"]
    );
}

/// ServiceCatalogV3Test.test_service_catalog_endpoint_id (issue 12 item 12)
#[test]
fn v3_service_catalog_endpoint_id() {
    let data = keystoneauth1("v3_service_catalog", "test_service_catalog_endpoint_id");
    let a = v3_body(data["token"].clone());
    let sc = a.catalog();
    let service_id = "0000000000000000000000000000000a";
    let endpoint_id = "0000000000000000000000000000000b";
    let public_url = "0000000000000000000000000000000c";
    assert_eq!(data["service_id"], service_id);
    assert_eq!(data["endpoint_id"], endpoint_id);
    assert_eq!(data["public_url"], public_url);
    let public = || compute().interface(Interface::Public);
    // "initially assert that we get back all our urls for a simple filter"
    assert_eq!(get_urls(sc, public()).len(), 2);
    // "with bad endpoint_id nothing should be found"
    assert!(get_urls(sc, public().endpoint_id("ffffffffffffffffffffffffffffffff")).is_empty());
    // "with service_id we get back both public endpoints"
    assert_eq!(get_urls(sc, public().service_id(service_id)).len(), 2);
    // "with service_id and endpoint_id we get back the url we want"
    assert_eq!(
        get_urls(sc, public().service_id(service_id).endpoint_id(endpoint_id)),
        [public_url]
    );
    assert_eq!(get_urls(sc, public().endpoint_id(endpoint_id)), [public_url]);
}

/// ServiceCatalogV3Test.test_service_catalog_without_service_type
#[test]
fn v3_without_service_type() {
    let a = v3("test_service_catalog_without_service_type");
    let urls = get_urls(a.catalog(), EndpointFilter::default().interface(Interface::Public));
    assert_eq!(urls.len(), 3);
    for p in [
        "0000000000000000000000000000000c",
        "00000000000000000000000000000010",
        "00000000000000000000000000000014",
    ] {
        assert!(urls.contains(&p.to_owned()), "{p}");
    }
}

// ---- test_v2_service_catalog.py --------------------------------------------

/// test_building_a_service_catalog
#[test]
fn v2_building_a_service_catalog() {
    let a = v2("setUp");
    assert_eq!(
        catalog_url(a.catalog(), compute()).unwrap(),
        "https://compute.north.host/v1/1234"
    );
    not_found(catalog_url(a.catalog(), compute().region_name("South")));
}

/// test_service_catalog_endpoints (the raw v2 entry's extra keys,
/// `tenantId` and `versionId`, are not kept: see docs/compatibility.md)
#[test]
fn v2_service_catalog_endpoints() {
    let a = v2("setUp");
    let public = a
        .catalog()
        .endpoints(&compute().interface("publicURL".parse().unwrap()));
    assert_eq!(public[1].url(), "https://compute.north.host/v1.1/3456");
    let internal = a.catalog().endpoints(&compute().interface(Interface::Internal));
    assert_eq!(internal[1].url(), "https://compute.north.host/v1.1/3456");
}

/// test_service_catalog_empty
#[test]
fn v2_service_catalog_empty() {
    let mut token = keystoneauth1("v2_service_catalog", "setUp");
    token["access"]["serviceCatalog"] = Value::Array(Vec::new());
    assert_empty_catalog(&v2_body(token));
}

/// test_service_catalog_get_endpoints_region_names (one v2 entry per
/// region holds every interface's URL)
#[test]
fn v2_get_endpoints_region_names() {
    let a = v2("setUp");
    let sc = a.catalog();
    assert_eq!(
        get_urls(sc, image().region_name("North")),
        ["https://image.north.host/v1/"]
    );
    assert_eq!(
        get_urls(sc, image().region_name("South")),
        ["https://image.south.host/v1/"]
    );
    assert_eq!(sc.endpoints(&compute()).len(), 2);
    assert_eq!(sc.endpoints(&compute().region_name("North")).len(), 2);
    assert_eq!(sc.endpoints(&compute().region_name("West")).len(), 0);
}

/// test_service_catalog_url_for_region_names
#[test]
fn v2_url_for_region_names() {
    let a = v2("setUp");
    let sc = a.catalog();
    assert_eq!(
        catalog_url(sc, image().region_name("North")).unwrap(),
        "https://image.north.host/v1/"
    );
    assert_eq!(
        catalog_url(sc, image().region_name("South")).unwrap(),
        "https://image.south.host/v1/"
    );
    not_found(catalog_url(sc, image().region_name("West")));
}

/// test_servcie_catalog_get_url_region_names
#[test]
fn v2_get_url_region_names() {
    let a = v2("setUp");
    let sc = a.catalog();
    assert_eq!(get_urls(sc, image()).len(), 2);
    assert_eq!(
        get_urls(sc, image().region_name("North")),
        ["https://image.north.host/v1/"]
    );
    assert_eq!(
        get_urls(sc, image().region_name("South")),
        ["https://image.south.host/v1/"]
    );
    assert!(get_urls(sc, image().region_name("West")).is_empty());
}

/// test_service_catalog_service_name
#[test]
fn v2_service_catalog_service_name() {
    let a = v2("setUp");
    let sc = a.catalog();
    let named = || image().service_name("Image Servers").interface(Interface::Public);
    assert_eq!(
        catalog_url(sc, named().region_name("North")).unwrap(),
        "https://image.north.host/v1/"
    );
    not_found(catalog_url(sc, compute().service_name("Image Servers")));
    let urls = get_urls(sc, named());
    assert!(urls.contains(&"https://image.north.host/v1/".to_owned()));
    assert!(urls.contains(&"https://image.south.host/v1/".to_owned()));
    assert!(get_urls(sc, image().service_name("Servers").interface(Interface::Public)).is_empty());
}

/// test_service_catalog_multiple_service_types
#[test]
fn v2_multiple_service_types() {
    let a = v2("test_service_catalog_multiple_service_types");
    let public = || compute().interface("publicURL".parse().unwrap());
    let mut urls = get_urls(a.catalog(), public());
    urls.sort();
    assert_eq!(urls, ["public-0", "public-1", "public-2"]);
    assert_eq!(get_urls(a.catalog(), public().region_name("region-1")), ["public-1"]);
}

/// test_service_catalog_endpoint_id (issue 12 items 5 and 12)
#[test]
fn v2_service_catalog_endpoint_id() {
    let data = keystoneauth1("v2_service_catalog", "test_service_catalog_endpoint_id");
    let a = v2_body(data["token"].clone());
    let sc = a.catalog();
    let endpoint_id = "00000000000000000000000000000007";
    let public_url = "00000000000000000000000000000008";
    assert_eq!(data["endpoint_id"], endpoint_id);
    assert_eq!(data["public_url"], public_url);
    let public = || EndpointFilter::default().interface(Interface::Public);
    // "initially assert that we get back all our urls for a simple filter"
    assert_eq!(get_urls(sc, public()).len(), 2);
    assert_eq!(get_urls(sc, public().endpoint_id(endpoint_id)), [public_url]);
    // "with bad endpoint_id nothing should be found"
    assert!(get_urls(sc, public().endpoint_id("ffffffffffffffffffffffffffffffff")).is_empty());
    // "we ignore a service_id because v2 doesn't know what it is"
    assert_eq!(
        get_urls(
            sc,
            public()
                .endpoint_id(endpoint_id)
                .service_id("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee")
        ),
        [public_url]
    );
}

/// test_service_catalog_without_service_type
#[test]
fn v2_without_service_type() {
    let a = v2("test_service_catalog_without_service_type");
    let urls = get_urls(a.catalog(), EndpointFilter::default().interface(Interface::Public));
    assert_eq!(urls.len(), 3);
    for p in [
        "00000000000000000000000000000009",
        "0000000000000000000000000000000e",
        "00000000000000000000000000000013",
    ] {
        assert!(urls.contains(&p.to_owned()), "{p}");
    }
}
