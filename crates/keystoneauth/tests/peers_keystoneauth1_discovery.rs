#![allow(clippy::unwrap_used, clippy::expect_used)]
//! keystoneauth1's own discovery tests, ported: the assertions of
//! `keystoneauth1/tests/unit/test_discovery.py` (keystoneauth1 5.18.1,
//! Apache-2.0) on its version documents, copied to
//! `tests/data/peers/keystoneauth1/discovery.json`. Each test names the peer
//! test it comes from.
//!
//! keystoneauth1's `Discover(session, url)` fetches the document; here
//! [`Discovered::parse`] is given the document and the URL it came from,
//! which is all the peer's assertions depend on. `version_data()` lists
//! oldest first, [`Discovered::versions`] newest first. `data_for(v)` is a
//! range from `v` to `v`'s major `.latest`, as keystoneauth1 defines it.
//! The few endpoint-data tests that fetch run against a loopback mock.

mod common;

use common::peers::{body, keystoneauth1};
use http::HeaderMap;
use keystoneauth::discovery::{version_from_url, Discovered, DiscoveryContext, DiscoveryOptions, VersionData};
use keystoneauth::{AllowedStatuses, ApiVersion, DiscoveryCache, EndpointData, Session, VersionRange, VersionStatus};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BASE_URL: &str = "http://keystone.example.com:5000/";
const V2_URL: &str = "http://keystone.example.com:5000/v2.0";
const V3_URL: &str = "http://keystone.example.com:5000/v3";

fn v(s: &str) -> ApiVersion {
    s.parse().unwrap()
}

fn doc(entry: &str) -> Value {
    keystoneauth1("discovery", entry)
}

fn disc(url: &str, document: &Value) -> Discovered {
    Discovered::parse(url, &body(document), &HeaderMap::new()).unwrap()
}

/// keystoneauth1's `version_data()`: allowed versions, oldest first.
fn version_data(d: &Discovered, allow: AllowedStatuses) -> Vec<VersionData> {
    let mut out: Vec<VersionData> = d.versions(allow).cloned().collect();
    out.reverse();
    out
}

/// keystoneauth1's `data_for(version)`.
fn data_for<'a>(d: &'a Discovered, version: &str) -> Option<&'a VersionData> {
    let range = VersionRange::normalize(Some(v(version)), None, None).unwrap();
    d.versioned_data_for(None, range, AllowedStatuses::default())
}

/// keystoneauth1's `versioned_data_for(min_version=..., max_version=...)`.
fn versioned<'a>(d: &'a Discovered, min: Option<&str>, max: Option<&str>) -> Option<&'a VersionData> {
    let range = VersionRange::normalize(None, min.map(v), max.map(v)).unwrap();
    d.versioned_data_for(None, range, AllowedStatuses::default())
}

fn discovered_url(d: &Discovered, version: &str) -> Option<String> {
    data_for(d, version).map(|x| x.url.clone())
}

/// One version's keystoneauth1 `version_data` dict, as a tuple.
type Clean = (
    ApiVersion,
    String,
    Option<String>,
    Option<ApiVersion>,
    Option<ApiVersion>,
    Option<ApiVersion>,
    Option<String>,
    VersionStatus,
    String,
);

fn clean(data: &VersionData) -> Clean {
    (
        data.version,
        data.url.clone(),
        data.collection.clone(),
        data.min_microversion,
        data.max_microversion,
        data.next_min_version,
        data.not_before.clone(),
        data.status,
        data.raw_status.clone(),
    )
}

// ---- DiscoverUtils ----------------------------------------------------------

/// DiscoverUtils.test_version_number (the string forms; issue 12 item 9)
#[test]
fn version_number() {
    for (input, want) in [
        ("v1.2", ApiVersion::new(1, 2)),
        ("v11", ApiVersion::new(11, 0)),
        ("1.2", ApiVersion::new(1, 2)),
        ("1.5.1", ApiVersion::new(1, 5).with_patch(1)),
        ("1", ApiVersion::new(1, 0)),
        ("3.20", ApiVersion::new(3, 20)),
        ("latest", ApiVersion::LATEST),
        ("10.latest", ApiVersion::major_latest(10)),
    ] {
        assert_eq!(v(input), want, "{input}");
    }
    for bad in ["hello", "1.a", "vacuum", ""] {
        assert!(bad.parse::<ApiVersion>().is_err(), "{bad:?}");
    }
}

