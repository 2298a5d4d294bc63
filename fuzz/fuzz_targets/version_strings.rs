//! Version and interface strings from configuration and catalogs:
//! `ApiVersion::from_str` (`v2.1`, `2.latest`, `latest`), `Interface::from_str`
//! (`internal`, `publicURL`), status strings and versions in endpoint URLs.
#![no_main]

use std::str::FromStr;

use keystoneauth::{ApiVersion, Interface, VersionRange, VersionStatus};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(v) = ApiVersion::from_str(&text) {
        let shown = v.to_string();
        assert_eq!(
            shown.parse::<ApiVersion>().ok(),
            Some(v),
            "{shown:?} does not parse back"
        );
        let _ = (v.has_latest(), v.is_latest(), v.major_number());
        let _ = VersionRange::normalize(Some(v), None, None);
        let _ = VersionRange::normalize(None, Some(v), Some(ApiVersion::new(2, 90)));
        let _ = keystoneauth::discovery::normalize_for_service(None, Some(v), None, Some("volumev3"));
    }
    let _ = ApiVersion::parse_option(&text, "version").map_err(|e| e.to_string());
    if let Ok(i) = Interface::from_str(&text) {
        assert_eq!(Interface::from_str(i.as_str()).ok(), Some(i));
        assert_eq!(Interface::from_str(i.v2_key()).ok(), Some(i));
    }
    let _ = VersionStatus::parse(&text).as_str();
    let _ = keystoneauth::discovery::version_from_url(&text);
    let _ = keystoneauth::discovery::implied_version(&text);
    let _ = keystoneauth::discovery::microversion_service_type(&text);
    let mut headers = http::HeaderMap::new();
    let _ = keystoneauth::discovery::set_microversion_headers(&mut headers, &text, ApiVersion::new(2, 60));
});
