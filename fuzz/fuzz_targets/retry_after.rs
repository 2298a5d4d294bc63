//! A `Retry-After` header value: delay seconds or an HTTP date.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = keystoneauth::transport::parse_retry_after(&text);
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(secs) = t.parse::<u64>() {
            assert_eq!(parsed, Some(std::time::Duration::from_secs(secs)));
        }
    }
    // As the transport reads it: from a response header.
    if let Ok(v) = http::HeaderValue::from_bytes(data) {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, v);
        let e = keystoneauth::HttpError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            http::Method::GET,
            "http://k/".into(),
            headers,
            bytes::Bytes::new(),
        );
        let _ = e.retry_after();
    }
});
