//! The request an operation fills in: path parameters, query, headers and body.

use std::fmt;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};

use crate::body::{self, FormField, Multipart, Payload, Upload};
use crate::error::Error;
use crate::validation::ValidationError;

/// The parts of a request that an operation's `build` fills in.
pub struct RequestParts {
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Payload>,
}

impl RequestParts {
    /// Starts from a path template such as `/agents/{agentName}`.
    pub fn new(path_template: &str) -> Self {
        RequestParts { path: path_template.to_owned(), query: Vec::new(), headers: HeaderMap::new(), body: None }
    }

    /// The path as rendered so far.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Substitutes `{name}` with one percent-encoded path segment.
    ///
    /// Everything outside RFC 3986 "unreserved" is encoded, so `/`, `?`, `#` and `%` cannot change
    /// the request's target. `""`, `.` and `..` are rejected: URL parsers resolve dot segments
    /// (even encoded as `%2e`), which would silently call a different endpoint.
    pub fn path_param(&mut self, name: &str, value: &str) -> Result<(), ValidationError> {
        let field = format!("path.{name}");
        let segment = encode_segment(&field, value)?;
        self.substitute(&field, name, &segment)
    }

    /// Substitutes a catch-all `{name}` whose value may span several segments separated by `/`.
    ///
    /// Each segment is encoded as in [`path_param`](Self::path_param); an empty value, empty
    /// segments (`a//b`, leading or trailing `/`) and `.`/`..` segments are rejected.
    pub fn path_param_multi(&mut self, name: &str, value: &str) -> Result<(), ValidationError> {
        let field = format!("path.{name}");
        let rendered = value.split('/').map(|s| encode_segment(&field, s)).collect::<Result<Vec<_>, _>>()?.join("/");
        self.substitute(&field, name, &rendered)
    }

    fn substitute(&mut self, field: &str, name: &str, rendered: &str) -> Result<(), ValidationError> {
        let placeholder = format!("{{{name}}}");
        if !self.path.contains(&placeholder) {
            return Err(ValidationError::new(field, "a parameter of the path template"));
        }
        self.path = self.path.replace(&placeholder, rendered);
        Ok(())
    }

    /// A parameter name still in braces means the operation forgot to fill it in.
    pub(crate) fn check_path_complete(&self) -> Result<(), ValidationError> {
        let Some(open) = self.path.find('{') else { return Ok(()) };
        let name = self.path[open + 1..].split('}').next().unwrap_or_default();
        Err(ValidationError::new(format!("path.{name}"), "required"))
    }

    /// Appends a query parameter; arrays are repeated calls, kept in call order.
    pub fn query(&mut self, name: &str, value: &str) {
        self.query.push((name.to_owned(), value.to_owned()));
    }

    /// Appends a header.
    pub fn header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let (name, value) = header_pair(name, value)?;
        self.headers.append(name, value);
        Ok(())
    }

    /// Sets a JSON body and `content-type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Encode(e.to_string()))?;
        self.body = Some(Payload::Bytes(bytes.into(), HeaderValue::from_static("application/json")));
        Ok(())
    }

    /// Sets a body of any other content type from bytes in memory.
    pub fn body(&mut self, bytes: impl Into<Bytes>, content_type: &str) -> Result<(), Error> {
        let (_, ct) = header_pair(CONTENT_TYPE.as_str(), content_type)?;
        self.body = Some(Payload::Bytes(bytes.into(), ct));
        Ok(())
    }

    /// Sets an `application/x-www-form-urlencoded` body from a typed body: its members as
    /// `name=value` pairs, each written as the spec's `encoding` says (`fields`; the defaults,
    /// `style: form` and `explode: true`, for the others).
    pub fn form<T: serde::Serialize + ?Sized>(&mut self, body: &T, fields: &[FormField]) -> Result<(), Error> {
        let value = serde_json::to_value(body).map_err(|e| Error::Encode(e.to_string()))?;
        let pairs = body::form_pairs(&value, fields)?;
        self.body = Some(Payload::Bytes(
            body::form_urlencoded(&pairs).into(),
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        ));
        Ok(())
    }

    /// Sets a text body (`text/plain` and the like).
    pub fn text(&mut self, text: &str, content_type: &str) -> Result<(), Error> {
        self.body(Bytes::copy_from_slice(text.as_bytes()), content_type)
    }

    /// Sets a binary body. `declared` is the spec's media type: sent as is when it is one
    /// concrete type, unless the upload has a content type set; when it has wildcards
    /// (`audio/*`, `*/*`) the upload's own (set or guessed from its file name) is sent.
    pub fn upload(&mut self, upload: &Upload, declared: &str) -> Result<(), Error> {
        let content_type = match upload.explicit_content_type() {
            Some(ct) => ct.to_owned(),
            None if declared.contains('*') => upload.media_type(),
            None => declared.to_owned(),
        };
        let (_, ct) = header_pair(CONTENT_TYPE.as_str(), &content_type)?;
        self.body = Some(Payload::Upload(upload.clone(), ct));
        Ok(())
    }

    /// Sets a `multipart/form-data` body.
    pub fn multipart(&mut self, form: Multipart) {
        self.body = Some(Payload::Multipart(form));
    }
}

