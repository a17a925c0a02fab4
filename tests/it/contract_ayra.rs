//! Contract tests of the generated Ayra client against Prism: every operation of `specs/ayra`
//! is called through `voice_agents::ayra::Client` with every optional parameter and field set,
//! then once per declared response (`Prefer: code=…, example=…`). Prism must report no request
//! violation, and every response must decode (see `contract_common` for the rules).
//!
//! The spec's server is `https://api.ayra.ai/v1` but Prism routes on the bare path, so the
//! client's base URL is Prism's base URL without `/v1`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::contract_common::{
    assert_has_violation, check_every_body_is_validated, check_flagged, check_no_credential, check_refused, exercise,
    Mock, TOKEN,
};
use reqwest::Method;
use serde_json::{json, Value};
use voice_agents::ayra as ay;
use voice_agents::chrono::{DateTime, Utc};
use voice_agents_runtime::__private::{Operation, OperationInfo};

pub(crate) const AGENT_ID: &str = "agent_abc123xyz789";
pub(crate) const CONVERSATION_ID: &str = "conv_abc123";

pub(crate) fn mock() -> &'static Mock {
    static MOCK: OnceLock<Mock> = OnceLock::new();
    MOCK.get_or_init(|| Mock::start("ayra", "ayra", |_| {}))
}

pub(crate) fn client() -> ay::Client {
    ay::Client::builder().base_url(mock().base_url()).bearer_auth(TOKEN).max_retries(0).build().expect("client builds")
}

pub(crate) fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("date-time literal").with_timezone(&Utc)
}

/// Every operation this file calls, one `#[tokio::test]` each (named after the operationId).
const COVERED: &[&OperationInfo] = &[
    ay::ListAgents::INFO,
    ay::CreateAgent::INFO,
    ay::GetAgent::INFO,
    ay::UpdateAgent::INFO,
    ay::DeleteAgent::INFO,
    ay::ListConversations::INFO,
    ay::GetConversation::INFO,
];

#[test]
fn every_operation_is_covered() {
    let mut spec: Vec<String> =
        voice_agents_tests::load_spec("ayra").api.operations.iter().map(|op| op.id.clone()).collect();
    let mut covered: Vec<String> = COVERED.iter().map(|info| info.id.to_owned()).collect();
    spec.sort();
    covered.sort();
    assert_eq!(covered, spec, "operations of the spec vs operations this file calls");
    assert_eq!(covered.len(), 7);
}

// ------------------------------------------------------------------------------------ agents

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_agents() {
    let c = client();
    let resp = exercise!(
        mock(),
        c.list_agents()
            .page(2)
            .per_page(100)
            .status(ay::AgentStatus::Paused)
            .voice_platform(ay::VoicePlatform::Retell)
            .language("en")
            .search("support")
            .created_after(time("2025-01-01T00:00:00Z"))
            .created_before(time("2025-02-01T12:30:45.123Z"))
            .sort_by(ay::ListAgentsSortBy::UpdatedAt)
            .sort_order(ay::SortOrder::Asc)
    );
    assert!(!resp.data.is_empty(), "the example lists agents");
    assert!(resp.envelope.is_some(), "the envelope (meta) is kept");
}

fn metadata() -> ay::Metadata {
    BTreeMap::from([("client_id".to_owned(), "client_789".to_owned()), ("department".to_owned(), "support".to_owned())])
}

