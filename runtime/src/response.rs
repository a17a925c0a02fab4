//! Responses: the raw form every attempt produces, the typed wrapper, and JSON decoding.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::api_error::DecodeError;
use super::error::Error;

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

    /// Decodes the body as JSON; see [`decode_json`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(self)
    }
}

pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    ["x-request-id", "request-id", "x-amzn-requestid"].iter().find_map(|h| headers.get(*h)?.to_str().ok())
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

    /// Keeps the envelope's metadata and takes the request id from it when no header had one.
    pub(crate) fn with_envelope(mut self, body: &[u8], info: &super::operation::EnvelopeInfo) -> Self {
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else { return self };
        if self.request_id.is_none() {
            self.request_id =
                info.request_id.and_then(|p| value.pointer(p)).and_then(serde_json::Value::as_str).map(str::to_owned);
        }
        remove_pointer(&mut value, info.data);
        self.envelope = Some(value);
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

/// Removes the member a JSON pointer names (the payload, already decoded into `data`).
fn remove_pointer(value: &mut serde_json::Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return };
    let last = last.replace("~1", "/").replace("~0", "~");
    if let Some(serde_json::Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(&last);
    }
}

/// A parameter value of a structured type (a union, an alias of one) as the text it is sent as:
/// its JSON form, unquoted when it is a string.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Decodes a response body as JSON.
///
/// On failure the [`Error::Decode`] names the JSON path that failed (e.g. `$.items[1].id`) and
/// carries an excerpt of the body around the failure. Empty or non-JSON bodies are decode errors.
pub fn decode_json<T: DeserializeOwned>(resp: &RawResponse) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(&resp.body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = json_path(&e.path().to_string());
        decode_error(resp, path, e.into_inner())
    })?;
    // Trailing garbage after a valid document is a broken body too.
    de.end().map_err(|e| decode_error(resp, "$".into(), e))?;
    Ok(value)
}

fn decode_error(resp: &RawResponse, path: String, e: serde_json::Error) -> Error {
    let offset = byte_offset(&resp.body, e.line(), e.column());
    Error::Decode(Box::new(DecodeError::new(resp, path, e.to_string(), offset)))
}

/// `serde_path_to_error` prints `.` for the root and `a.b[0]` below it; show JSONPath-style `$...`.
pub(crate) fn json_path(p: &str) -> String {
    match p {
        "" | "." => "$".into(),
        p if p.starts_with('[') => format!("${p}"),
        p => format!("$.{p}"),
    }
}

/// serde_json reports 1-based lines and columns; turn them into a byte offset.
pub(crate) fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in body.split(|b| *b == b'\n').enumerate() {
        if i + 1 >= line {
            return offset + column.saturating_sub(1).min(l.len());
        }
        offset += l.len() + 1;
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_forms() {
        assert_eq!(json_path("."), "$");
        assert_eq!(json_path("a.b[0]"), "$.a.b[0]");
        assert_eq!(json_path("[1].x"), "$[1].x");
    }

    #[test]
    fn byte_offsets() {
        assert_eq!(byte_offset(b"ab\ncd", 2, 2), 4);
        assert_eq!(byte_offset(b"abc", 1, 0), 0);
        assert_eq!(byte_offset(b"abc", 9, 9), 3);
    }
}
