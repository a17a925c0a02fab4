//! Fields the spec does not know: extra request-body members (`Call::extra_body`) reach the
//! server, and undeclared response members stay readable (`Response::raw_json`).

use serde_json::json;
use voice_agents::pipecat_cloud as pc;
use voice_agents::runtime::ErrorKind;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::runtime_common::{builder, create_thing, get_thing, thing_json};

fn pipecat(server: &MockServer) -> pc::Client {
    pc::Client::builder()
        .private_key_auth("pk_private")
        .base_url(format!("{}/v1", server.uri()))
        .max_retries(0)
        .build()
        .expect("client")
}

#[tokio::test]
async fn extra_body_members_reach_the_server_next_to_the_declared_ones() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/agents"))
        .and(body_json(json!({
            "serviceName": "my-agent",
            "image": "me/my-agent:0.1",
            "enableManagedKeys": true,
            "resources": {"cpu": 1}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "my-agent"})))
        .expect(1)
        .mount(&server)
        .await;
    let resp = pipecat(&server)
        .create_service(pc::CreateServiceRequest::new("my-agent").image("me/my-agent:0.1"))
        .extra_body("enableManagedKeys", true)
        .extra_body("resources", json!({"cpu": 1}))
        .send_with_response()
        .await
        .expect("created");
    assert_eq!(resp.data.name.as_deref(), Some("my-agent"));
}

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
    client.0.call(create_thing("declared")).extra_body("name", "overridden").send().await.expect("sent");
}

#[tokio::test]
async fn undeclared_response_members_are_readable_raw() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/agents/my-agent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "my-agent",
            "ready": true,
            "betaFeature": {"enabled": true, "secretThing": "sk-live-ZZZ"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let resp = pipecat(&server).get_service("my-agent").send_with_response().await.expect("fetched");
    assert_eq!(resp.data.ready, Some(true));
    let raw = resp.raw_json().expect("a JSON body");
    assert_eq!(raw.pointer("/betaFeature/enabled"), Some(&json!(true)));
    assert!(resp.raw_body().starts_with(b"{"));
    // The raw body is not part of `Debug` (it may hold secrets the typed data redacts).
    assert!(!format!("{resp:?}").contains("sk-live-ZZZ"));
    // Mapping keeps it.
    let mapped = resp.map(|d| d.name);
    assert!(mapped.raw_json().is_some());
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
    client.0.call(get_thing("1")).extra_body("include", "everything").send().await.expect("sent");
}

/// Extra members are not validated, but the declared fields still are: nothing is sent.
#[tokio::test]
async fn validation_still_runs_with_extra_members() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let client = builder(&server.uri()).build().expect("client");
    let err = client.0.call(create_thing("far too long a name")).extra_body("x", 1).send().await.expect_err("invalid");
    assert_eq!(err.kind(), ErrorKind::Validation);
}
