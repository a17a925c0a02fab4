//! One HTTP attempt: send, then read the body chunk by chunk under the idle timeout.

use std::error::Error as _;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::HeaderValue;
use tokio::time::Instant;
use tracing::field::Empty;
use tracing::{Instrument, Level};

use super::config::Config;
use super::error::{Error, TimeoutKind};
use super::exec::Prepared;
use super::redact::HeadersDebug;
use super::response::RawResponse;

/// Why one attempt failed; the retry loop decides from this whether to try again.
pub(crate) enum AttemptError {
    /// No response: connect, TLS, or the connection closed before the response headers.
    Send(reqwest::Error),
    /// The request was sent but the response failed (body read error, client-side timeout).
    Read(reqwest::Error),
    /// One of our timeouts fired, with the configured duration.
    Timeout(TimeoutKind, Duration),
}

impl AttemptError {
    pub(crate) fn into_error(self, attempts: u32, cfg: &Config) -> Error {
        match self {
            AttemptError::Send(e) | AttemptError::Read(e) => {
                let message = describe(&e, cfg);
                Error::Connection { message, source: Box::new(redact_url(e, cfg)), attempts }
            }
            AttemptError::Timeout(kind, after) => Error::Timeout { kind, after, attempts },
        }
    }
}

/// reqwest puts the URL in its messages; API-key query values must not leak through it.
fn redact_url(mut e: reqwest::Error, cfg: &Config) -> reqwest::Error {
    if let Some(url) = e.url_mut() {
        *url = cfg.redaction.url(url);
    }
    e
}

/// The error and its causes on one line, with the URL redacted and secrets scrubbed.
fn describe(e: &reqwest::Error, cfg: &Config) -> String {
    let mut text = chain(e);
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), cfg.redaction.url(url).as_str());
    }
    cfg.scrubber.scrub(&text)
}

/// The error and its causes on one line ("client error (Connect): Connection refused").
fn chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Sends `req` once (attempt number `attempt`, 0-based) and reads the whole body.
pub(crate) async fn attempt(
    cfg: &Config,
    req: &Prepared,
    attempt: u32,
    per_attempt: Option<Duration>,
    deadline: Option<(Instant, Duration)>,
) -> Result<RawResponse, AttemptError> {
    // `attempt` is 0-based, matching the retry-count header; the rest is filled in below.
    let span =
        tracing::debug_span!("voice_agents.attempt", attempt, status = Empty, request_id = Empty, latency_ms = Empty);
    let started = Instant::now();
    let limit = attempt_limit(per_attempt, deadline, started);
    let work = async {
        let request = build_request(cfg, req, attempt);
        send_and_read(cfg, request, cfg.read_idle_timeout).await
    };
    let result = match limit {
        // Nothing left (a deadline already spent): do not send at all.
        Some((wait, kind, reported)) if wait.is_zero() => Err(AttemptError::Timeout(kind, reported)),
        Some((wait, kind, reported)) => tokio::time::timeout(wait, work.instrument(span.clone()))
            .await
            .unwrap_or(Err(AttemptError::Timeout(kind, reported))),
        None => work.instrument(span.clone()).await,
    };
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    let _entered = span.enter();
    match &result {
        Ok(resp) => {
            span.record("status", resp.status.as_u16());
            if let Some(id) = resp.request_id() {
                span.record("request_id", id);
            }
            tracing::debug!(status = resp.status.as_u16(), "response received");
            if tracing::enabled!(Level::TRACE) {
                tracing::trace!(
                    headers = ?HeadersDebug::new(&resp.headers, &cfg.redaction.headers),
                    body = %cfg.scrubber.scrub(&body_for_log(&resp.body)),
                    "response body",
                );
            }
        }
        Err(AttemptError::Send(e) | AttemptError::Read(e)) => {
            tracing::debug!(error = %describe(e, cfg), "attempt failed");
        }
        Err(AttemptError::Timeout(kind, after)) => {
            tracing::debug!(error = %kind, after_ms = after.as_millis() as u64, "attempt failed");
        }
    }
    result
}

