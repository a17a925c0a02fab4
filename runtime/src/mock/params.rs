//! Reading a request's parameters and body into the types of a generated `<Op>Received`
//! struct: what each generated `Received::decode` calls, one line per field.
//!
//! Parameters are text on the wire; each is read into its Rust type through serde, as the
//! string it is first (strings, enums, date-times, UUIDs) and as JSON text second (numbers,
//! booleans, the JSON text the SDK sends for object parameters). A value that is neither is a
//! violation naming the parameter (`query.limit`), answered 400.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::api::Decoded;
use super::request::{MockRequest, Violation};
use super::typed::Received;

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum In {
    /// A path segment of the operation's template (or several, for a catch-all parameter).
    Path,
    /// The query string.
    Query,
    /// A request header (its name in any case).
    Header,
}

impl In {
    /// The prefix of a field path in violations: `path`, `query`, `header`.
    fn prefix(self) -> &'static str {
        match self {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
        }
    }
}

/// What every generated operation's [`MockOperation::decode`](super::MockOperation::decode)
/// is: [`Received::decode`], boxed for the engine.
pub fn decode<R: Received>(request: &MockRequest) -> Result<Decoded, Violation> {
    R::decode(request).map(|received| Box::new(received) as Decoded)
}

/// Path parameter `name` as a `T` (the route guarantees it is there).
pub fn path<T: DeserializeOwned>(request: &MockRequest, name: &str) -> Result<T, Violation> {
    required_param(request, In::Path, name)
}

/// Query parameter `name` as a `T`; `None` when the request does not send it.
pub fn query<T: DeserializeOwned>(request: &MockRequest, name: &str) -> Result<Option<T>, Violation> {
    param(request, In::Query, name)
}

/// Query parameter `name` as a `T`, which the spec requires: its absence is a violation.
pub fn required_query<T: DeserializeOwned>(request: &MockRequest, name: &str) -> Result<T, Violation> {
    required_param(request, In::Query, name)
}

/// Header `name` as a `T`; `None` when the request does not send it.
pub fn header<T: DeserializeOwned>(request: &MockRequest, name: &str) -> Result<Option<T>, Violation> {
    param(request, In::Header, name)
}

/// Header `name` as a `T`, which the spec requires: its absence is a violation.
pub fn required_header<T: DeserializeOwned>(request: &MockRequest, name: &str) -> Result<T, Violation> {
    required_param(request, In::Header, name)
}

fn param<T: DeserializeOwned>(request: &MockRequest, location: In, name: &str) -> Result<Option<T>, Violation> {
    match raw(request, location, name) {
        Some(text) => parse(text, location, name).map(Some),
        None => Ok(None),
    }
}

fn required_param<T: DeserializeOwned>(request: &MockRequest, location: In, name: &str) -> Result<T, Violation> {
    param(request, location, name)?.ok_or_else(|| Violation::required(format!("{}.{name}", location.prefix())))
}

/// An array parameter: in the query, each value of a repeated parameter when `explode`
/// (`?tag=a&tag=b`), else the comma-separated items of one value (`?tag=a,b`, also for paths
/// and headers); `None` when it is not sent.
pub fn list<T: DeserializeOwned>(
    request: &MockRequest,
    location: In,
    name: &str,
    explode: bool,
) -> Result<Option<Vec<T>>, Violation> {
    let Some(first) = raw(request, location, name) else { return Ok(None) };
    let texts: Vec<&str> = if explode && location == In::Query {
        request.query_all(name).collect()
    } else if first.is_empty() {
        Vec::new()
    } else {
        first.split(',').collect()
    };
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| parse(text, location, &format!("{name}[{i}]")))
        .collect::<Result<Vec<T>, Violation>>()
        .map(Some)
}

/// Like [`list`], for a parameter the spec requires.
pub fn required_list<T: DeserializeOwned>(
    request: &MockRequest,
    location: In,
    name: &str,
    explode: bool,
) -> Result<Vec<T>, Violation> {
    list(request, location, name, explode)?.ok_or_else(|| Violation::required(format!("{}.{name}", location.prefix())))
}

/// `value`, or the violation of a missing required `field` (`body`).
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, Violation> {
    value.ok_or_else(|| Violation::required(field))
}

