//! Scrubbing a plugin's own secrets from the text of errors: a server may
//! echo back what it was sent (Keystone repeats a refused receipt; careless
//! servers repeat a wrong password), so every identity plugin masks the
//! secrets it holds in the errors of its token requests.

use secrecy::{ExposeSecret, SecretString};

use super::MASK;
use crate::error::{Error, HttpError, SharedError};

/// The forms a secret may take in a server's answer: as sent, escaped as
/// JSON (also with non-ASCII characters as `\uXXXX`, as Python's `json`
/// writes them) and form-encoded.
fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    let mut add = |form: String| {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    };
    if let Ok(quoted) = serde_json::to_string(secret) {
        let escaped = &quoted[1..quoted.len() - 1];
        add(escaped.to_owned());
        let mut ascii = String::with_capacity(escaped.len());
        let mut upper = String::with_capacity(escaped.len());
        for c in escaped.chars() {
            if c.is_ascii() {
                ascii.push(c);
                upper.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    ascii.push_str(&format!("\\u{unit:04x}"));
                    upper.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
        add(ascii);
        add(upper);
    }
    add(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    forms
}

/// True if `text` contains a non-empty secret, in any of its forms.
fn contains_secret(text: &str, secrets: &[&str]) -> bool {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .any(|s| secret_forms(s).iter().any(|form| text.contains(form.as_str())))
}

/// Text with every occurrence of each secret (in any of its forms)
/// replaced by `***`.
pub(crate) fn scrub(text: &str, secrets: &[&SecretString]) -> String {
    let secrets: Vec<&str> = secrets.iter().map(|s| s.expose_secret()).collect();
    scrub_text(text, &secrets)
}

fn scrub_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for form in secret_forms(secret) {
            if out.contains(&form) {
                out = out.replace(&form, MASK);
            }
        }
    }
    out
}

fn replace_bytes(haystack: &[u8], needle: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || !haystack.windows(needle.len()).any(|w| w == needle) {
        return None;
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(MASK.as_bytes());
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn scrub_json_strings(value: &mut serde_json::Value, secrets: &[&str]) {
    match value {
        serde_json::Value::String(s) if contains_secret(s, secrets) => *s = scrub_text(s, secrets),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scrub_json_strings(v, secrets)),
        serde_json::Value::Object(map) => {
            let scrubbed: serde_json::Map<String, serde_json::Value> = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    scrub_json_strings(&mut v, secrets);
                    (scrub_text(&k, secrets), v)
                })
                .collect();
            *map = scrubbed;
        }
        _ => {}
    }
}

/// A body with every secret masked, or `None` when it holds none. The
/// bytes are scrubbed for each form of each secret; a JSON body that still
/// holds one once parsed (an unusual escape) is written again with its
/// strings scrubbed.
fn scrub_body(body: &[u8], secrets: &[&str]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for form in secret_forms(secret) {
            if let Some(masked) = replace_bytes(out.as_deref().unwrap_or(body), form.as_bytes()) {
                out = Some(masked);
            }
        }
    }
    let current = out.as_deref().unwrap_or(body);
    if matches!(current.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'[')) {
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(current) {
            let before = value.clone();
            scrub_json_strings(&mut value, secrets);
            if value != before {
                out = Some(value.to_string().into_bytes());
            }
        }
    }
    out
}

/// A source error whose text held a secret, kept as its scrubbed text.
#[derive(Debug)]
struct ScrubbedSource(String);

impl std::fmt::Display for ScrubbedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScrubbedSource {}

/// The source unchanged, or, when its chain shows a secret in `Display` or
/// `Debug`, its scrubbed `Display` chain.
fn scrub_source(source: SharedError, secrets: &[&str]) -> SharedError {
    let mut shown = Vec::new();
    let mut leaks = false;
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(source.get_ref());
    while let Some(e) = next {
        let text = e.to_string();
        leaks |= contains_secret(&text, secrets) || contains_secret(&format!("{e:?}"), secrets);
        shown.push(text);
        next = e.source();
    }
    if !leaks {
        return source;
    }
    SharedError::new(ScrubbedSource(scrub_text(&shown.join(": "), secrets)))
}