/// DiscoverUtils.test_version_args (`_normalize_version_args`; an empty
/// string is no value)
#[test]
fn version_args() {
    let opt = |s: &str| (!s.is_empty()).then(|| v(s));
    let ok = |ver: &str, min: &str, max: &str, st: Option<&str>, out: (Option<&str>, Option<&str>)| {
        let r = keystoneauth::discovery::normalize_for_service(opt(ver), opt(min), opt(max), st)
            .unwrap_or_else(|e| panic!("{ver:?} {min:?} {max:?} {st:?}: {e}"));
        assert_eq!(
            (r.min, r.max),
            (out.0.map(v), out.1.map(v)),
            "{ver:?} {min:?} {max:?} {st:?}"
        );
    };
    ok("", "", "", None, (None, None));
    ok("", "", "v1.2", None, (None, Some("1.2")));
    ok("", "v1.2", "latest", None, (Some("1.2"), Some("latest")));
    ok("", "v1.2", "1.6", None, (Some("1.2"), Some("1.6")));
    ok("", "v1.2", "1.latest", None, (Some("1.2"), Some("1.latest")));
    ok("", "latest", "latest", None, (Some("latest"), Some("latest")));
    ok("", "latest", "", None, (Some("latest"), Some("latest")));
    ok("", "1.2", "", None, (Some("1.2"), Some("latest")));
    ok("", "1.2", "1.6", None, (Some("1.2"), Some("1.6")));
    ok("", "1.2", "1.latest", None, (Some("1.2"), Some("1.latest")));
    ok("v1.2", "", "", None, (Some("1.2"), Some("1.latest")));
    ok("1.latest", "", "", None, (Some("1.latest"), Some("1.latest")));
    ok("v1", "", "", None, (Some("1.0"), Some("1.latest")));
    ok("latest", "", "", None, (Some("latest"), Some("latest")));
    ok("", "", "latest", Some("volumev2"), (Some("2.0"), Some("2.latest")));
    ok("", "", "", Some("volumev2"), (Some("2.0"), Some("2.latest")));

    let raises = |ver: &str, min: &str, max: &str, st: Option<&str>| {
        assert!(
            keystoneauth::discovery::normalize_for_service(opt(ver), opt(min), opt(max), st).is_err(),
            "{ver:?} {min:?} {max:?} {st:?}"
        );
    };
    raises("v1", "v2", "", None);
    raises("v1", "", "v2", None);
    raises("", "latest", "v1", None);
    raises("", "v1.2", "v1.1", None);
    raises("", "v1.2", "1", None);
    raises("v2", "", "", Some("volumev3"));
    raises("v3", "", "", Some("volumev2"));
    raises("", "v2", "", Some("volumev3"));
    raises("", "", "v3", Some("volumev2"));
}

/// DiscoverUtils.test_version_to_string
#[test]
fn version_to_string() {
    assert_eq!(ApiVersion::LATEST.to_string(), "latest");
    assert_eq!(ApiVersion::new(1, 2).to_string(), "1.2");
    assert_eq!(ApiVersion::major_latest(1).to_string(), "1.latest");
    assert_eq!(ApiVersion::new(1, 5).with_patch(1).to_string(), "1.5.1");
}

/// DiscoverUtils.test_version_between
#[test]
fn version_between() {
    let opt = |s: &str| (!s.is_empty()).then(|| v(s));
    let check = |min: &str, max: &str, cand: &str| keystoneauth::version::version_between(opt(min), opt(max), v(cand));
    // fail on minimum
    for (min, max, cand) in [
        ("2.4", "", "1.55"),
        ("v2.4", "", "2.3"),
        ("latest", "", "2.3000"),
        ("2.latest", "", "v2.3000"),
        ("2.3000", "", "1.latest"),
        ("latest", "", "v1000.latest"),
        // fail on maximum
        ("", "2.4", "2.5"),
        ("", "v2.4", "2.5"),
        ("", "2.latest", "3.0"),
        ("", "2000.latest", "latest"),
    ] {
        assert!(!check(min, max, cand), "{min:?} {max:?} {cand:?}");
    }
    for (min, max, cand) in [
        ("1.0", "1.0", "1.0"),
        ("1.0", "2.9", "1.0"),
        ("v1.0", "v2.9", "v2.9"),
        ("1.0", "1.10", "1.2"),
        ("1", "2", "1.2"),
        ("", "2.5", "2.3"),
        ("2.5", "", "2.6"),
        ("", "", "v1"),
        ("", "", "999.999"),
        ("", "", "latest"),
        ("latest", "latest", "latest"),
        ("latest", "", "latest"),
        ("", "latest", "latest"),
        ("2.latest", "3.latest", "3.0"),
        ("2.latest", "", "55.66"),
        ("", "3.latest", "3.9999"),
    ] {
        assert!(check(min, max, cand), "{min:?} {max:?} {cand:?}");
    }
}

