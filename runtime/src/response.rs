//! Responses: the raw form every attempt produces, the typed wrapper, and JSON decoding.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use std::marker::PhantomData;

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
    pub(crate) fn with_envelope(mut self, rest: EnvelopeRest, info: &super::operation::EnvelopeInfo) -> Self {
        let rest = serde_json::Value::Object(rest);
        if self.request_id.is_none() {
            self.request_id =
                info.request_id.and_then(|p| rest.pointer(p)).and_then(serde_json::Value::as_str).map(str::to_owned);
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
    decode_seed(resp, PhantomData::<T>)
}

/// Decodes a `text/*` response body as UTF-8 text; a body that is not UTF-8 is an
/// [`Error::Decode`] pointing at the first invalid byte.
pub fn decode_text(resp: &RawResponse) -> Result<String, Error> {
    match std::str::from_utf8(&resp.body) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let offset = e.valid_up_to();
            let message = format!("the body is not valid UTF-8 text: {e}");
            Err(Error::Decode(Box::new(DecodeError::new(resp, "$".into(), message, offset))))
        }
    }
}

/// The members of an enveloped body other than its payload, as received.
pub type EnvelopeRest = serde_json::Map<String, serde_json::Value>;

/// Decodes an enveloped body (`{"data": ..., "meta": ...}`) in one pass: the payload member
/// `member` as `T`, and every other member as JSON for [`Response::envelope`]. A missing payload
/// member decodes as `null` (so an optional payload is `None`; anything else is a decode error).
///
/// Errors name the path as [`decode_json`] does (`$.data[3].id`).
pub fn decode_enveloped<T: DeserializeOwned>(resp: &RawResponse, member: &str) -> Result<(T, EnvelopeRest), Error> {
    decode_seed(resp, EnvelopeSeed { member, payload: PhantomData })
}

/// Decodes with serde_json; on failure, finds the path of the value it stopped at (see
/// [`json_path`](super::json_path) for why not `serde_path_to_error`).
fn decode_seed<'de, S: DeserializeSeed<'de>>(resp: &'de RawResponse, seed: S) -> Result<S::Value, Error> {
    let mut de = serde_json::Deserializer::from_slice(&resp.body);
    // Trailing garbage after a valid document is a broken body too.
    seed.deserialize(&mut de).and_then(|value| de.end().map(|()| value)).map_err(|e| decode_error(resp, e))
}

/// Reads an envelope object: the payload member as `T`, the others as JSON values.
struct EnvelopeSeed<'m, T> {
    member: &'m str,
    payload: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for EnvelopeSeed<'_, T> {
    type Value = (T, EnvelopeRest);

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for EnvelopeSeed<'_, T> {
    type Value = (T, EnvelopeRest);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an object with a `{}` member", self.member)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut payload = None;
        let mut rest = EnvelopeRest::new();
        while let Some(key) = map.next_key::<String>()? {
            if key != self.member {
                let value = map.next_value()?;
                rest.insert(key, value);
            } else if payload.is_some() {
                return Err(serde::de::Error::custom(format_args!("duplicate field `{}`", self.member)));
            } else {
                payload = Some(map.next_value()?);
            }
        }
        let payload = match payload {
            Some(payload) => payload,
            None => T::deserialize(serde::de::value::UnitDeserializer::<A::Error>::new())
                .map_err(|_: A::Error| serde::de::Error::custom(format_args!("missing field `{}`", self.member)))?,
        };
        Ok((payload, rest))
    }
}

fn decode_error(resp: &RawResponse, e: serde_json::Error) -> Error {
    let offset = byte_offset(&resp.body, e.line(), e.column());
    let path = super::json_path::path_at(&resp.body, offset);
    Error::Decode(Box::new(DecodeError::new(resp, path, e.to_string(), offset)))
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

    fn raw(body: &str) -> RawResponse {
        RawResponse { status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::from(body.to_owned()) }
    }

    fn decode_failure<T: std::fmt::Debug>(result: Result<T, Error>) -> (String, String) {
        match result {
            Err(Error::Decode(d)) => (d.path().to_owned(), d.message().to_owned()),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn an_envelope_decodes_its_payload_and_keeps_every_other_member() {
        let body = r#"{"meta":{"request_id":"r1","total":3},"data":[1,2,3],"links":{"next":null}}"#;
        let (data, rest) = decode_enveloped::<Vec<u8>>(&raw(body), "data").unwrap();
        assert_eq!(data, [1, 2, 3]);
        assert_eq!(
            serde_json::Value::Object(rest),
            serde_json::json!({"meta": {"request_id": "r1", "total": 3}, "links": {"next": null}})
        );
    }

    #[test]
    fn a_wrong_payload_names_its_path_inside_the_envelope() {
        let (path, message) =
            decode_failure(decode_enveloped::<Vec<u8>>(&raw(r#"{"meta":{},"data":[1,"x"]}"#), "data"));
        assert_eq!(path, "$.data[1]");
        assert!(message.contains("invalid type"), "{message}");
    }

    #[test]
    fn a_missing_payload_is_none_when_optional_and_an_error_otherwise() {
        let (data, _) = decode_enveloped::<Option<u8>>(&raw(r#"{"success":true}"#), "data").unwrap();
        assert_eq!(data, None);
        let (_, message) = decode_failure(decode_enveloped::<Vec<u8>>(&raw(r#"{"success":true}"#), "data"));
        assert!(message.contains("missing field `data`"), "{message}");
    }

    #[test]
    fn a_duplicate_payload_trailing_garbage_or_a_non_object_is_a_decode_error() {
        for body in [r#"{"data":[1],"data":[2]}"#, r#"{"data":[1]} trailing"#, "[1]", ""] {
            decode_failure(decode_enveloped::<Vec<u8>>(&raw(body), "data"));
        }
    }

    #[test]
    fn a_plain_body_decodes_and_a_wrong_one_fails_with_its_path() {
        assert_eq!(decode_json::<Vec<u8>>(&raw("[1, 2]")).unwrap(), [1, 2]);
        let (path, _) = decode_failure(decode_json::<Vec<u8>>(&raw("[1, -2]")));
        assert_eq!(path, "$[1]");
    }

    #[test]
    fn byte_offsets() {
        assert_eq!(byte_offset(b"ab\ncd", 2, 2), 4);
        assert_eq!(byte_offset(b"abc", 1, 0), 0);
        assert_eq!(byte_offset(b"abc", 9, 9), 3);
    }
}