/// An error with the given secrets, which a server may echo back (Keystone
/// repeats a refused receipt or a wrong value in its message), masked in
/// every text it shows: the kept HTTP body and the message parsed from it,
/// messages, URLs and the texts of its sources. Used on every error of a
/// token request, with the secrets the plugin holds.
pub(crate) fn scrub_error(error: Error, secrets: &[&SecretString]) -> Error {
    let secrets: Vec<&str> = secrets
        .iter()
        .map(|s| s.expose_secret())
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() {
        return error;
    }
    let text = |s: String| scrub_text(&s, &secrets);
    let source = |s: SharedError| scrub_source(s, &secrets);
    match error {
        Error::Http(http) => {
            let shown = format!("{http} {}", http.details().unwrap_or(""));
            let body = scrub_body(http.body(), &secrets);
            if body.is_none() && !contains_secret(&shown, &secrets) {
                return Error::Http(http);
            }
            Error::from(HttpError::new(
                http.status(),
                http.method().clone(),
                text(http.url().to_owned()),
                http.headers().clone(),
                body.map(Into::into).unwrap_or_else(|| http.body().clone()),
            ))
        }
        Error::InvalidResponse {
            url,
            message,
            source: s,
        } => Error::InvalidResponse {
            url: text(url),
            message: text(message),
            source: s.map(source),
        },
        Error::Authorization { message, source: s } => Error::Authorization {
            message: text(message),
            source: s.map(source),
        },
        Error::Discovery {
            url,
            message,
            source: s,
        } => Error::Discovery {
            url: text(url),
            message: text(message),
            source: s.map(source),
        },
        Error::InvalidRequest { message, source: s } => Error::InvalidRequest {
            message: text(message),
            source: s.map(source),
        },
        Error::ConnectFailure { url, source: s } => Error::ConnectFailure {
            url: text(url),
            source: source(s),
        },
        Error::ConnectTimeout { url, source: s } => Error::ConnectTimeout {
            url: text(url),
            source: source(s),
        },
        Error::ReadTimeout { method, url, source: s } => Error::ReadTimeout {
            method,
            url: text(url),
            source: source(s),
        },
        Error::Tls { url, source: s } => Error::Tls {
            url: text(url),
            source: source(s),
        },
        Error::Connection { method, url, source: s } => Error::Connection {
            method,
            url: text(url),
            source: source(s),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_masks_every_form_of_every_secret() {
        let a = SecretString::from("s3cr3t");
        let b = SecretString::from("");
        assert_eq!(scrub("bad s3cr3t and s3cr3t", &[&a, &b]), "bad *** and ***");
        let secrets = ["p\"w\\é"];
        // As sent, JSON-escaped, ASCII-escaped (Python), form-encoded.
        for body in [
            "x p\"w\\é y",
            r#"{"m": "x p\"w\\é y"}"#,
            r#"{"m": "x p\"w\\\u00e9 y"}"#,
            "x=p%22w%5C%C3%A9",
        ] {
            let masked = scrub_body(body.as_bytes(), &secrets).unwrap();
            let masked = String::from_utf8(masked).unwrap();
            assert!(
                !masked.contains("p\"w") && !masked.contains("p\\\"w"),
                "{body} -> {masked}"
            );
            assert!(masked.contains(MASK), "{masked}");
        }
        assert_eq!(scrub_body(b"nothing", &secrets), None);
        // An unusual escape is found once the JSON is parsed.
        let body = r#"{"error": {"message": "bad \u0070\u0022w\u005c\u00e9"}}"#;
        let masked = String::from_utf8(scrub_body(body.as_bytes(), &secrets).unwrap()).unwrap();
        assert_eq!(masked, r#"{"error":{"message":"bad ***"}}"#);
    }

    #[test]
    fn errors_are_scrubbed_in_body_message_and_sources() {
        let secret = SecretString::from("CANARY-pw");
        let body =
            br#"{"error": {"code": 401, "message": "The password CANARY-pw is wrong", "title": "Unauthorized"}}"#;
        let err = Error::from(HttpError::new(
            http::StatusCode::UNAUTHORIZED,
            http::Method::POST,
            "http://h/v3/auth/tokens".into(),
            http::HeaderMap::new(),
            bytes::Bytes::from_static(body),
        ));
        let err = scrub_error(err, &[&secret]);
        assert!(err.is_unauthorized());
        for shown in [
            err.to_string(),
            format!("{err:?}"),
            format!("{:?}", err.http().unwrap().body()),
        ] {
            assert!(!shown.contains("CANARY"), "{shown}");
        }
        assert!(err.to_string().contains("The password *** is wrong"), "{err}");
        let err = scrub_error(
            Error::authorization("no CANARY-pw").with_source("inner CANARY-pw"),
            &[&secret],
        );
        let source = std::error::Error::source(&err).unwrap();
        assert_eq!(err.to_string(), "authorization failed: no ***");
        assert_eq!(source.to_string(), "inner ***");
        assert!(!format!("{err:?}").contains("CANARY"));
    }
}
