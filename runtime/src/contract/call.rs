//! Where a generated request builder hands its request to the runtime: the [`CallState`] every
//! builder holds, and the three ways to send it ([`send`], [`download`], [`events`]), which the
//! builders' macros (`contract/macros.rs`) call.

use std::fmt;
use std::time::Duration;

use crate::config::Core;
use crate::download::ByteStream;
use crate::engine::call::{Call, OperationRules, Request};
use crate::engine::options::RequestOptions;
use crate::engine::request::RequestParts;
use crate::error::Error;
use crate::response::{RawResponse, Response};
use crate::sse::{EventStream, StreamEvent};
use crate::validation::ValidationError;

use super::operation::Operation;

/// What every generated request builder holds: the client it was made from and its
/// per-request options. Part of the generated-code contract, not user API.
#[derive(Clone)]
pub struct CallState<'a> {
    core: &'a Core,
    options: RequestOptions,
}

impl fmt::Debug for CallState<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client's configuration is the client's business; a request shows its own options.
        f.debug_struct("CallState")
            .field("api", &self.core.config().api().name)
            .field("options", &self.options)
            .finish()
    }
}

impl<'a> CallState<'a> {
    /// A request on `core` with the client's settings.
    pub fn new(core: &'a Core) -> Self {
        CallState { core, options: RequestOptions::default() }
    }

    /// The client.
    pub fn core(&self) -> &'a Core {
        self.core
    }

    /// The per-request options.
    pub(crate) fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// See the builders' `timeout`.
    pub fn set_timeout(&mut self, per_attempt: Duration) {
        self.options.timeout = Some(per_attempt);
    }

    /// See the builders' `max_retries`.
    pub fn set_max_retries(&mut self, n: u32) {
        self.options.max_retries = Some(n);
    }

    /// See the builders' `header`.
    pub fn add_header(&mut self, name: &str, value: &str) {
        self.options.headers.push((name.to_owned(), value.to_owned()));
    }

    /// See the builders' `query`.
    pub fn add_query(&mut self, name: &str, value: &str) {
        self.options.query.push((name.to_owned(), value.to_owned()));
    }

    /// See the builders' `idempotency_key`.
    pub fn set_idempotency_key(&mut self, key: String) {
        self.options.idempotency_key = Some(key);
    }

    /// See the builders' `extra_body`.
    pub fn add_extra_body(&mut self, key: String, value: serde_json::Value) {
        self.options.extra_body.insert(key, value);
    }

    /// The engine's call of operation `O` with these options.
    fn of<O: Operation>(&self, streamed: Option<&'static str>) -> Call<'a> {
        let rules = OperationRules { info: O::INFO, retry: O::RETRY, sensitive_body: O::SENSITIVE_BODY };
        Call::new(self.core, rules, &self.options, streamed)
    }
}

/// Sends `op` and returns the decoded payload with status, headers, request id and raw body:
/// validate, build, authenticate, attempt (with retries), decode.
///
/// This is instantiated once per operation type, in the generated crate: all it does itself is
/// decode. Everything else runs in `Call::run` (the engine), which is not generic and so is compiled once,
/// here. (When it was all one generic async function, each of oxide-rs' 311 operations compiled
/// its own copy of the retry loop, and code generation was half of the SDK's build time.)
pub async fn send<O: Operation>(op: &O, call: &CallState<'_>) -> Result<Response<O::Output>, Error> {
    let run = call.of::<O>(None);
    let result = match run.run(op).await {
        Ok((resp, attempts)) => decode::<O>(&run, resp, attempts),
        Err(e) => Err(e),
    };
    run.finished(result.as_ref().err());
    result
}

/// Sends a download operation (a binary success body): the response's body as a
/// [`ByteStream`], with status, headers and request id. Retries follow the usual rules until a
/// 2xx response's headers arrive, and stop then; a non-2xx answer is an [`Error::Api`].
pub async fn download<O: Operation>(op: &O, call: &CallState<'_>) -> Result<Response<ByteStream>, Error> {
    let run = call.of::<O>(Some("download"));
    let (resp, attempts) = run.open(op, O::decode_error).await?;
    let (status, headers) = (resp.status(), resp.headers().clone());
    Ok(Response::from_head(status, headers, ByteStream::new(call.core.clone(), resp, attempts)))
}

/// Sends an event-stream operation (`text/event-stream` with `x-sse-events`) and, once a 2xx
/// response's headers arrive, returns its stream of typed events.
///
/// * validation, path building, credential selection and headers as for every call; the
///   operation asks for `Accept: text/event-stream, application/json;q=0.9` (JSON for error
///   bodies) unless the client or the call set another `Accept`;
/// * attempts are retried by the usual rules (connection errors, 408/429/5xx per method,
///   `Retry-After`, `x-should-retry`, `x-retry: false`), but only **before** the stream starts:
///   the per-attempt timeout and the overall deadline bound the wait for the headers;
/// * a non-2xx answer is read whole and returned as [`Error::Api`] with the operation's typed
///   error body;
/// * a 2xx answer with a `content-type` other than `text/event-stream` is an [`Error::Decode`]
///   (the body is read to show what came instead); without a `content-type` it is parsed as a
///   stream.
pub async fn events<O: Operation, E: StreamEvent>(
    op: &O,
    call: &CallState<'_>,
) -> Result<Response<EventStream<E>>, Error> {
    let run = call.of::<O>(Some("events"));
    let (resp, attempts) = run.open(op, O::decode_error).await?;
    let result = EventStream::start(call.core, resp, attempts).await;
    run.finished(result.as_ref().err());
    result
}

/// Decodes the final response: the payload of a 2xx, the typed error of any other status.
fn decode<O: Operation>(run: &Call<'_>, resp: RawResponse, attempts: u32) -> Result<Response<O::Output>, Error> {
    if !resp.status.is_success() {
        let typed = O::decode_error(resp.status.as_u16(), &resp.body);
        return Err(run.api_error(resp, typed, attempts));
    }
    Ok(match O::ENVELOPE {
        Some(envelope) => {
            let (data, rest) = O::decode_envelope(&resp).map_err(|e| run.decode_failed(e, attempts))?;
            Response::new(resp, data).with_envelope(rest, envelope.request_id)
        }
        None => {
            let data = O::decode(&resp).map_err(|e| run.decode_failed(e, attempts))?;
            Response::new(resp, data)
        }
    })
}

/// Every operation is a request the engine can send.
impl<O: Operation> Request for O {
    fn validate(&self) -> Result<(), ValidationError> {
        Operation::validate(self)
    }

    fn build(&self, parts: &mut RequestParts) -> Result<(), Error> {
        Operation::build(self, parts)
    }
}
