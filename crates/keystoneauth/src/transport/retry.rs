//! Retry policy: how often and how long to wait before sending again.

use std::time::Duration;

use http::Method;

/// The first back-off delay.
pub(crate) const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// The longest back-off delay, and the longest `Retry-After` honoured.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How many times a request the server refused before acting on it (an
/// HTTP/2 `REFUSED_STREAM` or graceful `GOAWAY`) is sent again, at once
/// and whatever the retry policy: reqwest's default for such refusals,
/// which the transport makes itself (see `build_client`).
pub(crate) const MAX_REFUSED_RESENDS: u32 = 2;

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

/// The retry settings a builder can change: the whole policy, or one
/// setting of it. Implemented by [`RetryPolicy`] (sessions) and by
/// [`RetryOverrides`] (adapters and requests), so that [`retry_setters!`]
/// writes the builders' setters once.
pub(crate) trait RetrySettings {
    /// Replaces every setting.
    fn set_policy(&mut self, policy: RetryPolicy);
    /// Sets `connect_retries`.
    fn set_connect_retries(&mut self, retries: u32);
    /// Sets `connect_retry_delay`.
    fn set_connect_retry_delay(&mut self, delay: Duration);
    /// Sets `status_code_retries`.
    fn set_status_code_retries(&mut self, retries: u32);
    /// Sets `status_code_retry_delay`.
    fn set_status_code_retry_delay(&mut self, delay: Duration);
    /// Sets `retriable_status_codes`.
    fn set_retriable_status_codes(&mut self, codes: Vec<u16>);
}

impl RetrySettings for RetryPolicy {
    fn set_policy(&mut self, policy: RetryPolicy) {
        *self = policy;
    }

    fn set_connect_retries(&mut self, retries: u32) {
        self.connect_retries = retries;
    }

    fn set_connect_retry_delay(&mut self, delay: Duration) {
        self.connect_retry_delay = Some(delay);
    }

    fn set_status_code_retries(&mut self, retries: u32) {
        self.status_code_retries = retries;
    }

    fn set_status_code_retry_delay(&mut self, delay: Duration) {
        self.status_code_retry_delay = Some(delay);
    }

    fn set_retriable_status_codes(&mut self, codes: Vec<u16>) {
        self.retriable_status_codes = codes;
    }
}

/// The retry settings an adapter or a request sets over the session's
/// policy; `None` keeps the session's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RetryOverrides {
    connect_retries: Option<u32>,
    connect_retry_delay: Option<Option<Duration>>,
    status_code_retries: Option<u32>,
    status_code_retry_delay: Option<Option<Duration>>,
    retriable_status_codes: Option<Vec<u16>>,
}

impl RetryOverrides {
    /// No override: the session's policy.
    pub(crate) const NONE: RetryOverrides = RetryOverrides {
        connect_retries: None,
        connect_retry_delay: None,
        status_code_retries: None,
        status_code_retry_delay: None,
        retriable_status_codes: None,
    };

    /// The policy in effect: these settings over `base` (borrowed: no
    /// copy of the status list per request).
    pub(crate) fn over<'a>(&'a self, base: &'a RetryPolicy) -> EffectiveRetry<'a> {
        EffectiveRetry {
            connect_retries: self.connect_retries.unwrap_or(base.connect_retries),
            connect_retry_delay: self.connect_retry_delay.unwrap_or(base.connect_retry_delay),
            status_code_retries: self.status_code_retries.unwrap_or(base.status_code_retries),
            status_code_retry_delay: self.status_code_retry_delay.unwrap_or(base.status_code_retry_delay),
            retriable_status_codes: self
                .retriable_status_codes
                .as_deref()
                .unwrap_or(&base.retriable_status_codes),
        }
    }
}

/// The retry settings one request uses: [`RetryPolicy`]'s fields, the
/// status list borrowed.
pub(crate) struct EffectiveRetry<'a> {
    pub(crate) connect_retries: u32,
    pub(crate) connect_retry_delay: Option<Duration>,
    pub(crate) status_code_retries: u32,
    pub(crate) status_code_retry_delay: Option<Duration>,
    pub(crate) retriable_status_codes: &'a [u16],
}

impl RetrySettings for RetryOverrides {
    fn set_policy(&mut self, policy: RetryPolicy) {
        *self = RetryOverrides {
            connect_retries: Some(policy.connect_retries),
            connect_retry_delay: Some(policy.connect_retry_delay),
            status_code_retries: Some(policy.status_code_retries),
            status_code_retry_delay: Some(policy.status_code_retry_delay),
            retriable_status_codes: Some(policy.retriable_status_codes),
        };
    }

    fn set_connect_retries(&mut self, retries: u32) {
        self.connect_retries = Some(retries);
    }

    fn set_connect_retry_delay(&mut self, delay: Duration) {
        self.connect_retry_delay = Some(Some(delay));
    }

    fn set_status_code_retries(&mut self, retries: u32) {
        self.status_code_retries = Some(retries);
    }

    fn set_status_code_retry_delay(&mut self, delay: Duration) {
        self.status_code_retry_delay = Some(Some(delay));
    }

    fn set_retriable_status_codes(&mut self, codes: Vec<u16>) {
        self.retriable_status_codes = Some(codes);
    }
}

/// The retry setters of a builder: `.retry(policy)` and keystoneauth1's
/// five settings as conveniences, onto the [`RetrySettings`] at the field
/// path given (`retry_setters!(retry)`, `retry_setters!(overrides.retry)`).
macro_rules! retry_setters {
    ($($path:tt)+) => {
        /// The whole retry policy: connection and status retries, their
        /// delays and the retriable statuses (default: no retries).
        pub fn retry(mut self, policy: $crate::transport::RetryPolicy) -> Self {
            $crate::transport::RetrySettings::set_policy(&mut self.$($path)+, policy);
            self
        }

        /// Connection retries (default 0), with back-off from 0.5 s to 60 s.
        pub fn connect_retries(mut self, retries: u32) -> Self {
            $crate::transport::RetrySettings::set_connect_retries(&mut self.$($path)+, retries);
            self
        }

        /// A fixed delay between connection retries instead of back-off.
        pub fn connect_retry_delay(mut self, delay: std::time::Duration) -> Self {
            $crate::transport::RetrySettings::set_connect_retry_delay(&mut self.$($path)+, delay);
            self
        }

        /// Retries of retriable statuses (default 0).
        pub fn status_code_retries(mut self, retries: u32) -> Self {
            $crate::transport::RetrySettings::set_status_code_retries(&mut self.$($path)+, retries);
            self
        }

        /// A fixed delay between status retries when the server gives no
        /// `Retry-After`, instead of back-off.
        pub fn status_code_retry_delay(mut self, delay: std::time::Duration) -> Self {
            $crate::transport::RetrySettings::set_status_code_retry_delay(&mut self.$($path)+, delay);
            self
        }

        /// The statuses retried (default 429 and 503).
        pub fn retriable_status_codes(mut self, codes: impl IntoIterator<Item = u16>) -> Self {
            $crate::transport::RetrySettings::set_retriable_status_codes(
                &mut self.$($path)+,
                codes.into_iter().collect(),
            );
            self
        }
    };
}
pub(crate) use retry_setters;

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
