//! The generated TalkifAI client against a local mock server: every operation's method, URL,
//! auth header, body and decoding; client-side constraints; typed errors; partial updates;
//! pagination; the `agentArchitecture` union; forward compatibility.
//!
//! Tests that check the SDK's requests by their typed content run against the generated typed
//! mock (`talkifai::mock`); those that check exact bytes on the wire (query encoding and order,
//! exact JSON bodies, headers of a hand-built client) stay on wiremock.

use std::time::Duration;
use voice_agents_tests::mock::{
    assert_json_body, assert_nothing_sent, body_of, silent_server, sole_request, typed,
    validation_error as validation_field,
};

use futures_util::StreamExt;
use serde_json::{json, Value};
use voice_agents::runtime::{ErrorKind, Nullable};
use voice_agents::talkifai as tk;
use voice_agents::talkifai::mock::{MockServer as TypedMock, Mounted, RecordedRequest, Reply};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "tk_live_test";

fn client(server: &MockServer) -> tk::Client {
    tk::Client::builder().bearer_auth(KEY).base_url(server.uri()).build().expect("client builds")
}

fn api_key_client(server: &MockServer) -> tk::Client {
    tk::Client::builder().api_key_auth(KEY).base_url(server.uri()).build().expect("client builds")
}

/// The one request the server saw.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
    requests.remove(0)
}

