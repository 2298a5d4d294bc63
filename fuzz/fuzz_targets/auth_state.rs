//! A saved auth state (`AuthPlugin::set_auth_state`, `AccessInfo::from_state`):
//! `{"auth_token": ..., "body": <v2 or v3 token body>}`.
#![no_main]

use keystoneauth::AccessInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match AccessInfo::from_state(&text) {
        Ok(access) => keystoneauth_fuzz::exercise_access(&access),
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
