//! Secret values in request bodies (`format: password`, set by the Pipecat overlay) never
//! appear in `Debug` output or in logs, not even TRACE-level body logs.

use voice_agents::pipecat_cloud::{self as pc, Client};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr3t-db-password";

fn secrets_body() -> pc::UpsertSecretSetRequest {
    pc::RegularSecretsRequest::new(vec![pc::RegularSecretsRequestSecretsItem::new("DATABASE_URL", SECRET)]).into()
}

#[test]
fn debug_of_secret_bodies_redacts_the_values() {
    let regular = format!("{:?}", secrets_body());
    assert!(!regular.contains(SECRET), "{regular}");
    assert!(regular.contains("DATABASE_URL") && regular.contains("[REDACTED]"), "{regular}");
    let pull = format!("{:?}", pc::ImagePullSecretRequest::new("https://index.docker.io/v1/", SECRET));
    assert!(!pull.contains(SECRET), "{pull}");
}

#[tokio::test]
async fn trace_logs_of_a_secret_upsert_leave_the_body_out() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/secrets/my-secrets"))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(serde_json::json!({"status": "OK", "region": "us-west"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client =
        Client::builder().private_key_auth("pk_test").base_url(format!("{}/v1", server.uri())).build().expect("client");
    let (captured, _guard) = voice_agents_tests::logs::capture_logs();
    client.upsert_secret_set("my-secrets", secrets_body()).await.expect("accepted");
    let logs = captured.contents();
    assert!(logs.contains("request body"), "the body event is still there, redacted:\n{logs}");
    assert!(!logs.contains(SECRET), "a secret value reached the logs:\n{logs}");
}
