//! `Client::wait_until_ready` (hand-written, `generated/src/pipecat_cloud/ext.rs`): polls until
//! the deployment is reconciled and ready, fails fast on a failed revision, tolerates a few
//! transient errors, and gives up at its timeout. Time is paused: the polls cost no real time.

use serde_json::{json, Value};
use std::time::Duration;
use voice_agents::ext::pipecat_cloud::{deployment_state, DeploymentState, WaitError, WaitOptions};
use voice_agents::pipecat_cloud::{Client, ServiceDetailsResponse};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn agent(reconciled: Option<&str>, ready: bool, phase: &str) -> Value {
    json!({
        "name": "voice-starter", "ready": ready, "available": ready,
        "desiredDeploymentId": "dep-2", "reconciledDeploymentId": reconciled,
        "currentRevision": {"deploymentID": "dep-2", "phase": phase,
            "health": {"ready": ready, "state": "waiting", "reason": "CrashLoopBackOff", "message": "Traceback: boom"}}
    })
}

async fn serve_in_order(server: &MockServer, bodies: Vec<(u16, Value)>) {
    let count = bodies.len();
    for (i, (status, body)) in bodies.into_iter().enumerate() {
        let mock = Mock::given(method("GET")).and(path("/v1/agents/voice-starter"));
        let mock = mock.respond_with(ResponseTemplate::new(status).set_body_json(body));
        // Every response but the last is served once, in order; the last one keeps answering.
        let mock = if i + 1 < count { mock.up_to_n_times(1).expect(1) } else { mock };
        server.register(mock).await;
    }
}

fn client(server: &MockServer) -> Client {
    // No timers but the polling sleeps: paused time jumps to the next timer whenever the test
    // waits on wiremock's thread, so per-attempt, idle-read and pool-idle timers would fire.
    let http = reqwest::Client::builder().pool_idle_timeout(None).build().expect("reqwest client");
    Client::builder()
        .http_client(http)
        .private_key_auth("pk")
        .base_url(format!("{}/v1", server.uri()))
        .max_retries(0)
        .no_timeout()
        .no_read_idle_timeout()
        .build()
        .expect("client")
}

#[tokio::test(start_paused = true)]
async fn waits_for_reconciliation_then_readiness() {
    let server = MockServer::start().await;
    serve_in_order(
        &server,
        vec![
            (200, agent(None, false, "Creating")),
            (200, agent(Some("dep-2"), false, "Validating")),
            (200, agent(Some("dep-2"), true, "Active")),
        ],
    )
    .await;
    let started = tokio::time::Instant::now();
    let ready = client(&server).wait_until_ready("voice-starter", WaitOptions::default()).await.expect("ready");
    assert_eq!(ready.ready, Some(true));
    assert_eq!(started.elapsed(), Duration::from_secs(10), "two 5 s polls before the third answer");
}

#[tokio::test(start_paused = true)]
async fn a_failed_revision_ends_the_wait_with_its_reason() {
    let server = MockServer::start().await;
    serve_in_order(&server, vec![(200, agent(Some("dep-2"), false, "Failed"))]).await;
    let err = client(&server).wait_until_ready("voice-starter", WaitOptions::default()).await.expect_err("failed");
    match err {
        WaitError::Failed { reason, .. } => assert_eq!(reason, "Traceback: boom"),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn transient_errors_are_tolerated_and_a_404_is_not() {
    let server = MockServer::start().await;
    let oops = json!({"error": "Internal server error", "code": "500"});
    serve_in_order(&server, vec![(503, oops.clone()), (500, oops), (200, agent(Some("dep-2"), true, "Active"))]).await;
    client(&server).wait_until_ready("voice-starter", WaitOptions::default()).await.expect("ready after 5xx");

    let gone = MockServer::start().await;
    serve_in_order(&gone, vec![(404, json!({"error": "Not found", "code": "NOT_FOUND"}))]).await;
    let err = client(&gone).wait_until_ready("voice-starter", WaitOptions::default()).await.expect_err("404");
    assert!(matches!(&err, WaitError::Call(e) if e.code() == Some("NOT_FOUND")), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn gives_up_at_the_timeout_with_the_last_state() {
    let server = MockServer::start().await;
    serve_in_order(&server, vec![(200, agent(Some("dep-2"), false, "Validating"))]).await;
    let options = WaitOptions::default().timeout(Duration::from_secs(30));
    let err = client(&server).wait_until_ready("voice-starter", options).await.expect_err("times out");
    match err {
        WaitError::TimedOut { state, waited, .. } => {
            assert_eq!(state, DeploymentState::Progressing);
            assert!(waited <= Duration::from_secs(30), "{waited:?}");
        }
        other => panic!("expected TimedOut, got {other:?}"),
    }
}

#[test]
fn the_spec_examples_read_as_ready_and_not_yet_reconciled() {
    let get: ServiceDetailsResponse = serde_json::from_value(agent(Some("dep-2"), true, "Active")).expect("decodes");
    assert_eq!(deployment_state(&get), DeploymentState::Ready);
    let created: ServiceDetailsResponse = serde_json::from_value(agent(None, false, "Creating")).expect("decodes");
    assert_eq!(deployment_state(&created), DeploymentState::WaitingForOperator);
}