// ---- VersionDataTests -------------------------------------------------------

/// VersionDataTests.test_version_data_basics
#[test]
fn version_data_basics() {
    for (path, entry) in [
        ("keystone", "V3_VERSION_LIST"),
        ("cinder", "CINDER_EXAMPLES"),
        ("glance", "GLANCE_EXAMPLES"),
    ] {
        let d = disc(&format!("{BASE_URL}{path}"), &doc(entry));
        assert!(!d.all_versions().is_empty(), "{path}");
        for data in d.all_versions() {
            assert!(!data.url.is_empty() && !data.raw_status.is_empty(), "{path}");
        }
    }
}

/// VersionDataTests.test_version_data_override_version_url
#[test]
fn version_data_override_version_url() {
    let document = doc("test_version_data_override_version_url");
    // "if the request url is versioned already, just return it."
    // "if the request url is not versioned, just add version info to it."
    for fetched_from in [V3_URL, BASE_URL] {
        let d = disc(fetched_from, &document);
        let data = version_data(&d, AllowedStatuses::default());
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].version, ApiVersion::new(3, 0));
        assert_eq!(data[0].status, VersionStatus::Current);
        assert_eq!(data[0].raw_status, "stable");
        assert_eq!(data[0].url, V3_URL, "{fetched_from}");
    }
}

/// VersionDataTests.test_version_data_unknown
#[test]
fn version_data_unknown() {
    let mut document = doc("V3_VERSION_ENTRY");
    document["version"]["status"] = "hungry".into();
    let d = disc(V3_URL, &document);
    let data = version_data(&d, AllowedStatuses::ALL);
    assert_eq!(data[0].status, VersionStatus::Unknown);
}

/// VersionDataTests.test_version_data_individual
#[test]
fn version_data_individual() {
    let d = disc(V3_URL, &doc("V3_VERSION_ENTRY"));
    let data = version_data(&d, AllowedStatuses::default());
    assert_eq!(data.len(), 1);
    assert_eq!(data[0].version, ApiVersion::new(3, 0));
    assert_eq!(data[0].status, VersionStatus::Current);
    assert_eq!(data[0].raw_status, "stable");
    assert_eq!(data[0].url, V3_URL);
    assert_eq!(
        data[0].media_types,
        [
            "application/vnd.openstack.identity-v3+json",
            "application/vnd.openstack.identity-v3+xml"
        ]
    );
}

fn ironic_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("X-OpenStack-Ironic-API-Minimum-Version", "1.3".parse().unwrap());
    headers.insert("X-OpenStack-Ironic-API-Maximum-Version", "1.21".parse().unwrap());
    headers
}

const IRONIC_URL: &str = "https://bare-metal.example.com/v1/";

/// keystoneauth1's `version_data()` of an Ironic document served with
/// legacy microversion headers (1.3 to 1.21).
fn ironic_version_data(document: &Value) -> Vec<Clean> {
    let d = Discovered::parse(IRONIC_URL, &body(document), &ironic_headers()).unwrap();
    version_data(&d, AllowedStatuses::default()).iter().map(clean).collect()
}

/// Ironic's v1 with a microversion range, as keystoneauth1 reports it.
fn ironic_v1(min: &str, max: &str) -> Clean {
    (
        v("1.0"),
        IRONIC_URL.to_owned(),
        None,
        Some(v(min)),
        Some(v(max)),
        None,
        None,
        VersionStatus::Current,
        "CURRENT".to_owned(),
    )
}