fn business_hours() -> ay::BusinessHours {
    let day = json!({"day": "monday", "open": "09:00", "close": "17:00"});
    let Value::Object(day) = day else { unreachable!() };
    ay::BusinessHours::new().timezone("America/New_York").schedule(vec![day])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_agent() {
    let c = client();
    let full = ay::AgentCreate::new("Customer Support Agent", ay::VoicePlatform::Vapi)
        .phone_number("+15551234567")
        .voice_id("voice_professional_female_1")
        .language("en")
        .system_prompt("You are a helpful and friendly customer support agent.")
        .welcome_message("Thank you for calling. How may I help you today?")
        .transfer_number("+15559876543")
        .business_hours(business_hours())
        .recording_enabled(true)
        .transcription_enabled(false)
        .metadata(metadata());
    exercise!(mock(), c.create_agent(full.clone()));
    let minimal = ay::AgentCreate::new("After-hours Line", ay::VoicePlatform::Retell);
    exercise!(mock(), c.create_agent(minimal.clone()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_agent() {
    let c = client();
    exercise!(mock(), c.get_agent(AGENT_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_agent() {
    let c = client();
    let full = ay::AgentUpdate::new()
        .name("Customer Support Agent")
        .voice_id("voice_professional_male_2")
        .language("es")
        .system_prompt("You are a helpful agent.")
        .welcome_message("Hello!")
        .transfer_number("+15559876543")
        .business_hours(business_hours())
        .recording_enabled(false)
        .transcription_enabled(true)
        .status(ay::AgentStatus::Archived)
        .metadata(metadata());
    exercise!(mock(), c.update_agent(AGENT_ID, full.clone()));
}

/// Explicit `null`s clear the nullable fields (`business_hours` is a nullable `$ref`, written as
/// `nullable: true` plus a one-entry `allOf`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_agent_with_nulls() {
    let c = client();
    let clear = ay::AgentUpdate::new().null_voice_id().null_welcome_message().null_transfer_number();
    exercise!(mock(), c.update_agent(AGENT_ID, clear.clone()));
    let clear_hours = ay::AgentUpdate::new().null_business_hours();
    exercise!(mock(), c.update_agent(AGENT_ID, clear_hours.clone()));
}

/// 204 without a body: must succeed with `()`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_agent() {
    let c = client();
    let resp = exercise!(mock(), c.delete_agent(AGENT_ID));
    assert_eq!(resp.status.as_u16(), 204);
}

// ----------------------------------------------------------------------------- conversations

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_conversations() {
    let c = client();
    exercise!(
        mock(),
        c.list_conversations()
            .page(1)
            .per_page(25)
            .agent_id(AGENT_ID)
            .status(ay::ConversationStatus::Completed)
            .sentiment(ay::Sentiment::Negative)
            .outcome("resolved")
            .caller("+15551230000")
            .min_duration(0)
            .max_duration(600)
            .start_date(time("2025-01-01T00:00:00Z"))
            .end_date(time("2025-01-31T23:59:59Z"))
            .has_recording(true)
            .has_transcript(false)
            .search("refund")
            .topic("billing")
            .sort_by(ay::ListConversationsSortBy::Duration)
            .sort_order(ay::SortOrder::Desc)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_conversation() {
    let c = client();
    exercise!(
        mock(),
        c.get_conversation(CONVERSATION_ID).include_transcript(false).include_recording(true).include_analytics(false)
    );
}

// ----------------------------------------------------------------- the mock really validates

/// Deliberately invalid requests, sent raw (the client refuses to build them), must be
/// flagged by Prism; the same invalid input through the client is refused before sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_flagged_by_prism_and_refused_by_the_client() {
    let c = client();
    let post = |body: Value| {
        c.core().raw(Method::POST, "/agents").security(&["BearerAuth"]).json(&body).max_retries(0).send_unchecked()
    };

    let long_name = "a".repeat(101);
    let what = "createAgent with a 101-character name";
    let v = check_flagged(what, post(json!({"name": long_name, "voice_platform": "vapi"})).await);
    assert_has_violation(what, &v, &["request", "body", "name"], "maxLength");
    check_refused(
        what,
        c.create_agent(ay::AgentCreate::new(long_name.clone(), ay::VoicePlatform::Vapi)).send_with_response().await,
        "body.name",
    );

    let what = "createAgent without voice_platform";
    let v = check_flagged(what, post(json!({"name": "Support"})).await);
    assert_has_violation(what, &v, &["request", "body"], "required");

    let what = "createAgent with 11 metadata entries";
    let many: BTreeMap<String, String> = (0..11).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let v = check_flagged(what, post(json!({"name": "Support", "voice_platform": "vapi", "metadata": many})).await);
    assert_has_violation(what, &v, &["request", "body", "metadata"], "maxProperties");
    let result = c
        .create_agent(ay::AgentCreate::new("Support", ay::VoicePlatform::Vapi).metadata(many.clone()))
        .send_with_response()
        .await;
    check_refused(what, result, "body.metadata");

    let what = "listConversations with per_page 0";
    let resp = c
        .core()
        .raw(Method::GET, "/conversations?per_page=0")
        .security(&["BearerAuth"])
        .max_retries(0)
        .send_unchecked()
        .await;
    let v = check_flagged(what, resp);
    assert_has_violation(what, &v, &["request", "query", "per_page"], "minimum");
    check_refused(what, c.list_conversations().per_page(0).send_with_response().await, "query.per_page");
}

/// Every request-body schema is validated (none is silently skipped by Prism).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_validates_every_request_body() {
    let checked = check_every_body_is_validated(mock(), client().core()).await;
    assert_eq!(checked.len(), 2, "operations with a JSON body: {checked:?}");
}

/// Prism checks credentials, and the client refuses to send without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_flagged_by_prism_and_refused_by_the_client() {
    let c = client();
    let what = "GET /agents without Authorization";
    let resp = c.core().raw(Method::GET, "/agents").security(&[]).max_retries(0).send_unchecked().await;
    let v = check_flagged(what, resp);
    assert!(v.iter().any(|v| v.code == 401), "{what}: {v:?}");

    let anonymous = ay::Client::builder().base_url(mock().base_url()).max_retries(0).build().unwrap();
    check_no_credential("listAgents without a credential", anonymous.list_agents().send_with_response().await);
}
