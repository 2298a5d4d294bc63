//! The OpenStack service-types authority, embedded.
//!
//! Every OpenStack API has one official *service type* (`block-storage`,
//! `compute`, `shared-file-system`...) and possibly historical *aliases*
//! that clouds still put in their catalogs (`volumev3`, `volumev2`,
//! `volume`...). This module carries the authority's data as a static table
//! (the counterpart of Python's `os-service-types`), so that asking the
//! catalog for `block-storage` finds a `volumev3` entry and asking for
//! `volume` finds a `block-storage` one (but not a `volumev3` one: an alias
//! matches only its official type and itself, as in os-service-types).
//!
//! A type, its official type and its aliases form a *family*, official type
//! first and then the aliases in the authority's order of preference. A
//! type the authority does not know is a family of its own.
//!
//! ```
//! use keystoneauth::service_types;
//! assert_eq!(service_types::official_type("volumev3"), Some("block-storage"));
//! assert_eq!(service_types::aliases("block-storage"), ["volumev3", "volumev2", "volume", "block-store"]);
//! assert_eq!(
//!     service_types::family("volume").as_slice(),
//!     ["block-storage", "volumev3", "volumev2", "volume", "block-store"]
//! );
//! assert_eq!(service_types::family("my-private-api").as_slice(), ["my-private-api"]);
//! assert!(service_types::is_match("block-storage", "volumev3"));
//! assert!(service_types::is_match("volumev3", "block-storage"));
//! assert!(!service_types::is_match("volumev2", "volumev3"));
//! ```
//!
//! Source: `service-types.yaml` of
//! [service-types-authority](https://opendev.org/openstack/service-types-authority)
//! (as of July 2025, with the retired types kept: old clouds still list them).

use std::ops::Deref;
use std::sync::OnceLock;

/// Every family of the authority: the official type first, then its aliases
/// in order of preference. Sorted by official type.
pub static FAMILIES: &[&[&str]] = &[
    &["accelerator"],
    &["admin-logic", "registration"],
    &["alarm", "alarming"],
    &["application-catalog"],
    &["application-container", "container"],
    &["application-deployment", "application_deployment"],
    &["backup"],
    &["baremetal", "bare-metal"],
    &["baremetal-introspection"],
    &["block-storage", "volumev3", "volumev2", "volume", "block-store"],
    &["clustering", "resource-cluster", "cluster"],
    &["compute"],
    &[
        "container-infrastructure-management",
        "container-infrastructure",
        "container-infra",
    ],
    &["data-processing"],
    &["data-protection-orchestration"],
    &["database"],
    &["dns"],
    &["ec2-api"],
    &["event", "events"],
    &["function-engine"],
    &["identity"],
    &["image"],
    &["instance-ha", "ha"],
    &["key-manager"],
    &["load-balancer"],
    &["log-management"],
    &["message", "messaging"],
    &["meter", "metering", "telemetry"],
    &["metric-storage"],
    &["monitoring"],
    &["monitoring-events"],
    &["monitoring-logging", "monitoring-log-api"],
    &["multi-region-network-automation", "tricircle"],
    &["network"],
    &["nfv-orchestration"],
    &["object-store"],
    &["operator-policy", "policy"],
    &["orchestration"],
    &["placement"],
    &["rating"],
    &["reservation"],
    &["resource-optimization", "infra-optim"],
    &["root-cause-analysis", "rca"],
    &["search"],
    &["shared-file-system", "sharev2", "share"],
    &["workflow", "workflowv2"],
];

/// Every known type (official or alias) with the index of its family in
/// [`FAMILIES`], sorted by type for binary search. Built once.
fn index() -> &'static [(&'static str, usize)] {
    static INDEX: OnceLock<Vec<(&'static str, usize)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: Vec<(&'static str, usize)> = FAMILIES
            .iter()
            .enumerate()
            .flat_map(|(i, family)| family.iter().map(move |t| (*t, i)))
            .collect();
        index.sort_unstable();
        index
    })
}

/// The authority's family (official type first) that `service_type` belongs to.
fn known_family(service_type: &str) -> Option<&'static [&'static str]> {
    let index = index();
    let i = index.binary_search_by(|(t, _)| (*t).cmp(service_type)).ok()?;
    FAMILIES.get(index.get(i)?.1).copied()
}

/// True if the authority knows `service_type`, as an official type or an alias.
pub fn is_known(service_type: &str) -> bool {
    known_family(service_type).is_some()
}

/// True if `service_type` is an official type (not an alias).
pub fn is_official(service_type: &str) -> bool {
    known_family(service_type).and_then(|f| f.first()) == Some(&service_type)
}

/// True if `service_type` is an alias of an official type.
pub fn is_alias(service_type: &str) -> bool {
    is_known(service_type) && !is_official(service_type)
}

/// The official type for an official type or alias (`volumev3` →
/// `block-storage`); `None` when the authority does not know it.
pub fn official_type(service_type: &str) -> Option<&'static str> {
    known_family(service_type).and_then(|f| f.first().copied())
}

