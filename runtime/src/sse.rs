//! Server-Sent Events: typed event streams over a response body (`x-sse-events` in a spec).
//!
//! An operation whose success response is `text/event-stream` is sent with [`execute_stream`]:
//! authentication, retries and timeouts work as for every call until the response **headers**
//! arrive. A non-2xx answer is read whole and returned as [`Error::Api`]; a 2xx answer becomes a
//! [`Response`] whose `data` is an [`EventStream`]. Once the stream has started nothing is retried
//! (a repeat could duplicate what the server already did, such as a chat reply).
//!
//! Parsing is [`sse_stream`]'s: it follows the WHATWG rules (CRLF, CR and LF line endings, also
//! split across reads; multi-line `data`; comments; `id:`/`retry:`; a leading BOM; unknown fields
//! ignored) and is maintained (0.3, 2026; the Rust MCP SDK's SSE parser), where
//! `eventsource-stream` has had no release since 2022 and re-buffers the whole remainder on every
//! line. This module adds what an SDK needs on top: the idle timeout between reads, a bound on
//! the size of one event, typed decoding with errors that name the event, and ending the stream
//! after the first error.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::{FusedStream, Stream};
use futures_util::StreamExt;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use sse_stream::{Sse, SseByteStream};

use crate::api_error::DecodeError;
use crate::config::{Config, Core};
use crate::engine::transport::{self, AttemptError};
use crate::error::Error;
use crate::json_path::{byte_offset, path_at};
use crate::response::Response;

/// The media type of an event stream.
pub const EVENT_STREAM: &str = "text/event-stream";

/// Largest amount of stream data read without completing an event (16 MiB). A server that
/// never ends a line or an event would otherwise grow the parser's buffer without bound; real
/// events (chat chunks, tool calls) are a few hundred bytes.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One event of a Server-Sent Events stream, before typing.
///
/// Blocks without any `data:` line are not events (the SSE rules): their `id:` and `retry:`
/// still update what later events report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseEvent {
    /// The `event:` field; `message` when the block has none (or an empty one).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last event id the stream set (`id:`), as a browser's `EventSource` keeps it.
    pub id: Option<String>,
    /// The last reconnection delay the stream asked for (`retry:`). This client does not
    /// reconnect by itself: a stream that ends is over.
    pub retry: Option<Duration>,
}

impl SseEvent {
    /// An event named `event` with `data` (for tests, and for hand-written decoders of events).
    pub fn new(event: impl Into<String>, data: impl Into<String>) -> Self {
        SseEvent { event: event.into(), data: data.into(), id: None, retry: None }
    }

    /// Decodes `data` as JSON into `T`.
    ///
    /// On failure the [`Error::Decode`] names the event ([`DecodeError::event`]), the JSON path
    /// that failed and an excerpt of `data`. `data` that is not JSON (or JSON followed by more
    /// text) is a decode error too. Nesting deeper than serde_json's limit (128) is an error,
    /// never a stack overflow.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_str(&self.data).map_err(|e| self.decode_error(e))
    }

    fn decode_error(&self, e: serde_json::Error) -> Error {
        let offset = byte_offset(self.data.as_bytes(), e.line(), e.column());
        let path = path_at(self.data.as_bytes(), offset);
        Error::Decode(Box::new(DecodeError::for_event(
            Some(&self.event),
            self.data.as_bytes(),
            path,
            e.to_string(),
            offset,
        )))
    }
}

/// A typed event of a stream; the generator implements it for each operation's event enum.
///
/// Generated impls are one `match` on the event name, decoding `data` with [`SseEvent::json`]
/// (or taking it verbatim for a `type: string` schema) and keeping unknown events raw, so a new
/// event type on the server never breaks a client:
///
/// ```
/// use voice_agents_runtime::__private::StreamEvent;
/// use voice_agents_runtime::{Error, SseEvent};
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Chunk { delta: String }
///
/// #[derive(Debug)]
/// enum ChatEvent {
///     Chunk(Chunk),
///     Unknown { event: String, data: String },
/// }
///
/// impl StreamEvent for ChatEvent {
///     fn from_sse(e: SseEvent) -> Result<Self, Error> {
///         Ok(match e.event.as_str() {
///             "chunk" => ChatEvent::Chunk(e.json()?),
///             _ => ChatEvent::Unknown { event: e.event, data: e.data },
///         })
///     }
/// }
/// ```
pub trait StreamEvent: Sized + Send + 'static {
    /// Types one event. An error ends the stream after it is yielded.
    fn from_sse(event: SseEvent) -> Result<Self, Error>;
}

