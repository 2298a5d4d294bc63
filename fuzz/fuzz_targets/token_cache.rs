//! A token cache file (`TokenCache::parse_entry`, what `TokenCache::read`
//! does with the file's text), then the saved state it holds.
#![no_main]

use keystoneauth::secrecy::ExposeSecret;
use keystoneauth::{AccessInfo, TokenCache};
use libfuzzer_sys::fuzz_target;

/// The cache id of the seeds (a hex digest, as `AuthPlugin::cache_id` gives).
const CACHE_ID: &str = "5a3bbad5b05a3e8b7d6fd4a4d9f5a0f3c6e1b2d9a8c7f6e5d4c3b2a1f0e9d8c7";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(state) = TokenCache::parse_entry(&text, CACHE_ID) else {
        return;
    };
    if let Ok(access) = AccessInfo::from_state(state.expose_secret()) {
        keystoneauth_fuzz::exercise_access(&access);
    }
});
