//! A call of a generated operation, with per-request options.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use tracing::Instrument;

use super::auth;
use super::config::Core;
use super::error::Error;
use super::exec;
use super::operation::Operation;
use super::request::RequestParts;
use super::response::Response;

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
    /// Members added to the JSON body that the spec does not know (see [`Call::extra_body`]).
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

/// A pending call of operation `O`; set options, then `.send()`, `.send_with_response()` or
/// `.await` it.
pub struct Call<'a, O> {
    pub(crate) core: &'a Core,
    pub(crate) op: O,
    pub(crate) options: RequestOptions,
}

impl<'a, O: Operation> Call<'a, O> {
    /// Overrides the per-attempt timeout for this call.
    pub fn timeout(mut self, per_attempt: Duration) -> Self {
        self.options.timeout = Some(per_attempt);
        self
    }

    /// Overrides the number of retries for this call (0 disables).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.options.max_retries = Some(n);
        self
    }

    /// Adds a header to this call, replacing any default or generated header of that name.
    /// An invalid name or value is reported by `send`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.options.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a query parameter to this call.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.options.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends `Idempotency-Key: <key>` on every attempt, which also makes 500s and read
    /// timeouts retryable for non-idempotent methods.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// Adds a member the spec does not declare to the JSON request body (for fields a vendor
    /// accepts before its spec lists them), e.g. `.extra_body("enableManagedKeys", true)`.
    ///
    /// Members are merged into the top level of the body after it is built, replacing a member
    /// of the same name; a request without a body gets `{key: value}` as its body. The request
    /// fails before sending if the body is not a JSON object. Extra members are not validated.
    pub fn extra_body(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.options.extra_body.insert(key.into(), value.into());
        self
    }

    /// Sends the request and returns the decoded payload.
    pub async fn send(self) -> Result<O::Output, Error> {
        self.send_with_response().await.map(|r| r.data)
    }

    /// Sends the request and returns the payload with status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<O::Output>, Error> {
        let Call { core, op, options } = self;
        execute_op(core, &op, &options).await.map(|(response, _)| response)
    }
}

/// Runs one operation end to end: validate, build, authenticate, attempt (with retries), decode.
/// Also returns the raw body, for callers that read more than the payload (pagination).
pub(crate) async fn execute_op<O: Operation>(
    core: &Core,
    op: &O,
    options: &RequestOptions,
) -> Result<(Response<O::Output>, bytes::Bytes), Error> {
    let cfg = core.config();
    let info = O::INFO;
    let mut options = options.clone();
    if !O::RETRY && options.max_retries.is_none() {
        options.max_retries = Some(0);
    }
    options.sensitive_body |= O::SENSITIVE_BODY;
    let options = &options;
    let span = tracing::info_span!(
        "voice_agents.call",
        api = cfg.api.name,
        operation = info.id,
        method = %info.method,
        path = info.path,
    );
    let run = async move {
        op.validate()?;
        let mut parts = RequestParts::new(info.path);
        op.build(&mut parts)?;
        parts.check_path_complete()?;
        let selected = auth::select(cfg, info.security, info.id)?;
        let prepared = exec::prepare(cfg, info.method.clone(), info.server, parts, &selected, options)?;
        let (resp, attempts) = exec::execute(cfg, &prepared, options).await?;
        if resp.status.is_success() {
            let data = O::decode(&resp).map_err(|e| e.finish(attempts, &cfg.scrubber))?;
            let body = resp.body.clone();
            let response = Response::new(resp, data);
            let response = match O::ENVELOPE {
                Some(envelope) => response.with_envelope(&body, &envelope),
                None => response,
            };
            Ok((response, body))
        } else {
            let typed = O::decode_error(resp.status.as_u16(), &resp.body);
            Err(exec::api_error(cfg, resp, typed, attempts))
        }
    };
    let result = run.instrument(span.clone()).await;
    if let Err(e) = &result {
        span.in_scope(|| tracing::debug!(error = %e, "call failed"));
    }
    result
}

impl<'a, O: Operation> IntoFuture for Call<'a, O> {
    type Output = Result<O::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
