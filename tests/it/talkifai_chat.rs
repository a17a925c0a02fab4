//! TalkifAI's streaming chat against a local mock server: the generated `sendChatMessage`
//! decoding a realistic `text/event-stream` body into `SendChatMessageEvent` (unknown events
//! kept raw, a broken event ending the stream with an error that names it, JSON errors before
//! the stream), and the hand-written chat handle (`ext::talkifai`) end to end: the API key
//! creates the session, the session token authenticates everything after it and never shows.
//!
//! Streams whose bytes matter (CRLF, comments, multi-line data, cut events) are written raw on
//! wiremock; the others are typed events on the generated mock (`talkifai::mock`).

use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use voice_agents::ext::talkifai::{collect_reply, reply_text, ChatError};
use voice_agents::runtime::{ErrorKind, SseEvent};
use voice_agents::talkifai::mock::{
    GetChatHistoryReceived, MockServer as TypedMock, Mounted, RecordedRequest, SendChatMessageReceived,
};
use voice_agents::talkifai::{self as tk, SendChatMessageEvent as Event};
use voice_agents_runtime::__private::StreamEvent;
use voice_agents_tests::mock::{assert_json_body, body_of};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "tk_live_test-key-0123";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbg.c2lnbmF0dXJlLXNlY3JldA";
const CONVERSATION: &str = "conv_8f2a1c";
const MESSAGES: &str = "/v1/chat/sessions/conv_8f2a1c/messages";

/// A reply as the chat guide shows it, plus what real streams carry: a keep-alive comment, an
/// `id:`, CRLF line endings, a multi-line `data`, and an event the spec does not declare.
const STREAM: &str = ": keep-alive\n\n\
event: stream_start\ndata: {\"agent_name\": \"Support Chatbot\"}\n\n\
event: chunk\r\ndata: {\"delta\": \"Let me check \"}\r\n\r\n\
event: tool_call\ndata: {\"name\": \"check_order_status\", \"status\": \"executing\"}\n\n\
event: tool_result\ndata: {\"name\": \"check_order_status\", \"status\": \"completed\"}\n\n\
id: 7\nevent: citation\ndata: {\"source\": \"orders-db\",\ndata:  \"row\": 12345}\n\n\
event: chunk\ndata: {\"delta\": \"your order: it ships tomorrow.\"}\n\n\
event: handoff\ndata: {\"to\": \"Billing Bot\"}\n\n\
event: stream_end\ndata: {\"usage\": {\"prompt_tokens\": 412, \"completion_tokens\": 18, \"total_tokens\": 430, \"cached_tokens\": 5}, \"end_session\": false}\n\n";

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/event-stream")
}

/// A client with both chat credentials, as the contract tests configure it.
fn session_client(server: &MockServer) -> tk::Client {
    tk::Client::builder()
        .base_url(server.uri())
        .api_key_auth(KEY)
        .chat_session_token(TOKEN)
        .max_retries(0)
        .build()
        .expect("client builds")
}

/// The session calls carry the session token as a bearer token, and nothing else.
fn assert_session_token(req: &Request) {
    let auth = req.headers.get("authorization").and_then(|v| v.to_str().ok());
    assert_eq!(auth, Some(format!("Bearer {TOKEN}").as_str()), "{} {}", req.method, req.url);
    assert!(req.headers.get("x-api-key").is_none(), "the API key is not sent on session calls: {}", req.url);
}

/// A client of the typed mock with both chat credentials, as the contract tests configure it.
fn typed_session_client(server: &TypedMock) -> tk::Client {
    tk::Client::builder()
        .base_url(server.base_url())
        .api_key_auth(KEY)
        .chat_session_token(TOKEN)
        .max_retries(0)
        .build()
        .expect("client builds")
}

/// As [`assert_session_token`], for a request the typed mock received.
fn assert_typed_session_token(req: &RecordedRequest) {
    let auth = req.headers.get("authorization").and_then(|v| v.to_str().ok());
    assert_eq!(auth, Some(format!("Bearer {TOKEN}").as_str()), "{} {}", req.method, req.path);
    assert!(req.headers.get("x-api-key").is_none(), "the API key is not sent on session calls: {}", req.path);
}

