//! The typed layer the generated `mock` modules are made of: each operation's `<Op>Received`
//! struct implements [`Received`] (and [`Status`] for each response the spec declares), and its
//! expectation builder wraps an [`Expect`] over it. Everything typed here is generic, so a
//! generated module is a thin description of its API and the code runs where a test uses it.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use super::expect::{Expectation, ExpectationHandle, Times};
use super::reply::{MockEvent, Reply};
use super::request::{MockRequest, Violation};
use super::server::MockServer;
use crate::builder::{ApiClient, ClientBuilder};
use crate::info::SecurityKind;
use crate::sse::SseEvent;

/// One operation's request as its mock received it, typed (the generated `<Op>Received`
/// structs): its parameters in their Rust types, its body decoded. It also names the operation
/// and its default success status to the typed layer.
pub trait Received: Any + Clone + fmt::Debug + Send + Sync + Sized {
    /// The operation's `operationId`.
    const OPERATION: &'static str;
    /// The operation's default success status: its lowest declared 2xx (the response Prism's
    /// mock mode picks too), answered by an expectation mounted without a reply.
    const SUCCESS_STATUS: u16;

    /// Checks `request` against the spec (required parameters present, every parameter of its
    /// type, the body decoded, its constraints kept) and types it.
    fn decode(request: &MockRequest) -> Result<Self, Violation>;
}

/// A typed event that a mock writes into an event stream: the generated event enums implement
/// it, writing each variant under its `event:` name with its data as the SDK decodes it.
pub trait IntoMockEvent {
    /// The event as the mock writes it.
    fn into_mock_event(self) -> MockEvent;
}

impl IntoMockEvent for MockEvent {
    fn into_mock_event(self) -> MockEvent {
        self
    }
}

/// An untyped event (of an operation whose spec does not describe its events).
impl IntoMockEvent for SseEvent {
    fn into_mock_event(self) -> MockEvent {
        let event = MockEvent::new(self.event, self.data);
        match self.id {
            Some(id) => event.id(id),
            None => event,
        }
    }
}

/// An expectation of one operation's requests being built: what it matches, what it answers
/// (a sequence of replies), how often it must be hit. Nothing happens until it is
/// [mounted](Self::mount). The generated `<Op>Expectation` builders wrap it and add one
/// matcher per parameter.
#[must_use = "an expectation does nothing until it is mounted"]
pub struct Expect<'s, R: Received> {
    server: &'s MockServer,
    expectation: Expectation,
    replies: Vec<Reply>,
    received: PhantomData<fn() -> R>,
}

impl<'s, R: Received> Expect<'s, R> {
    /// An expectation of `R`'s operation on `server`: every request of the operation, any number
    /// of times, until narrowed.
    pub fn new(server: &'s MockServer) -> Self {
        Expect { server, expectation: Expectation::new(R::OPERATION), replies: Vec::new(), received: PhantomData }
    }

    /// Matches only the requests for which `matcher` holds (several matchers must all hold).
    pub fn matching(self, matcher: impl Fn(&R) -> bool + Send + Sync + 'static) -> Self {
        self.matching_described("a custom matcher", matcher)
    }

    /// Like [`matching`](Self::matching); `description` says what it checks in the mock's reports
    /// (`name starts with "a"`).
    pub fn matching_described(
        mut self,
        description: impl Into<String>,
        matcher: impl Fn(&R) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.expectation = self.expectation.matching(description, matcher);
        self
    }

    /// Matches only the requests whose `name` (read by `get`) equals `expected`.
    pub fn field_is<T>(self, name: &str, expected: T, get: fn(&R) -> &T) -> Self
    where
        T: PartialEq + fmt::Debug + Send + Sync + 'static,
    {
        let description = format!("`{name}` is {expected:?}");
        self.matching_described(description, move |r| *get(r) == expected)
    }

    /// Matches only the requests that send the optional `name` (read by `get`), equal to
    /// `expected`.
    pub fn field_is_set<T>(self, name: &str, expected: T, get: fn(&R) -> Option<&T>) -> Self
    where
        T: PartialEq + fmt::Debug + Send + Sync + 'static,
    {
        let description = format!("`{name}` is {expected:?}");
        self.matching_described(description, move |r| get(r) == Some(&expected))
    }

