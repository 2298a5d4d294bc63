//! Waits on events or counts, with a deadline that only stops a broken run.

use std::time::{Duration, Instant};

/// How long [`wait_until`] waits: generous, for a busy shared machine. It
/// bounds a broken run; a passing run never comes near it.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Waits until `done()` holds, checking every 10 ms, for at most
/// [`DEADLINE`]; panics naming `what` after that.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The same on a plain thread (tests without a runtime), for at most
/// `within`.
pub fn block_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