/// Asserts the request carried the Bearer key and not the X-API-Key alternative.
fn assert_bearer(req: &Request) {
    assert_eq!(req.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer tk_live_test"));
    assert!(req.headers.get("x-api-key").is_none(), "only one scheme is sent");
}

/// A client of the typed mock, with the test key as its Bearer credential.
fn mock_client(server: &TypedMock) -> tk::Client {
    server.client_builder().bearer_auth(KEY).build().expect("client builds")
}

/// The one request the typed mock saw, as it arrived.
fn only_received(server: &TypedMock) -> RecordedRequest {
    sole_request(server.received())
}

/// The request carried the Bearer key and not the X-API-Key alternative.
fn assert_mock_bearer(req: &RecordedRequest) {
    assert_eq!(req.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer tk_live_test"));
    assert!(req.headers.get("x-api-key").is_none(), "only one scheme is sent");
}

/// The request's body was labelled `application/json`.
fn assert_json_content_type(req: &RecordedRequest) {
    assert_eq!(req.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
}

fn pipeline_agent_json() -> Value {
    json!({
        "id": "agent_abc123",
        "name": "Customer Support",
        "agentArchitecture": "pipeline",
        "model": "gpt-4o",
        "stt": "deepgram",
        "tts": "cartesia",
        "voiceId": "voice_xyz",
        "systemPrompt": "You are a helpful customer support agent...",
        "language": "en",
        "mode": "public",
        "active": true,
        "temperature": 0.7,
        "enabledFunctions": ["web_search"],
        "enabledCustomFunctions": ["check_order_status"],
        "createdAt": "2024-01-10T09:00:00Z",
        "updatedAt": "2024-01-14T15:20:00Z"
    })
}

fn summary_json(id: &str) -> Value {
    json!({"id": id, "name": format!("Agent {id}"), "mode": "public", "agentArchitecture": "pipeline", "active": true, "createdAt": "2024-01-10T09:00:00Z"})
}

fn function_json() -> Value {
    json!({
        "id": "fn_001",
        "name": "check_order_status",
        "label": "Check order status",
        "description": "Look up the status of an order by its number.",
        "endpoint": "https://api.example.com/orders/status",
        "method": "POST",
        "headers": {"Authorization": "Bearer example-token"},
        "parameters": {"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]},
        "agentId": "agent_abc123",
        "createdAt": "2024-01-12T09:00:00Z",
        "updatedAt": "2024-01-12T09:00:00Z"
    })
}

// ------------------------------------------------------------------------------------------
// Client setup and authentication
// ------------------------------------------------------------------------------------------

#[test]
fn default_server_is_the_bare_host_because_paths_carry_their_own_prefix() {
    assert_eq!(<tk::Client as voice_agents_runtime::__private::ApiClient>::API.servers.len(), 1);
    assert_eq!(
        <tk::Client as voice_agents_runtime::__private::ApiClient>::API.servers[0].url,
        "https://api.talkifai.dev"
    );
    let names: Vec<_> = <tk::Client as voice_agents_runtime::__private::ApiClient>::API
        .security_schemes
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["BearerAuth", "ApiKeyAuth", "ChatSessionToken"]);
}

#[tokio::test]
async fn api_key_auth_sends_x_api_key_and_no_authorization_on_v1_api_and_telephony_paths() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/agents"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/custom-functions"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"functions": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/telephony/outbound-call"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = api_key_client(&server);
    c.list_agents().await.expect("listAgents with X-API-Key");
    c.list_custom_functions().await.expect("listCustomFunctions with X-API-Key");
    c.initiate_outbound_call("+15551234567", "+15557654321").await.expect("outbound call with X-API-Key");
    server.verify().await;
    for req in server.received_requests().await.unwrap() {
        assert!(req.headers.get("authorization").is_none(), "{}: no Authorization header with X-API-Key", req.url);
    }
}

#[tokio::test]
async fn bearer_is_preferred_when_both_credentials_are_configured() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": []})))
        .mount(&server)
        .await;
    let c = tk::Client::builder().api_key_auth("other").bearer_auth(KEY).base_url(server.uri()).build().unwrap();
    c.list_agents().await.unwrap();
    assert_bearer(&only_request(&server).await);
}

#[tokio::test]
async fn a_base_url_with_a_path_keeps_it_before_each_operation_prefix() {
    let server = MockServer::start().await;
    Mock::given(path("/gateway/v1/agents"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": []})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/gateway/telephony/outbound-call"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = tk::Client::builder().bearer_auth(KEY).base_url(format!("{}/gateway/", server.uri())).build().unwrap();
    c.list_agents().await.expect("/gateway/v1/agents");
    c.initiate_outbound_call("+15551234567", "+15557654321").await.expect("/gateway/telephony/outbound-call");
    server.verify().await;
}

#[test]
fn credentials_never_appear_in_debug_output() {
    let c = tk::Client::builder().bearer_auth("tk_live_SECRET1").api_key_auth("tk_live_SECRET2").build().unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("SECRET1") && !shown.contains("SECRET2"), "{shown}");
}

#[tokio::test]
async fn a_client_without_credentials_fails_before_sending() {
    let server = silent_server().await;
    let c = tk::Client::builder().base_url(server.uri()).build().unwrap();
    let err = c.get_agent("agent_abc123").await.expect_err("no credential");
    assert_eq!(err.kind(), ErrorKind::MissingCredential);
    assert!(err.to_string().contains("BearerAuth") && err.to_string().contains("ApiKeyAuth"), "{err}");
    assert_nothing_sent(&server).await;
}

// ------------------------------------------------------------------------------------------
// Every operation: method, URL, auth, body, decoding
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_agents_sends_mode_page_limit_and_returns_the_data_array_with_pagination_in_the_envelope() {
    let server = MockServer::start().await;
    let body = json!({
        "success": true,
        "data": [summary_json("agent_abc123")],
        "pagination": {"page": 2, "limit": 50, "total": 51, "hasNext": false, "hasPrev": true}
    });
    Mock::given(method("GET"))
        .and(path("/v1/agents"))
        .and(query_param("mode", "private"))
        .and(query_param("page", "2"))
        .and(query_param("limit", "50"))
        .and(header("authorization", "Bearer tk_live_test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .list_agents()
        .mode(tk::AgentMode::Private)
        .page(2)
        .limit(50)
        .send_with_response()
        .await
        .expect("listAgents");
    let req = only_request(&server).await;
    assert_eq!(req.url.path(), "/v1/agents");
    assert_eq!(req.url.query(), Some("mode=private&page=2&limit=50"));
    assert_bearer(&req);
    assert!(req.body.is_empty(), "GET has no body");

    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.data.len(), 1, "the payload is the envelope's data array");
    let agent = &response.data[0];
    assert_eq!(agent.id, "agent_abc123");
    assert_eq!(agent.mode, Some(tk::AgentMode::Public));
    assert_eq!(agent.agent_architecture, Some(tk::AgentArchitecture::Pipeline));
    assert_eq!(
        response.envelope,
        Some(
            json!({"success": true, "pagination": {"page": 2, "limit": 50, "total": 51, "hasNext": false, "hasPrev": true}})
        ),
        "the envelope keeps everything but the payload"
    );
    assert_eq!(response.request_id, None, "TalkifAI bodies carry no request id");
}

#[tokio::test]
async fn list_agents_without_options_sends_no_query() {
    let server = TypedMock::start().await;
    let list = server.list_agents().respond(tk::AgentListEnvelope::new(vec![]).success(true)).times(1).mount();
    let agents = mock_client(&server).list_agents().await.unwrap();
    assert!(agents.is_empty());
    let sent = &list.requests()[0];
    assert_eq!((&sent.mode, sent.page, sent.limit), (&None, None, None));
    assert!(only_received(&server).query.is_empty(), "no query string at all");
    server.verify();
}

#[tokio::test]
async fn create_agent_posts_the_pipeline_body_and_returns_the_new_summary() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "name": "Sales Bot",
        "agentArchitecture": "pipeline",
        "model": "gpt-4o",
        "stt": "deepgram",
        "tts": "cartesia",
        "voiceId": "some-cartesia-voice-id",
        "systemPrompt": "You are a helpful sales agent for Acme Corp...",
        "language": "en",
        "mode": "private",
        "temperature": 0.7
    });
    Mock::given(method("POST"))
        .and(path("/v1/agents"))
        .and(header("authorization", "Bearer tk_live_test"))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "success": true,
            "data": {"id": "agent_new123", "name": "Sales Bot", "agentArchitecture": "pipeline", "active": false, "createdAt": "2024-01-15T10:30:00Z"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let body = tk::PipelineAgentCreate::new(tk::PipelineAgentCreateRequired {
        name: "Sales Bot".into(),
        system_prompt: "You are a helpful sales agent for Acme Corp...".into(),
        model: "gpt-4o".into(),
        stt: "deepgram".into(),
        tts: "cartesia".into(),
    })
    .voice_id("some-cartesia-voice-id")
    .language("en")
    .mode(tk::AgentMode::Private)
    .temperature(0.7);
    let response = client(&server).create_agent(body).send_with_response().await.expect("createAgent");
    let req = only_request(&server).await;
    assert_eq!((req.method.as_str(), req.url.path(), req.url.query()), ("POST", "/v1/agents", None));
    assert_bearer(&req);
    assert_json_body(&req, expected_body);

    assert_eq!(response.status.as_u16(), 201);
    let summary = response.data;
    assert_eq!(summary.id, "agent_new123");
    assert_eq!(summary.active, Some(false));
    assert_eq!(summary.mode, None, "the create response has no mode");
    assert_eq!(summary.created_at.map(|t| t.timestamp()), Some(1_705_314_600));
    assert_eq!(response.envelope, Some(json!({"success": true})));
}

#[tokio::test]
async fn get_agent_returns_the_agent_payload_not_the_envelope() {
    let server = TypedMock::start().await;
    server
        .get_agent()
        .id("agent_abc123")
        .respond(typed::<tk::AgentEnvelope>(json!({"success": true, "data": pipeline_agent_json()})))
        .times(1)
        .mount();
    let agent = mock_client(&server).get_agent("agent_abc123").await.expect("getAgent");
    let req = only_received(&server);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/v1/agents/agent_abc123"));
    assert!(req.query.is_empty());
    assert_mock_bearer(&req);
    match &agent {
        tk::Agent::PipelineAgent(p) => {
            assert_eq!(p.id, "agent_abc123");
            assert_eq!(p.agent_architecture, tk::PipelineAgentAgentArchitecture::Pipeline);
            assert_eq!((p.stt.as_deref(), p.tts.as_deref()), (Some("deepgram"), Some("cartesia")));
            assert_eq!(p.temperature, Some(0.7));
            assert_eq!(p.enabled_functions, Some(vec!["web_search".to_string()]));
        }
        other => panic!("expected a pipeline agent, got {other:?}"),
    }
    assert_eq!(serde_json::to_value(&agent).unwrap(), pipeline_agent_json(), "re-encodes to the payload");
    server.verify();
}

#[tokio::test]
async fn update_agent_patches_the_agent_path_and_returns_the_full_agent() {
    let server = TypedMock::start().await;
    let mut updated = pipeline_agent_json();
    updated["systemPrompt"] = json!("Updated instructions...");
    updated["temperature"] = json!(0.5);
    let update = tk::AgentUpdate::new().system_prompt("Updated instructions...").temperature(0.5).active(true);
    let patch = server
        .update_agent()
        .id("agent_abc123")
        .body(update.clone())
        .respond(typed::<tk::AgentEnvelope>(json!({"success": true, "data": updated})))
        .times(1)
        .mount();
    let agent = mock_client(&server).update_agent("agent_abc123", update.clone()).await.expect("updateAgent");
    let req = only_received(&server);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("PATCH", "/v1/agents/agent_abc123"));
    assert!(req.query.is_empty());
    assert_mock_bearer(&req);
    assert_json_content_type(&req);
    assert_eq!(patch.requests()[0].body, update, "the body as sent, decoded");
    match agent {
        tk::Agent::PipelineAgent(p) => {
            assert_eq!(p.system_prompt.as_deref(), Some("Updated instructions..."));
            assert_eq!(p.temperature, Some(0.5));
        }
        other => panic!("expected a pipeline agent, got {other:?}"),
    }
    server.verify();
}