/// VersionDataTests.test_version_data_ironic_microversions (the body wins
/// over the headers)
#[test]
fn version_data_ironic_microversions() {
    let ironic_url = IRONIC_URL;
    let document = json!({
        "id": "v1",
        "version": {
            "id": "v1",
            "links": [{"href": ironic_url, "rel": "self"}],
            "version": "1.40",
            "min_version": "1.10",
            "status": "CURRENT",
        },
        "links": [{"href": ironic_url, "rel": "self"}],
    });
    assert_eq!(ironic_version_data(&document), [ironic_v1("1.10", "1.40")]);
}

/// VersionDataTests.test_version_data_legacy_ironic_microversions
#[test]
fn version_data_legacy_ironic_microversions() {
    let ironic_url = IRONIC_URL;
    let document = json!({"id": "v1", "links": [{"href": ironic_url, "rel": "self"}]});
    assert_eq!(ironic_version_data(&document), [ironic_v1("1.3", "1.21")]);
}

/// VersionDataTests.test_version_data_microversions. keystoneauth1 raises
/// TypeError on a malformed field; this library skips that field and keeps
/// the rest of the document (a documented difference).
#[test]
fn version_data_microversions() {
    let run = |extra: Value| {
        let mut entry = json!({"status": "CURRENT", "id": "v2.2", "links": [{"href": V3_URL, "rel": "self"}]});
        for (k, val) in extra.as_object().unwrap() {
            entry[k] = val.clone();
        }
        let d = disc(V3_URL, &json!({"versions": [entry]}));
        let data = version_data(&d, AllowedStatuses::default());
        assert_eq!(data.len(), 1);
        let c = clean(&data[0]);
        assert_eq!((c.0, &c.1, &c.2), (v("2.2"), &V3_URL.to_owned(), &None));
        assert_eq!((c.7, c.8.as_str()), (VersionStatus::Current, "CURRENT"));
        (c.3, c.4, c.5, c.6)
    };
    // no version info in input
    assert_eq!(run(json!({})), (None, None, None, None));
    // version => max_microversion
    assert_eq!(run(json!({"version": "2.2"})), (None, Some(v("2.2")), None, None));
    // max_version supersedes version (even if malformed); min_version normalised
    assert_eq!(
        run(json!({"min_version": "2", "version": "foo", "max_version": "2.2"})),
        (Some(v("2.0")), Some(v("2.2")), None, None)
    );
    // min/max_version ignored if present but empty; version used for max
    assert_eq!(
        run(json!({"min_version": "", "version": "2.1", "max_version": ""})),
        (None, Some(v("2.1")), None, None)
    );
    // next_min_version set
    assert_eq!(
        run(json!({"min_version": "2", "max_version": "2.2", "next_min_version": "2.1", "not_before": "2019-07-01"})),
        (
            Some(v("2.0")),
            Some(v("2.2")),
            Some(v("2.1")),
            Some("2019-07-01".to_owned())
        )
    );
    // Malformed fields: skipped here (keystoneauth1: TypeError).
    assert_eq!(
        run(json!({"min_version": "foo", "max_version": "2.1"})),
        (None, Some(v("2.1")), None, None)
    );
    assert_eq!(
        run(json!({"min_version": "2.1", "max_version": "foo"})),
        (Some(v("2.1")), None, None, None)
    );
    assert_eq!(
        run(json!({"min_version": "2.1", "version": "foo"})),
        (Some(v("2.1")), None, None, None)
    );
    assert_eq!(
        run(json!({"next_min_version": "bogus", "not_before": "2019-07-01"})),
        (None, None, None, Some("2019-07-01".to_owned()))
    );
}

/// VersionDataTests.test_data_for_url
#[test]
fn data_for_url() {
    let d = disc(V3_URL, &doc("V3_VERSION_ENTRY"));
    for url in [V3_URL.to_owned(), format!("{V3_URL}/")] {
        let data = d
            .versioned_data_for(Some(&url), VersionRange::default(), AllowedStatuses::default())
            .unwrap();
        assert_eq!(data.version, ApiVersion::new(3, 0));
        assert_eq!(data.raw_status, "stable");
        assert_eq!(data.url, V3_URL);
    }
}

