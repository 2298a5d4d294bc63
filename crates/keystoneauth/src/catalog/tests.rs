//! Tests of catalog parsing and lookups.

use serde_json::{json, Value};

use super::*;
use crate::error::Error;

fn v3_endpoint(interface: &str, region: Option<&str>, url: &str) -> Value {
    json!({"id": format!("{interface}-{}", region.unwrap_or("none")), "interface": interface, "region_id": region, "region": region, "url": url})
}

/// A v3 service with one endpoint per interface in `region`.
fn v3_service(service_type: &str, name: &str, region: &str, host: &str) -> Value {
    json!({
        "type": service_type,
        "name": name,
        "id": format!("{name}-id"),
        "endpoints": [
            v3_endpoint("public", Some(region), &format!("https://{host}.public/{region}")),
            v3_endpoint("internal", Some(region), &format!("http://{host}.internal/{region}")),
            v3_endpoint("admin", Some(region), &format!("http://{host}.admin/{region}")),
        ],
    })
}

fn catalog(services: Value) -> ServiceCatalog {
    ServiceCatalog::from_v3(&services).unwrap()
}

fn url<'a>(c: &'a ServiceCatalog, filter: &EndpointFilter) -> &'a str {
    c.endpoint(filter).unwrap().url()
}

fn urls<'a>(c: &'a ServiceCatalog, filter: &EndpointFilter) -> Vec<&'a str> {
    c.endpoints(filter).iter().map(|m| m.url()).collect()
}

fn invalid_message(result: Result<ServiceCatalog, Error>) -> String {
    match result {
        Err(Error::InvalidResponse {
            message, source: None, ..
        }) => message,
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

// ---- parsing ---------------------------------------------------------------

#[test]
fn parses_v3_catalog() {
    let c = catalog(json!([
        {
            "type": "compute", "name": "nova", "id": "n1", "extra": {"ignored": true},
            "endpoints": [
                {"id": "e1", "interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "https://nova/v2.1", "enabled": true},
                {"id": "e2", "interface": "internal", "region": "RegionTwo", "url": "http://nova.internal/v2.1"},
                {"id": "e3", "interface": "admin", "region_id": "r3", "region": "Region Three", "url": "http://nova.admin/v2.1"},
                {"interface": "public", "url": "https://nova.noregion/v2.1"}
            ]
        },
        {"type": "identity", "endpoints": []},
        {"type": "image", "name": null, "id": null}
    ]));
    assert!(!c.is_empty());
    let s = c.services();
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].service_type, "compute");
    assert_eq!(s[0].name.as_deref(), Some("nova"));
    assert_eq!(s[0].id.as_deref(), Some("n1"));
    assert_eq!(
        s[0].endpoints,
        vec![
            CatalogEndpoint::new(Interface::Public, "https://nova/v2.1")
                .with_id("e1")
                .with_region("RegionOne"),
            CatalogEndpoint::new(Interface::Internal, "http://nova.internal/v2.1")
                .with_id("e2")
                .with_region("RegionTwo"),
            // region_id wins over region.
            CatalogEndpoint::new(Interface::Admin, "http://nova.admin/v2.1")
                .with_id("e3")
                .with_region("r3"),
            CatalogEndpoint::new(Interface::Public, "https://nova.noregion/v2.1"),
        ]
    );
    assert_eq!(s[1], CatalogService::new("identity"));
    assert_eq!(s[2], CatalogService::new("image"));

    // The same catalog built by hand compares equal.
    let built = ServiceCatalog::new(vec![
        CatalogService::new("compute")
            .with_name("nova")
            .with_id("n1")
            .with_endpoint(
                CatalogEndpoint::new(Interface::Public, "https://nova/v2.1")
                    .with_id("e1")
                    .with_region("RegionOne"),
            )
            .with_endpoint(
                CatalogEndpoint::new(Interface::Internal, "http://nova.internal/v2.1")
                    .with_id("e2")
                    .with_region("RegionTwo"),
            )
            .with_endpoint(
                CatalogEndpoint::new(Interface::Admin, "http://nova.admin/v2.1")
                    .with_id("e3")
                    .with_region("r3"),
            )
            .with_endpoint(CatalogEndpoint::new(Interface::Public, "https://nova.noregion/v2.1")),
        CatalogService::new("identity"),
        CatalogService::new("image"),
    ]);
    assert_eq!(built, c);
    assert_eq!(c.clone(), c);
    assert_ne!(ServiceCatalog::default(), c);
}

#[test]
fn parses_v2_catalog_one_endpoint_per_url_key() {
    let c = ServiceCatalog::from_v2(&json!([
        {
            "type": "compute", "name": "nova",
            "endpoints": [
                {"id": "e1", "region": "RegionOne", "tenantId": "t1", "versionId": "2.1",
                 "publicURL": "https://nova/v2.1/t1", "internalURL": "http://nova.internal/v2.1/t1", "adminURL": "http://nova.admin/v2.1/t1"},
                {"region": "RegionTwo", "publicURL": "https://nova2/v2.1/t1"}
            ],
            "endpoints_links": []
        },
        {"type": "identity", "name": "keystone", "endpoints": [{"region": "RegionOne", "publicURL": "https://keystone/v2.0", "adminURL": null}]}
    ]))
    .unwrap();
    let s = c.services();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].service_type, "compute");
    assert_eq!(s[0].name.as_deref(), Some("nova"));
    assert_eq!(s[0].id, None);
    assert_eq!(
        s[0].endpoints,
        vec![
            CatalogEndpoint::new(Interface::Public, "https://nova/v2.1/t1")
                .with_id("e1")
                .with_region("RegionOne"),
            CatalogEndpoint::new(Interface::Internal, "http://nova.internal/v2.1/t1")
                .with_id("e1")
                .with_region("RegionOne"),
            CatalogEndpoint::new(Interface::Admin, "http://nova.admin/v2.1/t1")
                .with_id("e1")
                .with_region("RegionOne"),
            CatalogEndpoint::new(Interface::Public, "https://nova2/v2.1/t1").with_region("RegionTwo"),
        ]
    );
    // A null adminURL is kept, without a URL.
    assert_eq!(s[1].endpoints.len(), 2);
    assert!(!s[1].endpoints[1].has_url());
    assert!(c
        .endpoint(&EndpointFilter::new("identity").interface(Interface::Admin))
        .is_err());
}