#[tokio::test]
async fn delete_agent_returns_the_confirmation_payload() {
    let server = TypedMock::start().await;
    server
        .delete_agent()
        .id("agent_abc123")
        .respond(
            tk::DeleteAgentEnvelope::new(tk::DeleteResult::new().message("Agent deleted successfully")).success(true),
        )
        .times(1)
        .mount();
    let response = mock_client(&server).delete_agent("agent_abc123").send_with_response().await.expect("deleteAgent");
    let req = only_received(&server);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("DELETE", "/v1/agents/agent_abc123"));
    assert!(req.query.is_empty());
    assert_mock_bearer(&req);
    assert!(req.body.is_empty());
    assert_eq!(response.data.message.as_deref(), Some("Agent deleted successfully"));
    assert_eq!(response.envelope, Some(json!({"success": true})));
    server.verify();
}

#[tokio::test]
async fn list_custom_functions_returns_the_bare_body_and_filters_by_agent_id() {
    let server = TypedMock::start().await;
    let filtered = server
        .list_custom_functions()
        .agent_id("agent_abc123")
        .respond(typed::<tk::CustomFunctionList>(json!({"functions": [function_json()]})))
        .times(1)
        .mount();
    let unfiltered = server
        .list_custom_functions()
        .matching_described("no agentId", |r| r.agent_id.is_none())
        .respond(tk::CustomFunctionList::new(vec![]))
        .times(1)
        .mount();
    let c = mock_client(&server);
    let response = c.list_custom_functions().agent_id("agent_abc123").send_with_response().await.expect("filtered");
    let all = c.list_custom_functions().await.expect("unfiltered");
    server.verify();
    assert_eq!(filtered.requests()[0].agent_id.as_deref(), Some("agent_abc123"));
    assert_eq!(unfiltered.requests()[0].agent_id, None);
    let requests = server.received();
    assert_eq!(requests[0].query, [("agentId".to_string(), "agent_abc123".to_string())]);
    assert!(requests[1].query.is_empty());
    requests.iter().for_each(assert_mock_bearer);

    // x-envelope: false -- the body itself is the payload and there is no envelope metadata.
    assert_eq!(response.envelope, None);
    let f = &response.data.functions[0];
    assert_eq!(f.id, "fn_001");
    assert_eq!(f.method, Some(tk::HttpMethod::Post));
    assert_eq!(
        f.headers.as_ref().and_then(|h| h.get("Authorization")).map(String::as_str),
        Some("Bearer example-token")
    );
    assert_eq!(f.parameters.as_ref().and_then(|p| p.get("required")), Some(&json!(["order_number"])));
    assert_eq!(serde_json::to_value(f).unwrap(), function_json());
    assert!(all.functions.is_empty());
}

#[tokio::test]
async fn create_custom_function_posts_to_the_agent_path_and_returns_the_bare_result() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "name": "check_order_status",
        "label": "Check order status",
        "description": "Look up the status of an order by its number.",
        "endpoint": "https://api.example.com/orders/status",
        "method": "POST",
        "headers": {"Authorization": "Bearer example-token"},
        "parameters": {"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]}
    });
    Mock::given(method("POST"))
        .and(path("/api/custom-functions/agent_abc123"))
        .and(header("authorization", "Bearer tk_live_test"))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"success": true, "function": function_json()})))
        .expect(1)
        .mount(&server)
        .await;
    let headers: std::collections::BTreeMap<String, String> =
        [("Authorization".to_string(), "Bearer example-token".to_string())].into();
    let parameters = expected_body["parameters"].as_object().unwrap().clone();
    let body = tk::CustomFunctionCreate::new("check_order_status", "https://api.example.com/orders/status")
        .label("Check order status")
        .description("Look up the status of an order by its number.")
        .method(tk::HttpMethod::Post)
        .headers(headers)
        .parameters(parameters);
    let response =
        client(&server).create_custom_function("agent_abc123", body).send_with_response().await.expect("create fn");
    let req = only_request(&server).await;
    assert_eq!(
        (req.method.as_str(), req.url.path(), req.url.query()),
        ("POST", "/api/custom-functions/agent_abc123", None)
    );
    assert_bearer(&req);
    assert_json_body(&req, expected_body);
    assert_eq!(response.status.as_u16(), 201);
    assert_eq!(response.envelope, None, "x-envelope: false");
    assert_eq!(response.data.success, Some(true));
    assert_eq!(response.data.function.map(|f| f.id), Some("fn_001".to_string()));
}

#[tokio::test]
async fn update_custom_function_puts_the_function_id_in_the_body() {
    let server = TypedMock::start().await;
    let put = server
        .update_custom_function()
        .agent_id("agent_abc123")
        .respond(typed::<tk::CustomFunctionResult>(json!({
            "success": true,
            "function": {"id": "fn_001", "name": "check_order_status", "endpoint": "https://api.example.com/v2/orders/status", "method": "POST", "agentId": "agent_abc123", "updatedAt": "2024-01-13T09:00:00Z"}
        })))
        .times(1)
        .mount();
    let body = tk::CustomFunctionUpdate::new("fn_001").endpoint("https://api.example.com/v2/orders/status");
    let result = mock_client(&server).update_custom_function("agent_abc123", body.clone()).await.expect("update fn");
    let req = only_received(&server);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("PUT", "/api/custom-functions/agent_abc123"));
    assert!(req.query.is_empty());
    assert_mock_bearer(&req);
    assert_json_content_type(&req);
    let sent = &put.requests()[0].body;
    assert_eq!(sent, &body);
    assert_eq!(
        (sent.function_id.as_str(), sent.endpoint.as_deref()),
        ("fn_001", Some("https://api.example.com/v2/orders/status"))
    );
    let f = result.function.expect("function");
    assert_eq!(f.endpoint.as_deref(), Some("https://api.example.com/v2/orders/status"));
    assert_eq!(f.created_at, None);
    server.verify();
}

