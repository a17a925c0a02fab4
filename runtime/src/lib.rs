//! The hand-written HTTP runtime that every generated API client calls into (the role
//! `progenitor-client` plays for progenitor).
//!
//! Generated code describes each API with static data and each operation with a request builder;
//! this crate does everything else: server resolution,
//! authentication, retries with backoff and `Retry-After`, timeouts (per attempt, idle body reads
//! and an optional overall deadline), error classification, secret redaction and tracing.
//!
//! # Behaviour in short
//!
//! * **Retries**: 2 by default ([`ClientBuilder::max_retries`], a builder's `max_retries`; `0`
//!   disables). Connection errors are always retried; 408, 429, 502, 503 and 504 for every
//!   method; 500 and read timeouts only for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE)
//!   or when the request carries an idempotency key. A response header `x-should-retry: true` or
//!   `false` overrides these rules.
//! * **Backoff**: `min(0.5 s * 2^n, 8 s)` minus up to 25 % random jitter, replaced by
//!   `retry-after-ms` or `Retry-After` (seconds or HTTP date) when the server sends one between
//!   0 and [`ClientBuilder::max_retry_after`] (60 s by default). A longer wait is not slept: the
//!   call fails at once with an error whose [`Error::retry_after`] carries the wait.
//! * **Retry-count header**: every attempt sends `x-retry-count: <n>` (0 for the first attempt);
//!   rename or remove it with [`ClientBuilder::retry_count_header`].
//! * **Timeouts**: connect 5 s, per attempt 60 s, idle body read 30 s, optional overall deadline.
//! * **Secrets**: credentials are [`secrecy::SecretString`]s and never appear in `Debug`,
//!   `Display`, errors or logs.
//! * **Tracing**: span `voice_agents.call` per call and `voice_agents.attempt` per attempt;
//!   bodies only at `TRACE` level, with secret headers redacted.
//! * **Webhooks**: [`WebhookVerifier`] checks HMAC-SHA256 signatures in constant time, the
//!   replay window when the API sends a timestamp, and decodes the event.
//! * **Streams** (`text/event-stream`): a streamed call retries only until a 2xx response's
//!   headers arrive; the [`EventStream`] then applies the idle timeout between reads and ends
//!   after its first error.

mod api_error;
mod auth;
mod builder;
mod call;
mod config;
mod error;
mod exec;
mod info;
mod json_path;
mod operation;
mod paginate;
mod raw;
mod redact;
mod request;
mod response;
mod retry;
mod sse;
mod transport;
mod union;
#[doc(hidden)]
pub mod validate;
mod value;
mod webhook;

// What applications touch.
pub use api_error::{ApiError, DecodeError};
pub use builder::ClientBuilder;
pub use call::RequestOptions;
pub use config::{Config, Core};
pub use error::{Error, ErrorKind, TimeoutKind};
pub use operation::ErrorBody;
pub use paginate::Page;
pub use raw::RawCall;
pub use response::{RawResponse, Response};
pub use sse::{EVENT_STREAM, EventStream, MAX_EVENT_BYTES, SseEvent};
pub use validate::ValidationError;
pub use value::{Nullable, True};
pub use webhook::{
    DEFAULT_TOLERANCE, SignatureEncoding, SignedPayload, WebhookError, WebhookEvent, WebhookSignature, WebhookVerifier,
};

/// The `http` crate, whose `HeaderMap` and `StatusCode` appear in responses, errors and
/// [`WebhookVerifier::verify`]: re-exported so applications need not pin it.
pub use http;

/// The contract between generated code and this crate: what the generator's output calls and
/// implements. Not user API: it changes whenever the generator needs it to.
#[doc(hidden)]
pub mod __private {
    pub use crate::builder::ApiClient;
    // The user-facing items generated code names, so that one `rt::` prefix reaches them all.
    pub use crate::call::{CallState, send};
    pub use crate::info::{ApiInfo, OperationInfo, SecurityKind, SecuritySchemeInfo, ServerInfo};
    pub use crate::operation::{EnvelopeInfo, Operation, decode_error_body};
    pub use crate::paginate::{PageInfo, Paginated, fetch_page, items, pages};
    pub use crate::request::RequestParts;
    pub use crate::response::json_text;
    pub use crate::response::{EnvelopeRest, decode_enveloped, decode_json};
    pub use crate::retry::backoff;
    pub use crate::sse::{StreamEvent, execute_stream};
    pub use crate::validate::{self, Validate};
    pub use crate::union::{Alternative, best_alternative, note_fallback};
    pub use crate::value::{serialize_tag, serialize_tagged, serialize_tagged_as};
    pub use crate::{__client_builder, __open_enum, __paginated_builder, __request_builder, __stream_builder};
    pub use crate::{
        ClientBuilder, Core, Error, ErrorBody, EventStream, Nullable, Page, RawResponse, Response, SignatureEncoding,
        SignedPayload, SseEvent, True, ValidationError, WebhookEvent, WebhookSignature, WebhookVerifier,
    };
    pub use futures_core::Stream;
    pub use http::Method;
    pub use reqwest;
    pub use serde;
    pub use serde_json;

    /// The future a request builder's `IntoFuture` returns.
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

/// The user agent sent by default: `voice-agents/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("voice-agents/", env!("CARGO_PKG_VERSION"));

/// The `Accept` header sent by default (remove or change it with the builder's header methods).
pub const DEFAULT_ACCEPT: &str = "application/json, */*;q=0.5";

/// The retry-count header sent by default; its value is the attempt number, starting at 0.
pub const DEFAULT_RETRY_COUNT_HEADER: &str = "x-retry-count";

/// The header that carries a builder's `idempotency_key`.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
