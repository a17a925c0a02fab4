//! The engine of the SDK's `mock` feature: a real HTTP server on loopback that answers an API's
//! operations from expectations, after checking each request against the spec.
//!
//! Applications do not use this module directly: each generated API has a `mock` module whose
//! `MockServer` wraps [`MockServer`] with one typed expectation builder per operation, typed
//! requests and replies, and `deliver_webhook` over the API's typed events. The engine is
//! untyped: the generated layer describes the API with a static [`MockApi`], decodes requests
//! into its own types through each [`MockOperation::decode`], and downcasts them in matchers.
//! The typed layer the generated modules are made of is here too, generic so that a generated
//! module stays a thin description: [`Received`] (each operation's typed request), [`Expect`]
//! and [`Mounted`] (a typed expectation and its handle), the parameter and body readers
//! ([`path`], [`query`], [`list`], ...) and [`client_builder`].
//!
//! # What happens to a request
//!
//! 1. It is recorded ([`MockServer::received`]).
//! 2. **Routing**: its path is matched against every operation's template under its server's
//!    prefix. Literal segments win over parameters and parameters over catch-all parameters,
//!    from left to right; among the templates that match, the most specific one that has the
//!    request's method is taken. No template matches: `404`. Templates match but none has the
//!    method: `405` with an `Allow` header.
//! 3. **Spec checks**: the operation's `decode` turns the request into its typed form or a
//!    [`Violation`] (a missing parameter, a body that does not decode, a broken constraint),
//!    answered with the violation's status.
//! 4. **Matching**: among the operation's expectations that still accept requests (see
//!    [`Times`]), the most recently registered one whose matcher accepts the typed request
//!    answers, with the reply for this hit ([`Expectation::reply`]). None: `501`, naming the
//!    closest expectation.
//!
//! A request for a [route outside the spec](MockServer::route) (a presigned upload URL the API
//! hands out) is answered by that route before step 2, unchecked.
//!
//! Each answer of steps 2-4 that is not an expectation's is also recorded as a failure, which
//! [`MockServer::verify`] reports together with the expectations whose counts are not met. The
//! same check runs when the server is dropped, and panics (unless the thread is already
//! panicking), as wiremock does. A request never makes the server panic: whatever a client
//! sends is answered and, when wrong, recorded.

mod api;
mod expect;
mod outside;
mod params;
mod reply;
mod request;
mod route;
mod server;
mod typed;
mod webhook;

pub use api::{DecodeFn, Decoded, MockApi, MockOperation};
pub use expect::{Expectation, ExpectationHandle, Times};
pub use outside::RouteHandle;
pub use params::{
    In, bytes_body, decode, header, list, path, query, required, required_header, required_list, required_query,
    text_body,
};
pub use reply::{MockEvent, Reply};
pub use request::{MockRequest, RecordedRequest, Violation};
pub use server::MockServer;
pub use typed::{Expect, IntoMockEvent, Mounted, Received, client_builder};
pub use webhook::{Delivery, deliver_event, deliver_webhook, retyped_event, sign_webhook};

/// The status an endpoint answers a delivery with.
pub use http::StatusCode;
