//! Microversion headers and negotiation.

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::catalog::service_types;
use crate::error::{Error, Result};
use crate::version::{ApiVersion, VersionPart};

/// The service type used in `OpenStack-API-Version`: the official type,
/// except that block storage says `volume` (as Cinder expects) and the
/// shared file system is `shared-file-system` whatever the catalog calls it.
pub fn microversion_service_type(service_type: &str) -> String {
    if service_type.starts_with("volume") || service_type == "block-storage" || service_type == "block-store" {
        return "volume".to_owned();
    }
    if service_type.starts_with("share") {
        return "shared-file-system".to_owned();
    }
    service_types::official_type(service_type)
        .unwrap_or(service_type)
        .to_owned()
}

/// The legacy per-service header that older services read besides
/// `OpenStack-API-Version`.
fn legacy_header(mv_service_type: &str) -> Option<&'static str> {
    match mv_service_type {
        "compute" => Some("x-openstack-nova-api-version"),
        "baremetal" => Some("x-openstack-ironic-api-version"),
        "shared-file-system" => Some("x-openstack-manila-api-version"),
        _ => None,
    }
}

/// Sets the microversion headers for a request to `service_type`, unless
/// the request already has them: `OpenStack-API-Version: <type> <version>`
/// and the legacy header of compute, baremetal and shared-file-system.
///
/// `latest` and `N.latest` are refused: resolve them against the service's
/// discovered range first (see [`negotiate_microversion`]).
pub fn set_microversion_headers(headers: &mut HeaderMap, service_type: &str, microversion: ApiVersion) -> Result<()> {
    if microversion.has_latest() {
        return Err(Error::invalid_option(
            "microversion",
            format!(
                "{microversion} is not a microversion a service accepts; resolve it against the discovered range first"
            ),
        ));
    }
    let st = microversion_service_type(service_type);
    let value = |v: String| {
        HeaderValue::from_str(&v).map_err(|_| {
            Error::invalid_option(
                "microversion service type",
                format!("{st:?} cannot be sent in a header"),
            )
        })
    };
    let name = HeaderName::from_static("openstack-api-version");
    if !headers.contains_key(&name) {
        headers.insert(name, value(format!("{st} {microversion}"))?);
    }
    if let Some(legacy) = legacy_header(&st) {
        let legacy = HeaderName::from_static(legacy);
        if !headers.contains_key(&legacy) {
            headers.insert(legacy, value(microversion.to_string())?);
        }
    }
    Ok(())
}

/// The highest microversion that both the client's supported range and the
/// service's discovered range allow.
///
/// `client_max` may be `latest` (or `N.latest`): the service's maximum then
/// bounds it. A service without a range (no microversions) gives an error,
/// as does a pair of ranges that do not overlap.
///
/// ```
/// use keystoneauth::ApiVersion;
/// use keystoneauth::discovery::negotiate_microversion;
/// let v = negotiate_microversion(
///     ApiVersion::new(2, 1), ApiVersion::new(2, 79),
///     Some(ApiVersion::new(2, 1)), Some(ApiVersion::new(2, 96)),
/// ).unwrap();
/// assert_eq!(v, ApiVersion::new(2, 79));
/// ```
pub fn negotiate_microversion(
    client_min: ApiVersion,
    client_max: ApiVersion,
    service_min: Option<ApiVersion>,
    service_max: Option<ApiVersion>,
) -> Result<ApiVersion> {
    let (Some(smin), Some(smax)) = (service_min, service_max) else {
        return Err(Error::discovery(
            String::new(),
            "the service announces no microversion range",
        ));
    };
    let hi = client_max.min(smax);
    let lo = client_min.max(smin);
    if hi < lo || hi.has_latest() || matches!(hi.minor, VersionPart::Latest) {
        return Err(Error::discovery(String::new(), format!(
                "no microversion is supported by both the client ({client_min} to {client_max}) and the service ({smin} to {smax})"
            )));
    }
    Ok(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(st: &str, v: &str) -> Vec<(String, String)> {
        let mut h = HeaderMap::new();
        set_microversion_headers(&mut h, st, v.parse().unwrap()).unwrap();
        let mut out: Vec<_> = h
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn headers_per_service_type() {
        assert_eq!(
            headers("compute", "2.60"),
            vec![
                ("openstack-api-version".into(), "compute 2.60".into()),
                ("x-openstack-nova-api-version".into(), "2.60".into())
            ]
        );
        assert_eq!(
            headers("baremetal", "1.87"),
            vec![
                ("openstack-api-version".into(), "baremetal 1.87".into()),
                ("x-openstack-ironic-api-version".into(), "1.87".into())
            ]
        );
        for st in ["sharev2", "share", "shared-file-system"] {
            assert_eq!(
                headers(st, "2.65"),
                vec![
                    ("openstack-api-version".into(), "shared-file-system 2.65".into()),
                    ("x-openstack-manila-api-version".into(), "2.65".into())
                ]
            );
        }
        for st in ["volumev3", "volume", "block-storage"] {
            assert_eq!(
                headers(st, "3.70"),
                vec![("openstack-api-version".into(), "volume 3.70".into())]
            );
        }
        assert_eq!(
            headers("placement", "1.39"),
            vec![("openstack-api-version".into(), "placement 1.39".into())]
        );
        assert_eq!(headers("bare-metal", "1.1")[0].1, "baremetal 1.1");
    }

    #[test]
    fn latest_is_refused_and_explicit_headers_win() {
        let mut h = HeaderMap::new();
        assert!(set_microversion_headers(&mut h, "compute", ApiVersion::LATEST).is_err());
        assert!(set_microversion_headers(&mut h, "compute", ApiVersion::major_latest(2)).is_err());
        h.insert("openstack-api-version", "compute 2.1".parse().unwrap());
        set_microversion_headers(&mut h, "compute", ApiVersion::new(2, 60)).unwrap();
        assert_eq!(h["openstack-api-version"], "compute 2.1");
    }

    #[test]
    fn negotiation() {
        let v = |s: &str| s.parse::<ApiVersion>().unwrap();
        assert_eq!(
            negotiate_microversion(v("2.1"), v("latest"), Some(v("2.1")), Some(v("2.96"))).unwrap(),
            v("2.96")
        );
        assert_eq!(
            negotiate_microversion(v("2.1"), v("2.latest"), Some(v("2.1")), Some(v("2.96"))).unwrap(),
            v("2.96")
        );
        assert_eq!(
            negotiate_microversion(v("2.1"), v("2.53"), Some(v("2.1")), Some(v("2.96"))).unwrap(),
            v("2.53")
        );
        let err = negotiate_microversion(v("2.97"), v("2.99"), Some(v("2.1")), Some(v("2.96"))).unwrap_err();
        assert!(
            err.to_string().contains("no microversion is supported by both"),
            "{err}"
        );
        assert!(negotiate_microversion(v("1.0"), v("1.5"), None, None).is_err());
    }
}
