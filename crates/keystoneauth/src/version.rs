//! API version numbers: `v3`, `3.0`, `2.1`, `latest`, `2.latest`, and
//! ranges of them.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// One component of a version: a number or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionPart {
    /// A number.
    Num(u64),
    /// `latest`: greater than every number.
    Latest,
}

impl PartialOrd for VersionPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for VersionPart {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (VersionPart::Num(a), VersionPart::Num(b)) => a.cmp(b),
            (VersionPart::Num(_), VersionPart::Latest) => Ordering::Less,
            (VersionPart::Latest, VersionPart::Num(_)) => Ordering::Greater,
            (VersionPart::Latest, VersionPart::Latest) => Ordering::Equal,
        }
    }
}

impl fmt::Display for VersionPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionPart::Num(n) => write!(f, "{n}"),
            VersionPart::Latest => f.write_str("latest"),
        }
    }
}

/// An API version or microversion, `major.minor` or `major.minor.patch`,
/// comparable; the major and minor parts may be `latest`.
///
/// A three-part version (`1.5.1`, as keystoneauth1 accepts) orders after
/// its two-part prefix, as Python compares `(1, 5)` and `(1, 5, 1)`.
///
/// ```
/// use keystoneauth::ApiVersion;
/// let v: ApiVersion = "v2.1".parse().unwrap();
/// assert_eq!(v, ApiVersion::new(2, 1));
/// assert_eq!("3".parse::<ApiVersion>().unwrap(), ApiVersion::new(3, 0));
/// assert!("2.latest".parse::<ApiVersion>().unwrap() > ApiVersion::new(2, 96));
/// assert_eq!(ApiVersion::LATEST.to_string(), "latest");
/// let three: ApiVersion = "1.5.1".parse().unwrap();
/// assert_eq!(three, ApiVersion::new(1, 5).with_patch(1));
/// assert!(three > ApiVersion::new(1, 5) && three < ApiVersion::new(1, 6));
/// assert_eq!(three.to_string(), "1.5.1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiVersion {
    /// The major part.
    pub major: VersionPart,
    /// The minor part.
    pub minor: VersionPart,
    /// The third part, when the version has one (`1.5.1`).
    pub patch: Option<u64>,
}

impl ApiVersion {
    /// `latest`: the newest version there is.
    pub const LATEST: ApiVersion = ApiVersion {
        major: VersionPart::Latest,
        minor: VersionPart::Latest,
        patch: None,
    };

    /// `major.minor`.
    pub const fn new(major: u64, minor: u64) -> Self {
        ApiVersion {
            major: VersionPart::Num(major),
            minor: VersionPart::Num(minor),
            patch: None,
        }
    }

    /// The same version with a third part (`1.5` → `1.5.1`).
    pub const fn with_patch(mut self, patch: u64) -> Self {
        self.patch = Some(patch);
        self
    }

    /// `major.latest`: any minor version of a major version.
    pub const fn major_latest(major: u64) -> Self {
        ApiVersion {
            major: VersionPart::Num(major),
            minor: VersionPart::Latest,
            patch: None,
        }
    }

    /// True if either part is `latest`.
    pub fn has_latest(&self) -> bool {
        self.major == VersionPart::Latest || self.minor == VersionPart::Latest
    }

    /// True for plain `latest`.
    pub fn is_latest(&self) -> bool {
        self.major == VersionPart::Latest
    }

    /// The major number, unless it is `latest`.
    pub fn major_number(&self) -> Option<u64> {
        match self.major {
            VersionPart::Num(n) => Some(n),
            VersionPart::Latest => None,
        }
    }

    /// Parses with the name of the option it came from, for errors.
    pub fn parse_option(value: &str, option: &str) -> Result<Self> {
        value.parse::<ApiVersion>().map_err(|_| {
            Error::invalid_option(
                option.to_owned(),
                format!("{value:?} is not a version (examples: 3, v2.1, 2.60, latest, 2.latest)"),
            )
        })
    }
}

impl From<(u64, u64)> for ApiVersion {
    fn from((major, minor): (u64, u64)) -> Self {
        ApiVersion::new(major, minor)
    }
}

impl From<u64> for ApiVersion {
    fn from(major: u64) -> Self {
        ApiVersion::new(major, 0)
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_latest() && self.minor == VersionPart::Latest {
            return f.write_str("latest");
        }
        write!(f, "{}.{}", self.major, self.minor)?;
        match self.patch {
            Some(p) => write!(f, ".{p}"),
            None => Ok(()),
        }
    }
}

/// The error for a string that is not a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a version number")]
pub struct ParseVersionError(String);