#[tokio::test]
async fn delete_custom_function_sends_the_function_id_as_a_query_parameter() {
    let server = TypedMock::start().await;
    server
        .delete_custom_function()
        .agent_id("agent_abc123")
        .function_id("fn_001")
        .respond(typed::<tk::SuccessMessage>(json!({"success": true, "message": "Custom function deleted"})))
        .times(1)
        .mount();
    let result = mock_client(&server).delete_custom_function("agent_abc123", "fn_001").await.expect("delete fn");
    let req = only_received(&server);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("DELETE", "/api/custom-functions/agent_abc123"));
    assert_eq!(req.query, [("functionId".to_string(), "fn_001".to_string())]);
    assert_mock_bearer(&req);
    assert!(req.body.is_empty());
    assert_eq!((result.success, result.message.as_deref()), (Some(true), Some("Custom function deleted")));
    server.verify();
}

#[tokio::test]
async fn initiate_outbound_call_sends_both_numbers_as_encoded_query_parameters_and_no_body() {
    let server = MockServer::start().await;
    let answer = json!({
        "success": true,
        "message": "Outbound call initiated",
        "room_name": "outbound_agent_abc123_+15551234567_1705314600",
        "agent": {"id": "agent_abc123", "name": "Customer Support"},
        "from_number": "+15557654321",
        "to_number": "+15551234567"
    });
    Mock::given(method("POST"))
        .and(path("/telephony/outbound-call"))
        .and(query_param("to_number", "+15551234567"))
        .and(query_param("from_number", "+15557654321"))
        .and(header("authorization", "Bearer tk_live_test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .initiate_outbound_call("+15551234567", "+15557654321")
        .send_with_response()
        .await
        .expect("outbound call");
    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/telephony/outbound-call");
    // `+` must be percent-encoded, or the server reads it as a space.
    assert_eq!(req.url.query(), Some("to_number=%2B15551234567&from_number=%2B15557654321"));
    assert_bearer(&req);
    assert!(req.body.is_empty(), "parameters are query parameters; there is no body");
    assert_eq!(response.envelope, None, "x-envelope: false");
    let call = response.data;
    assert_eq!(call.room_name.as_deref(), Some("outbound_agent_abc123_+15551234567_1705314600"));
    assert_eq!(call.agent.and_then(|a| a.name).as_deref(), Some("Customer Support"));
    assert_eq!(call.to_number.as_deref(), Some("+15551234567"));
}

#[tokio::test]
async fn a_post_without_body_sends_content_length_zero() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&server)
        .await;
    client(&server).initiate_outbound_call("+15551234567", "+15557654321").await.unwrap();
    let req = only_request(&server).await;
    let length = req.headers.get("content-length").map(|v| v.to_str().unwrap().to_owned());
    let chunked = req.headers.get("transfer-encoding").is_some();
    assert!(length.as_deref() == Some("0") || chunked, "headers sent: {:?}", req.headers);
}

#[tokio::test]
async fn path_parameters_are_percent_encoded_as_one_segment() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": {"message": "ok"}})))
        .mount(&server)
        .await;
    client(&server).delete_agent("a/b c?d").await.unwrap();
    let req = only_request(&server).await;
    assert_eq!(req.url.path(), "/v1/agents/a%2Fb%20c%3Fd");
    assert_eq!(req.url.query(), None);
}

// ------------------------------------------------------------------------------------------
// Constraints checked before sending
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn limit_above_100_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let err = c.list_agents().limit(101).await.expect_err("limit 101");
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(validation_field(&err), ("query.limit".to_string(), "maximum 100".to_string()));
    assert!(err.to_string().contains("limit"), "{err}");
    let err = c.list_agents().limit(0).await.expect_err("limit 0");
    assert_eq!(validation_field(&err), ("query.limit".to_string(), "minimum 1".to_string()));
    let err = c.list_agents().page(0).await.expect_err("page 0");
    assert_eq!(validation_field(&err).0, "query.page");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn limit_of_exactly_100_is_sent() {
    let server = TypedMock::start().await;
    let list = server.list_agents().limit(100).respond(tk::AgentListEnvelope::new(vec![])).times(1).mount();
    mock_client(&server).list_agents().limit(100).await.expect("the maximum itself is allowed");
    assert_eq!(list.requests()[0].limit, Some(100));
    server.verify();
}

