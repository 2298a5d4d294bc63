//! A v3 token response body (`POST /v3/auth/tokens`), with its catalog.
#![no_main]

use keystoneauth::secrecy::SecretString;
use keystoneauth::AccessInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let token = SecretString::from("gAAAAABfuzz-token".to_owned());
    match AccessInfo::from_v3(token, bytes::Bytes::copy_from_slice(data)) {
        Ok(access) => keystoneauth_fuzz::exercise_access(&access),
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
