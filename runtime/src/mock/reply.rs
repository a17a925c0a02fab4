//! Replies: a status, headers and a body (complete, an event stream, stalled or cut), a delay, or
//! a dropped connection; and how they are written.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;

use crate::sse::EVENT_STREAM;

/// The error that ends a cut body; hyper then closes the connection without finishing it.
pub(super) type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// A response body as the server writes it.
pub(super) type ResponseBody = BoxBody<Bytes, BodyError>;

/// What an expectation answers one request with.
///
/// A complete body is sent with `Content-Length`; an event stream, a stalled or a cut body is
/// chunked. Headers set with [`header`](Self::header) replace the defaults (`content-type`).
///
/// ```
/// # use std::time::Duration;
/// # use voice_agents_runtime::mock::{MockEvent, Reply};
/// let busy = Reply::new(503).retry_after(Duration::from_secs(1));
/// let ok = Reply::new(200).json(&serde_json::json!({ "id": "1" })).delay(Duration::from_millis(50));
/// let stream = Reply::new(200)
///     .events([MockEvent::new("chunk", r#"{"delta":"Hi"}"#), MockEvent::new("end", "{}").delay(Duration::from_secs(1))])
///     .stall();
/// let gone = Reply::drop_connection();
/// ```
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    end: End,
    delay: Duration,
}

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Bytes { bytes: Bytes, content_type: HeaderValue },
    Events(Vec<MockEvent>),
    DropConnection,
}

/// How the body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Complete,
    /// Everything written, then the connection stays open and silent.
    Stall,
    /// Only the first half of the last piece written, then the connection is closed.
    Cut,
}

impl Reply {
    /// A reply with `status` and an empty body.
    ///
    /// # Panics
    ///
    /// When `status` is not in `100..=999`.
    pub fn new(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or_else(|_| panic!("invalid HTTP status {status}"));
        Reply { status, headers: HeaderMap::new(), body: Body::Empty, end: End::Complete, delay: Duration::ZERO }
    }

    /// Closes the connection without any response once the request is read (after the
    /// [delay](Self::delay), if any): the client sees a connection error.
    pub fn drop_connection() -> Self {
        Reply { body: Body::DropConnection, ..Reply::new(200) }
    }

    /// Adds a header; several values of one name are all sent.
    ///
    /// # Panics
    ///
    /// When `name` or `value` is not a valid header name or value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap_or_else(|_| panic!("invalid header name `{name}`"));
        let value = HeaderValue::from_str(value).unwrap_or_else(|_| panic!("invalid value for header `{name}`"));
        self.headers.append(name, value);
        self
    }

    /// `Retry-After: <seconds>`, rounded up to a whole second.
    pub fn retry_after(self, wait: Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.header("retry-after", &secs.to_string())
    }

    /// `retry-after-ms: <milliseconds>`, the finer header some APIs send (and the client reads
    /// first).
    pub fn retry_after_ms(self, wait: Duration) -> Self {
        self.header("retry-after-ms", &wait.as_millis().to_string())
    }

    /// A body of `bytes` with `content_type`.
    ///
    /// # Panics
    ///
    /// When `content_type` is not a valid header value.
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: &str) -> Self {
        let content_type =
            HeaderValue::from_str(content_type).unwrap_or_else(|_| panic!("invalid content type `{content_type}`"));
        self.body = Body::Bytes { bytes: bytes.into(), content_type };
        self
    }

    /// A JSON body (`application/json`).
    ///
    /// # Panics
    ///
    /// When `value` cannot be serialized as JSON (a map with non-string keys).
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_else(|e| panic!("reply body is not JSON: {e}"));
        self.body(bytes, "application/json")
    }

    /// A text body (`text/plain; charset=utf-8`).
    pub fn text(self, text: impl Into<String>) -> Self {
        self.body(text.into(), "text/plain; charset=utf-8")
    }

    /// An event stream (`text/event-stream`): each event written as `id:` (if any), `event:`
    /// (unless the name is empty) and one `data:` line per line of its data, then a blank line,
    /// after its own [delay](MockEvent::delay).
    pub fn events<E: Into<MockEvent>>(mut self, events: impl IntoIterator<Item = E>) -> Self {
        self.body = Body::Events(events.into_iter().map(Into::into).collect());
        self
    }

    /// Waits `delay` before writing each event of an event-stream reply (replacing the events'
    /// own delays), so that a client sees them arrive one by one; no effect on other bodies.
    pub fn event_delay(mut self, delay: Duration) -> Self {
        if let Body::Events(events) = &mut self.body {
            for event in events {
                event.delay = delay;
            }
        }
        self
    }

    /// After the body (or the events), keeps the connection open without finishing the
    /// response, so that a client's idle timeout fires.
    pub fn stall(mut self) -> Self {
        self.end = End::Stall;
        self
    }

    /// Writes only the first half of the body (of the last event, for an event stream; the
    /// events before it are whole), then closes the connection: the client sees the response cut
    /// off.
    pub fn cut_mid_event(mut self) -> Self {
        self.end = End::Cut;
        self
    }

    /// Waits `delay` before answering (or before dropping the connection).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers set on the reply (not the defaults such as `content-type`).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Waits, then builds the response; `None` drops the connection.
    pub(super) async fn render(self) -> Option<Response<ResponseBody>> {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let mut headers = HeaderMap::new();
        let (pieces, delays): (Vec<Bytes>, Vec<Duration>) = match self.body {
            Body::DropConnection => return None,
            Body::Empty => (Vec::new(), Vec::new()),
            Body::Bytes { bytes, content_type } => {
                headers.insert(CONTENT_TYPE, content_type);
                (vec![bytes], vec![Duration::ZERO])
            }
            Body::Events(events) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(EVENT_STREAM));
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                events.iter().map(|e| (Bytes::from(e.encode()), e.delay)).unzip()
            }
        };
        // The reply's own headers replace the defaults of the same name.
        for name in self.headers.keys() {
            headers.remove(name);
        }
        headers.extend(self.headers);
        let streamed = !matches!(self.end, End::Complete) || delays.iter().any(|d| !d.is_zero());
        let body =
            if streamed { streamed_body(pieces, delays, self.end) } else { full_body(Bytes::from(pieces.concat())) };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        Some(response)
    }
}

