//! Details of errors that carry a server response: non-2xx statuses and undecodable bodies.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use std::any::Any;

use crate::error_kind::ErrorKind;
use crate::redact::{self, Scrubber};
use crate::response::{RawResponse, request_id_of};
use crate::retry;

/// A non-2xx response: status, headers, request id, raw body and the typed error body.
pub struct ApiError {
    status: StatusCode,
    headers: HeaderMap,
    request_id: Option<String>,
    body: Bytes,
    typed: Option<Box<dyn ErrorBody>>,
    retry_after: Option<Duration>,
    attempts: u32,
    /// The server asked to wait longer than the client's `max_retry_after`, so the call gave up
    /// at once: a rate limit, whatever the status (a 503 with a long `Retry-After`).
    wait_over_cap: bool,
    /// What `Display` shows: the typed message or a body excerpt, already free of secrets.
    detail: String,
}

impl ApiError {
    pub(crate) fn new(
        resp: RawResponse,
        typed: Option<Box<dyn ErrorBody>>,
        attempts: u32,
        scrubber: &Scrubber,
        max_retry_after: Duration,
    ) -> Self {
        let detail = match typed.as_deref() {
            Some(t) if t.message().is_some() || t.code().is_some() => match (t.code(), t.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_owned(),
                (None, m) => m.unwrap_or_default().to_owned(),
            },
            _ => redact::excerpt(&resp.body, 0),
        };
        let retry_after = retry::retry_after(&resp.headers);
        let wait_over_cap =
            retry::transient_status(resp.status, &resp.headers) && retry_after.is_some_and(|d| d > max_retry_after);
        ApiError {
            status: resp.status,
            request_id: request_id_of(&resp.headers).map(str::to_owned),
            retry_after,
            wait_over_cap,
            detail: scrubber.scrub(&detail),
            headers: resp.headers,
            body: resp.body,
            typed,
            attempts,
        }
    }

    /// The status class; [`ErrorKind::RateLimited`] also when the server asked to wait longer
    /// than the client's `max_retry_after` (the call was not retried).
    pub fn kind(&self) -> ErrorKind {
        if self.wait_over_cap { ErrorKind::RateLimited } else { ErrorKind::from_status(self.status) }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The server's request id (`x-request-id`, then `request-id`, then `x-amzn-requestid`).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The raw response body, whatever its format (JSON, HTML, empty...).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The typed error body, when the operation declares one and the body matched it.
    pub fn typed_body(&self) -> Option<&dyn ErrorBody> {
        self.typed.as_deref()
    }

    /// The typed error body downcast to `T`.
    pub fn body_as<T: ErrorBody>(&self) -> Option<&T> {
        let body: &dyn Any = self.typed.as_deref()?;
        body.downcast_ref::<T>()
    }

    /// The error code from the typed body.
    pub fn code(&self) -> Option<&str> {
        self.typed.as_deref()?.code()
    }

    /// The error message from the typed body.
    pub fn message(&self) -> Option<&str> {
        self.typed.as_deref()?.message()
    }

    /// How long the server asked to wait before retrying.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether the status is transient (see [`Error::is_retryable`](super::Error::is_retryable)).
    pub fn is_retryable(&self) -> bool {
        retry::transient_status(self.status, &self.headers)
    }
}

fn kind_label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadRequest => "bad request",
        ErrorKind::Authentication => "authentication failed",
        ErrorKind::PermissionDenied => "permission denied",
        ErrorKind::NotFound => "not found",
        ErrorKind::Conflict => "conflict",
        ErrorKind::UnprocessableEntity => "unprocessable entity",
        ErrorKind::RateLimited => "rate limited",
        ErrorKind::Server => "server error",
        _ => "unexpected status",
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}", kind_label(self.kind()), self.status.as_u16())?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        if self.attempts > 1 {
            write!(f, ", after {} attempts", self.attempts)?;
        }
        if let Some(d) = self.retry_after {
            write!(f, ", retry after {d:?}")?;
        }
        f.write_str(")")?;
        if self.detail.is_empty() { f.write_str(": empty body") } else { write!(f, ": {}", self.detail) }
    }
}

