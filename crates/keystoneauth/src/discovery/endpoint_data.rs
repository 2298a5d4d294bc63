//! Endpoint data: a catalog endpoint plus what version discovery found.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use http::{HeaderMap, Method, StatusCode};

use super::cache::DiscoveryCache;
use super::document::{Discovered, VersionData};
use crate::catalog::{CatalogMatch, Interface};
use crate::error::{Error, Result};
use crate::redact;
use crate::transport::{HttpRequest, Transport, LOG_TARGET};
use crate::version::{
    version_between, version_match, AllowedStatuses, ApiVersion, VersionPart, VersionRange, VersionStatus,
};

/// Supplies credentials for a discovery request that was refused without
/// them (some services answer 401 on their version document).
#[async_trait]
pub trait CredentialSource: Send + Sync {
    /// The headers that authenticate a request.
    async fn credentials(&self) -> Result<HeaderMap>;
}

/// What discovery runs with: the transport, the shared cache and, for
/// services that want a token even on their version document, a source of
/// credentials.
#[derive(Clone, Copy)]
pub struct DiscoveryContext<'a> {
    /// The transport to fetch documents with.
    pub transport: &'a Transport,
    /// The cache of fetched documents.
    pub cache: &'a DiscoveryCache,
    /// Credentials for a retry after a 401.
    pub credentials: Option<&'a dyn CredentialSource>,
}

impl std::fmt::Debug for DiscoveryContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryContext")
            .field("cache", self.cache)
            .field("credentials", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

/// How version discovery may proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiscoveryOptions {
    /// The versions acceptable, by status.
    pub allow: AllowedStatuses,
    /// Allow trying the unversioned root of a versioned catalog URL
    /// (default true).
    pub allow_version_hack: bool,
    /// Fetch the version document even when the catalog URL already
    /// answers the request, to learn the microversion range (default false:
    /// no request at all when the catalog suffices).
    pub discover_versions: bool,
    /// The scoped project id, to recognise it at the end of catalog URLs.
    pub project_id: Option<String>,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            allow: AllowedStatuses::default(),
            allow_version_hack: true,
            discover_versions: false,
            project_id: None,
        }
    }
}

impl DiscoveryOptions {
    /// Options that always fetch the version document.
    pub fn discover() -> Self {
        DiscoveryOptions {
            discover_versions: true,
            ..Self::default()
        }
    }
}

/// Fetches (or takes from the cache) the version document at `url`. The
/// request is sent without credentials; after a 401 it is sent once more
/// with the context's credentials.
pub async fn fetch_discovery(ctx: DiscoveryContext<'_>, url: &str) -> Result<Arc<Discovered>> {
    ctx.cache.get_or_fetch(url, || fetch_uncached(ctx, url)).await
}

async fn fetch_uncached(ctx: DiscoveryContext<'_>, url: &str) -> Result<Discovered> {
    let parsed = url::Url::parse(url).map_err(|e| Error::invalid_url(url, e))?;
    let request = HttpRequest::new(Method::GET, parsed)
        .header(http::header::ACCEPT, http::HeaderValue::from_static("application/json"))
        .max_body(crate::transport::MAX_DISCOVERY_BODY);
    let mut response = ctx.transport.send(request.clone()).await?;
    if response.status() == StatusCode::UNAUTHORIZED {
        if let Some(source) = ctx.credentials {
            let mut retry = request;
            for (name, value) in source.credentials().await? {
                if let Some(name) = name {
                    retry.headers_mut().insert(name, value);
                }
            }
            response = ctx.transport.send(retry).await?;
        }
    }
    if response.status().as_u16() >= 400 {
        return Err(response.error_for_status().err().unwrap_or(Error::discovery(
            redact::url_str(url),
            "the version document request failed",
        )));
    }
    Discovered::parse(url, response.bytes(), response.headers())
}

/// The major version a legacy service type implies (`volumev3` → 3,
/// `sharev2` → 2), for types the service-types authority knows.
pub fn implied_version(service_type: &str) -> Option<ApiVersion> {
    if !crate::catalog::service_types::is_known(service_type) {
        return None;
    }
    let b = service_type.as_bytes();
    let n = b.len();
    (n >= 2 && b[n - 1].is_ascii_digit() && b[n - 2] == b'v').then(|| ApiVersion::new(u64::from(b[n - 1] - b'0'), 0))
}

