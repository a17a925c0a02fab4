//! The generated Ayra client against a local mock server: every operation's method, URL, auth
//! header, body and decoding; client-side constraints; typed errors with their context fields;
//! partial updates; pagination by `meta.total`; forward compatibility.
//!
//! Tests that check the SDK's requests by their typed content run against the generated typed
//! mock (`ayra::mock`); those that check exact bytes on the wire (query encoding and order,
//! exact JSON bodies) stay on wiremock.

use std::collections::BTreeMap;
use voice_agents_tests::mock::{
    assert_json_body, assert_nothing_sent, body_of, silent_server, sole_request, typed, validation_error as validation,
};

use futures_util::StreamExt;
use serde_json::{json, Value};
use voice_agents::ayra;
use voice_agents::ayra::mock::{MockServer as TypedMock, Mounted, RecordedRequest};
use voice_agents::runtime::{ErrorKind, Nullable};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk_live_test";

fn client(server: &MockServer) -> ayra::Client {
    ayra::Client::builder().bearer_auth(KEY).base_url(format!("{}/v1", server.uri())).build().expect("client builds")
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("request recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
    requests.remove(0)
}

fn assert_bearer(req: &Request) {
    assert_eq!(req.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer sk_live_test"));
}

/// A client of the typed mock, with the test key as its Bearer credential.
fn mock_client(server: &TypedMock) -> ayra::Client {
    server.client_builder().bearer_auth(KEY).build().expect("client builds")
}

/// The one request the typed mock saw, as it arrived.
fn only_received(server: &TypedMock) -> RecordedRequest {
    sole_request(server.received())
}

fn assert_mock_bearer(req: &RecordedRequest) {
    assert_eq!(req.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer sk_live_test"));
}

fn agent_json() -> Value {
    json!({
        "id": "agent_abc123xyz789",
        "name": "Customer Support Agent",
        "phone_number": "+15551234567",
        "voice_platform": "vapi",
        "voice_id": "voice_professional_female_1",
        "language": "en",
        "system_prompt": "You are a helpful and friendly customer support agent for Acme Corporation...",
        "welcome_message": "Thank you for calling Acme Corporation. How may I help you today?",
        "transfer_number": "+15559876543",
        "business_hours": {"timezone": "America/New_York", "schedule": [{"day": "mon", "open": "09:00", "close": "17:00"}]},
        "recording_enabled": true,
        "transcription_enabled": true,
        "status": "active",
        "metadata": {"client_id": "client_789", "department": "support"},
        "created_at": "2025-01-15T10:30:00Z",
        "updated_at": "2025-01-15T14:22:00Z"
    })
}

fn meta(request_id: &str) -> Value {
    json!({"request_id": request_id, "timestamp": "2025-01-15T14:30:00Z"})
}

fn conversation_json(id: &str) -> Value {
    json!({
        "id": id,
        "agent_id": "agent_abc123xyz789",
        "status": "completed",
        "caller": "+15551230000",
        "start_time": "2025-01-15T15:00:00Z",
        "end_time": "2025-01-15T15:03:05Z",
        "duration": 185,
        "sentiment": "positive",
        "outcome": "resolved",
        "summary": "Customer asked about a late order."
    })
}

fn minimal_agent(id: &str) -> Value {
    json!({"id": id, "name": format!("Agent {id}"), "voice_platform": "retell", "status": "active"})
}

// ------------------------------------------------------------------------------------------
// Client setup
// ------------------------------------------------------------------------------------------

#[test]
fn default_server_carries_the_v1_prefix() {
    assert_eq!(
        <ayra::Client as voice_agents_runtime::__private::ApiClient>::API.servers[0].url,
        "https://api.ayra.ai/v1"
    );
    assert_eq!(
        <ayra::Client as voice_agents_runtime::__private::ApiClient>::API
            .security_schemes
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>(),
        ["BearerAuth"]
    );
}

#[test]
fn the_key_never_appears_in_debug_output() {
    let c = ayra::Client::builder().bearer_auth("sk_live_SECRET").build().unwrap();
    assert!(!format!("{c:?}").contains("SECRET"));
}

#[tokio::test]
async fn a_client_without_credentials_fails_before_sending() {
    let server = silent_server().await;
    let c = ayra::Client::builder().base_url(format!("{}/v1", server.uri())).build().unwrap();
    let err = c.list_agents().await.expect_err("no credential");
    assert_eq!(err.kind(), ErrorKind::MissingCredential);
    assert_nothing_sent(&server).await;
}

// ------------------------------------------------------------------------------------------
// Every operation
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_agent_posts_the_body_and_returns_the_agent_with_meta_request_id() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "name": "Customer Support Agent",
        "voice_platform": "vapi",
        "phone_number": "+15551234567",
        "voice_id": "voice_professional_female_1",
        "language": "en",
        "system_prompt": "You are a helpful and friendly customer support agent for Acme Corporation...",
        "welcome_message": "Thank you for calling Acme Corporation. How may I help you today?",
        "transfer_number": "+15559876543",
        "business_hours": {"timezone": "America/New_York", "schedule": [{"day": "mon", "open": "09:00", "close": "17:00"}]},
        "recording_enabled": true,
        "transcription_enabled": false,
        "metadata": {"client_id": "client_789", "department": "support"}
    });
    Mock::given(method("POST"))
        .and(path("/v1/agents"))
        .and(header("authorization", "Bearer sk_live_test"))
        .and(body_json(&expected_body))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"data": agent_json(), "meta": meta("req_create_abc123")})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let schedule = vec![json!({"day": "mon", "open": "09:00", "close": "17:00"}).as_object().unwrap().clone()];
    let metadata: ayra::Metadata =
        [("client_id".to_string(), "client_789".to_string()), ("department".to_string(), "support".to_string())].into();
    let body = ayra::AgentCreate::new("Customer Support Agent", ayra::VoicePlatform::Vapi)
        .phone_number("+15551234567")
        .voice_id("voice_professional_female_1")
        .language("en")
        .system_prompt("You are a helpful and friendly customer support agent for Acme Corporation...")
        .welcome_message("Thank you for calling Acme Corporation. How may I help you today?")
        .transfer_number("+15559876543")
        .business_hours(ayra::BusinessHours::new().timezone("America/New_York").schedule(schedule))
        .recording_enabled(true)
        .transcription_enabled(false)
        .metadata(metadata);
    let response = client(&server).create_agent(body).send_with_response().await.expect("createAgent");
    let req = only_request(&server).await;
    assert_eq!((req.method.as_str(), req.url.path(), req.url.query()), ("POST", "/v1/agents", None));
    assert_bearer(&req);
    assert_json_body(&req, expected_body);

    assert_eq!(response.status.as_u16(), 201);
    assert_eq!(response.request_id.as_deref(), Some("req_create_abc123"), "from meta.request_id (no header)");
    assert_eq!(response.envelope, Some(json!({"meta": meta("req_create_abc123")})));
    let agent = response.data;
    assert_eq!(agent.id, "agent_abc123xyz789");
    assert_eq!(agent.voice_platform, Some(ayra::VoicePlatform::Vapi));
    assert_eq!(serde_json::to_value(&agent).unwrap(), agent_json(), "the payload re-encodes to `data`");
}

