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
//! - [`validate`]: the constraint checks of generated `validate` code; [`value`] and [`union`]:
//!   serde helpers of generated unions (the tag of a tagged one, the best alternative of an
//!   untagged one);
//! - [`macros`]: every macro generated code expands, and [`BUILDER_MACROS`], the methods they add.

pub(crate) mod call;
pub(crate) mod decode;
pub(crate) mod macros;
pub(crate) mod operation;
pub(crate) mod paginate;
pub(crate) mod union;
pub mod validate;
pub(crate) mod value;

pub use crate::builder::ApiClient;
pub use crate::engine::request::RequestParts;
pub use crate::info::{ApiInfo, Identity, OperationInfo, SecurityKind, SecuritySchemeInfo, ServerInfo};
pub use call::{CallState, download, events, send};
pub use decode::{EnvelopeRest, decode_enveloped, decode_json, decode_text, json_text};
pub use operation::{EnvelopeInfo, Operation, decode_error_body};
pub use paginate::{BoxStream, PageInfo, Paginated, fetch_page, items, pages};
pub use union::{Alternative, best_alternative, note_fallback};
pub use validate::Validate;
pub use value::{serialize_tag, serialize_tagged, serialize_tagged_as};

pub use crate::body::{FormField, FormStyle};
/// The mock server engine the generated `mock` modules wrap (`mock` feature).
#[cfg(feature = "mock")]
pub use crate::mock;
pub use crate::sse::StreamEvent;
/// The macros of the generated `mock` modules (`mock` feature).
#[cfg(feature = "mock")]
pub use crate::{__mock_expectation, __mock_server};
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

/// The methods each builder macro adds to the type it expands on (a macro it expands
/// included: `__request_builder!` expands `__call_options!`). The generator keeps its own copy
/// (`voice_agents_codegen::contract`), to give no parameter setter one of these names; a test
/// checks both lists against the macros in `contract/macros.rs`.
pub const BUILDER_MACROS: &[(&str, &[&str])] = &[
    ("__call_options", CALL_OPTIONS),
    (
        "__request_builder",
        &["timeout", "max_retries", "header", "query", "idempotency_key", "extra_body", "send", "send_with_response"],
    ),
    (
        "__stream_builder",
        &["timeout", "max_retries", "header", "query", "idempotency_key", "extra_body", "send", "send_with_response"],
    ),
    (
        "__download_builder",
        &["timeout", "max_retries", "header", "query", "idempotency_key", "extra_body", "send", "send_with_response"],
    ),
    ("__paginated_builder", &["fetch_page", "pages", "items"]),
    ("__mock_expectation", MOCK_EXPECTATION),
    ("__mock_server", MOCK_SERVER),
    (
        "__client_builder",
        &[
            "base_url",
            "server_url",
            "http_client",
            "max_retries",
            "timeout",
            "no_timeout",
            "connect_timeout",
            "deadline",
            "read_idle_timeout",
            "no_read_idle_timeout",
            "max_retry_after",
            "default_header",
            "remove_default_header",
            "user_agent",
            "no_user_agent",
            "retry_count_header",
            "build",
        ],
    ),
];

/// The methods every generated expectation builder of a `mock` module has
/// (`__mock_expectation!`): a parameter matcher never takes one of these names.
const MOCK_EXPECTATION: &[&str] = &[
    "matching",
    "matching_described",
    "reply",
    "drop_connection",
    "header",
    "retry_after",
    "delay",
    "event_delay",
    "stall",
    "cut_mid_event",
    "times",
    "mount",
];

/// The methods every generated `mock::MockServer` has (`__mock_server!`): no operation's
/// expectation method takes one of these names.
const MOCK_SERVER: &[&str] = &[
    "start",
    "start_at_root",
    "base_url",
    "server_url",
    "client",
    "client_builder",
    "verify",
    "problems",
    "route",
    "received",
    "reset",
    "engine",
];

/// The per-request options every request builder has (`__call_options!`).
const CALL_OPTIONS: &[&str] = &["timeout", "max_retries", "header", "query", "idempotency_key", "extra_body"];
