#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Version discovery, endpoint data and microversions against mock
//! OpenStack services.
//!
//! A mock Keystone issues a v3 project token whose catalog points at mock
//! services; the real v3 Password plugin authenticates against it, so every
//! lookup goes through the catalog path. Each service serves version
//! documents shaped as its public API reference shows them (Nova, Cinder,
//! Glance, Ironic, Placement, Neutron, Swift, Heat), with the mock server's
//! own address in the links as a correctly configured service would write.

mod common;

use common::mock::received;
use std::sync::Arc;
use std::time::Duration;

use common::tokens::TokenResponder;
use keystoneauth::discovery::{fetch_discovery, negotiate_microversion, Discovered, DiscoveryContext};
use keystoneauth::fixture::{V3Service, V3Token};
use keystoneauth::identity::v3;
use keystoneauth::{
    Adapter, ApiVersion, DiscoveryCache, EndpointData, EndpointFilter, Error, Interface, Session, VersionStatus,
};
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------
// The mock cloud
// ---------------------------------------------------------------------------

/// The scoped project; catalog URLs with `$(project_id)s` have it filled in.
const PROJECT_ID: &str = "5c1a3e7f9b2d4c6e8a0b1c2d3e4f5a6b";
const TOKEN: &str = "gAAAAABn-discovery-mock-token";

fn v(s: &str) -> ApiVersion {
    s.parse().unwrap()
}

/// A v3 project token whose catalog has (type, name, url) per service,
/// each with the same URL on the public, internal and admin interfaces.
fn token_with_services(services: &[(&str, &str, String)]) -> V3Token {
    services.iter().enumerate().fold(
        V3Token::new()
            .token_id(TOKEN)
            .user("u-1", "admin")
            .project_scope(PROJECT_ID, "admin")
            .role("r-1", "admin"),
        |token, (i, (ty, name, url))| {
            token.service(
                V3Service::new(*ty, *name)
                    .id(format!("svc-{i}"))
                    .endpoint_with_id(format!("ep-{i}-pub"), "public", "RegionOne", url.as_str())
                    .endpoint_with_id(format!("ep-{i}-int"), "internal", "RegionOne", url.as_str())
                    .endpoint_with_id(format!("ep-{i}-adm"), "admin", "RegionOne", url.as_str()),
            )
        },
    )
}

/// A mock Keystone and a session authenticated by the v3 Password plugin
/// against it.
struct Cloud {
    keystone: MockServer,
    session: Session,
}

async fn cloud(services: &[(&str, &str, String)]) -> Cloud {
    let keystone = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/auth/tokens"))
        .respond_with(TokenResponder::in_turn(&[TOKEN], token_with_services(services).json()))
        .mount(&keystone)
        .await;
    let plugin = v3::Password::builder(format!("{}/v3", keystone.uri()))
        .username("admin")
        .user_domain_id("default")
        .password("admin-secret".to_owned())
        .project_id(PROJECT_ID)
        .build()
        .unwrap();
    let session = Session::builder().auth(Arc::new(plugin)).build().unwrap();
    Cloud { keystone, session }
}

/// Serves JSON at `p`, with or without a trailing slash.
async fn serve(server: &MockServer, p: &str, status: u16, body: Value) {
    serve_with(server, p, ResponseTemplate::new(status).set_body_json(body)).await;
}

async fn serve_with(server: &MockServer, p: &str, response: ResponseTemplate) {
    let pattern = format!("^{}/?$", p.trim_end_matches('/').replace('.', r"\."));
    Mock::given(method("GET"))
        .and(path_regex(pattern))
        .respond_with(response)
        .mount(server)
        .await;
}

fn paths(requests: &[Request]) -> Vec<String> {
    requests.iter().map(|r| r.url.path().to_owned()).collect()
}

/// The microversion headers of a request, sorted.
fn microversion_headers(r: &Request) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r
        .headers
        .iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            k == "openstack-api-version" || k.starts_with("x-openstack-") && k.ends_with("-api-version")
        })
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn mv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    out.sort();
    out
}

async fn endpoint_data(session: &Session, filter: EndpointFilter, discover: bool) -> EndpointData {
    session.endpoint_data(&filter, None, discover).await.unwrap()
}

fn trimmed(url: &str) -> &str {
    url.trim_end_matches('/')
}

// ---------------------------------------------------------------------------
// Version documents, from the services' API references
// ---------------------------------------------------------------------------

/// Nova `GET /` (compute API reference, "List All Major Versions").
fn nova_root(s: &str) -> Value {
    json!({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
         "updated": "2011-01-21T11:33:21Z",
         "links": [{"rel": "self", "href": format!("{s}/v2/")}]},
        {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
         "updated": "2013-07-23T11:33:21Z",
         "links": [{"rel": "self", "href": format!("{s}/v2.1/")}]}
    ]})
}

/// Nova `GET /v2.1/` ("Show Details of Specific API Version").
fn nova_v21(s: &str) -> Value {
    json!({"version": {
        "id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": format!("{s}/v2.1/")},
                  {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.compute+json;version=2.1"}]
    }})
}