#[tokio::test]
async fn create_agent_with_only_the_required_fields_sends_only_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/agents"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": minimal_agent("agent_min")})))
        .expect(1)
        .mount(&server)
        .await;
    let agent = client(&server)
        .create_agent(ayra::AgentCreate::new("After-hours Line", ayra::VoicePlatform::Retell))
        .await
        .expect("createAgent");
    assert_json_body(&only_request(&server).await, json!({"name": "After-hours Line", "voice_platform": "retell"}));
    assert_eq!(agent.voice_platform, Some(ayra::VoicePlatform::Retell));
}

#[tokio::test]
async fn list_agents_sends_every_filter_and_returns_the_data_array_with_meta_in_the_envelope() {
    let server = MockServer::start().await;
    let list_meta = json!({"request_id": "req_list_abc123", "timestamp": "2025-01-15T14:30:00Z", "page": 2, "per_page": 10, "total": 11, "total_pages": 2});
    Mock::given(method("GET"))
        .and(path("/v1/agents"))
        .and(header("authorization", "Bearer sk_live_test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [agent_json()], "meta": list_meta})))
        .expect(1)
        .mount(&server)
        .await;
    let after = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let before = chrono::DateTime::parse_from_rfc3339("2025-02-01T12:30:00Z").unwrap().with_timezone(&chrono::Utc);
    let response = client(&server)
        .list_agents()
        .page(2)
        .per_page(10)
        .status(ayra::AgentStatus::Paused)
        .voice_platform(ayra::VoicePlatform::Retell)
        .language("en")
        .search("support desk")
        .created_after(after)
        .created_before(before)
        .sort_by(ayra::ListAgentsSortBy::UpdatedAt)
        .sort_order(ayra::SortOrder::Asc)
        .send_with_response()
        .await
        .expect("listAgents");
    let req = only_request(&server).await;
    assert_eq!((req.method.as_str(), req.url.path()), ("GET", "/v1/agents"));
    assert_eq!(
        req.url.query(),
        Some(
            "page=2&per_page=10&status=paused&voice_platform=retell&language=en&search=support+desk\
             &created_after=2025-01-01T00%3A00%3A00Z&created_before=2025-02-01T12%3A30%3A00Z\
             &sort_by=updated_at&sort_order=asc"
        )
    );
    assert_bearer(&req);
    assert!(req.body.is_empty());
    assert_eq!(response.data.len(), 1);
    assert_eq!(response.data[0].status, Some(ayra::AgentStatus::Active));
    assert_eq!(response.request_id.as_deref(), Some("req_list_abc123"));
    assert_eq!(response.envelope, Some(json!({"meta": list_meta})));
}

#[tokio::test]
async fn get_agent_takes_the_request_id_from_meta_unless_a_header_carries_one() {
    let server = TypedMock::start().await;
    let get = server
        .get_agent()
        .agent_id("agent_abc123xyz789")
        .respond(typed::<ayra::AgentEnvelope>(json!({"data": agent_json(), "meta": meta("req_get_abc123")})))
        .times(2)
        .mount();
    server
        .get_agent()
        .agent_id("agent_hdr")
        .respond(typed::<ayra::AgentEnvelope>(
            json!({"data": minimal_agent("agent_hdr"), "meta": meta("req_from_body")}),
        ))
        .header("x-request-id", "req_from_header")
        .times(1)
        .mount();
    let c = mock_client(&server);
    let response = c.get_agent("agent_abc123xyz789").send_with_response().await.expect("getAgent");
    assert_eq!(response.request_id.as_deref(), Some("req_get_abc123"));
    assert_eq!(response.data.business_hours.as_ref().and_then(|b| b.timezone.as_deref()), Some("America/New_York"));
    assert_eq!(response.data.metadata.as_ref().and_then(|m| m.get("department")).map(String::as_str), Some("support"));
    let with_header = c.get_agent("agent_hdr").send_with_response().await.unwrap();
    assert_eq!(with_header.request_id.as_deref(), Some("req_from_header"), "the header wins");
    // Plain `.await` hands over the payload only.
    let agent: ayra::Agent = c.get_agent("agent_abc123xyz789").await.unwrap();
    assert_eq!(agent.created_at.map(|t| t.timestamp()), Some(1_736_937_000));
    server.verify();
    assert_eq!(get.requests()[0].agent_id, "agent_abc123xyz789");
    let requests = server.received();
    assert_eq!((requests[0].path.as_str(), requests[0].query.len()), ("/v1/agents/agent_abc123xyz789", 0));
    requests.iter().for_each(assert_mock_bearer);
}

#[tokio::test]
async fn update_agent_puts_the_seed_004_body_and_returns_the_updated_agent() {
    let server = MockServer::start().await;
    let mut updated = agent_json();
    updated["metadata"] = json!({"client_id": "client_789", "department": "support", "version": "2.0", "last_updated_by": "john@company.com"});
    Mock::given(method("PUT"))
        .and(path("/v1/agents/agent_abc123xyz789"))
        .and(header("authorization", "Bearer sk_live_test"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": updated, "meta": meta("req_update_xyz456")})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let metadata: ayra::Metadata =
        [("version".to_string(), "2.0".to_string()), ("last_updated_by".to_string(), "john@company.com".to_string())]
            .into();
    let update = ayra::AgentUpdate::new()
        .system_prompt("You are a helpful customer support agent...")
        .welcome_message("Thank you for calling Acme Corporation. This is your AI assistant. How may I help you today?")
        .metadata(metadata);
    let response =
        client(&server).update_agent("agent_abc123xyz789", update).send_with_response().await.expect("update");
    let req = only_request(&server).await;
    assert_eq!((req.method.as_str(), req.url.path(), req.url.query()), ("PUT", "/v1/agents/agent_abc123xyz789", None));
    assert_bearer(&req);
    assert_json_body(
        &req,
        json!({
            "system_prompt": "You are a helpful customer support agent...",
            "welcome_message": "Thank you for calling Acme Corporation. This is your AI assistant. How may I help you today?",
            "metadata": {"version": "2.0", "last_updated_by": "john@company.com"}
        }),
    );
    assert_eq!(response.request_id.as_deref(), Some("req_update_xyz456"));
    assert_eq!(response.data.metadata.map(|m| m.len()), Some(4));
}

#[tokio::test]
async fn delete_agent_with_204_returns_unit() {
    let server = TypedMock::start().await;
    server.delete_agent().agent_id("agent_abc123xyz789").respond().header("x-request-id", "req_del_1").times(1).mount();
    let c = mock_client(&server);
    let response = c.delete_agent("agent_abc123xyz789").send_with_response().await.expect("deleteAgent");
    let req = only_received(&server);
    assert_eq!((req.method.as_str(), req.path.as_str()), ("DELETE", "/v1/agents/agent_abc123xyz789"));
    assert!(req.query.is_empty());
    assert_mock_bearer(&req);
    assert!(req.body.is_empty());
    let () = response.data;
    assert_eq!(response.status.as_u16(), 204);
    assert_eq!(response.envelope, None, "204 has no envelope");
    assert_eq!(response.request_id.as_deref(), Some("req_del_1"));
    server.verify();
}

#[tokio::test]
async fn list_conversations_sends_every_filter_and_decodes_the_conversations() {
    let server = MockServer::start().await;
    let list_meta = json!({"request_id": "req_conv_list_123", "timestamp": "2025-01-15T16:00:00Z", "page": 1, "per_page": 25, "total": 1, "total_pages": 1});
    Mock::given(method("GET"))
        .and(path("/v1/conversations"))
        .and(header("authorization", "Bearer sk_live_test"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [conversation_json("conv_abc123")], "meta": list_meta})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let end = chrono::DateTime::parse_from_rfc3339("2025-01-31T23:59:59Z").unwrap().with_timezone(&chrono::Utc);
    let response = client(&server)
        .list_conversations()
        .page(1)
        .per_page(25)
        .agent_id("agent_abc123xyz789")
        .status(ayra::ConversationStatus::InProgress)
        .sentiment(ayra::Sentiment::Negative)
        .outcome("resolved")
        .caller("+15551230000")
        .min_duration(30)
        .max_duration(600)
        .start_date(start)
        .end_date(end)
        .has_recording(true)
        .has_transcript(false)
        .search("refund & return")
        .topic("billing")
        .sort_by(ayra::ListConversationsSortBy::Duration)
        .sort_order(ayra::SortOrder::Desc)
        .send_with_response()
        .await
        .expect("listConversations");
    let req = only_request(&server).await;
    assert_eq!((req.method.as_str(), req.url.path()), ("GET", "/v1/conversations"));
    assert_eq!(
        req.url.query(),
        Some(
            "page=1&per_page=25&agent_id=agent_abc123xyz789&status=in_progress&sentiment=negative&outcome=resolved\
             &caller=%2B15551230000&min_duration=30&max_duration=600&start_date=2025-01-01T00%3A00%3A00Z\
             &end_date=2025-01-31T23%3A59%3A59Z&has_recording=true&has_transcript=false&search=refund+%26+return\
             &topic=billing&sort_by=duration&sort_order=desc"
        )
    );
    assert_bearer(&req);
    let conv = &response.data[0];
    assert_eq!(conv.id, "conv_abc123");
    assert_eq!(conv.status, Some(ayra::ConversationStatus::Completed));
    assert_eq!(conv.sentiment, Some(ayra::Sentiment::Positive));
    assert_eq!(conv.duration, Some(185.0));
    assert_eq!(conv.end_time.map(|t| t.timestamp() - conv.start_time.unwrap().timestamp()), Some(185));
    assert_eq!(response.request_id.as_deref(), Some("req_conv_list_123"));
    assert_eq!(response.envelope, Some(json!({"meta": list_meta})));
}

#[tokio::test]
async fn get_conversation_sends_the_include_flags_and_decodes_the_details() {
    let server = TypedMock::start().await;
    let mut details = conversation_json("conv_abc123");
    details["transcript"] = json!("Agent: Thank you for calling.\nCaller: My order is late.");
    details["recording_url"] = json!("https://recordings.example.com/conv_abc123.mp3");
    details["analytics"] = json!({"talk_ratio": 0.4});
    details["topics"] = json!(["shipping"]);
    let get = server
        .get_conversation()
        .conversation_id("conv_abc123")
        .respond(typed::<ayra::ConversationEnvelope>(json!({"data": details, "meta": meta("req_conv_get_123")})))
        .times(2)
        .mount();
    let c = mock_client(&server);
    let response = c
        .get_conversation("conv_abc123")
        .include_transcript(true)
        .include_recording(false)
        .include_analytics(true)
        .send_with_response()
        .await
        .expect("getConversation");
    c.get_conversation("conv_abc123").await.expect("without flags");
    server.verify();
    let sent = get.requests();
    assert_eq!(
        (sent[0].include_transcript, sent[0].include_recording, sent[0].include_analytics),
        (Some(true), Some(false), Some(true))
    );
    assert_eq!(
        (sent[1].include_transcript, sent[1].include_recording, sent[1].include_analytics),
        (None, None, None),
        "unset flags are left to the server's defaults"
    );
    let requests = server.received();
    assert!(requests[1].query.is_empty(), "no query at all without flags");
    requests.iter().for_each(assert_mock_bearer);
    let conv = response.data;
    assert!(conv.transcript.as_deref().unwrap().contains("My order is late."));
    assert_eq!(conv.analytics.and_then(|a| a.get("talk_ratio").cloned()), Some(json!(0.4)));
    assert_eq!(conv.topics, Some(vec!["shipping".to_string()]));
    assert_eq!(response.request_id.as_deref(), Some("req_conv_get_123"));
}

// ------------------------------------------------------------------------------------------
// Constraints checked before sending (one test per documented limit)
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn name_longer_than_100_characters_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let long = "n".repeat(101);
    let err =
        c.create_agent(ayra::AgentCreate::new(long.clone(), ayra::VoicePlatform::Vapi)).await.expect_err("create");
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(validation(&err), ("body.name".into(), "maxLength 100".into()));
    assert!(err.to_string().contains("body.name"), "{err}");
    let err = c.update_agent("agent_1", ayra::AgentUpdate::new().name(long)).await.expect_err("update");
    assert_eq!(validation(&err), ("body.name".into(), "maxLength 100".into()));
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn name_of_exactly_100_characters_counts_characters_not_bytes() {
    let server = TypedMock::start().await;
    let create = server
        .create_agent()
        .respond(typed::<ayra::AgentEnvelope>(json!({"data": minimal_agent("agent_ok")})))
        .times(1)
        .mount();
    // 100 characters, 200 bytes.
    mock_client(&server)
        .create_agent(ayra::AgentCreate::new("é".repeat(100), ayra::VoicePlatform::Vapi))
        .await
        .expect("allowed");
    assert_eq!(create.requests()[0].body.name.chars().count(), 100);
    server.verify();
}

#[tokio::test]
async fn system_prompt_longer_than_10000_characters_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let long = "p".repeat(10_001);
    let err = c
        .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).system_prompt(long.clone()))
        .await
        .expect_err("create");
    assert_eq!(validation(&err), ("body.system_prompt".into(), "maxLength 10000".into()));
    let err = c.update_agent("agent_1", ayra::AgentUpdate::new().system_prompt(long)).await.expect_err("update");
    assert_eq!(validation(&err), ("body.system_prompt".into(), "maxLength 10000".into()));
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn welcome_message_longer_than_500_characters_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let long = "w".repeat(501);
    let err = c
        .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Retell).welcome_message(long.clone()))
        .await
        .expect_err("create");
    assert_eq!(validation(&err), ("body.welcome_message".into(), "maxLength 500".into()));
    let err = c.update_agent("agent_1", ayra::AgentUpdate::new().welcome_message(long)).await.expect_err("update");
    assert_eq!(validation(&err), ("body.welcome_message".into(), "maxLength 500".into()));
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn per_page_above_100_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let err = c.list_agents().per_page(101).await.expect_err("agents");
    assert_eq!(validation(&err), ("query.per_page".into(), "maximum 100".into()));
    let err = c.list_conversations().per_page(101).await.expect_err("conversations");
    assert_eq!(validation(&err), ("query.per_page".into(), "maximum 100".into()));
    let err = c.list_conversations().per_page(0).await.expect_err("zero");
    assert_eq!(validation(&err), ("query.per_page".into(), "minimum 1".into()));
    // The stream helpers validate too.
    let mut items = std::pin::pin!(c.list_agents().per_page(101).items());
    let first = items.next().await.expect("one error item");
    assert!(items.next().await.is_none(), "the stream ends after the error");
    assert_eq!(validation(&first.expect_err("items")).0, "query.per_page");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn metadata_with_eleven_keys_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let eleven: ayra::Metadata = (0..11).map(|i| (format!("k{i:02}"), "v".to_string())).collect();
    let err = c
        .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).metadata(eleven.clone()))
        .await
        .expect_err("create");
    assert_eq!(validation(&err), ("body.metadata".into(), "maxProperties 10".into()));
    let err = c.update_agent("agent_1", ayra::AgentUpdate::new().metadata(eleven)).await.expect_err("update");
    assert_eq!(validation(&err), ("body.metadata".into(), "maxProperties 10".into()));
    assert_nothing_sent(&server).await;

    // Ten keys are fine.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": minimal_agent("a")})))
        .expect(1)
        .mount(&server)
        .await;
    let ten: ayra::Metadata = (0..10).map(|i| (format!("k{i}"), "v".to_string())).collect();
    client(&server)
        .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).metadata(ten))
        .await
        .expect("10 keys");
    server.verify().await;
}