#[test]
fn v2_public_url_style_lookups() {
    let c = ServiceCatalog::from_v2(&json!([
        {"type": "volumev2", "name": "cinderv2", "endpoints": [
            {"region": "RegionOne", "publicURL": "https://cinder/v2/t", "internalURL": "http://cinder.internal/v2/t", "adminURL": "http://cinder.admin/v2/t"}
        ]},
        {"type": "compute", "name": "nova", "endpoints": [
            {"region": "RegionOne", "publicURL": "https://nova/one"},
            {"region": "RegionTwo", "publicURL": "https://nova/two", "internalURL": "http://nova.internal/two"}
        ]}
    ]))
    .unwrap();
    assert_eq!(url(&c, &EndpointFilter::new("compute")), "https://nova/one");
    assert_eq!(
        url(
            &c,
            &EndpointFilter::new("compute").interface("internalURL".parse().unwrap())
        ),
        "http://nova.internal/two"
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("compute").region_name("RegionTwo")),
        "https://nova/two"
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("block-storage").interface(Interface::Admin)),
        "http://cinder.admin/v2/t"
    );
    // keystoneauth1 (os-service-types): an alias never finds another alias.
    assert!(c.endpoint(&EndpointFilter::new("volume")).is_err());
}

#[test]
fn unknown_interfaces_are_dropped() {
    let c = catalog(json!([{"type": "compute", "endpoints": [
        {"interface": "private", "url": "http://private"},
        {"interface": "publicURL", "url": "http://v2-style"},
        {"interface": "PUBLIC", "url": "http://upper"}
    ]}]));
    let eps = &c.services()[0].endpoints;
    assert_eq!(eps.len(), 2);
    assert!(eps.iter().all(|e| e.interface == Interface::Public));
    assert_eq!(
        urls(&c, &EndpointFilter::new("compute")),
        ["http://v2-style", "http://upper"]
    );
}

