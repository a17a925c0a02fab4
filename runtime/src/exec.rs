//! Turning request parts into a prepared request, and **the attempt loop**: the one place that
//! decides about retries, backoff and the overall deadline, for every kind of call (buffered
//! JSON, event streams, downloads, raw calls).

use std::time::Duration;

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, Method};
use tokio::time::Instant;
use url::Url;

use super::api_error::ApiError;
use super::auth::{self, Selected};
use super::body::Payload;
use super::call::RequestOptions;
use super::config::Config;
use super::error::Error;
use super::operation::ErrorBody;
use super::request::{RequestParts, header_pair};
use super::response::RawResponse;
use super::retry;
use super::transport::{self, Answer, AttemptError, Reading};
use super::{DEFAULT_ACCEPT, IDEMPOTENCY_KEY_HEADER};

/// A fully resolved request, re-sent unchanged by every attempt (except the retry-count header).
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Payload>,
    pub(crate) idempotent: bool,
    /// Leave the body out of logs (it holds secrets).
    pub(crate) sensitive_body: bool,
}

/// Where a request goes: a server of the API and a path, or an absolute URL outside it.
pub(crate) enum Target {
    /// Server `index` of the API, then the rendered path.
    Server(usize),
    /// The rendered path is an absolute URL (a presigned upload URL, say).
    Absolute,
}

/// Resolves the URL and merges headers: defaults, then the operation's `Accept`, then the
/// operation's headers, then credentials, then per-request headers and the idempotency key
/// (later ones win). `accept` replaces the client's default `Accept` only while it is the
/// runtime's own default: an `Accept` the application set is kept.
pub(crate) fn prepare(
    cfg: &Config,
    method: Method,
    target: Target,
    mut parts: RequestParts,
    selected: &Selected<'_>,
    options: &RequestOptions,
    accept: Option<&'static str>,
) -> Result<Prepared, Error> {
    parts.merge_extra_body(&options.extra_body)?;
    let absolute = matches!(target, Target::Absolute);
    let mut url = match target {
        Target::Server(server) => {
            let base = cfg.server(server)?;
            Url::parse(&format!("{base}{}", parts.path))
                .map_err(|e| Error::Config(format!("could not build the request URL for server {server}: {e}")))?
        }
        Target::Absolute => Url::parse(&parts.path).map_err(|e| Error::Config(format!("invalid request URL: {e}")))?,
    };

    let mut query = parts.query;
    query.extend(options.query.iter().cloned());

    let mut headers = if absolute {
        // Another host: the application's default headers are meant for the API (they may hold
        // a key of its own), so only the user agent goes along.
        let mut own = HeaderMap::new();
        if let Some(agent) = cfg.default_headers.get(http::header::USER_AGENT) {
            own.insert(http::header::USER_AGENT, agent.clone());
        }
        own
    } else {
        cfg.default_headers.clone()
    };
    if let Some(accept) = accept.filter(|_| headers.get(ACCEPT).is_some_and(|v| v == DEFAULT_ACCEPT)) {
        headers.insert(ACCEPT, http::HeaderValue::from_static(accept));
    }
    for name in parts.headers.keys() {
        headers.remove(name);
    }
    for (name, value) in &parts.headers {
        headers.append(name.clone(), value.clone());
    }
    if let Some(content_type) = parts.body.as_ref().and_then(Payload::content_type) {
        headers.insert(CONTENT_TYPE, content_type.clone());
    }
    let body = parts.body;
    auth::apply(selected, &mut headers, &mut query)?;
    for (name, value) in &options.headers {
        let (name, mut value) = header_pair(name, value)?;
        value.set_sensitive(cfg.redaction.is_sensitive_header(name.as_str()));
        headers.insert(name, value);
    }
    if let Some(key) = &options.idempotency_key {
        let (name, value) = header_pair(IDEMPOTENCY_KEY_HEADER, key)?;
        headers.insert(name, value);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(&query);
    }
    let idempotent = retry::is_idempotent(&method) || headers.contains_key(IDEMPOTENCY_KEY_HEADER);
    Ok(Prepared { method, url, headers, body, idempotent, sensitive_body: options.sensitive_body })
}