#[tokio::test]
async fn metadata_value_longer_than_500_characters_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    let metadata: ayra::Metadata = [("notes".to_string(), "x".repeat(501)), ("ok".to_string(), "y".into())].into();
    let err = c
        .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).metadata(metadata.clone()))
        .await
        .expect_err("create");
    assert_eq!(validation(&err), ("body.metadata.notes".into(), "maxLength 500".into()));
    let err = c.update_agent("agent_1", ayra::AgentUpdate::new().metadata(metadata)).await.expect_err("update");
    assert_eq!(validation(&err), ("body.metadata.notes".into(), "maxLength 500".into()));
    assert!(!err.to_string().contains("xxxx"), "the value is not echoed: {err}");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn non_e164_phone_numbers_are_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    for bad in ["5559876543", "+1 555 987 6543", "+0559876543", "(555) 987-6543", "+1234567890123456"] {
        let err = c
            .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).transfer_number(bad))
            .await
            .expect_err(bad);
        let (field, rule) = validation(&err);
        assert_eq!(field, "body.transfer_number", "{bad}");
        assert!(rule.starts_with("pattern"), "{rule}");
        let err = c.update_agent("agent_1", ayra::AgentUpdate::new().transfer_number(bad)).await.expect_err(bad);
        assert_eq!(validation(&err).0, "body.transfer_number", "{bad}");
    }
    let err = c
        .create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).phone_number("555-1234"))
        .await
        .expect_err("phone_number");
    assert_eq!(validation(&err).0, "body.phone_number");
    let err = c.list_conversations().caller("555-1234").await.expect_err("caller filter");
    assert_eq!(validation(&err).0, "query.caller");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn e164_check_rejects_non_ascii_digits_in_transfer_number() {
    let server = silent_server().await;
    let err = client(&server)
        .update_agent("agent_1", ayra::AgentUpdate::new().transfer_number("+1٥٥٥٩٨٧٦٥٤٣"))
        .await
        .expect_err("Arabic-Indic digits are not E.164");
    assert_eq!(validation(&err).0, "body.transfer_number");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn non_iso_639_1_language_is_rejected_before_sending() {
    let server = silent_server().await;
    let c = client(&server);
    for bad in ["english", "EN", "en-US", "e"] {
        let err =
            c.create_agent(ayra::AgentCreate::new("n", ayra::VoicePlatform::Vapi).language(bad)).await.expect_err(bad);
        assert_eq!(validation(&err).0, "body.language", "{bad}");
        let err = c.update_agent("agent_1", ayra::AgentUpdate::new().language(bad)).await.expect_err(bad);
        assert_eq!(validation(&err).0, "body.language", "{bad}");
        let err = c.list_agents().language(bad).await.expect_err(bad);
        assert_eq!(validation(&err).0, "query.language", "{bad}");
    }
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn clearing_a_constrained_field_with_null_is_not_validated_as_a_value() {
    let server = TypedMock::start().await;
    let put = server
        .update_agent()
        .respond(typed::<ayra::AgentEnvelope>(json!({"data": minimal_agent("agent_1")})))
        .times(1)
        .mount();
    mock_client(&server)
        .update_agent("agent_1", ayra::AgentUpdate::new().null_transfer_number().null_welcome_message())
        .await
        .expect("null passes the pattern and length checks");
    let sent = &put.requests()[0].body;
    assert_eq!((&sent.transfer_number, &sent.welcome_message), (&Nullable::Null, &Nullable::Null));
    server.verify();
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn agent_not_found_decodes_with_its_agent_id() {
    let server = TypedMock::start().await;
    server
        .get_agent()
        .respond_error(404, typed::<ayra::ErrorEnvelope>(json!({
            "error": {"type": "not_found", "message": "Agent not found", "code": "agent_not_found", "agent_id": "agent_invalid123"}
        })))
        .header("x-request-id", "req_404")
        .times(1)
        .mount();
    let err = mock_client(&server).get_agent("agent_invalid123").await.expect_err("404");
    server.verify();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("agent_not_found"));
    assert_eq!(err.message(), Some("Agent not found"));
    assert_eq!(err.request_id(), Some("req_404"));
    let body = err.body_as::<ayra::ErrorEnvelope>().expect("typed Ayra error body");
    assert_eq!(body.error.r#type.as_deref(), Some("not_found"));
    assert_eq!(body.error.agent_id.as_deref(), Some("agent_invalid123"));
    let shown = err.to_string();
    assert!(shown.contains("agent_not_found: Agent not found"), "{shown}");
}

#[tokio::test]
async fn invalid_parameter_keeps_the_offending_field() {
    let server = TypedMock::start().await;
    let put = server
        .update_agent()
        .respond_error(400, typed::<ayra::ErrorEnvelope>(json!({
            "error": {"type": "invalid_request", "message": "Invalid language code", "code": "invalid_parameter", "field": "language"}
        })))
        .times(1)
        .mount();
    // "xx" passes the client-side pattern (and the mock's spec check); the server rejects it.
    let err =
        mock_client(&server).update_agent("agent_1", ayra::AgentUpdate::new().language("xx")).await.expect_err("400");
    server.verify();
    assert_eq!(put.requests()[0].body.language.as_deref(), Some("xx"));
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert_eq!(err.code(), Some("invalid_parameter"));
    assert_eq!(err.body_as::<ayra::ErrorEnvelope>().and_then(|b| b.error.field.as_deref()), Some("language"));
}

#[tokio::test]
async fn delete_with_active_calls_is_a_conflict_with_the_active_call_count() {
    let server = TypedMock::start().await;
    let delete = server
        .delete_agent()
        .agent_id("agent_busy")
        .respond_error(409, typed::<ayra::ErrorEnvelope>(json!({
            "error": {"type": "conflict", "message": "Cannot delete agent with active calls", "code": "agent_has_active_calls", "active_calls": 2}
        })))
        .times(1)
        .mount();
    let err = mock_client(&server).delete_agent("agent_busy").await.expect_err("409");
    server.verify();
    assert_eq!((delete.hits(), server.received().len()), (1, 1), "409 is not retried");
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(err.code(), Some("agent_has_active_calls"));
    assert_eq!(err.message(), Some("Cannot delete agent with active calls"));
    let detail = &err.body_as::<ayra::ErrorEnvelope>().expect("typed").error;
    assert_eq!(detail.active_calls, Some(2));
    assert_eq!(detail.r#type.as_deref(), Some("conflict"));
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn missing_api_key_is_an_authentication_error() {
    let server = TypedMock::start().await;
    server
        .list_conversations()
        .respond_error(
            401,
            typed::<ayra::ErrorEnvelope>(json!({
                "error": {"type": "authentication_error", "message": "No API key provided", "code": "missing_api_key"}
            })),
        )
        .mount();
    let err = mock_client(&server).list_conversations().await.expect_err("401");
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.code(), Some("missing_api_key"));
    assert!(!err.to_string().contains(KEY), "the key never appears in errors: {err}");
    server.verify();
}

#[tokio::test]
async fn error_bodies_keep_undeclared_context_fields_and_the_overview_page_shape() {
    let server = TypedMock::start().await;
    server
        .get_conversation()
        .conversation_id("conv_gone")
        .respond_error(404, typed::<ayra::ErrorEnvelope>(json!({
            "error": {"type": "not_found", "message": "Conversation not found", "code": "conversation_not_found",
                      "conversation_id": "conv_gone", "docs_url": "https://docs.ayra.cx/errors#conversation_not_found"}
        })))
        .mount();
    // The api-overview page's shape: {error: {code, message, details}}, no `type`.
    server
        .list_agents()
        .respond_error(400, typed::<ayra::ErrorEnvelope>(json!({
            "error": {"code": "validation_failed", "message": "Invalid request", "details": {"per_page": "must be <= 100"}}
        })))
        .mount();
    let c = mock_client(&server);
    let err = c.get_conversation("conv_gone").await.expect_err("404");
    let detail = &err.body_as::<ayra::ErrorEnvelope>().expect("typed").error;
    assert_eq!(detail.additional_properties.get("conversation_id"), Some(&json!("conv_gone")));
    assert!(detail.additional_properties.contains_key("docs_url"));
    let err = c.list_agents().await.expect_err("400");
    assert_eq!(err.code(), Some("validation_failed"));
    let detail = &err.body_as::<ayra::ErrorEnvelope>().expect("typed").error;
    assert_eq!(detail.r#type, None);
    assert_eq!(detail.details, Some(json!({"per_page": "must be <= 100"})));
    server.verify();
}

// ------------------------------------------------------------------------------------------
// Partial updates
// ------------------------------------------------------------------------------------------

async fn sent_update_body(update: ayra::AgentUpdate) -> Value {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v1/agents/agent_1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": minimal_agent("agent_1"), "meta": meta("r")})),
        )
        .expect(1)
        .mount(&server)
        .await;
    client(&server).update_agent("agent_1", update).await.expect("updateAgent");
    server.verify().await;
    body_of(&only_request(&server).await)
}

#[tokio::test]
async fn update_agent_sends_only_the_fields_that_were_set() {
    assert_eq!(sent_update_body(ayra::AgentUpdate::new()).await, json!({}));
    assert_eq!(
        sent_update_body(ayra::AgentUpdate::new().status(ayra::AgentStatus::Paused)).await,
        json!({"status": "paused"})
    );
    let schedule = vec![json!({"day": "sat", "closed": true}).as_object().unwrap().clone()];
    assert_eq!(
        sent_update_body(
            ayra::AgentUpdate::new()
                .voice_id("voice_professional_male_1")
                .business_hours(ayra::BusinessHours::new().timezone("Europe/Berlin").schedule(schedule))
                .recording_enabled(false)
                .transcription_enabled(true)
                .metadata(BTreeMap::from([("version".to_string(), "2.0".to_string())]))
        )
        .await,
        json!({
            "voice_id": "voice_professional_male_1",
            "business_hours": {"timezone": "Europe/Berlin", "schedule": [{"day": "sat", "closed": true}]},
            "recording_enabled": false,
            "transcription_enabled": true,
            "metadata": {"version": "2.0"}
        })
    );
}

#[tokio::test]
async fn update_agent_null_setters_send_an_explicit_null_and_unset_fields_stay_absent() {
    let body = sent_update_body(
        ayra::AgentUpdate::new().null_transfer_number().null_business_hours().status(ayra::AgentStatus::Paused),
    )
    .await;
    assert_eq!(body, json!({"transfer_number": null, "business_hours": null, "status": "paused"}));
    let body = sent_update_body(ayra::AgentUpdate::new().null_voice_id().null_welcome_message().name("Renamed")).await;
    assert_eq!(body, json!({"voice_id": null, "welcome_message": null, "name": "Renamed"}));
    // Decoding keeps the three states apart.
    let decoded: ayra::AgentUpdate = serde_json::from_value(json!({"business_hours": null, "voice_id": "v"})).unwrap();
    assert_eq!(decoded.business_hours, Nullable::Null);
    assert_eq!(decoded.voice_id, Nullable::Value("v".to_string()));
    assert_eq!(decoded.transfer_number, Nullable::Absent);
}

// ------------------------------------------------------------------------------------------
// Pagination (page / per_page, ends when the pages cover meta.total)
// ------------------------------------------------------------------------------------------

/// The body of page `n` of five items (`i1`...`i5`, two per page), `meta.total` 5.
fn page_body(n: i64, item: fn(&str) -> Value) -> Value {
    let ids: &[&str] = match n {
        1 => &["i1", "i2"],
        2 => &["i3", "i4"],
        _ => &["i5"],
    };
    let data: Vec<Value> = ids.iter().map(|id| item(id)).collect();
    json!({
        "data": data,
        "meta": {"request_id": format!("req_page_{n}"), "page": n, "per_page": 2, "total": 5, "total_pages": 3}
    })
}

/// The agent pages in `only` (`per_page=2`), each expected once; any other request is answered
/// 501 and fails `verify`.
fn mount_agent_pages(server: &TypedMock, only: &[i64]) -> Vec<Mounted<ayra::mock::ListAgentsReceived>> {
    only.iter()
        .map(|&n| {
            server
                .list_agents()
                .page(n)
                .per_page(2)
                .respond(typed::<ayra::AgentListEnvelope>(page_body(n, minimal_agent)))
                .times(1)
                .mount()
        })
        .collect()
}

fn mount_three_conversation_pages(server: &TypedMock) -> Vec<Mounted<ayra::mock::ListConversationsReceived>> {
    (1..=3)
        .map(|n| {
            server
                .list_conversations()
                .page(n)
                .per_page(2)
                .respond(typed::<ayra::ConversationListEnvelope>(page_body(n, conversation_json)))
                .times(1)
                .mount()
        })
        .collect()
}

fn pages_requested(requests: &[RecordedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.query.iter().find(|(k, _)| k == "page").map(|(_, v)| v.clone()).unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn agent_items_walk_three_pages_and_stop_once_meta_total_is_covered() {
    let server = TypedMock::start().await;
    let pages = mount_agent_pages(&server, &[1, 2, 3]);
    let items: Vec<_> = mock_client(&server).list_agents().page(1).per_page(2).items().collect().await;
    let ids: Vec<String> = items.into_iter().map(|r| r.expect("item").id).collect();
    assert_eq!(ids, ["i1", "i2", "i3", "i4", "i5"]);
    server.verify();
    assert_eq!(pages.iter().map(Mounted::hits).collect::<Vec<_>>(), [1, 1, 1]);
    let requests = server.received();
    assert_eq!(pages_requested(&requests), ["1", "2", "3"]);
    requests.iter().for_each(assert_mock_bearer);
}

#[tokio::test]
async fn conversation_items_walk_three_pages_and_stop_once_meta_total_is_covered() {
    let server = TypedMock::start().await;
    let pages = mount_three_conversation_pages(&server);
    let items: Vec<_> = mock_client(&server)
        .list_conversations()
        .page(1)
        .per_page(2)
        .status(ayra::ConversationStatus::Completed)
        .items()
        .collect()
        .await;
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(Result::is_ok));
    server.verify();
    assert_eq!(pages_requested(&server.received()), ["1", "2", "3"]);
    for page in &pages {
        let sent = &page.requests()[0];
        assert_eq!(sent.status, Some(ayra::ConversationStatus::Completed), "filters stay on every page: {sent:?}");
    }
}

#[tokio::test]
async fn fetch_page_returns_one_page_with_has_next_total_and_request_id() {
    let server = TypedMock::start().await;
    mount_agent_pages(&server, &[2, 3]);
    let c = mock_client(&server);
    let page = c.list_agents().page(2).per_page(2).fetch_page().await.expect("page 2");
    assert_eq!(page.number, 2);
    assert_eq!(page.items.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["i3", "i4"]);
    assert!(page.has_next, "2 pages of 2 do not cover a total of 5");
    assert_eq!(page.total, Some(5));
    assert_eq!(page.request_id.as_deref(), Some("req_page_2"), "from meta.request_id");
    let last = c.list_agents().page(3).per_page(2).fetch_page().await.expect("page 3");
    assert_eq!((last.number, last.items.len(), last.has_next, last.total), (3, 1, false, Some(5)));
    server.verify();
    assert_eq!(pages_requested(&server.received()), ["2", "3"]);
}

// ------------------------------------------------------------------------------------------
// Forward compatibility
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_enum_values_and_unknown_fields_decode() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/agents/agent_future"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {
                "id": "agent_future",
                "voice_platform": "bland",
                "status": "suspended",
                "llm": {"provider": "anthropic"},
                "phone_numbers": ["+15550000000"],
                "business_hours": {"timezone": "UTC", "holidays": ["2025-12-25"]}
            },
            "meta": {"request_id": "req_f", "timestamp": "2025-01-15T14:30:00Z", "region": "eu"},
            "links": {"self": "/v1/agents/agent_future"}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/v1/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "conv_1", "status": "transferred", "sentiment": "mixed", "channel": "sms", "duration": 12.5}],
            "meta": {"total": 1, "next_cursor": null}
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let response = c.get_agent("agent_future").send_with_response().await.expect("unknown values decode");
    let agent = &response.data;
    assert_eq!(agent.voice_platform, Some(ayra::VoicePlatform::Unknown("bland".into())));
    assert_eq!(agent.status, Some(ayra::AgentStatus::Unknown("suspended".into())));
    let back = serde_json::to_value(agent).unwrap();
    assert_eq!((back["voice_platform"].as_str(), back["status"].as_str()), (Some("bland"), Some("suspended")));
    let envelope = response.envelope.expect("envelope");
    assert_eq!(envelope["links"]["self"], "/v1/agents/agent_future", "unknown envelope members are kept");
    assert_eq!(envelope["meta"]["region"], "eu");

    let conversations = c.list_conversations().await.expect("unknown values decode");
    assert_eq!(conversations[0].status, Some(ayra::ConversationStatus::Unknown("transferred".into())));
    assert_eq!(conversations[0].sentiment, Some(ayra::Sentiment::Unknown("mixed".into())));
    assert_eq!(conversations[0].duration, Some(12.5));
}