/// Normalises a version request for a service type: a legacy type such as
/// `volumev3` implies major version 3, and a conflicting request is an
/// error naming both.
pub fn normalize_for_service(
    version: Option<ApiVersion>,
    min: Option<ApiVersion>,
    max: Option<ApiVersion>,
    service_type: Option<&str>,
) -> Result<VersionRange> {
    let range = VersionRange::normalize(version, min, max)?;
    let (Some(st), Some(implied)) = (service_type, service_type.and_then(implied_version)) else {
        return Ok(range);
    };
    let conflict = |what: &str, given: ApiVersion| {
        Error::invalid_option(
            what.to_owned(),
            format!(
                "the service type {st} implies version {}, but {what} {given} was asked for",
                implied.major
            ),
        )
    };
    let VersionPart::Num(major) = implied.major else {
        return Ok(range);
    };
    if let Some(v) = version {
        if v.major != implied.major {
            return Err(conflict("version", v));
        }
        return Ok(range);
    }
    let min = match range.min {
        Some(m) if m.major != implied.major => return Err(conflict("min_version", m)),
        Some(m) => m,
        None => implied,
    };
    let max = match range.max {
        Some(m) if !m.is_latest() => {
            if m.major != implied.major {
                return Err(conflict("max_version", m));
            }
            m
        }
        _ => ApiVersion::major_latest(major),
    };
    Ok(VersionRange {
        min: Some(min),
        max: Some(max),
    })
}

/// A version found in a URL path: the last segment starting with `v` that
/// parses (`/v2.1/abc` → 2.1).
pub fn version_from_url(url: &str) -> Option<ApiVersion> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .path()
        .split('/')
        .rev()
        .filter(|p| p.starts_with('v'))
        .find_map(|p| p.parse().ok())
}

/// The versions one catalog endpoint offers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceVersions {
    /// The service type in the catalog.
    pub service_type: String,
    /// The endpoint's region.
    pub region_name: Option<String>,
    /// The endpoint's interface.
    pub interface: Option<Interface>,
    /// The catalog URL.
    pub catalog_url: String,
    /// The versions found (newest first).
    pub versions: Vec<VersionData>,
}

/// An endpoint: where the catalog says a service is, and what version
/// discovery found there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointData {
    /// The URL in the catalog (or the endpoint override).
    pub catalog_url: String,
    /// The URL to use, when discovery chose one.
    pub service_url: Option<String>,
    /// The service type.
    pub service_type: Option<String>,
    /// The service name.
    pub service_name: Option<String>,
    /// The service id.
    pub service_id: Option<String>,
    /// The interface of the catalog endpoint.
    pub interface: Option<Interface>,
    /// The region of the catalog endpoint.
    pub region_name: Option<String>,
    /// The catalog endpoint's id.
    pub endpoint_id: Option<String>,
    /// The API version (from discovery, else from the URL).
    pub api_version: Option<ApiVersion>,
    /// The lowest microversion the service supports.
    pub min_microversion: Option<ApiVersion>,
    /// The highest microversion the service supports.
    pub max_microversion: Option<ApiVersion>,
    /// The next minimum microversion the service announced.
    pub next_min_version: Option<ApiVersion>,
    /// When that next minimum takes effect.
    pub not_before: Option<String>,
    /// The version's status.
    pub status: Option<VersionStatus>,
}

/// Where to look for version documents, in order, and what the catalog
/// URL already tells.
struct UrlChoices {
    urls: Vec<String>,
    saved_project_id: Option<String>,
    catalog_matches_version: bool,
    catalog_matches_exactly: bool,
}

/// True if a URL path segment is the project id: equal to it, or Swift's
/// account segment `AUTH_<project_id>`. Never a bare suffix: project `1`
/// must not take `v2.1` for its segment.
fn is_project_segment(segment: &str, project_id: &str) -> bool {
    !project_id.is_empty() && (segment == project_id || segment.strip_prefix("AUTH_") == Some(project_id))
}