#[test]
fn empty_urls_are_kept_but_skipped() {
    let c = catalog(json!([{"type": "compute", "endpoints": [
        {"interface": "public", "region_id": "RegionOne", "url": null},
        {"interface": "public", "region_id": "RegionOne", "url": ""},
        {"interface": "public", "region_id": "RegionOne", "url": "https://nova"}
    ]}]));
    assert_eq!(c.services()[0].endpoints.len(), 3);
    assert_eq!(urls(&c, &EndpointFilter::new("compute")), ["https://nova"]);

    let only_empty = catalog(json!([{"type": "compute", "endpoints": [{"interface": "public", "url": null}]}]));
    let err = only_empty.endpoint(&EndpointFilter::new("compute")).unwrap_err();
    assert!(matches!(err, Error::EndpointNotFound { .. }), "{err:?}");
}

// ---- bad input ---------------------------------------------------------------

#[test]
fn bad_v3_input_names_the_field() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({"type": "compute"}), "catalog must be an array, not an object"),
        (json!(null), "catalog must be an array, not null"),
        (json!("x"), "catalog must be an array, not a string"),
        (
            json!([{"type": "compute"}, 5]),
            "catalog[1] must be an object, not a number",
        ),
        (json!([{"name": "nova", "endpoints": []}]), "catalog[0].type is missing"),
        (json!([{"type": 5}]), "catalog[0].type must be a string, not a number"),
        (json!([{"type": null}]), "catalog[0].type must be a string, not null"),
        (
            json!([{"type": "compute", "name": ["nova"]}]),
            "catalog[0].name must be a string or null, not an array",
        ),
        (
            json!([{"type": "compute", "id": 7}]),
            "catalog[0].id must be a string or null, not a number",
        ),
        (
            json!([{"type": "compute"}, {"type": "image", "endpoints": {}}]),
            "catalog[1].endpoints must be an array, not an object",
        ),
        (
            json!([{"type": "compute", "endpoints": ["http://x"]}]),
            "catalog[0].endpoints[0] must be an object, not a string",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"interface": "public", "url": "http://a"}, {"interface": "public", "url": 5}]}]),
            "catalog[0].endpoints[1].url must be a string or null, not a number",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"interface": "public"}]}]),
            "catalog[0].endpoints[0].url is missing",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"url": "http://a"}]}]),
            "catalog[0].endpoints[0].interface is missing",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"interface": true, "url": "http://a"}]}]),
            "catalog[0].endpoints[0].interface must be a string, not a boolean",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"interface": "public", "url": "http://a", "region_id": 1}]}]),
            "catalog[0].endpoints[0].region_id must be a string or null, not a number",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"interface": "public", "url": "http://a", "region": {}}]}]),
            "catalog[0].endpoints[0].region must be a string or null, not an object",
        ),
    ];
    for (input, expected) in cases {
        let message = invalid_message(ServiceCatalog::from_v3(&input));
        assert_eq!(message, expected, "for {input}");
    }
    let err = ServiceCatalog::from_v3(&json!([{}])).unwrap_err().to_string();
    assert_eq!(err, "invalid response from token response: catalog[0].type is missing");
}

#[test]
fn bad_v2_input_names_the_field() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "serviceCatalog must be an array, not an object"),
        (json!([{"endpoints": []}]), "serviceCatalog[0].type is missing"),
        (
            json!([{"type": "compute"}, {"type": ["x"]}]),
            "serviceCatalog[1].type must be a string, not an array",
        ),
        (
            json!([{"type": "compute", "endpoints": 1}]),
            "serviceCatalog[0].endpoints must be an array, not a number",
        ),
        (
            json!([{"type": "compute", "endpoints": [null]}]),
            "serviceCatalog[0].endpoints[0] must be an object, not null",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"publicURL": 1}]}]),
            "serviceCatalog[0].endpoints[0].publicURL must be a string or null, not a number",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"publicURL": "http://a", "adminURL": false}]}]),
            "serviceCatalog[0].endpoints[0].adminURL must be a string or null, not a boolean",
        ),
        (
            json!([{"type": "compute", "endpoints": [{"region": 3, "publicURL": "http://a"}]}]),
            "serviceCatalog[0].endpoints[0].region must be a string or null, not a number",
        ),
    ];
    for (input, expected) in cases {
        let message = invalid_message(ServiceCatalog::from_v2(&input));
        assert_eq!(message, expected, "for {input}");
    }
}

