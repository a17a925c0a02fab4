//! # voice-agents
//!
//! Typed async Rust clients for three voice-agent platforms, generated from their OpenAPI
//! specs: **Pipecat Cloud** ([`pipecat_cloud`]: agents, sessions, builds, secrets, regions,
//! properties), **TalkifAI** ([`talkifai`]: agents, custom functions, outbound calls, streaming
//! text chat, webhooks) and **Ayra** ([`ayra`]: agents, conversations, webhooks), with
//! hand-written conveniences on top ([`ext`]: deploy a Pipecat agent from a source directory,
//! wait until it is ready, a TalkifAI chat handle).
//!
#![doc = include_str!("../GETTING_STARTED.md")]
#![doc = include_str!("../GUIDE.md")]

/// The README's code blocks compile as doctests too (its quick starts are the ones above).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// What most programs using the SDK need in scope: the stream traits (`next`, `try_next`,
/// `try_collect` on event streams, downloads and paged lists) and the error types.
///
/// ```
/// use voice_agents::prelude::*;
/// ```
pub mod prelude {
    pub use crate::{Error, ErrorKind, Response};
    #[doc(no_inline)]
    pub use futures_util::{StreamExt, TryStreamExt};
}

/// The runtime's types that applications use: the error, responses, pages, tri-state fields,
/// uploads, downloads, event streams and webhook verification.
///
/// Everything else a generated client needs lives in `voice_agents_runtime` and is not part of
/// this crate's API.
pub mod runtime {
    pub use voice_agents_runtime::{
        ApiError, ByteStream, Config, Core, DEFAULT_ACCEPT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES,
        DEFAULT_MAX_RETRY_AFTER, DEFAULT_READ_IDLE_TIMEOUT, DEFAULT_RETRY_COUNT_HEADER, DEFAULT_TIMEOUT,
        DEFAULT_TOLERANCE, DecodeError, Error, ErrorBody, ErrorKind, EventStream, IDEMPOTENCY_KEY_HEADER,
        MAX_EVENT_BYTES, Multipart, Nullable, Page, RawCall, RawResponse, Response, SignatureEncoding, SignedPayload,
        SseEvent, TimeoutKind, True, Upload, ValidationError, WebhookError, WebhookEvent, WebhookSignature,
        WebhookVerifier,
    };
}

pub use runtime::{Error, ErrorKind, Response};

// Crates whose types appear in the generated APIs, re-exported so users need not pin them.
pub use bytes;
pub use chrono;
pub use serde_json;
pub use uuid;
/// `http::HeaderMap` is what a webhook verifier reads the signature from.
pub use voice_agents_runtime::http;

#[cfg(feature = "pipecat-cloud")]
pub mod pipecat_cloud;

#[cfg(feature = "talkifai")]
pub mod talkifai;

#[cfg(feature = "ayra")]
pub mod ayra;

/// Hand-written conveniences on top of the generated clients (not generated).
pub mod ext {
    #[cfg(feature = "pipecat-cloud")]
    pub mod pipecat_cloud;

    #[cfg(feature = "talkifai")]
    pub mod talkifai;
}
