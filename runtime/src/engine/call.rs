//! One call through the engine, without the operation's types (so that it is compiled once,
//! not once per operation): its options and tracing span, preparing the request, and the
//! attempt loop. The contract's entry points (`contract/call.rs`) wrap it for each operation.

use tracing::Instrument;

use crate::api_error::ErrorBody;
use crate::config::Core;
use crate::error::Error;
use crate::info::{ApiInfo, OperationInfo};
use crate::response::RawResponse;
use crate::validation::ValidationError;

use super::attempts::{self, api_error};
use super::auth;
use super::options::RequestOptions;
use super::prepare::{self, Prepared, Target};
use super::request::RequestParts;
use super::transport::{Answer, Reading};

/// What the request path needs of an operation, as a trait object: its checks and how it
/// fills in a request.
pub(crate) trait Request: Sync {
    /// Checks the spec's constraints; an error means nothing is sent.
    fn validate(&self) -> Result<(), ValidationError>;
    /// Fills in path parameters, query, headers and body.
    fn build(&self, parts: &mut RequestParts) -> Result<(), Error>;
}

/// An operation's typed error decoder, for a non-2xx answer to a streamed call.
pub(crate) type DecodeErrorFn = fn(u16, &[u8]) -> Option<Box<dyn ErrorBody>>;

/// What a call knows of its operation besides how to build it: static facts and the spec's
/// rules for sending it.
pub(crate) struct OperationRules {
    /// The operation's static description.
    pub(crate) info: &'static OperationInfo,
    /// False for `x-retry: false`: sent once unless the call asks for retries.
    pub(crate) retry: bool,
    /// The body holds secrets: never logged.
    pub(crate) sensitive_body: bool,
}

/// One call of an operation: the client, the operation's static facts, the call's options with
/// the operation's own rules applied, and its span.
pub(crate) struct Call<'c> {
    core: &'c Core,
    info: &'static OperationInfo,
    /// The call's options with the operation's own rules applied (`x-retry: false`, secrets).
    options: RequestOptions,
    /// `<crate>.call`, entered while the call runs.
    span: tracing::Span,
}

/// The span of one call (`<crate>.call`, named by the generated crate); `streamed` names what a
/// streamed call reads (`"events"`, `"download"`).
pub(crate) fn span(
    api: &ApiInfo,
    operation: &str,
    method: &http::Method,
    path: &str,
    streamed: Option<&str>,
) -> tracing::Span {
    (api.identity.call_span)(api.name, operation, method, path, streamed)
}

impl<'c> Call<'c> {
    /// The call of an operation with `options`; `streamed` names what a streamed call reads.
    pub(crate) fn new(
        core: &'c Core,
        rules: OperationRules,
        options: &RequestOptions,
        streamed: Option<&'static str>,
    ) -> Self {
        let info = rules.info;
        let mut options = options.clone();
        if !rules.retry && options.max_retries.is_none() {
            options.max_retries = Some(0);
        }
        options.sensitive_body |= rules.sensitive_body;
        let span = span(core.config().api, info.id, &info.method, info.path, streamed);
        Call { core, info, options, span }
    }

    /// Logs a failed call in its span.
    pub(crate) fn finished(&self, error: Option<&Error>) {
        if let Some(e) = error {
            self.span.in_scope(|| tracing::debug!(error = %e, "call failed"));
        }
    }

    /// Validates and builds the request, then resolves URL, headers and credentials.
    fn prepare(&self, op: &dyn Request) -> Result<Prepared, Error> {
        let (cfg, info) = (self.core.config(), self.info);
        op.validate()?;
        let mut parts = RequestParts::new(info.path);
        op.build(&mut parts)?;
        parts.check_path_complete()?;
        let selected = auth::select(cfg, info.security, info.id)?;
        let accept = (!info.accept.is_empty()).then_some(info.accept);
        prepare::prepare(cfg, info.method.clone(), Target::Server(info.server), parts, &selected, &self.options, accept)
    }

    /// Prepares the request and runs the attempt loop, in the call's span, reading `reading`.
    async fn exchange(&self, op: &dyn Request, reading: Reading) -> Result<(Answer, u32), Error> {
        async {
            let prepared = self.prepare(op)?;
            attempts::attempts(self.core.config(), &prepared, &self.options, reading).await
        }
        .instrument(self.span.clone())
        .await
    }

    /// A buffered call: the final response read whole (any status), with the attempts made.
    pub(crate) async fn run(&self, op: &dyn Request) -> Result<(RawResponse, u32), Error> {
        match self.exchange(op, Reading::Whole).await? {
            (Answer::Complete(resp), attempts) => Ok((resp, attempts)),
            // A buffered call never gets a stream.
            (Answer::Streaming(_), _) => Err(Error::Config("a buffered call was handed a stream".into())),
        }
    }

    /// A streamed call: the headers of a 2xx response, its body unread, with the attempts made.
    /// A non-2xx answer is read whole and returned as [`Error::Api`] with the operation's typed
    /// error body (`decode_error`).
    pub(crate) async fn open(
        &self,
        op: &dyn Request,
        decode_error: DecodeErrorFn,
    ) -> Result<(reqwest::Response, u32), Error> {
        let result = match self.exchange(op, Reading::Stream).await {
            Ok((Answer::Streaming(resp), attempts)) => Ok((resp, attempts)),
            Ok((Answer::Complete(resp), attempts)) => {
                let typed = decode_error(resp.status.as_u16(), &resp.body);
                Err(api_error(self.core.config(), resp, typed, attempts))
            }
            Err(e) => Err(e),
        };
        self.finished(result.as_ref().err());
        result
    }

    /// The error for a non-2xx response, with its typed body.
    pub(crate) fn api_error(&self, resp: RawResponse, typed: Option<Box<dyn ErrorBody>>, attempts: u32) -> Error {
        api_error(self.core.config(), resp, typed, attempts)
    }

    /// A decode error of the final response, with the attempt count and secrets scrubbed.
    pub(crate) fn decode_failed(&self, e: Error, attempts: u32) -> Error {
        e.finish(attempts, &self.core.config().scrubber)
    }
}