/// Untyped streams: every event as received.
impl StreamEvent for SseEvent {
    fn from_sse(event: SseEvent) -> Result<Self, Error> {
        Ok(event)
    }
}

/// The events of one streamed response, in order; a [`Stream`](futures_core::Stream) of `Result<E, Error>`.
///
/// Use it with `futures_util::StreamExt` / `TryStreamExt` (`next`, `try_next`, `try_collect`,
/// `try_for_each`...). Rules:
///
/// * **Idle timeout**: when no byte arrives for the client's
///   [`read_idle_timeout`](super::ClientBuilder::read_idle_timeout)
///   ([`DEFAULT_READ_IDLE_TIMEOUT`](crate::DEFAULT_READ_IDLE_TIMEOUT) by default), the stream
///   yields [`Error::Timeout`] ([`TimeoutKind::ReadIdle`](super::TimeoutKind::ReadIdle)) and
///   ends. Keep-alive comments count as activity. The per-attempt timeout and the overall
///   deadline only bound the wait for the response headers; bound a whole stream with
///   `tokio::time::timeout` if you need to.
/// * **Errors end the stream**: a connection error, a timeout, an event that does not decode
///   (the error names the event) or more than [`MAX_EVENT_BYTES`] without a complete event is
///   yielded once; then the stream is over. It is never retried or resumed.
/// * **Dropping** the stream drops the response and closes its connection.
/// * The stream ends normally when the server closes the response between events. When it
///   closes in the middle of one (no blank line after the last event), that event is discarded,
///   as the SSE rules say, and the stream yields an [`Error::Decode`] saying how many bytes were
///   left, so a reply cut short is never taken for a whole one.
pub struct EventStream<E> {
    inner: futures_util::stream::Fuse<BoxedEvents<E>>,
}

type BoxedEvents<E> = Pin<Box<dyn Stream<Item = Result<E, Error>> + Send>>;

impl<E: StreamEvent> EventStream<E> {
    /// Turns a 2xx response into the caller's stream, unless it is not an event stream.
    pub(crate) async fn start(
        core: &Core,
        resp: reqwest::Response,
        attempts: u32,
    ) -> Result<Response<EventStream<E>>, Error> {
        let cfg = core.config();
        let content_type = resp.headers().get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if let Some(ct) = content_type.filter(|ct| !is_event_stream(ct)) {
            // A JSON body parsed as SSE would silently yield no events; say what came instead.
            let raw =
                transport::read_body(resp, cfg.read_idle_timeout).await.map_err(|e| e.into_error(attempts, cfg))?;
            let message = format!("expected a `{EVENT_STREAM}` response, got `{ct}`");
            let e = Error::Decode(Box::new(DecodeError::new(&raw, "$".into(), message, 0)));
            return Err(e.finish(attempts, &cfg.scrubber));
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        Ok(Response::from_head(status, headers, EventStream::new(core.clone(), resp, attempts)))
    }

    /// Reads events from a 2xx response whose headers have arrived; `attempts` is how many
    /// attempts the call made (reported by errors).
    pub(crate) fn new(core: Core, resp: reqwest::Response, attempts: u32) -> Self {
        let status = resp.status();
        let headers = resp.headers().clone();
        let idle = core.config().read_idle_timeout;
        let received = Arc::new(AtomicUsize::new(0));
        let unfinished = Arc::new(AtomicUsize::new(0));
        let parser = SseByteStream::new(chunks(resp, idle, received.clone(), unfinished.clone()));
        let state =
            Reader { parser, core, status, headers, attempts, received, unfinished, last_id: None, retry: None };
        let events = futures_util::stream::unfold(Some(state), |state| async move {
            let mut reader = state?;
            match reader.next_event::<E>().await? {
                Ok(event) => Some((Ok(event), Some(reader))),
                // Dropping the reader here closes the connection at once.
                Err(e) => Some((Err(e), None)),
            }
        });
        let boxed: BoxedEvents<E> = Box::pin(events);
        EventStream { inner: boxed.fuse() }
    }
}

impl<E> Stream for EventStream<E> {
    type Item = Result<E, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<E> FusedStream for EventStream<E> {
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}

impl<E> fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").field("ended", &self.inner.is_terminated()).finish_non_exhaustive()
    }
}

/// Why reading the body failed; travels through the parser as its byte stream's error.
#[derive(Debug)]
enum ChunkError {
    Read(AttemptError),
    TooLarge,
}