/// Nova `GET /v2/`.
fn nova_v2(s: &str) -> Value {
    json!({"version": {
        "id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
        "updated": "2011-01-21T11:33:21Z",
        "links": [{"rel": "self", "href": format!("{s}/v2/")},
                  {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.compute+json;version=2"}]
    }})
}

async fn mount_nova(server: &MockServer) {
    let s = server.uri();
    serve(server, "/", 200, nova_root(&s)).await;
    serve(server, "/v2.1", 200, nova_v21(&s)).await;
    serve(server, "/v2", 200, nova_v2(&s)).await;
}

/// Cinder `GET /` (block storage API reference, "List All Api Versions").
fn cinder_root(s: &str) -> Value {
    json!({"versions": [{
        "id": "v3.0", "status": "CURRENT", "version": "3.71", "min_version": "3.0",
        "updated": "2023-08-31T00:00:00Z",
        "links": [{"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": format!("{s}/v3/")}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}]
    }]})
}

/// Glance `GET /` (image API reference, "List API versions"): v2.0 to
/// v2.17, the last current, and the deprecated v1.
fn glance_root(s: &str) -> Value {
    let mut versions: Vec<Value> = (0..=17)
        .rev()
        .map(|minor| {
            json!({"id": format!("v2.{minor}"),
                   "status": if minor == 17 { "CURRENT" } else { "SUPPORTED" },
                   "links": [{"rel": "self", "href": format!("{s}/v2/")}]})
        })
        .collect();
    for minor in [1, 0] {
        versions.push(json!({"id": format!("v1.{minor}"), "status": "DEPRECATED",
                             "links": [{"rel": "self", "href": format!("{s}/v1/")}]}));
    }
    json!({ "versions": versions })
}

/// An old Ironic's `GET /v1/`: the version resource itself, without a
/// status or microversion fields; the range is in the headers.
fn ironic_v1(s: &str) -> Value {
    json!({
        "id": "v1",
        "links": [{"rel": "self", "href": format!("{s}/v1/")},
                  {"rel": "describedby", "type": "text/html",
                   "href": "https://docs.openstack.org/ironic/latest/contributor/webapi.html"}],
        "media_types": [{"base": "application/json", "type": "application/vnd.openstack.ironic.v1+json"}],
        "chassis": [{"rel": "self", "href": format!("{s}/v1/chassis/")}],
        "nodes": [{"rel": "self", "href": format!("{s}/v1/nodes/")}],
        "ports": [{"rel": "self", "href": format!("{s}/v1/ports/")}],
        "drivers": [{"rel": "self", "href": format!("{s}/v1/drivers/")}]
    })
}

async fn mount_ironic(server: &MockServer) {
    let response = ResponseTemplate::new(200)
        .insert_header("X-OpenStack-Ironic-API-Minimum-Version", "1.1")
        .insert_header("X-OpenStack-Ironic-API-Maximum-Version", "1.87")
        .insert_header("X-OpenStack-Ironic-API-Version", "1.1")
        .set_body_json(ironic_v1(&server.uri()));
    serve_with(server, "/v1", response).await;
}

/// Placement `GET /`: one version, and a self link that is deliberately
/// relative ("this same URL").
fn placement_root() -> Value {
    json!({"versions": [{"id": "v1.0", "max_version": "1.39", "min_version": "1.0", "status": "CURRENT",
                         "links": [{"rel": "self", "href": ""}]}]})
}

/// Neutron `GET /` (networking API reference, "List API versions").
fn neutron_root(s: &str) -> Value {
    json!({"versions": [{"id": "v2.0", "status": "CURRENT",
                         "links": [{"rel": "self", "href": format!("{s}/v2.0/")}]}]})
}

/// What Swift answers where a version document is expected: a JSON list.
fn swift_listing() -> Value {
    json!([{"count": 2, "bytes": 78, "name": "photos", "last_modified": "2026-01-01T00:00:00.000000"}])
}

/// Heat `GET /`.
fn heat_root(s: &str) -> Value {
    json!({"versions": [{"id": "v1.0", "status": "CURRENT",
                         "links": [{"rel": "self", "href": format!("{s}/v1/")}]}]})
}

/// A service whose only version is experimental.
fn experimental_root(s: &str) -> Value {
    json!({"versions": [{"id": "v1.0", "status": "EXPERIMENTAL", "min_version": "1.0", "max_version": "1.3",
                         "links": [{"rel": "self", "href": format!("{s}/v1/")}]}]})
}

// ---------------------------------------------------------------------------
// The documents themselves
// ---------------------------------------------------------------------------

#[test]
fn every_service_document_parses() {
    let s = "http://svc.example.com:8774";
    let none = http::HeaderMap::new();
    let parse = |body: Value| Discovered::parse(&format!("{s}/"), body.to_string().as_bytes(), &none);

    let nova = parse(nova_root(s)).unwrap();
    let versions: Vec<ApiVersion> = nova.all_versions().iter().map(|d| d.version).collect();
    assert_eq!(versions, [v("2.1"), v("2.0")], "newest first");
    assert_eq!(nova.all_versions()[1].max_microversion, None, "\"\" is no microversion");
    assert_eq!(nova.all_versions()[1].status, VersionStatus::Supported);

    let glance = parse(glance_root(s)).unwrap();
    assert_eq!(glance.all_versions().len(), 20);
    assert_eq!(glance.all_versions()[0].version, v("2.17"));
    assert_eq!(glance.all_versions()[19].status, VersionStatus::Deprecated);

    let placement = parse(placement_root()).unwrap();
    let p = &placement.all_versions()[0];
    assert_eq!(p.url, format!("{s}/"), "an empty self link is the document's own URL");
    assert_eq!(
        (p.min_microversion, p.max_microversion),
        (Some(v("1.0")), Some(v("1.39")))
    );

    let cinder = parse(cinder_root(s)).unwrap();
    let c = &cinder.all_versions()[0];
    assert_eq!(c.url, format!("{s}/v3/"));
    assert_eq!(c.media_types, ["application/vnd.openstack.volume+json;version=3"]);

    let mut headers = http::HeaderMap::new();
    headers.insert("x-openstack-ironic-api-minimum-version", "1.1".parse().unwrap());
    headers.insert("x-openstack-ironic-api-maximum-version", "1.87".parse().unwrap());
    let ironic = Discovered::parse(&format!("{s}/v1"), ironic_v1(s).to_string().as_bytes(), &headers).unwrap();
    let i = &ironic.all_versions()[0];
    assert_eq!(i.version, v("1.0"));
    assert_eq!(i.status, VersionStatus::Current, "a bare version is current");
    assert_eq!(
        (i.min_microversion, i.max_microversion),
        (Some(v("1.1")), Some(v("1.87")))
    );

    for body in [swift_listing().to_string(), "<html>Not a version</html>".to_owned()] {
        let err = Discovered::parse(&format!("{s}/"), body.as_bytes(), &none).unwrap_err();
        assert!(matches!(err, Error::Discovery { .. }), "{err}");
    }
}

// ---------------------------------------------------------------------------
// Nova
// ---------------------------------------------------------------------------

#[tokio::test]
async fn nova_versioned_catalog_url() {
    let nova = MockServer::start().await;
    mount_nova(&nova).await;
    let s = nova.uri();
    let cloud = cloud(&[("compute", "nova", format!("{s}/v2.1"))]).await;
    let compute = || EndpointFilter::new("compute");

    // The catalog already names 2.1: with discover_versions off nothing is fetched.
    let data = endpoint_data(&cloud.session, compute().version(v("2.1")), false).await;
    assert_eq!(data.url(), format!("{s}/v2.1"));
    assert_eq!(data.api_version, Some(v("2.1")));
    assert_eq!((data.min_microversion, data.max_microversion), (None, None));
    assert!(
        received(&nova).await.is_empty(),
        "no discovery when the catalog suffices"
    );

    // With discovery: the versioned URL's own document gives the range.
    for filter in [compute().version(v("2.1")), compute().min_version(v("2.1"))] {
        let data = endpoint_data(&cloud.session, filter.clone(), true).await;
        assert_eq!(
            data.service_url.as_deref(),
            Some(format!("{s}/v2.1/").as_str()),
            "{filter}"
        );
        assert_eq!(data.catalog_url, format!("{s}/v2.1"));
        assert_eq!(data.api_version, Some(v("2.1")));
        assert_eq!(data.min_microversion, Some(v("2.1")));
        assert_eq!(data.max_microversion, Some(v("2.96")));
        assert_eq!(data.status, Some(VersionStatus::Current));
        assert_eq!(data.service_type.as_deref(), Some("compute"));
        assert_eq!(data.interface, Some(Interface::Public));
        assert_eq!(data.region_name.as_deref(), Some("RegionOne"));
        assert_eq!(data.endpoint_id.as_deref(), Some("ep-0-pub"));
    }
    assert_eq!(
        paths(&received(&nova).await)[0],
        "/v2.1/",
        "the matching versioned URL first"
    );

    // Exactly 2.0: the unversioned root lists it, at /v2/.
    let data = endpoint_data(
        &cloud.session,
        compute().min_version(v("2.0")).max_version(v("2.0")),
        false,
    )
    .await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v2/").as_str()));
    assert_eq!(data.api_version, Some(v("2.0")));
    assert_eq!((data.min_microversion, data.max_microversion), (None, None));
    assert_eq!(data.status, Some(VersionStatus::Supported));

    // version=2.0 means 2.0 up to 2.latest, which 2.1 satisfies (as in
    // keystoneauth1): the catalog's v2.1 is kept.
    let data = endpoint_data(&cloud.session, compute().version(v("2.0")), true).await;
    assert_eq!(trimmed(data.url()), format!("{s}/v2.1"));
    assert_eq!(data.api_version, Some(v("2.1")));

    // A major version the service lacks is a discovery error naming the range.
    let err = cloud
        .session
        .endpoint_data(&compute().version(v("3")), None, false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Discovery { .. }), "{err}");
    assert!(
        err.to_string().contains("3.0") && err.to_string().contains("3.latest"),
        "{err}"
    );
}

