//! Retry policy: how often and how long to wait before sending again.

use std::time::Duration;

use http::Method;

/// The first back-off delay.
pub(crate) const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// The longest back-off delay, and the longest `Retry-After` honoured.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The status codes retried by default when status retries are enabled.
pub const DEFAULT_RETRIABLE_STATUS_CODES: &[u16] = &[429, 503];

/// When and how to re-send a request.
///
/// Connection retries re-send a request that never reached the server
/// (refused, connect timeout), and an idempotent request whose response was
/// lost; a `POST` or `PATCH` whose response timed out is never re-sent,
/// because the server may already have acted on it. Status retries re-send
/// after a complete response with a retriable status, waiting for the
/// server's `Retry-After` when it gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times to retry a failed connection (default 0).
    pub connect_retries: u32,
    /// A fixed delay between connection retries, instead of back-off.
    pub connect_retry_delay: Option<Duration>,
    /// How many times to retry a retriable status (default 0).
    pub status_code_retries: u32,
    /// A fixed delay between status retries, instead of back-off.
    pub status_code_retry_delay: Option<Duration>,
    /// The statuses that are retried (default 429 and 503).
    pub retriable_status_codes: Vec<u16>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            connect_retries: 0,
            connect_retry_delay: None,
            status_code_retries: 0,
            status_code_retry_delay: None,
            retriable_status_codes: DEFAULT_RETRIABLE_STATUS_CODES.to_vec(),
        }
    }
}

/// The back-off delay before retry number `attempt` (0-based): 0.5 s,
/// doubling, capped at 60 s; or the fixed delay when one is set.
pub(crate) fn backoff(attempt: u32, fixed: Option<Duration>) -> Duration {
    if let Some(d) = fixed {
        return d;
    }
    let factor = 2u32.saturating_pow(attempt.min(16));
    INITIAL_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

/// True for methods that can be sent twice without a second effect.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let delays: Vec<_> = (0..10).map(|a| backoff(a, None).as_millis()).collect();
        assert_eq!(
            delays,
            vec![500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]
        );
        assert_eq!(backoff(100, None), MAX_BACKOFF);
        assert_eq!(backoff(3, Some(Duration::from_millis(10))), Duration::from_millis(10));
    }

    #[test]
    fn idempotent_methods() {
        assert!(is_idempotent(&Method::GET));
        assert!(is_idempotent(&Method::PUT));
        assert!(!is_idempotent(&Method::POST));
        assert!(!is_idempotent(&Method::PATCH));
    }
}
