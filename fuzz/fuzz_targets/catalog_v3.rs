//! A v3 service catalog (`token.catalog`), then lookups in it.
#![no_main]

use keystoneauth::ServiceCatalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    match ServiceCatalog::from_v3(&value) {
        Ok(catalog) => keystoneauth_fuzz::exercise_catalog(&catalog),
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