#[tokio::test]
async fn nova_catalog_url_with_a_project_id() {
    let nova = MockServer::start().await;
    mount_nova(&nova).await;
    let s = nova.uri();
    let cloud = cloud(&[("compute", "nova", format!("{s}/v2.1/{PROJECT_ID}"))]).await;
    let compute = || EndpointFilter::new("compute");

    let data = endpoint_data(&cloud.session, compute().version(v("2.1")), false).await;
    assert_eq!(data.url(), format!("{s}/v2.1/{PROJECT_ID}"));
    assert!(received(&nova).await.is_empty());

    let data = endpoint_data(&cloud.session, compute().version(v("2.1")), true).await;
    assert_eq!(
        data.service_url.as_deref(),
        Some(format!("{s}/v2.1/{PROJECT_ID}").as_str())
    );
    assert_eq!(data.api_version, Some(v("2.1")));
    assert_eq!(
        (data.min_microversion, data.max_microversion),
        (Some(v("2.1")), Some(v("2.96")))
    );
    // The project id was stripped before discovery, not sent to it.
    assert!(paths(&received(&nova).await).iter().all(|p| !p.contains(PROJECT_ID)));

    let data = endpoint_data(
        &cloud.session,
        compute().min_version(v("2.0")).max_version(v("2.0")),
        false,
    )
    .await;
    assert_eq!(
        data.service_url.as_deref(),
        Some(format!("{s}/v2/{PROJECT_ID}").as_str())
    );
    assert_eq!(data.api_version, Some(v("2.0")));

    // A request with a version lands on the re-assembled URL.
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT_ID}/servers")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&nova)
        .await;
    let r = cloud
        .session
        .get("/servers")
        .endpoint_filter(compute().min_version(v("2.0")).max_version(v("2.0")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/v2/{PROJECT_ID}/servers"));
}

#[tokio::test]
async fn nova_api_major_version_and_all_version_data() {
    let nova = MockServer::start().await;
    mount_nova(&nova).await;
    let s = nova.uri();
    let cloud = cloud(&[("compute", "nova", format!("{s}/v2.1"))]).await;
    let compute = EndpointFilter::new("compute");

    // The URL names the version: no request.
    let major = cloud.session.api_major_version(&compute, None).await.unwrap();
    assert_eq!(major, Some(v("2.0")));
    assert!(received(&nova).await.is_empty());

    let all = cloud.session.all_version_data(&compute, None).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].catalog_url, format!("{s}/v2.1"));
    let versions: Vec<(ApiVersion, String)> = all[0].versions.iter().map(|d| (d.version, d.url.clone())).collect();
    assert_eq!(
        versions,
        [(v("2.1"), format!("{s}/v2.1/")), (v("2.0"), format!("{s}/v2/"))]
    );
    assert_eq!(all[0].versions[0].max_microversion, Some(v("2.96")));
}