/// keystoneauth1's `_infer_version_data` URL: the catalog URL without its
/// project segment (a whole segment, see [`is_project_segment`]), ending
/// in `/`.
fn inferred_url(catalog_url: &str, project_id: Option<&str>) -> String {
    let mut url = catalog_url.trim_end_matches('/');
    if let (Some(pid), Some((head, last))) = (project_id, url.rsplit_once('/')) {
        if is_project_segment(last, pid) {
            url = head;
        }
    }
    format!("{url}/")
}

fn rebuild(url: &url::Url, parts: &[&str]) -> String {
    let mut u = url.clone();
    u.set_path(&parts.join("/"));
    u.to_string()
}

/// keystoneauth1's identity catalog hack: an identity URL ending in
/// `/v2.0` is discovered at its root.
fn catalog_discover_hack(service_type: Option<&str>, url: &str) -> String {
    if service_type == Some("identity") {
        let trimmed = url.trim_end_matches('/');
        if let Some(root) = trimmed.strip_suffix("/v2.0") {
            return format!("{root}/");
        }
    }
    url.to_owned()
}

impl EndpointData {
    /// Endpoint data for a catalog match.
    pub fn from_catalog(m: CatalogMatch<'_>) -> Self {
        EndpointData {
            catalog_url: m.endpoint.url.clone(),
            service_type: Some(m.service.service_type.clone()),
            service_name: m.service.name.clone(),
            service_id: m.service.id.clone(),
            interface: Some(m.endpoint.interface),
            region_name: m.endpoint.region.clone(),
            endpoint_id: m.endpoint.id.clone(),
            api_version: version_from_url(&m.endpoint.url),
            ..Default::default()
        }
    }

    /// Endpoint data for a URL that did not come from a catalog.
    pub fn from_url(url: impl Into<String>, service_type: Option<&str>) -> Self {
        let url = url.into();
        EndpointData {
            api_version: version_from_url(&url),
            catalog_url: url,
            service_type: service_type.map(str::to_owned),
            ..Default::default()
        }
    }

    /// The URL to send requests to: the discovered one, else the catalog's.
    pub fn url(&self) -> &str {
        self.service_url.as_deref().unwrap_or(&self.catalog_url)
    }

    fn discovery_url_choices(&self, range: VersionRange, opts: &DiscoveryOptions, allow_hack: bool) -> UrlChoices {
        let mut choices = UrlChoices {
            urls: Vec::new(),
            saved_project_id: None,
            catalog_matches_version: false,
            catalog_matches_exactly: false,
        };
        let trimmed = self.catalog_url.trim_end_matches('/');
        let Ok(url) = url::Url::parse(trimmed) else {
            choices.urls.push(self.catalog_url.clone());
            return choices;
        };
        let path = url.path().to_owned();
        let mut parts: Vec<&str> = path.split('/').collect();
        match &opts.project_id {
            Some(pid) if parts.last().is_some_and(|p| is_project_segment(p, pid)) => {
                choices.saved_project_id = parts.pop().map(str::to_owned);
            }
            Some(_) => {}
            None => {
                if parts.len() >= 2 && parts[parts.len() - 2].parse::<ApiVersion>().is_ok() {
                    choices.saved_project_id = parts.pop().map(str::to_owned);
                }
            }
        }
        let mut catalog_discovery: Option<String> = None;
        let mut versioned_discovery: Option<String> = None;
        if let Some(url_version) = parts.last().and_then(|p| p.parse::<ApiVersion>().ok()) {
            versioned_discovery = Some(rebuild(&url, &parts));
            let is_between =
                range.min.is_some() && range.max.is_some() && version_between(range.min, range.max, url_version);
            let exact_match = is_between && range.max.is_some_and(|m| m.major == url_version.major);
            let high_match = is_between
                && range
                    .max
                    .is_some_and(|m| m.minor != VersionPart::Latest && version_match(m, url_version));
            if exact_match || is_between {
                choices.catalog_matches_version = true;
                choices.catalog_matches_exactly = exact_match;
                catalog_discovery = Some(format!("{}/", rebuild(&url, &parts).trim_end_matches('/')));
            }
            if catalog_discovery.is_some() && (high_match || exact_match) {
                if let Some(c) = catalog_discovery.take() {
                    choices.urls.push(c);
                }
            }
            parts.pop();
        }
        if allow_hack {
            let mut hacked = rebuild(&url, &parts);
            if hacked != self.catalog_url {
                hacked = format!("{}/", hacked.trim_end_matches('/'));
            }
            choices.urls.push(hacked);
            if let Some(c) = catalog_discovery {
                choices.urls.push(c);
            }
            choices
                .urls
                .push(catalog_discover_hack(self.service_type.as_deref(), &self.catalog_url));
        } else if let (Some(v), Some(_)) = (versioned_discovery, &choices.saved_project_id) {
            choices.urls.push(v);
        }
        choices.urls.push(self.catalog_url.clone());
        choices
    }