/// VersionDataTests.test_data_for_no_version
#[test]
fn data_for_no_version() {
    let d = disc(V3_URL, &doc("V3_VERSION_ENTRY"));
    let data = d
        .versioned_data_for(None, VersionRange::default(), AllowedStatuses::default())
        .unwrap();
    assert_eq!(data.version, ApiVersion::new(3, 0));
    assert_eq!(data.raw_status, "stable");
    assert_eq!(data.url, V3_URL);
}

/// VersionDataTests.test_keystone_version_data
#[test]
fn keystone_version_data() {
    let d = disc(BASE_URL, &doc("V3_VERSION_LIST"));
    let clean_data = version_data(&d, AllowedStatuses::default());
    assert_eq!(d.all_versions().len(), 2);
    assert_eq!(clean_data.len(), 2);
    for data in &clean_data {
        assert!([v("2.0"), v("3.0")].contains(&data.version));
        assert_eq!(data.raw_status, "stable");
    }
    let v3_media = [
        "application/vnd.openstack.identity-v3+json",
        "application/vnd.openstack.identity-v3+xml",
    ];
    assert_eq!(clean_data[1].media_types, v3_media);

    let valid_v3 = [
        data_for(&d, "v3.0"),
        data_for(&d, "3.latest"),
        data_for(&d, "latest"),
        versioned(&d, Some("v3.0"), Some("v3.latest")),
        versioned(&d, Some("3"), None),
        versioned(&d, Some("3.latest"), None),
        versioned(&d, Some("latest"), None),
        versioned(&d, Some("3.latest"), Some("latest")),
        versioned(&d, Some("latest"), Some("latest")),
        versioned(&d, Some("2"), None),
        versioned(&d, Some("2.latest"), None),
    ];
    for (i, data) in valid_v3.iter().enumerate() {
        let data = data.unwrap_or_else(|| panic!("v3 query {i}"));
        assert_eq!(
            (data.version, data.raw_status.as_str(), data.url.as_str()),
            (v("3.0"), "stable", V3_URL),
            "{i}"
        );
    }
    let valid_v2 = [
        data_for(&d, "2"),
        data_for(&d, "2.latest"),
        versioned(&d, Some("2"), Some("2.latest")),
        versioned(&d, Some("2.latest"), Some("2.latest")),
    ];
    for (i, data) in valid_v2.iter().enumerate() {
        let data = data.unwrap_or_else(|| panic!("v2 query {i}"));
        assert_eq!(
            (data.version, data.raw_status.as_str(), data.url.as_str()),
            (v("2.0"), "stable", V2_URL),
            "{i}"
        );
    }
    assert_eq!(discovered_url(&d, "v4"), None);
    assert!(versioned(&d, Some("v4"), Some("v4.latest")).is_none());
    assert_eq!(discovered_url(&d, "v3").as_deref(), Some(V3_URL));
    assert_eq!(versioned(&d, Some("v3"), Some("v3.latest")).unwrap().url, V3_URL);
    assert_eq!(discovered_url(&d, "v2").as_deref(), Some(V2_URL));
    assert_eq!(versioned(&d, Some("v2"), Some("v2.latest")).unwrap().url, V2_URL);
}

