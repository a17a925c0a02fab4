//! The runtime's fault suite, in one test binary: requests, retries, timeouts, decoding,
//! secrets and tracing against wiremock servers and raw TCP, deterministic under paused time.

mod runtime_common;

mod runtime_decode;
mod runtime_requests;
mod runtime_retry;
mod runtime_secrets;
mod runtime_timeouts;
mod runtime_tracing;