    /// Runs version discovery for `range` and returns the endpoint data
    /// with the chosen URL, version and microversion range.
    ///
    /// Without a version range and without `discover_versions`, nothing is
    /// fetched: the catalog answers. When the catalog URL already names a
    /// version in the range and `discover_versions` is off, nothing is
    /// fetched either.
    pub async fn resolve(
        &self,
        ctx: DiscoveryContext<'_>,
        range: VersionRange,
        opts: &DiscoveryOptions,
    ) -> Result<Self> {
        let mut new = self.clone();
        let mut allow_hack = opts.allow_version_hack;
        let mut match_url = None;
        if range.is_empty() {
            if !opts.discover_versions {
                return Ok(new);
            }
            allow_hack = false;
            match_url = Some(self.catalog_url.clone());
        }
        let choices = self.discovery_url_choices(range, opts, allow_hack);
        if choices.catalog_matches_exactly && !opts.discover_versions {
            new.service_url = Some(self.catalog_url.clone());
            return Ok(new);
        }
        let mut tried = HashSet::new();
        let mut found = None;
        for url in &choices.urls {
            if !tried.insert(DiscoveryCache::key(url)) {
                continue;
            }
            match fetch_discovery(ctx, url).await {
                Ok(d) => {
                    found = Some(d);
                    break;
                }
                Err(e) => {
                    tracing::debug!(target: LOG_TARGET, url = %redact::url_str(url), error = %e, "no version document here");
                }
            }
        }
        let Some(disc) = found else {
            if range.is_empty() {
                // Only extra information was asked for: the catalog's
                // endpoint stands (as keystoneauth1's get_endpoint_data).
                tracing::debug!(target: LOG_TARGET, url = %redact::url_str(&self.catalog_url), "no version document; using the catalog data");
                return Ok(new);
            }
            if choices.catalog_matches_version {
                new.service_url = Some(self.catalog_url.clone());
                return Ok(new);
            }
            if allow_hack {
                tracing::warn!(
                    target: LOG_TARGET,
                    url = %redact::url_str(&self.catalog_url),
                    "version discovery failed everywhere; using the catalog URL as the base URL"
                );
                return Ok(new);
            }
            return Err(Error::discovery(redact::url_str(&self.catalog_url), format!(
                    "no version document found, the service is unavailable or misconfigured (wanted {range}, version hack disabled)"
                )));
        };
        let Some(data) = disc.versioned_data_for(match_url.as_deref(), range, opts.allow) else {
            let message = match (range.min, range.max) {
                (Some(lo), Some(hi)) if hi.is_latest() => format!("minimum version {lo} was not found"),
                (Some(lo), Some(hi)) => format!("no version found between {lo} and {hi}"),
                (Some(lo), None) => format!("minimum version {lo} was not found"),
                (None, Some(hi)) => format!("maximum version {hi} was not found"),
                (None, None) => "no version data found".to_owned(),
            };
            return Err(Error::discovery(redact::url_str(disc.url()), message));
        };
        new.apply(data);
        let mut url = data.url.clone();
        if let Some(pid) = &choices.saved_project_id {
            url = format!("{}/{}", url.trim_end_matches('/'), pid);
        }
        new.service_url = Some(url);
        Ok(new)
    }

    fn apply(&mut self, data: &VersionData) {
        self.api_version = Some(data.version);
        self.min_microversion = data.min_microversion;
        self.max_microversion = data.max_microversion;
        self.next_min_version = data.next_min_version;
        self.not_before = data.not_before.clone();
        self.status = Some(data.status);
    }