impl RequestParts {
    /// Merges `extra` into the top level of the JSON body (later members win); without a body,
    /// `extra` becomes the body. A body that is not a JSON object is an [`Error::Encode`].
    pub(crate) fn merge_extra_body(&mut self, extra: &serde_json::Map<String, serde_json::Value>) -> Result<(), Error> {
        if extra.is_empty() {
            return Ok(());
        }
        let mut object = match &self.body {
            None => serde_json::Map::new(),
            Some(Payload::Bytes(bytes, content_type)) => {
                let ct = content_type.to_str().unwrap_or_default();
                if !body::is_json_media(ct) {
                    let media = ct.split(';').next().unwrap_or_default().trim();
                    return Err(Error::Encode(format!("extra body members need a JSON body, not `{media}`")));
                }
                match serde_json::from_slice(bytes) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => return Err(Error::Encode("extra body members need a JSON object body".into())),
                }
            }
            Some(_) => return Err(Error::Encode("extra body members need a JSON body, not an upload".into())),
        };
        object.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        let content_type = self.body.take().and_then(|p| p.content_type().cloned());
        let bytes = serde_json::to_vec(&object).map_err(|e| Error::Encode(e.to_string()))?;
        self.body =
            Some(Payload::Bytes(bytes.into(), content_type.unwrap_or(HeaderValue::from_static("application/json"))));
        Ok(())
    }
}

impl fmt::Debug for RequestParts {
    // Header values and bodies may hold secrets; show their shape only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("path", &self.path)
            .field("query", &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field(
                "body",
                &self.body.as_ref().map(|p| match p.for_log() {
                    Ok(bytes) => format!("{} bytes", bytes.len()),
                    Err(description) => description,
                }),
            )
            .finish()
    }
}

/// Parses a header pair; the error names the header but never echoes the value.
pub(crate) fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let invalid = |rule: &str| Error::Validation(ValidationError::new(format!("header.{name}"), rule));
    let name_ok = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("a valid HTTP header name"))?;
    let value_ok = HeaderValue::from_str(value).map_err(|_| invalid("a valid HTTP header value"))?;
    Ok((name_ok, value_ok))
}

/// RFC 3986 unreserved characters: the only ones left unencoded in a path segment.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn encode_segment(field: &str, value: &str) -> Result<String, ValidationError> {
    match value {
        "" => return Err(ValidationError::new(field, "minLength 1 (path segments cannot be empty)")),
        "." | ".." => return Err(ValidationError::new(field, "no `.` or `..` path segments")),
        _ => {}
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, name: &str, value: &str) -> Result<String, ValidationError> {
        let mut p = RequestParts::new(template);
        p.path_param(name, value).map(|()| p.path)
    }

    #[test]
    fn path_param_encodes_everything_but_unreserved() {
        assert_eq!(render("/a/{x}", "x", "a/b").unwrap(), "/a/a%2Fb");
        assert_eq!(render("/a/{x}", "x", "q?#%").unwrap(), "/a/q%3F%23%25");
        assert_eq!(render("/a/{x}", "x", "A-z_0.9~").unwrap(), "/a/A-z_0.9~");
        assert_eq!(render("/a/{x}", "x", "é ").unwrap(), "/a/%C3%A9%20");
        assert_eq!(render("/a/{x}", "x", "...").unwrap(), "/a/...");
    }

    #[test]
    fn path_param_rejects_empty_and_dot_segments() {
        for bad in ["", ".", ".."] {
            let e = render("/a/{x}", "x", bad).unwrap_err();
            assert_eq!(e.field(), "path.x", "{bad:?}");
        }
        assert_eq!(render("/a/{x}", "y", "v").unwrap_err().field(), "path.y");
    }

    #[test]
    fn path_param_multi_keeps_slashes() {
        let mut p = RequestParts::new("/s/{path}");
        p.path_param_multi("path", "a/b c/d").unwrap();
        assert_eq!(p.path, "/s/a/b%20c/d");
        for bad in ["", "a/../b", "./a", "a//b", "/a", "a/", ".."] {
            let mut p = RequestParts::new("/s/{path}");
            assert!(p.path_param_multi("path", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn missing_path_param_is_reported() {
        let mut p = RequestParts::new("/a/{x}/b/{y}");
        p.path_param("x", "1").unwrap();
        assert_eq!(p.check_path_complete().unwrap_err().field(), "path.y");
        p.path_param("y", "2").unwrap();
        assert!(p.check_path_complete().is_ok());
    }

    #[test]
    fn extra_body_merges_into_json_objects_only() {
        let extra: serde_json::Map<_, _> = [("b".to_owned(), serde_json::json!(true))].into_iter().collect();
        let body = |p: &RequestParts| match &p.body {
            Some(Payload::Bytes(bytes, _)) => serde_json::from_slice::<serde_json::Value>(bytes).unwrap(),
            _ => panic!("a JSON body"),
        };

        let mut p = RequestParts::new("/");
        p.json(&serde_json::json!({"a": 1, "b": false})).unwrap();
        p.merge_extra_body(&extra).unwrap();
        assert_eq!(body(&p), serde_json::json!({"a": 1, "b": true}), "extra members win");

        let mut p = RequestParts::new("/");
        p.merge_extra_body(&extra).unwrap();
        assert_eq!(body(&p), serde_json::json!({"b": true}), "no body: the extra members are the body");
        assert_eq!(p.body.as_ref().and_then(Payload::content_type).unwrap(), "application/json");

        let mut p = RequestParts::new("/");
        p.json(&serde_json::json!([1])).unwrap();
        assert!(matches!(p.merge_extra_body(&extra), Err(Error::Encode(_))));
        let mut p = RequestParts::new("/");
        p.body("a=1", "application/x-www-form-urlencoded").unwrap();
        assert!(matches!(p.merge_extra_body(&extra), Err(Error::Encode(_))));

        let mut p = RequestParts::new("/");
        p.merge_extra_body(&serde_json::Map::new()).unwrap();
        assert!(p.body.is_none(), "nothing to add, nothing changes");
    }

    #[test]
    fn bad_header_value_is_not_echoed() {
        let mut p = RequestParts::new("/");
        let e = p.header("x-key", "bad\nsecret").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(p.header("x-ok", "v").is_ok());
    }
}
