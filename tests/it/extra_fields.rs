//! Fields the spec does not know, on a real generated client: an `extra_body` member reaches
//! Pipecat's `createService` body, and undeclared response members stay readable
//! (`Response::raw_json`).

use serde_json::json;
use voice_agents::pipecat_cloud as pc;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