#[test]
fn odd_input_never_panics() {
    let values = [
        json!(null),
        json!(true),
        json!(1.5),
        json!("catalog"),
        json!({}),
        json!([]),
        json!([null, 1, "x", [], {}]),
        json!([{"type": ""}]),
        json!([{"type": "compute", "endpoints": [{}, {"interface": null, "url": null}]}]),
        json!([{"type": "compute", "endpoints": [{"publicURL": "", "internalURL": null}]}]),
        json!([{"type": "\u{0}", "endpoints": [{"interface": "", "url": ""}]}]),
    ];
    for v in &values {
        for c in [ServiceCatalog::from_v3(v), ServiceCatalog::from_v2(v)]
            .into_iter()
            .flatten()
        {
            for filter in [
                EndpointFilter::default(),
                EndpointFilter::new(""),
                EndpointFilter::new("compute").interfaces([]),
                EndpointFilter::new("volume").region_name(""),
            ] {
                let _ = c.endpoint(&filter);
                let _ = c.endpoints(&filter);
            }
        }
    }
    // A service with an empty type is still a catalog entry.
    let c = catalog(json!([{"type": ""}]));
    assert!(!c.is_empty());
}

// ---- lookups -------------------------------------------------------------------

#[test]
fn official_type_finds_alias_entry() {
    let c = catalog(json!([
        v3_service("compute", "nova", "RegionOne", "nova"),
        v3_service("volumev3", "cinderv3", "RegionOne", "cinder3"),
    ]));
    let m = c.endpoint(&EndpointFilter::new("block-storage")).unwrap();
    assert_eq!(m.service.service_type, "volumev3");
    assert_eq!(m.url(), "https://cinder3.public/RegionOne");
    assert_eq!(
        url(&c, &EndpointFilter::new("volumev3")),
        "https://cinder3.public/RegionOne"
    );
    // Another alias does not: as os-service-types' is_match, a client
    // asking for volumev2 must not get the v3 API.
    for alias in ["volume", "volumev2", "block-store"] {
        assert!(c.endpoint(&EndpointFilter::new(alias)).is_err(), "{alias}");
    }
    // But not an unrelated type.
    assert!(c.endpoint(&EndpointFilter::new("shared-file-system")).is_err());
}

#[test]
fn exact_type_is_preferred_over_alias() {
    let c = catalog(json!([
        v3_service("block-storage", "cinder", "RegionOne", "cinder"),
        v3_service("volumev2", "cinderv2", "RegionOne", "cinder2"),
        v3_service("volumev3", "cinderv3", "RegionOne", "cinder3"),
    ]));
    let host = |t: &str| {
        c.endpoint(&EndpointFilter::new(t))
            .unwrap()
            .service
            .name
            .clone()
            .unwrap()
    };
    assert_eq!(host("volumev3"), "cinderv3");
    assert_eq!(host("volumev2"), "cinderv2");
    assert_eq!(host("block-storage"), "cinder");
    // `volume` is not in the catalog: the official type comes first.
    assert_eq!(host("volume"), "cinder");
    assert_eq!(host("block-store"), "cinder");
    // One type is chosen, as keystoneauth1's _endpoints_by_type.
    assert_eq!(
        urls(&c, &EndpointFilter::new("volumev2")),
        ["https://cinder2.public/RegionOne"]
    );
}

#[test]
fn aliases_in_authority_order() {
    // volumev2 comes first in the catalog but volumev3 first in the authority.
    let c = catalog(json!([
        v3_service("volume", "cinderv1", "RegionOne", "cinder1"),
        v3_service("volumev2", "cinderv2", "RegionOne", "cinder2"),
        v3_service("volumev3", "cinderv3", "RegionOne", "cinder3"),
    ]));
    assert_eq!(
        urls(&c, &EndpointFilter::new("block-storage")),
        ["https://cinder3.public/RegionOne"]
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("volume")),
        "https://cinder1.public/RegionOne"
    );
}

