//! Debug logging of requests and responses, with secrets masked and bodies
//! bounded: only a body of at most [`redact::MAX_PARSED_LOG_BODY`] bytes is
//! parsed, and at most 8 KiB of it printed, so logging never multiplies the
//! memory a response costs.

use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::{request_id_from, LOG_TARGET};
use crate::redact;

/// What a request body is, for the log line.
pub(super) enum LoggedBody<'a> {
    /// No body.
    None,
    /// A body in memory.
    Bytes(&'a [u8]),
    /// A body streamed from a file or a stream (its length when known),
    /// never read for logging.
    Streamed(Option<u64>),
}

pub(super) fn log_request(method: &Method, url: &Url, headers: &HeaderMap, body: LoggedBody<'_>, log_body: bool) {
    if !tracing::enabled!(target: LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let mut line = format!("REQ: curl -g -i -X {method} \"{}\"", redact::url(url));
    for (name, value) in headers {
        line.push_str(&format!(
            " -H \"{}: {}\"",
            name,
            redact::header_value_for_log(name, value)
        ));
    }
    match body {
        LoggedBody::None => {}
        LoggedBody::Bytes(body) if log_body => {
            let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            line.push_str(&format!(" -d '{}'", redact::body_for_log(ct, body)));
        }
        LoggedBody::Bytes(_) => line.push_str(" -d '<omitted>'"),
        LoggedBody::Streamed(Some(len)) => line.push_str(&format!(" -d '<{len} bytes streamed>'")),
        LoggedBody::Streamed(None) => line.push_str(" -d '<streamed body>'"),
    }
    tracing::debug!(target: LOG_TARGET, "{line}");
}

/// A response as logged: the body is `None` when it is not read (a
/// streamed response, or a redirect or retried status that is discarded).
pub(super) struct LoggedResponse<'a> {
    pub(super) status: StatusCode,
    pub(super) method: &'a Method,
    pub(super) url: &'a Url,
    pub(super) headers: &'a HeaderMap,
    pub(super) elapsed: Duration,
    pub(super) body: Option<&'a [u8]>,
    /// The body shown is only the first part of a longer one.
    pub(super) truncated: bool,
}

impl<'a> LoggedResponse<'a> {
    pub(super) fn of(response: &'a super::Response, body: Option<&'a [u8]>) -> Self {
        LoggedResponse {
            status: response.status,
            method: &response.method,
            url: &response.url,
            headers: &response.headers,
            elapsed: response.elapsed,
            body,
            truncated: response.body_truncated,
        }
    }
}

pub(super) fn log_response(response: &LoggedResponse<'_>, log_body: bool) {
    if !tracing::enabled!(target: LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let mut line = format!(
        "RESP: [{}] {} {} elapsed={}ms",
        response.status.as_u16(),
        response.method,
        redact::url(response.url),
        response.elapsed.as_millis()
    );
    for (name, value) in response.headers {
        line.push_str(&format!(" {}: {}", name, redact::header_value_for_log(name, value)));
    }
    match response.body {
        Some(body) if !body.is_empty() => {
            if !log_body {
                line.push_str(" RESP BODY: <omitted>");
            } else {
                let ct = response.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
                line.push_str(&format!(" RESP BODY: {}", redact::body_for_log(ct, body)));
                if response.truncated {
                    line.push_str(&format!(" (only the first {} bytes were read)", body.len()));
                }
            }
        }
        Some(_) => {}
        None => line.push_str(" RESP BODY: <not read>"),
    }
    tracing::debug!(
        target: LOG_TARGET,
        status = response.status.as_u16(),
        request_id = request_id_from(response.headers).unwrap_or("-"),
        elapsed_ms = response.elapsed.as_millis() as u64,
        "{line}"
    );
}