/// The body as text (`None` when there is none); a body that is not UTF-8 breaks the spec.
pub fn text_body(request: &MockRequest) -> Result<Option<String>, Violation> {
    if request.body().is_empty() {
        return Ok(None);
    }
    String::from_utf8(request.body().to_vec())
        .map(Some)
        .map_err(|_| Violation::bad_request("UTF-8 text").with_field("body"))
}

/// The body's bytes, as sent (`None` when there is none): form, multipart and binary bodies,
/// which the mock keeps raw.
pub fn bytes_body(request: &MockRequest) -> Option<Bytes> {
    (!request.body().is_empty()).then(|| request.body().clone())
}

fn raw<'r>(request: &'r MockRequest, location: In, name: &str) -> Option<&'r str> {
    match location {
        In::Path => request.path_param(name),
        In::Query => request.query(name),
        In::Header => request.header(name),
    }
}

/// `text` as a `T`: as a JSON string first, then as JSON text.
fn parse<T: DeserializeOwned>(text: &str, location: In, name: &str) -> Result<T, Violation> {
    let as_string = serde_json::from_value::<T>(serde_json::Value::String(text.to_owned()));
    as_string.or_else(|first| {
        serde_json::from_str::<T>(text).map_err(|_| {
            // The string reading's error says what was expected (`expected i64`).
            let message = first.to_string();
            Violation::bad_request(format!("the schema: {message}")).with_field(format!("{}.{name}", location.prefix()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn request() -> MockRequest {
        MockRequest::new(Method::GET, "/x")
            .with_path_param("id", "a/b")
            .with_query("limit", "10")
            .with_query("flag", "true")
            .with_query("tag", "a")
            .with_query("tag", "b")
            .with_query("ids", "1,2")
            .with_query("bad", "ten")
            .with_header("X-Count", "3")
    }

    #[test]
    fn parameters_are_read_into_their_types() {
        let r = request();
        assert_eq!(path::<String>(&r, "id").unwrap(), "a/b");
        assert_eq!(query::<i64>(&r, "limit").unwrap(), Some(10));
        assert_eq!(query::<String>(&r, "limit").unwrap().as_deref(), Some("10"));
        assert_eq!(query::<bool>(&r, "flag").unwrap(), Some(true));
        assert_eq!(header::<u8>(&r, "x-count").unwrap(), Some(3));
        assert_eq!(query::<i64>(&r, "absent").unwrap(), None);
        let object: serde_json::Value = required_query(&r, "flag").unwrap();
        assert_eq!(object, "true", "free-form JSON keeps the text");
        assert_eq!(list::<String>(&r, In::Query, "tag", true).unwrap().unwrap(), ["a", "b"]);
        assert_eq!(list::<u32>(&r, In::Query, "ids", false).unwrap().unwrap(), [1, 2]);
        assert_eq!(list::<u32>(&r, In::Query, "none", true).unwrap(), None);
    }

    #[test]
    fn unreadable_or_missing_parameters_name_the_field() {
        let r = request();
        let e = query::<i64>(&r, "bad").unwrap_err();
        assert_eq!(e.field(), Some("query.bad"));
        assert!(e.rule().contains("i64"), "{e}");
        let e = required_header::<i64>(&r, "x-missing").unwrap_err();
        assert_eq!((e.field(), e.rule()), (Some("header.x-missing"), "required"));
        assert_eq!(required_list::<u32>(&r, In::Header, "x-ids", false).unwrap_err().field(), Some("header.x-ids"));
        let e = list::<u32>(&r, In::Query, "tag", true).unwrap_err();
        assert_eq!(e.field(), Some("query.tag[0]"));
        assert_eq!(required::<u8>(None, "body").unwrap_err().to_string(), "`body` violates required");
    }

    #[test]
    fn bodies_as_text_and_bytes() {
        let r = MockRequest::new(Method::POST, "/x").with_body(vec![0xff, 0xfe]);
        assert_eq!(text_body(&r).unwrap_err().field(), Some("body"));
        assert_eq!(bytes_body(&r).unwrap().as_ref(), [0xff, 0xfe]);
        assert!(bytes_body(&MockRequest::new(Method::POST, "/x")).is_none());
        assert_eq!(text_body(&MockRequest::new(Method::POST, "/x").with_body("hi")).unwrap().as_deref(), Some("hi"));
    }
}
