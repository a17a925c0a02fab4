//! The generated typed mocks (`<api>::mock`, feature `mock`) driven by the real generated
//! clients: typed body matchers choosing between expectations, counts checked by `verify` and
//! on drop, the spec checks (400 naming the field, 404, 405, 501 naming the closest
//! expectation), retry sequences, streamed chat replies from typed events, signed webhook
//! deliveries checked by the SDK's own verifier, and typed error bodies.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use voice_agents::ayra;
use voice_agents::runtime::{Error, ErrorKind};
use voice_agents::talkifai::mock::{Delivery, Reply};
use voice_agents::talkifai::{self as tk, SendChatMessageEvent as Event};
use wiremock::{Mock, Respond, ResponseTemplate};

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// A plain HTTP client, to send what the SDK never would. reqwest is built without a rustls
/// crypto provider; building an SDK client installs the one the SDK uses.
fn raw_http() -> reqwest::Client {
    tk::Client::builder().build().expect("an SDK client builds");
    reqwest::Client::new()
}

fn ayra_agent(id: &str, name: &str) -> ayra::AgentEnvelope {
    ayra::AgentEnvelope::new(ayra::Agent::new(id).name(name))
}

// ------------------------------------------------------------------------------------------
// Typed matchers
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_typed_body_matcher_and_a_closure_matcher_pick_which_expectation_of_one_operation_answers() {
    let server = ayra::mock::MockServer::start().await;
    let alpha = server
        .create_agent()
        .body(ayra::AgentCreate::new("Alpha", ayra::VoicePlatform::Vapi))
        .respond(ayra_agent("agent_alpha", "Alpha"))
        .times(1)
        .mount();
    let retell = server
        .create_agent()
        .matching(|r| r.body.voice_platform == ayra::VoicePlatform::Retell)
        .respond(ayra_agent("agent_retell", "Beta"))
        .times(2)
        .mount();
    let client = server.client();

    let a = client.create_agent(ayra::AgentCreate::new("Alpha", ayra::VoicePlatform::Vapi)).await.expect("alpha");
    let b = client.create_agent(ayra::AgentCreate::new("Beta", ayra::VoicePlatform::Retell)).await.expect("retell");
    // Both matchers hold here: the most recently mounted expectation answers.
    let c = client.create_agent(ayra::AgentCreate::new("Alpha", ayra::VoicePlatform::Retell)).await.expect("both");

    assert_eq!((a.id.as_str(), b.id.as_str(), c.id.as_str()), ("agent_alpha", "agent_retell", "agent_retell"));
    assert_eq!((alpha.hits(), retell.hits()), (1, 2));
    assert_eq!(alpha.requests()[0].body.name, "Alpha");
    let names: Vec<String> = retell.requests().into_iter().map(|r| r.body.name).collect();
    assert_eq!(names, ["Beta", "Alpha"]);
    server.verify();
}

#[tokio::test]
async fn a_body_that_matches_no_expectation_is_answered_501_naming_the_closest_one() {
    let server = ayra::mock::MockServer::start().await;
    let only = server
        .create_agent()
        .body(ayra::AgentCreate::new("Alpha", ayra::VoicePlatform::Vapi))
        .respond(ayra_agent("agent_alpha", "Alpha"))
        .mount();
    let err = server
        .client_builder()
        .max_retries(0)
        .build()
        .unwrap()
        .create_agent(ayra::AgentCreate::new("Gamma", ayra::VoicePlatform::Vapi))
        .await
        .expect_err("no expectation matches");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(501), "{err}");
    assert_eq!(only.hits(), 0);
    let problems = server.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("501")
            && problems[0].contains("no expectation of `createAgent` matches")
            && problems[0].contains("closest: #1 `createAgent` (`body` is"),
        "{problems:?}"
    );
    server.reset();
}

// ------------------------------------------------------------------------------------------
// Counts: verify and drop
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn verify_panics_naming_the_operation_and_the_counts_of_an_expectation_hit_too_often_or_too_rarely() {
    let server = tk::mock::MockServer::start().await;
    let get = server
        .get_agent()
        .id("a1")
        .respond(tk::AgentEnvelope::new(tk::TextAgent::new("a1")))
        .times(tk::mock::Times::at_most(1))
        .mount();
    let client = server.client();
    client.get_agent("a1").await.expect("first");
    server.verify();
    // The second request exceeds `at_most(1)`: answered 501, and a problem.
    client.get_agent("a1").max_retries(0).await.expect_err("second");
    assert_eq!(get.hits(), 1);
    let message = panic_message(|| server.verify());
    assert!(message.contains("mock server for `TalkifAI API`: 1 problem(s)"), "{message}");
    assert!(message.contains("`getAgent`") && message.contains("at most 1 request"), "{message}");

    // Hit too few times: the expected and received counts.
    server.reset();
    let twice = server.list_agents().respond(tk::AgentListEnvelope::new(vec![])).times(2).mount();
    client.list_agents().await.expect("one of two");
    assert_eq!(twice.hits(), 1);
    let message = panic_message(|| server.verify());
    assert!(
        message.contains("expectation #1 `listAgents` (any request): expected exactly 2 requests, received 1"),
        "{message}"
    );
    server.reset();
}

