//! What a mock operation's `decode` reads, what it answers when the request breaks the spec, and
//! what the server records.

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::validation::ValidationError;

/// A routed request, as an operation's [`decode`](super::MockOperation::decode) sees it: path
/// parameters taken from the route and percent-decoded, query pairs decoded and in order,
/// headers and the whole body.
#[derive(Debug, Clone)]
pub struct MockRequest {
    method: Method,
    path: String,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
}

impl MockRequest {
    /// A request for `method` and `path` (as sent, percent-encoded) with nothing else; add to it
    /// with the `with_` methods. The server builds these; tests of decoders can too.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        MockRequest {
            method,
            path: path.into(),
            path_params: Vec::new(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a path parameter (its decoded value).
    pub fn with_path_param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.path_params.push((name, value.into()));
        self
    }

    /// Adds a query pair (decoded).
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header.
    ///
    /// # Panics
    ///
    /// When `name` or `value` is not a valid header name or value.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap_or_else(|_| panic!("invalid header name `{name}`"));
        let value = HeaderValue::from_str(value).unwrap_or_else(|_| panic!("invalid value for header `{name}`"));
        self.headers.append(name, value);
        self
    }

    /// Replaces the headers.
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path as sent (percent-encoded, without the query).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The decoded value of path parameter `name`; the route guarantees every parameter of the
    /// operation's template is present and not empty.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Every path parameter, in template order.
    pub fn path_params(&self) -> &[(&'static str, String)] {
        &self.path_params
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of query parameter `name`, in order (`?tag=a&tag=b`).
    pub fn query_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every query pair, decoded, in order.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The first value of header `name` (any case), when it is visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body (empty when there was none).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The media type of the body, lowercase and without parameters (`application/json` for
    /// `application/json; charset=utf-8`).
    pub fn content_type(&self) -> Option<String> {
        let value = self.header(CONTENT_TYPE.as_str())?;
        Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
    }

    /// Query parameter `name`, or the violation of a missing required parameter
    /// (`query.<name>`).
    pub fn require_query(&self, name: &str) -> Result<&str, Violation> {
        self.query(name).ok_or_else(|| Violation::required(format!("query.{name}")))
    }

    /// Header `name`, or the violation of a missing required header (`header.<name>`). A value
    /// that is not visible ASCII counts as missing.
    pub fn require_header(&self, name: &str) -> Result<&str, Violation> {
        self.header(name).ok_or_else(|| Violation::required(format!("header.{name}")))
    }

    /// Decodes a required JSON body as `T`.
    ///
    /// Violations: no body (`body` is required, 400), a content type other than JSON
    /// (`application/json` or `application/*+json`; 415), or JSON that does not decode (400,
    /// naming the field: `body.name` is required, `body.tags[1]` breaks the schema).
    pub fn json_body<T: DeserializeOwned>(&self) -> Result<T, Violation> {
        self.optional_json_body()?.ok_or_else(|| Violation::required("body"))
    }

    /// Decodes an optional JSON body: `None` when the request has no body, otherwise as
    /// [`json_body`](Self::json_body).
    pub fn optional_json_body<T: DeserializeOwned>(&self) -> Result<Option<T>, Violation> {
        if self.body.is_empty() {
            return Ok(None);
        }
        match self.content_type() {
            Some(ct) if ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json")) => {}
            other => {
                return Err(Violation::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "media type application/json (got {})",
                        other.map_or_else(|| "none".to_owned(), |ct| format!("`{ct}`"))
                    ),
                )
                .with_field("header.content-type"));
            }
        }
        serde_json::from_slice(&self.body).map(Some).map_err(|e| json_violation(&self.body, &e))
    }
}

/// A serde_json error as a violation naming the field: `missing field` becomes `required` on
/// the missing member, anything else breaks `the schema` at the value that failed.
fn json_violation(body: &[u8], error: &serde_json::Error) -> Violation {
    let path = crate::json_path::path_of_error(body, error);
    let field = format!("body{}", path.strip_prefix('$').unwrap_or(&path));
    let message = error.to_string();
    // serde_json appends the position, which the field already says better.
    let message = message.rfind(" at line ").map_or(message.as_str(), |i| &message[..i]);
    if let Some(member) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        return Violation::required(format!("{field}.{member}"));
    }
    Violation::bad_request(format!("the schema: {message}")).with_field(field)
}

/// Why a request breaks the spec: the status to answer with (400, 404, 405, 415...), the rule
/// and, when one field is at fault, its path (`body.name`, `query.limit`, `path.id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    status: StatusCode,
    rule: String,
    field: Option<String>,
}

impl Violation {
    /// A violation answered with `status`.
    pub fn new(status: StatusCode, rule: impl Into<String>) -> Self {
        Violation { status, rule: rule.into(), field: None }
    }

    /// A violation answered with 400.
    pub fn bad_request(rule: impl Into<String>) -> Self {
        Violation::new(StatusCode::BAD_REQUEST, rule)
    }

    /// A required field, parameter or body that is missing (400, rule `required`).
    pub fn required(field: impl Into<String>) -> Self {
        Violation::bad_request("required").with_field(field)
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The status the request is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The rule the request breaks (`maxLength 10`, `required`).
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The field at fault, if one is.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
}

/// A constraint the generated validators found broken: 400, with its field and rule.
impl From<ValidationError> for Violation {
    fn from(e: ValidationError) -> Self {
        Violation::bad_request(e.rule()).with_field(e.field())
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "`{field}` violates {}", self.rule),
            None => f.write_str(&self.rule),
        }
    }
}

impl std::error::Error for Violation {}

/// A request that reached the mock server, whatever was answered.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The path as sent (percent-encoded, without the query).
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The operation it was routed to, if any.
    pub operation: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        tags: Option<Vec<String>>,
    }

    fn post(body: &str, content_type: &str) -> MockRequest {
        MockRequest::new(Method::POST, "/x").with_header("content-type", content_type).with_body(body.to_owned())
    }

    #[test]
    fn json_violations_name_the_field() {
        let e = post("{}", "application/json").json_body::<Body>().unwrap_err();
        assert_eq!((e.field(), e.rule()), (Some("body.name"), "required"));
        let e = post(r#"{"name":"a","tags":["x",1]}"#, "application/json").json_body::<Body>().unwrap_err();
        assert_eq!(e.field(), Some("body.tags[1]"));
        assert!(e.rule().starts_with("the schema: invalid type"), "{e}");
        assert!(!e.rule().contains("line"), "{e}");
        let e = post("{}", "text/plain").json_body::<Body>().unwrap_err();
        assert_eq!(e.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(post(r#"{"name":"a"}"#, "application/merge-patch+json; charset=utf-8").json_body::<Body>().is_ok());
        let empty = MockRequest::new(Method::POST, "/x");
        assert_eq!(empty.json_body::<Body>().unwrap_err().to_string(), "`body` violates required");
        assert!(empty.optional_json_body::<Body>().unwrap().is_none());
    }

    #[test]
    fn parameters_and_validation_errors() {
        let r = MockRequest::new(Method::GET, "/x").with_query("tag", "a").with_query("tag", "b");
        assert_eq!(r.query_all("tag").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(r.require_query("limit").unwrap_err().field(), Some("query.limit"));
        assert_eq!(r.require_header("X-Key").unwrap_err().field(), Some("header.X-Key"));
        let v = Violation::from(ValidationError::new("body.name", "maxLength 10"));
        assert_eq!(
            (v.status(), v.to_string().as_str()),
            (StatusCode::BAD_REQUEST, "`body.name` violates maxLength 10")
        );
    }
}