impl fmt::Display for ChunkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkError::Read(AttemptError::Timeout(_, d)) => write!(f, "no data for {d:?}"),
            ChunkError::Read(_) => f.write_str("the response body could not be read"),
            ChunkError::TooLarge => write!(f, "more than {MAX_EVENT_BYTES} bytes without a complete event"),
        }
    }
}

impl std::error::Error for ChunkError {}

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, ChunkError>> + Send>>;

/// The body's chunks (read under the idle timeout by the transport); `received` counts the
/// bytes since the reader last completed a block, and the stream ends with an error past
/// [`MAX_EVENT_BYTES`]; `unfinished` is how many bytes of an event not yet ended by a blank
/// line the stream holds (see [`Tail`]).
fn chunks(
    resp: reqwest::Response,
    idle: Option<Duration>,
    received: Arc<AtomicUsize>,
    unfinished: Arc<AtomicUsize>,
) -> Chunks {
    let mut tail = Tail::default();
    // The reader drops the whole stream after its first error, so nothing is read past one.
    Box::pin(transport::chunks(resp, idle).map(move |chunk| match chunk {
        Ok(bytes) => {
            tail.feed(&bytes);
            unfinished.store(tail.unfinished(), Ordering::Relaxed);
            let total = received.fetch_add(bytes.len(), Ordering::Relaxed).saturating_add(bytes.len());
            if total > MAX_EVENT_BYTES { Err(ChunkError::TooLarge) } else { Ok(bytes) }
        }
        Err(e) => Err(ChunkError::Read(e)),
    }))
}

/// Where the stream stands between events, byte by byte: whether the bytes since the last
/// blank line hold a field of an event that no blank line has ended yet. The parser discards
/// such an event at the end of the stream (the SSE rules); this is what lets the stream say so
/// instead of ending as if nothing were lost. Comment lines (`: keep-alive`) are not events.
#[derive(Debug)]
struct Tail {
    /// How many bytes of a leading byte-order mark are still possible (3, 2, 1, then 0).
    bom: usize,
    /// At the start of a line.
    line_start: bool,
    /// The current line is a comment.
    comment: bool,
    /// The previous byte was `\r` (a `\n` after it ends the same line).
    after_cr: bool,
    /// A field line has ended and no blank line has followed it yet.
    pending: bool,
    /// Bytes since the last blank line.
    bytes: usize,
}

impl Default for Tail {
    fn default() -> Self {
        Tail { bom: 3, line_start: true, comment: false, after_cr: false, pending: false, bytes: 0 }
    }
}

impl Tail {
    fn feed(&mut self, chunk: &[u8]) {
        const BOM: &[u8; 3] = b"\xEF\xBB\xBF";
        for &b in chunk {
            if self.bom > 0 {
                let expected = BOM[3 - self.bom];
                self.bom = if b == expected { self.bom - 1 } else { 0 };
                if b == expected {
                    continue;
                }
            }
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            if b == b'\n' && after_cr {
                self.bytes += 1;
                continue;
            }
            if b == b'\n' || b == b'\r' {
                if self.line_start {
                    // A blank line dispatches the block: nothing is pending any more.
                    self.pending = false;
                    self.bytes = 0;
                } else {
                    self.pending |= !self.comment;
                    self.line_start = true;
                    self.bytes += 1;
                }
                continue;
            }
            if self.line_start {
                self.comment = b == b':';
                self.line_start = false;
            }
            self.bytes += 1;
        }
    }

    /// Bytes after the last complete event when they hold part of another, else 0.
    fn unfinished(&self) -> usize {
        let in_field_line = !self.line_start && !self.comment;
        if self.pending || in_field_line { self.bytes } else { 0 }
    }
}

/// The state behind an [`EventStream`]: the parser over the body and what errors report.
struct Reader {
    parser: SseByteStream<Chunks>,
    core: Core,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
    received: Arc<AtomicUsize>,
    /// See [`Tail::unfinished`], as of the last chunk read.
    unfinished: Arc<AtomicUsize>,
    last_id: Option<String>,
    retry: Option<Duration>,
}