#[tokio::test]
async fn non_e164_to_number_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    for bad in ["5551234567", "555-123-4567", "+1 555 123 4567", "+0123456789", "+1234567890123456", "tel:+15551234567"]
    {
        let err = c.initiate_outbound_call(bad, "+15557654321").await.expect_err(bad);
        let (field, rule) = validation_field(&err);
        assert_eq!(field, "query.to_number", "{bad}");
        assert!(rule.starts_with("pattern"), "{bad}: {rule}");
    }
    let err = c.initiate_outbound_call("+15551234567", "0800 FROM").await.expect_err("from_number");
    assert_eq!(validation_field(&err).0, "query.from_number");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn e164_check_rejects_non_ascii_digits() {
    let server = silent_server().await;
    // An ASCII country digit (for `[1-9]`) followed by Arabic-Indic or fullwidth digits, which the
    // spec's ECMA-262 `\d` does not match.
    for bad in ["+1٥٥٥١٢٣٤٥٦٧", "+1５５５１２３４５６７"] {
        let err = client(&server).initiate_outbound_call(bad, "+15557654321").await.expect_err(bad);
        assert_eq!(validation_field(&err).0, "query.to_number", "{bad}");
    }
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn custom_function_name_must_be_snake_case_and_endpoint_https() {
    let server = silent_server().await;
    let c = client(&server);
    let err = c
        .create_custom_function("agent_abc123", tk::CustomFunctionCreate::new("CheckOrder", "https://x.example"))
        .await
        .expect_err("camelCase name");
    assert_eq!(validation_field(&err).0, "body.name");
    let err = c
        .create_custom_function("agent_abc123", tk::CustomFunctionCreate::new("check_order", "http://x.example"))
        .await
        .expect_err("plain http");
    assert_eq!(validation_field(&err).0, "body.endpoint");
    let err = c
        .update_custom_function("agent_abc123", tk::CustomFunctionUpdate::new("fn_001").endpoint("ftp://x"))
        .await
        .expect_err("update endpoint");
    assert_eq!(validation_field(&err).0, "body.endpoint");
    assert_nothing_sent(&server).await;
}

/// The required fields per architecture (seed 003's table) are the constructors' parameters:
/// a pipeline create without `stt` cannot be written. Each constructor's output holds exactly
/// the required fields.
#[test]
fn each_architecture_constructor_takes_exactly_its_required_fields() {
    let pipeline: tk::AgentCreate = tk::PipelineAgentCreate::new(tk::PipelineAgentCreateRequired {
        name: "n".into(),
        system_prompt: "p".into(),
        model: "gpt-4o".into(),
        stt: "deepgram".into(),
        tts: "cartesia".into(),
    })
    .into();
    assert_eq!(
        serde_json::to_value(&pipeline).unwrap(),
        json!({"name": "n", "agentArchitecture": "pipeline", "systemPrompt": "p", "model": "gpt-4o", "stt": "deepgram", "tts": "cartesia"})
    );
    let realtime: tk::AgentCreate = tk::RealtimeAgentCreate::new(tk::RealtimeAgentCreateRequired {
        name: "n".into(),
        system_prompt: "p".into(),
        realtime_provider: "openai".into(),
    })
    .into();
    assert_eq!(
        serde_json::to_value(&realtime).unwrap(),
        json!({"name": "n", "agentArchitecture": "realtime", "systemPrompt": "p", "realtimeProvider": "openai"})
    );
    let text: tk::AgentCreate = tk::TextAgentCreate::new(tk::TextAgentCreateRequired {
        name: "n".into(),
        system_prompt: "p".into(),
        model: "gpt-4o-mini".into(),
    })
    .into();
    assert_eq!(
        serde_json::to_value(&text).unwrap(),
        json!({"name": "n", "agentArchitecture": "text", "systemPrompt": "p", "model": "gpt-4o-mini"})
    );
}

#[test]
fn a_create_body_missing_a_field_its_architecture_requires_does_not_decode() {
    let pipeline = json!({"name": "n", "agentArchitecture": "pipeline", "systemPrompt": "p", "model": "m", "stt": "s", "tts": "t"});
    let realtime =
        json!({"name": "n", "agentArchitecture": "realtime", "systemPrompt": "p", "realtimeProvider": "openai"});
    let text = json!({"name": "n", "agentArchitecture": "text", "systemPrompt": "p", "model": "m"});
    for complete in [&pipeline, &realtime, &text] {
        serde_json::from_value::<tk::AgentCreate>(complete.clone()).unwrap_or_else(|e| panic!("{complete}: {e}"));
    }
    let without = |v: &Value, field: &str| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove(field);
        v
    };
    let cases = [
        (without(&pipeline, "stt"), "stt"),
        (without(&pipeline, "tts"), "tts"),
        (without(&pipeline, "model"), "model"),
        (without(&pipeline, "systemPrompt"), "systemPrompt"),
        (without(&realtime, "realtimeProvider"), "realtimeProvider"),
        (without(&text, "model"), "model"),
        (without(&text, "name"), "name"),
    ];
    for (body, missing) in cases {
        let err =
            serde_json::from_value::<tk::AgentCreate>(body.clone()).expect_err(&format!("{body} without {missing}"));
        assert!(err.to_string().contains(missing), "the error names `{missing}`: {err}");
    }
    // A pipeline body must not be accepted as a text agent just because it has `model`.
    let err = serde_json::from_value::<tk::AgentCreate>(without(&pipeline, "agentArchitecture")).expect_err("untagged");
    assert!(err.to_string().contains("agentArchitecture"), "{err}");
}

/// The variant's type decides the tag: its constructor takes no tag, and even a tag field
/// overwritten by hand goes out as the variant's own.
#[tokio::test]
async fn a_variant_always_sends_its_own_architecture_tag() {
    let server = TypedMock::start().await;
    let create = server
        .create_agent()
        .respond(tk::AgentSummaryEnvelope::new(tk::AgentSummary::new("x")).success(true))
        .times(1)
        .mount();
    let mut body = tk::PipelineAgentCreate::new(tk::PipelineAgentCreateRequired {
        name: "n".into(),
        system_prompt: "p".into(),
        model: "m".into(),
        stt: "s".into(),
        tts: "t".into(),
    });
    body.agent_architecture = "realtime".into();
    mock_client(&server).create_agent(body).await.expect("created");
    match &create.requests()[0].body {
        tk::AgentCreate::PipelineAgentCreate(p) => {
            assert_eq!(
                p.agent_architecture,
                tk::PipelineAgentCreateAgentArchitecture::Pipeline,
                "a pipeline body went out tagged {:?}",
                p.agent_architecture
            )
        }
        other => panic!("a pipeline body was received as {other:?}"),
    }
    server.verify();
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn error_envelope_decodes_into_the_typed_error() {
    let server = TypedMock::start().await;
    server
        .get_agent()
        .id("agent_missing")
        .respond_error(404, tk::ErrorEnvelope::new("Agent not found").success(false).code("NOT_FOUND"))
        .header("x-request-id", "req-404")
        .times(1)
        .mount();
    let err = mock_client(&server).get_agent("agent_missing").await.expect_err("404");
    server.verify();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("NOT_FOUND"));
    assert_eq!(err.message(), Some("Agent not found"));
    assert_eq!(err.request_id(), Some("req-404"));
    let body = err.body_as::<tk::ErrorEnvelope>().expect("typed TalkifAI error body");
    assert_eq!(
        (body.success, body.error.as_str(), body.code.as_deref()),
        (Some(false), "Agent not found", Some("NOT_FOUND"))
    );
    let shown = err.to_string();
    assert!(shown.contains("404") && shown.contains("NOT_FOUND") && shown.contains("Agent not found"), "{shown}");
}

