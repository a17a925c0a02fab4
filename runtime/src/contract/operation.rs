//! The trait every generated operation implements.

use crate::api_error::ErrorBody;
use crate::error::Error;
use crate::response::RawResponse;
use crate::validation::ValidationError;

use super::decode::EnvelopeRest;
use crate::engine::request::RequestParts;
use crate::info::OperationInfo;

/// One API operation with its parameters; the generated request builder of each `operationId`
/// implements it. Part of the generated-code contract, not user API.
///
/// The runtime calls, in order: [`validate`](Operation::validate), [`build`](Operation::build),
/// then (after authentication and the retry loop) [`decode`](Operation::decode) for a 2xx
/// response or [`decode_error`](Operation::decode_error) for any other status.
pub trait Operation: Send + Sync + Sized {
    /// What a successful call returns.
    type Output: Send + 'static;

    /// Static facts about the operation.
    const INFO: &'static OperationInfo;

    /// Set when the success body is an envelope (`x-envelope`): the runtime then decodes with
    /// [`decode_envelope`](Operation::decode_envelope), which names the payload member, and
    /// keeps the rest in [`Response::envelope`](crate::Response::envelope).
    const ENVELOPE: Option<EnvelopeInfo> = None;

    /// False when the spec marks the operation `x-retry: false`: repeating it has effects
    /// (placing a phone call), so it is sent once unless the call sets `max_retries` itself.
    const RETRY: bool = true;

    /// True when the request body carries secrets (`format: password` fields): the runtime
    /// then never logs it, not even at TRACE level.
    const SENSITIVE_BODY: bool = false;

    /// Checks the spec's constraints; an error means nothing is sent.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    /// Fills in path parameters, query, headers and body.
    fn build(&self, req: &mut RequestParts) -> Result<(), Error>;

    /// Decodes a 2xx response. Every operation without an [`ENVELOPE`](Operation::ENVELOPE)
    /// implements it; for an enveloped one the runtime calls
    /// [`decode_envelope`](Operation::decode_envelope) instead, and this default (its payload
    /// alone) is there for anyone else who decodes such a body.
    fn decode(resp: &RawResponse) -> Result<Self::Output, Error> {
        Self::decode_envelope(resp).map(|(data, _)| data)
    }

    /// Decodes a 2xx response of an operation with an [`ENVELOPE`](Operation::ENVELOPE): the
    /// payload and the envelope's other members, in one pass (see
    /// [`decode_enveloped`](super::decode::decode_enveloped)). Only enveloped operations
    /// implement it; the default says the operation has no decoder (it never calls `decode`,
    /// so that an operation implementing neither fails instead of recursing).
    fn decode_envelope(resp: &RawResponse) -> Result<(Self::Output, EnvelopeRest), Error> {
        let _ = resp;
        Err(Error::Config(format!("operation `{}` has no decoder for its response", Self::INFO.id)))
    }

    /// Decodes a non-2xx body into the operation's typed error, if it declares one and it matches.
    fn decode_error(status: u16, body: &[u8]) -> Option<Box<dyn ErrorBody>> {
        let _ = (status, body);
        None
    }
}

/// What the runtime reads from the rest of an enveloped success body
/// (`{"data": ..., "meta": {"request_id": ...}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeInfo {
    /// JSON pointer of a request id inside the body, used when no `x-request-id` header came; it
    /// must point outside the payload (the payload is decoded, not kept as JSON).
    pub request_id: Option<&'static str>,
}

/// Parses `body` as the error type `T`; `None` when it does not match (HTML pages, empty bodies).
pub fn decode_error_body<T>(body: &[u8]) -> Option<Box<dyn ErrorBody>>
where
    T: serde::de::DeserializeOwned + ErrorBody,
{
    serde_json::from_slice::<T>(body).ok().map(|t| Box::new(t) as Box<dyn ErrorBody>)
}