    /// Answers `status` with `body` encoded as JSON (as the SDK encodes it), labelled
    /// `media_type` (`application/json` when empty). The generated `respond` methods call the
    /// `respond_` methods with the status, type and media type the spec declares. Each reply
    /// method adds a reply to the sequence: the first request gets the first reply, the second
    /// the second, and the last repeats.
    ///
    /// # Panics
    ///
    /// When `body` cannot be encoded as JSON (a map whose keys are not strings), which no
    /// generated type does.
    pub fn respond_json<T: Serialize>(self, status: u16, media_type: &str, body: T) -> Self {
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|e| panic!("reply body is not JSON: {e}"));
        let media_type = if media_type.is_empty() { "application/json" } else { media_type };
        self.reply(Reply::new(status).body(bytes, media_type))
    }

    /// Answers `status` with a text body, labelled `media_type` (`text/plain; charset=utf-8`
    /// when empty).
    pub fn respond_text(self, status: u16, media_type: &str, body: String) -> Self {
        let media_type = if media_type.is_empty() { "text/plain; charset=utf-8" } else { media_type };
        self.reply(Reply::new(status).body(body, media_type))
    }

    /// Answers `status` with a binary body, labelled `media_type` (`application/octet-stream`
    /// when empty).
    pub fn respond_bytes(self, status: u16, media_type: &str, body: Bytes) -> Self {
        let media_type = if media_type.is_empty() { "application/octet-stream" } else { media_type };
        self.reply(Reply::new(status).body(body, media_type))
    }

    /// Answers `status` without a body.
    pub fn respond_empty(self, status: u16) -> Self {
        self.reply(Reply::new(status))
    }

    /// Answers `status` with an event stream (`text/event-stream`) of `events`, each written as
    /// the SDK's decoder reads it back.
    pub fn respond_events<E: IntoMockEvent>(self, status: u16, events: impl IntoIterator<Item = E>) -> Self {
        self.reply(Reply::new(status).events(events.into_iter().map(IntoMockEvent::into_mock_event)))
    }

    /// Checks that one of `declared` (inclusive intervals of the operation's declared error
    /// statuses, its ranges and `default` included) covers `status`, before a `respond_` method
    /// answers with it.
    ///
    /// # Panics
    ///
    /// When none does: the spec declares no such error response for the operation (send it
    /// with [`reply`](Self::reply) if that is the point).
    pub fn declared(self, declared: &[(u16, u16)], status: u16) -> Self {
        if !declared.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status)) {
            let list: Vec<String> =
                declared.iter().map(|(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") }).collect();
            panic!(
                "`{}` declares no error response with status {status} (it declares {}); send one anyway with `.reply(Reply::new({status}))`",
                R::OPERATION,
                list.join(", ")
            );
        }
        self
    }

    /// Adds `reply` to the sequence as given: any status, headers and body, spec or not (a 503
    /// to exercise retries, a malformed body).
    pub fn reply(mut self, reply: Reply) -> Self {
        self.replies.push(reply);
        self
    }

    /// Adds a reply that closes the connection without answering.
    pub fn drop_connection(self) -> Self {
        self.reply(Reply::drop_connection())
    }

    /// Adds a header to the last reply.
    ///
    /// # Panics
    ///
    /// Before any reply, or when `name` or `value` is not a valid header name or value.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.last("header", |r| r.header(name, value))
    }

    /// Adds `Retry-After` (whole seconds, rounded up) to the last reply.
    ///
    /// # Panics
    ///
    /// Before any reply.
    pub fn retry_after(self, wait: Duration) -> Self {
        self.last("retry_after", |r| r.retry_after(wait))
    }

    /// Makes the last reply wait `delay` before it is sent.
    ///
    /// # Panics
    ///
    /// Before any reply.
    pub fn delay(self, delay: Duration) -> Self {
        self.last("delay", |r| r.delay(delay))
    }

    /// Makes the last reply, an event stream, wait `delay` before each event.
    ///
    /// # Panics
    ///
    /// Before any reply.
    pub fn event_delay(self, delay: Duration) -> Self {
        self.last("event_delay", |r| r.event_delay(delay))
    }

    /// Keeps the connection of the last reply open and silent after its body (or its events),
    /// so that the client's idle timeout fires.
    ///
    /// # Panics
    ///
    /// Before any reply.
    pub fn stall(self) -> Self {
        self.last("stall", Reply::stall)
    }

    /// Cuts the last reply off halfway through its body (through its last event).
    ///
    /// # Panics
    ///
    /// Before any reply.
    pub fn cut_mid_event(self) -> Self {
        self.last("cut_mid_event", Reply::cut_mid_event)
    }

    /// How many requests the expectation must receive, checked by `verify` and when the server
    /// is dropped; the upper bound also stops it from matching more (`exactly(1)` answers one
    /// request and lets the next go to another expectation).
    pub fn times(mut self, times: impl Into<Times>) -> Self {
        self.expectation = self.expectation.times(times);
        self
    }

    /// Registers the expectation; without a reply it answers the default success status with an
    /// empty body.
    pub fn mount(self) -> Mounted<R> {
        let replies = if self.replies.is_empty() { vec![Reply::new(R::SUCCESS_STATUS)] } else { self.replies };
        let handle = self.server.register(self.expectation.replies(replies));
        Mounted { handle, received: PhantomData }
    }

    fn last(mut self, method: &str, edit: impl FnOnce(Reply) -> Reply) -> Self {
        match self.replies.pop() {
            Some(reply) => self.replies.push(edit(reply)),
            None => panic!(
                "`{method}` changes the last reply of the `{}` expectation: add one first (`respond`, `respond_error`, `reply`)",
                R::OPERATION
            ),
        }
        self
    }
}