#[tokio::test]
async fn forbidden_update_is_a_permission_error_with_its_code() {
    let server = TypedMock::start().await;
    server
        .update_agent()
        .respond_error(
            403,
            tk::ErrorEnvelope::new("Only org owners/admins can update public or commercial agents")
                .success(false)
                .code("FORBIDDEN"),
        )
        .times(1)
        .mount();
    let err =
        mock_client(&server).update_agent("agent_abc123", tk::AgentUpdate::new().active(false)).await.expect_err("403");
    server.verify();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.code(), Some("FORBIDDEN"));
    assert!(err.message().unwrap().starts_with("Only org owners/admins"));
}

#[tokio::test]
async fn rate_limit_error_keeps_code_message_and_retry_after() {
    let server = TypedMock::start().await;
    server
        .list_agents()
        .respond_error(429, tk::ErrorEnvelope::new("Rate limit exceeded").success(false).code("RATE_LIMIT_EXCEEDED"))
        .header("retry-after", "30")
        .header("x-ratelimit-limit", "60")
        .times(1)
        .mount();
    let err = mock_client(&server).list_agents().max_retries(0).await.expect_err("429");
    server.verify();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.code(), Some("RATE_LIMIT_EXCEEDED"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.headers().and_then(|h| h.get("x-ratelimit-limit")).map(|v| v.to_str().unwrap()), Some("60"));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn an_error_status_the_spec_does_not_list_still_decodes_the_error_envelope() {
    // listCustomFunctions declares 401/429/500 only; a 403 with the standard body stays typed.
    let server = TypedMock::start().await;
    server
        .list_custom_functions()
        .agent_id("agent_other")
        .reply(Reply::new(403).json(&tk::ErrorEnvelope::new("Not your agent").success(false).code("FORBIDDEN")))
        .times(1)
        .mount();
    let err = mock_client(&server).list_custom_functions().agent_id("agent_other").await.expect_err("403");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.code(), Some("FORBIDDEN"));
    assert!(err.body_as::<tk::ErrorEnvelope>().is_some());
    server.verify();
}

#[tokio::test]
async fn an_error_body_without_code_still_gives_the_message() {
    let server = TypedMock::start().await;
    server
        .create_agent()
        .respond_error(400, tk::ErrorEnvelope::new("systemPrompt is required").success(false))
        .times(1)
        .mount();
    let body = tk::TextAgentCreate::new(tk::TextAgentCreateRequired {
        name: "n".into(),
        system_prompt: "".into(),
        model: "m".into(),
    });
    let err = mock_client(&server).create_agent(body).await.expect_err("400");
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert_eq!(err.code(), None);
    assert_eq!(err.message(), Some("systemPrompt is required"));
    server.verify();
}

/// The spec marks the outbound call `x-retry: false`: its 408 means a call was placed and not
/// answered, so a retry would ring the person again.
#[tokio::test]
async fn outbound_call_sip_timeout_is_not_retried() {
    let server = TypedMock::start().await;
    let dial = server
        .initiate_outbound_call()
        .respond_error(408, tk::ErrorEnvelope::new("SIP call timed out").success(false).code("SIP_TIMEOUT"))
        .times(1)
        .mount();
    let err = mock_client(&server).initiate_outbound_call("+15551234567", "+15557654321").await.expect_err("408");
    assert_eq!(err.code(), Some("SIP_TIMEOUT"));
    assert_eq!(err.attempts(), 1, "the number was dialled {} times", err.attempts());
    assert_eq!((dial.hits(), server.received().len()), (1, 1), "one dial only");
    server.verify();
}

#[tokio::test]
async fn a_success_body_that_does_not_match_is_a_decode_error_naming_the_path() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "data": [summary_json("a"), {"name": "no id"}]})),
        )
        .mount(&server)
        .await;
    let err = client(&server).list_agents().await.expect_err("missing id");
    assert_eq!(err.kind(), ErrorKind::Decode);
    let decode = err.decode().expect("decode details");
    assert_eq!(decode.path(), "$.data[1]");
    assert!(decode.message().contains("id"), "{}", decode.message());
}

// ------------------------------------------------------------------------------------------
// Partial updates
// ------------------------------------------------------------------------------------------

async fn sent_update_body(update: tk::AgentUpdate) -> Value {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/agents/agent_abc123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": pipeline_agent_json()})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).update_agent("agent_abc123", update).await.expect("updateAgent");
    server.verify().await;
    body_of(&only_request(&server).await)
}

#[tokio::test]
async fn update_agent_sends_only_the_fields_that_were_set() {
    assert_eq!(sent_update_body(tk::AgentUpdate::new()).await, json!({}), "nothing set, nothing sent");
    assert_eq!(sent_update_body(tk::AgentUpdate::new().name("Renamed")).await, json!({"name": "Renamed"}));
    assert_eq!(
        sent_update_body(
            tk::AgentUpdate::new()
                .voice_id("voice_new")
                .language("de")
                .mode(tk::AgentMode::Commercial)
                .enabled_functions(vec!["web_search".to_string()])
                .enabled_custom_functions(Vec::<String>::new())
        )
        .await,
        json!({"voiceId": "voice_new", "language": "de", "mode": "commercial", "enabledFunctions": ["web_search"], "enabledCustomFunctions": []})
    );
}

#[tokio::test]
async fn update_agent_null_setters_send_an_explicit_null_and_unset_fields_stay_absent() {
    let body = sent_update_body(tk::AgentUpdate::new().null_voice_id().null_temperature().active(true)).await;
    assert_eq!(body, json!({"voiceId": null, "temperature": null, "active": true}));
    let body = sent_update_body(tk::AgentUpdate::new().null_language()).await;
    assert_eq!(body, json!({"language": null}));
    // The last setter wins: a value after null, null after a value.
    let body =
        sent_update_body(tk::AgentUpdate::new().null_temperature().temperature(0.2).voice_id("v").null_voice_id())
            .await;
    assert_eq!(body, json!({"temperature": 0.2, "voiceId": null}));
    // Decoding a PATCH body keeps the three states apart.
    let decoded: tk::AgentUpdate = serde_json::from_value(json!({"voiceId": null, "temperature": 0.1})).unwrap();
    assert_eq!(
        (decoded.voice_id, decoded.temperature, decoded.language),
        (Nullable::Null, Nullable::Value(0.1), Nullable::Absent)
    );
}