#[test]
fn other_families() {
    let c = catalog(json!([
        v3_service("sharev2", "manilav2", "R", "manila"),
        v3_service("container-infra", "magnum", "R", "magnum"),
        v3_service("bare-metal", "ironic", "R", "ironic"),
        v3_service("workflowv2", "mistral", "R", "mistral"),
        v3_service("cluster", "senlin", "R", "senlin"),
        v3_service("load-balancer", "octavia", "R", "octavia"),
    ]));
    for (requested, name) in [
        ("shared-file-system", "manilav2"),
        ("sharev2", "manilav2"),
        ("container-infrastructure-management", "magnum"),
        ("container-infra", "magnum"),
        ("baremetal", "ironic"),
        ("workflow", "mistral"),
        ("clustering", "senlin"),
        ("load-balancer", "octavia"),
    ] {
        let m = c.endpoint(&EndpointFilter::new(requested)).unwrap();
        assert_eq!(m.service.name.as_deref(), Some(name), "{requested}");
    }
    // Alias to another alias never matches.
    for requested in ["share", "container-infrastructure", "resource-cluster"] {
        assert!(c.endpoint(&EndpointFilter::new(requested)).is_err(), "{requested}");
    }
}

#[test]
fn unknown_type_matches_exactly() {
    let c = catalog(json!([
        v3_service("my-api", "mine", "R", "mine"),
        v3_service("my-apiv2", "mine2", "R", "mine2"),
    ]));
    assert_eq!(url(&c, &EndpointFilter::new("my-api")), "https://mine.public/R");
    assert_eq!(urls(&c, &EndpointFilter::new("my-apiv2")), ["https://mine2.public/R"]);
    assert!(c.endpoint(&EndpointFilter::new("my")).is_err());
    // Types are case sensitive, as in keystoneauth1.
    assert!(c.endpoint(&EndpointFilter::new("MY-API")).is_err());
}

#[test]
fn service_name_and_id_filters() {
    let c = catalog(json!([
        v3_service("compute", "nova", "RegionOne", "nova"),
        v3_service("compute", "nova-cells", "RegionOne", "cells"),
        {"type": "compute", "endpoints": [v3_endpoint("public", Some("RegionOne"), "https://anonymous")]},
    ]));
    assert_eq!(
        url(&c, &EndpointFilter::new("compute")),
        "https://nova.public/RegionOne"
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("compute").service_name("nova-cells")),
        "https://cells.public/RegionOne"
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("compute").service_id("nova-cells-id")),
        "https://cells.public/RegionOne"
    );
    assert_eq!(
        url(
            &c,
            &EndpointFilter::new("compute")
                .service_name("nova")
                .service_id("nova-id")
        ),
        "https://nova.public/RegionOne"
    );
    // Name and id must both agree where the catalog gives them; a service
    // without a name or id passes those checks (keystoneauth1's
    // test_service_catalog_without_name).
    assert_eq!(
        url(
            &c,
            &EndpointFilter::new("compute")
                .service_name("nova")
                .service_id("nova-cells-id")
        ),
        "https://anonymous"
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("compute").service_name("other")),
        "https://anonymous"
    );
    let named = catalog(json!([v3_service("compute", "nova", "RegionOne", "nova")]));
    assert!(named
        .endpoint(&EndpointFilter::new("compute").service_name("other"))
        .is_err());
    assert!(named
        .endpoint(&EndpointFilter::new("compute").service_id("other"))
        .is_err());
    // Name filters work through aliases too, and alone.
    let c = catalog(json!([v3_service("volumev3", "cinderv3", "R", "cinder")]));
    assert_eq!(
        url(&c, &EndpointFilter::new("block-storage").service_name("cinderv3")),
        "https://cinder.public/R"
    );
    assert_eq!(
        url(&c, &EndpointFilter::default().service_name("cinderv3")),
        "https://cinder.public/R"
    );
    assert!(c
        .endpoint(&EndpointFilter::new("block-storage").service_name("cinder"))
        .is_err());
}