impl<R: Received> fmt::Debug for Expect<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expect")
            .field("expectation", &self.expectation)
            .field("replies", &self.replies)
            .finish_non_exhaustive()
    }
}

/// A mounted expectation: how often it was hit and the typed requests it answered. Cheap to
/// clone; it stays readable after the server is dropped.
pub struct Mounted<R> {
    handle: ExpectationHandle,
    received: PhantomData<fn() -> R>,
}

impl<R: Received> Mounted<R> {
    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        self.handle.hits()
    }

    /// The requests it has answered, typed, in order.
    pub fn requests(&self) -> Vec<R> {
        self.handle.requests::<R>()
    }

    /// The last request it answered, if any.
    pub fn last_request(&self) -> Option<R> {
        self.requests().pop()
    }

    /// Whether its count (the `times` its expectation was given) is met now.
    pub fn is_satisfied(&self) -> bool {
        self.handle.is_satisfied()
    }

    /// The engine's handle (operation, description, count).
    pub fn handle(&self) -> &ExpectationHandle {
        &self.handle
    }
}

impl<R> Clone for Mounted<R> {
    fn clone(&self) -> Self {
        Mounted { handle: self.handle.clone(), received: PhantomData }
    }
}

impl<R> fmt::Debug for Mounted<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.handle, f)
    }
}

/// The credential a mock client sends for each scheme: a value of the scheme's shape, never a
/// real secret.
const PLACEHOLDER_CREDENTIAL: &str = "mock-credential";

/// A client builder of API `C` pointed at `server` (every server of the API at its URL on the
/// mock) with a placeholder credential for every security scheme; the rest is the runtime's
/// defaults, which a test may change before `build`.
pub fn client_builder<C: ApiClient>(server: &MockServer) -> ClientBuilder<C> {
    let mut builder = ClientBuilder::<C>::new();
    for scheme in C::API.security_schemes {
        let secret = match scheme.kind {
            SecurityKind::Basic => "mock-user:mock-password",
            _ => PLACEHOLDER_CREDENTIAL,
        };
        builder = builder.credential(scheme.name, secret);
    }
    for index in 0..C::API.servers.len().min(server.api().servers.len()) {
        builder = builder.server_url(index, server.server_url(index));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_events_keep_their_id() {
        let mut event = SseEvent::new("chunk", "{}");
        event.id = Some("7".into());
        assert_eq!(event.into_mock_event(), MockEvent::new("chunk", "{}").id("7"));
    }
}
