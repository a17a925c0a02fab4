//! Per-operation tests of the generated Pipecat Cloud client against a local mock server.
//!
//! Every one of the spec's 31 operations has at least one test that pins, with wiremock matchers
//! and `.expect(1)`: the HTTP method, the full path (with its `/v1` or `/v1/public` prefix), the
//! `Authorization: Bearer <key>` of the operation's security scheme, the exact query string and
//! the exact JSON body; the mock serves the spec's own example response where there is one, and
//! the test checks that it decodes into the right typed fields.
//!
//! Further groups: client-side validation (nothing is sent), path encoding, typed error bodies
//! (one per operation family), retries, and forward compatibility of the open enums.

use serde_json::{json, Map, Value};
use voice_agents::pipecat_cloud::{self as pc, Client};
use voice_agents::runtime::{Error, ErrorKind};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Setup helpers
// ---------------------------------------------------------------------------------------------

/// Credential of `PrivateKeyAuth` (agents, sessions, secrets, properties, regions).
const PRIVATE_KEY: &str = "pk_private";
/// Credential of `BearerAuth` (builds).
const BUILD_TOKEN: &str = "build_token";
/// Credential of `PublicKeyAuth` (start + session proxy).
const PUBLIC_KEY: &str = "pk_public";

/// The session id used in the spec's `SessionId` parameter example.
const SESSION_ID: &str = "57af5437-97a2-4646-9873-a5c5935bd705";
/// The `Build.id` example of the spec.
const BUILD_ID: &str = "123e4567-e89b-12d3-a456-426614174000";
/// The `uploadId` example of the spec.
const UPLOAD_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

/// A `uuid::Uuid` parsed from text. The SDK's setters take `impl Into<uuid::Uuid>` but the crate
/// does not re-export `uuid` (and this test crate does not depend on it), so the type is reached
/// through a generated `Option<uuid::Uuid>` field.
macro_rules! uuid {
    ($text:expr) => {{
        let mut holder = pc::StopResponse::default();
        holder.session_id = Some($text.parse().expect("a valid UUID"));
        holder.session_id.unwrap()
    }};
}

/// A builder with all three credentials and the mock server as `{base}/v1`.
fn builder(server: &MockServer) -> pc::ClientBuilder {
    Client::builder()
        .private_key_auth(PRIVATE_KEY)
        .public_key_auth(PUBLIC_KEY)
        .bearer_auth(BUILD_TOKEN)
        .base_url(format!("{}/v1", server.uri()))
}

/// A client with the default settings (retries included).
fn client(server: &MockServer) -> Client {
    builder(server).build().expect("the client builds")
}

/// A client that never retries, for error tests: each error response is seen exactly once.
fn no_retry_client(server: &MockServer) -> Client {
    builder(server).max_retries(0).build().expect("the client builds")
}

/// Matches when the query string holds exactly `expected` (any order, nothing more).
fn query_is(expected: &[(&str, &str)]) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let mut want: Vec<(String, String)> = expected.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    want.sort();
    move |req: &Request| {
        let mut got: Vec<(String, String)> =
            req.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        got.sort();
        got == want
    }
}

/// Matches a request without a body.
fn no_body(req: &Request) -> bool {
    req.body.is_empty()
}

/// A mock of one operation: method, full path, `Authorization: Bearer <key>` and exact query.
fn op(verb: &str, full_path: &str, key: &str, query: &[(&str, &str)]) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(full_path))
        .and(header("authorization", format!("Bearer {key}").as_str()))
        .and(query_is(query))
}

/// `op` plus an exact JSON body sent as `application/json`.
fn op_with_json(verb: &str, full_path: &str, key: &str, body: Value) -> MockBuilder {
    op(verb, full_path, key, &[]).and(header("content-type", "application/json")).and(body_json(body))
}

/// A JSON response with `status`.
fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A JSON object literal as the `serde_json::Map` the free-form fields take.
fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// An RFC 3339 timestamp.
fn ts(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().expect("an RFC 3339 timestamp")
}

/// Asserts a client-side validation error naming `field` and `rule`, with nothing sent.
fn assert_validation(err: &Error, field: &str, rule: &str) {
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert_eq!(err.attempts(), 0, "nothing may be sent");
    match err {
        Error::Validation(v) => assert_eq!((v.field(), v.rule()), (field, rule)),
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(err.to_string(), format!("invalid request: `{field}` violates {rule}"));
}

/// Asserts a typed API error: status, kind, `code()`, `message()` and the downcast body.
fn assert_api_error<'e>(
    err: &'e Error,
    status: u16,
    kind: ErrorKind,
    code: &str,
    message: &str,
) -> &'e pc::ErrorResponse {
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
    assert_eq!(err.code(), Some(code));
    assert_eq!(err.message(), Some(message));
    let api = err.api().expect("an API error");
    assert_eq!((api.status().as_u16(), api.code(), api.message()), (status, Some(code), Some(message)));
    let typed = err.body_as::<pc::ErrorResponse>().expect("the body decodes as pc::ErrorResponse");
    assert_eq!((typed.code.as_str(), typed.error.as_str()), (code, message));
    typed
}

// ---------------------------------------------------------------------------------------------
// Spec examples shared by several tests
// ---------------------------------------------------------------------------------------------

/// The 200 example of `getService` (the `updateService` 200 example has the same content).
fn agent_details_example() -> Value {
    json!({
        "name": "voice-starter",
        "region": "us-west",
        "ready": true,
        "available": true,
        "createdAt": "2025-04-19T01:20:27.564Z",
        "updatedAt": "2025-04-19T01:25:47.229Z",
        "desiredDeploymentId": "19db578d-808c-420a-a047-87edde4410c1",
        "activeDeploymentId": "19db578d-808c-420a-a047-87edde4410c1",
        "reconciledDeploymentId": "19db578d-808c-420a-a047-87edde4410c1",
        "activeDeploymentReady": true,
        "autoScaling": { "maxReplicas": 10, "minReplicas": 1 },
        "activeSessionCount": 0,
        "agentProfile": "agent-1x",
        "deployment": {
            "id": "19db578d-808c-420a-a047-87edde4410c1",
            "manifest": {
                "apiVersion": "pipecatcloud.daily.co/v1",
                "kind": "PCService",
                "metadata": { "name": "voice-starter", "namespace": "tiny-ferret-maroon-123" },
                "spec": {
                    "dailyNodeType": "arm",
                    "image": "your-dockername/voice-starter:0.1",
                    "autoScaling": { "minReplicas": 1, "maxReplicas": 10 },
                    "imagePullSecretName": "dockerhub-credentials",
                    "envFromSecretNames": ["voice-starter-secrets"],
                    "resources": { "cpu": "500m", "memory": "1Gi" },
                    "krispModels": { "enabled": false },
                    "krispViva": { "audioFilters": true },
                    "maxSessionDurationSeconds": 3600
                }
            },
            "serviceId": "b59a68ee-61c8-4d99-9ceb-e99a3953bdac",
            "createdAt": "2025-04-19T01:25:47.225Z",
            "updatedAt": "2025-04-19T01:25:47.225Z"
        },
        "krispViva": { "audioFilter": "tel" },
        "currentRevision": {
            "deploymentID": "19db578d-808c-420a-a047-87edde4410c1",
            "phase": "Active",
            "readyReplicas": 1,
            "phaseStartedAt": "2025-04-19T01:26:00.000Z",
            "health": { "ready": true, "state": "running", "restartCount": 0, "replicasStarted": 1 }
        },
        "previousRevision": null
    })
}

/// A `Build` assembled from the property examples of the spec's `Build` schema.
fn build_example(status: &str) -> Value {
    json!({
        "id": BUILD_ID,
        "organizationId": "org_abc123",
        "status": status,
        "region": "us-west",
        "contextHash": "a1b2c3d4e5f6a7b8",
        "dockerfilePath": "Dockerfile",
        "imageUri": "123456789.dkr.ecr.us-west-2.amazonaws.com/pipecat-cloud/org_abc123:a1b2c3d4e5f6a7b8",
        "logsUrl": "https://console.aws.amazon.com/codebuild/...",
        "contextSizeBytes": 10485760,
        "imageSizeBytes": 524288000,
        "buildDurationSeconds": 120,
        "startedAt": "2026-02-20T12:00:00.000Z",
        "completedAt": "2026-02-20T12:02:00.000Z",
        "createdAt": "2026-02-20T12:00:00.000Z",
        "updatedAt": "2026-02-20T12:02:00.000Z"
    })
}

/// The public-API path of the session proxy for `my-agent` and [`SESSION_ID`].
fn proxy_path(route: &str) -> String {
    format!("/v1/public/my-agent/sessions/{SESSION_ID}/{route}")
}

// ---------------------------------------------------------------------------------------------
// Agents (PrivateKeyAuth, /v1/agents...)
// ---------------------------------------------------------------------------------------------