/// The attempt loop: runs attempts until one succeeds, fails for good, or retries or the
/// deadline run out, and returns the last answer with the number of attempts made.
///
/// Every call goes through here. An attempt either completes a response (read whole: any status
/// of a buffered call, the error status of a streamed one), which the retry rules judge, or,
/// for a streamed call, hands over the headers of a 2xx response, after which nothing is
/// retried: the body is the caller's. A request whose body cannot be sent again (a one-shot
/// stream upload) is attempted once.
pub(crate) async fn attempts(
    cfg: &Config,
    req: &Prepared,
    options: &RequestOptions,
    reading: Reading,
) -> Result<(Answer, u32), Error> {
    let replayable = req.body.as_ref().is_none_or(Payload::is_replayable);
    let max_retries = if replayable { options.max_retries.unwrap_or(cfg.max_retries) } else { 0 };
    let per_attempt = options.timeout.or(cfg.timeout);
    let deadline = cfg.deadline.map(|d| (Instant::now() + d, d));
    let mut attempt: u32 = 0;
    loop {
        let result = transport::attempt(cfg, req, attempt, per_attempt, deadline, reading).await;
        let delay = match &result {
            Ok(Answer::Streaming(_)) => None,
            Ok(Answer::Complete(resp)) => retry_delay_for_response(cfg, resp, req.idempotent, attempt),
            Err(e) => retry_delay_for_error(e, req.idempotent, attempt),
        };
        if delay.is_some() && !replayable {
            tracing::debug!("not retrying: the request body was a stream, which can be sent once");
        }
        if let Some(delay) = delay.filter(|_| attempt < max_retries) {
            let past_deadline = deadline.is_some_and(|(at, _)| Instant::now() + delay >= at);
            if !past_deadline {
                tracing::info!(retry = attempt + 1, delay_ms = delay.as_millis() as u64, "retrying request");
                tokio::time::sleep(delay).await;
                attempt += 1;
                continue;
            }
            tracing::debug!("not retrying: the overall deadline would pass first");
        }
        let attempts = attempt + 1;
        return match result {
            Ok(answer) => Ok((answer, attempts)),
            Err(e) => Err(e.into_error(attempts, cfg)),
        };
    }
}

/// `Some(wait)` when the response should be retried.
fn retry_delay_for_response(cfg: &Config, resp: &RawResponse, idempotent: bool, attempt: u32) -> Option<Duration> {
    if !retry::should_retry_status(resp.status, &resp.headers, idempotent) {
        return None;
    }
    match retry::retry_after(&resp.headers) {
        Some(wait) if wait > cfg.max_retry_after => {
            // Sleeping for minutes inside a call looks like a hang; let the caller decide.
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "not retrying: server asked to wait longer than the cap"
            );
            None
        }
        Some(wait) => Some(wait),
        None => Some(retry::backoff(attempt, rand::random::<f64>())),
    }
}

/// `Some(wait)` when the failed attempt should be retried.
fn retry_delay_for_error(e: &AttemptError, idempotent: bool, attempt: u32) -> Option<Duration> {
    let retry = match e {
        // Nothing reached the server's application (or a pooled connection was stale).
        AttemptError::Send(_) => true,
        // The server may have acted on the request: only safe to repeat when idempotent.
        AttemptError::Read(_)
        | AttemptError::Timeout(
            super::TimeoutKind::Attempt | super::TimeoutKind::ReadIdle | super::TimeoutKind::SendIdle,
            _,
        ) => idempotent,
        AttemptError::Timeout(..) | AttemptError::Body(_) => false,
    };
    retry.then(|| retry::backoff(attempt, rand::random::<f64>()))
}

/// The error for a non-2xx response.
pub(crate) fn api_error(cfg: &Config, resp: RawResponse, typed: Option<Box<dyn ErrorBody>>, attempts: u32) -> Error {
    Error::Api(Box::new(ApiError::new(resp, typed, attempts, &cfg.scrubber, cfg.max_retry_after)))
}
