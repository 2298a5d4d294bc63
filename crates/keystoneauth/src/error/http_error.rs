//! HTTP status errors: [`HttpError`], its [`HttpErrorKind`]s, and the
//! parsing of error bodies (Keystone, API-SIG, Nova/Neutron, text, HTML),
//! of which only a bounded prefix is ever read.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

/// The kind of an HTTP status error, named as keystoneauth1 names its
/// exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// 400
    BadRequest,
    /// 401
    Unauthorized,
    /// 402
    PaymentRequired,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 406
    NotAcceptable,
    /// 407
    ProxyAuthenticationRequired,
    /// 408
    RequestTimeout,
    /// 409
    Conflict,
    /// 410
    Gone,
    /// 411
    LengthRequired,
    /// 412
    PreconditionFailed,
    /// 413
    RequestEntityTooLarge,
    /// 414
    RequestUriTooLong,
    /// 415
    UnsupportedMediaType,
    /// 416
    RequestedRangeNotSatisfiable,
    /// 417
    ExpectationFailed,
    /// 422
    UnprocessableEntity,
    /// 429
    TooManyRequests,
    /// 500
    InternalServerError,
    /// 501
    HttpNotImplemented,
    /// 502
    BadGateway,
    /// 503
    ServiceUnavailable,
    /// 504
    GatewayTimeout,
    /// 505
    HttpVersionNotSupported,
    /// Any other 4xx status.
    OtherClientError,
    /// Any other 5xx status.
    OtherServerError,
    /// A status below 400 turned into an error by the caller.
    Other,
}

impl HttpErrorKind {
    /// The kind for a status code.
    pub fn from_status(status: StatusCode) -> Self {
        use HttpErrorKind::*;
        match status.as_u16() {
            400 => BadRequest,
            401 => Unauthorized,
            402 => PaymentRequired,
            403 => Forbidden,
            404 => NotFound,
            405 => MethodNotAllowed,
            406 => NotAcceptable,
            407 => ProxyAuthenticationRequired,
            408 => RequestTimeout,
            409 => Conflict,
            410 => Gone,
            411 => LengthRequired,
            412 => PreconditionFailed,
            413 => RequestEntityTooLarge,
            414 => RequestUriTooLong,
            415 => UnsupportedMediaType,
            416 => RequestedRangeNotSatisfiable,
            417 => ExpectationFailed,
            422 => UnprocessableEntity,
            429 => TooManyRequests,
            500 => InternalServerError,
            501 => HttpNotImplemented,
            502 => BadGateway,
            503 => ServiceUnavailable,
            504 => GatewayTimeout,
            505 => HttpVersionNotSupported,
            c if (400..500).contains(&c) => OtherClientError,
            c if (500..600).contains(&c) => OtherServerError,
            _ => Other,
        }
    }
}

/// The most of an error body kept on an [`HttpError`], and parsed.
const MAX_KEPT_BODY: usize = super::MAX_ERROR_BODY;
/// The most of a plain-text body used as a message.
const MAX_TEXT_MESSAGE: usize = 512;
/// The most of the message shown by an [`HttpError`]'s `Display`.
const MAX_SHOWN_MESSAGE: usize = 768;
/// The most of the details shown by an [`HttpError`]'s `Display`.
const MAX_SHOWN_DETAILS: usize = 256;

/// An HTTP response with an error status, with what the server said about it.
#[derive(Clone)]
pub struct HttpError {
    status: StatusCode,
    method: Method,
    url: String,
    request_id: Option<String>,
    message: String,
    details: Option<String>,
    retry_after: Option<Duration>,
    headers: HeaderMap,
    body: Bytes,
}

