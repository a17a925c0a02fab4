//! Responses: the raw form every attempt produces, and the typed wrapper callers get.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// A complete HTTP response with its body read into memory.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl RawResponse {
    /// The server's request id: `x-request-id`, then `request-id`, then `x-amzn-requestid`.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }
}

pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    // Names as `HeaderName`s, not `&str`s, which `HeaderMap::get` would parse on every response.
    const NAMES: [http::HeaderName; 3] = [
        http::HeaderName::from_static("x-request-id"),
        http::HeaderName::from_static("request-id"),
        http::HeaderName::from_static("x-amzn-requestid"),
    ];
    NAMES.iter().find_map(|h| headers.get(h)?.to_str().ok())
}

/// A successful result together with the response's status, headers and request id;
/// returned by a request builder's `send_with_response`.
///
/// The raw body stays reachable ([`raw_body`](Self::raw_body), [`raw_json`](Self::raw_json)) for
/// fields the spec does not declare; keeping it is cheap (`Bytes` is reference-counted).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The status.
    pub status: StatusCode,
    /// The headers (rate-limit headers and the like).
    pub headers: HeaderMap,
    /// The server's request id.
    pub request_id: Option<String>,
    /// The decoded body (the payload, when the body is an envelope).
    pub data: T,
    /// For enveloped bodies: everything in the envelope except the payload (pagination,
    /// `meta`, ...), as received.
    pub envelope: Option<serde_json::Value>,
    /// The body as received (empty for streams); private so that `Debug` never shows it (it may
    /// hold secrets the typed `data` redacts).
    raw: RawBody,
}

/// A body kept for [`Response::raw_body`]; its `Debug` shows only the length.
#[derive(Clone, Default)]
struct RawBody(Bytes);

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes", self.0.len())
    }
}

impl<T> Response<T> {
    pub(crate) fn new(raw: RawResponse, data: T) -> Self {
        Response {
            request_id: raw.request_id().map(str::to_owned),
            status: raw.status,
            headers: raw.headers,
            data,
            envelope: None,
            raw: RawBody(raw.body),
        }
    }

    /// A response whose body is not in memory (an event stream): status and headers only.
    pub(crate) fn from_head(status: StatusCode, headers: HeaderMap, data: T) -> Self {
        Response {
            request_id: request_id_of(&headers).map(str::to_owned),
            status,
            headers,
            data,
            envelope: None,
            raw: RawBody::default(),
        }
    }

    /// The whole response body as received (before any envelope was unwrapped); empty for an
    /// event stream.
    pub fn raw_body(&self) -> &Bytes {
        &self.raw.0
    }

    /// The body parsed as JSON, for fields the spec does not declare; `None` when the body is
    /// not JSON (or empty). Parsed on each call: keep the value if you read it often.
    ///
    /// ```
    /// # fn show<T>(resp: &voice_agents_runtime::Response<T>) {
    /// // A member the vendor added after the spec was written:
    /// let beta = resp.raw_json().and_then(|v| v.pointer("/data/betaFeature").cloned());
    /// # let _ = beta; }
    /// ```
    pub fn raw_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.raw.0).ok()
    }

    /// Keeps the envelope's other members and takes the request id from them when no header
    /// had one.
    pub(crate) fn with_envelope(
        mut self,
        rest: serde_json::Map<String, serde_json::Value>,
        request_id_pointer: Option<&str>,
    ) -> Self {
        let rest = serde_json::Value::Object(rest);
        if self.request_id.is_none() {
            self.request_id =
                request_id_pointer.and_then(|p| rest.pointer(p)).and_then(serde_json::Value::as_str).map(str::to_owned);
        }
        self.envelope = Some(rest);
        self
    }

    /// Maps the payload, keeping status, headers and request id.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            data: f(self.data),
            envelope: self.envelope,
            raw: self.raw,
        }
    }

    /// The payload without the response metadata.
    pub fn into_data(self) -> T {
        self.data
    }
}
