//! One HTTP attempt: build the wire request, send it, then read the body chunk by chunk under
//! the idle timeout (or hand a 2xx body over as a stream).

use std::error::Error as _;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::HeaderValue;
use tokio::time::Instant;
use tracing::{Instrument, Level};

use crate::body::{Payload, SendWatch};
use crate::config::Config;
use crate::error::Error;
use crate::error_kind::TimeoutKind;
use crate::response::{RawResponse, request_id_of};

use super::prepare::Prepared;
use crate::redact::HeadersDebug;

/// Why one attempt failed; the retry loop decides from this whether to try again.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// No response: connect, TLS, or the connection closed before the response headers.
    Send(reqwest::Error),
    /// The request was sent but the response failed (body read error, client-side timeout).
    Read(reqwest::Error),
    /// One of our timeouts fired, with the configured duration.
    Timeout(TimeoutKind, Duration),
    /// The body could not be produced (a file to upload is missing, a stream was used up):
    /// nothing useful reached the server, and trying again would fail the same way.
    Body(Error),
}

impl AttemptError {
    pub(crate) fn into_error(self, attempts: u32, cfg: &Config) -> Error {
        match self {
            AttemptError::Send(e) | AttemptError::Read(e) => {
                let message = describe(&e, cfg);
                Error::Connection { message, source: Box::new(redact_url(e, cfg)), attempts }
            }
            AttemptError::Timeout(kind, after) => Error::Timeout { kind, after, attempts },
            AttemptError::Body(e) => e,
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

/// What one attempt of a call reads of a 2xx response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The whole body, so that it can be decoded (and the attempt retried on a bad status).
    Whole,
    /// The headers only: the body is handed to the caller as a stream (SSE, downloads).
    Stream,
}

/// What one attempt produced.
pub(crate) enum Answer {
    /// A response read whole: any status of a [`Reading::Whole`] call, and a non-2xx of a
    /// [`Reading::Stream`] call (an error body is small and decides about retries).
    Complete(RawResponse),
    /// The headers of a 2xx response of a [`Reading::Stream`] call; its body is not read yet.
    Streaming(reqwest::Response),
}

/// One attempt (number `attempt`, 0-based): build the wire request, send it, and read as much
/// of the response as `reading` says, all under the per-attempt timeout and the deadline.
pub(crate) async fn attempt(
    cfg: &Config,
    req: &Prepared,
    attempt: u32,
    per_attempt: Option<Duration>,
    deadline: Option<(Instant, Duration)>,
    reading: Reading,
) -> Result<Answer, AttemptError> {
    // `attempt` is 0-based, matching the retry-count header; the rest is filled in below.
    let span = (cfg.api.identity.attempt_span)(attempt);
    let started = Instant::now();
    // Uploads report their progress here, so that a large body being sent is not cut off by the
    // per-attempt timeout (see `SendWatch`).
    let watch = req.body.as_ref().filter(|b| b.streams()).map(|_| SendWatch::new());
    let work = async {
        let request = build_request(cfg, req, attempt, watch.as_ref()).await?;
        let resp = send(cfg, request).await?;
        if reading == Reading::Stream && resp.status().is_success() {
            Ok(Answer::Streaming(resp))
        } else {
            read_body(resp, cfg.read_idle_timeout).await.map(Answer::Complete)
        }
    }
    .instrument(span.clone());
    let result = match (attempt_limit(per_attempt, deadline, started), &watch) {
        // Nothing left (a deadline already spent): do not send at all.
        (Some((wait, kind, reported)), _) if wait.is_zero() => Err(AttemptError::Timeout(kind, reported)),
        (_, Some(watch)) => {
            with_upload_limits(work, watch, per_attempt, cfg.read_idle_timeout, deadline, started).await
        }
        (Some((wait, kind, reported)), None) => {
            tokio::time::timeout(wait, work).await.unwrap_or(Err(AttemptError::Timeout(kind, reported)))
        }
        (None, None) => work.await,
    };
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    let _entered = span.enter();
    match &result {
        Ok(answer) => {
            let (status, headers) = match answer {
                Answer::Complete(resp) => (resp.status, &resp.headers),
                Answer::Streaming(resp) => (resp.status(), resp.headers()),
            };
            span.record("status", status.as_u16());
            if let Some(id) = request_id_of(headers) {
                span.record("request_id", id);
            }
            tracing::debug!(status = status.as_u16(), "response received");
            if let (Answer::Complete(resp), true) = (answer, tracing::enabled!(Level::TRACE)) {
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
        Err(AttemptError::Body(e)) => tracing::debug!(error = %e, "attempt failed: the body could not be sent"),
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

/// Runs an attempt that sends an upload: while the upload is being sent, it fails only when the
/// connection takes no bytes for the idle timeout ([`TimeoutKind::SendIdle`]); once the body is
/// sent, the per-attempt timeout counts from then; the overall deadline holds throughout.
async fn with_upload_limits<F>(
    work: F,
    watch: &SendWatch,
    per_attempt: Option<Duration>,
    idle: Option<Duration>,
    deadline: Option<(Instant, Duration)>,
    started: Instant,
) -> Result<Answer, AttemptError>
where
    F: std::future::Future<Output = Result<Answer, AttemptError>>,
{
    let mut work = std::pin::pin!(work);
    // How often to look again while nothing fires: the upload starts and ends inside `work`.
    let tick = idle.or(per_attempt);
    loop {
        let (last, sending) = (watch.last_progress().max(started), watch.sending());
        // The limit as things stand; progress moves it later.
        let mut limits: Vec<(Instant, TimeoutKind, Duration)> = Vec::new();
        match (sending, idle, per_attempt) {
            (true, Some(idle), _) => limits.push((last + idle, TimeoutKind::SendIdle, idle)),
            (false, _, Some(d)) => limits.push((last + d, TimeoutKind::Attempt, d)),
            _ => {}
        }
        if let Some((at, total)) = deadline {
            limits.push((at, TimeoutKind::Deadline, total));
        }
        let limit = limits.into_iter().min_by_key(|(at, ..)| *at);
        let wake = match (limit.map(|(at, ..)| at), tick) {
            (Some(at), Some(t)) => Some(at.min(Instant::now() + t)),
            (at, t) => at.or_else(|| t.map(|t| Instant::now() + t)),
        };
        let Some(wake) = wake else { return work.await };
        match tokio::time::timeout_at(wake, &mut work).await {
            Ok(result) => return result,
            Err(_) => {
                let unchanged = watch.last_progress().max(started) == last && watch.sending() == sending;
                match limit {
                    Some((at, kind, reported))
                        if Instant::now() >= at && (unchanged || kind == TimeoutKind::Deadline) =>
                    {
                        return Err(AttemptError::Timeout(kind, reported));
                    }
                    _ => continue,
                }
            }
        }
    }
}

/// The wire request of one attempt: the prepared request with this attempt's retry count and a
/// fresh body (a file is opened again, a multipart form gets a new boundary).
async fn build_request(
    cfg: &Config,
    req: &Prepared,
    attempt: u32,
    watch: Option<&std::sync::Arc<SendWatch>>,
) -> Result<reqwest::Request, AttemptError> {
    let mut request =
        match &req.body {
            Some(Payload::Multipart(form)) => {
                let form = form.open(watch).await.map_err(AttemptError::Body)?;
                // reqwest's builder sets the boundary's content type and, when every part's length
                // is known, `Content-Length` (S3's presigned POST refuses chunked bodies).
                cfg.http.request(req.method.clone(), req.url.clone()).multipart(form).build().map_err(|e| {
                    AttemptError::Body(Error::Encode(format!("could not build the multipart body: {e}")))
                })?
            }
            _ => reqwest::Request::new(req.method.clone(), req.url.clone()),
        };
    let headers = request.headers_mut();
    if headers.is_empty() {
        headers.clone_from(&req.headers);
    } else {
        // The multipart builder's content type and length stay unless the call set its own.
        for name in req.headers.keys() {
            headers.remove(name);
        }
        for (name, value) in &req.headers {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Some(name) = &cfg.retry_count_header {
        headers.insert(name.clone(), HeaderValue::from(attempt));
    }
    match &req.body {
        Some(Payload::Bytes(bytes, _)) => *request.body_mut() = Some(bytes.clone().into()),
        Some(Payload::Upload(upload, _)) => {
            let (body, length) = upload.open(watch).await.map_err(AttemptError::Body)?;
            if let Some(n) = length {
                request.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from(n));
            }
            *request.body_mut() = Some(body);
        }
        Some(Payload::Multipart(_)) => {}
        // RFC 9110 8.6: a body-less POST/PUT/PATCH still says so; some front ends answer 411 otherwise.
        None if matches!(req.method, http::Method::POST | http::Method::PUT | http::Method::PATCH) => {
            request.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        None => {}
    }
    tracing::debug!(method = %req.method, url = %cfg.redaction.url(&req.url), "sending request");
    if tracing::enabled!(Level::TRACE) {
        let body = match &req.body {
            _ if req.sensitive_body => "[REDACTED: the body holds secrets]".to_owned(),
            None => String::new(),
            Some(payload) => match payload.for_log() {
                Ok(bytes) => cfg.scrubber.scrub(&body_for_log(bytes)),
                Err(description) => description,
            },
        };
        tracing::trace!(headers = ?HeadersDebug::new(request.headers(), &cfg.redaction.headers), body = %body, "request body");
    }
    Ok(request)
}

/// Sends the request and waits for the response headers.
async fn send(cfg: &Config, request: reqwest::Request) -> Result<reqwest::Response, AttemptError> {
    cfg.http.execute(request).await.map_err(|e| {
        // A client-side timeout of a user's reqwest client means the request went out.
        if e.is_timeout() && !e.is_connect() { AttemptError::Read(e) } else { AttemptError::Send(e) }
    })
}

/// The next chunk of a response body, awaited under the idle timeout; `None` at the end.
///
/// Every reader of a body goes through this: whole bodies ([`read_body`]), event streams and
/// downloads, so that a body that stops mid-way fails the same way everywhere.
pub(crate) async fn next_chunk(
    resp: &mut reqwest::Response,
    idle: Option<Duration>,
) -> Result<Option<Bytes>, AttemptError> {
    let chunk = match idle {
        Some(d) => {
            tokio::time::timeout(d, resp.chunk()).await.map_err(|_| AttemptError::Timeout(TimeoutKind::ReadIdle, d))?
        }
        None => resp.chunk().await,
    };
    chunk.map_err(AttemptError::Read)
}

/// The body's chunks as a stream (see [`next_chunk`]); it ends after the first error.
pub(crate) fn chunks(
    resp: reqwest::Response,
    idle: Option<Duration>,
) -> impl Stream<Item = Result<Bytes, AttemptError>> + Send + 'static {
    futures_util::stream::unfold(Some(resp), move |resp| async move {
        let mut resp = resp?;
        match next_chunk(&mut resp, idle).await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(resp))),
            Ok(None) => None,
            // Dropping the response here closes the connection at once.
            Err(e) => Some((Err(e), None)),
        }
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
    while let Some(bytes) = next_chunk(&mut resp, idle).await? {
        match first.take() {
            None if joined.is_empty() => first = Some(bytes),
            head => {
                if let Some(head) = head {
                    joined.extend_from_slice(&head);
                }
                joined.extend_from_slice(&bytes);
            }
        }
    }
    let body = first.unwrap_or_else(|| joined.freeze());
    Ok(RawResponse { status, headers, body })
}

/// Bodies in trace logs are cut at 4 KiB.
fn body_for_log(body: &[u8]) -> String {
    const MAX: usize = 4096;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]).into_owned();
    if body.len() > MAX { format!("{text}… ({} bytes)", body.len()) } else { text }
}
