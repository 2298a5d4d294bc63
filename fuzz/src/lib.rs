//! Helpers shared by the fuzz targets: a tolerant reader of HTTP-response
//! text (so seeds can be real `curl -i` captures) and functions that walk
//! everything a parser produced, so a lazily failing accessor is reached.

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use keystoneauth::secrecy::ExposeSecret;
use keystoneauth::{service_types, AccessInfo, AllowedStatuses, ApiVersion, EndpointData, EndpointFilter, Interface, ServiceCatalog, VersionRange};
use keystoneauth::discovery::{Discovered, version_from_url};

/// A response split out of fuzz input shaped like `curl -i` output:
///
/// ```text
/// <first line>            (a status line, or a URL: each target says)
/// Name: value             (headers; invalid ones are skipped)
///
/// <body>                  (everything after the first blank line)
/// ```
///
/// Input without a blank line is all headers and an empty body; CRLF or LF.
pub struct Response<'a> {
    /// The first line, lossily decoded.
    pub first_line: String,
    /// The valid headers.
    pub headers: HeaderMap,
    /// The body bytes, untouched.
    pub body: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits `data` as described on [`Response`].
pub fn split_response(data: &[u8]) -> Response<'_> {
    let (head, body) = match (find(data, b"\r\n\r\n"), find(data, b"\n\n")) {
        (Some(a), Some(b)) if b < a => (&data[..b], &data[b + 2..]),
        (Some(a), _) => (&data[..a], &data[a + 4..]),
        (None, Some(b)) => (&data[..b], &data[b + 2..]),
        (None, None) => (data, &data[data.len()..]),
    };
    let mut lines = head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first_line = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = line[colon + 1..].trim_ascii();
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(&line[..colon]), HeaderValue::from_bytes(value)) {
            headers.append(n, v);
        }
    }
    Response {
        first_line,
        headers,
        body,
    }
}