/// The aliases of a type's family in order of preference, without the
/// official type (`block-storage` → `volumev3, volumev2, volume,
/// block-store`). Accepts an official type or any of its aliases; empty for
/// types without aliases and for unknown types.
pub fn aliases(service_type: &str) -> &'static [&'static str] {
    known_family(service_type).and_then(|f| f.get(1..)).unwrap_or(&[])
}

/// The family of a type: its official type and then the aliases in order of
/// preference. A type the authority does not know is its own family.
pub fn family(service_type: &str) -> Family<'_> {
    match known_family(service_type) {
        Some(types) => Family(FamilyKind::Known(types)),
        None => Family(FamilyKind::Unknown(service_type)),
    }
}

/// True if a catalog entry of type `found` serves a request for type
/// `requested`, as os-service-types' `is_match`: the same type, or an
/// official type and one of its aliases either way round. An alias never
/// matches another alias (`volumev2` does not match `volumev3`): some
/// aliases name different API versions.
pub fn is_match(requested: &str, found: &str) -> bool {
    if requested == found {
        return true;
    }
    match (official_type(requested), official_type(found)) {
        (Some(a), Some(b)) if a == b => a == requested || a == found,
        _ => false,
    }
}

/// A family of service types, official type first (see [`family`]).
///
/// Dereferences to a slice of the types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Family<'a>(FamilyKind<'a>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FamilyKind<'a> {
    Known(&'static [&'static str]),
    Unknown(&'a str),
}

impl<'a> Family<'a> {
    /// The types, official type first.
    pub fn as_slice(&self) -> &[&'a str] {
        match &self.0 {
            FamilyKind::Known(types) => types,
            FamilyKind::Unknown(t) => std::slice::from_ref(t),
        }
    }

    /// The official type (the type itself when the authority does not know it).
    pub fn official(&self) -> &'a str {
        match self.0 {
            FamilyKind::Known(types) => types.first().copied().unwrap_or_default(),
            FamilyKind::Unknown(t) => t,
        }
    }

    /// True if the family comes from the authority's table.
    pub fn is_known(&self) -> bool {
        matches!(self.0, FamilyKind::Known(_))
    }
}

impl<'a> Deref for Family<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &Self::Target {
        self.as_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for family in FAMILIES {
            assert!(!family.is_empty());
            for t in *family {
                assert!(seen.insert(*t), "{t} is listed twice");
                assert!(
                    !t.is_empty()
                        && t.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'),
                    "{t}"
                );
            }
        }
        let officials: Vec<&str> = FAMILIES.iter().map(|f| f[0]).collect();
        let mut sorted = officials.clone();
        sorted.sort_unstable();
        assert_eq!(officials, sorted);
        assert_eq!(index().len(), seen.len());
    }

    #[test]
    fn required_families() {
        let cases: &[&[&str]] = &[
            &["block-storage", "volumev3", "volumev2", "volume", "block-store"],
            &["shared-file-system", "sharev2", "share"],
            &["load-balancer"],
            &[
                "container-infrastructure-management",
                "container-infrastructure",
                "container-infra",
            ],
            &["baremetal", "bare-metal"],
            &["workflow", "workflowv2"],
            &["clustering", "resource-cluster", "cluster"],
            &["compute"],
            &["identity"],
            &["image"],
            &["network"],
            &["object-store"],
            &["orchestration"],
            &["placement"],
            &["dns"],
            &["key-manager"],
        ];
        for expected in cases {
            for member in *expected {
                assert_eq!(family(member).as_slice(), *expected, "family of {member}");
                assert_eq!(official_type(member), Some(expected[0]), "{member}");
                assert_eq!(aliases(member), &expected[1..], "{member}");
                assert!(is_known(member));
                assert_eq!(is_official(member), *member == expected[0], "{member}");
                assert_eq!(is_alias(member), *member != expected[0], "{member}");
            }
        }
    }

    #[test]
    fn unknown_types_are_their_own_family() {
        let f = family("my-api");
        assert_eq!(f.as_slice(), ["my-api"]);
        assert_eq!(f.official(), "my-api");
        assert!(!f.is_known());
        assert_eq!(official_type("my-api"), None);
        assert!(aliases("my-api").is_empty());
        assert!(!is_known("my-api") && !is_official("my-api") && !is_alias("my-api"));
        assert!(!is_known("") && !is_known("Compute"));
        assert_eq!(family("volume").official(), "block-storage");
        assert_eq!(family("volume").len(), 5);
    }

    #[test]
    fn matching() {
        assert!(is_match("block-storage", "volumev3"));
        assert!(is_match("volumev3", "block-storage"));
        // os-service-types: an alias never matches another alias.
        assert!(!is_match("volume", "volumev2"));
        assert!(!is_match("volumev2", "volumev3"));
        assert!(is_match("volumev2", "volumev2"));
        assert!(is_match("volume", "block-storage"));
        assert!(is_match("my-api", "my-api"));
        assert!(!is_match("compute", "volumev3"));
        assert!(!is_match("my-api", "compute"));
    }
}
