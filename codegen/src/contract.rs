//! What the generator knows of the runtime's contract (`voice_agents_runtime::__private`): the
//! methods its builder macros add to generated types. A test checks these lists against the
//! runtime's own list and against the macros themselves (`runtime/src/contract/macros.rs`), so a
//! method added to a macro cannot silently collide with a parameter setter of the same name.

/// Each macro generated code expands on a type, with the methods it adds (those of a macro it
/// expands included: `__request_builder!` expands `__call_options!`).
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

/// The methods every expectation builder of a `mock` module has (`__mock_expectation!`).
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

/// The methods every `mock::MockServer` has (`__mock_server!`).
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

/// The macros that expand on request builders (the others expand on the client builder and on
/// the types of `mock` modules, whose names do not constrain parameter setters).
const REQUEST_BUILDER_MACROS: &[&str] =
    &["__call_options", "__request_builder", "__stream_builder", "__download_builder", "__paginated_builder"];

/// The per-request options every request builder has.
const CALL_OPTIONS: &[&str] = &["timeout", "max_retries", "header", "query", "idempotency_key", "extra_body"];

/// Names a request builder's own items take besides the macros' methods: its `call` field, the
/// `IntoFuture` impl's method, the derives' methods, and the optional body's setter.
pub const BUILDER_OWN_NAMES: &[&str] = &["call", "into_future", "clone", "fmt", "body"];

/// The methods `macro_name!` adds, if the generator knows the macro.
pub fn macro_methods(macro_name: &str) -> Option<&'static [&'static str]> {
    BUILDER_MACROS.iter().find(|(name, _)| *name == macro_name).map(|(_, methods)| *methods)
}

/// Whether a parameter setter named `name` would collide with a method or field every request
/// builder has (it is then suffixed `_param`).
pub fn is_taken_on_request_builders(name: &str) -> bool {
    BUILDER_OWN_NAMES.contains(&name)
        || BUILDER_MACROS
            .iter()
            .filter(|(m, _)| REQUEST_BUILDER_MACROS.contains(m))
            .any(|(_, methods)| methods.contains(&name))
}

/// Whether a parameter matcher of a mock expectation builder named `name` would take a method
/// every expectation builder has (it is then suffixed `_param`). `body` is the body matcher's.
pub fn is_taken_on_mock_expectations(name: &str) -> bool {
    name == "body" || macro_methods("__mock_expectation").is_some_and(|methods| methods.contains(&name))
}

/// Whether an operation's expectation method on a `mock::MockServer` named `name` would take
/// one of the server's own methods (it is then suffixed `_op`).
pub fn is_taken_on_mock_servers(name: &str) -> bool {
    macro_methods("__mock_server").is_some_and(|methods| methods.contains(&name))
}
