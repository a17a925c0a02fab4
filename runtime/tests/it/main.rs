//! The runtime's fault suite, in one test binary: requests, retries, timeouts, decoding,
//! secrets, tracing, event streams, webhook verification and undeclared fields, against wiremock
//! servers and raw TCP, deterministic under paused time (or with short real timeouts).

mod runtime_common;

mod runtime_bodies;
mod runtime_decode;
mod runtime_extra;
mod runtime_mock;
mod runtime_requests;
mod runtime_retry;
mod runtime_secrets;
mod runtime_sse;
mod runtime_timeouts;
mod runtime_tracing;
mod runtime_webhook;