impl Reader {
    /// The next typed event, `None` at the end of the body.
    async fn next_event<E: StreamEvent>(&mut self) -> Option<Result<E, Error>> {
        loop {
            let block: Sse = match self.parser.next().await {
                Some(Ok(block)) => block,
                Some(Err(e)) => return Some(Err(self.stream_error(e))),
                None => return self.ended_mid_event().map(Err),
            };
            self.received.store(0, Ordering::Relaxed);
            if let Some(id) = block.id {
                // `id:` with an empty value resets the last event id (SSE rules).
                self.last_id = (!id.is_empty()).then_some(id);
            }
            if let Some(ms) = block.retry {
                self.retry = Some(Duration::from_millis(ms));
            }
            // A block without `data:` (only `id:`/`retry:`, or `event:`) dispatches nothing.
            let Some(data) = block.data else { continue };
            let event = block.event.filter(|e| !e.is_empty()).unwrap_or_else(|| "message".to_owned());
            tracing::trace!(event = %event, data_len = data.len(), "SSE event");
            let raw = SseEvent { event, data, id: self.last_id.clone(), retry: self.retry };
            return Some(E::from_sse(raw).map_err(|e| self.finish(e)));
        }
    }

    /// At the end of the body: an error when the last event was cut off (no blank line after
    /// it), which the parser has discarded.
    fn ended_mid_event(&self) -> Option<Error> {
        let left = self.unfinished.swap(0, Ordering::Relaxed);
        (left > 0).then(|| {
            let message = format!(
                "the event stream ended in the middle of an event: {left} bytes after the last complete event were discarded"
            );
            self.finish(Error::Decode(Box::new(DecodeError::for_event(None, b"", "$".into(), message, 0))))
        })
    }

    fn config(&self) -> &Config {
        self.core.config()
    }

    /// Attaches the response and attempt count to an error from a [`StreamEvent`] impl, and
    /// scrubs known secrets from its excerpt.
    fn finish(&self, e: Error) -> Error {
        match e {
            Error::Decode(mut d) => {
                d.set_response(self.status, &self.headers);
                Error::Decode(d).finish(self.attempts, &self.config().scrubber)
            }
            other => other,
        }
    }

    fn stream_error(&self, e: sse_stream::Error) -> Error {
        let decode = |message: String| {
            self.finish(Error::Decode(Box::new(DecodeError::for_event(None, b"", "$".into(), message, 0))))
        };
        match e {
            sse_stream::Error::Body(source) => match source.downcast::<ChunkError>() {
                Ok(chunk) => match *chunk {
                    ChunkError::Read(e) => e.into_error(self.attempts, self.config()),
                    ChunkError::TooLarge => decode(ChunkError::TooLarge.to_string()),
                },
                Err(other) => Error::Connection {
                    message: self.config().scrubber.scrub(&other.to_string()),
                    source: other,
                    attempts: self.attempts,
                },
            },
            sse_stream::Error::Utf8Parse(e) => decode(format!("the event stream is not valid UTF-8: {e}")),
            other => decode(format!("invalid event stream: {other}")),
        }
    }
}

