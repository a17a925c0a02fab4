//! Response decoding: broken bodies become the right error kind with path and excerpt, never a
//! panic; forward-compatible models accept what newer servers send; typed error bodies.

use crate::runtime_common::*;
use voice_agents_runtime::{ErrorKind, Response};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(template: ResponseTemplate) -> (MockServer, TestClient) {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(template).mount(&server).await;
    let client = builder(&server.uri()).max_retries(0).build().unwrap();
    (server, client)
}

fn json_body(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// Malformed JSON on a 200: a decode error with the path and an excerpt around the failure.
#[tokio::test]
async fn malformed_json_is_a_decode_error_with_path_and_excerpt() {
    let (_s, client) = serve(json_body(200, r#"{"id": "1", "name": oops}"#)).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let d = err.decode().unwrap();
    assert_eq!(d.path(), "$.name");
    assert!(d.excerpt().contains("oops"), "{}", d.excerpt());
    assert_eq!(d.status().as_u16(), 200);
    assert!(err.to_string().contains("`$.name`"), "{err}");
}

/// A value of the wrong type deep inside: the path points at it.
#[tokio::test]
async fn wrong_type_reports_nested_path() {
    let (_s, client) = serve(json_body(200, r#"{"id":"1","name":"n","status":"active","tags":["a",7]}"#)).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.decode().unwrap().path(), "$.tags[1]");
    assert!(err.decode().unwrap().message().contains("invalid type"), "{err}");
}

/// An HTML 502 page is an API error with the raw body kept, not a decode error.
#[tokio::test]
async fn html_error_page_is_an_api_error_with_raw_body() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let (_s, client) = serve(ResponseTemplate::new(502).set_body_raw(html, "text/html")).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.raw_body().unwrap().as_ref(), html.as_bytes());
    assert!(err.api().unwrap().typed_body().is_none());
    assert!(err.code().is_none() && err.message().is_none());
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

/// An empty body where JSON was expected: a decode error at the root with an empty excerpt.
#[tokio::test]
async fn empty_body_is_a_decode_error() {
    let (_s, client) = serve(ResponseTemplate::new(200)).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let d = err.decode().unwrap();
    assert_eq!(d.path(), "$");
    assert_eq!(d.excerpt(), "");
    assert!(err.to_string().contains("empty"), "{err}");
}

/// A JSON document cut off mid-way: a decode error naming where it ended.
#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let (_s, client) = serve(json_body(200, r#"{"id":"1","name":"n","sta"#)).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    let d = err.decode().unwrap();
    assert!(d.message().contains("EOF"), "{}", d.message());
    assert!(d.excerpt().ends_with("\"sta"), "{}", d.excerpt());
}

/// Trailing garbage after a valid document is rejected too.
#[tokio::test]
async fn trailing_garbage_is_a_decode_error() {
    let body = format!("{} trailing", thing_json("1"));
    let (_s, client) = serve(json_body(200, &body)).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

/// The excerpt of a long body is bounded (<= 200 characters plus ellipses).
#[tokio::test]
async fn excerpt_is_bounded() {
    let body = format!(r#"{{"id":"{}", "name": ]}}"#, "x".repeat(5000));
    let (_s, client) = serve(json_body(200, &body)).await;
    let err = client.get_thing("1").send().await.unwrap_err();
    let excerpt = err.decode().unwrap().excerpt();
    assert!(excerpt.chars().count() <= 202, "{}", excerpt.len());
    assert!(excerpt.contains(']'), "the excerpt is centred on the failure: {excerpt}");
}

/// Forward compatibility: an unknown enum value, unknown fields and documented nulls decode.
#[tokio::test]
async fn unknown_enum_unknown_fields_and_nulls_decode() {
    let body = r#"{"id":"1","name":"n","status":"hibernating","tags":null,"note":null,
                   "addedLater":{"nested":[1,2,3]}}"#;
    let (_s, client) = serve(json_body(200, body)).await;
    let thing = client.get_thing("1").send().await.unwrap();
    assert_eq!(thing.status, Status::Unknown("hibernating".into()));
    assert_eq!(thing.tags, None);
    assert_eq!(thing.note, None);
}

/// A typed error body: downcast, code, message, request id and headers are all available.
#[tokio::test]
async fn typed_error_body_and_request_id() {
    let template = ResponseTemplate::new(404)
        .insert_header("x-request-id", "req-123")
        .set_body_json(serde_json::json!({"code": "not_found", "message": "no such thing"}));
    let (_s, client) = serve(template).await;
    let err = client.get_thing("9").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.request_id(), Some("req-123"));
    assert_eq!(err.code(), Some("not_found"));
    assert_eq!(err.message(), Some("no such thing"));
    assert_eq!(err.body_as::<ApiErrorBody>().map(|b| b.code.as_str()), Some("not_found"));
    assert_eq!(err.headers().and_then(|h| h.get("x-request-id")).unwrap(), "req-123");
    let text = err.to_string();
    assert!(text.contains("404") && text.contains("req-123") && text.contains("no such thing"), "{text}");
}

/// Every status class maps to its kind.
#[tokio::test]
async fn status_kinds() {
    let cases = [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::PermissionDenied),
        (404, ErrorKind::NotFound),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::UnprocessableEntity),
        (418, ErrorKind::OtherStatus),
        (501, ErrorKind::Server),
    ];
    for (status, kind) in cases {
        let (_s, client) = serve(ResponseTemplate::new(status)).await;
        let err = client.get_thing("1").send().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
    }
}

/// `send_with_response` returns status, headers and request id with the payload; `.await` on
/// the call works like `send()`.
#[tokio::test]
async fn send_with_response_and_into_future() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/things/1"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-request-id", "abc")
                .insert_header("x-ratelimit-remaining", "7")
                .set_body_json(thing_json("1")),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let resp: Response<Thing> = client.get_thing("1").send_with_response().await.unwrap();
    assert_eq!(resp.status.as_u16(), 201);
    assert_eq!(resp.request_id.as_deref(), Some("abc"));
    assert_eq!(resp.headers.get("x-ratelimit-remaining").unwrap(), "7");
    assert_eq!(resp.data.id, "1");

    let thing = client.get_thing("1").await.unwrap();
    assert_eq!(thing.name, "n");
}