#[test]
fn interface_preference() {
    let public_only = catalog(json!([{"type": "compute", "endpoints": [v3_endpoint("public", None, "https://pub")]}]));
    let both = catalog(json!([{"type": "compute", "endpoints": [
        v3_endpoint("public", None, "https://pub"),
        v3_endpoint("internal", None, "http://int"),
    ]}]));
    let internal_public = EndpointFilter::new("compute").interfaces([Interface::Internal, Interface::Public]);
    assert_eq!(url(&public_only, &internal_public), "https://pub");
    assert_eq!(url(&both, &internal_public), "http://int");
    // Only the best interface's endpoints, as keystoneauth1.
    assert_eq!(urls(&both, &internal_public), ["http://int"]);
    // No interface means public.
    assert_eq!(url(&both, &EndpointFilter::new("compute")), "https://pub");
    // Only the listed interfaces.
    assert!(public_only
        .endpoint(&EndpointFilter::new("compute").interface(Interface::Internal))
        .is_err());
    assert!(both
        .endpoint(&EndpointFilter::new("compute").interface(Interface::Admin))
        .is_err());
    // A repeated interface does not repeat the results.
    assert_eq!(
        urls(
            &both,
            &EndpointFilter::new("compute").interfaces([Interface::Public, Interface::Internal, Interface::Public])
        ),
        ["https://pub"]
    );
}

#[test]
fn type_is_chosen_before_interface() {
    // The exact type has only public; the official type has internal.
    // keystoneauth1 chooses the type first (the requested one, as it has a
    // matching endpoint), then that type's best interface.
    let c = catalog(json!([
        {"type": "volumev3", "name": "cinderv3", "endpoints": [v3_endpoint("public", None, "https://v3.pub")]},
        {"type": "block-storage", "name": "cinder", "endpoints": [
            v3_endpoint("public", None, "https://bs.pub"),
            v3_endpoint("internal", None, "http://bs.int"),
        ]},
    ]));
    let filter = EndpointFilter::new("volumev3").interfaces([Interface::Internal, Interface::Public]);
    assert_eq!(url(&c, &filter), "https://v3.pub");
    assert_eq!(urls(&c, &filter), ["https://v3.pub"]);
    // Asking for the official type finds it exactly, with its best interface.
    let filter = EndpointFilter::new("block-storage").interfaces([Interface::Internal, Interface::Public]);
    assert_eq!(urls(&c, &filter), ["http://bs.int"]);
}

#[test]
fn region_selection() {
    let c = catalog(json!([
        v3_service("compute", "nova", "RegionOne", "nova"),
        v3_service("compute", "nova", "RegionTwo", "nova"),
        {"type": "compute", "name": "nova", "endpoints": [v3_endpoint("public", None, "https://noregion")]},
    ]));
    assert_eq!(
        url(&c, &EndpointFilter::new("compute").region_name("RegionTwo")),
        "https://nova.public/RegionTwo"
    );
    assert_eq!(
        url(
            &c,
            &EndpointFilter::new("compute")
                .region_name("RegionTwo")
                .interface(Interface::Internal)
        ),
        "http://nova.internal/RegionTwo"
    );
    // Without a region, every region in catalog order (and the one without).
    assert_eq!(
        urls(&c, &EndpointFilter::new("compute")),
        [
            "https://nova.public/RegionOne",
            "https://nova.public/RegionTwo",
            "https://noregion"
        ]
    );
    // An endpoint without a region never matches a region filter.
    let err = c
        .endpoint(&EndpointFilter::new("compute").region_name("RegionThree"))
        .unwrap_err();
    assert!(matches!(err, Error::EndpointNotFound { .. }), "{err:?}");
    let no_region =
        catalog(json!([{"type": "compute", "endpoints": [v3_endpoint("public", None, "https://noregion")]}]));
    assert!(no_region
        .endpoint(&EndpointFilter::new("compute").region_name("RegionOne"))
        .is_err());
    // The v3 `region` is used when there is no `region_id`.
    let legacy = catalog(
        json!([{"type": "compute", "endpoints": [{"interface": "public", "region": "Old", "url": "https://old"}]}]),
    );
    assert_eq!(
        url(&legacy, &EndpointFilter::new("compute").region_name("Old")),
        "https://old"
    );
}

