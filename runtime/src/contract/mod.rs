//! The contract between generated code and this crate: what the generator's output calls,
//! implements and expands. Not user API: it changes whenever the generator needs it to, and the
//! generator and this crate change together. It is reachable as `voice_agents_runtime::__private`
//! (generated files import it as `rt`).
//!
//! - the static descriptions a generated client emits (`ApiInfo`, `OperationInfo`: `info.rs`) and
//!   the `ApiClient` trait its `Client` implements (`builder.rs`), re-exported here;
//! - [`operation`]: the `Operation` trait each request builder implements (validate, build,
//!   decode); the `RequestParts` its `build` fills in (`engine/request.rs`); [`decode`]: the
//!   decoders its `decode` calls;
//! - [`call`]: the `CallState` each builder holds and the entry points (`send`, `download`,
//!   `events`) its methods call; [`paginate`]: paging over a list operation;
//! - [`validate`]: the constraint checks of generated `validate` code; [`value`] and `union`:
//!   serde helpers of generated unions;
//! - [`macros`]: every macro generated code expands, and [`BUILDER_METHODS`].

pub(crate) mod call;
pub(crate) mod decode;
pub(crate) mod macros;
pub(crate) mod operation;
pub(crate) mod paginate;
pub mod validate;
pub(crate) mod value;

pub use crate::builder::ApiClient;
pub use crate::engine::request::RequestParts;
pub use crate::info::{ApiInfo, Identity, OperationInfo, SecurityKind, SecuritySchemeInfo, ServerInfo};
pub use call::{CallState, download, events, send};
pub use decode::{EnvelopeRest, decode_enveloped, decode_json, decode_text, json_text};
pub use operation::{EnvelopeInfo, Operation, decode_error_body};
pub use paginate::{PageInfo, Paginated, fetch_page, items, pages};
pub use validate::Validate;
pub use value::{serialize_tag, serialize_tagged};

pub use crate::body::{FormField, FormStyle};
/// The mock server engine the generated `mock` modules wrap (`mock` feature).
#[cfg(feature = "mock")]
pub use crate::mock;
pub use crate::sse::StreamEvent;
// The user-facing items generated code names, so that one `rt::` prefix reaches them all.
pub use crate::api_error::ErrorBody;
pub use crate::body::{Multipart, Upload};
pub use crate::builder::ClientBuilder;
pub use crate::config::Core;
pub use crate::download::ByteStream;
pub use crate::error::Error;
pub use crate::paginate::Page;
pub use crate::response::{RawResponse, Response};
pub use crate::sse::{EventStream, SseEvent};
pub use crate::validation::ValidationError;
pub use crate::value::{Nullable, True};
pub use crate::webhook::{SignatureEncoding, SignedPayload, WebhookEvent, WebhookSignature, WebhookVerifier};
pub use crate::{
    __api_identity, __call_options, __client_builder, __download_builder, __open_enum, __paginated_builder,
    __request_builder, __stream_builder,
};
pub use futures_core::Stream;
pub use http::Method;
pub use {reqwest, serde, serde_json, tracing};

/// The future a request builder's `IntoFuture` returns.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The methods the request-builder macros (`__call_options!`, `__request_builder!`,
/// `__stream_builder!`, `__download_builder!`, `__paginated_builder!`) add to a generated
/// builder, and the names its fields and derives take. The generator gives a parameter setter
/// with one of these names a `_param` suffix; a test checks this list against the macros and
/// against the generator's copy.
pub const BUILDER_METHODS: &[&str] = &[
    "timeout",
    "max_retries",
    "header",
    "query",
    "idempotency_key",
    "extra_body",
    "send",
    "send_with_response",
    "into_future",
    "fetch_page",
    "pages",
    "items",
    "body",
    "call",
    "clone",
    "fmt",
];