/// createService: POST /v1/agents with the spec's request example; decodes the 200 example.
#[tokio::test]
async fn create_service_posts_body_with_private_key_and_decodes_agent() {
    let server = MockServer::start().await;
    op_with_json(
        "POST",
        "/v1/agents",
        PRIVATE_KEY,
        json!({
            "serviceName": "voice-starter",
            "image": "your-dockername/voice-starter:0.1",
            "region": "us-west",
            "architecture": "arm64",
            "imagePullSecretSet": "dockerhub-credentials",
            "secretSet": "voice-starter-secrets",
            "autoScaling": { "minAgents": 1, "maxAgents": 20 },
            "krispViva": { "audioFilter": "tel" },
            "agentProfile": "agent-1x",
            "maxSessionDuration": 3600
        }),
    )
    .respond_with(reply(
        200,
        json!({
            "name": "voice-starter",
            "region": "us-west",
            "ready": false,
            "available": false,
            "createdAt": "2025-04-19T01:20:27.564Z",
            "updatedAt": "2025-04-19T01:20:27.572Z",
            "desiredDeploymentId": "13c0be89-5ae8-4b0b-ad22-79565e11de3b",
            "activeDeploymentId": "13c0be89-5ae8-4b0b-ad22-79565e11de3b",
            "reconciledDeploymentId": null,
            "activeDeploymentReady": false,
            "autoScaling": { "maxReplicas": 20, "minReplicas": 1 },
            "activeSessionCount": 0,
            "deployment": {
                "id": "13c0be89-5ae8-4b0b-ad22-79565e11de3b",
                "manifest": {
                    "apiVersion": "pipecatcloud.daily.co/v1",
                    "kind": "PCService",
                    "metadata": { "name": "voice-starter", "namespace": "tiny-ferret-maroon-123" },
                    "spec": {
                        "dailyNodeType": "arm",
                        "image": "your-dockername/voice-starter:0.1",
                        "autoScaling": { "minReplicas": 1, "maxReplicas": 20 },
                        "imagePullSecretName": "dockerhub-credentials",
                        "envFromSecretNames": ["voice-starter-secrets"],
                        "resources": { "cpu": "500m", "memory": "1Gi" },
                        "krispModels": { "enabled": false },
                        "krispViva": { "audioFilters": true },
                        "maxSessionDurationSeconds": 3600
                    }
                },
                "serviceId": "b59a68ee-61c8-4d99-9ceb-e99a3953bdac",
                "createdAt": "2025-04-19T01:20:27.569Z",
                "updatedAt": "2025-04-19T01:20:27.569Z"
            },
            "agentProfile": "agent-1x",
            "krispViva": { "audioFilter": "tel" }
        }),
    ))
    .expect(1)
    .mount(&server)
    .await;

    let body = pc::CreateServiceRequest::new("voice-starter")
        .image("your-dockername/voice-starter:0.1")
        .region("us-west")
        .architecture(pc::CreateServiceRequestArchitecture::Arm64)
        .image_pull_secret_set("dockerhub-credentials")
        .secret_set("voice-starter-secrets")
        .auto_scaling(pc::CreateServiceRequestAutoScaling::new().min_agents(1).max_agents(20))
        .krisp_viva(
            pc::CreateServiceRequestKrispViva::new().audio_filter(pc::CreateServiceRequestKrispVivaAudioFilter::Tel),
        )
        .agent_profile(pc::CreateServiceRequestAgentProfile::Agent1x)
        .max_session_duration(3600);
    let agent = client(&server).create_service(body).await.expect("createService succeeds");

    assert_eq!(agent.name.as_deref(), Some("voice-starter"));
    assert_eq!((agent.ready, agent.available), (Some(false), Some(false)));
    assert_eq!(agent.reconciled_deployment_id, None, "null in the example (overlay: nullable)");
    assert_eq!(agent.created_at, Some(ts("2025-04-19T01:20:27.564Z")));
    assert_eq!(
        agent.krisp_viva.and_then(|k| k.audio_filter),
        Some(pc::ServiceDetailsResponseKrispVivaAudioFilter::Tel)
    );
    let spec = agent.deployment.and_then(|d| d.manifest).and_then(|m| m.spec).expect("manifest spec");
    assert_eq!(spec.krisp_models.and_then(|k| k.enabled), Some(false));
    assert_eq!(spec.env_from_secret_names, Some(vec!["voice-starter-secrets".to_string()]));
    assert_eq!(spec.max_session_duration_seconds, Some(3600));
}

/// listServices: GET /v1/agents with both query parameters; decodes the 200 example.
#[tokio::test]
async fn list_services_sends_filters_and_decodes_service_list() {
    let server = MockServer::start().await;
    op("GET", "/v1/agents", PRIVATE_KEY, &[("includeActiveDeployment", "true"), ("region", "us-west")])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "services": [
                    {
                        "id": "c359e1ea-64d6-4bcf-a7c6-28d3bd1c8909",
                        "name": "voice-starter",
                        "region": "us-west",
                        "desiredDeploymentId": "4cab03c7-8f53-418d-9c3c-91a1265d179e",
                        "activeDeploymentId": "4cab03c7-8f53-418d-9c3c-91a1265d179e",
                        "reconciledDeploymentId": "4cab03c7-8f53-418d-9c3c-91a1265d179e",
                        "organizationId": "7c489df3-7d1d-482f-b1ed-51300f630645",
                        "createdAt": "2025-04-09T15:01:17.414Z",
                        "updatedAt": "2025-04-18T20:29:19.181Z",
                        "deletedAt": null
                    },
                    {
                        "id": "4e0d1f30-77a8-4283-a054-14a63b06720f",
                        "name": "voice-starter-krisp",
                        "region": "us-west",
                        "desiredDeploymentId": "62e89096-23c6-4265-984b-f419696c58da",
                        "activeDeploymentId": "62e89096-23c6-4265-984b-f419696c58da",
                        "reconciledDeploymentId": "62e89096-23c6-4265-984b-f419696c58da",
                        "organizationId": "7c489df3-7d1d-482f-b1ed-51300f630645",
                        "createdAt": "2025-04-09T15:59:50.465Z",
                        "updatedAt": "2025-04-11T16:54:54.246Z",
                        "deletedAt": null
                    }
                ]
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let list = client(&server)
        .list_services()
        .include_active_deployment(true)
        .region("us-west")
        .await
        .expect("listServices succeeds");

    let services = list.services.expect("services");
    assert_eq!(services.len(), 2);
    assert_eq!(services[1].name.as_deref(), Some("voice-starter-krisp"));
    assert_eq!(services[0].organization_id.as_deref(), Some("7c489df3-7d1d-482f-b1ed-51300f630645"));
    assert_eq!(services[0].updated_at, Some(ts("2025-04-18T20:29:19.181Z")));
    assert_eq!(services[0].deleted_at, None);
}

/// deleteService: DELETE /v1/agents/{agentName}; decodes `{"status":"OK"}`.
#[tokio::test]
async fn delete_service_sends_delete_with_private_key_and_decodes_ok_status() {
    let server = MockServer::start().await;
    op("DELETE", "/v1/agents/voice-starter", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "status": "OK" })))
        .expect(1)
        .mount(&server)
        .await;

    let deleted = client(&server).delete_service("voice-starter").await.expect("deleteService succeeds");
    assert_eq!(deleted.status, Some(pc::DeleteServiceResponseStatus::Ok));
}

/// updateService: POST (not PUT/PATCH) /v1/agents/{agentName} with the spec's request example.
#[tokio::test]
async fn update_service_posts_body_to_agent_path_and_decodes_revisions() {
    let server = MockServer::start().await;
    op_with_json(
        "POST",
        "/v1/agents/voice-starter",
        PRIVATE_KEY,
        json!({
            "image": "your-dockername/voice-starter:0.1",
            "architecture": "arm64",
            "imagePullSecretSet": "dockerhub-credentials",
            "secretSet": "voice-starter-secrets",
            "autoScaling": { "minAgents": 1, "maxAgents": 10 },
            "krispViva": { "audioFilter": "tel" },
            "agentProfile": "agent-1x",
            "maxSessionDuration": 3600
        }),
    )
    .respond_with(reply(200, agent_details_example()))
    .expect(1)
    .mount(&server)
    .await;

    let body = pc::UpdateServiceRequest::new()
        .image("your-dockername/voice-starter:0.1")
        .architecture(pc::UpdateServiceRequestArchitecture::Arm64)
        .image_pull_secret_set("dockerhub-credentials")
        .secret_set("voice-starter-secrets")
        .auto_scaling(pc::UpdateServiceRequestAutoScaling::new().min_agents(1).max_agents(10))
        .krisp_viva(
            pc::UpdateServiceRequestKrispViva::new().audio_filter(pc::UpdateServiceRequestKrispVivaAudioFilter::Tel),
        )
        .agent_profile(pc::UpdateServiceRequestAgentProfile::Agent1x)
        .max_session_duration(3600);
    let agent = client(&server).update_service("voice-starter", body).await.expect("updateService succeeds");

    assert_eq!(agent.ready, Some(true));
    let current = agent.current_revision.expect("currentRevision");
    assert_eq!(current.phase, Some(pc::RevisionInfoPhase::Active));
    assert_eq!(current.deployment_id.as_deref(), Some("19db578d-808c-420a-a047-87edde4410c1"));
    assert_eq!(current.health.and_then(|h| h.state), Some(pc::RevisionHealthState::Running));
    assert_eq!(agent.previous_revision, None, "null in the example");
}

/// updateService: an explicit `null` audio filter (disables Krisp VIVA) and `forceRedeploy` are sent as such.
#[tokio::test]
async fn update_service_sends_explicit_null_audio_filter_and_force_redeploy() {
    let server = MockServer::start().await;
    op_with_json(
        "POST",
        "/v1/agents/voice-starter",
        PRIVATE_KEY,
        json!({ "forceRedeploy": true, "krispViva": { "audioFilter": null } }),
    )
    .respond_with(reply(200, agent_details_example()))
    .expect(1)
    .mount(&server)
    .await;

    let body = pc::UpdateServiceRequest::new()
        .force_redeploy(true)
        .krisp_viva(pc::UpdateServiceRequestKrispViva::new().null_audio_filter());
    client(&server).update_service("voice-starter", body).await.expect("updateService succeeds");
}

/// getService: GET /v1/agents/{agentName}; decodes the 200 example, nested manifest included.
#[tokio::test]
async fn get_service_gets_agent_with_private_key_and_decodes_details() {
    let server = MockServer::start().await;
    op("GET", "/v1/agents/voice-starter", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, agent_details_example()))
        .expect(1)
        .mount(&server)
        .await;

    let agent = client(&server).get_service("voice-starter").await.expect("getService succeeds");

    assert_eq!(agent.name.as_deref(), Some("voice-starter"));
    assert_eq!(agent.agent_profile.as_deref(), Some("agent-1x"));
    assert_eq!(agent.active_session_count, Some(0));
    assert_eq!(agent.auto_scaling.and_then(|a| a.max_replicas), Some(10));
    let deployment = agent.deployment.expect("deployment");
    assert_eq!(deployment.service_id.as_deref(), Some("b59a68ee-61c8-4d99-9ceb-e99a3953bdac"));
    let manifest = deployment.manifest.expect("manifest");
    assert_eq!(manifest.metadata.and_then(|m| m.namespace).as_deref(), Some("tiny-ferret-maroon-123"));
    let spec = manifest.spec.expect("spec");
    assert_eq!(spec.resources.and_then(|r| r.memory).as_deref(), Some("1Gi"));
    assert_eq!(agent.current_revision.and_then(|r| r.phase_started_at), Some(ts("2025-04-19T01:26:00.000Z")));
}