/// The time one attempt started at `started` may take: `(wait, which timeout, configured value)`.
/// Whichever limit comes first ends the attempt; the error reports the configured value.
pub(crate) fn attempt_limit(
    per_attempt: Option<Duration>,
    deadline: Option<(Instant, Duration)>,
    started: Instant,
) -> Option<(Duration, TimeoutKind, Duration)> {
    let attempt_limit = per_attempt.map(|d| (d, TimeoutKind::Attempt, d));
    let deadline_limit =
        deadline.map(|(at, total)| (at.saturating_duration_since(started), TimeoutKind::Deadline, total));
    match (attempt_limit, deadline_limit) {
        (Some(a), Some(d)) => Some(if d.0 <= a.0 { d } else { a }),
        (a, d) => a.or(d),
    }
}

pub(crate) fn build_request(cfg: &Config, req: &Prepared, attempt: u32) -> reqwest::Request {
    let mut request = reqwest::Request::new(req.method.clone(), req.url.clone());
    let headers = request.headers_mut();
    headers.clone_from(&req.headers);
    if let Some(name) = &cfg.retry_count_header {
        headers.insert(name.clone(), HeaderValue::from(attempt));
    }
    match &req.body {
        Some(body) => *request.body_mut() = Some(body.clone().into()),
        // RFC 9110 8.6: a body-less POST/PUT/PATCH still says so; some front ends answer 411 otherwise.
        None if matches!(req.method, http::Method::POST | http::Method::PUT | http::Method::PATCH) => {
            headers_with_zero_length(request.headers_mut());
        }
        None => {}
    }
    tracing::debug!(method = %req.method, url = %cfg.redaction.url(&req.url), "sending request");
    if tracing::enabled!(Level::TRACE) {
        tracing::trace!(
            headers = ?HeadersDebug::new(request.headers(), &cfg.redaction.headers),
            body = %if req.sensitive_body {
                "[REDACTED: the body holds secrets]".to_owned()
            } else {
                cfg.scrubber.scrub(&body_for_log(req.body.as_deref().unwrap_or_default()))
            },
            "request body",
        );
    }
    request
}

async fn send_and_read(
    cfg: &Config,
    request: reqwest::Request,
    idle: Option<Duration>,
) -> Result<RawResponse, AttemptError> {
    let resp = send(cfg, request).await?;
    read_body(resp, idle).await
}

/// Sends the request and waits for the response headers.
pub(crate) async fn send(cfg: &Config, request: reqwest::Request) -> Result<reqwest::Response, AttemptError> {
    cfg.http.execute(request).await.map_err(|e| {
        // A client-side timeout of a user's reqwest client means the request went out.
        if e.is_timeout() && !e.is_connect() { AttemptError::Read(e) } else { AttemptError::Send(e) }
    })
}

/// Reads the whole body, chunk by chunk under the idle timeout.
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    idle: Option<Duration>,
) -> Result<RawResponse, AttemptError> {
    let status = resp.status();
    let headers = std::mem::take(resp.headers_mut());
    // A body that arrives as one chunk (most small ones) is kept as is, without a copy.
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    loop {
        // Per-chunk timeout: a body that stops mid-way fails instead of hanging forever.
        let chunk = match idle {
            Some(d) => tokio::time::timeout(d, resp.chunk())
                .await
                .map_err(|_| AttemptError::Timeout(TimeoutKind::ReadIdle, d))?,
            None => resp.chunk().await,
        };
        let Some(bytes) = chunk.map_err(AttemptError::Read)? else { break };
        if first.is_none() && joined.is_empty() {
            first = Some(bytes);
            continue;
        }
        if let Some(head) = first.take() {
            joined.extend_from_slice(&head);
        }
        joined.extend_from_slice(&bytes);
    }
    let body = first.unwrap_or_else(|| joined.freeze());
    Ok(RawResponse { status, headers, body })
}

/// Bodies in trace logs are cut at 4 KiB.
fn headers_with_zero_length(headers: &mut http::HeaderMap) {
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
}

fn body_for_log(body: &[u8]) -> String {
    const MAX: usize = 4096;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]).into_owned();
    if body.len() > MAX { format!("{text}… ({} bytes)", body.len()) } else { text }
}