/// The chat expectations of a typed mock: what each call answered.
struct TypedChat {
    send: Mounted<SendChatMessageReceived>,
    history: Mounted<GetChatHistoryReceived>,
}

/// The session, its messages (a reply of `events`), its history and its end, on the typed mock;
/// the session is created with the API key only.
fn mount_typed_chat(server: &TypedMock, events: Vec<Event>) -> TypedChat {
    server
        .create_chat_session()
        .respond(
            serde_json::from_value::<tk::ChatSession>(json!({
                "conversation_id": CONVERSATION,
                "session_token": TOKEN,
                "agent_name": "Support Chatbot",
                "greeting": "Hi! How can I help you today?",
                "agent_model": "gpt-4o-mini"
            }))
            .unwrap(),
        )
        .mount();
    let send = server.send_chat_message().conversation_id(CONVERSATION).respond(events).mount();
    let history = server
        .get_chat_history()
        .conversation_id(CONVERSATION)
        .respond(
            serde_json::from_value::<tk::ChatHistory>(json!({
                "messages": [
                    {"role": "user", "content": "Where is my order 12345?", "timestamp": "2024-01-15T10:30:00Z"},
                    {"role": "assistant", "content": "Let me check your order: it ships tomorrow.", "timestamp": "2024-01-15T10:30:02Z", "token_count": 18}
                ],
                "count": 2
            }))
            .unwrap(),
        )
        .mount();
    server
        .end_chat_session()
        .conversation_id(CONVERSATION)
        .respond(
            serde_json::from_value::<tk::SuccessMessage>(json!({"success": true, "message": "Session ended"})).unwrap(),
        )
        .mount();
    TypedChat { send, history }
}