/// VersionDataTests.test_cinder_version_data
#[test]
fn cinder_version_data() {
    let d = disc(BASE_URL, &doc("CINDER_EXAMPLES"));
    assert_eq!(d.all_versions().len(), 3);
    let v1_url = format!("{BASE_URL}v1/");
    let v2_url = format!("{BASE_URL}v2/");
    let v3_url = format!("{BASE_URL}v3/");
    let current = |version: &str, url: &str| {
        (
            v(version),
            url.to_owned(),
            None,
            None,
            None,
            None,
            None,
            VersionStatus::Current,
            "CURRENT".to_owned(),
        )
    };
    assert_eq!(
        version_data(&d, AllowedStatuses::default())
            .iter()
            .map(clean)
            .collect::<Vec<_>>(),
        [
            current("1.0", &v1_url),
            current("2.0", &v2_url),
            (
                v("3.0"),
                v3_url.clone(),
                Some(BASE_URL.to_owned()),
                Some(v("3.0")),
                Some(v("3.27")),
                Some(v("3.4")),
                Some("2019-12-31".to_owned()),
                VersionStatus::Current,
                "CURRENT".to_owned()
            ),
        ]
    );
    for data in [data_for(&d, "v2.0"), versioned(&d, Some("v2.0"), Some("v2.latest"))] {
        let data = data.unwrap();
        assert_eq!((data.version, data.raw_status.as_str()), (v("2.0"), "CURRENT"));
        assert_eq!(data.url, v2_url);
    }
    for data in [data_for(&d, "1"), versioned(&d, Some("1"), Some("1.latest"))] {
        let data = data.unwrap();
        assert_eq!((data.version, data.raw_status.as_str()), (v("1.0"), "CURRENT"));
        assert_eq!(data.url, v1_url);
    }
    assert_eq!(discovered_url(&d, "v4"), None);
    assert!(versioned(&d, Some("v4"), Some("v4.latest")).is_none());
    for (q, url) in [("v3", &v3_url), ("v2", &v2_url), ("v1", &v1_url)] {
        assert_eq!(discovered_url(&d, q).as_ref(), Some(url), "{q}");
        let max = format!("{q}.latest");
        assert_eq!(&versioned(&d, Some(q), Some(&max)).unwrap().url, url, "{q}");
    }
}

/// VersionDataTests.test_glance_version_data
#[test]
fn glance_version_data() {
    let d = disc(BASE_URL, &doc("GLANCE_EXAMPLES"));
    assert_eq!(d.all_versions().len(), 5);
    let v1_url = format!("{BASE_URL}v1/");
    let v2_url = format!("{BASE_URL}v2/");
    let entry = |version: &str, url: &str, current: bool| {
        let (status, raw) = if current {
            (VersionStatus::Current, "CURRENT")
        } else {
            (VersionStatus::Supported, "SUPPORTED")
        };
        (
            v(version),
            url.to_owned(),
            None,
            None,
            None,
            None,
            None,
            status,
            raw.to_owned(),
        )
    };
    assert_eq!(
        version_data(&d, AllowedStatuses::default())
            .iter()
            .map(clean)
            .collect::<Vec<_>>(),
        [
            entry("1.0", &v1_url, false),
            entry("1.1", &v1_url, true),
            entry("2.0", &v2_url, false),
            entry("2.1", &v2_url, false),
            entry("2.2", &v2_url, true),
        ]
    );
    for ver in ["2", "2.1", "2.2"] {
        for data in [data_for(&d, ver), versioned(&d, Some(ver), Some("2.latest"))] {
            let data = data.unwrap();
            assert_eq!((data.version, data.raw_status.as_str()), (v("2.2"), "CURRENT"), "{ver}");
            assert_eq!(data.url, v2_url);
        }
        assert_eq!(discovered_url(&d, ver).as_ref(), Some(&v2_url));
    }
    for ver in ["1", "1.1"] {
        for data in [data_for(&d, ver), versioned(&d, Some(ver), Some("1.latest"))] {
            let data = data.unwrap();
            assert_eq!((data.version, data.raw_status.as_str()), (v("1.1"), "CURRENT"), "{ver}");
            assert_eq!(data.url, v1_url);
        }
        assert_eq!(discovered_url(&d, ver).as_ref(), Some(&v1_url));
    }
    assert_eq!(discovered_url(&d, "v3"), None);
    assert!(versioned(&d, Some("v3"), Some("v3.latest")).is_none());
    assert_eq!(discovered_url(&d, "v2.3"), None);
    assert!(versioned(&d, Some("v2.3"), Some("v2.latest")).is_none());
}

fn single_v3(status: &str) -> Value {
    let mut entry = doc("V3_VERSION_ENTRY")["version"].clone();
    entry["status"] = status.into();
    json!({"versions": [entry]})
}

/// The one v3 version `d` has when `allow` lets its status through, and
/// none with the default statuses (or `hidden_by`).
fn assert_v3_only_with(d: &Discovered, hidden_by: AllowedStatuses, allow: AllowedStatuses, raw_status: &str) {
    assert!(version_data(d, hidden_by).is_empty());
    let data = version_data(d, allow);
    assert_eq!(data.len(), 1);
    assert_eq!(
        (data[0].raw_status.as_str(), data[0].url.as_str(), data[0].version),
        (raw_status, V3_URL, v("3.0"))
    );
}

