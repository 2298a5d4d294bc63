//! Debug logging of requests and responses, with secrets masked and bodies
//! bounded: only a body of at most [`redact::MAX_PARSED_LOG_BODY`] bytes is
//! parsed, and at most 8 KiB of it printed, so logging never multiplies the
//! memory a response costs.
//!
//! Events go to one target, [`LOG_TARGET`], or, with split loggers (as
//! keystoneauth1's `split_loggers`), to three: the request's curl line to
//! [`REQUEST_LOG_TARGET`], the response's status and headers to
//! [`RESPONSE_LOG_TARGET`], and the response body to [`BODY_LOG_TARGET`].
//! The redaction is the same in both modes.

use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use super::{request_id_from, BODY_LOG_TARGET, LOG_TARGET, REQUEST_LOG_TARGET, RESPONSE_LOG_TARGET};
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

/// Logs a request as a curl command line: `REQ: curl ...` to
/// [`LOG_TARGET`], or, split, `curl ...` to [`REQUEST_LOG_TARGET`] (as
/// keystoneauth1, the request body stays in the curl line). Inline, so
/// that a request pays one load of the level filter when no debug event
/// can be on ([`debug_possible`]), not a call.
#[inline]
pub(super) fn log_request(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: LoggedBody<'_>,
    log_body: bool,
    split: bool,
) {
    if debug_possible() {
        write_request(method, url, headers, body, log_body, split);
    }
}

/// Whether a debug event can be on at all: the global level filter (one
/// atomic load), before any target is asked.
#[inline(always)]
fn debug_possible() -> bool {
    tracing::level_enabled!(tracing::Level::DEBUG)
}

/// [`log_request`] once a debug event can be on.
#[inline(never)]
fn write_request(method: &Method, url: &Url, headers: &HeaderMap, body: LoggedBody<'_>, log_body: bool, split: bool) {
    let enabled = if split {
        tracing::enabled!(target: REQUEST_LOG_TARGET, tracing::Level::DEBUG)
    } else {
        tracing::enabled!(target: LOG_TARGET, tracing::Level::DEBUG)
    };
    if !enabled {
        return;
    }
    let prefix = if split { "" } else { "REQ: " };
    let mut line = format!("{prefix}curl -g -i -X {method} \"{}\"", redact::url(url));
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
    if split {
        tracing::debug!(target: REQUEST_LOG_TARGET, "{line}");
    } else {
        tracing::debug!(target: LOG_TARGET, "{line}");
    }
}

/// A response as logged: the body is `None` when it is not read (a
/// streamed response).
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

    /// `[200] GET <url> elapsed=12ms` and the headers.
    fn head(&self) -> String {
        let mut line = format!(
            "[{}] {} {} elapsed={}ms",
            self.status.as_u16(),
            self.method,
            redact::url(self.url),
            self.elapsed.as_millis()
        );
        for (name, value) in self.headers {
            line.push_str(&format!(" {}: {}", name, redact::header_value_for_log(name, value)));
        }
        line
    }

    /// The body as logged, `None` for an empty one.
    fn body_text(&self, log_body: bool) -> Option<String> {
        match self.body {
            Some([]) => None,
            Some(_) if !log_body => Some("<omitted>".into()),
            Some(body) => {
                let ct = self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
                let mut text = redact::body_for_log(ct, body);
                if self.truncated {
                    text.push_str(&format!(" (only the first {} bytes were read)", body.len()));
                }
                Some(text)
            }
            None => Some("<not read>".into()),
        }
    }

    fn request_id(&self) -> &str {
        request_id_from(self.headers).unwrap_or("-")
    }
}

/// Logs a response: `RESP: <head> RESP BODY: <body>` as one event to
/// [`LOG_TARGET`], or, split, the head to [`RESPONSE_LOG_TARGET`] and the
/// body to [`BODY_LOG_TARGET`], each only when its target is enabled.
/// Inline, as [`log_request`].
#[inline]
pub(super) fn log_response(response: &LoggedResponse<'_>, log_body: bool, split: bool) {
    if debug_possible() {
        write_response(response, log_body, split);
    }
}

/// [`log_response`] once a debug event can be on.
#[inline(never)]
fn write_response(response: &LoggedResponse<'_>, log_body: bool, split: bool) {
    let status = response.status.as_u16();
    let elapsed_ms = response.elapsed.as_millis() as u64;
    if split {
        if tracing::enabled!(target: RESPONSE_LOG_TARGET, tracing::Level::DEBUG) {
            let line = response.head();
            let request_id = response.request_id();
            tracing::debug!(target: RESPONSE_LOG_TARGET, status, request_id, elapsed_ms, "{line}");
        }
        if tracing::enabled!(target: BODY_LOG_TARGET, tracing::Level::DEBUG) {
            if let Some(body) = response.body_text(log_body) {
                let request_id = response.request_id();
                tracing::debug!(target: BODY_LOG_TARGET, status, request_id, "{body}");
            }
        }
        return;
    }
    if !tracing::enabled!(target: LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let mut line = format!("RESP: {}", response.head());
    if let Some(body) = response.body_text(log_body) {
        line.push_str(" RESP BODY: ");
        line.push_str(&body);
    }
    let request_id = response.request_id();
    tracing::debug!(target: LOG_TARGET, status, request_id, elapsed_ms, "{line}");
}
