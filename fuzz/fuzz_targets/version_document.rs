//! A version document (`GET /`, `GET /v3`, Nova, Ironic...): the first line
//! is the URL it was fetched from, then response headers (Ironic's
//! microversion headers matter), a blank line and the body.
#![no_main]

use keystoneauth::discovery::Discovered;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = keystoneauth_fuzz::split_response(data);
    match Discovered::parse(&r.first_line, r.body, &r.headers) {
        Ok(d) => keystoneauth_fuzz::exercise_discovered(&d),
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
