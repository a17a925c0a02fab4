//! Typed async Rust clients for voice-agent platforms, generated from their OpenAPI specs.
#![doc = include_str!("../../README.md")]

/// The runtime's types that applications use: the error, responses, pages, tri-state fields,
/// uploads, downloads, event streams and webhook verification.
///
/// Everything else a generated client needs lives in `voice_agents_runtime` and is not part of
/// this crate's API.
pub mod runtime {
    pub use voice_agents_runtime::{
        ApiError, ByteStream, Config, Core, DecodeError, Error, ErrorBody, ErrorKind, EventStream, Multipart, Nullable,
        Page, RawCall, RawResponse, Response, SignatureEncoding, SignedPayload, SseEvent, TimeoutKind,
        True, Upload, ValidationError, WebhookError, WebhookEvent, WebhookSignature, WebhookVerifier,
        DEFAULT_TOLERANCE, MAX_EVENT_BYTES,
    };
}

pub use runtime::{Error, Response};

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
