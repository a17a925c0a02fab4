//! Contract tests of the generated Pipecat Cloud client against Prism: every operation of
//! `specs/pipecat-cloud` (with its overlay) is called through `voice_agents::pipecat_cloud::Client`
//! with every optional parameter and field set, then once per declared response
//! (`Prefer: code=…, example=…`). Prism must report no request violation, and every response
//! must decode (see `contract_common` for the rules).
//!
//! Both servers of the client (private `/v1`, public `/v1/public`) point at Prism's bare base
//! URL: Prism ignores server paths when routing.

use std::sync::OnceLock;

use crate::contract_common::{
    assert_has_violation, check_every_body_is_validated, check_flagged, check_no_credential, check_refused, exercise,
    op_info, Mock, TOKEN,
};
use reqwest::Method;
use serde_json::{json, Map, Value};
use voice_agents::pipecat_cloud as pc;
use voice_agents::uuid::Uuid;
use voice_agents_runtime::__private::{Operation, OperationInfo};

pub(crate) const AGENT: &str = "my-agent";
pub(crate) const SESSION_ID: &str = "57af5437-97a2-4646-9873-a5c5935bd705";
pub(crate) const BUILD_ID: &str = "123e4567-e89b-12d3-a456-426614174000";
pub(crate) const UPLOAD_ID: &str = "550e8400-e29b-41d4-a716-446655440000";
pub(crate) const SET_NAME: &str = "my-agent-secrets";
/// Private server (index 0): the spec's root server.
const PRIVATE_SERVER: &str = "https://api.pipecat.daily.co/v1";
/// Public server (index 1): the path-level server of `startService` and the session proxy.
const PUBLIC_SERVER: &str = "https://api.pipecat.daily.co/v1/public";

pub(crate) fn mock() -> &'static Mock {
    static MOCK: OnceLock<Mock> = OnceLock::new();
    MOCK.get_or_init(|| Mock::start("pipecat", "pipecat-cloud", strip_null_from_enums))
}

/// Prism workaround (the served copy only; the spec and the generator are unchanged).
///
/// `krispViva.audioFilter` of `CreateServiceRequest` and `UpdateServiceRequest` (and, through
/// the overlay, of `ServiceDetailsResponse`) is `{type: string, nullable: true, enum: [tel,
/// pro, null]}`. Prism 5.14.2 converts `nullable` by appending another `null` to the enum; AJV
/// then rejects the schema ("enum must NOT have duplicate items") and Prism swallows the compile
/// error and treats every body as valid, so `POST /agents` and `POST /agents/{agentName}` would
/// not be validated at all (`{}` passes). Removing `null` from the enum keeps the meaning —
/// `nullable: true` still admits `null` — and restores validation.
fn strip_null_from_enums(doc: &mut Value) {
    match doc {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            map.values_mut().for_each(strip_null_from_enums);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null_from_enums),
        _ => {}
    }
}

/// A client for the mock: both servers at Prism's base URL, all three credentials, no retries.
pub(crate) fn client() -> pc::Client {
    let url = mock().base_url();
    pc::Client::builder()
        .base_url(&url)
        .server_url(1, &url)
        .private_key_auth(TOKEN)
        .bearer_auth(TOKEN)
        .public_key_auth(TOKEN)
        .max_retries(0)
        .build()
        .expect("client builds")
}

pub(crate) fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("uuid literal")
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Every operation this file calls, one `#[tokio::test]` each (named after the operationId).
const COVERED: &[&OperationInfo] = &[
    pc::ListServices::INFO,
    pc::CreateService::INFO,
    pc::GetService::INFO,
    pc::UpdateService::INFO,
    pc::DeleteService::INFO,
    pc::GetLogs::INFO,
    pc::GetSession::INFO,
    pc::StopSession::INFO,
    pc::GetSessions::INFO,
    pc::ListBuilds::INFO,
    pc::CreateBuild::INFO,
    pc::GetBuild::INFO,
    pc::GetBuildLogs::INFO,
    pc::GetBuildUploadUrl::INFO,
    pc::GetProperties::INFO,
    pc::UpdateProperties::INFO,
    pc::GetPropertiesSchema::INFO,
    pc::ListRegions::INFO,
    pc::GetSecretSet::INFO,
    pc::UpsertSecretSet::INFO,
    pc::DeleteSecretSet::INFO,
    pc::DeleteSecretFromSet::INFO,
    pc::ListSecretSets::INFO,
    pc::SessionProxyGet::INFO,
    pc::SessionProxyPut::INFO,
    pc::SessionProxyPost::INFO,
    pc::SessionProxyDelete::INFO,
    pc::SessionProxyOptions::INFO,
    pc::SessionProxyHead::INFO,
    pc::SessionProxyPatch::INFO,
    pc::StartService::INFO,
];

