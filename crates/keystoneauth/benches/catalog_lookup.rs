//! Service-catalog parsing and endpoint lookups on a large catalog.
//!
//! The catalog is a v3 token `catalog` of 200 services, each with 3
//! interfaces in 5 regions (3,000 endpoints). Service 100 is a `volumev3`
//! (found through the `block-storage` alias); the others have types
//! `service-NNN`.
//!
//! Benchmarks (criterion group `catalog_lookup`):
//!
//! - `parse_v3_value`: [`ServiceCatalog::from_v3`] on the already-decoded
//!   JSON value (normalising and indexing).
//! - `parse_v3_text`: decoding the JSON text and then `from_v3`.
//! - `lookup_exact_internal_region`: `service-198`, interface internal,
//!   region `Region3`.
//! - `lookup_alias_block_storage`: `block-storage` (→ `volumev3`),
//!   interfaces internal then public, region `Region4`.
//! - `lookup_miss_unknown_type`: a type not in the catalog (the error,
//!   with its message naming the filter, included).
//! - `lookup_miss_region`: a type in the catalog but a region that is not.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p keystoneauth --bench catalog_lookup -- --warm-up-time 1 --measurement-time 4
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use keystoneauth::{EndpointFilter, Interface, ServiceCatalog};
use serde_json::{json, Value};

const SERVICES: usize = 200;
const REGIONS: usize = 5;
const ALIAS_AT: usize = 100;

/// The v3 `catalog` array: 200 services × 3 interfaces × 5 regions.
fn catalog_json() -> Value {
    let services: Vec<Value> = (0..SERVICES)
        .map(|i| {
            let service_type = if i == ALIAS_AT {
                "volumev3".to_owned()
            } else {
                format!("service-{i:03}")
            };
            let endpoints: Vec<Value> = (0..REGIONS)
                .flat_map(|r| {
                    ["public", "internal", "admin"].into_iter().map(move |interface| {
                        json!({
                            "id": format!("{i:03}{r}{interface}0123456789abcdef"),
                            "interface": interface,
                            "region_id": format!("Region{r}"),
                            "region": format!("Region{r}"),
                            "url": format!("https://s{i:03}.{interface}.region{r}.example.com:8443/v1/0123456789abcdef"),
                        })
                    })
                })
                .collect();
            json!({
                "type": service_type,
                "name": format!("name-{i:03}"),
                "id": format!("{i:03}0123456789abcdef0123456789ab"),
                "endpoints": endpoints,
            })
        })
        .collect();
    Value::Array(services)
}

fn bench(c: &mut Criterion) {
    let value = catalog_json();
    let text = serde_json::to_string(&value).unwrap();
    let catalog = ServiceCatalog::from_v3(&value).unwrap();
    assert_eq!(catalog.services().len(), SERVICES);

    let exact = EndpointFilter::new("service-198")
        .interface(Interface::Internal)
        .region_name("Region3");
    let alias = EndpointFilter::new("block-storage")
        .interfaces([Interface::Internal, Interface::Public])
        .region_name("Region4");
    let miss_type = EndpointFilter::new("no-such-service").interface(Interface::Internal);
    let miss_region = EndpointFilter::new("service-198")
        .interfaces([Interface::Internal, Interface::Public])
        .region_name("RegionNine");

    // The lookups find what they should before they are timed.
    assert_eq!(
        catalog.endpoint(&exact).unwrap().url(),
        "https://s198.internal.region3.example.com:8443/v1/0123456789abcdef"
    );
    let found = catalog.endpoint(&alias).unwrap();
    assert_eq!(found.service.service_type, "volumev3");
    assert_eq!(
        found.url(),
        "https://s100.internal.region4.example.com:8443/v1/0123456789abcdef"
    );
    assert!(catalog.endpoint(&miss_type).is_err());
    assert!(catalog.endpoint(&miss_region).is_err());

    let mut group = c.benchmark_group("catalog_lookup");
    group.bench_function("parse_v3_value", |b| {
        b.iter(|| ServiceCatalog::from_v3(black_box(&value)).unwrap())
    });
    group.bench_function("parse_v3_text", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_str(black_box(&text)).unwrap();
            ServiceCatalog::from_v3(&value).unwrap()
        })
    });
    group.bench_function("lookup_exact_internal_region", |b| {
        b.iter(|| catalog.endpoint(black_box(&exact)).unwrap().endpoint as *const _)
    });
    group.bench_function("lookup_alias_block_storage", |b| {
        b.iter(|| catalog.endpoint(black_box(&alias)).unwrap().endpoint as *const _)
    });
    group.bench_function("lookup_miss_unknown_type", |b| {
        b.iter(|| catalog.endpoint(black_box(&miss_type)).is_err())
    });
    group.bench_function("lookup_miss_region", |b| {
        b.iter(|| catalog.endpoint(black_box(&miss_region)).is_err())
    });
    group.finish();
}

criterion_group!(catalog_lookup, bench);
criterion_main!(catalog_lookup);
