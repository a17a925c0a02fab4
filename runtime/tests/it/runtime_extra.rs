//! Fields the spec does not know: extra request-body members (`Call::extra_body`) reach the
//! server (the Pipecat cases are in the SDK's tests,
//! `tests/it/extra_fields.rs`).

use serde_json::json;
use voice_agents_runtime::ErrorKind;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::runtime_common::{builder, thing_json};

#[tokio::test]
async fn extra_body_replaces_a_declared_member() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/things"))
        .and(body_json(json!({"name": "overridden"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(thing_json("1")))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().expect("client");
    client.create_thing("declared").extra_body("name", "overridden").send().await.expect("sent");
}

/// An operation without a request body gets the extra members as its JSON body: the caller
/// asked for them to be sent.
#[tokio::test]
async fn extra_body_on_an_operation_without_a_body_becomes_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/things/1"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"include": "everything"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(thing_json("1")))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().expect("client");
    client.get_thing("1").extra_body("include", "everything").send().await.expect("sent");
}

/// Extra members are not validated, but the declared fields still are: nothing is sent.
#[tokio::test]
async fn validation_still_runs_with_extra_members() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let client = builder(&server.uri()).build().expect("client");
    let err = client.create_thing("far too long a name").extra_body("x", 1).send().await.expect_err("invalid");
    assert_eq!(err.kind(), ErrorKind::Validation);
}