/// getService: `send_with_response` exposes status, headers and the `x-request-id`.
#[tokio::test]
async fn get_service_send_with_response_exposes_status_headers_and_request_id() {
    let server = MockServer::start().await;
    op("GET", "/v1/agents/voice-starter", PRIVATE_KEY, &[])
        .respond_with(
            reply(200, agent_details_example())
                .insert_header("x-request-id", "req-7f3a9c")
                .insert_header("x-ratelimit-remaining", "99"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).get_service("voice-starter").send_with_response().await.expect("getService succeeds");

    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.request_id.as_deref(), Some("req-7f3a9c"));
    assert_eq!(resp.headers.get("x-ratelimit-remaining").and_then(|v| v.to_str().ok()), Some("99"));
    assert_eq!(resp.data.name.as_deref(), Some("voice-starter"));
}

/// getLogs: every query parameter, the `order` enum, and explicit server defaults (`offset=0`) are sent.
#[tokio::test]
async fn get_logs_sends_all_query_params_and_decodes_log_page() {
    let server = MockServer::start().await;
    op(
        "GET",
        "/v1/agents/voice-starter/logs",
        PRIVATE_KEY,
        &[
            ("limit", "5"),
            ("offset", "0"),
            ("deploymentId", "19db578d-808c-420a-a047-87edde4410c1"),
            ("sessionId", SESSION_ID),
            ("query", "Application shutdown"),
            ("order", "asc"),
            ("startTime", "1744990000"),
            ("endTime", "1745000000"),
        ],
    )
    .and(no_body)
    .respond_with(reply(
        200,
        json!({
            "total": { "value": 79, "relation": "eq" },
            "logs": [
                { "log": "INFO:     Finished server process [1]", "timestamp": "2025-04-18T20:34:17.153744602Z" },
                { "log": "INFO:     Application shutdown complete.", "timestamp": "2025-04-18T20:34:17.153706059Z" },
                { "log": "INFO:     Waiting for application shutdown.", "timestamp": "2025-04-18T20:34:17.153611029Z" },
                {
                    "log": "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)",
                    "timestamp": "2025-04-18T20:32:42.246099974Z"
                },
                { "log": "INFO:     Application startup complete.", "timestamp": "2025-04-18T20:32:42.245760327Z" }
            ]
        }),
    ))
    .expect(1)
    .mount(&server)
    .await;

    let page = client(&server)
        .get_logs("voice-starter")
        .limit(5)
        .offset(0)
        .deployment_id("19db578d-808c-420a-a047-87edde4410c1")
        .session_id(SESSION_ID)
        .query_param("Application shutdown")
        .order(pc::GetLogsOrder::Asc)
        .start_time(1_744_990_000)
        .end_time(1_745_000_000)
        .await
        .expect("getLogs succeeds");

    let total = page.total.expect("total");
    assert_eq!((total.value, total.relation), (Some(79), Some(pc::GetLogsResponseTotalRelation::Eq)));
    let logs = page.logs.expect("logs");
    assert_eq!(logs.len(), 5);
    assert_eq!(logs[0].log.as_deref(), Some("INFO:     Finished server process [1]"));
    assert_eq!(logs[0].timestamp, Some(ts("2025-04-18T20:34:17.153744602Z")), "nanosecond precision");
    assert_eq!(logs[0].deployment_id, None);
}

/// getSession: GET /v1/agents/{agentName}/sessions/{sessionId}; decodes metrics and meeting ids.
#[tokio::test]
async fn get_session_gets_session_by_uuid_and_decodes_resource_metrics() {
    let server = MockServer::start().await;
    op("GET", &format!("/v1/agents/voice-starter/sessions/{SESSION_ID}"), PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "sessionId": "800d444a-e67e-4686-afb3-b0de509cccb3",
                "serviceId": "b900ae4a-f710-4ef1-95d8-c5f5b2789da9",
                "organizationId": "cc71b52d-4271-46c9-87be-cac600fd821a",
                "deploymentId": "81f4da55-106d-401f-b069-a1f1992f871a",
                "endedAt": "2025-10-22T08:39:26.000Z",
                "botStartSeconds": 2,
                "coldStart": true,
                "completionStatus": "HTTP_COMPLETED",
                "createdAt": "2025-10-22T08:39:20.000Z",
                "updatedAt": "2025-10-22T08:39:26.000Z",
                "resourceMetrics": {
                    "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                    "sessionId": "800d444a-e67e-4686-afb3-b0de509cccb3",
                    "sampleCount": 12,
                    "cpuMillicoresP50": 150,
                    "cpuMillicoresP90": 280,
                    "cpuMillicoresP95": 320,
                    "cpuMillicoresP99": 450,
                    "memoryBytesP50": 134217728,
                    "memoryBytesP90": 201326592,
                    "memoryBytesP95": 234881024,
                    "memoryBytesP99": 268435456,
                    "timeseries": [
                        { "t": 1729583960, "c": 150, "m": 134217728 },
                        { "t": 1729583965, "c": 280, "m": 201326592 }
                    ],
                    "eventTs": "2025-10-22T08:39:25.000Z",
                    "createdAt": "2025-10-22T08:39:25.000Z"
                },
                "meetingIds": [
                    {
                        "participantId": "d4e5f6a7-b8c9-0123-4567-890abcdef012",
                        "meetingId": "f1e2d3c4-b5a6-9780-1234-567890abcdef"
                    }
                ]
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let session = client(&server).get_session("voice-starter", SESSION_ID).await.expect("getSession succeeds");

    assert_eq!(session.cold_start, Some(true));
    assert_eq!(session.completion_status.as_deref(), Some("HTTP_COMPLETED"));
    assert_eq!(session.ended_at, Some(ts("2025-10-22T08:39:26.000Z")));
    let metrics = session.resource_metrics.expect("resourceMetrics");
    assert_eq!(metrics.memory_bytes_p99, Some(268_435_456));
    assert_eq!(metrics.timeseries.as_ref().map(Vec::len), Some(2));
    assert_eq!(metrics.timeseries.unwrap()[1].c, Some(280));
    let meetings = session.meeting_ids.expect("meetingIds");
    assert_eq!(meetings[0].meeting_id.as_deref(), Some("f1e2d3c4-b5a6-9780-1234-567890abcdef"));
}

/// stopSession: DELETE /v1/agents/{agentName}/sessions/{sessionId}; decodes the snake_case `session_id`.
#[tokio::test]
async fn stop_session_deletes_session_and_decodes_stop_response() {
    let server = MockServer::start().await;
    op("DELETE", &format!("/v1/agents/voice-starter/sessions/{SESSION_ID}"), PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "status": "terminated", "session_id": SESSION_ID })))
        .expect(1)
        .mount(&server)
        .await;

    let stopped = client(&server).stop_session("voice-starter", SESSION_ID).await.expect("stopSession succeeds");
    assert_eq!(stopped.status.as_deref(), Some("terminated"));
    assert_eq!(stopped.session_id.map(|id| id.to_string()).as_deref(), Some(SESSION_ID));
}

/// getSessions: filters incl. two enums and defaulted integers; decodes the 200 example.
#[tokio::test]
async fn get_sessions_sends_filters_and_enums_and_decodes_session_page() {
    let server = MockServer::start().await;
    op(
        "GET",
        "/v1/agents/voice-starter/sessions",
        PRIVATE_KEY,
        &[
            ("limit", "3"),
            ("offset", "10"),
            ("deploymentId", "81f4da55-106d-401f-b069-a1f1992f871a"),
            ("startTime", "1761000000"),
            ("endTime", "1761200000"),
            ("status", "ended"),
            ("startType", "cold"),
            ("startTimeMin", "1"),
            ("startTimeMax", "5"),
        ],
    )
    .and(no_body)
    .respond_with(reply(
        200,
        json!({
            "total_count": 330,
            "sessions": [
                {
                    "sessionId": "800d444a-e67e-4686-afb3-b0de509cccb3",
                    "serviceId": "b900ae4a-f710-4ef1-95d8-c5f5b2789da9",
                    "organizationId": "cc71b52d-4271-46c9-87be-cac600fd821a",
                    "deploymentId": "81f4da55-106d-401f-b069-a1f1992f871a",
                    "endedAt": "2025-10-22T08:39:26.000Z",
                    "botStartSeconds": 0,
                    "coldStart": false,
                    "completionStatus": "HTTP_COMPLETED",
                    "createdAt": "2025-10-22T08:39:26.000Z",
                    "updatedAt": "2025-10-22T08:39:26.000Z"
                },
                {
                    "sessionId": "803349cc-2ae0-437a-9a72-408817299e43",
                    "serviceId": "b900ae4a-f710-4ef1-95d8-c5f5b2789da9",
                    "organizationId": "cc71b52d-4271-46c9-87be-cac600fd821a",
                    "deploymentId": "81f4da55-106d-401f-b069-a1f1992f871a",
                    "endedAt": "2025-10-22T08:38:09.000Z",
                    "botStartSeconds": 2,
                    "coldStart": true,
                    "completionStatus": "HTTP_COMPLETED",
                    "createdAt": "2025-10-22T08:38:09.000Z",
                    "updatedAt": "2025-10-22T08:38:09.000Z"
                },
                {
                    "sessionId": "44003e83-b679-46ef-88ec-18e9ea9dd81d",
                    "serviceId": "b900ae4a-f710-4ef1-95d8-c5f5b2789da9",
                    "organizationId": "cc71b52d-4271-46c9-87be-cac600fd821a",
                    "deploymentId": "f76bae42-5ce8-4ae3-8a75-0349bfd7ec63",
                    "endedAt": "2025-10-21T08:17:47.000Z",
                    "botStartSeconds": 0,
                    "coldStart": false,
                    "completionStatus": "HTTP_ERROR",
                    "createdAt": "2025-10-21T08:17:22.000Z",
                    "updatedAt": "2025-10-21T08:17:38.000Z"
                }
            ]
        }),
    ))
    .expect(1)
    .mount(&server)
    .await;

    let page = client(&server)
        .get_sessions("voice-starter")
        .limit(3)
        .offset(10)
        .deployment_id("81f4da55-106d-401f-b069-a1f1992f871a")
        .start_time(1_761_000_000)
        .end_time(1_761_200_000)
        .status(pc::GetSessionsStatus::Ended)
        .start_type(pc::GetSessionsStartType::Cold)
        .start_time_min(1)
        .start_time_max(5)
        .await
        .expect("getSessions succeeds");

    assert_eq!(page.total_count, Some(330));
    let sessions = page.sessions.expect("sessions");
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[1].bot_start_seconds, Some(2));
    assert_eq!(sessions[2].completion_status.as_deref(), Some("HTTP_ERROR"));
    assert_eq!(sessions[2].ended_at, Some(ts("2025-10-21T08:17:47.000Z")));
}

