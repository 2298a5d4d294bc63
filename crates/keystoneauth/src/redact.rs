//! Masking of secrets for logs, `Debug` output and error messages.
//!
//! Token-bearing headers are shown as `{SHA256}<hex>` (as keystoneauth1
//! does), so two log lines can be matched to the same token without the
//! token being readable. JSON and form bodies have the values of
//! secret-looking keys replaced by `***`; other bodies are elided.

use std::borrow::Cow;

use http::HeaderName;
use sha2::{Digest, Sha256};

mod scrub;
pub(crate) use scrub::{scrub, scrub_error};

/// Headers whose values are credentials. They are hashed in logs, marked
/// sensitive, and never forwarded to another origin on a redirect.
pub(crate) const SENSITIVE_HEADERS: &[&str] = &[
    "x-auth-token",
    "x-subject-token",
    "x-service-token",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "openstack-auth-receipt",
];

/// Parts of key names whose values are secrets in JSON, form and query data.
const SECRET_KEY_PARTS: &[&str] = &[
    "password",
    "secret",
    "token",
    "passcode",
    "credential",
    "assertion",
    "private_key",
    "device_code",
    "code_verifier",
    "authorization",
    "passwd",
    "api_key",
    "apikey",
];

/// Exact key names (besides those containing a part above) that are secrets.
const SECRET_KEYS: &[&str] = &["code", "key", "totp"];

/// The text shown for a masked value.
pub(crate) const MASK: &str = "***";

/// [`SENSITIVE_HEADERS`] as header names: the standard ones compare as
/// their tag, without spelling the name out.
static SENSITIVE_HEADER_NAMES: [HeaderName; 8] = [
    HeaderName::from_static("x-auth-token"),
    HeaderName::from_static("x-subject-token"),
    HeaderName::from_static("x-service-token"),
    http::header::AUTHORIZATION,
    http::header::PROXY_AUTHORIZATION,
    http::header::COOKIE,
    http::header::SET_COOKIE,
    HeaderName::from_static("openstack-auth-receipt"),
];

/// True if the header carries a credential.
pub(crate) fn is_sensitive_header(name: &HeaderName) -> bool {
    SENSITIVE_HEADER_NAMES.iter().any(|h| h == name)
}

/// True if a JSON, form or query key names a secret.
pub(crate) fn is_secret_key(key: &str) -> bool {
    // `X-Api-Key` and `api_key` alike.
    let lower = key.to_ascii_lowercase().replace('-', "_");
    SECRET_KEYS.contains(&lower.as_str()) || SECRET_KEY_PARTS.iter().any(|p| lower.contains(p))
}

/// `{SHA256}<hex digest>` of a secret value.
pub fn hash_secret(value: &[u8]) -> String {
    let digest = Sha256::digest(value);
    format!("{{SHA256}}{}", hex::encode(digest))
}

/// The value of a header as it may be logged.
pub(crate) fn header_value_for_log<'a>(name: &HeaderName, value: &'a http::HeaderValue) -> Cow<'a, str> {
    if is_sensitive_header(name) {
        return Cow::Owned(hash_secret(value.as_bytes()));
    }
    if *name == http::header::LOCATION || *name == http::header::CONTENT_LOCATION {
        return Cow::Owned(url_str(&String::from_utf8_lossy(value.as_bytes())));
    }
    match value.to_str() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(String::from_utf8_lossy(value.as_bytes()).into_owned()),
    }
}

/// A URL string with the password of its user info and the values of
/// secret-looking query parameters masked. Unparsable input is returned with
/// any user info removed.
pub(crate) fn url_str(raw: &str) -> String {
    if let Ok(u) = url::Url::parse(raw) {
        return url(&u);
    }
    // Not an absolute URL (a relative path, or a broken one): mask user
    // info and secret query values by hand.
    let (base, query) = match raw.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (raw, None),
    };
    let mut out = match (base.find("://"), base.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}{}{}", &base[..scheme_end + 3], MASK, &base[at..])
        }
        _ => base.to_owned(),
    };
    if let Some(q) = query {
        let masked: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _))
                    if is_secret_key(
                        &url::form_urlencoded::parse(k.as_bytes())
                            .map(|(k, _)| k.into_owned())
                            .collect::<String>(),
                    ) =>
                {
                    format!("{k}={MASK}")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&masked.join("&"));
    }
    out
}