#[tokio::test]
async fn send_chat_message_streams_typed_events_in_order_and_keeps_unknown_events_raw() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(MESSAGES)).respond_with(sse(STREAM)).expect(1).mount(&server).await;
    let client = session_client(&server);
    let resp = client
        .send_chat_message(CONVERSATION, tk::ChatMessageCreate::new("Where is my order 12345?"))
        .send_with_response()
        .await
        .expect("the stream starts");
    assert_eq!(resp.status.as_u16(), 200);
    let events: Vec<Event> = resp.data.try_collect().await.expect("every event decodes");
    let names: Vec<&str> = events.iter().map(Event::event_name).collect();
    assert_eq!(
        names,
        ["stream_start", "chunk", "tool_call", "tool_result", "citation", "chunk", "handoff", "stream_end"]
    );
    match &events[0] {
        Event::StreamStart(start) => assert_eq!(start.agent_name.as_deref(), Some("Support Chatbot")),
        other => panic!("{other:?}"),
    }
    match &events[2] {
        Event::ToolCall(call) => {
            assert_eq!((call.name.as_deref(), call.status.as_deref()), (Some("check_order_status"), Some("executing")))
        }
        other => panic!("{other:?}"),
    }
    // Not declared: kept with its name and its data exactly as sent (lines joined with \n).
    assert_eq!(
        events[4],
        Event::Unknown { event: "citation".into(), data: "{\"source\": \"orders-db\",\n \"row\": 12345}".into() }
    );
    match &events[7] {
        Event::StreamEnd(end) => {
            assert_eq!(end.end_session, Some(false));
            let usage = end.usage.as_ref().expect("usage");
            assert_eq!(
                (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens),
                (Some(412), Some(18), Some(430))
            );
            assert_eq!(usage.additional_properties.get("cached_tokens"), Some(&json!(5)), "other members are kept");
        }
        other => panic!("{other:?}"),
    }
    let reply: String = events
        .iter()
        .filter_map(|e| match e {
            Event::Chunk(c) => Some(c.delta.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reply, "Let me check your order: it ships tomorrow.");

    let requests = server.received_requests().await.expect("recorded");
    let req = &requests[0];
    assert_session_token(req);
    assert_json_body(req, json!({"message": "Where is my order 12345?"}));
    let accept = req.headers.get("accept").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(accept.starts_with("text/event-stream"), "asks for the stream: {accept}");
}

#[tokio::test]
async fn an_event_that_does_not_decode_ends_the_stream_with_an_error_naming_the_event() {
    let server = MockServer::start().await;
    let body = "event: chunk\ndata: {\"delta\": \"Hi\"}\n\n\
                event: chunk\ndata: {\"delta\": 5}\n\n\
                event: chunk\ndata: {\"delta\": \"never seen\"}\n\n";
    Mock::given(method("POST")).and(path(MESSAGES)).respond_with(sse(body)).mount(&server).await;
    let mut events = session_client(&server)
        .send_chat_message(CONVERSATION, tk::ChatMessageCreate::new("hi"))
        .await
        .expect("the stream starts");
    assert!(matches!(events.try_next().await, Ok(Some(Event::Chunk(c))) if c.delta == "Hi"));
    let err = events.try_next().await.expect_err("the second chunk does not decode");
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    let decode = err.decode().expect("a decode error");
    assert_eq!((decode.event(), decode.path()), (Some("chunk"), "$.delta"), "{err}");
    assert!(err.to_string().contains("chunk"), "the message names the event: {err}");
    assert!(events.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn data_that_is_not_json_is_a_decode_error_naming_its_event() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(sse("event: stream_end\ndata: [DONE]\n\n"))
        .mount(&server)
        .await;
    let events =
        session_client(&server).send_chat_message(CONVERSATION, tk::ChatMessageCreate::new("hi")).await.unwrap();
    let err = events.try_collect::<Vec<Event>>().await.expect_err("[DONE] is not a stream_end payload");
    assert_eq!(err.decode().and_then(|d| d.event()), Some("stream_end"), "{err}");
}

#[tokio::test]
async fn an_error_before_the_stream_is_a_typed_api_error() {
    let server = TypedMock::start().await;
    server
        .send_chat_message()
        .conversation_id(CONVERSATION)
        .respond_error(
            403,
            tk::ErrorEnvelope::new("This session belongs to another conversation")
                .success(false)
                .code("conversation_mismatch"),
        )
        .times(1)
        .mount();
    let err = typed_session_client(&server)
        .send_chat_message(CONVERSATION, tk::ChatMessageCreate::new("hi"))
        .await
        .expect_err("403");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.code(), Some("conversation_mismatch"));
    assert_eq!(err.message(), Some("This session belongs to another conversation"));
    server.verify();
}

#[tokio::test]
async fn a_message_over_the_limit_is_refused_before_anything_is_sent() {
    let server = voice_agents_tests::mock::silent_server().await;
    let err = session_client(&server)
        .send_chat_message(CONVERSATION, tk::ChatMessageCreate::new("x".repeat(10_001)))
        .await
        .expect_err("maxLength 10000");
    assert_eq!(voice_agents_tests::mock::validation_error(&err).0, "body.message");
    voice_agents_tests::mock::assert_nothing_sent(&server).await;
}

/// The generated impl on its own: one match on the event name; text never fails to decode.
#[test]
fn stream_event_impl_matches_on_the_event_name() {
    let chunk = Event::from_sse(SseEvent::new("chunk", r#"{"delta":"a"}"#)).unwrap();
    assert!(matches!(chunk, Event::Chunk(c) if c.delta == "a"));
    let unknown = Event::from_sse(SseEvent::new("message", "plain text")).unwrap();
    assert_eq!(unknown, Event::Unknown { event: "message".into(), data: "plain text".into() });
    assert_eq!(unknown.event_name(), "message");
    let err = Event::from_sse(SseEvent::new("handoff", "{")).unwrap_err();
    assert_eq!(err.decode().and_then(|d| d.event()), Some("handoff"));
}

// ------------------------------------------------------------------------------ chat handle

async fn mount_chat(server: &MockServer, stream: &str) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/sessions"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation_id": CONVERSATION,
            "session_token": TOKEN,
            "agent_name": "Support Chatbot",
            "greeting": "Hi! How can I help you today?",
            "agent_model": "gpt-4o-mini"
        })))
        .mount(server)
        .await;
    Mock::given(method("POST")).and(path(MESSAGES)).respond_with(sse(stream)).mount(server).await;
    Mock::given(method("GET"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [
                {"role": "user", "content": "Where is my order 12345?", "timestamp": "2024-01-15T10:30:00Z", "token_count": null},
                {"role": "assistant", "content": "Let me check your order: it ships tomorrow.", "timestamp": "2024-01-15T10:30:02Z", "token_count": 18}
            ],
            "count": 2
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/sessions/conv_8f2a1c/end"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "message": "Session ended"})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_chat_handle_creates_the_session_with_the_key_and_uses_its_token_for_everything_after() {
    let server = MockServer::start().await;
    mount_chat(&server, STREAM).await;
    // The application's client has the API key only; the handle adds the session token.
    let client = tk::Client::builder().base_url(server.uri()).api_key_auth(KEY).build().expect("client builds");
    let chat = client
        .start_chat_with(tk::ChatSessionCreate::new("agent_txt789").user_identifier("jane@example.com"))
        .await
        .expect("session created");
    assert_eq!(chat.conversation_id(), CONVERSATION);
    assert_eq!(chat.agent_name(), Some("Support Chatbot"));
    assert_eq!(chat.greeting(), Some("Hi! How can I help you today?"));

    let events: Vec<Event> = chat.send("Where is my order 12345?").await.unwrap().try_collect().await.unwrap();
    assert_eq!(events.len(), 8);
    let reply = chat.reply("And then?").await.expect("the whole reply");
    assert_eq!(reply, "Let me check your order: it ships tomorrow.");
    let collected = collect_reply(chat.send("Again").await.unwrap()).await.unwrap();
    assert_eq!(collected.text, reply);
    assert_eq!(collected.usage.and_then(|u| u.total_tokens), Some(430));
    assert_eq!(
        (collected.tool_calls, collected.handoffs),
        (vec!["check_order_status".to_owned()], vec!["Billing Bot".to_owned()])
    );
    assert_eq!(collected.unknown.len(), 1);
    assert!(!collected.end_session && collected.error.is_none());
    let history = chat.history().await.expect("history");
    assert_eq!((history.messages.len(), history.count), (2, Some(2)));
    assert_eq!(history.messages[1].role, Some(tk::ChatRole::Assistant));
    let ended = chat.end().await.expect("ended");
    assert_eq!(ended.message.as_deref(), Some("Session ended"));

    let requests = server.received_requests().await.expect("recorded");
    let (create, session_calls) = requests.split_first().expect("requests");
    assert_eq!(create.url.path(), "/v1/chat/sessions");
    assert!(create.headers.get("authorization").is_none(), "the session is created with the key alone");
    assert_eq!(body_of(create), json!({"agent_id": "agent_txt789", "user_identifier": "jane@example.com"}));
    assert_eq!(session_calls.len(), 5, "send x3, history, end");
    for req in session_calls {
        assert_session_token(req);
    }

    // The token is a secret wherever the handle shows up.
    for text in [format!("{chat:?}"), format!("{chat:#?}"), format!("{:?}", chat.client())] {
        assert!(!text.contains(TOKEN), "the session token leaks: {text}");
        assert!(!text.contains(KEY), "the API key leaks: {text}");
        assert!(text.contains("\"ChatSessionToken\": \"[REDACTED]\""), "the credential is shown redacted: {text}");
    }
    assert!(format!("{chat:?}").contains(CONVERSATION), "the conversation id is not a secret");
    // The application's own client is unchanged: it still cannot make session calls.
    let err = client.get_chat_history(CONVERSATION).await.expect_err("no session token");
    assert!(matches!(err, voice_agents::Error::MissingCredential { .. }), "{err}");
}

#[tokio::test]
async fn a_session_resumed_from_its_id_and_token_uses_the_token() {
    let server = TypedMock::start().await;
    let history = mount_typed_chat(&server, vec![]).history;
    let client = tk::Client::builder().base_url(server.base_url()).bearer_auth(KEY).build().unwrap();
    let chat = voice_agents::ext::talkifai::Chat::resume(&client, CONVERSATION, TOKEN).unwrap();
    chat.history().await.expect("history");
    assert_eq!(history.requests()[0].conversation_id, CONVERSATION);
    assert_typed_session_token(&server.received()[0]);
    assert!(!format!("{chat:?}").contains(TOKEN));
}

#[tokio::test]
async fn an_error_event_makes_reply_text_fail_with_the_text_received_before_it() {
    let server = TypedMock::start().await;
    let error: tk::ChatStreamError = serde_json::from_value(json!({"error": "LLM provider unavailable"})).unwrap();
    mount_typed_chat(&server, vec![Event::Chunk(tk::ChatChunk::new("Let me ")), Event::Error(error)]);
    let client = tk::Client::builder().base_url(server.base_url()).api_key_auth(KEY).build().unwrap();
    let chat = client.start_chat("agent_txt789").await.unwrap();
    match chat.reply("hi").await {
        Err(ChatError::Agent { error, partial, .. }) => {
            assert_eq!(error.error.as_deref(), Some("LLM provider unavailable"));
            assert_eq!(partial, "Let me ");
        }
        other => panic!("expected the agent's error, got {other:?}"),
    }
    // The same stream through `reply_text` directly, and the error's message.
    let err = reply_text(chat.send("hi").await.unwrap()).await.unwrap_err();
    assert_eq!(err.to_string(), "the agent reported an error: LLM provider unavailable");
    server.verify();
}

#[tokio::test]
async fn a_reply_without_stream_end_fails_as_incomplete() {
    let server = TypedMock::start().await;
    // Every event is complete; the server just closes before `stream_end`.
    let send = mount_typed_chat(
        &server,
        vec![Event::StreamStart(tk::ChatStreamStart::new()), Event::Chunk(tk::ChatChunk::new("Your order ships"))],
    )
    .send;
    let client = tk::Client::builder().base_url(server.base_url()).api_key_auth(KEY).build().unwrap();
    let chat = client.start_chat("agent_txt789").await.unwrap();
    match chat.reply("When?").await {
        Err(ChatError::Incomplete { partial, .. }) => assert_eq!(partial, "Your order ships"),
        other => panic!("expected an incomplete reply, got {other:?}"),
    }
    let err = collect_reply(chat.send("When?").await.unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("without `stream_end`"), "{err}");
    let sent: Vec<String> = send.requests().into_iter().map(|r| r.body.message).collect();
    assert_eq!(sent, ["When?", "When?"]);
    server.verify();
}

#[tokio::test]
async fn a_reply_cut_off_in_the_middle_of_an_event_fails_naming_the_bytes_left() {
    let server = MockServer::start().await;
    // The last event has no blank line after it: the SSE rules discard it.
    let stream = "event: chunk\ndata: {\"delta\": \"Your order \"}\n\nevent: stream_end\ndata: {\"usage\": null}";
    mount_chat(&server, stream).await;
    let client = tk::Client::builder().base_url(server.uri()).api_key_auth(KEY).build().unwrap();
    let chat = client.start_chat("agent_txt789").await.unwrap();
    let mut events = chat.send("When?").await.unwrap();
    assert!(matches!(events.next().await, Some(Ok(Event::Chunk(_)))));
    let err = events.next().await.expect("an error, not a silent end").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("ended in the middle of an event: 39 bytes"), "{err}");
    assert!(events.next().await.is_none());
    match chat.reply("When?").await {
        Err(ChatError::Request(e)) => assert_eq!(e.kind(), ErrorKind::Decode),
        other => panic!("expected the stream's error, got {other:?}"),
    }
}

#[tokio::test]
async fn one_api_key_setter_serves_both_the_bearer_and_the_x_api_key_operations() {
    let server = MockServer::start().await;
    mount_chat(&server, STREAM).await;
    Mock::given(method("GET"))
        .and(path("/v1/agents"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = tk::Client::builder().base_url(server.uri()).api_key(KEY).build().unwrap();
    client.list_agents().await.expect("listAgents (BearerAuth first)");
    let chat = client.start_chat("agent_txt789").await.expect("createChatSession (ApiKeyAuth only)");
    assert_eq!(chat.reply("hi").await.expect("the reply"), "Let me check your order: it ships tomorrow.");
    server.verify().await;
    assert!(!format!("{client:?}").contains(KEY), "the key stays secret");
}
