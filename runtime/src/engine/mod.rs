//! The engine: everything between a request builder and the network, in the order a call goes
//! through it. Nothing here is user API or part of the generated-code contract.
//!
//! 1. [`call`]: one call of an operation: its options and span; `prepare`s the request, then
//!    runs the attempt loop, then decodes the answer.
//! 2. [`prepare`]: URL, headers (defaults, `Accept`, credentials from [`auth`], the call's own)
//!    and body, once for all attempts.
//! 3. [`attempts`]: **the attempt loop**, the one place that decides about retries ([`retry`]:
//!    which failures, how long to wait), backoff and the overall deadline.
//! 4. [`transport`]: one attempt: the wire request (a fresh body), sending it, and reading the
//!    response (whole, or the headers of a 2xx that is streamed), under the timeouts.
//!
//! Beside the path: [`options`] (per-request settings), [`redact`] (secrets out of logs and
//! errors) and [`json_path`] (where a decode failed).

pub(crate) mod attempts;
pub(crate) mod auth;
pub(crate) mod call;
pub(crate) mod options;
pub(crate) mod prepare;
pub(crate) mod request;
pub(crate) mod transport;