#[tokio::test]
#[should_panic(expected = "expectation #1 `getAgent` (`id` is \"a1\"): expected exactly 1 request, received 0")]
async fn dropping_the_server_with_an_unmet_count_panics() {
    let server = tk::mock::MockServer::start().await;
    let _never = server.get_agent().id("a1").respond(tk::AgentEnvelope::new(tk::TextAgent::new("a1"))).times(1).mount();
}

// ------------------------------------------------------------------------------------------
// Spec checks
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_body_missing_a_required_field_is_answered_400_naming_the_field() {
    let server = ayra::mock::MockServer::start().await;
    let create = server.create_agent().respond(ayra_agent("agent_x", "x")).mount();
    let response = raw_http()
        .post(format!("{}/agents", server.server_url(0)))
        .header("content-type", "application/json")
        .header("authorization", "Bearer sk_test")
        .body(r#"{"voice_platform":"vapi"}"#)
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(response.status().as_u16(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("`body.name`"), "{text}");
    assert_eq!(create.hits(), 0, "no expectation sees a request that breaks the spec");
    let problems = server.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("POST /v1/agents: 400") && problems[0].contains("`body.name`"), "{problems:?}");
    server.reset();
}

/// A request that decodes but breaks a constraint of the spec (`per_page` at most 100, a
/// `name` of at most 100 characters) is answered 400 naming the field and the rule, as the SDK
/// would have refused to send it.
#[tokio::test]
async fn a_request_that_breaks_a_constraint_is_answered_400_naming_the_field_and_the_rule() {
    let server = ayra::mock::MockServer::start().await;
    let base = server.server_url(0);
    let listed = raw_http()
        .get(format!("{base}/agents?per_page=500"))
        .header("authorization", "Bearer sk_test")
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(listed.status().as_u16(), 400);
    let text = listed.text().await.unwrap();
    assert!(text.contains("`query.per_page`") && text.contains("maximum"), "{text}");
    let long_name = "n".repeat(101);
    let created = raw_http()
        .post(format!("{base}/agents"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer sk_test")
        .body(serde_json::json!({"name": long_name, "voice_platform": "vapi"}).to_string())
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(created.status().as_u16(), 400);
    let text = created.text().await.unwrap();
    assert!(text.contains("`body.name`") && text.contains("maxLength"), "{text}");
    assert_eq!(server.problems().len(), 2, "{:?}", server.problems());
    server.reset();
}

#[tokio::test]
async fn a_query_parameter_of_the_wrong_type_is_answered_400_naming_the_parameter() {
    let server = tk::mock::MockServer::start().await;
    let list = server.list_agents().respond(tk::AgentListEnvelope::new(vec![])).mount();
    let response =
        raw_http().get(format!("{}/v1/agents?limit=many", server.base_url())).send().await.expect("the mock answers");
    assert_eq!(response.status().as_u16(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("`query.limit`"), "{text}");
    assert_eq!(list.hits(), 0);
    let message = panic_message(|| server.verify());
    assert!(message.contains("GET /v1/agents: 400") && message.contains("`query.limit`"), "{message}");
    server.reset();
}

#[tokio::test]
async fn a_path_that_is_no_operation_is_404_and_a_method_the_path_lacks_is_405() {
    let server = tk::mock::MockServer::start().await;
    let http = raw_http();
    let missing = http.get(format!("{}/v1/agentz", server.base_url())).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let wrong = http.put(format!("{}/v1/agents", server.base_url())).send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 405);
    let allow = wrong.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let problems = server.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("GET /v1/agentz: 404"), "{problems:?}");
    assert!(problems[1].starts_with("PUT /v1/agents: 405"), "{problems:?}");
    server.reset();
}

// ------------------------------------------------------------------------------------------
// Retries
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn two_503s_with_retry_after_then_a_typed_200_are_retried_after_the_wait() {
    let server = tk::mock::MockServer::start().await;
    let get = server
        .get_agent()
        .id("a1")
        .reply(Reply::new(503).retry_after(Duration::from_secs(1)))
        .reply(Reply::new(503).retry_after(Duration::from_secs(1)))
        .respond(tk::AgentEnvelope::new(tk::TextAgent::new("a1").model("gpt-4o-mini")))
        .times(3)
        .mount();
    let started = Instant::now();
    let agent = server.client().get_agent("a1").await.expect("the third attempt succeeds");
    let elapsed = started.elapsed();
    match agent {
        tk::Agent::TextAgent(t) => assert_eq!((t.id.as_str(), t.model.as_deref()), ("a1", Some("gpt-4o-mini"))),
        other => panic!("{other:?}"),
    }
    assert_eq!(get.hits(), 3);
    assert!(elapsed >= Duration::from_secs(2), "two Retry-After waits of 1 s, slept {elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    server.verify();
}

// ------------------------------------------------------------------------------------------
// Streams
// ------------------------------------------------------------------------------------------

fn reply_events() -> Vec<Event> {
    vec![
        Event::StreamStart(tk::ChatStreamStart::new().agent_name("Support Chatbot")),
        Event::Chunk(tk::ChatChunk::new("Let me check ")),
        Event::Chunk(tk::ChatChunk::new("your order.")),
        Event::Handoff(tk::ChatHandoff::new().to("Billing Bot")),
        Event::Unknown { event: "citation".into(), data: "{\"source\": \"orders-db\"}".into() },
        Event::StreamEnd(tk::ChatStreamEnd::new().end_session(false)),
    ]
}

#[tokio::test]
async fn a_chat_reply_streamed_from_typed_events_reads_back_as_the_same_events() {
    let server = tk::mock::MockServer::start().await;
    let send = server
        .send_chat_message()
        .conversation_id("conv_1")
        .body(tk::ChatMessageCreate::new("Where is my order?"))
        .respond(reply_events())
        .event_delay(Duration::from_millis(5))
        .times(1)
        .mount();
    let events: Vec<Event> = server
        .client()
        .send_chat_message("conv_1", tk::ChatMessageCreate::new("Where is my order?"))
        .await
        .expect("the stream starts")
        .try_collect()
        .await
        .expect("every event decodes");
    assert_eq!(events, reply_events());
    assert_eq!(send.requests()[0].body.message, "Where is my order?");
    server.verify();
}

#[tokio::test]
async fn a_chat_reply_that_stalls_fails_with_the_idle_timeout() {
    let server = tk::mock::MockServer::start().await;
    server.send_chat_message().respond(reply_events()[..2].to_vec()).stall().mount();
    let client = server.client_builder().read_idle_timeout(Duration::from_millis(300)).max_retries(0).build().unwrap();
    let stream = client.send_chat_message("conv_1", tk::ChatMessageCreate::new("Hi")).await.expect("starts");
    let mut stream = std::pin::pin!(stream);
    let first = stream.try_next().await.expect("the first event arrives");
    assert_eq!(first, Some(reply_events()[0].clone()));
    assert_eq!(stream.try_next().await.expect("the second event arrives"), Some(reply_events()[1].clone()));
    let err = tokio::time::timeout(Duration::from_secs(10), stream.try_next())
        .await
        .expect("the idle timeout fires first")
        .expect_err("a stalled stream is an error");
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    server.verify();
}

#[tokio::test]
async fn a_chat_reply_cut_off_mid_event_ends_the_stream_with_an_error() {
    let server = tk::mock::MockServer::start().await;
    server.send_chat_message().respond(reply_events()).cut_mid_event().mount();
    let client = server.client_builder().max_retries(0).build().unwrap();
    let stream = client.send_chat_message("conv_1", tk::ChatMessageCreate::new("Hi")).await.expect("starts");
    let mut stream = std::pin::pin!(stream);
    let mut seen = Vec::new();
    let err = loop {
        match stream.try_next().await {
            Ok(Some(event)) => seen.push(event),
            Ok(None) => panic!("the stream ended cleanly after {seen:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(seen, reply_events()[..reply_events().len() - 1], "every event before the cut arrives");
    // The mock closes the connection inside a chunk of the body: a transport error, not a clean
    // end in the middle of an event (that one is a decode error; see `talkifai_chat`).
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    server.verify();
}

// ------------------------------------------------------------------------------------------
// Webhooks
// ------------------------------------------------------------------------------------------

const SECRET: &str = "whsec-endpoint-0123456789";

/// A webhook endpoint that verifies each delivery with the SDK's verifier: 200 and the decoded
/// event kept, or 401 and the error kept.
#[derive(Clone, Default)]
struct Endpoint {
    seen: Arc<Mutex<Vec<Result<tk::WebhookEvent, String>>>>,
}

impl Respond for Endpoint {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let outcome = tk::webhook_verifier(SECRET).verify::<tk::WebhookEvent>(&request.headers, &request.body);
        let status = if outcome.is_ok() { 200 } else { 401 };
        self.seen.lock().unwrap().push(outcome.map_err(|e| e.to_string()));
        ResponseTemplate::new(status)
    }
}

fn call_ended() -> tk::WebhookEvent {
    serde_json::from_value(serde_json::json!({
        "id": "evt_1", "type": "call.ended", "data": {"callId": "call_789", "duration": 300}
    }))
    .expect("a call.ended event")
}

#[tokio::test]
async fn a_signed_delivery_verifies_at_the_endpoint_and_a_tampered_one_is_rejected() {
    let endpoint = Endpoint::default();
    let server = wiremock::MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST")).respond_with(endpoint.clone()).mount(&server).await;
    let url = format!("{}/hooks", server.uri());

    let status = tk::mock::deliver_webhook(&url, &call_ended(), SECRET).await.expect("delivered");
    assert_eq!(status.as_u16(), 200);
    let status =
        tk::mock::deliver_webhook_as(&url, &call_ended(), SECRET, Delivery::BadSignature).await.expect("delivered");
    assert_eq!(status.as_u16(), 401);
    let status = tk::mock::deliver_webhook(&url, &call_ended(), "whsec-another-endpoint").await.expect("delivered");
    assert_eq!(status.as_u16(), 401, "signed with another secret");
    // TalkifAI signs no timestamp: a stale delivery cannot be made, and says so.
    let err = tk::mock::deliver_webhook_as(&url, &call_ended(), SECRET, Delivery::StaleTimestamp)
        .await
        .expect_err("no timestamp header");
    assert!(matches!(err, Error::Config(_)), "{err:?}");

    let seen = endpoint.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "the stale delivery was never sent");
    match &seen[0] {
        Ok(tk::WebhookEvent::CallEnded(e)) => {
            assert_eq!(e.id, "evt_1");
            assert_eq!(e.data.duration, Some(300.0));
        }
        other => panic!("{other:?}"),
    }
    assert!(seen[1].is_err() && seen[2].is_err(), "{seen:?}");
}

#[tokio::test]
async fn an_ayra_delivery_verifies_with_the_ayra_verifier_and_a_tampered_one_does_not() {
    let seen: Arc<Mutex<Vec<bool>>> = Arc::default();
    let record = seen.clone();
    let server = wiremock::MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(move |request: &wiremock::Request| {
            let ok = ayra::webhook_verifier(SECRET).verify::<ayra::WebhookEvent>(&request.headers, &request.body);
            record.lock().unwrap().push(matches!(ok, Ok(ayra::WebhookEvent::Unknown(_))));
            ResponseTemplate::new(if ok.is_ok() { 204 } else { 401 })
        })
        .mount(&server)
        .await;
    let event = ayra::WebhookEvent::Unknown(serde_json::json!({"event_id": "evt_9", "type": "call.rescheduled"}));
    let status = ayra::mock::deliver_webhook(&server.uri(), &event, SECRET).await.expect("delivered");
    assert_eq!(status.as_u16(), 204);
    let status =
        ayra::mock::deliver_webhook_as(&server.uri(), &event, SECRET, Delivery::BadSignature).await.expect("delivered");
    assert_eq!(status.as_u16(), 401);
    assert_eq!(*seen.lock().unwrap(), [true, false]);
}

#[tokio::test]
async fn an_unknown_event_type_is_delivered_signed_and_decodes_as_unknown() {
    let endpoint = Endpoint::default();
    let server = wiremock::MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(endpoint.clone()).mount(&server).await;
    let event = tk::mock::unknown_event("call.transferred", &call_ended());
    assert_eq!(event.event_type(), Some("call.transferred"));
    let status = tk::mock::deliver_webhook(&server.uri(), &event, SECRET).await.expect("delivered");
    assert_eq!(status.as_u16(), 200);
    let seen = endpoint.seen.lock().unwrap().clone();
    match &seen[..] {
        [Ok(tk::WebhookEvent::Unknown(body))] => {
            assert_eq!(body["type"], "call.transferred");
            assert_eq!(body["id"], "evt_1", "the rest of the body is kept");
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------------------------------
// Typed errors
// ------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_typed_404_error_body_reaches_the_sdk_as_a_not_found_api_error() {
    let server = tk::mock::MockServer::start().await;
    let sent = tk::ErrorEnvelope::new("Agent not found").success(false).code("NOT_FOUND");
    let get = server.get_agent().id("agent_missing").respond_error(404, sent.clone()).times(1).mount();
    let err = server.client().get_agent("agent_missing").await.expect_err("404");
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("NOT_FOUND"));
    assert_eq!(err.message(), Some("Agent not found"));
    assert_eq!(err.body_as::<tk::ErrorEnvelope>(), Some(&sent));
    assert_eq!(err.attempts(), 1, "a 404 is not retried");
    assert_eq!(get.hits(), 1);
    server.verify();
}

#[test]
#[should_panic(expected = "`getAgent` declares no error response with status 409")]
fn respond_error_with_a_status_the_spec_does_not_declare_panics() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let server = tk::mock::MockServer::start().await;
        let _ = server.get_agent().respond_error(409, tk::ErrorEnvelope::new("conflict"));
    });
}
