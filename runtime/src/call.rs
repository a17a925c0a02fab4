//! Sending one request of a generated operation, with per-request options.
//!
//! Every generated request builder holds a [`CallState`] (the client and the per-request
//! options) and implements [`Operation`]; the `__request_builder!` macro gives it the options
//! methods, `send`, `send_with_response` and `IntoFuture`, which all end in [`execute_op`]
//! (`__stream_builder!` does the same for event streams, ending in `execute_stream`).

use std::fmt;
use std::time::Duration;

use tracing::Instrument;

use super::auth;
use super::config::Core;
use super::download::ByteStream;
use super::error::Error;
use super::exec::{self, Prepared, Target};
use super::info::OperationInfo;
use super::operation::Operation;
use super::request::RequestParts;
use super::response::{RawResponse, Response};
use super::transport::{Answer, Reading};
use super::validate::ValidationError;

/// Per-request settings that override the client's.
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) idempotency_key: Option<String>,
    /// The body holds secrets (`format: password` in the spec): never logged, even at TRACE.
    pub(crate) sensitive_body: bool,
    /// Members added to the JSON body that the spec does not know (the builders' `extra_body`).
    pub(crate) extra_body: serde_json::Map<String, serde_json::Value>,
}

impl fmt::Debug for RequestOptions {
    // Header values may be credentials; only their names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("query", &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("idempotency_key", &self.idempotency_key)
            .field("extra_body", &self.extra_body.keys().collect::<Vec<_>>())
            .finish()
    }
}

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
    pub fn options(&self) -> &RequestOptions {
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
}

/// Sends `op` and returns the decoded payload with status, headers, request id and raw body:
/// validate, build, authenticate, attempt (with retries), decode.
///
/// This is instantiated once per operation type, in the generated crate: all it does itself is
/// decode. Everything else runs in `exchange`, which is not generic and so is compiled once,
/// here. (When it was all one generic async function, each of oxide-rs' 311 operations compiled
/// its own copy of the retry loop, and code generation was half of the SDK's build time.)
pub async fn send<O: Operation>(op: &O, call: &CallState<'_>) -> Result<Response<O::Output>, Error> {
    execute_op(call.core, op, &call.options).await
}

/// [`send`] with the client and options apart (pagination).
pub(crate) async fn execute_op<O: Operation>(
    core: &Core,
    op: &O,
    options: &RequestOptions,
) -> Result<Response<O::Output>, Error> {
    let call = Call::of::<O>(core, options, None);
    let result = match exchange(&call, op, Reading::Whole).await {
        Ok((Answer::Complete(resp), attempts)) => decode::<O>(&call, resp, attempts),
        // A buffered call never gets a stream.
        Ok((Answer::Streaming(_), _)) => Err(Error::Config("a buffered call was handed a stream".into())),
        Err(e) => Err(e),
    };
    call.finished(result.as_ref().err());
    result
}

/// Sends `op` and, once a 2xx response's headers arrive, returns the response unread with the
/// number of attempts made: the streamed counterpart of [`send`], for event streams and
/// downloads. Retries follow the usual rules until then; a non-2xx answer is read whole and
/// returned as [`Error::Api`] with the operation's typed error body.
pub(crate) async fn open<O: Operation>(call: &Call<'_>, op: &O) -> Result<(reqwest::Response, u32), Error> {
    let result = match exchange(call, op, Reading::Stream).await {
        Ok((Answer::Streaming(resp), attempts)) => Ok((resp, attempts)),
        Ok((Answer::Complete(resp), attempts)) => {
            let typed = O::decode_error(resp.status.as_u16(), &resp.body);
            Err(exec::api_error(call.core.config(), resp, typed, attempts))
        }
        Err(e) => Err(e),
    };
    call.finished(result.as_ref().err());
    result
}

/// Sends a download operation (a binary success body): the response's body as a
/// [`ByteStream`], with status, headers and request id. Retries follow the usual rules until a
/// 2xx response's headers arrive, and stop then; a non-2xx answer is an [`Error::Api`].
pub async fn download<O: Operation>(op: &O, call: &CallState<'_>) -> Result<Response<ByteStream>, Error> {
    let call = Call::of::<O>(call.core, &call.options, Some("download"));
    let (resp, attempts) = open(&call, op).await?;
    let (status, headers) = (resp.status(), resp.headers().clone());
    Ok(Response::from_head(status, headers, ByteStream::new(call.core.clone(), resp, attempts)))
}

/// One call of an operation, without the operation's types: what [`exchange`] and
/// `execute_stream` need.
pub(crate) struct Call<'c> {
    pub(crate) core: &'c Core,
    pub(crate) info: &'static OperationInfo,
    /// The call's options with the operation's own rules applied (`x-retry: false`, secrets).
    pub(crate) options: RequestOptions,
    /// `voice_agents.call`, entered while the call runs.
    pub(crate) span: tracing::Span,
}

