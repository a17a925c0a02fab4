//! Contract tests of the generated TalkifAI client against Prism: every operation of
//! `specs/talkifai` is called through `voice_agents::talkifai::Client` with every optional
//! parameter and field set, then once per declared response (`Prefer: code=…, example=…`).
//! Prism must report no request violation, and every response must decode (see
//! `contract_common` for the rules).
//!
//! The spec's only server is the bare host (paths carry `/v1`, `/api`, `/telephony`), so the
//! client's base URL is Prism's base URL as is.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::contract_common::{
    assert_has_violation, check_every_body_is_validated, check_flagged, check_no_credential, check_refused, exercise,
    op_info, Mock, TOKEN,
};
use futures_util::TryStreamExt;
use reqwest::Method;
use serde_json::{json, Map, Value};
use voice_agents::talkifai as tk;
use voice_agents_runtime::__private::{Operation, OperationInfo};

pub(crate) const AGENT_ID: &str = "agent_abc123";
pub(crate) const FUNCTION_ID: &str = "fn_001";

pub(crate) fn mock() -> &'static Mock {
    static MOCK: OnceLock<Mock> = OnceLock::new();
    MOCK.get_or_init(|| Mock::start("talkifai", "talkifai", |_| {}))
}

/// A client with the `BearerAuth` credential (the first security alternative), no retries.
pub(crate) fn client() -> tk::Client {
    tk::Client::builder().base_url(mock().base_url()).bearer_auth(TOKEN).max_retries(0).build().expect("client builds")
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Every operation this file calls, one `#[tokio::test]` each (named after the operationId).
const COVERED: &[&OperationInfo] = &[
    tk::ListAgents::INFO,
    tk::CreateAgent::INFO,
    tk::GetAgent::INFO,
    tk::UpdateAgent::INFO,
    tk::DeleteAgent::INFO,
    tk::ListCustomFunctions::INFO,
    tk::CreateCustomFunction::INFO,
    tk::UpdateCustomFunction::INFO,
    tk::DeleteCustomFunction::INFO,
    tk::InitiateOutboundCall::INFO,
    tk::SetAgentWebhook::INFO,
    tk::DeleteAgentWebhook::INFO,
    tk::CreateChatSession::INFO,
    // An event stream (`x-sse-events`); its test reads the whole example stream.
    tk::SendChatMessage::INFO,
    tk::GetChatHistory::INFO,
    tk::EndChatSession::INFO,
];

#[test]
fn every_operation_is_covered() {
    let mut spec: Vec<String> =
        voice_agents_tests::load_spec("talkifai").api.operations.iter().map(|op| op.id.clone()).collect();
    let mut covered: Vec<String> = COVERED.iter().map(|info| info.id.to_owned()).collect();
    spec.sort();
    covered.sort();
    assert_eq!(covered, spec, "operations of the spec vs operations this file calls");
    assert_eq!(covered.len(), 16);
}

// ------------------------------------------------------------------------------------ agents

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_agents() {
    let c = client();
    let resp = exercise!(mock(), c.list_agents().mode(tk::AgentMode::Commercial).page(2).limit(100));
    assert!(!resp.data.is_empty(), "the example lists agents");
    assert!(resp.envelope.is_some(), "the envelope (pagination) is kept");
}

/// All three `agentArchitecture` variants of the body, with every optional field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_agent() {
    let c = client();
    let pipeline: tk::AgentCreate = tk::PipelineAgentCreate::new(tk::PipelineAgentCreateRequired {
        name: "Sales Bot".into(),
        system_prompt: "You are a helpful sales agent.".into(),
        model: "gpt-4o".into(),
        stt: "deepgram".into(),
        tts: "cartesia".into(),
    })
    .voice_id("some-cartesia-voice-id")
    .language("en")
    .mode(tk::AgentMode::Private)
    .temperature(0.7)
    .into();
    exercise!(mock(), c.create_agent(pipeline.clone()));
    let realtime: tk::AgentCreate = tk::RealtimeAgentCreate::new(tk::RealtimeAgentCreateRequired {
        name: "Low Latency Support".into(),
        system_prompt: "You are a support agent.".into(),
        realtime_provider: "openai".into(),
    })
    .voice_id("alloy")
    .language("en")
    .mode(tk::AgentMode::Public)
    .temperature(0.8)
    .into();
    exercise!(mock(), c.create_agent(realtime.clone()));
    let text: tk::AgentCreate = tk::TextAgentCreate::new(tk::TextAgentCreateRequired {
        name: "Support Chatbot".into(),
        system_prompt: "You are a support assistant.".into(),
        model: "gpt-4o-mini".into(),
    })
    .language("de")
    .mode(tk::AgentMode::Commercial)
    .temperature(0.2)
    .into();
    exercise!(mock(), c.create_agent(text.clone()));
}