// ------------------------------------------------------------------------------------------
// Pagination
// ------------------------------------------------------------------------------------------

/// Pages 1 to 3 of two agents each (`limit=2`), each expected once; a request without `page`
/// asks for the default page 1. Any other request is answered 501 and fails `verify`.
fn mount_three_talkifai_pages(server: &TypedMock) -> Vec<Mounted<tk::mock::ListAgentsReceived>> {
    let pages = [(1, vec!["a1", "a2"], true), (2, vec!["a3", "a4"], true), (3, vec!["a5"], false)];
    pages
        .into_iter()
        .map(|(n, ids, has_next)| {
            let data: Vec<Value> = ids.iter().map(|id| summary_json(id)).collect();
            server
                .list_agents()
                .matching_described(format!("page {n}"), move |r| r.page.unwrap_or(1) == n)
                .limit(2)
                .respond(typed::<tk::AgentListEnvelope>(json!({
                    "success": true,
                    "data": data,
                    "pagination": {"page": n, "limit": 2, "total": 5, "hasNext": has_next, "hasPrev": n > 1}
                })))
                .times(1)
                .mount()
        })
        .collect()
}

fn pages_requested(requests: &[RecordedRequest]) -> Vec<Option<String>> {
    requests.iter().map(|r| r.query.iter().find(|(k, _)| k == "page").map(|(_, v)| v.clone())).collect()
}

#[tokio::test]
async fn items_walks_three_pages_and_stops_when_has_next_is_false() {
    let server = TypedMock::start().await;
    let pages = mount_three_talkifai_pages(&server);
    let c = mock_client(&server);
    let items: Vec<_> = c.list_agents().limit(2).items().collect().await;
    let ids: Vec<String> = items.into_iter().map(|r| r.expect("item").id).collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4", "a5"]);
    server.verify();
    assert_eq!(pages.iter().map(Mounted::hits).collect::<Vec<_>>(), [1, 1, 1]);
    let requests = server.received();
    let asked = pages_requested(&requests);
    assert_eq!(asked.len(), 3, "three requests: {asked:?}");
    assert!(matches!(asked[0].as_deref(), None | Some("1")), "first request asks for page 1: {asked:?}");
    assert_eq!(asked[1..], [Some("2".to_string()), Some("3".to_string())]);
    for page in &pages {
        assert_eq!(page.requests()[0].limit, Some(2));
    }
    requests.iter().for_each(assert_mock_bearer);
}

#[tokio::test]
async fn pages_streams_each_page_once_with_its_metadata() {
    let server = TypedMock::start().await;
    mount_three_talkifai_pages(&server);
    let pages: Vec<_> = mock_client(&server).list_agents().limit(2).pages().collect().await;
    let summary: Vec<(u64, usize, bool, Option<u64>)> =
        pages.into_iter().map(|p| p.expect("page")).map(|p| (p.number, p.items.len(), p.has_next, p.total)).collect();
    assert_eq!(summary, [(1, 2, true, Some(5)), (2, 2, true, Some(5)), (3, 1, false, Some(5))]);
    server.verify();
}

#[tokio::test]
async fn items_yields_the_error_of_a_failing_page_and_then_ends() {
    let server = TypedMock::start().await;
    server
        .list_agents()
        .matching(|r| r.page.unwrap_or(1) == 1)
        .respond(typed::<tk::AgentListEnvelope>(json!({
            "success": true, "data": [summary_json("a1"), summary_json("a2")], "pagination": {"page": 1, "hasNext": true}
        })))
        .times(1)
        .mount();
    // listAgents declares no 404: sent as given.
    server
        .list_agents()
        .page(2)
        .reply(Reply::new(404).json(&tk::ErrorEnvelope::new("Page not found").success(false).code("NOT_FOUND")))
        .times(1)
        .mount();
    let results: Vec<_> = mock_client(&server).list_agents().limit(2).items().collect().await;
    assert_eq!(results.len(), 3, "two items, then the error, then the end");
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().expect_err("page 2 failed");
    assert_eq!((err.kind(), err.code()), (ErrorKind::NotFound, Some("NOT_FOUND")));
    assert_eq!(server.received().len(), 2, "nothing after the error");
    server.verify();
}

#[tokio::test]
async fn fetch_page_returns_one_page_with_has_next_and_total() {
    let server = TypedMock::start().await;
    server
        .list_agents()
        .page(2)
        .limit(2)
        .respond(typed::<tk::AgentListEnvelope>(json!({
            "success": true,
            "data": [summary_json("a3"), summary_json("a4")],
            "pagination": {"page": 2, "total": 5, "hasNext": true}
        })))
        .times(1)
        .mount();
    let page = mock_client(&server).list_agents().page(2).limit(2).fetch_page().await.expect("page 2");
    server.verify();
    assert_eq!(page.number, 2);
    assert_eq!(page.items.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["a3", "a4"]);
    assert!(page.has_next);
    assert_eq!(page.total, Some(5));
    assert_eq!(page.status.as_u16(), 200);

    // The flag wins over arithmetic: hasNext false ends the list even if the total says more.
    let server = TypedMock::start().await;
    server
        .list_agents()
        .respond(typed::<tk::AgentListEnvelope>(json!({
            "success": true, "data": [summary_json("a1")], "pagination": {"page": 1, "total": 99, "hasNext": false}
        })))
        .mount();
    let page = mock_client(&server).list_agents().fetch_page().await.unwrap();
    assert_eq!((page.number, page.has_next, page.total), (1, false, Some(99)));
}

// ------------------------------------------------------------------------------------------
// The agentArchitecture union
// ------------------------------------------------------------------------------------------

/// `getAgent` answered with `data` exactly as given (raw JSON: unknown members and nulls kept).
async fn get_agent_returning(data: Value) -> tk::Agent {
    let server = TypedMock::start().await;
    server
        .get_agent()
        .id("agent_x")
        .reply(Reply::new(200).json(&json!({"success": true, "data": data})))
        .times(1)
        .mount();
    let agent = mock_client(&server).get_agent("agent_x").await.expect("getAgent decodes");
    server.verify();
    agent
}