impl<'c> Call<'c> {
    /// The call of operation `O` with `options`; `streamed` names what a streamed call reads
    /// (`"events"`, `"download"`) in the span.
    pub(crate) fn of<O: Operation>(core: &'c Core, options: &RequestOptions, streamed: Option<&'static str>) -> Self {
        Call::new(core, O::INFO, O::RETRY, O::SENSITIVE_BODY, options, streamed)
    }

    fn new(
        core: &'c Core,
        info: &'static OperationInfo,
        retry: bool,
        sensitive_body: bool,
        options: &RequestOptions,
        streamed: Option<&'static str>,
    ) -> Self {
        let mut options = options.clone();
        if !retry && options.max_retries.is_none() {
            options.max_retries = Some(0);
        }
        options.sensitive_body |= sensitive_body;
        let span = tracing::info_span!(
            "voice_agents.call",
            api = core.config().api.name,
            operation = info.id,
            method = %info.method,
            path = info.path,
            stream = streamed,
        );
        Call { core, info, options, span }
    }

    /// Logs a failed call in its span.
    pub(crate) fn finished(&self, error: Option<&Error>) {
        if let Some(e) = error {
            self.span.in_scope(|| tracing::debug!(error = %e, "call failed"));
        }
    }

    /// Validates and builds the request and resolves URL, headers and credentials.
    fn prepare(&self, op: &dyn Request) -> Result<Prepared, Error> {
        let (cfg, info) = (self.core.config(), self.info);
        op.validate()?;
        let mut parts = RequestParts::new(info.path);
        op.build(&mut parts)?;
        parts.check_path_complete()?;
        let selected = auth::select(cfg, info.security, info.id)?;
        let accept = (!info.accept.is_empty()).then_some(info.accept);
        exec::prepare(cfg, info.method.clone(), Target::Server(info.server), parts, &selected, &self.options, accept)
    }
}

/// What the request path needs of an operation, as a trait object (see [`execute_op`]).
pub(crate) trait Request: Sync {
    fn validate(&self) -> Result<(), ValidationError>;
    fn build(&self, parts: &mut RequestParts) -> Result<(), Error>;
}

impl<O: Operation> Request for O {
    fn validate(&self) -> Result<(), ValidationError> {
        Operation::validate(self)
    }

    fn build(&self, parts: &mut RequestParts) -> Result<(), Error> {
        Operation::build(self, parts)
    }
}

/// Prepares the request and runs the attempt loop, in the call's span; returns the last answer.
async fn exchange(call: &Call<'_>, op: &dyn Request, reading: Reading) -> Result<(Answer, u32), Error> {
    async {
        let prepared = call.prepare(op)?;
        exec::attempts(call.core.config(), &prepared, &call.options, reading).await
    }
    .instrument(call.span.clone())
    .await
}

/// Decodes the final response: the payload of a 2xx, the typed error of any other status.
fn decode<O: Operation>(call: &Call<'_>, resp: RawResponse, attempts: u32) -> Result<Response<O::Output>, Error> {
    let cfg = call.core.config();
    if !resp.status.is_success() {
        let typed = O::decode_error(resp.status.as_u16(), &resp.body);
        return Err(exec::api_error(cfg, resp, typed, attempts));
    }
    let finish = |e: Error| e.finish(attempts, &cfg.scrubber);
    Ok(match O::ENVELOPE {
        Some(envelope) => {
            let (data, rest) = O::decode_envelope(&resp).map_err(finish)?;
            Response::new(resp, data).with_envelope(rest, &envelope)
        }
        None => {
            let data = O::decode(&resp).map_err(finish)?;
            Response::new(resp, data)
        }
    })
}

/// The per-request options methods every generated builder has (`timeout`, `max_retries`,
/// `header`, `query`, `idempotency_key`, `extra_body`); shared by `__request_builder!` and
/// `__stream_builder!` so a streamed call takes exactly the options a plain one does.
///
/// `$builder` must have a `call: CallState<'a>` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __call_options {
    ($builder:ident) => {
        impl<'a> $builder<'a> {
            /// Overrides the client's per-attempt timeout for this request.
            #[inline]
            pub fn timeout(mut self, per_attempt: ::std::time::Duration) -> Self {
                self.call.set_timeout(per_attempt);
                self
            }

            /// Overrides the client's number of retries for this request (0 disables them).
            #[inline]
            pub fn max_retries(mut self, n: u32) -> Self {
                self.call.set_max_retries(n);
                self
            }

            /// Adds a header to this request, replacing any default or generated header of that
            /// name. An invalid name or value is reported when the request is sent.
            #[inline]
            pub fn header(mut self, name: &str, value: &str) -> Self {
                self.call.add_header(name, value);
                self
            }

            /// Adds a query parameter the spec does not declare to this request.
            #[inline]
            pub fn query(mut self, name: &str, value: &str) -> Self {
                self.call.add_query(name, value);
                self
            }

            /// Sends `Idempotency-Key: <key>` on every attempt, which also makes 500s and read
            /// timeouts retryable for non-idempotent methods.
            #[inline]
            pub fn idempotency_key(mut self, key: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.call.set_idempotency_key(key.into());
                self
            }

            /// Adds a member the spec does not declare to the JSON request body (for a field the
            /// vendor accepts before its spec lists it), e.g. `.extra_body("enableManagedKeys", true)`.
            ///
            /// Members are merged into the top level of the body after it is built, replacing a
            /// member of the same name; a request without a body gets `{key: value}` as its body.
            /// The request fails before sending if the body is not a JSON object. Extra members
            /// are not validated.
            #[inline]
            pub fn extra_body(
                mut self,
                key: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<$crate::__private::serde_json::Value>,
            ) -> Self {
                self.call.add_extra_body(key.into(), value.into());
                self
            }
        }
    };
}

