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
//! * **Retries**: [`DEFAULT_MAX_RETRIES`] by default (the client builder's and a request
//!   builder's `max_retries`; `0` disables). Connection errors are always retried; 408, 429, 502, 503 and 504 for every
//!   method; 500 and read timeouts only for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE)
//!   or when the request carries an idempotency key. A response header `x-should-retry: true` or
//!   `false` overrides these rules.
//! * **Backoff**: `min(0.5 s * 2^n, 8 s)` minus up to 25 % random jitter, replaced by
//!   `retry-after-ms` or `Retry-After` (seconds or HTTP date) when the server sends one between
//!   0 and the builder's `max_retry_after` ([`DEFAULT_MAX_RETRY_AFTER`]). A longer wait is not
//!   slept: the call fails at once with an error whose [`Error::retry_after`] carries the wait.
//! * **Retry-count header**: every attempt sends the [`DEFAULT_RETRY_COUNT_HEADER`] header with
//!   its number (0 for the first attempt); the builder's `retry_count_header` renames or removes
//!   it.
//! * **Timeouts**: connect [`DEFAULT_CONNECT_TIMEOUT`], per attempt [`DEFAULT_TIMEOUT`], idle
//!   body read [`DEFAULT_READ_IDLE_TIMEOUT`], optional overall deadline.
//!   An upload is timed by its progress: while it is being sent, only a stall longer than the idle
//!   timeout fails it; the per-attempt timeout then bounds the wait for the answer.
//! * **Secrets**: credentials are [`secrecy::SecretString`]s and never appear in `Debug`,
//!   `Display`, errors or logs.
//! * **Tracing**: span `<crate>.call` per call and `<crate>.attempt` per attempt, named after
//!   the generated crate (`voice_agents.call` for the SDK); bodies only at `TRACE` level, with
//!   secret headers redacted. The default user agent is that crate's name and version.
//! * **Webhooks**: [`WebhookVerifier`] checks HMAC-SHA256 signatures in constant time, the
//!   replay window when the API sends a timestamp, and decodes the event.
//! * **Streams** (`text/event-stream`) and **downloads** (binary bodies): a streamed call
//!   retries only until a 2xx response's headers arrive; the [`EventStream`] or [`ByteStream`]
//!   then applies the idle timeout between reads and ends after its first error.
//! * **Uploads**: an [`Upload`] (bytes, a file path read as it is sent, or a stream) is a binary
//!   body or a file part of a [`Multipart`] body; a request whose body is a one-shot stream is
//!   never retried.
//! * **Mocks**: the `mock` feature (off by default) adds the `mock` module, the engine of the
//!   typed mock servers the SDK generates for users' tests.

//! # Where things are
//!
//! Files are grouped by who reads them:
//!
//! - **user API** (what applications name, re-exported by every generated crate): the client's
//!   [`ClientBuilder`], [`Config`] and [`Core`] (`builder.rs`, `config.rs`), [`RawCall`]
//!   (`raw.rs`), the [`Error`] and its parts (`error.rs`, `error_kind.rs`, `api_error.rs`,
//!   `validation.rs`), responses (`response.rs`), bodies ([`Upload`], [`Multipart`]: `body.rs`),
//!   [`ByteStream`] downloads (`download.rs`), [`EventStream`]s (`sse.rs`), [`Page`]s
//!   (`paginate.rs`), [`Nullable`] and [`True`] (`value.rs`), webhooks (`webhook.rs`) and the
//!   defaults (`defaults.rs`);
//! - **the generated-code contract**, `contract/` (reachable as `__private`): what generated
//!   code implements, calls and expands, its macros in one file (`contract/macros.rs`), and the
//!   static API descriptions it emits (`info.rs`);
//! - **the engine**, `engine/`: the request path from a builder to the network, step by step
//!   (its module docs list them), with authentication and the transport; the retry rules
//!   (`retry.rs`), redaction (`redact.rs`) and decode-error paths (`json_path.rs`) sit at the
//!   top because the error types use them as much as the engine does;
//! - **the mock server engine**, `mock/`, only with the `mock` feature.

mod api_error;
mod body;
mod builder;
mod config;
mod contract;
mod defaults;
mod download;
mod engine;
mod error;
mod error_kind;
mod info;
mod json_path;
#[cfg(feature = "mock")]
pub mod mock;
mod paginate;
mod raw;
mod redact;
mod response;
mod retry;
mod sse;
mod validation;
mod value;
mod webhook;

// What applications touch.
pub use api_error::{ApiError, DecodeError, ErrorBody};
pub use body::{Multipart, OCTET_STREAM, Upload};
pub use builder::ClientBuilder;
pub use config::{Config, Core};
pub use defaults::{
    DEFAULT_ACCEPT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_AFTER, DEFAULT_READ_IDLE_TIMEOUT,
    DEFAULT_RETRY_COUNT_HEADER, DEFAULT_TIMEOUT, IDEMPOTENCY_KEY_HEADER,
};
pub use download::ByteStream;
pub use error::Error;
pub use error_kind::{ErrorKind, TimeoutKind};
pub use paginate::Page;
pub use raw::RawCall;
pub use response::{RawResponse, Response};
pub use sse::{EVENT_STREAM, EventStream, MAX_EVENT_BYTES, SseEvent};
pub use validation::ValidationError;
pub use value::{Nullable, True};
pub use webhook::{
    DEFAULT_TOLERANCE, SignatureEncoding, SignedPayload, WebhookError, WebhookEvent, WebhookSignature, WebhookVerifier,
};

/// The `http` crate, whose `HeaderMap` and `StatusCode` appear in responses, errors and
/// [`WebhookVerifier::verify`]: re-exported so applications need not pin it.
pub use http;

/// The contract between generated code and this crate (see `contract/mod.rs`): what the
/// generator's output calls, implements and expands. Not user API: it changes whenever the
/// generator needs it to.
#[doc(hidden)]
pub mod __private {
    pub use crate::contract::*;
}
