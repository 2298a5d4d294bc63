//! Log capture for tests: everything a `tracing` subscriber writes, as text.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects everything a tracing subscriber writes.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Captures all events (trace level) on this thread while the guards live.
pub fn capture_logs() -> (Capture, (tracing::subscriber::DefaultGuard, tracing::Dispatch)) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    // tracing-core caches each callsite's interest process-wide. While only
    // one dispatcher is registered it decides the interest of a callsite
    // first hit on another thread (another test running in parallel) from
    // that thread's default, which is "none", and the event is then never
    // delivered here either. A second live dispatcher makes it consult every
    // registered dispatcher, ours included; the rebuild fixes callsites
    // registered before ours.
    let second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    tracing::callsite::rebuild_interest_cache();
    (capture, (guard, second))
}

/// The messages (and fields) of the captured events of exactly `target`,
/// one per line: what follows `<target>: ` in the formatter's output.
pub fn events_of<'a>(text: &'a str, target: &str) -> Vec<&'a str> {
    let marker = format!(" {target}: ");
    text.lines()
        .filter_map(|line| line.split_once(&marker).map(|(_, event)| event))
        .collect()
}