/// VersionDataTests.test_allow_deprecated ("deprecated is allowed by default")
#[test]
fn allow_deprecated() {
    let d = disc(BASE_URL, &single_v3("deprecated"));
    let none = AllowedStatuses {
        deprecated: false,
        ..AllowedStatuses::default()
    };
    assert_v3_only_with(&d, none, AllowedStatuses::default(), "deprecated");
}

/// VersionDataTests.test_allow_experimental
#[test]
fn allow_experimental() {
    let d = disc(BASE_URL, &single_v3("experimental"));
    let allow = AllowedStatuses {
        experimental: true,
        ..AllowedStatuses::default()
    };
    assert_v3_only_with(&d, AllowedStatuses::default(), allow, "experimental");
}

/// VersionDataTests.test_allow_unknown
#[test]
fn allow_unknown() {
    let d = disc(BASE_URL, &doc("test_allow_unknown"));
    let allow = AllowedStatuses {
        unknown: true,
        ..AllowedStatuses::default()
    };
    assert_v3_only_with(&d, AllowedStatuses::default(), allow, "abcdef");
}

/// VersionDataTests.test_ignoring_invalid_links
#[test]
fn ignoring_invalid_links() {
    let base = doc("V3_VERSION_ENTRY")["version"].clone();
    let mut no_links = base.clone();
    no_links["id"] = "v3.1".into();
    no_links.as_object_mut().unwrap().remove("links");
    let mut no_id = base.clone();
    no_id.as_object_mut().unwrap().remove("id");
    let d = disc(BASE_URL, &json!({"versions": [base, no_links, no_id]}));
    // "only the version with both id and links will be actually returned"
    assert_eq!(version_data(&d, AllowedStatuses::default()).len(), 1);
}

// ---- EndpointDataTests ------------------------------------------------------

/// EndpointDataTests.test_project_id_int_fallback
#[test]
fn project_id_int_fallback() {
    assert_eq!(
        version_from_url("https://compute.example.com/v2/123456"),
        Some(ApiVersion::new(2, 0))
    );
}

async fn resolve(catalog_url: &str, range: VersionRange, project_id: &str) -> EndpointData {
    let session = Session::new().unwrap();
    let cache = DiscoveryCache::new();
    let ctx = DiscoveryContext {
        transport: session.transport(),
        cache: &cache,
        credentials: None,
    };
    let mut opts = DiscoveryOptions::discover();
    opts.project_id = Some(project_id.to_owned());
    EndpointData::from_url(catalog_url, Some("compute"))
        .resolve(ctx, range, &opts)
        .await
        .unwrap()
}

/// EndpointDataTests.test_url_version_match_project_id_int: project `3`
/// is not the `v3` segment (issue 12 item 2).
#[tokio::test]
async fn url_version_match_project_id_int() {
    let server = MockServer::start().await;
    let v3_url = format!("{}/v3", server.uri());
    let mut entry = doc("V3_VERSION_ENTRY");
    entry["version"]["links"] = json!([{"href": v3_url, "rel": "self"}]);
    Mock::given(method("GET"))
        .and(path("/v3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(entry))
        .mount(&server)
        .await;
    let data = resolve(&v3_url, VersionRange::default(), "3").await;
    assert_eq!(data.url(), data.catalog_url);
    assert_eq!(data.url(), v3_url);
}

/// Issue 12 item 2: project `1` with a `…/compute/v2.1` catalog URL gives
/// keystoneauth1's `…/compute/v2.1/` (run against keystoneauth1 5.18.1's
/// `EndpointData.get_versioned_data` with the same documents), never
/// `…/compute/v2.1/v2.1`.
#[tokio::test]
async fn project_id_suffix_of_the_version_segment() {
    let server = MockServer::start().await;
    let s = server.uri();
    let v21 = json!({"id": "v2.1", "status": "CURRENT", "version": "2.90", "min_version": "2.1",
                     "links": [{"rel": "self", "href": format!("{s}/compute/v2.1/")}]});
    let root = json!({"versions": [
        {"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", "href": format!("{s}/compute/v2/")}]},
        v21.clone(),
    ]});
    for (p, document) in [
        ("/compute/", root),
        ("/compute/v2.1", json!({"version": v21.clone()})),
        ("/compute/v2.1/", json!({"version": v21})),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(document))
            .mount(&server)
            .await;
    }
    let catalog_url = format!("{s}/compute/v2.1");
    for range in [
        VersionRange::normalize(None, Some(v("2.1")), Some(v("2.latest"))).unwrap(),
        VersionRange::default(),
        VersionRange::normalize(None, Some(v("2.0")), Some(v("2.latest"))).unwrap(),
    ] {
        let data = resolve(&catalog_url, range, "1").await;
        assert_eq!(data.url(), format!("{s}/compute/v2.1/"), "{range}");
        assert_eq!(data.api_version, Some(v("2.1")));
        assert_eq!(
            (data.min_microversion, data.max_microversion),
            (Some(v("2.1")), Some(v("2.90")))
        );
    }
}