impl FromStr for ApiVersion {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let err = || ParseVersionError(s.to_owned());
        let t = s.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        if t.eq_ignore_ascii_case("latest") {
            return Ok(ApiVersion::LATEST);
        }
        let part = |p: &str| -> std::result::Result<VersionPart, ParseVersionError> {
            if p.eq_ignore_ascii_case("latest") {
                Ok(VersionPart::Latest)
            } else if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map(VersionPart::Num).map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let mut it = t.split('.');
        let major = part(it.next().ok_or_else(err)?)?;
        let minor = match it.next() {
            Some(m) => part(m)?,
            None => VersionPart::Num(0),
        };
        let patch = match it.next() {
            None => None,
            Some(p) => match (minor, part(p)?) {
                (VersionPart::Num(_), VersionPart::Num(n)) => Some(n),
                _ => return Err(err()),
            },
        };
        if it.next().is_some() || major == VersionPart::Latest && minor != VersionPart::Latest {
            return Err(err());
        }
        Ok(ApiVersion { major, minor, patch })
    }
}

/// True if `candidate` has the same major version as `required` and at
/// least its minor version.
pub fn version_match(required: ApiVersion, candidate: ApiVersion) -> bool {
    candidate.major == required.major && candidate >= required
}

/// True if `candidate` lies within `[min, max]` (either bound optional).
pub fn version_between(min: Option<ApiVersion>, max: Option<ApiVersion>, candidate: ApiVersion) -> bool {
    if min.is_some_and(|m| candidate < m) {
        return false;
    }
    if max.is_some_and(|m| candidate > m) {
        return false;
    }
    true
}

/// keystoneauth1's `_latest_soft_match`: `latest` matches anything,
/// `N.latest` matches any N.x.
pub(crate) fn latest_soft_match(required: Option<ApiVersion>, candidate: ApiVersion) -> bool {
    match required {
        Some(r) if r.is_latest() => true,
        Some(r) if r.minor == VersionPart::Latest => r.major == candidate.major,
        _ => false,
    }
}

/// The status a service gives a version, normalised (`stable` is current).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionStatus {
    /// `CURRENT` or `stable`.
    Current,
    /// `SUPPORTED`.
    Supported,
    /// `DEPRECATED`.
    Deprecated,
    /// `EXPERIMENTAL`.
    Experimental,
    /// Anything else.
    Unknown,
}

impl VersionStatus {
    /// Normalises a raw status.
    pub fn parse(raw: &str) -> Self {
        match raw.to_ascii_lowercase().as_str() {
            "current" | "stable" => VersionStatus::Current,
            "supported" => VersionStatus::Supported,
            "deprecated" => VersionStatus::Deprecated,
            "experimental" => VersionStatus::Experimental,
            _ => VersionStatus::Unknown,
        }
    }

    /// The canonical upper-case name (`CURRENT`...), as keystoneauth1 reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Current => "CURRENT",
            VersionStatus::Supported => "SUPPORTED",
            VersionStatus::Deprecated => "DEPRECATED",
            VersionStatus::Experimental => "EXPERIMENTAL",
            VersionStatus::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Which versions a discovery may choose, by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllowedStatuses {
    /// Allow experimental versions (default false).
    pub experimental: bool,
    /// Allow deprecated versions (default true).
    pub deprecated: bool,
    /// Allow versions with an unrecognised status (default false).
    pub unknown: bool,
}

impl Default for AllowedStatuses {
    fn default() -> Self {
        AllowedStatuses {
            experimental: false,
            deprecated: true,
            unknown: false,
        }
    }
}

impl AllowedStatuses {
    /// Every status allowed.
    pub const ALL: AllowedStatuses = AllowedStatuses {
        experimental: true,
        deprecated: true,
        unknown: true,
    };

    /// True if a version with this status may be chosen.
    pub fn allows(&self, status: VersionStatus) -> bool {
        match status {
            VersionStatus::Current | VersionStatus::Supported => true,
            VersionStatus::Deprecated => self.deprecated,
            VersionStatus::Experimental => self.experimental,
            VersionStatus::Unknown => self.unknown,
        }
    }
}

/// A requested range of API versions, normalised as keystoneauth1 does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// The lowest acceptable version.
    pub min: Option<ApiVersion>,
    /// The highest acceptable version.
    pub max: Option<ApiVersion>,
}

impl VersionRange {
    /// True when no version was asked for.
    pub fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    /// Normalises `version` / `min_version` / `max_version` as keystoneauth1
    /// does: `version=X` means min X, max X.latest; a min alone means max
    /// latest; `min_version=latest` allows only `latest` as max.
    pub fn normalize(version: Option<ApiVersion>, min: Option<ApiVersion>, max: Option<ApiVersion>) -> Result<Self> {
        let invalid = |message: String| Error::invalid_option("version", message);
        if let Some(v) = version {
            if min.is_some() || max.is_some() {
                return Err(invalid(
                    "version is mutually exclusive with min_version and max_version".into(),
                ));
            }
            let max = match v.major {
                VersionPart::Num(m) => ApiVersion::major_latest(m),
                VersionPart::Latest => ApiVersion::LATEST,
            };
            return Ok(VersionRange {
                min: Some(v),
                max: Some(max),
            });
        }
        let mut max = max;
        if min.is_some_and(|m| m.is_latest()) {
            if let Some(m) = max.filter(|m| !m.is_latest()) {
                return Err(invalid(format!(
                    "min_version is latest, so max_version may only be latest, not {m}"
                )));
            }
            max = Some(ApiVersion::LATEST);
        }
        if min.is_some() && max.is_none() {
            max = Some(ApiVersion::LATEST);
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if hi < lo {
                return Err(invalid(format!("min_version {lo} is greater than max_version {hi}")));
            }
        }
        Ok(VersionRange { min, max })
    }

