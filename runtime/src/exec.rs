//! Turning request parts into a wire request, and the retry loop around attempts.

use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method};
use tokio::time::Instant;
use url::Url;

use super::IDEMPOTENCY_KEY_HEADER;
use super::api_error::ApiError;
use super::auth::{self, Selected};
use super::call::RequestOptions;
use super::config::Config;
use super::error::Error;
use super::operation::ErrorBody;
use super::request::{RequestParts, header_pair};
use super::response::RawResponse;
use super::retry;
use super::transport::{self, AttemptError};

/// A fully resolved request, re-sent unchanged by every attempt (except the retry-count header).
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) idempotent: bool,
    /// Leave the body out of logs (it holds secrets).
    pub(crate) sensitive_body: bool,
}

/// Resolves the URL and merges headers: defaults, then the operation's, then credentials, then
/// per-request headers and the idempotency key (later ones win).
pub(crate) fn prepare(
    cfg: &Config,
    method: Method,
    server: usize,
    mut parts: RequestParts,
    selected: &Selected<'_>,
    options: &RequestOptions,
) -> Result<Prepared, Error> {
    parts.merge_extra_body(&options.extra_body)?;
    let base = cfg.server(server)?;
    let mut url = Url::parse(&format!("{base}{}", parts.path))
        .map_err(|e| Error::Config(format!("could not build the request URL for server {server}: {e}")))?;

    let mut query = parts.query;
    query.extend(options.query.iter().cloned());

    let mut headers = cfg.default_headers.clone();
    for name in parts.headers.keys() {
        headers.remove(name);
    }
    for (name, value) in &parts.headers {
        headers.append(name.clone(), value.clone());
    }
    let body = parts.body.map(|(bytes, content_type)| {
        headers.insert(CONTENT_TYPE, content_type);
        bytes
    });
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

/// Runs attempts until one succeeds, fails for good, or retries/deadline run out.
/// Returns the last response (of any status) and the number of attempts made.
pub(crate) async fn execute(
    cfg: &Config,
    req: &Prepared,
    options: &RequestOptions,
) -> Result<(RawResponse, u32), Error> {
    let max_retries = options.max_retries.unwrap_or(cfg.max_retries);
    let per_attempt = options.timeout.or(cfg.timeout);
    let deadline = cfg.deadline.map(|d| (Instant::now() + d, d));
    let mut attempt: u32 = 0;
    loop {
        let result = transport::attempt(cfg, req, attempt, per_attempt, deadline).await;
        let delay = match &result {
            Ok(resp) => retry_delay_for_response(cfg, resp, req.idempotent, attempt),
            Err(e) => retry_delay_for_error(e, req.idempotent, attempt),
        };
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
            Ok(resp) => Ok((resp, attempts)),
            Err(e) => Err(e.into_error(attempts, cfg)),
        };
    }
}

/// `Some(wait)` when the response should be retried.
pub(crate) fn retry_delay_for_response(
    cfg: &Config,
    resp: &RawResponse,
    idempotent: bool,
    attempt: u32,
) -> Option<Duration> {
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
pub(crate) fn retry_delay_for_error(e: &AttemptError, idempotent: bool, attempt: u32) -> Option<Duration> {
    let retry = match e {
        // Nothing reached the server's application (or a pooled connection was stale).
        AttemptError::Send(_) => true,
        // The server may have acted on the request: only safe to repeat when idempotent.
        AttemptError::Read(_)
        | AttemptError::Timeout(super::TimeoutKind::Attempt | super::TimeoutKind::ReadIdle, _) => idempotent,
        AttemptError::Timeout(..) => false,
    };
    retry.then(|| retry::backoff(attempt, rand::random::<f64>()))
}

/// The error for a non-2xx response.
pub(crate) fn api_error(cfg: &Config, resp: RawResponse, typed: Option<Box<dyn ErrorBody>>, attempts: u32) -> Error {
    Error::Api(Box::new(ApiError::new(resp, typed, attempts, &cfg.scrubber, cfg.max_retry_after)))
}
