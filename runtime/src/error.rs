//! The SDK's single error type.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::api_error::{ApiError, DecodeError, ErrorBody};
use crate::error_kind::{ErrorKind, TimeoutKind};
use crate::redact::Scrubber;
use crate::validation::ValidationError;

/// Every way a call can fail.
///
/// Match on [`Error::kind`] for the coarse class (one per HTTP status class plus transport and
/// client-side failures), or on the variants for details. All messages are free of credentials.
///
/// ```
/// # use voice_agents_runtime::{Error, ErrorKind};
/// /// What to tell the user when a call fails.
/// fn explain(error: &Error) -> String {
///     match error.kind() {
///         ErrorKind::NotFound => "it does not exist (any more)".to_owned(),
///         ErrorKind::Authentication | ErrorKind::PermissionDenied => "check the API key".to_owned(),
///         ErrorKind::RateLimited => match error.retry_after() {
///             Some(wait) => format!("rate limited: try again in {} s", wait.as_secs()),
///             None => "rate limited".to_owned(),
///         },
///         ErrorKind::Validation => format!("not sent, the request breaks the spec: {error}"),
///         // Connection errors, timeouts and 5xx after the client's own retries.
///         _ if error.is_retryable() => format!("try again later: {error}"),
///         _ => format!("failed: {error}"),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside 2xx.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request never got a response: DNS, connect, TLS, or the connection dropped.
    #[error("connection error{}: {message}", attempts_note(*attempts))]
    #[non_exhaustive]
    Connection {
        /// The error chain as text, with secrets removed from any URL.
        message: String,
        /// The underlying transport error (usually a `reqwest::Error`).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// How many attempts were made.
        attempts: u32,
    },

    /// A timeout fired.
    #[error("{kind} ({after:?}){}", attempts_note(*attempts))]
    #[non_exhaustive]
    Timeout {
        /// Which timeout.
        kind: TimeoutKind,
        /// The configured duration that ran out.
        after: Duration,
        /// How many attempts were made.
        attempts: u32,
    },

    /// A 2xx response body did not match the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// The request violates a constraint of the spec; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),

    /// The operation needs a credential that the client does not have; nothing was sent.
    #[error("missing credential: `{operation}` needs {needed}")]
    #[non_exhaustive]
    MissingCredential {
        /// The operation id.
        operation: String,
        /// The acceptable credentials, naming the builder method that sets each, e.g.
        /// "`ClientBuilder::private_key_auth` (scheme `PrivateKeyAuth`)".
        needed: String,
    },

    /// The client configuration is invalid (bad URL, header, server index...).
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// The request body could not be serialized.
    #[error("could not encode the request: {0}")]
    Encode(String),

    /// Reading a file to upload or writing a download to a file failed.
    #[error("I/O error on {}: {source}", path.display())]
    #[non_exhaustive]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 { format!(" after {attempts} attempts") } else { String::new() }
}

impl Error {
    /// An I/O error on the file at `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_owned(), source }
    }

    /// The coarse class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => e.kind(),
            Error::Connection { .. } => ErrorKind::Connection,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Decode(_) => ErrorKind::Decode,
            Error::Validation(_) => ErrorKind::Validation,
            Error::MissingCredential { .. } => ErrorKind::MissingCredential,
            Error::Config(_) => ErrorKind::Config,
            Error::Encode(_) => ErrorKind::Encode,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// The API error details, if the server answered with a non-2xx status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The decode error details, if a 2xx body did not match the expected type.
    pub fn decode(&self) -> Option<&DecodeError> {
        match self {
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Decode(e) => Some(e.status()),
            _ => None,
        }
    }

    /// The response headers, when a response was received.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(e.headers()),
            Error::Decode(e) => Some(e.headers()),
            _ => None,
        }
    }

    /// The server's request id (`x-request-id`), when a response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            Error::Decode(e) => e.request_id(),
            _ => None,
        }
    }

    /// The raw response body, when a response was received.
    pub fn raw_body(&self) -> Option<&Bytes> {
        match self {
            Error::Api(e) => Some(e.body()),
            Error::Decode(e) => Some(e.body()),
            _ => None,
        }
    }

    /// The typed error body, downcast to the generated error type `T`.
    pub fn body_as<T: ErrorBody>(&self) -> Option<&T> {
        self.api().and_then(ApiError::body_as::<T>)
    }

    /// The error code from the typed error body, if the spec defines one and the server sent it.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(ApiError::code)
    }

    /// The error message from the typed error body, if the spec defines one and the server sent it.
    pub fn message(&self) -> Option<&str> {
        self.api().and_then(ApiError::message)
    }

    /// Whether the failure is transient: connection errors, timeouts other than the overall
    /// deadline, and statuses 408, 429, 500, 502, 503, 504 (or what `x-should-retry` said).
    ///
    /// The runtime retries these itself when that is safe (see the module docs), so seeing one
    /// here usually means the retries ran out or the request was not idempotent.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Connection { .. } => true,
            Error::Timeout { kind, .. } => *kind != TimeoutKind::Deadline,
            _ => false,
        }
    }

    /// How long the server asked to wait (`retry-after-ms` or `Retry-After`), if it said so.
    ///
    /// When this exceeds [`ClientBuilder::max_retry_after`](super::ClientBuilder::max_retry_after)
    /// the runtime returns the error at once instead of sleeping.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(ApiError::retry_after)
    }

    /// How many HTTP attempts were made before this error (0 if nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts(),
            Error::Decode(e) => e.attempts(),
            Error::Connection { attempts, .. } | Error::Timeout { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    /// Records the attempt count and removes known secrets from body excerpts; used once the
    /// runtime knows both (decode errors are created by generated code that knows neither).
    pub(crate) fn finish(self, attempts: u32, scrubber: &Scrubber) -> Self {
        match self {
            Error::Decode(mut e) => {
                e.finish(attempts, scrubber);
                Error::Decode(e)
            }
            other => other,
        }
    }
}