#[test]
fn every_operation_is_covered() {
    let mut spec: Vec<String> =
        voice_agents_tests::load_spec("pipecat-cloud").api.operations.iter().map(|op| op.id.clone()).collect();
    let mut covered: Vec<String> = COVERED.iter().map(|info| info.id.to_owned()).collect();
    spec.sort();
    covered.sort();
    assert_eq!(covered, spec, "operations of the spec vs operations this file calls");
    assert_eq!(covered.len(), 31);
}

// ------------------------------------------------------------------------------------ agents

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_services() {
    let c = client();
    let resp = exercise!(mock(), c.list_services().include_active_deployment(true).region("us-west"));
    assert!(resp.data.services.is_some_and(|s| !s.is_empty()), "the example lists services");
}

pub(crate) fn create_service_request() -> pc::CreateServiceRequest {
    pc::CreateServiceRequest::new("my-voice-agent")
        .image("your-username/my-agent:latest")
        .region("us-west")
        .architecture(pc::CreateServiceRequestArchitecture::Arm64)
        .image_pull_secret_set("dockerhub-credentials")
        .secret_set("my-agent-secrets")
        .auto_scaling(pc::CreateServiceRequestAutoScaling::new().min_agents(1).max_agents(20))
        .krisp_viva(
            pc::CreateServiceRequestKrispViva::new().audio_filter(pc::CreateServiceRequestKrispVivaAudioFilter::Tel),
        )
        .agent_profile(pc::CreateServiceRequestAgentProfile::Agent2x)
        .max_session_duration(3600)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_service() {
    let c = client();
    let body = create_service_request();
    exercise!(mock(), c.create_service(body.clone()));
    // The deprecated alias and a build id instead of an image.
    #[allow(deprecated)]
    let legacy = pc::CreateServiceRequest::new("legacy-agent")
        .build_id(uuid(BUILD_ID))
        .node_type(pc::CreateServiceRequestNodeType::Amd)
        .krisp_viva(pc::CreateServiceRequestKrispViva::new().null_audio_filter());
    exercise!(mock(), c.create_service(legacy.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_service() {
    let c = client();
    exercise!(mock(), c.get_service(AGENT));
}

pub(crate) fn update_service_request() -> pc::UpdateServiceRequest {
    pc::UpdateServiceRequest::new()
        .build_id(uuid(BUILD_ID))
        .architecture(pc::UpdateServiceRequestArchitecture::Amd64)
        .image_pull_secret_set("dockerhub-credentials")
        .secret_set("my-agent-secrets")
        .auto_scaling(pc::UpdateServiceRequestAutoScaling::new().min_agents(0).max_agents(10))
        .krisp_viva(pc::UpdateServiceRequestKrispViva::new().null_audio_filter())
        .agent_profile(pc::UpdateServiceRequestAgentProfile::Agent3x)
        .force_redeploy(true)
        .max_session_duration(14400)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_service() {
    let c = client();
    let body = update_service_request();
    exercise!(mock(), c.update_service(AGENT, body.clone()));
    #[allow(deprecated)]
    let legacy = pc::UpdateServiceRequest::new()
        .image("your-username/my-agent:v2")
        .node_type(pc::UpdateServiceRequestNodeType::Arm)
        .krisp_viva(
            pc::UpdateServiceRequestKrispViva::new().audio_filter(pc::UpdateServiceRequestKrispVivaAudioFilter::Pro),
        );
    exercise!(mock(), c.update_service(AGENT, legacy.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_service() {
    let c = client();
    exercise!(mock(), c.delete_service(AGENT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_logs() {
    let c = client();
    exercise!(
        mock(),
        c.get_logs(AGENT)
            .limit(50)
            .offset(10)
            .deployment_id("deployment-123")
            .session_id(SESSION_ID)
            .query_param("error")
            .order(pc::GetLogsOrder::Asc)
            .start_time(1_700_000_000)
            .end_time(1_700_003_600)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_session() {
    let c = client();
    exercise!(mock(), c.get_session(AGENT, SESSION_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_session() {
    let c = client();
    exercise!(mock(), c.stop_session(AGENT, SESSION_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_sessions() {
    let c = client();
    exercise!(
        mock(),
        c.get_sessions(AGENT)
            .limit(25)
            .offset(5)
            .deployment_id("deployment-123")
            .start_time(1_700_000_000)
            .end_time(1_700_003_600)
            .status(pc::GetSessionsStatus::Ended)
            .start_type(pc::GetSessionsStartType::Warm)
            .start_time_min(1)
            .start_time_max(600)
    );
}

// ------------------------------------------------------------------------------------ builds

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_builds() {
    let c = client();
    exercise!(
        mock(),
        c.list_builds()
            .status(pc::ListBuildsStatus::Success)
            .region("us-west")
            .context_hash("a1b2c3d4")
            .limit(100)
            .offset(0)
    );
}

/// `createBuild` declares 200 and 201; `exercise!` requests both (`Prefer: code=201`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_build() {
    let c = client();
    let body = pc::CreateBuildRequest::new(uuid(UPLOAD_ID), "us-west").dockerfile_path("docker/Dockerfile");
    let statuses: Vec<u16> = mock().variants("createBuild").iter().map(|v| v.status).collect();
    assert!(statuses.contains(&200) && statuses.contains(&201), "{statuses:?}");
    exercise!(mock(), c.create_build(body.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_build() {
    let c = client();
    exercise!(mock(), c.get_build(BUILD_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_build_logs() {
    let c = client();
    exercise!(mock(), c.get_build_logs(BUILD_ID).limit(10_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_build_upload_url() {
    let c = client();
    exercise!(mock(), c.get_build_upload_url(pc::UploadUrlRequest::new("eu-central")));
}

/// A client with only the private key serves every build operation (the overlay adds
/// `PrivateKeyAuth`, which Prism then accepts as an alternative).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_accept_the_private_key_alone() {
    let url = mock().base_url();
    let c = pc::Client::builder()
        .base_url(&url)
        .server_url(1, &url)
        .private_key_auth(TOKEN)
        .max_retries(0)
        .build()
        .expect("client builds");
    exercise!(mock(), c.list_builds());
    exercise!(mock(), c.create_build(pc::CreateBuildRequest::new(uuid(UPLOAD_ID), "us-west")));
    exercise!(mock(), c.get_build(BUILD_ID));
    exercise!(mock(), c.get_build_logs(BUILD_ID));
    exercise!(mock(), c.get_build_upload_url(pc::UploadUrlRequest::new("eu-central")));
}

// -------------------------------------------------------------------------------- properties

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_properties() {
    let c = client();
    exercise!(mock(), c.get_properties());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_properties() {
    let c = client();
    exercise!(mock(), c.update_properties(pc::UpdatePropertiesRequest::new().default_region("eu-central")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_properties_schema() {
    let c = client();
    exercise!(mock(), c.get_properties_schema());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_regions() {
    let c = client();
    exercise!(mock(), c.list_regions());
}

// ----------------------------------------------------------------------------------- secrets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_secret_set() {
    let c = client();
    exercise!(mock(), c.get_secret_set(SET_NAME));
}

/// Both `oneOf` variants of the body: regular secrets and an image pull secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_secret_set() {
    let c = client();
    let regular: pc::UpsertSecretSetRequest = pc::RegularSecretsRequest::new(vec![
        pc::RegularSecretsRequestSecretsItem::new("API_KEY", "your-api-key"),
        pc::RegularSecretsRequestSecretsItem::new("DATABASE_URL", "postgresql://user:pass@host:5432/db"),
    ])
    .region("us-west")
    .into();
    exercise!(mock(), c.upsert_secret_set(SET_NAME, regular.clone()));
    let pull: pc::UpsertSecretSetRequest =
        pc::ImagePullSecretRequest::new("https://index.docker.io/v1/", "your-docker-auth-token")
            .region("us-west")
            .into();
    exercise!(mock(), c.upsert_secret_set("dockerhub-credentials", pull.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_secret_set() {
    let c = client();
    exercise!(mock(), c.delete_secret_set(SET_NAME));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_secret_from_set() {
    let c = client();
    exercise!(mock(), c.delete_secret_from_set(SET_NAME, "API_KEY"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_secret_sets() {
    let c = client();
    exercise!(mock(), c.list_secret_sets());
}

// ------------------------------------------------------------------- public API: start, proxy

pub(crate) fn start_request() -> pc::StartRequest {
    pc::StartRequest::new()
        .create_daily_room(true)
        .daily_room_properties(object(json!({"enable_recording": "cloud"})))
        .daily_meeting_token_properties(object(json!({"is_owner": true, "start_cloud_recording": true})))
        .enable_default_ice_servers(true)
        .transport(pc::StartRequestTransport::Webrtc)
        .body(object(json!({"foo": "bar", "nested": {"n": 1}})))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_service() {
    let c = client();
    exercise!(mock(), c.start_service(AGENT, start_request()));
}

// The proxy's `{path}` is a catch-all in the SDK (overlay `x-path-catch-all`), but Prism matches
// it against one segment only, so these calls use a single-segment path.

pub(crate) fn proxy_body() -> Map<String, Value> {
    object(json!({"user_name": "Alice", "preferences": {"language": "Spanish"}}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_get() {
    let c = client();
    exercise!(mock(), c.session_proxy_get(AGENT, SESSION_ID, "status"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_put() {
    let c = client();
    exercise!(mock(), c.session_proxy_put(AGENT, SESSION_ID, "status").body(proxy_body()));
    // The body is optional.
    exercise!(mock(), c.session_proxy_put(AGENT, SESSION_ID, "status"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_post() {
    let c = client();
    exercise!(mock(), c.session_proxy_post(AGENT, SESSION_ID, "status").body(proxy_body()));
    exercise!(mock(), c.session_proxy_post(AGENT, SESSION_ID, "status"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_patch() {
    let c = client();
    exercise!(mock(), c.session_proxy_patch(AGENT, SESSION_ID, "status").body(proxy_body()));
    exercise!(mock(), c.session_proxy_patch(AGENT, SESSION_ID, "status"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_delete() {
    let c = client();
    exercise!(mock(), c.session_proxy_delete(AGENT, SESSION_ID, "status"));
}

/// Body-less 200: must succeed with `()`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_options() {
    let c = client();
    let resp = exercise!(mock(), c.session_proxy_options(AGENT, SESSION_ID, "status"));
    assert_eq!(resp.status.as_u16(), 200);
}

/// Body-less 200: must succeed with `()`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_proxy_head() {
    let c = client();
    let resp = exercise!(mock(), c.session_proxy_head(AGENT, SESSION_ID, "status"));
    assert_eq!(resp.status.as_u16(), 200);
}

// ------------------------------------------------------------------------- routing collision

/// With server paths ignored, `POST /agents/start` matches both `POST /agents/{agentName}`
/// (`updateService` of an agent named `start`) and `POST /{agentName}/start` (`startService`
/// of an agent named `agents`); Prism picks the later-declared `startService`. The `__server`
/// query parameter selects the intended operation. Routing is checked by comparing with the
/// response of the same operation on a non-colliding path (Prism's responses are static).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colliding_paths_reach_the_intended_operation() {
    let m = mock();
    let c = client();

    let call = c.update_service(AGENT, update_service_request());
    let plain = m.check_ok(op_info(&call), "agentName=my-agent", 200, call.send_with_response().await).unwrap();
    let call = c.update_service("start", update_service_request()).query("__server", PRIVATE_SERVER);
    let info = op_info(&call);
    let routed = m.check_ok(info, "agentName=start, __server=private", 200, call.send_with_response().await).unwrap();
    assert_eq!(routed.data, plain.data, "updateService(\"start\") was not routed to updateService");

    let call = c.start_service(AGENT, start_request());
    let plain = m.check_ok(op_info(&call), "agentName=my-agent", 200, call.send_with_response().await).unwrap();
    let call = c.start_service("agents", start_request()).query("__server", PUBLIC_SERVER);
    let info = op_info(&call);
    let routed = m.check_ok(info, "agentName=agents, __server=public", 200, call.send_with_response().await).unwrap();
    assert_eq!(routed.data, plain.data, "startService(\"agents\") was not routed to startService");
}

// ----------------------------------------------------------------- the mock really validates

/// Deliberately invalid requests, sent raw (the client refuses to build them), must be
/// flagged by Prism; the same invalid input through the client is refused before sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_flagged_by_prism_and_refused_by_the_client() {
    let c = client();
    let post = |body: Value| {
        c.core().raw(Method::POST, "/agents").security(&["PrivateKeyAuth"]).json(&body).max_retries(0).send_unchecked()
    };

    // Missing required `serviceName` (only possible through the raw escape hatch: the
    // generated `CreateServiceRequest::new` requires it).
    let v = check_flagged("POST /agents {}", post(json!({})).await);
    assert_has_violation("POST /agents {}", &v, &["request", "body"], "required");
    assert!(v.iter().any(|v| v.message.contains("serviceName")), "{v:?}");

    // `serviceName` breaking its pattern, and `maxSessionDuration` below its minimum.
    let v = check_flagged("POST /agents bad name", post(json!({"serviceName": "Not_Valid"})).await);
    assert_has_violation("POST /agents bad name", &v, &["request", "body", "serviceName"], "pattern");
    let v = check_flagged(
        "POST /agents short session",
        post(json!({"serviceName": "ok-name", "maxSessionDuration": 59})).await,
    );
    assert_has_violation("POST /agents short session", &v, &["request", "body", "maxSessionDuration"], "minimum");

    // The client refuses the same input without sending it.
    check_refused(
        "createService with serviceName Not_Valid",
        c.create_service(pc::CreateServiceRequest::new("Not_Valid")).send_with_response().await,
        "body.serviceName",
    );
    check_refused(
        "createService with maxSessionDuration 59",
        c.create_service(pc::CreateServiceRequest::new("ok-name").max_session_duration(59)).send_with_response().await,
        "body.maxSessionDuration",
    );

    // A non-uuid session id: `getSession` declares neither 400 nor 422, so Prism answers with
    // its own 422 problem+json carrying the violations in the body.
    let resp = c
        .core()
        .raw(Method::GET, &format!("/agents/{AGENT}/sessions/not-a-uuid"))
        .security(&["PrivateKeyAuth"])
        .max_retries(0)
        .send_unchecked()
        .await;
    let v = check_flagged("GET /agents/{agentName}/sessions/not-a-uuid", resp);
    assert_has_violation("GET session not-a-uuid", &v, &["request", "path", "sessionid"], "format");
    check_refused(
        "getSession with a non-uuid id",
        c.get_session(AGENT, "not-a-uuid").send_with_response().await,
        "path.sessionId",
    );
}

/// Every request-body schema is validated (none is silently skipped; without
/// `strip_null_from_enums` the two agent bodies would be).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_validates_every_request_body() {
    let checked = check_every_body_is_validated(mock(), client().core()).await;
    assert_eq!(checked.len(), 10, "operations with a JSON body: {checked:?}");
}

/// Prism checks credentials, and the client refuses to send without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_flagged_by_prism_and_refused_by_the_client() {
    let c = client();
    let what = "GET /secrets without Authorization";
    let resp = c.core().raw(Method::GET, "/secrets").security(&[]).max_retries(0).send_unchecked().await;
    let v = check_flagged(what, resp);
    assert!(v.iter().any(|v| v.code == 401), "{what}: {v:?}");

    let url = mock().base_url();
    let anonymous = pc::Client::builder().base_url(&url).server_url(1, &url).max_retries(0).build().unwrap();
    check_no_credential("listSecretSets without a credential", anonymous.list_secret_sets().send_with_response().await);
    // The public API needs the public key: the private one is not enough.
    let private_only = pc::Client::builder()
        .base_url(&url)
        .server_url(1, &url)
        .private_key_auth(TOKEN)
        .max_retries(0)
        .build()
        .unwrap();
    check_no_credential(
        "startService with only the private key",
        private_only.start_service(AGENT, start_request()).send_with_response().await,
    );
}

/// `prism::parse_violations` reads every `sl-violations` header Prism sends, including its
/// response violations without a `code` (recorded from HEAD error responses before the overlay
/// removed their impossible JSON bodies).
#[test]
fn harness_parses_violations_without_code() {
    let header = r#"[{"location":["response"],"severity":"Error","message":"The received media type \"\" does not match the one specified in the current response: application/json"}]"#;
    let violations = voice_agents_tests::prism::parse_violations(header).unwrap_or_else(|e| panic!("{e}: {header}"));
    assert_eq!(violations.len(), 1);
    assert!(!violations[0].is_request());
    assert!(violations[0].code.is_null());
}
