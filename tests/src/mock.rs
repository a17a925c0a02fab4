//! Helpers for tests against a wiremock server: request bodies, "nothing was sent", and the
//! field and rule of a validation error.

use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The request's body as JSON (panics with the raw bytes when it is not JSON).
pub fn body_of(req: &Request) -> Value {
    serde_json::from_slice(&req.body).unwrap_or_else(|e| panic!("request body is JSON ({e}): {:?}", req.body))
}

/// The request sent exactly this JSON body, labelled `application/json`.
pub fn assert_json_body(req: &Request, expected: Value) {
    assert_eq!(req.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
    assert_eq!(body_of(req), expected, "exact request body");
}

/// A server that must not see any request (client-side validation stops the call).
pub async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).named("nothing is sent").mount(&server).await;
    server
}

/// The server received no request at all.
pub async fn assert_nothing_sent(server: &MockServer) {
    server.verify().await;
    assert!(server.received_requests().await.unwrap_or_default().is_empty());
}

/// `(field, rule)` of a validation error; panics on any other error.
pub fn validation_error(err: &voice_agents::runtime::Error) -> (String, String) {
    match err {
        voice_agents::runtime::Error::Validation(v) => (v.field().to_owned(), v.rule().to_owned()),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// A fixture (the vendor's JSON) as the generated type a typed mock answers with.
pub fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("the fixture decodes as {}: {e}", std::any::type_name::<T>()))
}

/// The one request a typed mock saw (its `received()`), as it arrived.
pub fn sole_request(
    mut requests: Vec<voice_agents_runtime::mock::RecordedRequest>,
) -> voice_agents_runtime::mock::RecordedRequest {
    assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
    requests.remove(0)
}