#[tokio::test]
async fn get_agent_with_an_unknown_architecture_decodes_into_unknown_keeping_the_raw_object() {
    let raw = json!({
        "id": "agent_hy1",
        "name": "Hybrid",
        "agentArchitecture": "hybrid",
        "model": "gpt-5",
        "router": {"fallback": "pipeline", "threshold": 0.4},
        "active": true
    });
    match get_agent_returning(raw.clone()).await {
        tk::Agent::Unknown(kept) => assert_eq!(kept, raw, "kept as received"),
        other => panic!("expected the Unknown fallback, got {other:?}"),
    }
    // It encodes back unchanged too.
    let agent: tk::Agent = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(serde_json::to_value(&agent).unwrap(), raw);
}

#[tokio::test]
async fn get_agent_known_architectures_decode_into_their_variants() {
    assert!(matches!(get_agent_returning(pipeline_agent_json()).await, tk::Agent::PipelineAgent(_)));
    match get_agent_returning(json!({
        "id": "agent_rt456", "agentArchitecture": "realtime", "realtimeProvider": "openai", "voiceId": "alloy", "temperature": null
    }))
    .await
    {
        tk::Agent::RealtimeAgent(r) => {
            assert_eq!(r.realtime_provider.as_deref(), Some("openai"));
            assert_eq!(r.temperature, None, "null temperature decodes as None");
        }
        other => panic!("expected a realtime agent, got {other:?}"),
    }
    match get_agent_returning(
        json!({"id": "agent_txt789", "agentArchitecture": "text", "model": "gpt-4o-mini", "active": false}),
    )
    .await
    {
        tk::Agent::TextAgent(t) => assert_eq!((t.model.as_deref(), t.active), (Some("gpt-4o-mini"), Some(false))),
        other => panic!("expected a text agent, got {other:?}"),
    }
}

#[tokio::test]
async fn create_agent_bodies_carry_the_architecture_tag_of_their_variant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/agents"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"success": true, "data": {"id": "agent_new"}})))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server);
    let bodies: [tk::AgentCreate; 3] = [
        tk::PipelineAgentCreate::new(tk::PipelineAgentCreateRequired {
            name: "Sales Bot".into(),
            system_prompt: "p".into(),
            model: "gpt-4o".into(),
            stt: "deepgram".into(),
            tts: "cartesia".into(),
        })
        .into(),
        tk::RealtimeAgentCreate::new(tk::RealtimeAgentCreateRequired {
            name: "Low Latency Support".into(),
            system_prompt: "p".into(),
            realtime_provider: "openai".into(),
        })
        .voice_id("alloy")
        .language("en")
        .mode(tk::AgentMode::Public)
        .into(),
        tk::TextAgentCreate::new(tk::TextAgentCreateRequired {
            name: "Support Chatbot".into(),
            system_prompt: "p".into(),
            model: "gpt-4o-mini".into(),
        })
        .temperature(0.3)
        .into(),
    ];
    for body in bodies {
        c.create_agent(body).await.expect("createAgent");
    }
    server.verify().await;
    let sent: Vec<Value> = server.received_requests().await.unwrap().iter().map(body_of).collect();
    assert_eq!(
        sent,
        [
            json!({"name": "Sales Bot", "agentArchitecture": "pipeline", "systemPrompt": "p", "model": "gpt-4o", "stt": "deepgram", "tts": "cartesia"}),
            json!({"name": "Low Latency Support", "agentArchitecture": "realtime", "systemPrompt": "p", "realtimeProvider": "openai", "voiceId": "alloy", "language": "en", "mode": "public"}),
            json!({"name": "Support Chatbot", "agentArchitecture": "text", "systemPrompt": "p", "model": "gpt-4o-mini", "temperature": 0.3}),
        ]
    );
}

#[test]
fn a_create_body_with_an_unknown_architecture_is_rejected_on_decode() {
    // Requests are closed: there is no Unknown create variant to send.
    let err = serde_json::from_value::<tk::AgentCreate>(
        json!({"name": "n", "agentArchitecture": "hybrid", "systemPrompt": "p"}),
    )
    .expect_err("hybrid create");
    assert!(err.to_string().contains("agentArchitecture"), "{err}");
}

// ------------------------------------------------------------------------------------------
// Forward compatibility
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_enum_values_and_unknown_fields_decode() {
    let server = TypedMock::start().await;
    server
        .list_agents()
        .reply(Reply::new(200).json(&json!({
            "success": true,
            "requestId": "new-top-level-field",
            "data": [{
                "id": "agent_new",
                "mode": "team",
                "agentArchitecture": "hybrid",
                "active": true,
                "tags": ["beta"],
                "owner": {"id": "user_1"}
            }],
            "pagination": {"page": 1, "total": 1, "hasNext": false, "cursor": "abc"}
        })))
        .mount();
    server
        .list_custom_functions()
        .reply(Reply::new(200).json(&json!({
            "functions": [{"id": "fn_9", "method": "DELETE", "timeoutMs": 5000}],
            "count": 1
        })))
        .mount();
    server
        .get_agent()
        .id("agent_new")
        .reply(Reply::new(200).json(&json!({
            "success": true,
            "data": {"id": "agent_new", "agentArchitecture": "pipeline", "mode": "team", "interruptions": {"enabled": true}}
        })))
        .mount();
    let c = mock_client(&server);

    let response = c.list_agents().send_with_response().await.expect("unknown values decode");
    let agent = &response.data[0];
    assert_eq!(agent.mode, Some(tk::AgentMode::Unknown("team".into())));
    assert_eq!(agent.agent_architecture, Some(tk::AgentArchitecture::Unknown("hybrid".into())));
    assert_eq!(agent.agent_architecture.as_ref().unwrap().as_str(), "hybrid");
    let reencoded = serde_json::to_value(agent).unwrap();
    assert_eq!((reencoded["mode"].as_str(), reencoded["agentArchitecture"].as_str()), (Some("team"), Some("hybrid")));
    let envelope = response.envelope.expect("envelope");
    assert_eq!(envelope["requestId"], "new-top-level-field", "unknown envelope members are kept");
    assert_eq!(envelope["pagination"]["cursor"], "abc");

    let functions = c.list_custom_functions().await.expect("unknown method decodes");
    assert_eq!(functions.functions[0].method, Some(tk::HttpMethod::Unknown("DELETE".into())));

    match c.get_agent("agent_new").await.expect("unknown mode in a known variant decodes") {
        tk::Agent::PipelineAgent(p) => assert_eq!(p.mode, Some(tk::AgentMode::Unknown("team".into()))),
        other => panic!("expected a pipeline agent, got {other:?}"),
    }
    server.verify();
}
