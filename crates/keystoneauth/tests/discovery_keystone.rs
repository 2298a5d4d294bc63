#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Version discovery against the real Keystone started by
//! `scripts/keystone`: its root (a 300 with a versions list), its `/v3`
//! document, and the identity endpoint data of each interface.

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::sync::Arc;

use keystoneauth::discovery::{fetch_discovery, Discovered, DiscoveryContext};
use keystoneauth::{ApiVersion, DiscoveryCache, EndpointFilter, Interface, Session, VersionStatus};

fn session(ks: &common::Keystone) -> Session {
    Session::builder()
        .auth(Arc::new(ks.admin_project_plugin(&ks.auth_url)))
        .build()
        .unwrap()
}

/// `http://127.0.0.1:5000/` for `http://127.0.0.1:5000/v3`.
fn root_of(auth_url: &str) -> String {
    format!("{}/", auth_url.trim_end_matches('/').trim_end_matches("/v3"))
}

/// The v3 URL on `host` at the harness's main port (5000, or moved by
/// `KSA_KEYSTONE_PORT_OFFSET`).
fn v3_url(host: &str) -> String {
    let auth_url = std::env::var("KSA_TEST_AUTH_URL").unwrap_or_default();
    let port = url::Url::parse(&auth_url).ok().and_then(|u| u.port()).unwrap_or(5000);
    format!("http://{host}:{port}/v3/")
}

#[tokio::test]
async fn root_and_v3_documents() {
    let ks = require_keystone!();
    let root = root_of(&ks.auth_url);
    let session = Session::new().unwrap();

    // The root answers 300 Multiple Choices with {"versions": {"values": [...]}}.
    let r = session
        .get(&root)
        .authenticated(false)
        .raise_error(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 300);
    let d = Discovered::parse(&root, r.bytes(), r.headers()).unwrap();
    let versions = d.all_versions();
    assert!(!versions.is_empty());
    let v3 = &versions[0];
    assert_eq!(v3.version.major_number(), Some(3));
    assert!(v3.version >= ApiVersion::new(3, 0));
    assert_eq!(v3.status, VersionStatus::Current);
    assert_eq!(v3.raw_status, "stable");
    assert_eq!(v3.url, v3_url("127.0.0.1"));
    assert!(
        v3.media_types
            .iter()
            .any(|m| m == "application/vnd.openstack.identity-v3+json"),
        "{:?}",
        v3.media_types
    );
    assert_eq!((v3.min_microversion, v3.max_microversion), (None, None));

    // Through fetch_discovery: the root and /v3 ({"version": {...}}), cached.
    let cache = DiscoveryCache::new();
    let ctx = DiscoveryContext {
        transport: session.transport(),
        cache: &cache,
        credentials: None,
    };
    let from_root = fetch_discovery(ctx, &root).await.unwrap();
    assert_eq!(from_root.all_versions(), versions);
    let from_v3 = fetch_discovery(ctx, &ks.auth_url).await.unwrap();
    assert_eq!(from_v3.all_versions().len(), 1);
    assert_eq!(from_v3.all_versions()[0].url, v3_url("127.0.0.1"));
    assert_eq!(from_v3.all_versions()[0].version, v3.version);
    assert_eq!(cache.len(), 2);
    // `/v3` and `/v3/` are one entry.
    let again = fetch_discovery(ctx, &format!("{}/", ks.auth_url)).await.unwrap();
    assert!(Arc::ptr_eq(&again, &from_v3));
    assert_eq!(cache.len(), 2);
}

