//! Version documents: every shape OpenStack services return, normalised.

use http::HeaderMap;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::redact;
use crate::version::{latest_soft_match, AllowedStatuses, ApiVersion, VersionRange, VersionStatus};

/// One version a service offers, with its microversion range.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionData {
    /// The version (`3.14`, `2.1`).
    pub version: ApiVersion,
    /// The version's own URL (the `self` link, made absolute).
    pub url: String,
    /// The `collection` link, if any.
    pub collection: Option<String>,
    /// The lowest microversion (`min_version`).
    pub min_microversion: Option<ApiVersion>,
    /// The highest microversion (`max_version`, else `version`).
    pub max_microversion: Option<ApiVersion>,
    /// The next minimum microversion announced (`next_min_version`).
    pub next_min_version: Option<ApiVersion>,
    /// When the next minimum takes effect (`not_before`).
    pub not_before: Option<String>,
    /// The normalised status.
    pub status: VersionStatus,
    /// The status as the service wrote it.
    pub raw_status: String,
    /// The media types the version announces.
    pub media_types: Vec<String>,
}

/// A fetched version document: the URL it came from and its versions,
/// sorted newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    url: String,
    versions: Vec<VersionData>,
}

fn opt_version(value: Option<&Value>) -> Option<ApiVersion> {
    match value? {
        Value::String(s) if !s.is_empty() => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// Joins a possibly relative link to the discovery URL, and keeps the
/// discovery URL's scheme and host when the document names another one
/// (services behind proxies often advertise internal hosts), as
/// keystoneauth1's `_combine_relative_url`.
pub(crate) fn combine_relative_url(discovery_url: &str, link: &str) -> String {
    let base_str = format!("{}/", discovery_url.trim_end_matches('/'));
    let (Ok(base), Ok(discovery)) = (url::Url::parse(&base_str), url::Url::parse(discovery_url)) else {
        return link.to_owned();
    };
    let Ok(joined) = base.join(link) else {
        return link.to_owned();
    };
    let netloc = |u: &url::Url| u[url::Position::BeforeUsername..url::Position::AfterPort].to_owned();
    let path = if netloc(&joined) == netloc(&discovery) {
        joined.path().to_owned()
    } else {
        // Another host: take the version segment from the link and put it
        // on the discovery URL, unless that URL already ends with it (then
        // the discovery URL's path stands, trailing `/` and all).
        let version = link.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let url_path = discovery.path().trim_end_matches('/');
        if url_path.ends_with(version) {
            discovery.path().to_owned()
        } else if link.ends_with('/') {
            format!("{url_path}/{version}/")
        } else {
            format!("{url_path}/{version}")
        }
    };
    let mut out = discovery;
    out.set_path(&path);
    out.set_query(joined.query());
    out.set_fragment(joined.fragment());
    out.to_string()
}

/// Extracts the raw version entries from a document, keystoneauth1's
/// `get_version_data`.
pub(crate) fn raw_versions(body: &[u8], headers: &HeaderMap, url: &str) -> Result<Vec<Value>> {
    let fail = |message: String| Error::discovery(redact::url_str(url), message);
    let snippet = || {
        let text = String::from_utf8_lossy(body);
        let t: String = text.chars().take(50).collect();
        if text.chars().count() > 50 {
            format!("{t}...")
        } else {
            t
        }
    };
    let doc: Value = serde_json::from_slice(body)
        .map_err(|_| fail(format!("invalid response, bad version data returned: {}", snippet())))?;
    match doc {
        Value::Array(_) => Err(fail(
            "invalid response: a list was returned instead of a version document".into(),
        )),
        Value::Object(mut map) => {
            if let Some(versions) = map.remove("versions") {
                return match versions {
                    Value::Object(mut o) => match o.remove("values") {
                        Some(Value::Array(items)) => Ok(items),
                        _ => Err(fail("\"versions\" has no \"values\" list".into())),
                    },
                    Value::Array(items) => Ok(items),
                    _ => Err(fail("\"versions\" is neither a list nor an object".into())),
                };
            }
            if let Some(version) = map.remove("version") {
                return Ok(vec![version]);
            }
            if map.contains_key("id") {
                // Old Ironic: a bare version whose microversion range is in
                // the X-OpenStack-*-API-{Minimum,Maximum}-Version headers.
                map.insert("status".into(), Value::String("CURRENT".into()));
                for (name, value) in headers {
                    let n = name.as_str();
                    if !n.starts_with("x-openstack") {
                        continue;
                    }
                    let Ok(v) = value.to_str() else { continue };
                    if n.ends_with("api-minimum-version") && !map.contains_key("min_version") {
                        map.insert("min_version".into(), Value::String(v.to_owned()));
                    }
                    if n.ends_with("api-maximum-version") && !map.contains_key("version") {
                        map.insert("version".into(), Value::String(v.to_owned()));
                    }
                }
                return Ok(vec![Value::Object(map)]);
            }
            Err(fail(format!(
                "invalid response, bad version data returned: {}",
                snippet()
            )))
        }
        _ => Err(fail(format!(
            "invalid response, bad version data returned: {}",
            snippet()
        ))),
    }
}

impl Discovered {
    /// Parses a version document fetched from `url` (with its response
    /// headers, for services that announce microversions there).
    pub fn parse(url: &str, body: &[u8], headers: &HeaderMap) -> Result<Self> {
        let raw = raw_versions(body, headers, url)?;
        let mut versions = Vec::with_capacity(raw.len());
        for v in &raw {
            let Some(status_raw) = v.get("status").and_then(Value::as_str) else {
                tracing::debug!(target: crate::transport::LOG_TARGET, "skipping version data without a status");
                continue;
            };
            let Some(version) = v.get("id").and_then(Value::as_str).and_then(|id| id.parse().ok()) else {
                tracing::debug!(target: crate::transport::LOG_TARGET, "skipping version data without a valid id");
                continue;
            };
            let Some(links) = v.get("links").and_then(Value::as_array) else {
                tracing::debug!(target: crate::transport::LOG_TARGET, "skipping version data without links");
                continue;
            };
            let mut self_url = None;
            let mut collection = None;
            for link in links {
                let (Some(rel), Some(href)) = (
                    link.get("rel").and_then(Value::as_str),
                    link.get("href").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let full = combine_relative_url(url, href);
                if rel.eq_ignore_ascii_case("self") {
                    self_url = Some(full);
                } else if rel.eq_ignore_ascii_case("collection") {
                    collection = Some(full);
                }
            }
            let Some(self_url) = self_url else {
                tracing::debug!(target: crate::transport::LOG_TARGET, "skipping version data without a self link");
                continue;
            };
            let max = opt_version(v.get("max_version")).or_else(|| opt_version(v.get("version")));
            let media_types = v
                .get("media-types")
                .or_else(|| v.get("media_types"))
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|m| m.get("type").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            versions.push(VersionData {
                version,
                url: self_url,
                collection,
                min_microversion: opt_version(v.get("min_version")),
                max_microversion: max,
                next_min_version: opt_version(v.get("next_min_version")),
                not_before: v
                    .get("not_before")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                status: VersionStatus::parse(status_raw),
                raw_status: status_raw.to_owned(),
                media_types,
            });
        }
        versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        Ok(Discovered {
            url: url.to_owned(),
            versions,
        })
    }

    /// The URL the document was fetched from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The versions allowed by `allow`, newest first.
    pub fn versions(&self, allow: AllowedStatuses) -> impl Iterator<Item = &VersionData> {
        self.versions.iter().filter(move |v| allow.allows(v.status))
    }

    /// Every version, whatever its status, newest first.
    pub fn all_versions(&self) -> &[VersionData] {
        &self.versions
    }

    /// keystoneauth1's `versioned_data_for`: the best version in `range`,
    /// or the one whose URL is `url` when given.
    pub fn versioned_data_for(
        &self,
        url: Option<&str>,
        range: VersionRange,
        allow: AllowedStatuses,
    ) -> Option<&VersionData> {
        let mut candidates = self.versions(allow).peekable();
        let first = *candidates.peek()?;
        if range.max.is_some_and(|m| m.is_latest()) && range.min.is_none_or(|m| m.is_latest()) {
            return Some(first);
        }
        let url = url.map(|u| format!("{}/", u.trim_end_matches('/')));
        if range.is_empty() && url.is_none() {
            return Some(first);
        }
        for data in candidates {
            if let Some(u) = &url {
                if format!("{}/", data.url.trim_end_matches('/')) == *u {
                    return Some(data);
                }
            }
            if latest_soft_match(range.min, data.version) {
                return Some(data);
            }
            if range.min.is_some() && range.max.is_some() && range.contains(data.version) {
                return Some(data);
            }
        }
        if range.is_empty() && url.is_some() {
            return Some(first);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str, body: &str) -> Result<Discovered> {
        Discovered::parse(url, body.as_bytes(), &HeaderMap::new())
    }

    #[test]
    fn shapes() {
        let keystone = r#"{"versions": {"values": [
            {"id": "v3.14", "status": "stable", "links": [{"rel": "self", "href": "http://k/v3/"}],
             "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}]}}"#;
        let d = parse("http://k/", keystone).unwrap();
        let v = &d.all_versions()[0];
        assert_eq!(v.version, ApiVersion::new(3, 14));
        assert_eq!(v.status, VersionStatus::Current);
        assert_eq!(v.raw_status, "stable");
        assert_eq!(v.media_types, vec!["application/vnd.openstack.identity-v3+json"]);
        let nova = r#"{"versions": [
            {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "", "links": [{"rel": "self", "href": "http://n/v2/"}]},
            {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1", "links": [{"rel": "self", "href": "http://n/v2.1/"}]}]}"#;
        let d = parse("http://n/", nova).unwrap();
        assert_eq!(d.all_versions()[0].max_microversion, Some(ApiVersion::new(2, 96)));
        assert_eq!(d.all_versions()[0].min_microversion, Some(ApiVersion::new(2, 1)));
        assert_eq!(d.all_versions()[1].max_microversion, None);
        let single = r#"{"version": {"id": "v3.0", "status": "CURRENT", "min_version": "3.0", "max_version": "3.70",
            "next_min_version": "3.5", "not_before": "2027-01-01", "links": [{"rel": "self", "href": "http://c/v3/"}, {"rel": "collection", "href": "http://c/"}]}}"#;
        let d = parse("http://c/v3", single).unwrap();
        let v = &d.all_versions()[0];
        assert_eq!(v.max_microversion, Some(ApiVersion::new(3, 70)));
        assert_eq!(v.next_min_version, Some(ApiVersion::new(3, 5)));
        assert_eq!(v.not_before.as_deref(), Some("2027-01-01"));
        assert_eq!(v.collection.as_deref(), Some("http://c/"));
        let mut headers = HeaderMap::new();
        headers.insert("x-openstack-ironic-api-minimum-version", "1.1".parse().unwrap());
        headers.insert("x-openstack-ironic-api-maximum-version", "1.87".parse().unwrap());
        let ironic = br#"{"id": "v1", "links": [{"rel": "self", "href": "http://i/v1/"}], "media_types": [{"base": "application/json", "type": "application/vnd.openstack.ironic.v1+json"}]}"#;
        let d = Discovered::parse("http://i/v1", ironic, &headers).unwrap();
        let v = &d.all_versions()[0];
        assert_eq!(
            (v.min_microversion, v.max_microversion),
            (Some(ApiVersion::new(1, 1)), Some(ApiVersion::new(1, 87)))
        );
        assert_eq!(v.status, VersionStatus::Current);
    }

    #[test]
    fn rejects_lists_and_non_json() {
        for body in [
            "[{\"name\": \"container\"}]",
            "<html>hi</html>",
            "{}",
            "3",
            r#"{"versions": 3}"#,
        ] {
            let err = parse("http://s/", body).unwrap_err();
            assert!(matches!(err, Error::Discovery { .. }), "{body}: {err}");
        }
        assert!(parse("http://s/", "[]").unwrap_err().to_string().contains("list"));
    }

    #[test]
    fn statuses() {
        for (raw, s) in [
            ("stable", VersionStatus::Current),
            ("CURRENT", VersionStatus::Current),
            ("supported", VersionStatus::Supported),
            ("DEPRECATED", VersionStatus::Deprecated),
            ("experimental", VersionStatus::Experimental),
            ("beta", VersionStatus::Unknown),
        ] {
            assert_eq!(VersionStatus::parse(raw), s);
        }
    }

    #[test]
    fn relative_and_foreign_links() {
        assert_eq!(combine_relative_url("http://h/admin", "v2"), "http://h/admin/v2");
        assert_eq!(
            combine_relative_url("http://h:8774/", "http://h:8774/v2.1/"),
            "http://h:8774/v2.1/"
        );
        // A document naming an internal host keeps the discovery host.
        assert_eq!(
            combine_relative_url("https://public.example.com/compute/", "http://10.0.0.5:8774/v2.1/"),
            "https://public.example.com/compute/v2.1/"
        );
        assert_eq!(
            combine_relative_url("https://p.example.com/v3", "http://internal/v3/"),
            "https://p.example.com/v3"
        );
        // Issue 12: the discovery URL's trailing `/` is kept when its version
        // already ends it (keystoneauth1's _combine_relative_url).
        assert_eq!(
            combine_relative_url("https://p.example.com/v3/", "http://internal/v3/"),
            "https://p.example.com/v3/"
        );
        // Same host: the discovery URL's scheme is kept.
        assert_eq!(combine_relative_url("https://h/x/", "http://h/v3/"), "https://h/v3/");
    }

    #[test]
    fn selection() {
        let doc = r#"{"versions": [
            {"id": "v1.0", "status": "DEPRECATED", "links": [{"rel": "self", "href": "http://g/v1/"}]},
            {"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", "href": "http://g/v2/"}]},
            {"id": "v2.9", "status": "CURRENT", "links": [{"rel": "self", "href": "http://g/v2/"}]},
            {"id": "v3.0", "status": "EXPERIMENTAL", "links": [{"rel": "self", "href": "http://g/v3/"}]}]}"#;
        let d = parse("http://g/", doc).unwrap();
        let any = VersionRange::default();
        let allow = AllowedStatuses::default();
        assert_eq!(
            d.versioned_data_for(None, any, allow).unwrap().version,
            ApiVersion::new(2, 9)
        );
        let all = AllowedStatuses::ALL;
        assert_eq!(
            d.versioned_data_for(None, any, all).unwrap().version,
            ApiVersion::new(3, 0)
        );
        let v1 = VersionRange::normalize(Some(ApiVersion::new(1, 0)), None, None).unwrap();
        assert_eq!(
            d.versioned_data_for(None, v1, allow).unwrap().version,
            ApiVersion::new(1, 0)
        );
        let no_dep = AllowedStatuses {
            deprecated: false,
            ..allow
        };
        assert!(d.versioned_data_for(None, v1, no_dep).is_none());
        let v3 = VersionRange::normalize(Some(ApiVersion::new(3, 0)), None, None).unwrap();
        assert!(d.versioned_data_for(None, v3, allow).is_none());
        let latest = VersionRange::normalize(None, Some(ApiVersion::LATEST), None).unwrap();
        assert_eq!(
            d.versioned_data_for(None, latest, allow).unwrap().version,
            ApiVersion::new(2, 9)
        );
    }
}
