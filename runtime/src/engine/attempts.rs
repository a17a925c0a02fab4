//! **The attempt loop**: the one place that decides about retries, backoff and the overall
//! deadline, for every kind of call (buffered JSON, event streams, downloads, raw calls).

use std::time::Duration;

use tokio::time::Instant;

use crate::api_error::{ApiError, ErrorBody};
use crate::body::Payload;
use crate::config::Config;
use crate::error::Error;
use crate::error_kind::TimeoutKind;
use crate::response::RawResponse;

use super::options::RequestOptions;
use super::prepare::Prepared;
use super::transport::{self, Answer, AttemptError, Reading};
use crate::retry;

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
        | AttemptError::Timeout(TimeoutKind::Attempt | TimeoutKind::ReadIdle | TimeoutKind::SendIdle, _) => idempotent,
        AttemptError::Timeout(..) | AttemptError::Body(_) => false,
    };
    retry.then(|| retry::backoff(attempt, rand::random::<f64>()))
}

/// The error for a non-2xx response.
pub(crate) fn api_error(cfg: &Config, resp: RawResponse, typed: Option<Box<dyn ErrorBody>>, attempts: u32) -> Error {
    Error::Api(Box::new(ApiError::new(resp, typed, attempts, &cfg.scrubber, cfg.max_retry_after)))
}