impl HttpError {
    /// Builds the error for a response, parsing the body for a message.
    ///
    /// `url` should already be masked for display (see the crate's logging
    /// rules). Only the first 64 KiB of the body are kept and parsed,
    /// whatever its length: a longer JSON body is not parsed, and its
    /// message is the start of its text.
    pub fn new(status: StatusCode, method: Method, url: String, headers: HeaderMap, body: Bytes) -> Self {
        let request_id = super::request_id_from(&headers).map(str::to_owned);
        let retry_after = super::retry_after_from(&headers);
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let body = if body.len() > MAX_KEPT_BODY {
            body.slice(..MAX_KEPT_BODY)
        } else {
            body
        };
        let (message, details) = parse_error_body(content_type, &body);
        let message = message.unwrap_or_else(|| {
            status
                .canonical_reason()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16()))
        });
        HttpError {
            status,
            method,
            url,
            request_id,
            message,
            details,
            retry_after,
            headers,
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The kind of error, by status.
    pub fn kind(&self) -> HttpErrorKind {
        HttpErrorKind::from_status(self.status)
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL that answered (secrets masked).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's request id, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The message parsed from the body, or the status's reason phrase.
    /// `Display` shows at most its first 768 bytes.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Details parsed from the body, when the server gave any.
    pub fn details(&self) -> Option<&str> {
        self.details.as_deref()
    }

    /// The `Retry-After` the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The response headers (token headers are marked sensitive).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The response body: at most its first 64 KiB
    /// ([`MAX_ERROR_BODY`](crate::transport::MAX_ERROR_BODY)), as received.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpError")
            .field("status", &self.status)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("request_id", &self.request_id)
            .field("message", &truncate(&self.message, MAX_SHOWN_MESSAGE))
            .field(
                "details",
                &self.details.as_deref().map(|d| truncate(d, MAX_SHOWN_DETAILS)),
            )
            .field("retry_after", &self.retry_after)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        if let Some(reason) = self.status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        write!(
            f,
            " for {} {}: {}",
            self.method,
            self.url,
            truncate(&self.message, MAX_SHOWN_MESSAGE)
        )?;
        if let Some(details) = &self.details {
            write!(f, " ({})", truncate(details, MAX_SHOWN_DETAILS))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}

/// Parses the message and details out of an error body.
///
/// Understands Keystone's `{"error": {"message", "details"}}`, the API-SIG
/// `{"errors": [{"title", "detail"}]}`, the Nova/Neutron style
/// `{"<Name>": {"message": ...}}` and plain text.
pub(crate) fn parse_error_body(content_type: &str, body: &[u8]) -> (Option<String>, Option<String>) {
    if body.is_empty() {
        return (None, None);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        return parse_error_json(&value);
    }
    if content_type.contains("html") {
        return (html_text(body), None);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    (Some(truncate(text, MAX_TEXT_MESSAGE).into_owned()), None)
}

fn parse_error_json(value: &serde_json::Value) -> (Option<String>, Option<String>) {
    use serde_json::Value;
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Null | Value::String(_) => None,
            other => Some(other.to_string()),
        }
    };
    let Value::Object(map) = value else {
        return (None, None);
    };
    // Keystone: {"error": {"code", "message", "title", "details"?}}
    if let Some(Value::Object(err)) = map.get("error") {
        let message = text(err.get("message")).or_else(|| text(err.get("title")));
        return (message, text(err.get("details")));
    }
    // API-SIG: {"errors": [{"title", "detail", ...}]}
    if let Some(Value::Array(errors)) = map.get("errors") {
        if let Some(Value::Object(first)) = errors.first() {
            let title = text(first.get("title"));
            let detail = text(first.get("detail"));
            return match (title, detail) {
                (Some(t), d) => (Some(t), d),
                (None, d) => (d, None),
            };
        }
    }
    // Keystone/others flat: {"message": ..., "details": ...}
    if map.contains_key("message") {
        return (
            text(map.get("message")),
            text(map.get("details").or_else(|| map.get("detail"))),
        );
    }
    // Nova/Neutron: {"itemNotFound": {"message", "code"}}, {"NeutronError": {"message", "type", "detail"}}
    if map.len() == 1 {
        if let Some((_, Value::Object(inner))) = map.iter().next() {
            let message = text(inner.get("message")).or_else(|| text(inner.get("title")));
            let details = text(inner.get("details")).or_else(|| text(inner.get("detail")));
            if message.is_some() || details.is_some() {
                return (message, details);
            }
        }
    }
    (None, None)
}

/// The visible text of a small HTML error page, collapsed to one line.
/// The contents of `<head>`, `<title>`, `<script>` and `<style>` are
/// skipped (titles usually repeat the heading).
fn html_text(body: &[u8]) -> Option<String> {
    const SKIPPED: &[&str] = &["head", "title", "script", "style"];
    let raw = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut skipping: Option<&str> = None;
    let mut rest: &str = &raw;
    while let Some(lt) = rest.find('<') {
        if skipping.is_none() {
            out.push_str(&rest[..lt]);
        }
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = &after[..gt];
        let (closing, name_part) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name: String = name_part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match skipping {
            Some(open) if closing && name == open => skipping = None,
            None if !closing => {
                if let Some(skip) = SKIPPED.iter().find(|s| **s == name) {
                    skipping = Some(skip);
                }
            }
            _ => {}
        }
        out.push(' ');
        rest = &after[gt + 1..];
    }
    if skipping.is_none() {
        out.push_str(rest);
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        None
    } else {
        Some(truncate(&collapsed, MAX_TEXT_MESSAGE).into_owned())
    }
}

fn truncate(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return std::borrow::Cow::Borrowed(s);
    }
    let end = crate::redact::char_floor(s, max);
    std::borrow::Cow::Owned(format!("{}…", &s[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn parse(ct: &str, body: &str) -> (Option<String>, Option<String>) {
        parse_error_body(ct, body.as_bytes())
    }

    #[test]
    fn keystone_error_body() {
        let (m, d) = parse(
            "application/json",
            r#"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#,
        );
        assert_eq!(m.as_deref(), Some("The request you have made requires authentication."));
        assert_eq!(d, None);
        let (m, d) = parse(
            "application/json",
            r#"{"error": {"code": 400, "message": "Invalid input", "details": "field x is required"}}"#,
        );
        assert_eq!(m.as_deref(), Some("Invalid input"));
        assert_eq!(d.as_deref(), Some("field x is required"));
    }

    #[test]
    fn api_sig_errors_body() {
        let (m, d) = parse(
            "application/json",
            r#"{"errors": [{"request_id": "req-1", "code": "placement.inventory.inuse", "status": 409, "title": "Conflict", "detail": "Inventory in use"}]}"#,
        );
        assert_eq!(m.as_deref(), Some("Conflict"));
        assert_eq!(d.as_deref(), Some("Inventory in use"));
    }

    #[test]
    fn nova_and_neutron_bodies() {
        let (m, d) = parse(
            "application/json",
            r#"{"itemNotFound": {"code": 404, "message": "Instance abc could not be found."}}"#,
        );
        assert_eq!(m.as_deref(), Some("Instance abc could not be found."));
        assert_eq!(d, None);
        let (m, d) = parse(
            "application/json",
            r#"{"NeutronError": {"type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}"#,
        );
        assert_eq!(m.as_deref(), Some("Network x could not be found."));
        assert_eq!(d, None);
        let (m, _) = parse(
            "application/json",
            r#"{"badRequest": {"message": "Invalid flavorRef", "code": 400}}"#,
        );
        assert_eq!(m.as_deref(), Some("Invalid flavorRef"));
    }

    #[test]
    fn text_and_html_bodies() {
        let (m, _) = parse("text/plain", "  Service temporarily overloaded \n");
        assert_eq!(m.as_deref(), Some("Service temporarily overloaded"));
        let (m, _) = parse(
            "text/html",
            "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The resource could not be found.</p></body></html>",
        );
        assert_eq!(m.as_deref(), Some("Not Found The resource could not be found."));
        // Werkzeug (Flask, Keystone) pages have a title but no head.
        let (m, _) = parse(
            "text/html",
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found.</p>\n",
        );
        assert_eq!(m.as_deref(), Some("Not Found The requested URL was not found."));
        let (m, _) = parse("text/html", "<header>Gateway</header><p>upstream timed out</p>");
        assert_eq!(m.as_deref(), Some("Gateway upstream timed out"));
        let (m, d) = parse("application/json", "");
        assert_eq!((m, d), (None, None));
        let long = "x".repeat(2000);
        let (m, _) = parse("text/plain", &long);
        assert!(m.is_some_and(|m| m.len() < 600));
    }

    #[test]
    fn unknown_json_has_no_message() {
        assert_eq!(parse("application/json", r#"{"a": 1, "b": 2}"#), (None, None));
        assert_eq!(parse("application/json", r#"[1, 2]"#), (None, None));
    }

    #[test]
    fn status_kinds_mapped() {
        let cases = [
            (400, HttpErrorKind::BadRequest),
            (401, HttpErrorKind::Unauthorized),
            (403, HttpErrorKind::Forbidden),
            (404, HttpErrorKind::NotFound),
            (409, HttpErrorKind::Conflict),
            (413, HttpErrorKind::RequestEntityTooLarge),
            (429, HttpErrorKind::TooManyRequests),
            (500, HttpErrorKind::InternalServerError),
            (503, HttpErrorKind::ServiceUnavailable),
            (418, HttpErrorKind::OtherClientError),
            (599, HttpErrorKind::OtherServerError),
        ];
        for (code, kind) in cases {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(HttpErrorKind::from_status(status), kind, "{code}");
        }
    }

    #[test]
    fn http_error_display_and_helpers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-openstack-request-id", "req-123".parse().unwrap());
        headers.insert("retry-after", "7".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        let e = HttpError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Method::GET,
            "http://h/v3".into(),
            headers,
            Bytes::from_static(br#"{"error": {"message": "busy", "details": "try later"}}"#),
        );
        assert_eq!(
            e.to_string(),
            "503 Service Unavailable for GET http://h/v3: busy (try later) (request id req-123)"
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let err = Error::from(e);
        assert_eq!(err.request_id(), Some("req-123"));
        assert!(err.is_retriable());
        assert!(!err.is_unauthorized());
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    }

    #[test]
    fn only_a_prefix_is_parsed_and_display_is_capped() {
        let json = |message: &str| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                Method::POST,
                "http://h/v3".into(),
                [(http::header::CONTENT_TYPE, "application/json".parse().unwrap())]
                    .into_iter()
                    .collect(),
                Bytes::from(format!(
                    r#"{{"error": {{"message": "{message}", "details": "{message}"}}}}"#
                )),
            )
        };
        // A long message in a small body: parsed, kept, shown capped.
        let e = json(&"m".repeat(10_000));
        assert_eq!(e.message().len(), 10_000);
        let shown = e.to_string();
        assert!(shown.len() < 1100, "{}", shown.len());
        assert!(shown.contains("m…"));
        assert!(format!("{e:?}").len() < 1300);
        // A body over 64 KiB: only its prefix is kept, and it is not
        // parsed as JSON (it is cut), so the message is its start.
        let e = json(&"x".repeat(200_000));
        assert_eq!(e.body().len(), MAX_KEPT_BODY);
        assert!(e.message().starts_with(r#"{"error""#));
        assert!(e.message().len() <= MAX_TEXT_MESSAGE + 3);
    }
}
