//! Version discovery: what API versions a service offers, and where.
//!
//! This is the part the generic identity plugins need: fetch a version
//! document and list its versions with their status and URL.

use http::Method;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::redact;
use crate::transport::{HttpRequest, Transport};

/// The status a service gives a version, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum VersionStatus {
    Current,
    Supported,
    Deprecated,
    Experimental,
    Unknown,
}

impl VersionStatus {
    pub(crate) fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "current" | "stable" => VersionStatus::Current,
            "supported" => VersionStatus::Supported,
            "deprecated" => VersionStatus::Deprecated,
            "experimental" => VersionStatus::Experimental,
            _ => VersionStatus::Unknown,
        }
    }
}

/// One version a service offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionData {
    /// The id as given (`v3.14`, `v2.0`).
    pub(crate) id: String,
    /// Major and minor numbers parsed from the id.
    pub(crate) version: (u64, u64),
    pub(crate) status: VersionStatus,
    /// The version's own URL (the `self` link).
    pub(crate) url: Option<String>,
}

/// Parses a version id such as `v3.14`, `v2.0`, `3` into (major, minor).
pub(crate) fn parse_version_id(id: &str) -> Option<(u64, u64)> {
    let s = id.trim().trim_start_matches(['v', 'V']);
    let mut parts = s.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

fn entry(value: &Value) -> Option<VersionData> {
    let id = value.get("id")?.as_str()?.to_owned();
    let version = parse_version_id(&id)?;
    let status = VersionStatus::parse(value.get("status").and_then(Value::as_str).unwrap_or(""));
    let url = value
        .get("links")
        .and_then(Value::as_array)
        .and_then(|links| {
            links
                .iter()
                .find(|l| l.get("rel").and_then(Value::as_str) == Some("self"))
        })
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(VersionData {
        id,
        version,
        status,
        url,
    })
}

/// Parses `{"versions": {"values": [...]}}`, `{"versions": [...]}` and
/// `{"version": {...}}` documents, newest version first.
pub(crate) fn parse_versions(body: &[u8], url: &str) -> Result<Vec<VersionData>> {
    let fail = |message: &str| Error::Discovery {
        url: redact::url_str(url),
        message: message.to_owned(),
        source: None,
    };
    let doc: Value = serde_json::from_slice(body).map_err(|_| fail("the version document is not JSON"))?;
    let list: Vec<&Value> = if let Some(v) = doc.get("versions") {
        match v {
            Value::Array(items) => items.iter().collect(),
            Value::Object(o) => match o.get("values") {
                Some(Value::Array(items)) => items.iter().collect(),
                _ => return Err(fail("\"versions\" has no \"values\" list")),
            },
            _ => return Err(fail("\"versions\" is neither a list nor an object")),
        }
    } else if let Some(v) = doc.get("version") {
        vec![v]
    } else {
        return Err(fail("the document has neither \"versions\" nor \"version\""));
    };
    let mut versions: Vec<VersionData> = list.into_iter().filter_map(entry).collect();
    if versions.is_empty() {
        return Err(fail("the document lists no usable version"));
    }
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    Ok(versions)
}

/// Fetches and parses the version document at `url` without credentials.
/// A 300 Multiple Choices answer is a normal version list.
pub(crate) async fn get_versions(transport: &Transport, url: &str) -> Result<Vec<VersionData>> {
    let parsed = url::Url::parse(url).map_err(|e| Error::invalid_url(url, e))?;
    let request = HttpRequest::new(Method::GET, parsed)
        .header(http::header::ACCEPT, http::HeaderValue::from_static("application/json"));
    let response = transport.send(request).await?;
    let status = response.status().as_u16();
    if status >= 400 {
        return Err(Error::Discovery {
            url: redact::url_str(url),
            message: format!("the version document request failed with status {status}"),
            source: Some(Box::new(response.to_http_error())),
        });
    }
    parse_versions(response.bytes(), url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystone_root_and_versioned_documents() {
        let root = br#"{"versions": {"values": [
            {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
             "links": [{"rel": "self", "href": "http://127.0.0.1:5000/v3/"}],
             "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]},
            {"id": "v2.0", "status": "deprecated", "links": [{"rel": "self", "href": "http://127.0.0.1:5000/v2.0/"}]}]}}"#;
        let v = parse_versions(root, "http://127.0.0.1:5000/").unwrap();
        assert_eq!(v[0].version, (3, 14));
        assert_eq!(v[0].status, VersionStatus::Current);
        assert_eq!(v[0].url.as_deref(), Some("http://127.0.0.1:5000/v3/"));
        assert_eq!(v[1].version, (2, 0));
        assert_eq!(v[1].status, VersionStatus::Deprecated);
        let one =
            br#"{"version": {"id": "v3.14", "status": "stable", "links": [{"rel": "self", "href": "http://h/v3/"}]}}"#;
        assert_eq!(parse_versions(one, "http://h/v3").unwrap().len(), 1);
        let nova = br#"{"versions": [{"id": "v2.0", "status": "SUPPORTED", "links": []}, {"id": "v2.1", "status": "CURRENT", "links": []}]}"#;
        let v = parse_versions(nova, "http://h/").unwrap();
        assert_eq!(v[0].version, (2, 1));
        assert_eq!(v[1].status, VersionStatus::Supported);
    }

    #[test]
    fn bad_documents_are_discovery_errors() {
        for body in [
            &b"[1, 2]"[..],
            b"<html>",
            b"{}",
            br#"{"versions": 3}"#,
            br#"{"versions": []}"#,
        ] {
            assert!(matches!(
                parse_versions(body, "http://h/"),
                Err(Error::Discovery { .. })
            ));
        }
    }

    #[test]
    fn version_ids() {
        assert_eq!(parse_version_id("v3.14"), Some((3, 14)));
        assert_eq!(parse_version_id("v2.0"), Some((2, 0)));
        assert_eq!(parse_version_id("3"), Some((3, 0)));
        assert_eq!(parse_version_id("vX"), None);
    }
}
