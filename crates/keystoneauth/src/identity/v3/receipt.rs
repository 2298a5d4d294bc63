//! Auth receipts: Keystone's answer when some, but not all, of the auth
//! methods a user must combine (multi-factor rules) succeeded.
//!
//! Keystone then answers `401` with an `Openstack-Auth-Receipt` header and a
//! body naming the methods already satisfied and the method sets that would
//! be enough. The receipt proves the satisfied methods for a few minutes: a
//! new request that sends it back (as the same header) with the missing
//! methods gets a token.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::Value;

use crate::access::parse_timestamp;
use crate::error::{Error, HttpError, MissingAuthMethods, ReceiptUser};

/// The header that carries an auth receipt, from Keystone and back to it.
pub const AUTH_RECEIPT_HEADER: &str = "openstack-auth-receipt";

/// Maps the error of a token request: a 401 that carries an auth receipt
/// becomes [`Error::MissingAuthMethods`] (or, when the receipt cannot be
/// understood, an [`Error::InvalidResponse`] saying why). Keystone echoes a
/// receipt it refuses in its message ("Could not find auth receipt: ..."),
/// so the receipt the request `sent` is masked in any other status error.
pub(crate) fn token_error(error: Error, sent: Option<&SecretString>) -> Error {
    let error = match sent {
        Some(receipt) => crate::redact::scrub_error(error, &[receipt]),
        None => error,
    };
    missing_auth_methods(error)
}