/// `text/event-stream`, parameters (`; charset=utf-8`) and case ignored.
fn is_event_stream(content_type: &str) -> bool {
    content_type.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case(EVENT_STREAM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::ApiClient;
    use crate::builder::ClientBuilder;
    use crate::info::ApiInfo;
    use futures_util::TryStreamExt;

    static API: ApiInfo =
        ApiInfo { name: "sse-unit", servers: &[], security_schemes: &[], identity: crate::__api_identity!() };

    struct Client(Core);
    impl ApiClient for Client {
        const API: &'static ApiInfo = &API;
        fn from_core(core: Core) -> Self {
            Client(core)
        }
    }

    fn core() -> Core {
        ClientBuilder::<Client>::new().base_url("http://127.0.0.1:9").build().expect("client").0
    }

    /// An event stream over `pieces`, delivered as separate body chunks.
    fn stream_of(pieces: Vec<&'static [u8]>) -> EventStream<SseEvent> {
        let body =
            futures_util::stream::iter(pieces.into_iter().map(|p| Ok::<_, std::io::Error>(Bytes::from_static(p))));
        let resp = http::Response::builder()
            .header(CONTENT_TYPE, EVENT_STREAM)
            .body(reqwest::Body::wrap_stream(body))
            .expect("response");
        EventStream::new(core(), reqwest::Response::from(resp), 1)
    }

    /// Splits `text` into single bytes: every boundary, including inside `\r\n`, is a chunk edge.
    fn bytewise(text: &'static [u8]) -> Vec<&'static [u8]> {
        (0..text.len()).map(|i| &text[i..i + 1]).collect()
    }

    const STREAM: &[u8] = b"\xEF\xBB\xBF: hello\r\nretry: 1500\r\n\r\nevent: chunk\r\ndata: {\"delta\":\"a\"}\r\n\r\n\
id: 7\rdata: line one\rdata: line two\r\revent:\ndata:\n\nid\nevent: x\n\ndata: tail without blank line";

    #[tokio::test]
    async fn parses_every_line_ending_bom_comments_retry_id_and_multiline_data_split_anywhere() {
        let expected = vec![
            SseEvent {
                event: "chunk".into(),
                data: "{\"delta\":\"a\"}".into(),
                id: None,
                retry: Some(Duration::from_millis(1500)),
            },
            SseEvent {
                event: "message".into(),
                data: "line one\nline two".into(),
                id: Some("7".into()),
                retry: Some(Duration::from_millis(1500)),
            },
            // `event:` empty means `message`; `data:` empty is an event with empty data.
            SseEvent {
                event: "message".into(),
                data: String::new(),
                id: Some("7".into()),
                retry: Some(Duration::from_millis(1500)),
            },
        ];
        let whole = collect(stream_of(vec![STREAM])).await;
        assert_eq!(whole.0, expected);
        let split = collect(stream_of(bytewise(STREAM))).await;
        assert_eq!(split.0, expected, "byte-by-byte chunks give the same events");
        // The last event has no blank line after it: it is dropped, and the stream says so.
        for (_, error) in [whole, split] {
            let error = error.expect("an error for the cut-off event").to_string();
            assert!(error.contains("ended in the middle of an event: 29 bytes"), "{error}");
        }
    }

    /// The events of a stream, and the error that ended it.
    async fn collect(mut stream: EventStream<SseEvent>) -> (Vec<SseEvent>, Option<Error>) {
        let mut events = Vec::new();
        while let Some(next) = stream.next().await {
            match next {
                Ok(event) => events.push(event),
                Err(e) => return (events, Some(e)),
            }
        }
        (events, None)
    }

    #[tokio::test]
    async fn a_stream_that_ends_between_events_ends_cleanly_even_after_a_comment_or_a_stray_id() {
        for ending in ["", "\n", ": keep-alive\n", ": no newline", "\r\n", "id: 3\n\n"] {
            let text = format!("data: one\n\n{ending}");
            let body: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
            let (events, error) = collect(stream_of(bytewise(body))).await;
            assert_eq!(events.len(), 1, "{ending:?}");
            assert!(error.is_none(), "{ending:?}: {error:?}");
        }
        for (ending, left) in [("data: two", 9), ("data: two\n", 10), ("event: x\r\ndata: y\r\n", 19), ("id: 4\n", 6)] {
            let text = format!("data: one\n\n{ending}");
            let body: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
            let (events, error) = collect(stream_of(vec![body])).await;
            assert_eq!(events.len(), 1, "{ending:?}");
            let message = error.map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(&format!("{left} bytes")), "{ending:?}: {message}");
        }
    }

    #[test]
    fn json_errors_name_the_event_and_the_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Chunk {
            delta: String,
        }
        let e = SseEvent::new("chunk", r#"{"delta": 5}"#).json::<Chunk>().unwrap_err();
        let d = e.decode().expect("a decode error");
        assert_eq!((d.event(), d.path()), (Some("chunk"), "$.delta"));
        assert!(e.to_string().contains("SSE event `chunk`"), "{e}");
        let e = SseEvent::new("chunk", "[DONE]").json::<Chunk>().unwrap_err();
        assert_eq!(e.decode().and_then(DecodeError::event), Some("chunk"));
        let e = SseEvent::new("chunk", r#"{"delta":"a"} trailing"#).json::<Chunk>().unwrap_err();
        assert_eq!(e.decode().map(DecodeError::path), Some("$"));
        // Deep nesting hits serde_json's recursion limit instead of the stack.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(SseEvent::new("x", deep).json::<serde_json::Value>().is_err());
    }

    #[tokio::test]
    async fn invalid_utf8_ends_the_stream_with_a_decode_error() {
        let mut s = stream_of(vec![b"data: ok\n\n", b"data: \xff\xfe\n\n", b"data: never\n\n"]);
        assert_eq!(s.try_next().await.expect("first").expect("event").data, "ok");
        let e = s.try_next().await.expect_err("invalid UTF-8");
        assert!(e.to_string().contains("UTF-8"), "{e}");
        assert!(s.next().await.is_none(), "an error ends the stream");
        assert!(s.is_terminated());
    }

    #[test]
    fn event_stream_media_type() {
        assert!(is_event_stream("text/event-stream"));
        assert!(is_event_stream("Text/Event-Stream; charset=utf-8"));
        assert!(!is_event_stream("application/json"));
    }
}