// ---------------------------------------------------------------------------
// Cinder, Glance, Ironic, Placement, Neutron
// ---------------------------------------------------------------------------

#[tokio::test]
async fn cinder_keeps_the_project_id() {
    let cinder = MockServer::start().await;
    // Only the root serves a document: /v3/ is a 404 and discovery moves on.
    serve(&cinder, "/", 200, cinder_root(&cinder.uri())).await;
    let s = cinder.uri();
    let catalog_url = format!("{s}/v3/{PROJECT_ID}");
    let cloud = cloud(&[("block-storage", "cinder", catalog_url.clone())]).await;

    let data = endpoint_data(
        &cloud.session,
        EndpointFilter::new("block-storage").version(v("3")),
        true,
    )
    .await;
    assert_eq!(data.service_url.as_deref(), Some(catalog_url.as_str()));
    assert_eq!(data.api_version, Some(v("3.0")));
    assert_eq!(
        (data.min_microversion, data.max_microversion),
        (Some(v("3.0")), Some(v("3.71")))
    );
    assert_eq!(data.status, Some(VersionStatus::Current));

    // The legacy type implies version 3: the catalog's /v3 answers it.
    let data = endpoint_data(&cloud.session, EndpointFilter::new("volumev3"), false).await;
    assert_eq!(data.url(), catalog_url);
    assert_eq!(data.api_version, Some(v("3.0")));
}

#[tokio::test]
async fn volumev3_with_version_2_is_a_conflict() {
    let cinder = MockServer::start().await;
    let cloud = cloud(&[("volumev3", "cinderv3", format!("{}/v3/{PROJECT_ID}", cinder.uri()))]).await;
    let err = cloud
        .session
        .endpoint_data(&EndpointFilter::new("volumev3").version(v("2")), None, false)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("volumev3") && msg.contains("implies version 3") && msg.contains("2.0"),
        "{msg}"
    );
    let err = Adapter::builder(cloud.session.clone())
        .service_type("volumev3")
        .version("2")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("volumev3"), "{err}");
    assert!(received(&cinder).await.is_empty());
}

#[tokio::test]
async fn glance_picks_the_highest_2x_from_an_unversioned_url() {
    let glance = MockServer::start().await;
    let s = glance.uri();
    // Glance answers its root with 300 Multiple Choices.
    serve(&glance, "/", 300, glance_root(&s)).await;
    Mock::given(method("GET"))
        .and(path("/v2/images"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"images": []})))
        .mount(&glance)
        .await;
    let cloud = cloud(&[("image", "glance", s.clone())]).await;
    let image = || EndpointFilter::new("image");

    let data = endpoint_data(&cloud.session, image().version(v("2")), false).await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v2/").as_str()));
    assert_eq!(data.api_version, Some(v("2.17")));
    assert_eq!(data.status, Some(VersionStatus::Current));
    assert_eq!((data.min_microversion, data.max_microversion), (None, None));

    // v1 is deprecated: allowed by default, refused when deprecated versions are.
    let data = endpoint_data(&cloud.session, image().version(v("1")), false).await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v1/").as_str()));
    assert_eq!(data.api_version, Some(v("1.1")));
    assert_eq!(data.status, Some(VersionStatus::Deprecated));
    let err = cloud
        .session
        .endpoint_data(&image().version(v("1")).allow_deprecated(false), None, false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Discovery { .. }), "{err}");

    // Without a version but with discovery: what the catalog URL serves.
    let data = endpoint_data(&cloud.session, image(), true).await;
    assert_eq!(data.api_version, Some(v("2.17")));
    assert_eq!(
        cloud.session.api_major_version(&image(), None).await.unwrap(),
        Some(v("2.0"))
    );

    // One document fetch served everything above.
    let got = received(&glance).await;
    assert_eq!(got.len(), 1, "{:?}", paths(&got));

    // An adapter asking for version 2 sends its requests to /v2.
    let adapter = Adapter::builder(cloud.session.clone())
        .service_type("image")
        .version("2")
        .build()
        .unwrap();
    let r = adapter.get("/images").send().await.unwrap();
    assert_eq!(r.url().as_str(), format!("{s}/v2/images"));
}