/// Turns a 401 that carries an auth receipt into
/// [`Error::MissingAuthMethods`] (or, when the receipt cannot be understood,
/// into an [`Error::InvalidResponse`] saying why); any other error is
/// returned unchanged.
fn missing_auth_methods(error: Error) -> Error {
    let Error::Http(http) = &error else {
        return error;
    };
    if http.status() != http::StatusCode::UNAUTHORIZED || !http.headers().contains_key(AUTH_RECEIPT_HEADER) {
        return error;
    }
    match parse(http) {
        Ok(missing) => Error::MissingAuthMethods(Box::new(missing)),
        Err(message) => Error::invalid_response(
            http.url().to_owned(),
            format!(
                "Keystone answered 401 with an Openstack-Auth-Receipt header, but the receipt cannot be used: {message}"
            ),
        ),
    }
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

fn user(value: Option<&Value>) -> Option<ReceiptUser> {
    let user = value?.as_object()?;
    let id = text(user.get("id")).filter(|id| !id.is_empty())?;
    let domain = user.get("domain").and_then(Value::as_object);
    Some(ReceiptUser {
        id,
        name: text(user.get("name")),
        domain_id: domain.and_then(|d| text(d.get("id"))),
        domain_name: domain.and_then(|d| text(d.get("name"))),
    })
}

fn timestamp(value: &str, field: &str) -> Result<DateTime<Utc>, String> {
    parse_timestamp(value, field).map_err(|_| format!("{field} is not a timestamp"))
}

/// Parses the receipt header and body; the error says what is wrong
/// (never the receipt itself).
fn parse(http: &HttpError) -> Result<MissingAuthMethods, String> {
    let receipt = http
        .headers()
        .get(AUTH_RECEIPT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or("the Openstack-Auth-Receipt header is empty or not text")?;
    let body: Value = serde_json::from_slice(http.body()).map_err(|_| "the response body is not JSON".to_owned())?;
    let receipt_body = body
        .get("receipt")
        .and_then(Value::as_object)
        .ok_or("the body has no receipt object")?;
    let methods = strings(receipt_body.get("methods")).ok_or("receipt.methods is missing or not a list of names")?;
    let expires_at = text(receipt_body.get("expires_at")).ok_or("receipt.expires_at is missing")?;
    let expires_at = timestamp(&expires_at, "receipt.expires_at")?;
    let issued_at = match text(receipt_body.get("issued_at")) {
        Some(t) => Some(timestamp(&t, "receipt.issued_at")?),
        None => None,
    };
    let required_auth_methods = body
        .get("required_auth_methods")
        .and_then(Value::as_array)
        .and_then(|sets| sets.iter().map(|s| strings(Some(s))).collect::<Option<Vec<_>>>())
        .filter(|sets| !sets.is_empty())
        .ok_or("required_auth_methods is missing or not a list of lists of names")?;
    Ok(MissingAuthMethods {
        receipt: SecretString::from(receipt.to_owned()),
        expires_at,
        issued_at,
        methods,
        required_auth_methods,
        user: user(receipt_body.get("user")),
        url: http.url().to_owned(),
        request_id: http.request_id().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::{HeaderMap, Method, StatusCode};
    use secrecy::ExposeSecret;

    const RECEIPT: &str = "gAAAAABreceipt-canary";

    fn error(status: u16, receipt: Option<&str>, body: &str) -> Error {
        let mut headers = HeaderMap::new();
        if let Some(r) = receipt {
            headers.insert(AUTH_RECEIPT_HEADER, r.parse().unwrap());
        }
        headers.insert("x-openstack-request-id", "req-1".parse().unwrap());
        Error::from(HttpError::new(
            StatusCode::from_u16(status).unwrap(),
            Method::POST,
            "http://h/v3/auth/tokens".into(),
            headers,
            Bytes::from(body.to_owned()),
        ))
    }

    const GOOD: &str = r#"{"receipt": {"methods": ["password"], "user": {"id": "u1", "name": "mfa",
        "domain": {"id": "default", "name": "Default"}}, "expires_at": "2030-01-01T00:05:00.000000Z",
        "issued_at": "2030-01-01T00:00:00.000000Z"}, "required_auth_methods": [["totp", "password"]]}"#;

    #[test]
    fn a_receipt_becomes_a_typed_error() {
        let err = missing_auth_methods(error(401, Some(RECEIPT), GOOD));
        let m = err.missing_auth_methods().unwrap();
        assert_eq!(m.receipt().expose_secret(), RECEIPT);
        assert_eq!(m.methods(), ["password"]);
        assert_eq!(
            m.required_auth_methods(),
            [vec!["totp".to_owned(), "password".to_owned()]]
        );
        assert_eq!(m.missing_methods(), vec![vec!["totp".to_owned()]]);
        assert_eq!(m.expires_at().to_rfc3339(), "2030-01-01T00:05:00+00:00");
        assert!(m.issued_at().is_some());
        assert!(!m.is_expired());
        assert_eq!(m.user().map(|u| u.id()), Some("u1"));
        assert_eq!(m.request_id(), Some("req-1"));
        let shown = format!("{err} {err:?} {m} {m:?}");
        assert!(!shown.contains(RECEIPT), "{shown}");
        assert!(
            shown.contains("[totp, password]") && shown.contains("[password]"),
            "{shown}"
        );
    }

    #[test]
    fn other_errors_pass_through() {
        let err = missing_auth_methods(error(401, None, GOOD));
        assert!(err.is_unauthorized());
        let err = missing_auth_methods(error(403, Some(RECEIPT), GOOD));
        assert!(err.is_forbidden());
        let err = missing_auth_methods(Error::EmptyCatalog);
        assert!(matches!(err, Error::EmptyCatalog));
    }

    #[test]
    fn malformed_receipts_are_clear_errors() {
        let cases = [
            ("", "not JSON"),
            ("<html>nope</html>", "not JSON"),
            ("[]", "no receipt object"),
            (r#"{"receipt": "x"}"#, "no receipt object"),
            (
                r#"{"receipt": {"expires_at": "2030-01-01T00:00:00Z"}, "required_auth_methods": [["a"]]}"#,
                "receipt.methods",
            ),
            (
                r#"{"receipt": {"methods": [1], "expires_at": "2030-01-01T00:00:00Z"}, "required_auth_methods": [["a"]]}"#,
                "receipt.methods",
            ),
            (
                r#"{"receipt": {"methods": ["password"]}, "required_auth_methods": [["a"]]}"#,
                "receipt.expires_at is missing",
            ),
            (
                r#"{"receipt": {"methods": ["password"], "expires_at": "soon"}, "required_auth_methods": [["a"]]}"#,
                "receipt.expires_at is not a timestamp",
            ),
            (
                r#"{"receipt": {"methods": ["password"], "expires_at": "2030-01-01T00:00:00Z"}}"#,
                "required_auth_methods",
            ),
            (
                r#"{"receipt": {"methods": ["password"], "expires_at": "2030-01-01T00:00:00Z"}, "required_auth_methods": ["totp"]}"#,
                "required_auth_methods",
            ),
            (
                r#"{"receipt": {"methods": ["password"], "expires_at": "2030-01-01T00:00:00Z"}, "required_auth_methods": []}"#,
                "required_auth_methods",
            ),
        ];
        for (body, expected) in cases {
            let err = missing_auth_methods(error(401, Some(RECEIPT), body));
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, Error::InvalidResponse { .. }), "{body}: {shown}");
            assert!(shown.contains(expected), "{body}: {shown}");
            assert!(!shown.contains(RECEIPT), "{shown}");
        }
        let err = missing_auth_methods(error(401, Some(" "), GOOD));
        assert!(err.to_string().contains("header is empty"), "{err}");
    }

    #[test]
    fn a_refused_receipt_is_masked_in_the_error() {
        let body = format!(r#"{{"error": {{"code": 401, "message": "Could not find auth receipt: {RECEIPT}."}}}}"#);
        let sent = SecretString::from(RECEIPT);
        let err = token_error(error(401, None, &body), Some(&sent));
        let shown = format!("{err} {err:?} {:?}", err.http().map(|h| h.body()));
        assert!(!shown.contains(RECEIPT), "{shown}");
        assert!(shown.contains("Could not find auth receipt: ***."), "{shown}");
        assert_eq!(err.request_id(), Some("req-1"));
        // Without a receipt sent, nothing changes.
        let err = token_error(error(401, None, &body), None);
        assert!(err.to_string().contains(RECEIPT));
    }
}
