//! Concurrency and rate limits that a group of requests share (an
//! [`Adapter`](crate::Adapter) configures them; the session's request path
//! honours them).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Concurrency and rate limits shared by an adapter's requests.
#[derive(Debug)]
pub(crate) struct Limits {
    concurrency: Option<Arc<tokio::sync::Semaphore>>,
    rate: Option<RateLimiter>,
}

impl Limits {
    /// At most `concurrency` requests at once, started at least `interval`
    /// apart; `None` when neither is set.
    pub(crate) fn new(concurrency: Option<usize>, interval: Option<Duration>) -> Option<Self> {
        if concurrency.is_none() && interval.is_none() {
            return None;
        }
        Some(Limits {
            concurrency: concurrency.map(|n| Arc::new(tokio::sync::Semaphore::new(n))),
            rate: interval.map(|interval| RateLimiter {
                interval,
                next: Mutex::new(None),
            }),
        })
    }

    /// Waits for a slot; the permit must be held while the request runs,
    /// a streamed response's body included (owned, so that the response
    /// can keep it).
    pub(crate) async fn acquire(&self) -> Result<Option<tokio::sync::OwnedSemaphorePermit>> {
        let permit = match &self.concurrency {
            Some(s) => Some(
                Arc::clone(s)
                    .acquire_owned()
                    .await
                    .map_err(|_| Error::invalid_request("the adapter's concurrency limit is closed"))?,
            ),
            None => None,
        };
        if let Some(rate) = &self.rate {
            rate.wait().await;
        }
        Ok(permit)
    }
}

/// Spaces requests at least `interval` apart.
#[derive(Debug)]
struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    async fn wait(&self) {
        let slot = {
            let Ok(mut next) = self.next.lock() else {
                return;
            };
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}