/// A URL with its password, a user name given alone (often a token) and
/// secret query values masked.
pub(crate) fn url(u: &url::Url) -> String {
    let needs_query_mask = u.query_pairs().any(|(k, _)| is_secret_key(&k));
    if u.password().is_none() && u.username().is_empty() && !needs_query_mask {
        return u.as_str().to_owned();
    }
    let mut u = u.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some(MASK));
    } else if !u.username().is_empty() {
        let _ = u.set_username(MASK);
    }
    if needs_query_mask {
        let pairs = masked_pairs(u.query_pairs());
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Replaces the values of secret-looking keys, at any depth, with `***`.
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_key(k) && !v.is_null() {
                    *v = serde_json::Value::String(MASK.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// The most of a body shown in a log line.
const MAX_LOGGED_BODY: usize = 8 * 1024;

/// The largest JSON or form body parsed to be logged with its secrets
/// masked. A larger one is not parsed (it cannot be masked without being
/// parsed), so logging a response never costs more than a small multiple
/// of this.
pub(crate) const MAX_PARSED_LOG_BODY: usize = 64 * 1024;

/// A body as it may be logged, given its content type. Parses at most
/// [`MAX_PARSED_LOG_BODY`] bytes and returns at most about 8 KiB.
pub(crate) fn body_for_log(content_type: Option<&str>, body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let looks_json = ct.contains("json") || (ct.is_empty() && matches!(body.first(), Some(b'{' | b'[')));
    let is_form = ct.contains("x-www-form-urlencoded");
    if (looks_json || is_form) && body.len() > MAX_PARSED_LOG_BODY {
        return format!(
            "<{} bytes of {} omitted: larger than the {MAX_PARSED_LOG_BODY} bytes parsed for logging>",
            body.len(),
            if looks_json { "JSON" } else { "form data" }
        );
    }
    if looks_json {
        return match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut v) => {
                redact_json(&mut v);
                limit(v.to_string())
            }
            Err(_) => format!("<{} bytes of unparsable JSON omitted>", body.len()),
        };
    }
    if is_form {
        let pairs = masked_pairs(url::form_urlencoded::parse(body));
        return limit(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
        );
    }
    let textual = ct.starts_with("text/") || ct.contains("xml");
    if textual {
        // Only the part that is shown is decoded (a cut character at the
        // end is dropped).
        let shown = &body[..body.len().min(MAX_LOGGED_BODY)];
        let text = match std::str::from_utf8(shown) {
            Ok(s) => Some(s),
            Err(e) if e.error_len().is_none() => std::str::from_utf8(&shown[..e.valid_up_to()]).ok(),
            Err(_) => None,
        };
        if let Some(text) = text {
            let mut out = text.to_owned();
            if body.len() > text.len() {
                out.push_str(&format!("… ({} bytes in all)", body.len()));
            }
            return out;
        }
    }
    format!(
        "<{} bytes of {} data omitted>",
        body.len(),
        if ct.is_empty() { "binary" } else { &ct }
    )
}

/// Form or query pairs with the values of secret-looking keys masked.
fn masked_pairs<'a>(pairs: impl Iterator<Item = (Cow<'a, str>, Cow<'a, str>)>) -> Vec<(String, String)> {
    pairs
        .map(|(k, v)| {
            let v = if is_secret_key(&k) {
                MASK.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect()
}

/// The largest index of `s` not above `max` that is a char boundary: where
/// `s` can be cut to at most `max` bytes.
pub(crate) fn char_floor(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

fn limit(mut s: String) -> String {
    if s.len() > MAX_LOGGED_BODY {
        let end = char_floor(&s, MAX_LOGGED_BODY);
        let total = s.len();
        s.truncate(end);
        s.push_str(&format!("… ({total} bytes in all)"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_header_names_are_the_listed_ones() {
        let names: Vec<&str> = SENSITIVE_HEADER_NAMES.iter().map(HeaderName::as_str).collect();
        assert_eq!(names, SENSITIVE_HEADERS);
        for name in SENSITIVE_HEADERS {
            let upper = name.to_ascii_uppercase();
            let parsed = HeaderName::from_bytes(upper.as_bytes()).unwrap();
            assert!(is_sensitive_header(&parsed), "{name}");
        }
        for name in [
            "user-agent",
            "accept",
            "x-auth-tokens",
            "x-openstack-request-id",
            "cookie2",
        ] {
            assert!(!is_sensitive_header(&HeaderName::from_static(name)), "{name}");
        }
    }

    #[test]
    fn hashes_like_keystoneauth1() {
        // sha256("abc")
        assert_eq!(
            hash_secret(b"abc"),
            "{SHA256}ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sensitive_headers_hashed() {
        let name = HeaderName::from_static("x-auth-token");
        let v = http::HeaderValue::from_static("canary-token");
        assert_eq!(header_value_for_log(&name, &v), hash_secret(b"canary-token"));
        let name = HeaderName::from_static("content-type");
        let v = http::HeaderValue::from_static("application/json");
        assert_eq!(header_value_for_log(&name, &v), "application/json");
    }

    #[test]
    fn json_secrets_masked_at_any_depth() {
        let mut v = serde_json::json!({
            "auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "u", "password": "canary"}}},
                     "scope": {"project": {"name": "p"}}},
            "application_credential": {"secret": "canary"},
            "totp": {"user": {"passcode": "123456"}},
            "list": [{"client_secret": "canary"}, {"name": "fine"}]
        });
        redact_json(&mut v);
        let s = v.to_string();
        assert!(!s.contains("canary"), "{s}");
        assert!(!s.contains("123456"), "{s}");
        assert!(s.contains("\"fine\""));
        assert!(s.contains("\"methods\":[\"password\"]"));
    }

    #[test]
    fn bodies_for_log() {
        let form = body_for_log(
            Some("application/x-www-form-urlencoded"),
            b"grant_type=password&username=bob&password=canary&client_secret=canary",
        );
        assert!(!form.contains("canary"), "{form}");
        assert!(form.contains("username=bob"));
        assert_eq!(
            body_for_log(Some("application/octet-stream"), &[0, 1, 2]),
            "<3 bytes of application/octet-stream data omitted>"
        );
        assert_eq!(
            body_for_log(Some("application/json"), b"{not json canary"),
            "<16 bytes of unparsable JSON omitted>"
        );
        assert_eq!(body_for_log(Some("text/plain"), b"hello"), "hello");
        let big = "a".repeat(20_000);
        assert!(body_for_log(Some("text/plain"), big.as_bytes()).len() < 9_000);
        // Large JSON and form bodies are not parsed for logging at all.
        let big_json = format!(
            r#"{{"password": "canary", "pad": "{}"}}"#,
            "p".repeat(MAX_PARSED_LOG_BODY)
        );
        let logged = body_for_log(Some("application/json"), big_json.as_bytes());
        assert!(logged.starts_with("<65"), "{logged}");
        assert!(!logged.contains("canary"));
        let big_form = format!("password=canary&pad={}", "p".repeat(MAX_PARSED_LOG_BODY));
        let logged = body_for_log(Some("application/x-www-form-urlencoded"), big_form.as_bytes());
        assert!(logged.contains("form data omitted"), "{logged}");
        // A multi-byte character cut at the 8 KiB mark is dropped, not an error.
        let text = format!("{}é{}", "a".repeat(MAX_LOGGED_BODY - 1), "b".repeat(100));
        let logged = body_for_log(Some("text/plain"), text.as_bytes());
        assert!(logged.starts_with("aaa") && logged.contains("bytes in all"), "{logged}");
    }

    #[test]
    fn urls_masked() {
        assert_eq!(
            url_str("https://bob:canary@h/v3?token=canary&x=1"),
            "https://bob:***@h/v3?token=***&x=1"
        );
        assert_eq!(url_str("https://h/v3"), "https://h/v3");
        assert_eq!(url_str("not a url://bob:canary@x"), "not a url://***@x");
        assert_eq!(
            url_str("/v3/users?name=x&password=canary"),
            "/v3/users?name=x&password=***"
        );
        let loc = http::HeaderValue::from_static("https://h/cb?code=canary&state=s");
        assert_eq!(
            header_value_for_log(&http::header::LOCATION, &loc),
            "https://h/cb?code=***&state=s"
        );
    }

    #[test]
    fn lone_user_names_and_new_keys_masked() {
        assert_eq!(url_str("https://tok3n@h/v3"), "https://***@h/v3");
        assert_eq!(
            url_str("https://h/v3?passwd=a&api_key=b&apikey=c&x=1"),
            "https://h/v3?passwd=***&api_key=***&apikey=***&x=1"
        );
        let mut v = serde_json::json!({"passwd": "canary", "api_key": "canary", "X-Api-Key": "canary"});
        redact_json(&mut v);
        assert!(!v.to_string().contains("canary"), "{v}");
    }
}
