//! A client generated into a crate other than the SDK names that crate, not this project: its
//! default user agent and its span names come from the crate that compiled the generated code
//! (`__api_identity!` expands there), as for a standalone crate from `cargo xtask gen`. The
//! modules of `tests/fidelity/` are such code: generated from other specs and compiled by this
//! test crate, `voice-agents-tests`.

use crate::fidelity::tables::buildomat;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What `__api_identity!` makes of this crate: `CARGO_PKG_NAME/CARGO_PKG_VERSION`.
const THIS_CRATE: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

async fn user_agents(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.expect("request recording is on");
    requests
        .iter()
        .map(|r| r.headers.get("user-agent").map_or("<none>", |v| v.to_str().unwrap_or("<not text>")).to_owned())
        .collect()
}

#[tokio::test]
async fn a_client_generated_into_another_crate_sends_that_crates_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/control/resume"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = buildomat::Client::builder().base_url(server.uri()).build().expect("client builds");
    client.control_resume().await.expect("the call succeeds");
    assert!(THIS_CRATE.starts_with("voice-agents-tests/"), "the package this test compiles in: {THIS_CRATE}");
    assert_eq!(user_agents(&server).await, [THIS_CRATE]);
}

#[tokio::test]
async fn the_sdks_own_client_sends_the_sdks_user_agent() {
    // The contrast: the same runtime, called from code compiled in the SDK crate.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/regions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(&server)
        .await;
    let client = voice_agents::pipecat_cloud::Client::builder()
        .private_key_auth("pk_test")
        .base_url(format!("{}/v1", server.uri()))
        .build()
        .expect("client builds");
    let _ = client.list_regions().await;
    let agents = user_agents(&server).await;
    assert_eq!(agents.len(), 1, "{agents:?}");
    assert!(agents[0].starts_with("voice-agents/"), "{agents:?}");
}

#[tokio::test]
async fn a_client_generated_into_another_crate_names_its_spans_after_that_crate() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/control/resume"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = buildomat::Client::builder().base_url(server.uri()).build().expect("client builds");
    let (captured, _guard) = voice_agents_tests::logs::capture_logs();
    client.control_resume().await.expect("the call succeeds");
    let logs = captured.contents();
    // Spans take `CARGO_CRATE_NAME`, the crate being compiled: here the test target `it` (the user
    // agent takes the package's name); in a crate from `cargo xtask gen`, its library's name.
    let call = concat!(env!("CARGO_CRATE_NAME"), ".call{");
    let attempt = concat!(env!("CARGO_CRATE_NAME"), ".attempt{");
    assert!(logs.contains(call), "no `{call}` span:\n{logs}");
    assert!(logs.contains(attempt), "no `{attempt}` span:\n{logs}");
    assert!(!logs.contains("voice_agents.call"), "the SDK's span name leaked into another crate's call:\n{logs}");
}