// ---------------------------------------------------------------------------------------------
// Builds (BearerAuth or PrivateKeyAuth, /v1/builds...)
// ---------------------------------------------------------------------------------------------

/// The overlay adds `PrivateKeyAuth` to the build operations (the overview: every Private API
/// endpoint takes the private key): a client with only the private key sends it to every build
/// operation instead of failing with a missing credential.
#[tokio::test]
async fn builds_accept_the_private_key_alone() {
    let server = MockServer::start().await;
    let build = json!({ "build": build_example("success") });
    op("GET", &format!("/v1/builds/{BUILD_ID}"), PRIVATE_KEY, &[])
        .respond_with(reply(200, build.clone()))
        .expect(1)
        .mount(&server)
        .await;
    op("GET", "/v1/builds", PRIVATE_KEY, &[])
        .respond_with(reply(200, json!({ "builds": [], "total": 0, "limit": 20, "offset": 0 })))
        .expect(1)
        .mount(&server)
        .await;
    op("GET", &format!("/v1/builds/{BUILD_ID}/logs"), PRIVATE_KEY, &[])
        .respond_with(reply(200, json!({ "logs": [] })))
        .expect(1)
        .mount(&server)
        .await;
    op_with_json("POST", "/v1/builds/upload-url", PRIVATE_KEY, json!({ "region": "us-west" }))
        .respond_with(reply(
            200,
            json!({ "uploadId": UPLOAD_ID, "uploadUrl": "https://s3.example.com/u", "uploadFields": {},
                    "expiresAt": "2025-01-01T00:00:00Z" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    op_with_json("POST", "/v1/builds", PRIVATE_KEY, json!({ "uploadId": UPLOAD_ID, "region": "us-west" }))
        .respond_with(reply(201, build))
        .expect(1)
        .mount(&server)
        .await;

    let c = Client::builder()
        .private_key_auth(PRIVATE_KEY)
        .base_url(format!("{}/v1", server.uri()))
        .max_retries(0)
        .build()
        .expect("the client builds");
    c.get_build(BUILD_ID).await.expect("getBuild with the private key");
    c.list_builds().await.expect("listBuilds with the private key");
    c.get_build_logs(BUILD_ID).await.expect("getBuildLogs with the private key");
    c.get_build_upload_url(pc::UploadUrlRequest::new("us-west")).await.expect("getBuildUploadUrl with the private key");
    c.create_build(pc::CreateBuildRequest::new(uuid!(UPLOAD_ID), "us-west"))
        .await
        .expect("createBuild with the private key");
}

/// createBuild: a new build answers 201, which decodes; `send_with_response` shows the 201.
#[tokio::test]
async fn create_build_new_build_answers_201_with_build_token_and_decodes() {
    let server = MockServer::start().await;
    op_with_json(
        "POST",
        "/v1/builds",
        BUILD_TOKEN,
        json!({ "uploadId": UPLOAD_ID, "region": "us-west", "dockerfilePath": "docker/Dockerfile" }),
    )
    .respond_with(reply(
        201,
        json!({ "build": build_example("building"), "contextHash": "a1b2c3d4e5f6a7b8", "cached": false }),
    ))
    .expect(1)
    .mount(&server)
    .await;

    let body = pc::CreateBuildRequest::new(uuid!(UPLOAD_ID), "us-west").dockerfile_path("docker/Dockerfile");
    let resp = client(&server).create_build(body).send_with_response().await.expect("createBuild succeeds");

    assert_eq!(resp.status.as_u16(), 201);
    assert_eq!(resp.data.cached, Some(false));
    let build = resp.data.build.expect("build");
    assert_eq!(build.status, Some(pc::BuildStatus::Building));
    assert_eq!(build.id.map(|id| id.to_string()).as_deref(), Some(BUILD_ID));
}

/// createBuild: a cached build answers 200 with the same schema, which decodes too.
#[tokio::test]
async fn create_build_cached_build_answers_200_and_decodes() {
    let server = MockServer::start().await;
    op_with_json("POST", "/v1/builds", BUILD_TOKEN, json!({ "uploadId": UPLOAD_ID, "region": "us-west" }))
        .respond_with(reply(
            200,
            json!({ "build": build_example("success"), "contextHash": "a1b2c3d4e5f6a7b8", "cached": true }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let body = pc::CreateBuildRequest::new(uuid!(UPLOAD_ID), "us-west");
    let resp = client(&server).create_build(body).send_with_response().await.expect("createBuild succeeds");

    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.data.cached, Some(true));
    assert_eq!(resp.data.context_hash.as_deref(), Some("a1b2c3d4e5f6a7b8"));
    let build = resp.data.build.expect("build");
    assert_eq!(build.status, Some(pc::BuildStatus::Success));
    assert_eq!(build.image_size_bytes, Some(524_288_000));
}

/// listBuilds: all filters incl. the `status` enum and the defaulted `limit`; decodes the page.
#[tokio::test]
async fn list_builds_sends_filters_with_build_token_and_decodes_page() {
    let server = MockServer::start().await;
    op(
        "GET",
        "/v1/builds",
        BUILD_TOKEN,
        &[
            ("status", "success"),
            ("region", "us-west"),
            ("contextHash", "a1b2c3d4e5f6a7b8"),
            ("limit", "20"),
            ("offset", "40"),
        ],
    )
    .and(no_body)
    .respond_with(reply(200, json!({ "builds": [build_example("success")], "total": 42, "limit": 20, "offset": 40 })))
    .expect(1)
    .mount(&server)
    .await;

    let page = client(&server)
        .list_builds()
        .status(pc::ListBuildsStatus::Success)
        .region("us-west")
        .context_hash("a1b2c3d4e5f6a7b8")
        .limit(20)
        .offset(40)
        .await
        .expect("listBuilds succeeds");

    assert_eq!((page.total, page.limit, page.offset), (Some(42), Some(20), Some(40)));
    let builds = page.builds.expect("builds");
    assert_eq!(builds[0].dockerfile_path.as_deref(), Some("Dockerfile"));
    assert_eq!(builds[0].completed_at, Some(ts("2026-02-20T12:02:00.000Z")));
}

/// getBuild: GET /v1/builds/{buildId}; decodes a failed build with its error message.
#[tokio::test]
async fn get_build_gets_build_by_uuid_and_decodes_status() {
    let server = MockServer::start().await;
    let mut failed = build_example("failed");
    failed["errorMessage"] = json!("Docker build failed: COPY failed - file not found: requirements.txt");
    op("GET", &format!("/v1/builds/{BUILD_ID}"), BUILD_TOKEN, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "build": failed })))
        .expect(1)
        .mount(&server)
        .await;

    let got = client(&server).get_build(BUILD_ID).await.expect("getBuild succeeds");

    let build = got.build.expect("build");
    assert_eq!(build.status, Some(pc::BuildStatus::Failed));
    assert_eq!(
        build.error_message.as_deref(),
        Some("Docker build failed: COPY failed - file not found: requirements.txt")
    );
    assert_eq!(build.organization_id.as_deref(), Some("org_abc123"));
}

/// getBuildLogs: GET /v1/builds/{buildId}/logs?limit=; decodes the schema's example lines and token.
#[tokio::test]
async fn get_build_logs_sends_limit_and_decodes_lines() {
    let server = MockServer::start().await;
    op("GET", &format!("/v1/builds/{BUILD_ID}/logs"), BUILD_TOKEN, &[("limit", "100")])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "logs": [
                    "[Container] 2026/03/04 10:00:00 Entering phase: INSTALL",
                    "[Container] 2026/03/04 10:00:01 Running command pip install -r requirements.txt",
                    "[Container] 2026/03/04 10:00:05 Successfully installed pipecat-ai-0.1.0"
                ],
                "nextToken": "eyJuZXh0VG9rZW4iOiAiYWJjMTIzIn0="
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let logs = client(&server).get_build_logs(BUILD_ID).limit(100).await.expect("getBuildLogs succeeds");

    assert_eq!(logs.logs.len(), 3);
    assert_eq!(logs.logs[0], "[Container] 2026/03/04 10:00:00 Entering phase: INSTALL");
    assert_eq!(logs.next_token.as_deref(), Some("eyJuZXh0VG9rZW4iOiAiYWJjMTIzIn0="));
}

/// getBuildUploadUrl: POST /v1/builds/upload-url; decodes the pre-signed URL and its form fields.
#[tokio::test]
async fn get_build_upload_url_posts_region_and_decodes_presigned_fields() {
    let server = MockServer::start().await;
    op_with_json("POST", "/v1/builds/upload-url", BUILD_TOKEN, json!({ "region": "us-west" }))
        .respond_with(reply(
            200,
            json!({
                "uploadId": UPLOAD_ID,
                "uploadUrl": "https://daily-co-pcc-build-context.s3.amazonaws.com",
                "uploadFields": {
                    "key": "org-123/550e8400-e29b-41d4-a716-446655440000.tar.gz",
                    "bucket": "daily-co-pcc-build-context-qa-us-west-2",
                    "Content-Type": "application/gzip",
                    "Policy": "eyJleHBpcmF0aW9uIjoi...",
                    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                    "X-Amz-Credential": "ASIA.../us-west-2/s3/aws4_request",
                    "X-Amz-Date": "20260220T120000Z",
                    "X-Amz-Security-Token": "FwoGZXIvYXdzE...",
                    "X-Amz-Signature": "abc123..."
                },
                "expiresAt": "2026-02-20T12:15:00.000Z"
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let upload = client(&server)
        .get_build_upload_url(pc::UploadUrlRequest::new("us-west"))
        .await
        .expect("getBuildUploadUrl succeeds");

    assert_eq!(upload.upload_id.map(|id| id.to_string()).as_deref(), Some(UPLOAD_ID));
    assert_eq!(upload.upload_url.as_deref(), Some("https://daily-co-pcc-build-context.s3.amazonaws.com"));
    let fields = upload.upload_fields.expect("uploadFields");
    assert_eq!(fields.len(), 9);
    assert_eq!(fields.get("X-Amz-Algorithm").map(String::as_str), Some("AWS4-HMAC-SHA256"));
    assert_eq!(upload.expires_at, Some(ts("2026-02-20T12:15:00.000Z")));
}

// ---------------------------------------------------------------------------------------------
// Properties (PrivateKeyAuth, /v1/properties...)
// ---------------------------------------------------------------------------------------------

/// getProperties: GET /v1/properties; decodes the 200 example.
#[tokio::test]
async fn get_properties_gets_with_private_key_and_decodes_default_region() {
    let server = MockServer::start().await;
    op("GET", "/v1/properties", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "properties": { "defaultRegion": "us-west" } })))
        .expect(1)
        .mount(&server)
        .await;

    let props = client(&server).get_properties().await.expect("getProperties succeeds");
    assert_eq!(props.properties.and_then(|p| p.default_region).as_deref(), Some("us-west"));
}

/// updateProperties: PATCH /v1/properties with the request example; decodes the property-schema map.
#[tokio::test]
async fn update_properties_patches_body_and_decodes_property_schemas() {
    let server = MockServer::start().await;
    op_with_json("PATCH", "/v1/properties", PRIVATE_KEY, json!({ "defaultRegion": "eu-central" }))
        .respond_with(reply(
            200,
            json!({
                "properties": {
                    "defaultRegion": {
                        "description": "Default region for new service deployments",
                        "type": "string",
                        "readOnly": false,
                        "currentValue": "eu-central",
                        "default": "us-west",
                        "availableValues": ["us-west", "us-east", "eu-central", "ap-south"]
                    }
                }
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let updated = client(&server)
        .update_properties(pc::UpdatePropertiesRequest::new().default_region("eu-central"))
        .await
        .expect("updateProperties succeeds");

    let props = updated.properties.expect("properties");
    let region = &props["defaultRegion"];
    assert_eq!(region.r#type, "string");
    assert_eq!(region.current_value, json!("eu-central"));
    assert_eq!(region.default, json!("us-west"));
    assert_eq!(region.read_only, Some(false));
    assert_eq!(region.available_values.as_ref().map(Vec::len), Some(4));
}

/// getPropertiesSchema: GET /v1/properties/schema; decodes the example, which omits `readOnly`.
#[tokio::test]
async fn get_properties_schema_gets_schema_and_decodes_without_read_only() {
    let server = MockServer::start().await;
    op("GET", "/v1/properties/schema", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "properties": {
                    "defaultRegion": {
                        "type": "string",
                        "description": "Default region for new service deployments",
                        "default": "us-west",
                        "currentValue": "us-west",
                        "availableValues": ["us-west", "us-east", "eu-central", "ap-south"]
                    }
                }
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let schema = client(&server).get_properties_schema().await.expect("getPropertiesSchema succeeds");

    let props = schema.properties.expect("properties");
    let region = props.get("defaultRegion").expect("defaultRegion");
    assert_eq!(region.description, "Default region for new service deployments");
    assert_eq!(region.read_only, None, "absent in the example (overlay: not required)");
    assert_eq!(region.available_values.as_ref().and_then(|v| v.last()), Some(&json!("ap-south")));
}

// ---------------------------------------------------------------------------------------------
// Regions (PrivateKeyAuth, /v1/regions)
// ---------------------------------------------------------------------------------------------

/// listRegions: GET /v1/regions; decodes the example's snake_case fields and architecture enums.
#[tokio::test]
async fn list_regions_gets_with_private_key_and_decodes_architectures() {
    let server = MockServer::start().await;
    op("GET", "/v1/regions", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "regions": [
                    {
                        "code": "us-west",
                        "display_name": "US West (Oregon)",
                        "supported_architectures": ["arm64"],
                        "default_architecture": "arm64"
                    },
                    {
                        "code": "us-east",
                        "display_name": "US East (Virginia)",
                        "supported_architectures": ["arm64"],
                        "default_architecture": "arm64"
                    },
                    {
                        "code": "eu-central",
                        "display_name": "Europe (Frankfurt)",
                        "supported_architectures": ["arm64"],
                        "default_architecture": "arm64"
                    },
                    {
                        "code": "ap-south",
                        "display_name": "Asia Pacific (Mumbai)",
                        "supported_architectures": ["arm64"],
                        "default_architecture": "arm64"
                    }
                ]
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let regions = client(&server).list_regions().await.expect("listRegions succeeds").regions.expect("regions");

    assert_eq!(regions.len(), 4);
    assert_eq!((regions[2].code.as_str(), regions[2].display_name.as_str()), ("eu-central", "Europe (Frankfurt)"));
    assert_eq!(regions[0].supported_architectures, Some(vec![pc::RegionSupportedArchitecturesItem::Arm64]));
    assert_eq!(regions[0].default_architecture, Some(pc::RegionDefaultArchitecture::Arm64));
}

// ---------------------------------------------------------------------------------------------
// Secrets (PrivateKeyAuth, /v1/secrets...)
// ---------------------------------------------------------------------------------------------

/// upsertSecretSet: PUT /v1/secrets/{setName} with the regular-secrets example; decodes the 202.
#[tokio::test]
async fn upsert_secret_set_puts_regular_secrets_and_decodes_202() {
    let server = MockServer::start().await;
    op_with_json(
        "PUT",
        "/v1/secrets/my-app-secrets",
        PRIVATE_KEY,
        json!({
            "secrets": [
                { "secretKey": "API_KEY", "secretValue": "your-api-key" },
                { "secretKey": "DATABASE_URL", "secretValue": "postgresql://user:pass@host:5432/db" }
            ],
            "region": "us-west"
        }),
    )
    .respond_with(reply(202, json!({ "status": "OK", "region": "us-west" })))
    .expect(1)
    .mount(&server)
    .await;

    let body = pc::RegularSecretsRequest::new(vec![
        pc::RegularSecretsRequestSecretsItem::new("API_KEY", "your-api-key"),
        pc::RegularSecretsRequestSecretsItem::new("DATABASE_URL", "postgresql://user:pass@host:5432/db"),
    ])
    .region("us-west");
    let resp = client(&server)
        .upsert_secret_set("my-app-secrets", body)
        .send_with_response()
        .await
        .expect("upsertSecretSet succeeds");

    assert_eq!(resp.status.as_u16(), 202);
    assert_eq!(resp.data.status, pc::UpsertSecretSetResponseStatus::Ok);
    assert_eq!(resp.data.region, "us-west");
}

/// upsertSecretSet: the image-pull variant serializes `"isImagePullSecret": true` (the spec example).
#[tokio::test]
async fn upsert_secret_set_puts_image_pull_secret_with_is_image_pull_secret_true() {
    let server = MockServer::start().await;
    op_with_json(
        "PUT",
        "/v1/secrets/dockerhub-credentials",
        PRIVATE_KEY,
        json!({
            "isImagePullSecret": true,
            "host": "https://index.docker.io/v1/",
            "secretValue": "your-docker-auth-token",
            "region": "us-west"
        }),
    )
    .respond_with(reply(202, json!({ "status": "OK", "region": "us-west" })))
    .expect(1)
    .mount(&server)
    .await;

    let body =
        pc::ImagePullSecretRequest::new("https://index.docker.io/v1/", "your-docker-auth-token").region("us-west");
    let accepted =
        client(&server).upsert_secret_set("dockerhub-credentials", body).await.expect("upsertSecretSet succeeds");
    assert_eq!(accepted.status, pc::UpsertSecretSetResponseStatus::Ok);
}

/// deleteSecretSet: DELETE /v1/secrets/{setName}; decodes `{"status":"OK"}`.
#[tokio::test]
async fn delete_secret_set_deletes_set_and_decodes_ok_status() {
    let server = MockServer::start().await;
    op("DELETE", "/v1/secrets/my-app-secrets", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "status": "OK" })))
        .expect(1)
        .mount(&server)
        .await;

    let deleted = client(&server).delete_secret_set("my-app-secrets").await.expect("deleteSecretSet succeeds");
    assert_eq!(deleted.status, Some(pc::DeleteSecretSetResponseStatus::Ok));
}

/// getSecretSet: GET /v1/secrets/{setName}; decodes the readiness status and key names.
#[tokio::test]
async fn get_secret_set_gets_set_and_decodes_keys_and_status() {
    let server = MockServer::start().await;
    op("GET", "/v1/secrets/my-app-secrets", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "region": "us-west",
                "status": "ready",
                "secrets": [{ "fieldName": "API_KEY" }, { "fieldName": "DATABASE_URL" }, { "fieldName": "JWT_SECRET" }]
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let set = client(&server).get_secret_set("my-app-secrets").await.expect("getSecretSet succeeds");

    assert_eq!(set.status, Some(pc::GetSecretSetResponseStatus::Ready));
    assert_eq!(set.region.as_deref(), Some("us-west"));
    let keys: Vec<_> = set.secrets.expect("secrets").into_iter().filter_map(|k| k.field_name).collect();
    assert_eq!(keys, ["API_KEY", "DATABASE_URL", "JWT_SECRET"]);
}

/// deleteSecretFromSet: DELETE /v1/secrets/{setName}/{secretKey}; decodes `{"status":"OK"}`.
#[tokio::test]
async fn delete_secret_from_set_deletes_key_and_decodes_ok_status() {
    let server = MockServer::start().await;
    op("DELETE", "/v1/secrets/my-app-secrets/API_KEY", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "status": "OK" })))
        .expect(1)
        .mount(&server)
        .await;

    let deleted = client(&server)
        .delete_secret_from_set("my-app-secrets", "API_KEY")
        .await
        .expect("deleteSecretFromSet succeeds");
    assert_eq!(deleted.status, Some(pc::DeleteSecretFromSetResponseStatus::Ok));
}

/// listSecretSets: GET /v1/secrets; decodes both set types and statuses of the example.
#[tokio::test]
async fn list_secret_sets_gets_sets_and_decodes_types() {
    let server = MockServer::start().await;
    op("GET", "/v1/secrets", PRIVATE_KEY, &[])
        .and(no_body)
        .respond_with(reply(
            200,
            json!({
                "sets": [
                    { "name": "my-app-secrets", "type": "secret", "region": "us-west", "status": "ready" },
                    { "name": "dockerhub-credentials", "type": "imagePullSecret", "region": "us-west", "status": "pending" }
                ]
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let sets = client(&server).list_secret_sets().await.expect("listSecretSets succeeds").sets.expect("sets");

    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].r#type, Some(pc::SecretSetSummaryType::Secret));
    assert_eq!(sets[1].name.as_deref(), Some("dockerhub-credentials"));
    assert_eq!(sets[1].r#type, Some(pc::SecretSetSummaryType::ImagePullSecret));
    assert_eq!(sets[1].status, Some(pc::SecretSetSummaryStatus::Pending));
}

// ---------------------------------------------------------------------------------------------
// Start (PublicKeyAuth, /v1/public/{agentName}/start)
// ---------------------------------------------------------------------------------------------

/// startService: POST /v1/public/{agentName}/start with the public key and the StartRequest example.
#[tokio::test]
async fn start_service_posts_to_public_server_with_public_key_and_decodes_session() {
    let server = MockServer::start().await;
    op_with_json(
        "POST",
        "/v1/public/my-agent/start",
        PUBLIC_KEY,
        json!({
            "createDailyRoom": true,
            "dailyRoomProperties": { "enable_recording": "cloud" },
            "dailyMeetingTokenProperties": { "is_owner": true, "start_cloud_recording": true },
            "enableDefaultIceServers": true,
            "transport": "webrtc",
            "body": { "foo": "bar" }
        }),
    )
    .respond_with(reply(
        200,
        json!({
            "dailyRoom": "https://cloud-354b1860310a444ba0f528b6a2f467c4.daily.co/qZbK9nyXCDCmQ0zDDZta",
            "dailyToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
            "sessionId": "639f91d8-d511-4677-a83b-bd7564d5d92f",
            "iceConfig": {
                "iceServers": [
                    {
                        "urls": [
                            "stun:stun.cloudflare.com:3478",
                            "turn:turn.cloudflare.com:3478?transport=udp",
                            "turn:turn.cloudflare.com:3478?transport=tcp",
                            "turns:turn.cloudflare.com:5349?transport=tcp"
                        ],
                        "username": "g061f2543c0c7aab7d4b087ad407709...",
                        "credential": "e6330e0a539d4cfe9cf9f01b9eb2f..."
                    }
                ]
            }
        }),
    ))
    .expect(1)
    .mount(&server)
    .await;

    let body = pc::StartRequest::new()
        .create_daily_room(true)
        .daily_room_properties(object(json!({ "enable_recording": "cloud" })))
        .daily_meeting_token_properties(object(json!({ "is_owner": true, "start_cloud_recording": true })))
        .enable_default_ice_servers(true)
        .transport(pc::StartRequestTransport::Webrtc)
        .body(object(json!({ "foo": "bar" })));
    let started = client(&server).start_service("my-agent", body).await.expect("startService succeeds");

    assert_eq!(started.session_id.as_deref(), Some("639f91d8-d511-4677-a83b-bd7564d5d92f"));
    assert_eq!(
        started.daily_room.as_deref(),
        Some("https://cloud-354b1860310a444ba0f528b6a2f467c4.daily.co/qZbK9nyXCDCmQ0zDDZta")
    );
    let ice = started.ice_config.and_then(|c| c.ice_servers).expect("iceServers");
    assert_eq!(ice[0].urls.as_ref().map(Vec::len), Some(4));
    assert_eq!(started.ws_url, None);
}

// ---------------------------------------------------------------------------------------------
// Session proxy (PublicKeyAuth, /v1/public/{serviceName}/sessions/{sessionId}/{path})
// ---------------------------------------------------------------------------------------------

/// sessionProxyGet: GET on the public server with the public key; passes the bot's JSON through.
#[tokio::test]
async fn session_proxy_get_uses_public_server_and_returns_bot_json() {
    let server = MockServer::start().await;
    op("GET", &proxy_path("status"), PUBLIC_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "status": "listening", "participants": 1 })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied =
        client(&server).session_proxy_get("my-agent", SESSION_ID, "status").await.expect("proxy GET succeeds");
    assert_eq!(proxied, object(json!({ "status": "listening", "participants": 1 })));
}

/// sessionProxyGet: a catch-all `path` keeps its `/` (`status/detail` is two segments).
#[tokio::test]
async fn session_proxy_get_keeps_slashes_of_multi_segment_path() {
    let server = MockServer::start().await;
    op("GET", &proxy_path("status/detail"), PUBLIC_KEY, &[])
        .respond_with(reply(200, json!({ "detail": "ok" })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied =
        client(&server).session_proxy_get("my-agent", SESSION_ID, "status/detail").await.expect("proxy GET succeeds");
    assert_eq!(proxied["detail"], "ok");
}

/// sessionProxyPost: POST with the spec's free-form body example; returns the bot's JSON.
#[tokio::test]
async fn session_proxy_post_sends_free_form_body_with_public_key() {
    let server = MockServer::start().await;
    let payload = json!({ "user_name": "Alice", "preferences": { "language": "Spanish" } });
    op_with_json("POST", &proxy_path("preferences"), PUBLIC_KEY, payload.clone())
        .respond_with(reply(200, json!({ "accepted": true })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied = client(&server)
        .session_proxy_post("my-agent", SESSION_ID, "preferences")
        .body(object(payload))
        .await
        .expect("proxy POST succeeds");
    assert_eq!(proxied["accepted"], true);
}

/// sessionProxyPost: the body is optional; without one, nothing (no JSON, no content type) is sent.
#[tokio::test]
async fn session_proxy_post_without_body_sends_no_body() {
    let server = MockServer::start().await;
    op("POST", &proxy_path("ping"), PUBLIC_KEY, &[])
        .and(no_body)
        .and(|req: &Request| !req.headers.contains_key("content-type"))
        .respond_with(reply(200, json!({ "pong": true })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied =
        client(&server).session_proxy_post("my-agent", SESSION_ID, "ping").await.expect("proxy POST succeeds");
    assert_eq!(proxied["pong"], true);
}

/// sessionProxyPut: PUT with a JSON body to the public server.
#[tokio::test]
async fn session_proxy_put_sends_body_with_public_key() {
    let server = MockServer::start().await;
    op_with_json("PUT", &proxy_path("config/voice"), PUBLIC_KEY, json!({ "voice": "alloy", "speed": 1.25 }))
        .respond_with(reply(200, json!({ "voice": "alloy" })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied = client(&server)
        .session_proxy_put("my-agent", SESSION_ID, "config/voice")
        .body(object(json!({ "voice": "alloy", "speed": 1.25 })))
        .await
        .expect("proxy PUT succeeds");
    assert_eq!(proxied["voice"], "alloy");
}

/// sessionProxyPatch: PATCH with a JSON body to the public server.
#[tokio::test]
async fn session_proxy_patch_sends_body_with_public_key() {
    let server = MockServer::start().await;
    op_with_json("PATCH", &proxy_path("config"), PUBLIC_KEY, json!({ "muted": true }))
        .respond_with(reply(200, json!({ "muted": true, "voice": "alloy" })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied = client(&server)
        .session_proxy_patch("my-agent", SESSION_ID, "config")
        .body(object(json!({ "muted": true })))
        .await
        .expect("proxy PATCH succeeds");
    assert_eq!(proxied.len(), 2);
    assert_eq!(proxied["muted"], true);
}

/// sessionProxyDelete: DELETE without a body to the public server.
#[tokio::test]
async fn session_proxy_delete_sends_delete_with_public_key() {
    let server = MockServer::start().await;
    op("DELETE", &proxy_path("context/messages"), PUBLIC_KEY, &[])
        .and(no_body)
        .respond_with(reply(200, json!({ "cleared": 12 })))
        .expect(1)
        .mount(&server)
        .await;

    let proxied = client(&server)
        .session_proxy_delete("my-agent", SESSION_ID, "context/messages")
        .await
        .expect("proxy DELETE succeeds");
    assert_eq!(proxied["cleared"], 12);
}

/// sessionProxyOptions: OPTIONS answered 200 with no body succeeds with `()`.
#[tokio::test]
async fn session_proxy_options_succeeds_on_200_without_body() {
    let server = MockServer::start().await;
    op("OPTIONS", &proxy_path("status"), PUBLIC_KEY, &[])
        .and(no_body)
        .respond_with(ResponseTemplate::new(200).insert_header("allow", "GET, POST, OPTIONS"))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .session_proxy_options("my-agent", SESSION_ID, "status")
        .send_with_response()
        .await
        .expect("proxy OPTIONS succeeds");
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.headers.get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST, OPTIONS"));
    let () = resp.data;
}

/// sessionProxyHead: HEAD answered 200 with no body succeeds with `()`.
#[tokio::test]
async fn session_proxy_head_succeeds_on_200_without_body() {
    let server = MockServer::start().await;
    op("HEAD", &proxy_path("status"), PUBLIC_KEY, &[])
        .and(no_body)
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let () = client(&server).session_proxy_head("my-agent", SESSION_ID, "status").await.expect("proxy HEAD succeeds");
}

// ---------------------------------------------------------------------------------------------
// Path encoding
// ---------------------------------------------------------------------------------------------

/// A reserved character in a normal path parameter is percent-encoded (`a b` -> `a%20b`).
#[tokio::test]
async fn get_service_percent_encodes_space_in_agent_name() {
    let server = MockServer::start().await;
    op("GET", "/v1/agents/a%20b", PRIVATE_KEY, &[])
        .respond_with(reply(200, json!({ "name": "a b" })))
        .expect(1)
        .mount(&server)
        .await;

    let agent = client(&server).get_service("a b").await.expect("getService succeeds");
    assert_eq!(agent.name.as_deref(), Some("a b"));
}

/// A secret key with `/` and a space stays one segment under its set (`MY KEY/1` -> `MY%20KEY%2F1`).
#[tokio::test]
async fn delete_secret_from_set_encodes_secret_key_as_one_segment() {
    let server = MockServer::start().await;
    op("DELETE", "/v1/secrets/my-app-secrets/MY%20KEY%2F1", PRIVATE_KEY, &[])
        .respond_with(reply(200, json!({ "status": "OK" })))
        .expect(1)
        .mount(&server)
        .await;

    client(&server).delete_secret_from_set("my-app-secrets", "MY KEY/1").await.expect("deleteSecretFromSet succeeds");
}

/// `..` as an agent name is refused before sending: it would resolve to `/v1/` itself.
#[tokio::test]
async fn get_service_refuses_dot_dot_agent_name_and_sends_nothing() {
    let server = voice_agents_tests::mock::silent_server().await;
    let err = client(&server).get_service("..").await.unwrap_err();
    assert_validation(&err, "path.agentName", "no `.` or `..` path segments");
}

/// `../secrets` as an agent name cannot escape `/v1/agents/`: sent as the single segment
/// `..%2Fsecrets` (the runtime percent-encodes `/`; see the report: it does not refuse it).
#[tokio::test]
async fn get_service_with_traversal_name_stays_under_agents_path() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/agents/..%2Fsecrets"))
        .respond_with(reply(404, json!({ "error": "Not found", "code": "NOT_FOUND" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/secrets")).respond_with(reply(200, json!({ "sets": [] }))).expect(0).mount(&server).await;

    let err = no_retry_client(&server).get_service("../secrets").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

/// A `..` segment inside the proxy's catch-all path is refused before sending.
#[tokio::test]
async fn session_proxy_refuses_dot_dot_segment_in_path() {
    let server = voice_agents_tests::mock::silent_server().await;
    let client = client(&server);
    for bad in ["status/../../../agents", "..", "a//b", "/status", ""] {
        let err = client.session_proxy_get("my-agent", SESSION_ID, bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{bad:?}: {err}");
        match &err {
            Error::Validation(v) => assert_eq!(v.field(), "path.path", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Client-side validation: nothing is sent
// ---------------------------------------------------------------------------------------------

/// createService: a `serviceName` breaking the pattern (uppercase, `_`) is refused.
#[tokio::test]
async fn create_service_rejects_service_name_violating_pattern() {
    let server = voice_agents_tests::mock::silent_server().await;
    let client = client(&server);
    for bad in ["Voice_Starter", "voice-", "-voice", "a"] {
        let err = client.create_service(pc::CreateServiceRequest::new(bad).image("img:1")).await.unwrap_err();
        assert_validation(&err, "body.serviceName", "pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])$");
    }
}

/// createService: `serviceName` may have 54 characters but not 55.
#[tokio::test]
async fn create_service_enforces_service_name_max_length_54() {
    let server = MockServer::start().await;
    let longest = "a".repeat(54);
    op_with_json("POST", "/v1/agents", PRIVATE_KEY, json!({ "serviceName": longest, "image": "img:1" }))
        .respond_with(reply(200, json!({ "name": longest })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let too_long =
        client.create_service(pc::CreateServiceRequest::new("a".repeat(55)).image("img:1")).await.unwrap_err();
    assert_validation(&too_long, "body.serviceName", "maxLength 54");
    let agent =
        client.create_service(pc::CreateServiceRequest::new(longest.clone()).image("img:1")).await.expect("54 is fine");
    assert_eq!(agent.name, Some(longest));
}

/// create/updateService: `maxSessionDuration` below 60 (or above 14400) is refused.
#[tokio::test]
async fn max_session_duration_outside_60_to_14400_is_rejected_on_create_and_update() {
    let server = voice_agents_tests::mock::silent_server().await;
    let client = client(&server);

    let create = pc::CreateServiceRequest::new("voice-starter").image("img:1").max_session_duration(59);
    let err = client.create_service(create).await.unwrap_err();
    assert_validation(&err, "body.maxSessionDuration", "minimum 60");

    let update = pc::UpdateServiceRequest::new().max_session_duration(59);
    let err = client.update_service("voice-starter", update).await.unwrap_err();
    assert_validation(&err, "body.maxSessionDuration", "minimum 60");

    let update = pc::UpdateServiceRequest::new().max_session_duration(14_401);
    let err = client.update_service("voice-starter", update).await.unwrap_err();
    assert_validation(&err, "body.maxSessionDuration", "maximum 14400");
}

/// upsertSecretSet: `setName` breaking its pattern, minLength 3 or maxLength 63 is refused.
#[tokio::test]
async fn upsert_secret_set_rejects_invalid_set_name() {
    let server = voice_agents_tests::mock::silent_server().await;
    let client = client(&server);
    let body = || pc::RegularSecretsRequest::new(vec![pc::RegularSecretsRequestSecretsItem::new("K", "v")]);
    let pattern = "pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    let cases = [
        ("My_Secrets".to_string(), pattern),
        ("my..secrets".to_string(), pattern),
        ("ab".to_string(), "minLength 3"),
        ("a".repeat(64), "maxLength 63"),
    ];
    for (name, rule) in cases {
        let err = client.upsert_secret_set(name, body()).await.unwrap_err();
        assert_validation(&err, "path.setName", rule);
    }
}

/// upsertSecretSet: a regular set needs at least one secret (`minItems: 1`).
#[tokio::test]
async fn upsert_secret_set_rejects_empty_secrets_list() {
    let server = voice_agents_tests::mock::silent_server().await;
    let err =
        client(&server).upsert_secret_set("my-app-secrets", pc::RegularSecretsRequest::new(vec![])).await.unwrap_err();
    assert_validation(&err, "body.secrets", "minItems 1");
}

/// listBuilds: `limit` must lie in 1..=100.
#[tokio::test]
async fn list_builds_rejects_limit_0_and_101() {
    let server = voice_agents_tests::mock::silent_server().await;
    let client = client(&server);
    let err = client.list_builds().limit(0).await.unwrap_err();
    assert_validation(&err, "query.limit", "minimum 1");
    let err = client.list_builds().limit(101).await.unwrap_err();
    assert_validation(&err, "query.limit", "maximum 100");
}

/// getSession: a `sessionId` that is not a UUID is refused.
#[tokio::test]
async fn get_session_rejects_non_uuid_session_id() {
    let server = voice_agents_tests::mock::silent_server().await;
    let err = client(&server).get_session("voice-starter", "not-a-uuid").await.unwrap_err();
    assert_validation(&err, "path.sessionId", "format uuid");
}

// ---------------------------------------------------------------------------------------------
// Typed errors, one family at a time (retries off so each error is seen once)
// ---------------------------------------------------------------------------------------------

/// Agents: getService 404 decodes `{"error":"Not found","code":"NOT_FOUND"}`; Display names it all.
#[tokio::test]
async fn get_service_404_decodes_typed_not_found_error() {
    let server = MockServer::start().await;
    op("GET", "/v1/agents/missing-agent", PRIVATE_KEY, &[])
        .respond_with(
            reply(404, json!({ "error": "Not found", "code": "NOT_FOUND" })).insert_header("x-request-id", "req-404"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).get_service("missing-agent").await.unwrap_err();

    let typed = assert_api_error(&err, 404, ErrorKind::NotFound, "NOT_FOUND", "Not found");
    assert_eq!(typed.err, None);
    assert_eq!(err.request_id(), Some("req-404"));
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.to_string(), "not found (HTTP 404, request id req-404): NOT_FOUND: Not found");
}

/// Agents: createService 400 decodes the `GENERIC_BAD_REQUEST` example (`serviceExists`).
#[tokio::test]
async fn create_service_400_decodes_generic_bad_request() {
    let server = MockServer::start().await;
    op("POST", "/v1/agents", PRIVATE_KEY, &[])
        .respond_with(reply(400, json!({ "error": "Service already exists", "code": "GENERIC_BAD_REQUEST" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server)
        .create_service(pc::CreateServiceRequest::new("voice-starter").image("img:1"))
        .await
        .unwrap_err();
    assert_api_error(&err, 400, ErrorKind::BadRequest, "GENERIC_BAD_REQUEST", "Service already exists");
}

/// Sessions: getSessions 400 keeps the undeclared-upstream `err` ZodError object (overlay-declared).
#[tokio::test]
async fn get_sessions_400_keeps_zod_error_details() {
    let server = MockServer::start().await;
    op("GET", "/v1/agents/voice-starter/sessions", PRIVATE_KEY, &[("status", "bad_value")])
        .respond_with(reply(
            400,
            json!({
                "error": "Invalid parameters",
                "err": {
                    "issues": [
                        {
                            "received": "bad_value",
                            "code": "invalid_enum_value",
                            "options": ["active", "ended", "all"],
                            "path": ["status"],
                            "message": "Invalid enum value. Expected 'active' | 'ended' | 'all', received 'bad_value'"
                        }
                    ],
                    "name": "ZodError"
                },
                "code": "400"
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server)
        .get_sessions("voice-starter")
        .status(pc::GetSessionsStatus::from("bad_value"))
        .await
        .unwrap_err();

    let typed = assert_api_error(&err, 400, ErrorKind::BadRequest, "400", "Invalid parameters");
    let details = typed.err.as_ref().expect("the `err` details");
    assert_eq!(details["name"], "ZodError");
    assert_eq!(details["issues"][0]["path"], json!(["status"]));
    assert_eq!(details["issues"][0]["code"], "invalid_enum_value");
}

/// Sessions: stopSession 401 decodes the shared `Unauthorized` response (`code: "401"`).
#[tokio::test]
async fn stop_session_401_decodes_unauthorized_response() {
    let server = MockServer::start().await;
    op("DELETE", &format!("/v1/agents/voice-starter/sessions/{SESSION_ID}"), PRIVATE_KEY, &[])
        .respond_with(reply(401, json!({ "error": "Unauthorized / token expired", "code": "401" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).stop_session("voice-starter", SESSION_ID).await.unwrap_err();
    assert_api_error(&err, 401, ErrorKind::Authentication, "401", "Unauthorized / token expired");
}

/// Builds: getBuild 404 decodes an ErrorResponse (the spec has no example; a realistic one).
#[tokio::test]
async fn get_build_404_decodes_typed_error() {
    let server = MockServer::start().await;
    op("GET", &format!("/v1/builds/{BUILD_ID}"), BUILD_TOKEN, &[])
        .respond_with(reply(404, json!({ "error": "Build not found", "code": "NOT_FOUND" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).get_build(BUILD_ID).await.unwrap_err();
    assert_api_error(&err, 404, ErrorKind::NotFound, "NOT_FOUND", "Build not found");
}

/// Builds: listBuilds declares no error response, so an error keeps its raw body but has no typed one.
#[tokio::test]
async fn list_builds_undeclared_error_has_raw_body_but_no_typed_body() {
    let server = MockServer::start().await;
    op("GET", "/v1/builds", BUILD_TOKEN, &[])
        .respond_with(reply(403, json!({ "error": "Cloud builds are not enabled", "code": "FORBIDDEN" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).list_builds().await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!((err.code(), err.message()), (None, None));
    assert!(err.body_as::<pc::ErrorResponse>().is_none());
    let raw: Value = serde_json::from_slice(err.raw_body().expect("raw body")).expect("JSON");
    assert_eq!(raw["code"], "FORBIDDEN");
}

/// Secrets: upsertSecretSet 409 decodes the `CONFLICT` example.
#[tokio::test]
async fn upsert_secret_set_409_decodes_conflict() {
    let server = MockServer::start().await;
    op("PUT", "/v1/secrets/my-secrets", PRIVATE_KEY, &[])
        .respond_with(reply(
            409,
            json!({ "error": "Secret set 'my-secrets' was modified concurrently. Please retry.", "code": "CONFLICT" }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let body = pc::RegularSecretsRequest::new(vec![pc::RegularSecretsRequestSecretsItem::new("API_KEY", "v")]);
    let err = no_retry_client(&server).upsert_secret_set("my-secrets", body).await.unwrap_err();
    assert_api_error(
        &err,
        409,
        ErrorKind::Conflict,
        "CONFLICT",
        "Secret set 'my-secrets' was modified concurrently. Please retry.",
    );
}

/// Secrets: getSecretSet 404 decodes the `Set not found` example.
#[tokio::test]
async fn get_secret_set_404_decodes_set_not_found() {
    let server = MockServer::start().await;
    op("GET", "/v1/secrets/missing-set", PRIVATE_KEY, &[])
        .respond_with(reply(404, json!({ "error": "Set not found", "code": "NOT_FOUND" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).get_secret_set("missing-set").await.unwrap_err();
    assert_api_error(&err, 404, ErrorKind::NotFound, "NOT_FOUND", "Set not found");
}

/// Properties: getProperties 401 decodes `{"error":"Unauthorized","code":"UNAUTHORIZED"}`.
#[tokio::test]
async fn get_properties_401_decodes_unauthorized() {
    let server = MockServer::start().await;
    op("GET", "/v1/properties", PRIVATE_KEY, &[])
        .respond_with(reply(401, json!({ "error": "Unauthorized", "code": "UNAUTHORIZED" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).get_properties().await.unwrap_err();
    assert_api_error(&err, 401, ErrorKind::Authentication, "UNAUTHORIZED", "Unauthorized");
}

/// Regions: listRegions 500 is retried (GET is idempotent) and the last answer decodes as typed.
#[tokio::test]
async fn list_regions_500_is_retried_then_decodes_typed_server_error() {
    let server = MockServer::start().await;
    op("GET", "/v1/regions", PRIVATE_KEY, &[])
        .respond_with(
            reply(500, json!({ "error": "Internal server error", "code": "INTERNAL_SERVER_ERROR" }))
                // Keeps the backoff to 1 ms.
                .insert_header("retry-after-ms", "1"),
        )
        .expect(2)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).list_regions().max_retries(1).await.unwrap_err();

    assert_api_error(&err, 500, ErrorKind::Server, "INTERNAL_SERVER_ERROR", "Internal server error");
    assert_eq!(err.attempts(), 2);
    assert!(err.is_retryable());
    let attempts: Vec<_> = server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .map(|r| r.headers.get("x-retry-count").and_then(|v| v.to_str().ok()).map(str::to_owned))
        .collect();
    assert_eq!(attempts, [Some("0".to_string()), Some("1".to_string())]);
}

/// Start: startService 401 decodes the shared `Unauthorized` response.
#[tokio::test]
async fn start_service_401_decodes_unauthorized() {
    let server = MockServer::start().await;
    op("POST", "/v1/public/my-agent/start", PUBLIC_KEY, &[])
        .respond_with(reply(401, json!({ "error": "Unauthorized / token expired", "code": "401" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).start_service("my-agent", pc::StartRequest::new()).await.unwrap_err();
    assert_api_error(&err, 401, ErrorKind::Authentication, "401", "Unauthorized / token expired");
}

/// Proxy: sessionProxyGet 400 decodes the `ServiceNotAvailable` example (`PCC-1001`).
#[tokio::test]
async fn session_proxy_get_400_decodes_service_not_available() {
    let server = MockServer::start().await;
    let message = "Attempt to start agent when deployment is not in ready state. Is your image pull secret valid?";
    op("GET", &proxy_path("status"), PUBLIC_KEY, &[])
        .respond_with(reply(400, json!({ "error": message, "code": "PCC-1001" })))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).session_proxy_get("my-agent", SESSION_ID, "status").await.unwrap_err();
    assert_api_error(&err, 400, ErrorKind::BadRequest, "PCC-1001", message);
}

/// Proxy: HEAD has no body, so a 404 is an API error without a typed body.
#[tokio::test]
async fn session_proxy_head_404_is_not_found_without_typed_body() {
    let server = MockServer::start().await;
    op("HEAD", &proxy_path("status"), PUBLIC_KEY, &[])
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;

    let err = no_retry_client(&server).session_proxy_head("my-agent", SESSION_ID, "status").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.body_as::<pc::ErrorResponse>().is_none());
    assert_eq!(err.to_string(), "not found (HTTP 404): empty body");
}

// ---------------------------------------------------------------------------------------------
// Forward compatibility
// ---------------------------------------------------------------------------------------------

/// Unknown enum values decode into `Unknown(..)` and unknown fields are ignored, at every depth.
#[tokio::test]
async fn get_service_decodes_unknown_enum_values_and_ignores_unknown_fields() {
    let server = MockServer::start().await;
    let mut details = agent_details_example();
    details["currentRevision"]["phase"] = json!("Hibernating");
    details["currentRevision"]["health"]["state"] = json!("evicted");
    details["krispViva"]["audioFilter"] = json!("studio");
    details["gpuProfile"] = json!({ "kind": "a10g", "count": 1 });
    details["deployment"]["manifest"]["spec"]["nodeSelector"] = json!({ "zone": "b" });
    details["currentRevision"]["health"]["oomKills"] = json!(0);
    op("GET", "/v1/agents/voice-starter", PRIVATE_KEY, &[])
        .respond_with(reply(200, details))
        .expect(1)
        .mount(&server)
        .await;

    let agent = client(&server).get_service("voice-starter").await.expect("unknown values still decode");

    let revision = agent.current_revision.expect("currentRevision");
    assert_eq!(revision.phase, Some(pc::RevisionInfoPhase::Unknown("Hibernating".into())));
    assert_eq!(revision.phase.as_ref().map(|p| p.as_str()), Some("Hibernating"));
    assert_eq!(revision.health.and_then(|h| h.state), Some(pc::RevisionHealthState::Unknown("evicted".into())));
    assert_eq!(
        agent.krisp_viva.and_then(|k| k.audio_filter),
        Some(pc::ServiceDetailsResponseKrispVivaAudioFilter::Unknown("studio".into()))
    );
    assert_eq!(agent.name.as_deref(), Some("voice-starter"));
}

/// Unknown secret-set type and status decode into `Unknown(..)` in a list response.
#[tokio::test]
async fn list_secret_sets_decodes_unknown_type_and_status() {
    let server = MockServer::start().await;
    op("GET", "/v1/secrets", PRIVATE_KEY, &[])
        .respond_with(reply(
            200,
            json!({
                "sets": [{ "name": "ssh", "type": "sshKey", "region": "us-west", "status": "rotating", "rotation": 3 }],
                "nextCursor": null
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let sets = client(&server).list_secret_sets().await.expect("listSecretSets succeeds").sets.expect("sets");
    assert_eq!(sets[0].r#type, Some(pc::SecretSetSummaryType::Unknown("sshKey".into())));
    assert_eq!(sets[0].status, Some(pc::SecretSetSummaryStatus::Unknown("rotating".into())));
}