/// The status in a status line (`HTTP/1.1 401 UNAUTHORIZED`, or just
/// `401`), else 500.
pub fn status_of(line: &str) -> StatusCode {
    line.split_ascii_whitespace()
        .find_map(|w| w.parse::<u16>().ok().and_then(|c| StatusCode::from_u16(c).ok()))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Filters covering each lookup path: every type in the catalog (and its
/// authority family), each interface, each region, names and ids.
pub fn exercise_catalog(catalog: &ServiceCatalog) {
    let _ = format!("{catalog:?}");
    let _ = catalog.is_empty();
    let mut filters = vec![
        EndpointFilter::new("identity"),
        EndpointFilter::new("block-storage").interfaces([Interface::Internal, Interface::Public]),
        EndpointFilter::new("compute").region_name("RegionOne"),
    ];
    for service in catalog.services().iter().take(16) {
        let st = service.service_type.as_str();
        let _ = service_types::family(st).official();
        let _ = keystoneauth::discovery::implied_version(st);
        for official in [service_types::official_type(st)].into_iter().flatten() {
            filters.push(EndpointFilter::new(official));
        }
        let mut f = EndpointFilter::new(st).interfaces(Interface::ALL);
        if let Some(n) = &service.name {
            f = f.service_name(n.clone());
        }
        if let Some(id) = &service.id {
            f = f.service_id(id.clone());
        }
        filters.push(f);
        for ep in service.endpoints.iter().take(8) {
            let mut f = EndpointFilter::new(st).interface(ep.interface);
            if let Some(r) = &ep.region {
                f = f.region_name(r.clone());
            }
            filters.push(f);
            let _ = version_from_url(&ep.url);
        }
    }
    for filter in &filters {
        let _ = filter.to_string();
        match catalog.endpoint(filter) {
            Ok(m) => {
                assert!(!m.url().is_empty(), "a lookup returned an endpoint without a URL");
                let data = EndpointData::from_catalog(m);
                let _ = data.url();
            }
            Err(e) => {
                let _ = (e.to_string(), format!("{e:?}"));
            }
        }
        for m in catalog.endpoints(filter) {
            assert!(!m.url().is_empty(), "endpoints() returned an endpoint without a URL");
        }
    }
}

/// Every accessor of a parsed token, its catalog, and the saved-state round
/// trip: what `to_state` writes, `from_state` must read back the same.
pub fn exercise_access(access: &AccessInfo) {
    let _ = format!("{access:?}");
    let _ = (
        access.version(),
        access.expires_at(),
        access.issued_at(),
        access.lifetime(),
    );
    let _ = access.will_expire_soon(Duration::from_secs(120));
    let _ = access.will_expire_soon(Duration::MAX);
    let _ = (access.user(), access.user_id(), access.username());
    let _ = (access.user_domain_id(), access.user_domain_name());
    let _ = (access.project(), access.project_id(), access.project_name());
    let _ = (access.project_domain_id(), access.project_domain_name());
    let _ = (
        access.domain(),
        access.domain_id(),
        access.domain_name(),
        access.system_scope(),
    );
    let _ = (access.trust(), access.application_credential());
    let _ = (
        access.roles(),
        access.role_names(),
        access.methods(),
        access.audit_ids(),
    );
    let _ = (
        access.is_domain(),
        access.is_project_scoped(),
        access.is_domain_scoped(),
    );
    let _ = (access.is_system_scoped(), access.is_unscoped(), access.raw_body());
    exercise_catalog(access.catalog());

    // A parsed body is UTF-8 (the parsers refuse others: F1, fixed), so it
    // always saves and restores.
    let state = access.to_state().expect("to_state of a parsed token");
    let back = AccessInfo::from_state(state.expose_secret()).expect("from_state(to_state(x))");
    assert_eq!(back.token().expose_secret(), access.token().expose_secret());
    assert_eq!(back.version(), access.version());
    assert_eq!(back.expires_at(), access.expires_at());
    assert_eq!(back.issued_at(), access.issued_at());
    assert_eq!(back.user_id(), access.user_id());
    assert_eq!(back.project_id(), access.project_id());
    assert_eq!(back.catalog(), access.catalog());
}

/// Every version-selection path over a parsed version document.
pub fn exercise_discovered(d: &Discovered) {
    let _ = (d.url(), format!("{d:?}"));
    for allow in [AllowedStatuses::default(), AllowedStatuses::ALL] {
        let _ = d.versions(allow).count();
    }
    let mut ranges = vec![VersionRange::default()];
    for (v, min, max) in [
        (Some(ApiVersion::new(3, 0)), None, None),
        (None, Some(ApiVersion::new(2, 1)), None),
        (None, Some(ApiVersion::LATEST), None),
        (None, Some(ApiVersion::major_latest(2)), Some(ApiVersion::LATEST)),
    ] {
        if let Ok(r) = VersionRange::normalize(v, min, max) {
            ranges.push(r);
        }
    }
    for v in d.all_versions().iter().take(8) {
        let _ = (v.status.as_str(), &v.raw_status, &v.media_types);
        ranges.push(VersionRange {
            min: Some(v.version),
            max: Some(v.version),
        });
        if let (Some(lo), Some(hi)) = (v.min_microversion, v.max_microversion) {
            let _ = keystoneauth::discovery::negotiate_microversion(ApiVersion::new(2, 1), ApiVersion::LATEST, Some(lo), Some(hi));
        }
    }
    let urls: Vec<Option<String>> = std::iter::once(None)
        .chain(d.all_versions().iter().take(4).map(|v| Some(v.url.clone())))
        .collect();
    for range in &ranges {
        for url in &urls {
            let _ = d.versioned_data_for(url.as_deref(), *range, AllowedStatuses::ALL);
        }
    }
}

/// Runs `f` and reports any panic with its message and location (the
/// loader targets used this to step over one known panic, F2, which is
/// fixed: nothing is stepped over any more).
pub fn step_over_known_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    Some(f())
}

/// What an application does with a configuration source: the auth type,
/// the plugin's options, the plugin itself, the session and adapter
/// settings (no file is read: `load_session` would open CA files).
pub fn exercise_loader(loader: &keystoneauth::loading::Loader) {
    fn show<T>(r: keystoneauth::Result<T>) {
        if let Err(e) = r {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
    show(loader.auth_type());
    show(loader.auth_options());
    show(loader.load_auth());
    if let Some(r) = step_over_known_panic(|| loader.session_options()) {
        show(r);
    }
    if let Some(r) = step_over_known_panic(|| loader.adapter_options()) {
        show(r);
    }
}