#[tokio::test]
async fn identity_endpoint_data_for_version_3() {
    let ks = require_keystone!();
    let session = session(&ks);
    let filter = EndpointFilter::new("identity").version(ApiVersion::new(3, 0));

    let data = session.endpoint_data(&filter, None, true).await.unwrap();
    assert_eq!(data.catalog_url, v3_url("127.0.0.1").trim_end_matches('/'));
    assert_eq!(data.service_url.as_deref(), Some(v3_url("127.0.0.1").as_str()));
    let api = data.api_version.unwrap();
    assert_eq!(api.major_number(), Some(3));
    assert_eq!(data.status, Some(VersionStatus::Current));
    assert_eq!((data.min_microversion, data.max_microversion), (None, None));
    assert_eq!(data.service_type.as_deref(), Some("identity"));
    assert_eq!(data.service_name.as_deref(), Some("keystone"));
    assert!(data.service_id.is_some() && data.endpoint_id.is_some());
    assert_eq!(data.interface, Some(Interface::Public));
    assert_eq!(data.region_name.as_deref(), Some("RegionOne"));

    // Without discover_versions the catalog's /v3 already answers.
    let data = session.endpoint_data(&filter, None, false).await.unwrap();
    assert_eq!(
        data.url().trim_end_matches('/'),
        v3_url("127.0.0.1").trim_end_matches('/')
    );
    assert_eq!(data.api_version, Some(ApiVersion::new(3, 0)));

    assert_eq!(
        session
            .api_major_version(&EndpointFilter::new("identity"), None)
            .await
            .unwrap(),
        Some(ApiVersion::new(3, 0))
    );

    // A request with a version constraint resolves its URL through discovery.
    let r = session
        .get(format!("/users/{}", ks.admin_user_id))
        .endpoint_filter(filter)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.url().as_str(),
        format!("{}users/{}", v3_url("127.0.0.1"), ks.admin_user_id)
    );

    // Keystone has no version 2 any more.
    let err = session
        .endpoint_data(
            &EndpointFilter::new("identity").version(ApiVersion::new(2, 0)),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("2.0"), "{err}");
}

#[tokio::test]
async fn identity_endpoint_data_per_interface() {
    let ks = require_keystone!();
    let session = session(&ks);
    for (interface, host) in [
        (Interface::Public, "127.0.0.1"),
        (Interface::Internal, "127.0.0.2"),
        (Interface::Admin, "127.0.0.3"),
    ] {
        let filter = EndpointFilter::new("identity").interface(interface);
        let data = session.endpoint_data(&filter, None, true).await.unwrap();
        assert_eq!(data.catalog_url, v3_url(host).trim_end_matches('/'), "{interface}");
        assert_eq!(data.service_url.as_deref(), Some(v3_url(host).as_str()), "{interface}");
        assert_eq!(data.interface, Some(interface));
        assert_eq!(data.api_version.unwrap().major_number(), Some(3), "{interface}");
        assert_eq!(data.status, Some(VersionStatus::Current), "{interface}");

        let data = session
            .endpoint_data(&filter.clone().version(ApiVersion::new(3, 0)), None, true)
            .await
            .unwrap();
        assert_eq!(data.service_url.as_deref(), Some(v3_url(host).as_str()), "{interface}");
    }
    // One document per interface's /v3 (with and without the slash alike).
    assert_eq!(session.discovery_cache().len(), 3);
}

#[tokio::test]
async fn identity_all_version_data() {
    let ks = require_keystone!();
    let session = session(&ks);
    let all = session
        .all_version_data(&EndpointFilter::new("identity"), None)
        .await
        .unwrap();
    let public = all
        .iter()
        .find(|s| s.catalog_url == v3_url("127.0.0.1").trim_end_matches('/'))
        .unwrap_or_else(|| panic!("{all:?}"));
    assert_eq!(public.service_type, "identity");
    assert_eq!(public.interface, Some(Interface::Public));
    assert_eq!(public.region_name.as_deref(), Some("RegionOne"));
    assert_eq!(public.versions.len(), 1, "{:?}", public.versions);
    let v3 = &public.versions[0];
    assert_eq!(v3.version.major_number(), Some(3));
    assert_eq!(v3.url, v3_url("127.0.0.1"));
    assert_eq!(v3.status, VersionStatus::Current);

    let internal = session
        .all_version_data(&EndpointFilter::new("identity").interface(Interface::Internal), None)
        .await
        .unwrap();
    assert!(internal.iter().all(|s| s.interface == Some(Interface::Internal)));
    assert!(internal
        .iter()
        .any(|s| s.versions.iter().any(|v| v.url == v3_url("127.0.0.2"))));
}
