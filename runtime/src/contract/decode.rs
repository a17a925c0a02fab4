//! Decoding response bodies: what generated `decode` functions call. Errors name the JSON path
//! that failed and carry an excerpt of the body.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};

use crate::api_error::DecodeError;
use crate::error::Error;
use crate::json_path::{byte_offset, path_at};
use crate::response::RawResponse;

// Defined here rather than beside `RawResponse` so that the response types do not depend on
// decoding (which depends on the error types, which hold responses).
impl RawResponse {
    /// Decodes the body as JSON, as generated operations decode theirs: a decode error names the
    /// JSON path that failed and carries an excerpt of the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        decode_json(self)
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
/// `member` as `T`, and every other member as JSON for [`Response::envelope`](crate::Response::envelope). A missing payload
/// member decodes as `null` (so an optional payload is `None`; anything else is a decode error).
///
/// Errors name the path as [`decode_json`] does (`$.data[3].id`).
pub fn decode_enveloped<T: DeserializeOwned>(resp: &RawResponse, member: &str) -> Result<(T, EnvelopeRest), Error> {
    decode_seed(resp, EnvelopeSeed { member, payload: PhantomData })
}

/// Decodes with serde_json; on failure, finds the path of the value it stopped at (see
/// `engine/json_path.rs` for why not `serde_path_to_error`).
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
    let path = path_at(&resp.body, offset);
    Error::Decode(Box::new(DecodeError::new(resp, path, e.to_string(), offset)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::{HeaderMap, StatusCode};

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