/// The methods every generated request builder has: per-request options, `send`,
/// `send_with_response` and `IntoFuture`. Expanded once per builder, so that each operation's
/// docs page lists them with the operation's own output type. They are `#[inline]` so that an
/// operation's request path (and the serde code it instantiates) is compiled in the crate that
/// calls it, not for every operation in the SDK crate.
///
/// `$builder` must have a `call: CallState<'a>` field and implement `Operation` with
/// `Output = $output`.
#[doc(hidden)]
#[macro_export]
macro_rules! __request_builder {
    ($builder:ident, $output:ty) => {
        $crate::__call_options!($builder);

        impl<'a> $builder<'a> {
            /// Sends the request and returns the decoded payload.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<$output, $crate::Error> {
                $crate::__private::send(&self, &self.call).await.map(|response| response.data)
            }

            /// Sends the request and returns the payload with status, headers and request id.
            #[inline]
            pub async fn send_with_response(self) -> ::std::result::Result<$crate::Response<$output>, $crate::Error> {
                $crate::__private::send(&self, &self.call).await
            }
        }

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = ::std::result::Result<$output, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

/// The methods of a generated builder whose operation answers with an event stream
/// (`text/event-stream` with `x-sse-events`): the same per-request options as
/// `__request_builder!`, and `send`, `send_with_response` and `IntoFuture` returning an
/// `EventStream` of the operation's event enum (see `execute_stream` for the retry and timeout
/// rules).
///
/// `$builder` must have a `call: CallState<'a>` field and implement `Operation`; `$event`
/// implements `StreamEvent`.
#[doc(hidden)]
#[macro_export]
macro_rules! __stream_builder {
    ($builder:ident, $event:ty) => {
        $crate::__call_options!($builder);

        impl<'a> $builder<'a> {
            /// Sends the request and, once the response headers arrive, returns the stream of
            /// events. Retries apply only until then; read it with `futures_util::StreamExt`
            /// (`next`, `try_next`...). Dropping the stream closes the connection.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<$crate::EventStream<$event>, $crate::Error> {
                self.send_with_response().await.map(|response| response.data)
            }

            /// Like [`send`](Self::send), with the response's status, headers and request id.
            #[inline]
            pub async fn send_with_response(
                self,
            ) -> ::std::result::Result<$crate::Response<$crate::EventStream<$event>>, $crate::Error> {
                $crate::__private::execute_stream::<_, $event>(self.call.core(), &self, self.call.options()).await
            }
        }

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = ::std::result::Result<$crate::EventStream<$event>, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

/// The methods of a generated builder whose operation answers with a binary body (a download):
/// the same per-request options as `__request_builder!`, and `send`, `send_with_response` and
/// `IntoFuture` returning a `ByteStream` (see `download` for the retry and timeout rules).
///
/// `$builder` must have a `call: CallState<'a>` field and implement `Operation`.
#[doc(hidden)]
#[macro_export]
macro_rules! __download_builder {
    ($builder:ident) => {
        $crate::__call_options!($builder);

        impl<'a> $builder<'a> {
            /// Sends the request and, once the response headers arrive, returns the body as a
            /// stream of chunks (`save_to`, `bytes`, `text`, or read it with
            /// `futures_util::StreamExt`). Retries apply only until then; dropping the stream
            /// closes the connection.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<$crate::ByteStream, $crate::Error> {
                self.send_with_response().await.map(|response| response.data)
            }

            /// Like [`send`](Self::send), with the response's status, headers and request id.
            #[inline]
            pub async fn send_with_response(
                self,
            ) -> ::std::result::Result<$crate::Response<$crate::ByteStream>, $crate::Error> {
                $crate::__private::download(&self, &self.call).await
            }
        }

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = ::std::result::Result<$crate::ByteStream, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}