    /// Resolves this endpoint for what `filter` asks (version range,
    /// allowed statuses, version hack).
    pub async fn resolve_for(
        &self,
        ctx: DiscoveryContext<'_>,
        filter: &crate::catalog::EndpointFilter,
        discover_versions: bool,
        project_id: Option<String>,
    ) -> Result<Self> {
        let service_type = filter.service_type.as_deref().or(self.service_type.as_deref());
        let range = normalize_for_service(filter.version, filter.min_version, filter.max_version, service_type)?;
        let opts = DiscoveryOptions {
            allow: filter.allow,
            allow_version_hack: filter.allow_version_hack.unwrap_or(true),
            discover_versions,
            project_id,
        };
        self.resolve(ctx, range, &opts).await
    }

    /// Every version the service offers (keystoneauth1's
    /// `get_all_version_string_data`): from the first version document
    /// found, else inferred from the URL.
    pub async fn all_version_data(&self, ctx: DiscoveryContext<'_>, opts: &DiscoveryOptions) -> Vec<VersionData> {
        let choices = self.discovery_url_choices(VersionRange::default(), opts, true);
        let mut tried = HashSet::new();
        for url in &choices.urls {
            if !tried.insert(DiscoveryCache::key(url)) {
                continue;
            }
            match fetch_discovery(ctx, url).await {
                Ok(d) => return d.versions(opts.allow).cloned().collect(),
                Err(e) => {
                    tracing::debug!(target: LOG_TARGET, url = %redact::url_str(url), error = %e, "no version document here");
                }
            }
        }
        let url = inferred_url(&self.catalog_url, opts.project_id.as_deref());
        vec![VersionData {
            version: self.api_version.unwrap_or(ApiVersion::new(0, 0)),
            url,
            collection: None,
            min_microversion: None,
            max_microversion: None,
            next_min_version: None,
            not_before: None,
            status: VersionStatus::Unknown,
            raw_status: String::new(),
            media_types: Vec::new(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(url: &str, range: VersionRange, project: Option<&str>, hack: bool) -> UrlChoices {
        let opts = DiscoveryOptions {
            project_id: project.map(str::to_owned),
            ..Default::default()
        };
        EndpointData::from_url(url, Some("compute")).discovery_url_choices(range, &opts, hack)
    }

    fn range(version: &str) -> VersionRange {
        VersionRange::normalize(Some(version.parse().unwrap()), None, None).unwrap()
    }

    #[test]
    fn versioned_catalog_url_that_matches_is_tried_first() {
        let c = choices("http://h:8774/v2.1", range("2.1"), None, true);
        // The duplicate (the identity hack does nothing for compute) is skipped when fetching.
        assert_eq!(
            c.urls,
            vec![
                "http://h:8774/v2.1/",
                "http://h:8774/",
                "http://h:8774/v2.1",
                "http://h:8774/v2.1"
            ]
        );
        assert!(c.catalog_matches_exactly);
    }

    #[test]
    fn project_id_is_stripped_and_remembered() {
        let c = choices("http://h:8776/v3/abc123", range("3"), Some("abc123"), true);
        assert_eq!(c.saved_project_id.as_deref(), Some("abc123"));
        assert_eq!(c.urls[0], "http://h:8776/v3/");
        assert_eq!(c.urls[1], "http://h:8776/");
        // Without knowing the project id: the segment after a version is one.
        let c = choices("http://h:8776/v3/abc123", range("3"), None, true);
        assert_eq!(c.saved_project_id.as_deref(), Some("abc123"));
    }

    #[test]
    fn inferred_version_urls() {
        assert_eq!(inferred_url("http://h/v1/AUTH_abc", Some("abc")), "http://h/v1/");
        assert_eq!(inferred_url("http://h/v2.1/abc/", Some("abc")), "http://h/v2.1/");
        // keystoneauth1 would strip `v2.1` (its suffix test); a whole
        // segment only here (docs/compatibility.md).
        assert_eq!(
            inferred_url("http://h/compute/v2.1", Some("1")),
            "http://h/compute/v2.1/"
        );
        assert_eq!(inferred_url("http://h/compute/v2.1", None), "http://h/compute/v2.1/");
    }

    #[test]
    fn host_only_urls_gain_a_slash() {
        // keystoneauth1 keeps `http://h:8774` as the unversioned URL (it is
        // the catalog's); the url crate writes a host-only URL with `/`
        // (docs/compatibility.md).
        let c = choices("http://h:8774", range("2.1"), None, true);
        assert_eq!(c.urls[0], "http://h:8774/");
    }

    #[test]
    fn identity_catalog_hack() {
        // keystoneauth1's CatalogHackTests (test_version_hacks,
        // test_ignored_non_service_type).
        let base = "http://keystone.server:5000/";
        let v2 = "http://keystone.server:5000/v2.0";
        assert_eq!(catalog_discover_hack(Some("identity"), v2), base);
        assert_eq!(catalog_discover_hack(Some("identity"), &format!("{v2}/")), base);
        let other = "http://other.server:5000/path";
        assert_eq!(catalog_discover_hack(Some("identity"), other), other);
        assert_eq!(catalog_discover_hack(Some("other"), v2), v2);
    }

    #[test]
    fn project_id_is_a_whole_segment_or_swift_account() {
        // Issue 12: project 1 is not the `v2.1` segment's suffix (nor 3 of
        // `v3`, nor 0 of `v2.0`); keystoneauth1 compares the whole segment.
        for (url, pid) in [
            ("http://h/compute/v2.1", "1"),
            ("http://h/identity/v3", "3"),
            ("http://h/identity/v2.0", "0"),
        ] {
            let c = choices(url, range("2.1"), Some(pid), true);
            assert_eq!(c.saved_project_id, None, "{url} {pid}");
        }
        // Swift's account segment.
        let c = choices("http://h:8080/v1/AUTH_abc", range("1"), Some("abc"), true);
        assert_eq!(c.saved_project_id.as_deref(), Some("AUTH_abc"));
        assert_eq!(c.urls[0], "http://h:8080/v1/");
        // Another suffix is not the project.
        let c = choices("http://h:8080/v1/xabc", range("1"), Some("abc"), true);
        assert_eq!(c.saved_project_id, None);
        assert!(is_project_segment("abc", "abc") && !is_project_segment("", ""));
    }

    #[test]
    fn mismatching_versioned_url_goes_to_the_root() {
        let c = choices("http://h:8774/v2", range("2.1"), None, true);
        assert_eq!(c.urls[0], "http://h:8774/");
        assert!(!c.catalog_matches_version);
        let c = choices("http://h:8774/v2.1", VersionRange::default(), None, false);
        assert_eq!(c.urls, vec!["http://h:8774/v2.1"]);
    }

    #[test]
    fn implied_versions() {
        assert_eq!(implied_version("volumev3"), Some(ApiVersion::new(3, 0)));
        assert_eq!(implied_version("sharev2"), Some(ApiVersion::new(2, 0)));
        assert_eq!(implied_version("block-storage"), None);
        let r = normalize_for_service(None, None, None, Some("volumev3")).unwrap();
        assert_eq!(
            (r.min, r.max),
            (Some(ApiVersion::new(3, 0)), Some(ApiVersion::major_latest(3)))
        );
        let err = normalize_for_service(Some(ApiVersion::new(2, 0)), None, None, Some("volumev3")).unwrap_err();
        assert!(err.to_string().contains("volumev3 implies version 3"), "{err}");
        assert!(normalize_for_service(None, Some(ApiVersion::new(2, 0)), None, Some("volumev3")).is_err());
        assert!(normalize_for_service(None, None, Some(ApiVersion::new(2, 5)), Some("volumev3")).is_err());
    }

    #[test]
    fn versions_in_urls() {
        assert_eq!(version_from_url("http://h/v2.1/abc"), Some(ApiVersion::new(2, 1)));
        assert_eq!(version_from_url("http://h/compute/v2.1"), Some(ApiVersion::new(2, 1)));
        assert_eq!(version_from_url("http://h:9292"), None);
        assert_eq!(version_from_url("http://h/volume/123"), None);
    }
}
