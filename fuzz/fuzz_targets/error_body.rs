//! An error response, as `curl -i` shows it: status line, headers
//! (Content-Type, Retry-After, request ids), a blank line, the body that
//! `HttpError::new` parses for a message.
#![no_main]

use http::Method;
use keystoneauth::{Error, HttpError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = keystoneauth_fuzz::split_response(data);
    let status = keystoneauth_fuzz::status_of(&r.first_line);
    let body = bytes::Bytes::copy_from_slice(r.body);
    let e = HttpError::new(status, Method::GET, "http://k:5000/v3/x".into(), r.headers, body);
    let _ = (
        e.status(),
        e.kind(),
        e.method(),
        e.url(),
        e.request_id(),
        e.retry_after(),
    );
    let _ = (e.message(), e.details(), e.headers());
    assert!(e.body().len() <= 64 * 1024, "more than 64 KiB of body kept");
    let _ = (e.to_string(), format!("{e:?}"));
    let err = Error::from(e);
    let _ = (err.to_string(), format!("{err:?}"));
    if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(r.body) {
        keystoneauth::redact::redact_json(&mut v);
    }
});