    /// True if `candidate` satisfies the range.
    pub fn contains(&self, candidate: ApiVersion) -> bool {
        version_between(self.min, self.max, candidate)
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (None, None) => f.write_str("any version"),
            (Some(lo), Some(hi)) if lo == hi => write!(f, "version {lo}"),
            (Some(lo), Some(hi)) => write!(f, "versions {lo} to {hi}"),
            (Some(lo), None) => write!(f, "version {lo} or later"),
            (None, Some(hi)) => write!(f, "version {hi} or earlier"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ApiVersion {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_spelling() {
        for (s, want) in [
            ("v3", ApiVersion::new(3, 0)),
            ("3", ApiVersion::new(3, 0)),
            ("3.0", ApiVersion::new(3, 0)),
            ("v2.1", ApiVersion::new(2, 1)),
            ("2.60", ApiVersion::new(2, 60)),
            (" V1.87 ", ApiVersion::new(1, 87)),
            ("latest", ApiVersion::LATEST),
            ("vlatest", ApiVersion::LATEST),
            ("2.latest", ApiVersion::major_latest(2)),
            // keystoneauth1's test_version_number: '1.5.1' -> (1, 5, 1).
            ("1.5.1", ApiVersion::new(1, 5).with_patch(1)),
            ("v1.20.3", ApiVersion::new(1, 20).with_patch(3)),
        ] {
            assert_eq!(v(s), want, "{s}");
        }
        for bad in [
            "",
            "v",
            "x3",
            "3.x",
            "1.2.3.4",
            "1.latest.3",
            "1.2.latest",
            "-1",
            "latest.2",
            "3..1",
            "3.",
            "1.2.",
        ] {
            assert!(bad.parse::<ApiVersion>().is_err(), "{bad:?}");
        }
        assert_eq!(ApiVersion::from((3, 14)), ApiVersion::new(3, 14));
        assert_eq!(ApiVersion::from(3), ApiVersion::new(3, 0));
    }

    #[test]
    fn orders_numerically_with_latest_last() {
        assert!(v("2.10") > v("2.9"));
        assert!(v("3.0") > v("2.99"));
        assert!(v("2.latest") > v("2.1000"));
        assert!(v("2.latest") < v("3.0"));
        assert!(v("latest") > v("99.99"));
        assert_eq!(v("2.60").to_string(), "2.60");
        assert_eq!(v("2.latest").to_string(), "2.latest");
        assert_eq!(v("latest").to_string(), "latest");
    }

    #[test]
    fn matching() {
        assert!(version_match(v("3.1"), v("3.3")));
        assert!(!version_match(v("3.1"), v("4.1")));
        assert!(!version_match(v("3.4"), v("3.3")));
        assert!(version_between(Some(v("2.0")), Some(v("2.latest")), v("2.1")));
        assert!(!version_between(Some(v("2.0")), Some(v("2.latest")), v("3.0")));
        assert!(version_between(None, None, v("1.0")));
        assert!(latest_soft_match(Some(v("latest")), v("1.0")));
        assert!(latest_soft_match(Some(v("2.latest")), v("2.5")));
        assert!(!latest_soft_match(Some(v("2.latest")), v("3.0")));
        assert!(!latest_soft_match(Some(v("2.1")), v("2.1")));
    }

    #[test]
    fn ranges_normalise_like_keystoneauth1() {
        let r = VersionRange::normalize(Some(v("2")), None, None).unwrap();
        assert_eq!((r.min, r.max), (Some(v("2.0")), Some(v("2.latest"))));
        let r = VersionRange::normalize(None, Some(v("2.1")), None).unwrap();
        assert_eq!((r.min, r.max), (Some(v("2.1")), Some(ApiVersion::LATEST)));
        let r = VersionRange::normalize(None, Some(v("latest")), None).unwrap();
        assert_eq!(r.max, Some(ApiVersion::LATEST));
        assert!(VersionRange::normalize(None, Some(v("latest")), Some(v("3"))).is_err());
        assert!(VersionRange::normalize(Some(v("3")), Some(v("3")), None).is_err());
        assert!(VersionRange::normalize(None, Some(v("3")), Some(v("2"))).is_err());
        assert!(VersionRange::normalize(None, None, None).unwrap().is_empty());
    }
}