#[test]
fn filter_without_service_type_matches_any_type() {
    let c = catalog(json!([
        v3_service("compute", "nova", "RegionOne", "nova"),
        v3_service("image", "glance", "RegionTwo", "glance"),
    ]));
    assert_eq!(url(&c, &EndpointFilter::default()), "https://nova.public/RegionOne");
    assert_eq!(
        urls(
            &c,
            &EndpointFilter::default().interfaces([Interface::Admin, Interface::Public])
        ),
        ["http://nova.admin/RegionOne", "http://glance.admin/RegionTwo"]
    );
    assert_eq!(
        url(&c, &EndpointFilter::default().region_name("RegionTwo")),
        "https://glance.public/RegionTwo"
    );
}

#[test]
fn empty_catalog_and_no_match_errors() {
    let filter = EndpointFilter::new("compute")
        .interfaces([Interface::Internal, Interface::Public])
        .region_name("RegionTwo");
    for empty in [
        ServiceCatalog::default(),
        catalog(json!([])),
        ServiceCatalog::from_v2(&json!([])).unwrap(),
    ] {
        assert!(empty.is_empty());
        assert!(empty.services().is_empty());
        let err = empty.endpoint(&filter).unwrap_err();
        assert!(matches!(err, Error::EmptyCatalog), "{err:?}");
        assert!(err.is_endpoint_not_found());
        assert!(empty.endpoints(&filter).is_empty());
    }

    let c = catalog(json!([v3_service("compute", "nova", "RegionOne", "nova")]));
    let err = c.endpoint(&filter).unwrap_err();
    match &err {
        Error::EndpointNotFound { filter: f } => {
            assert_eq!(
                f,
                "service_type=compute, interface=internal,public, region_name=RegionTwo"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_endpoint_not_found());
    assert_eq!(
        err.to_string(),
        "no endpoint found for service_type=compute, interface=internal,public, region_name=RegionTwo"
    );
    assert!(c.endpoints(&filter).is_empty());

    // A service without endpoints is not an empty catalog.
    let c = catalog(json!([{"type": "compute"}]));
    assert!(matches!(
        c.endpoint(&EndpointFilter::new("compute")),
        Err(Error::EndpointNotFound { .. })
    ));
}

#[test]
fn matches_borrow_the_catalog() {
    let c = catalog(json!([v3_service("compute", "nova", "RegionOne", "nova")]));
    let m = c.endpoint(&EndpointFilter::new("compute")).unwrap();
    let copy = m;
    assert_eq!(copy, m);
    assert!(std::ptr::eq(m.service, &c.services()[0]));
    assert!(std::ptr::eq(m.endpoint, &c.services()[0].endpoints[0]));
    assert_eq!(m.endpoint.id.as_deref(), Some("public-RegionOne"));
}

#[test]
fn catalog_types_are_send_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<ServiceCatalog>();
    assert_send_sync::<CatalogService>();
    assert_send_sync::<CatalogEndpoint>();
    fn assert_send_sync_ref<T: Send + Sync>() {}
    assert_send_sync_ref::<CatalogMatch<'static>>();
}

#[test]
fn large_catalog_lookups() {
    // 200 services x 3 interfaces x 5 regions, as in the benchmark.
    let mut services = Vec::new();
    for i in 0..200 {
        let t = match i {
            150 => "volumev3".to_owned(),
            _ => format!("service-{i}"),
        };
        let mut endpoints = Vec::new();
        for r in 0..5 {
            for interface in ["public", "internal", "admin"] {
                endpoints.push(json!({"id": format!("{i}-{r}-{interface}"), "interface": interface, "region_id": format!("Region{r}"), "url": format!("https://s{i}.{interface}.r{r}/")}));
            }
        }
        services.push(json!({"type": t, "name": format!("name-{i}"), "id": format!("id-{i}"), "endpoints": endpoints}));
    }
    let c = catalog(Value::Array(services));
    assert_eq!(c.services().len(), 200);
    assert_eq!(
        url(
            &c,
            &EndpointFilter::new("service-198")
                .interface(Interface::Internal)
                .region_name("Region3")
        ),
        "https://s198.internal.r3/"
    );
    assert_eq!(
        url(&c, &EndpointFilter::new("block-storage")),
        "https://s150.public.r0/"
    );
    assert_eq!(c.endpoints(&EndpointFilter::new("service-7")).len(), 5);
    assert_eq!(c.endpoints(&EndpointFilter::default()).len(), 1000);
    assert!(c.endpoint(&EndpointFilter::new("nope")).is_err());
}
