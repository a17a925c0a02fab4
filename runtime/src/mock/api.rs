//! The static description of an API that the generator emits for its mock server.

use super::request::{MockRequest, Violation};

/// A request decoded into the operation's typed request struct, as [`MockOperation::decode`]
/// returns it and matchers receive it.
pub type Decoded = Box<dyn std::any::Any + Send + Sync>;

/// What [`MockOperation::decode`] is: checks a request against the spec and types it.
pub type DecodeFn = fn(&MockRequest) -> Result<Decoded, Violation>;

/// The static description of one API for its mock server, emitted by the generator.
#[derive(Debug)]
pub struct MockApi {
    /// The API's short name, used in reports.
    pub name: &'static str,
    /// The URL path prefix of each of the spec's servers, in the spec's order: `"/v1"`,
    /// `"/v1/public"`, or `""` for a server at the host's root. [`MockOperation::server`]
    /// indexes it.
    pub servers: &'static [&'static str],
    /// Every operation of the API.
    pub operations: &'static [MockOperation],
}

/// One operation of a [`MockApi`].
#[derive(Debug)]
pub struct MockOperation {
    /// The spec's `operationId`; [`Expectation::new`](super::Expectation::new) names it.
    pub id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template relative to its server, e.g. `/agents/{agentName}`. A segment may mix
    /// literal text and parameters (`{name}.json`).
    pub path: &'static str,
    /// Index into [`MockApi::servers`].
    pub server: usize,
    /// The path parameters that may span several segments (`/files/{path}` matching
    /// `/files/a/b.txt`); each must be a whole segment of the template.
    pub catch_all: &'static [&'static str],
    /// Decodes and checks a request against the spec (parameters typed, required ones present,
    /// body decoded, constraints checked): the typed request, or the violation to answer with.
    pub decode: DecodeFn,
}