#[tokio::test]
async fn ironic_microversion_range_from_headers() {
    let ironic = MockServer::start().await;
    mount_ironic(&ironic).await;
    let s = ironic.uri();
    let cloud = cloud(&[("baremetal", "ironic", format!("{s}/v1"))]).await;

    let data = endpoint_data(&cloud.session, EndpointFilter::new("baremetal").version(v("1")), true).await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v1/").as_str()));
    assert_eq!(data.api_version, Some(v("1.0")));
    assert_eq!(
        (data.min_microversion, data.max_microversion),
        (Some(v("1.1")), Some(v("1.87")))
    );
    assert_eq!(data.status, Some(VersionStatus::Current));
}

#[tokio::test]
async fn placement_single_version_at_the_root() {
    let placement = MockServer::start().await;
    serve(&placement, "/placement", 200, placement_root()).await;
    let s = placement.uri();
    let cloud = cloud(&[("placement", "placement", format!("{s}/placement"))]).await;

    for filter in [
        EndpointFilter::new("placement").version(v("1")),
        EndpointFilter::new("placement").min_version(v("1.0")),
    ] {
        let data = endpoint_data(&cloud.session, filter, false).await;
        assert_eq!(data.service_url.as_deref(), Some(format!("{s}/placement/").as_str()));
        assert_eq!(data.api_version, Some(v("1.0")));
        assert_eq!(
            (data.min_microversion, data.max_microversion),
            (Some(v("1.0")), Some(v("1.39")))
        );
    }
    let data = endpoint_data(&cloud.session, EndpointFilter::new("placement"), true).await;
    assert_eq!(data.max_microversion, Some(v("1.39")));
}

