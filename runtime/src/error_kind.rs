//! The coarse classes of errors: what a caller matches on.

use std::fmt;

use http::StatusCode;

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One attempt (send plus body) took longer than the per-attempt timeout.
    Attempt,
    /// The response body stalled: no bytes arrived within the idle read timeout.
    ReadIdle,
    /// An upload stalled: the connection took no bytes of the request body within the idle
    /// timeout.
    SendIdle,
    /// The overall deadline across all attempts ran out.
    Deadline,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Attempt => "request timed out: per-attempt timeout reached",
            TimeoutKind::ReadIdle => "request timed out: response body stalled",
            TimeoutKind::SendIdle => "request timed out: the upload stalled",
            TimeoutKind::Deadline => "request timed out: overall deadline reached",
        })
    }
}

/// The coarse class of an [`Error`](crate::Error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// HTTP 400.
    BadRequest,
    /// HTTP 401.
    Authentication,
    /// HTTP 403.
    PermissionDenied,
    /// HTTP 404.
    NotFound,
    /// HTTP 409.
    Conflict,
    /// HTTP 422.
    UnprocessableEntity,
    /// HTTP 429.
    RateLimited,
    /// HTTP 500 and above.
    Server,
    /// Any other non-2xx status (other 4xx, 3xx, 1xx).
    OtherStatus,
    /// See [`Error::Connection`](crate::Error::Connection).
    Connection,
    /// See [`Error::Timeout`](crate::Error::Timeout).
    Timeout,
    /// See [`Error::Decode`](crate::Error::Decode).
    Decode,
    /// See [`Error::Validation`](crate::Error::Validation).
    Validation,
    /// See [`Error::MissingCredential`](crate::Error::MissingCredential).
    MissingCredential,
    /// See [`Error::Config`](crate::Error::Config).
    Config,
    /// See [`Error::Encode`](crate::Error::Encode).
    Encode,
    /// See [`Error::Io`](crate::Error::Io).
    Io,
}

impl ErrorKind {
    /// The kind for a non-2xx status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            422 => ErrorKind::UnprocessableEntity,
            429 => ErrorKind::RateLimited,
            s if s >= 500 => ErrorKind::Server,
            _ => ErrorKind::OtherStatus,
        }
    }
}
