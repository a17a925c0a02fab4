//! Static descriptions of APIs and operations, emitted by the generator as `static`s.

/// Everything the runtime needs to know about one API (one OpenAPI document).
#[derive(Debug)]
pub struct ApiInfo {
    /// Short API name, used in tracing spans and `Debug` output.
    pub name: &'static str,
    /// The spec's servers; `servers[0]` is the default server.
    pub servers: &'static [ServerInfo],
    /// The spec's security schemes; also the source of the redaction list.
    pub security_schemes: &'static [SecuritySchemeInfo],
    /// The generated crate's user agent and spans ([`__api_identity!`](crate::__api_identity)).
    pub identity: Identity,
}

/// What a generated crate is called in requests and traces: its default user agent and the
/// spans of its calls and attempts, named `<crate>.call` and `<crate>.attempt`. Made by
/// [`__api_identity!`](crate::__api_identity) where the crate's name is known.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    /// `<package name>/<package version>` of the generated crate.
    pub user_agent: &'static str,
    /// The span of one call: API name, operation id, method, path template, what a streamed
    /// call reads.
    pub call_span: fn(&'static str, &str, &http::Method, &str, Option<&str>) -> tracing::Span,
    /// The span of one attempt (0-based), with `status`, `request_id` and `latency_ms` to fill.
    pub attempt_span: fn(u32) -> tracing::Span,
}

/// One entry of the spec's `servers` list.
#[derive(Debug)]
pub struct ServerInfo {
    /// The server URL as written in the spec.
    pub url: &'static str,
    /// The server description from the spec (may be empty).
    pub description: &'static str,
}

/// One security scheme of the spec.
#[derive(Debug)]
pub struct SecuritySchemeInfo {
    /// The scheme's name in `components.securitySchemes`; also the key for
    /// [`ClientBuilder::credential`](super::ClientBuilder::credential).
    pub name: &'static str,
    /// The generated `ClientBuilder` method that sets its credential (`private_key_auth`).
    pub setter: &'static str,
    /// How the credential is sent.
    pub kind: SecurityKind,
}

/// How a credential travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityKind {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// `Authorization: Basic base64(<secret>)`, where the secret is `user:password`.
    Basic,
    /// The secret as the value of the named header.
    ApiKeyHeader(&'static str),
    /// The secret as the value of the named query parameter.
    ApiKeyQuery(&'static str),
}

/// Everything the runtime needs to know about one operation.
#[derive(Debug)]
pub struct OperationInfo {
    /// The spec's `operationId`, e.g. `createService`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template relative to the server, e.g. `/agents/{agentName}`.
    pub path: &'static str,
    /// Index into [`ApiInfo::servers`].
    pub server: usize,
    /// OR-list of AND-sets of scheme names; `&[]` means no authentication.
    pub security: &'static [&'static [&'static str]],
    /// The `Accept` header: the media types the operation's responses declare and the client
    /// reads (`""`: leave the client's default).
    pub accept: &'static str,
}