/// Serves keystoneauth1's `V3_VERSION_LIST` at `/` and `V3_VERSION_ENTRY`
/// at `/v3`, their links still naming `keystone.example.com` (another
/// host, which discovery replaces with the server's).
async fn keystone_documents() -> MockServer {
    let server = MockServer::start().await;
    for (p, entry) in [("/", "V3_VERSION_LIST"), ("/v3", "V3_VERSION_ENTRY")] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(doc(entry)))
            .mount(&server)
            .await;
    }
    server
}

fn plugin_adapter(
    plugin: std::sync::Arc<dyn keystoneauth::AuthPlugin>,
    endpoint_override: Option<&str>,
) -> keystoneauth::Adapter {
    let session = Session::builder().auth(plugin).build().unwrap();
    let mut builder = keystoneauth::Adapter::builder(session);
    if let Some(url) = endpoint_override {
        builder = builder.endpoint_override(url);
    }
    builder.build().unwrap()
}

/// EndpointDataTests / VersionDataTests.test_endpoint_data_noauth_adapter
/// and test_endpoint_data_noauth_versioned_adapter
#[tokio::test]
async fn endpoint_data_noauth_adapter() {
    let server = keystone_documents().await;
    let base = format!("{}/", server.uri());
    let v3 = format!("{}/v3", server.uri());
    for endpoint in [&base, &v3] {
        let client = plugin_adapter(std::sync::Arc::new(keystoneauth::NoAuth::new()), Some(endpoint));
        let data = client.endpoint_data(true).await.unwrap();
        assert_eq!(data.api_version, Some(ApiVersion::new(3, 0)), "{endpoint}");
        assert_eq!(data.url(), v3, "{endpoint}");
        assert_eq!(client.api_major_version().await.unwrap(), Some(ApiVersion::new(3, 0)));
        assert_eq!(&client.endpoint().await.unwrap(), endpoint);
    }
}

/// VersionDataTests.test_endpoint_data_token_endpoint_adapter
#[tokio::test]
async fn endpoint_data_token_endpoint_adapter() {
    let server = keystone_documents().await;
    let v3 = format!("{}/v3", server.uri());
    let plugin = keystoneauth::token_endpoint::Token::new(v3.clone(), "bogus").unwrap();
    let client = plugin_adapter(std::sync::Arc::new(plugin), None);
    let data = client.endpoint_data(true).await.unwrap();
    assert_eq!(data.api_version, Some(ApiVersion::new(3, 0)));
    assert_eq!(data.url(), v3);
    assert_eq!(client.api_major_version().await.unwrap(), Some(ApiVersion::new(3, 0)));
    assert_eq!(client.endpoint().await.unwrap(), v3);
}

/// With no version asked for and no version document anywhere,
/// keystoneauth1's `get_versioned_data(discover_versions=True)` raises
/// DiscoveryFailure (the version hack is off without a version); this
/// library returns the catalog URL (a documented difference).
#[tokio::test]
async fn no_version_requested_and_no_document_keeps_the_catalog_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let catalog_url = format!("{}/compute/v2.1", server.uri());
    let data = resolve(&catalog_url, VersionRange::default(), "p1").await;
    assert_eq!(data.url(), catalog_url);
    assert_eq!(data.service_url, None);
    assert_eq!(data.api_version, Some(v("2.1")));
}