/// A complete body, sent with `Content-Length`.
pub(super) fn full_body(bytes: Bytes) -> ResponseBody {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed()
}

/// A chunked body: each piece after its delay, then the end.
fn streamed_body(mut pieces: Vec<Bytes>, delays: Vec<Duration>, end: End) -> ResponseBody {
    if end == End::Cut {
        // Half of the last piece; with no piece at all, the cut comes right after the headers.
        if let Some(last) = pieces.pop() {
            pieces.push(last.slice(..last.len() / 2));
        }
    }
    let frames = futures_util::stream::iter(pieces.into_iter().zip(delays)).then(|(piece, delay)| async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok::<_, BodyError>(Frame::data(piece))
    });
    let ending = futures_util::stream::once(async move {
        match end {
            End::Complete => None,
            End::Stall => std::future::pending().await,
            End::Cut => {
                // Give the connection one turn to flush what was written before it is closed.
                tokio::task::yield_now().await;
                Some(Err::<Frame<Bytes>, BodyError>("the mock cut the response off".into()))
            }
        }
    })
    .filter_map(std::future::ready);
    BodyExt::boxed(StreamBody::new(frames.chain(ending)))
}

/// One event of an event-stream [`Reply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockEvent {
    event: String,
    data: String,
    id: Option<String>,
    delay: Duration,
}

impl MockEvent {
    /// An event named `event` (`message` for clients when empty) carrying `data`.
    pub fn new(event: impl Into<String>, data: impl Into<String>) -> Self {
        MockEvent { event: event.into(), data: data.into(), id: None, delay: Duration::ZERO }
    }

    /// An event whose data is `value` as JSON.
    ///
    /// # Panics
    ///
    /// When `value` cannot be serialized as JSON.
    pub fn json<T: serde::Serialize + ?Sized>(event: impl Into<String>, value: &T) -> Self {
        let data = serde_json::to_string(value).unwrap_or_else(|e| panic!("event data is not JSON: {e}"));
        MockEvent::new(event, data)
    }

    /// Sets the event's `id:`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Waits `delay` before writing this event.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The event as written on the wire. Line breaks in the name or id, which the format cannot
    /// carry, are removed; the data's `\r\n`, `\r` and `\n` each start a new `data:` line.
    fn encode(&self) -> String {
        let one_line = |s: &str| s.replace(['\r', '\n'], "");
        let mut out = String::with_capacity(self.data.len() + self.event.len() + 16);
        if let Some(id) = &self.id {
            out.push_str(&format!("id: {}\n", one_line(id)));
        }
        if !self.event.is_empty() {
            out.push_str(&format!("event: {}\n", one_line(&self.event)));
        }
        for line in self.data.replace("\r\n", "\n").split(['\r', '\n']) {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        out
    }
}

/// `(event, data)`.
impl<E: Into<String>, D: Into<String>> From<(E, D)> for MockEvent {
    fn from((event, data): (E, D)) -> Self {
        MockEvent::new(event, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_written_as_event_stream_blocks() {
        assert_eq!(MockEvent::new("chunk", r#"{"a":1}"#).encode(), "event: chunk\ndata: {\"a\":1}\n\n");
        assert_eq!(
            MockEvent::new("", "a\r\nb\rc\nd").id("7").encode(),
            "id: 7\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
        );
        assert_eq!(MockEvent::new("x\ny", "").encode(), "event: xy\ndata: \n\n");
    }

    #[test]
    fn event_delay_spaces_every_event_and_leaves_other_bodies_alone() {
        let every = Duration::from_millis(20);
        let r = Reply::new(200)
            .events([MockEvent::new("a", "1"), MockEvent::new("b", "2").delay(every * 9)])
            .event_delay(every);
        let Body::Events(events) = &r.body else { panic!("an event stream") };
        assert!(events.iter().all(|e| e.delay == every));
        assert!(matches!(Reply::new(200).text("x").event_delay(every).body, Body::Bytes { .. }));
    }

    #[test]
    fn retry_after_rounds_up_and_own_headers_win() {
        let r = Reply::new(429).retry_after(Duration::from_millis(1500)).retry_after_ms(Duration::from_millis(1500));
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(r.headers()["retry-after-ms"], "1500");
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let response =
            rt.block_on(Reply::new(200).json(&1).header("content-type", "application/x+json").render()).unwrap();
        assert_eq!(response.headers().get_all(CONTENT_TYPE).iter().collect::<Vec<_>>(), ["application/x+json"]);
        assert!(rt.block_on(Reply::drop_connection().render()).is_none());
    }
}
