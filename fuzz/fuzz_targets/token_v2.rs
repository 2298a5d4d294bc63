//! A v2.0 token response body (`POST /v2.0/tokens`), with its catalog.
#![no_main]

use keystoneauth::AccessInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match AccessInfo::from_v2(bytes::Bytes::copy_from_slice(data)) {
        Ok(access) => keystoneauth_fuzz::exercise_access(&access),
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