/// `getAgent` has one named 200 example per architecture; each must decode (into its variant).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_agent() {
    let c = client();
    exercise!(mock(), c.get_agent(AGENT_ID));
    let m = mock();
    for (example, expect) in [("seed003", "pipeline"), ("realtime", "realtime"), ("text", "text")] {
        let call = c.get_agent(AGENT_ID).header("Prefer", &format!("code=200, example={example}"));
        let info = op_info(&call);
        let resp = m.check_ok(info, example, 200, call.send_with_response().await).unwrap_or_else(|f| panic!("{f}"));
        let variant = match &resp.data {
            tk::Agent::PipelineAgent(_) => "pipeline",
            tk::Agent::RealtimeAgent(_) => "realtime",
            tk::Agent::TextAgent(_) => "text",
            other => panic!("example {example} decoded into {other:?}"),
        };
        assert_eq!(variant, expect, "example {example}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_agent() {
    let c = client();
    let full = tk::AgentUpdate::new()
        .name("Customer Support")
        .system_prompt("Updated instructions...")
        .model("gpt-4o")
        .stt("deepgram")
        .tts("cartesia")
        .realtime_provider("openai")
        .voice_id("voice_xyz")
        .language("en")
        .mode(tk::AgentMode::Public)
        .temperature(0.5)
        .active(true)
        .enabled_functions(vec!["web_search".to_owned()])
        .enabled_custom_functions(vec!["check_order_status".to_owned()]);
    exercise!(mock(), c.update_agent(AGENT_ID, full.clone()));
    // Explicit nulls clear nullable fields.
    let clear = tk::AgentUpdate::new().null_voice_id().null_language().null_temperature();
    exercise!(mock(), c.update_agent(AGENT_ID, clear.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_agent() {
    let c = client();
    exercise!(mock(), c.delete_agent(AGENT_ID));
}

// -------------------------------------------------------------------------- custom functions

pub(crate) fn function_headers() -> BTreeMap<String, String> {
    BTreeMap::from([("Authorization".to_owned(), "Bearer example-token".to_owned())])
}

pub(crate) fn function_parameters() -> Map<String, Value> {
    object(json!({
        "type": "object",
        "properties": {"order_number": {"type": "string", "description": "The order number"}},
        "required": ["order_number"]
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_custom_functions() {
    let c = client();
    exercise!(mock(), c.list_custom_functions().agent_id(AGENT_ID));
    exercise!(mock(), c.list_custom_functions());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_custom_function() {
    let c = client();
    let body = tk::CustomFunctionCreate::new("check_order_status", "https://api.example.com/orders/status")
        .label("Check order status")
        .description("Look up the status of an order by its number.")
        .method(tk::HttpMethod::Post)
        .headers(function_headers())
        .parameters(function_parameters());
    exercise!(mock(), c.create_custom_function(AGENT_ID, body.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_custom_function() {
    let c = client();
    let body = tk::CustomFunctionUpdate::new(FUNCTION_ID)
        .name("check_order_status_v2")
        .label("Check order status")
        .description("Look up the status of an order by its number.")
        .endpoint("https://api.example.com/v2/orders/status")
        .method(tk::HttpMethod::Patch)
        .headers(function_headers())
        .parameters(function_parameters());
    exercise!(mock(), c.update_custom_function(AGENT_ID, body.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_custom_function() {
    let c = client();
    exercise!(mock(), c.delete_custom_function(AGENT_ID, FUNCTION_ID));
}

// --------------------------------------------------------------------------------- telephony

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initiate_outbound_call() {
    let c = client();
    exercise!(mock(), c.initiate_outbound_call("+15551234567", "+15557654321"));
}

// ------------------------------------------------------------------------------------ webhooks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_agent_webhook() {
    let c = client();
    let resp =
        exercise!(mock(), c.set_agent_webhook(AGENT_ID, tk::AgentWebhookUpdate::new("https://example.com/hook")));
    assert_eq!(resp.data.webhook_url.as_deref(), Some("https://example.com/talkifai/webhook"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_agent_webhook() {
    let c = client();
    exercise!(mock(), c.delete_agent_webhook(AGENT_ID));
}

// ---------------------------------------------------------------------------------------- chat

pub(crate) const CONVERSATION_ID: &str = "conv_8f2a1c";

/// The chat API's credentials: the API key in `X-API-Key` to create a session (the only scheme
/// `createChatSession` accepts) and the session token for the session's own calls.
pub(crate) fn chat_client() -> tk::Client {
    tk::Client::builder()
        .base_url(mock().base_url())
        .api_key_auth(TOKEN)
        .chat_session_token("session-jwt")
        .max_retries(0)
        .build()
        .expect("client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_chat_session() {
    let c = chat_client();
    let body = tk::ChatSessionCreate::new("agent_txt789")
        .metadata(object(json!({"channel": "website"})))
        .user_identifier("jane@example.com");
    let resp = exercise!(mock(), c.create_chat_session(body.clone()));
    assert_eq!(resp.data.conversation_id, CONVERSATION_ID);
    assert!(!format!("{:?}", resp.data).contains(&resp.data.session_token), "the session token is redacted");
}

/// The 200 is an event stream (`x-sse-events`): Prism sends the spec's example stream, which
/// must decode event by event, in order, into the generated `SendChatMessageEvent`, with no
/// unknown event and no error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_chat_message() {
    let c = chat_client();
    let resp =
        exercise!(mock(), c.send_chat_message(CONVERSATION_ID, tk::ChatMessageCreate::new("Where is my order?")));
    let content_type = resp.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/event-stream"), "{content_type}");
    let events: Vec<tk::SendChatMessageEvent> = resp.data.try_collect().await.expect("the example stream decodes");
    let names: Vec<&str> = events.iter().map(tk::SendChatMessageEvent::event_name).collect();
    assert_eq!(names, ["stream_start", "chunk", "tool_call", "tool_result", "chunk", "stream_end"]);
    assert!(
        !events.iter().any(|e| matches!(e, tk::SendChatMessageEvent::Unknown { .. })),
        "every event of the example is declared: {events:?}"
    );
    let reply: String = events
        .iter()
        .filter_map(|e| match e {
            tk::SendChatMessageEvent::Chunk(chunk) => Some(chunk.delta.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reply, "Let me check your order: it ships tomorrow.");
    match events.last() {
        Some(tk::SendChatMessageEvent::StreamEnd(end)) => {
            assert_eq!(end.end_session, Some(false));
            assert_eq!(end.usage.as_ref().and_then(|u| u.total_tokens), Some(430));
        }
        other => panic!("the stream ends with stream_end, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_chat_history() {
    let c = chat_client();
    let resp = exercise!(mock(), c.get_chat_history(CONVERSATION_ID));
    assert_eq!(resp.data.messages.len(), 2);
    assert_eq!(resp.data.messages[0].token_count, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_chat_session() {
    let c = chat_client();
    exercise!(mock(), c.end_chat_session(CONVERSATION_ID));
}

/// `createChatSession` takes the API key in `X-API-Key` only; a bearer-only client is refused
/// before sending, and the session calls need the session token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_credentials_are_required() {
    let bearer_only = client();
    check_no_credential(
        "createChatSession with only BearerAuth",
        bearer_only.create_chat_session(tk::ChatSessionCreate::new("agent_txt789")).send_with_response().await,
    );
    check_no_credential(
        "getChatHistory without the session token",
        bearer_only.get_chat_history(CONVERSATION_ID).send_with_response().await,
    );
}

// ---------------------------------------------------------------------------------- security

/// The second security alternative: the key in `X-API-Key` instead of a bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_auth_is_accepted() {
    let c = tk::Client::builder()
        .base_url(mock().base_url())
        .api_key_auth(TOKEN)
        .max_retries(0)
        .build()
        .expect("client builds");
    exercise!(mock(), c.list_agents().page(1).limit(20));
    exercise!(mock(), c.initiate_outbound_call("+15551234567", "+15557654321"));
}

// ----------------------------------------------------------------- the mock really validates

/// Deliberately invalid requests, sent raw (the client refuses to build them), must be
/// flagged by Prism; the same invalid input through the client is refused before sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_flagged_by_prism_and_refused_by_the_client() {
    let c = client();
    let post = |path: &str, body: Value| {
        c.core().raw(Method::POST, path).security(&["BearerAuth"]).json(&body).max_retries(0).send_unchecked()
    };

    // A pipeline agent without the required `systemPrompt` matches none of the `oneOf`
    // variants. The generated `PipelineAgentCreate::new` requires it, so only a raw request
    // can send this.
    let what = "createAgent without systemPrompt";
    let body =
        json!({"name": "x", "agentArchitecture": "pipeline", "model": "gpt-4o", "stt": "deepgram", "tts": "cartesia"});
    let v = check_flagged(what, post("/v1/agents", body).await);
    assert!(v.iter().any(|v| v.location.first().map(String::as_str) == Some("request")), "{what}: {v:?}");

    // A custom function name that is not snake_case, and an endpoint that is not https.
    let what = "createCustomFunction with a bad name";
    let body = json!({"name": "Check Order", "endpoint": "https://api.example.com/orders/status"});
    let v = check_flagged(what, post(&format!("/api/custom-functions/{AGENT_ID}"), body).await);
    assert_has_violation(what, &v, &["request", "body", "name"], "pattern");
    check_refused(
        what,
        c.create_custom_function(AGENT_ID, tk::CustomFunctionCreate::new("Check Order", "https://api.example.com/x"))
            .send_with_response()
            .await,
        "body.name",
    );
    let what = "createCustomFunction with an http endpoint";
    let body = json!({"name": "check_order", "endpoint": "http://api.example.com/orders/status"});
    let v = check_flagged(what, post(&format!("/api/custom-functions/{AGENT_ID}"), body).await);
    assert_has_violation(what, &v, &["request", "body", "endpoint"], "pattern");
    check_refused(
        what,
        c.create_custom_function(AGENT_ID, tk::CustomFunctionCreate::new("check_order", "http://api.example.com/x"))
            .send_with_response()
            .await,
        "body.endpoint",
    );

    // A phone number that is not E.164, and a page size above the maximum.
    let what = "initiateOutboundCall with a non-E.164 number";
    let resp = c
        .core()
        .raw(Method::POST, "/telephony/outbound-call?to_number=5551234567&from_number=%2B15557654321")
        .security(&["BearerAuth"])
        .max_retries(0)
        .send_unchecked()
        .await;
    let v = check_flagged(what, resp);
    assert_has_violation(what, &v, &["request", "query", "to_number"], "pattern");
    check_refused(
        what,
        c.initiate_outbound_call("5551234567", "+15557654321").send_with_response().await,
        "query.to_number",
    );
    let what = "listAgents with limit 101";
    let resp = c
        .core()
        .raw(Method::GET, "/v1/agents?limit=101")
        .security(&["BearerAuth"])
        .max_retries(0)
        .send_unchecked()
        .await;
    let v = check_flagged(what, resp);
    assert_has_violation(what, &v, &["request", "query", "limit"], "maximum");
    check_refused(what, c.list_agents().limit(101).send_with_response().await, "query.limit");
}

/// Every request-body schema is validated (none is silently skipped by Prism).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_validates_every_request_body() {
    let checked = check_every_body_is_validated(mock(), client().core()).await;
    assert_eq!(checked.len(), 7, "operations with a JSON body: {checked:?}");
}

/// Prism checks credentials, and the client refuses to send without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_flagged_by_prism_and_refused_by_the_client() {
    let c = client();
    let what = "GET /v1/agents without credentials";
    let resp = c.core().raw(Method::GET, "/v1/agents").security(&[]).max_retries(0).send_unchecked().await;
    let v = check_flagged(what, resp);
    assert!(v.iter().any(|v| v.code == 401), "{what}: {v:?}");

    let anonymous = tk::Client::builder().base_url(mock().base_url()).max_retries(0).build().unwrap();
    check_no_credential("listAgents without a credential", anonymous.list_agents().send_with_response().await);
}
