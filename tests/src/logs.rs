//! Capturing the `tracing` output of one test, in a test binary that runs many tests at once.
//!
//! `tracing` caches per-callsite interest process-wide: with a thread-local subscriber per test,
//! a callsite first hit on another test's thread (no subscriber there) can stay disabled for the
//! test that captures. So one global TRACE subscriber is installed once for the whole binary
//! (and the interest cache rebuilt), and it writes each event to the buffer of the thread that
//! emitted it, if that thread is capturing; other threads' events are dropped.
//!
//! Plain `std` + `tracing`: `runtime/tests` includes this very file (`#[path]`).

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use tracing_subscriber::layer::SubscriberExt as _;

thread_local! {
    static CAPTURE: RefCell<Option<LogBuf>> = const { RefCell::new(None) };
}

/// Everything the capturing thread logged, as text.
#[derive(Clone, Default)]
pub struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl LogBuf {
    /// The captured text so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// Stops capturing on this thread when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|c| c.borrow_mut().take());
    }
}

/// Writes to the current thread's buffer, or nowhere.
struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(buf) = c.borrow().as_ref() {
                buf.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(data);
            }
        });
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the SDK's TRACE-level logs emitted on this thread until the guard is dropped (a
/// `#[tokio::test]` runs its tasks on its own thread).
pub fn capture_logs() -> (LogBuf, CaptureGuard) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let fmt = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(|| ThreadWriter);
        // The SDK's own events only: formatting every hyper/h2 event of every test is waste.
        let ours = tracing_subscriber::filter::filter_fn(|meta| meta.target().starts_with("voice_agents"));
        let subscriber = tracing_subscriber::registry().with(tracing_subscriber::Layer::with_filter(fmt, ours));
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the test binary");
        tracing::callsite::rebuild_interest_cache();
    });
    let buf = LogBuf::default();
    CAPTURE.with(|c| *c.borrow_mut() = Some(buf.clone()));
    (buf, CaptureGuard(()))
}