#[tokio::test]
async fn neutron_only_has_v2() {
    let neutron = MockServer::start().await;
    let s = neutron.uri();
    serve(&neutron, "/", 200, neutron_root(&s)).await;
    let cloud = cloud(&[("network", "neutron", s.clone())]).await;

    let data = endpoint_data(&cloud.session, EndpointFilter::new("network").version(v("2")), false).await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v2.0/").as_str()));
    assert_eq!(data.api_version, Some(v("2.0")));
    assert_eq!((data.min_microversion, data.max_microversion), (None, None));

    let err = cloud
        .session
        .endpoint_data(&EndpointFilter::new("network").version(v("3")), None, false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Discovery { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("3.0") && msg.contains("3.latest"), "{msg}");
}

// ---------------------------------------------------------------------------
// Swift, an experimental-only service, a service that wants a token
// ---------------------------------------------------------------------------

#[tokio::test]
async fn swift_list_is_a_discovery_error_and_the_catalog_url_is_used() {
    let swift = MockServer::start().await;
    let s = swift.uri();
    let account = format!("/v1/AUTH_{PROJECT_ID}");
    serve(&swift, "/", 200, swift_listing()).await;
    serve(&swift, &account, 200, swift_listing()).await;
    Mock::given(method("GET"))
        .and(path(format!("{account}/photos")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&swift)
        .await;
    let catalog_url = format!("{s}{account}");
    let cloud = cloud(&[("object-store", "swift", catalog_url.clone())]).await;

    let cache = DiscoveryCache::new();
    let ctx = DiscoveryContext {
        transport: cloud.session.transport(),
        cache: &cache,
        credentials: None,
    };
    let err = fetch_discovery(ctx, &format!("{s}/")).await.unwrap_err();
    assert!(matches!(err, Error::Discovery { .. }), "{err}");
    assert!(err.to_string().contains("list"), "{err}");
    // A failure is not cached: asking again asks the service again.
    fetch_discovery(ctx, &format!("{s}/")).await.unwrap_err();
    assert_eq!(paths(&received(&swift).await), ["/", "/"]);

    // With the version hack (the default) the catalog URL is used as is.
    let data = endpoint_data(
        &cloud.session,
        EndpointFilter::new("object-store").version(v("1")),
        true,
    )
    .await;
    assert_eq!(data.url(), catalog_url);
    assert_eq!((data.min_microversion, data.max_microversion), (None, None));

    // And the request still goes out, to the catalog URL.
    let r = cloud
        .session
        .get("/photos")
        .endpoint_filter(EndpointFilter::new("object-store").version(v("1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), format!("{catalog_url}/photos"));
    let sent = received(&swift).await;
    let photo = sent.iter().find(|r| r.url.path().ends_with("/photos")).unwrap();
    assert_eq!(photo.headers.get("x-auth-token").unwrap(), TOKEN);
}

/// keystoneauth1 recognises a catalog URL ending in the project id even with
/// a prefix (`url_parts[-1].endswith(project_id)`): Swift's `AUTH_<id>`.
/// The catalog's `/v1` then answers a request for version 1 without any
/// request, and still does with the version hack off.
#[tokio::test]
async fn swift_account_suffix_is_recognised_as_the_project_id() {
    let swift = MockServer::start().await;
    let s = swift.uri();
    let account = format!("/v1/AUTH_{PROJECT_ID}");
    serve(&swift, "/", 200, swift_listing()).await;
    serve(&swift, &account, 200, swift_listing()).await;
    let catalog_url = format!("{s}{account}");
    let cloud = cloud(&[("object-store", "swift", catalog_url.clone())]).await;
    let object = || EndpointFilter::new("object-store").version(v("1"));

    let data = endpoint_data(&cloud.session, object(), false).await;
    assert_eq!(data.url(), catalog_url);
    let got = received(&swift).await;
    assert!(got.is_empty(), "the catalog's /v1 answers version 1: {:?}", paths(&got));

    let data = cloud
        .session
        .endpoint_data(&object().allow_version_hack(false), None, true)
        .await
        .expect("the catalog URL matches version 1 once AUTH_<project> is set aside");
    assert_eq!(data.url(), catalog_url);
}

#[tokio::test]
async fn experimental_only_service_needs_allow_experimental() {
    let svc = MockServer::start().await;
    let s = svc.uri();
    serve(&svc, "/", 200, experimental_root(&s)).await;
    let cloud = cloud(&[("reservation", "blazar", s.clone())]).await;

    let err = cloud
        .session
        .endpoint_data(&EndpointFilter::new("reservation").version(v("1")), None, false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Discovery { .. }), "{err}");
    assert!(err.to_string().contains("1.0"), "{err}");

    let filter = EndpointFilter::new("reservation")
        .version(v("1"))
        .allow_experimental(true);
    let data = endpoint_data(&cloud.session, filter, false).await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v1/").as_str()));
    assert_eq!(data.status, Some(VersionStatus::Experimental));
    assert_eq!(
        (data.min_microversion, data.max_microversion),
        (Some(v("1.0")), Some(v("1.3")))
    );
}

#[tokio::test]
async fn discovery_retries_a_401_with_the_token() {
    let heat = MockServer::start().await;
    let s = heat.uri();
    Mock::given(method("GET"))
        .and(path("/"))
        .and(header("x-auth-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(heat_root(&s)))
        .with_priority(1)
        .mount(&heat)
        .await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "WWW-Authenticate",
                    "Keystone uri=\"http://keystone.example.com/identity\"",
                )
                .set_body_json(json!({"error": {"code": 401, "title": "Unauthorized",
                    "message": "The request you have made requires authentication."}})),
        )
        .mount(&heat)
        .await;
    let cloud = cloud(&[("orchestration", "heat", s.clone())]).await;

    let data = endpoint_data(
        &cloud.session,
        EndpointFilter::new("orchestration").version(v("1")),
        false,
    )
    .await;
    assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v1/").as_str()));
    assert_eq!(data.api_version, Some(v("1.0")));

    let got = received(&heat).await;
    assert_eq!(paths(&got), ["/", "/"]);
    assert!(got[0].headers.get("x-auth-token").is_none(), "first without a token");
    assert_eq!(got[1].headers.get("x-auth-token").unwrap(), TOKEN, "then with it");
}

// ---------------------------------------------------------------------------
// No request when none is needed; one request per document
// ---------------------------------------------------------------------------

#[tokio::test]
async fn no_version_and_no_discovery_means_no_request() {
    let svc = MockServer::start().await;
    let s = svc.uri();
    mount_nova(&svc).await;
    Mock::given(method("GET"))
        .and(path("/v2.1/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&svc)
        .await;
    let cloud = cloud(&[
        ("compute", "nova", format!("{s}/v2.1")),
        ("image", "glance", s.clone()),
        ("network", "neutron", format!("{s}/")),
        ("block-storage", "cinder", format!("{s}/v3/{PROJECT_ID}")),
    ])
    .await;
    for ty in ["compute", "image", "network", "block-storage"] {
        let data = endpoint_data(&cloud.session, EndpointFilter::new(ty), false).await;
        assert_eq!(data.service_url, None, "{ty}");
        assert_eq!(data.url(), data.catalog_url, "{ty}");
        assert_eq!((data.min_microversion, data.max_microversion), (None, None));
        cloud.session.endpoint(&EndpointFilter::new(ty), None).await.unwrap();
    }
    assert!(received(&svc).await.is_empty());

    // A plain request reaches the service once: no discovery before it.
    cloud
        .session
        .get("/servers")
        .endpoint_filter(EndpointFilter::new("compute"))
        .send()
        .await
        .unwrap();
    assert_eq!(paths(&received(&svc).await), ["/v2.1/servers"]);
    assert!(cloud.session.discovery_cache().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_discoveries_make_one_request() {
    let nova = MockServer::start().await;
    let s = nova.uri();
    let slow = |body: Value| {
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(Duration::from_millis(200))
    };
    serve_with(&nova, "/", slow(nova_root(&s))).await;
    serve_with(&nova, "/v2.1", slow(nova_v21(&s))).await;
    let cloud = cloud(&[("compute", "nova", format!("{s}/v2.1"))]).await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let session = cloud.session.clone();
        tasks.spawn(async move {
            session
                .endpoint_data(&EndpointFilter::new("compute").version(v("2.1")), None, true)
                .await
                .unwrap()
        });
    }
    while let Some(data) = tasks.join_next().await {
        let data = data.unwrap();
        assert_eq!(data.service_url.as_deref(), Some(format!("{s}/v2.1/").as_str()));
        assert_eq!(data.max_microversion, Some(v("2.96")));
    }
    let got = received(&nova).await;
    assert_eq!(paths(&got), ["/v2.1/"], "one GET of the version document");
    let tokens = received(&cloud.keystone).await;
    assert_eq!(tokens.len(), 1, "and one token");
    assert_eq!(cloud.session.discovery_cache().len(), 1);
}

#[tokio::test]
async fn cache_keys_ignore_the_trailing_slash() {
    let neutron = MockServer::start().await;
    let s = neutron.uri();
    serve(&neutron, "/", 200, neutron_root(&s)).await;
    let session = Session::new().unwrap();
    let cache = DiscoveryCache::new();
    let ctx = DiscoveryContext {
        transport: session.transport(),
        cache: &cache,
        credentials: None,
    };
    let with = format!("{s}/");
    let (a, b) = tokio::join!(fetch_discovery(ctx, &s), fetch_discovery(ctx, &with));
    let (a, b) = (a.unwrap(), b.unwrap());
    let c = fetch_discovery(ctx, &with).await.unwrap();
    assert_eq!(a.all_versions(), b.all_versions());
    assert_eq!(a.all_versions(), c.all_versions());
    assert_eq!(a.all_versions()[0].url, format!("{s}/v2.0/"));
    assert_eq!(received(&neutron).await.len(), 1);
    assert_eq!(cache.len(), 1);

    // Sessions built with one cache share it.
    let other = Session::builder().discovery_cache(cache.clone()).build().unwrap();
    let ctx = DiscoveryContext {
        transport: other.transport(),
        cache: other.discovery_cache(),
        credentials: None,
    };
    fetch_discovery(ctx, &s).await.unwrap();
    assert_eq!(received(&neutron).await.len(), 1);
}

// ---------------------------------------------------------------------------
// Microversion headers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn microversion_headers_per_service_type() {
    let api = MockServer::start().await;
    let s = api.uri();
    let cloud = cloud(&[
        ("compute", "nova", format!("{s}/compute/v2.1")),
        ("baremetal", "ironic", format!("{s}/baremetal")),
        ("sharev2", "manilav2", format!("{s}/share/v2/{PROJECT_ID}")),
        ("shared-file-system", "manila", format!("{s}/share/v2/{PROJECT_ID}")),
        ("volumev3", "cinderv3", format!("{s}/volume/v3/{PROJECT_ID}")),
        ("block-storage", "cinder", format!("{s}/volume/v3/{PROJECT_ID}")),
        ("placement", "placement", format!("{s}/placement")),
    ])
    .await;
    let cases = [
        (
            "compute",
            "2.60",
            mv(&[
                ("openstack-api-version", "compute 2.60"),
                ("x-openstack-nova-api-version", "2.60"),
            ]),
        ),
        (
            "baremetal",
            "1.87",
            mv(&[
                ("openstack-api-version", "baremetal 1.87"),
                ("x-openstack-ironic-api-version", "1.87"),
            ]),
        ),
        (
            "sharev2",
            "2.65",
            mv(&[
                ("openstack-api-version", "shared-file-system 2.65"),
                ("x-openstack-manila-api-version", "2.65"),
            ]),
        ),
        (
            "shared-file-system",
            "2.65",
            mv(&[
                ("openstack-api-version", "shared-file-system 2.65"),
                ("x-openstack-manila-api-version", "2.65"),
            ]),
        ),
        ("volumev3", "3.59", mv(&[("openstack-api-version", "volume 3.59")])),
        ("block-storage", "3.59", mv(&[("openstack-api-version", "volume 3.59")])),
        ("placement", "1.39", mv(&[("openstack-api-version", "placement 1.39")])),
    ];
    for (ty, version, expected) in cases {
        api.reset().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .mount(&api)
            .await;
        cloud
            .session
            .get("/things")
            .endpoint_filter(EndpointFilter::new(ty))
            .microversion(version)
            .send()
            .await
            .unwrap();
        let got = received(&api).await;
        assert_eq!(got.len(), 1, "{ty}: {:?}", paths(&got));
        assert!(got[0].url.path().ends_with("/things"), "{ty}");
        assert_eq!(microversion_headers(&got[0]), expected, "{ty}");
    }
}

#[tokio::test]
async fn latest_resolves_through_discovery_and_n_latest_is_refused() {
    let nova = MockServer::start().await;
    mount_nova(&nova).await;
    Mock::given(method("GET"))
        .and(path("/v2.1/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&nova)
        .await;
    let ironic = MockServer::start().await;
    mount_ironic(&ironic).await;
    Mock::given(method("GET"))
        .and(path("/v1/nodes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"nodes": []})))
        .mount(&ironic)
        .await;
    let glance = MockServer::start().await;
    serve(&glance, "/", 300, glance_root(&glance.uri())).await;
    let cloud = cloud(&[
        ("compute", "nova", format!("{}/v2.1", nova.uri())),
        ("baremetal", "ironic", format!("{}/v1", ironic.uri())),
        ("image", "glance", glance.uri()),
    ])
    .await;

    let send = |ty: &'static str, path: &'static str, version: &'static str| {
        let session = cloud.session.clone();
        async move {
            session
                .get(path)
                .endpoint_filter(EndpointFilter::new(ty))
                .microversion(version)
                .send()
                .await
        }
    };

    send("compute", "/servers", "latest").await.unwrap();
    let got = received(&nova).await;
    let last = got.last().unwrap();
    assert_eq!(last.url.path(), "/v2.1/servers");
    assert_eq!(
        microversion_headers(last),
        mv(&[
            ("openstack-api-version", "compute 2.96"),
            ("x-openstack-nova-api-version", "2.96")
        ])
    );

    send("baremetal", "/nodes", "latest").await.unwrap();
    let got = received(&ironic).await;
    let last = got.last().unwrap();
    assert_eq!(last.url.path(), "/v1/nodes");
    assert_eq!(
        microversion_headers(last),
        mv(&[
            ("openstack-api-version", "baremetal 1.87"),
            ("x-openstack-ironic-api-version", "1.87")
        ])
    );

    // A service without microversions cannot resolve latest.
    let err = send("image", "/v2/images", "latest").await.unwrap_err();
    assert!(err.to_string().contains("microversion"), "{err}");
    assert!(received(&glance).await.iter().all(|r| r.url.path() == "/"));

    // N.latest is never sent.
    let before = received(&nova).await.len();
    let err = send("compute", "/servers", "2.latest").await.unwrap_err();
    assert!(err.to_string().contains("2.latest"), "{err}");
    assert_eq!(received(&nova).await.len(), before, "nothing was sent");

    // Not a version at all.
    let err = send("compute", "/servers", "two").await.unwrap_err();
    assert!(err.to_string().contains("microversion"), "{err}");
}

#[tokio::test]
async fn adapter_default_microversion_and_override() {
    let nova = MockServer::start().await;
    mount_nova(&nova).await;
    Mock::given(method("GET"))
        .and(path("/v2.1/servers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"servers": []})))
        .mount(&nova)
        .await;
    let cloud = cloud(&[("compute", "nova", format!("{}/v2.1", nova.uri()))]).await;
    let last_headers = || {
        let nova = &nova;
        async move {
            let got = received(nova).await;
            let last = got.last().unwrap();
            assert_eq!(last.url.path(), "/v2.1/servers");
            microversion_headers(last)
        }
    };
    let compute = |version: &str| {
        let value = format!("compute {version}");
        mv(&[
            ("openstack-api-version", value.as_str()),
            ("x-openstack-nova-api-version", version),
        ])
    };

    let adapter = Adapter::builder(cloud.session.clone())
        .service_type("compute")
        .default_microversion("2.53")
        .build()
        .unwrap();
    for _ in 0..2 {
        adapter.get("/servers").send().await.unwrap();
        assert_eq!(last_headers().await, compute("2.53"));
    }
    adapter.get("/servers").microversion("2.79").send().await.unwrap();
    assert_eq!(last_headers().await, compute("2.79"));
    adapter.get("/servers").send().await.unwrap();
    assert_eq!(
        last_headers().await,
        compute("2.53"),
        "the override was for one request"
    );

    let latest = Adapter::builder(cloud.session.clone())
        .service_type("compute")
        .default_microversion("latest")
        .build()
        .unwrap();
    latest.get("/servers").send().await.unwrap();
    assert_eq!(last_headers().await, compute("2.96"));

    assert!(Adapter::builder(cloud.session.clone())
        .service_type("compute")
        .default_microversion("not-a-version")
        .build()
        .is_err());
}

#[tokio::test]
async fn negotiate_against_discovered_ranges() {
    let nova = MockServer::start().await;
    mount_nova(&nova).await;
    let ironic = MockServer::start().await;
    mount_ironic(&ironic).await;
    let glance = MockServer::start().await;
    serve(&glance, "/", 300, glance_root(&glance.uri())).await;
    let cloud = cloud(&[
        ("compute", "nova", format!("{}/v2.1", nova.uri())),
        ("baremetal", "ironic", format!("{}/v1", ironic.uri())),
        ("image", "glance", glance.uri()),
    ])
    .await;

    let nova = endpoint_data(&cloud.session, EndpointFilter::new("compute").version(v("2.1")), true).await;
    let (lo, hi) = (nova.min_microversion, nova.max_microversion);
    assert_eq!(negotiate_microversion(v("2.1"), v("2.79"), lo, hi).unwrap(), v("2.79"));
    assert_eq!(
        negotiate_microversion(v("2.1"), v("latest"), lo, hi).unwrap(),
        v("2.96")
    );
    assert_eq!(
        negotiate_microversion(v("2.1"), v("2.latest"), lo, hi).unwrap(),
        v("2.96")
    );
    let err = negotiate_microversion(v("2.97"), v("2.99"), lo, hi).unwrap_err();
    assert!(err.to_string().contains("2.96"), "{err}");

    let ironic = endpoint_data(&cloud.session, EndpointFilter::new("baremetal").version(v("1")), true).await;
    assert_eq!(
        negotiate_microversion(v("1.31"), v("1.90"), ironic.min_microversion, ironic.max_microversion).unwrap(),
        v("1.87")
    );

    let glance = endpoint_data(&cloud.session, EndpointFilter::new("image").version(v("2")), true).await;
    assert!(negotiate_microversion(v("2.0"), v("2.5"), glance.min_microversion, glance.max_microversion).is_err());
}