impl fmt::Debug for ApiError {
    // Hand-written so that the raw body (which may echo a secret) and sensitive response headers
    // such as `set-cookie` stay out of debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("attempts", &self.attempts)
            .field("retry_after", &self.retry_after)
            .field("headers", &redact::HeadersDebug::new(&self.headers, &[]))
            .field("body_len", &self.body.len())
            .field("detail", &self.detail)
            .finish()
    }
}

impl std::error::Error for ApiError {}

/// A typed error body from the spec, stored in [`ApiError`]; [`ApiError::body_as`] downcasts it
/// (an `ErrorBody` is `Any`, so `&dyn ErrorBody` upcasts to `&dyn Any`).
pub trait ErrorBody: Any + std::fmt::Debug + Send + Sync {
    /// A machine-readable error code, if the schema has one.
    fn code(&self) -> Option<&str> {
        None
    }

    /// A human-readable message, if the schema has one.
    fn message(&self) -> Option<&str> {
        None
    }
}

/// A 2xx response whose body did not match the expected type.
pub struct DecodeError {
    status: StatusCode,
    headers: HeaderMap,
    request_id: Option<String>,
    body: Bytes,
    path: String,
    message: String,
    excerpt: String,
    attempts: u32,
    /// The SSE event whose `data` failed to decode (`None` for a whole body).
    event: Option<String>,
    /// The error is about an event stream (an event's data, or the stream itself).
    of_stream: bool,
}

impl DecodeError {
    pub(crate) fn new(resp: &RawResponse, path: String, message: String, offset: usize) -> Self {
        DecodeError {
            status: resp.status,
            headers: resp.headers.clone(),
            request_id: resp.request_id().map(str::to_owned),
            body: resp.body.clone(),
            path,
            message,
            excerpt: redact::excerpt(&resp.body, offset),
            attempts: 1,
            event: None,
            of_stream: false,
        }
    }

    /// A decode error of one SSE event's `data` (the excerpt is taken from `data`), or of the
    /// event stream itself when `event` is `None`. Status and headers are filled in by the event
    /// stream, which knows the response ([`Self::set_response`]).
    pub(crate) fn for_event(event: Option<&str>, data: &[u8], path: String, message: String, offset: usize) -> Self {
        DecodeError {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            request_id: None,
            body: Bytes::copy_from_slice(data),
            path,
            message,
            excerpt: redact::excerpt(data, offset),
            attempts: 1,
            event: event.map(str::to_owned),
            of_stream: true,
        }
    }

    /// Records the response an event-stream error belongs to.
    pub(crate) fn set_response(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.status = status;
        self.request_id = request_id_of(headers).map(str::to_owned);
        self.headers = headers.clone();
    }

    pub(crate) fn finish(&mut self, attempts: u32, scrubber: &Scrubber) {
        self.attempts = attempts;
        self.message = scrubber.scrub(&self.message);
        self.excerpt = scrubber.scrub(&self.excerpt);
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The server's request id.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The raw response body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Where in the JSON document decoding failed, e.g. `$.data[2].name` (`$` is the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What went wrong, from the JSON parser.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Up to 200 characters of the body around the failure.
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }

    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// For a Server-Sent Events stream: the name of the event whose `data` did not decode
    /// (then [`body`](Self::body) is that event's `data`, not the whole stream).
    pub fn event(&self) -> Option<&str> {
        self.event.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.event {
            Some(event) => format!("the data of SSE event `{event}`"),
            None if self.of_stream => "the event stream".to_owned(),
            None => "the response body".to_owned(),
        };
        write!(f, "could not decode {what} (HTTP {}) at `{}`: {}", self.status.as_u16(), self.path, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if self.of_stream && self.event.is_none() {
            // The stream as a whole has no body excerpt to show.
            Ok(())
        } else if self.excerpt.is_empty() {
            f.write_str("; the body is empty")
        } else {
            write!(f, "; body: `{}`", self.excerpt)
        }
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("event", &self.event)
            .field("path", &self.path)
            .field("message", &self.message)
            .field("excerpt", &self.excerpt)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl std::error::Error for DecodeError {}
