//! Every example in the TalkifAI and Ayra specs, and every vendor documentation example
//! (`tests/fixtures/vendor-examples/{talkifai,ayra}/`), decodes into the generated types and
//! encodes back to equivalent JSON (exactly, nulls included, for request bodies). Webhook event
//! examples decode into each API's `WebhookEvent` as the variant of their `x-webhooks` entry,
//! and the example event stream of `sendChatMessage` into `SendChatMessageEvent`, event by event.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use voice_agents::ayra;
use voice_agents::runtime::SseEvent;
use voice_agents::talkifai as tk;
use voice_agents::talkifai::SendChatMessageEvent;
use voice_agents_runtime::__private::StreamEvent;
use voice_agents_tests::{
    json_equivalent, load_spec, resolve_ref, spec_examples, spec_stream_examples, vendor_example,
};

/// Decodes `value` as the named generated TalkifAI type and re-encodes it.
fn talkifai_round_trip(type_name: &str, value: &Value) -> Result<Value, String> {
    macro_rules! types {
        ($($t:ident),* $(,)?) => {
            match type_name {
                $(stringify!($t) => {
                    let decoded: tk::$t = serde_json::from_value(value.clone()).map_err(|e| format!("decode: {e}"))?;
                    serde_json::to_value(&decoded).map_err(|e| format!("encode: {e}"))
                })*
                other => Err(format!("no TalkifAI decoder listed for `{other}`: add it to the table in this test")),
            }
        };
    }
    types!(
        AgentListEnvelope,
        AgentCreate,
        AgentSummaryEnvelope,
        AgentEnvelope,
        AgentUpdate,
        DeleteAgentEnvelope,
        ErrorEnvelope,
        CustomFunctionList,
        CustomFunctionCreate,
        CustomFunctionResult,
        CustomFunctionUpdate,
        SuccessMessage,
        OutboundCallResult,
        AgentWebhookUpdate,
        AgentWebhookResult,
        ChatSessionCreate,
        ChatSession,
        ChatMessageCreate,
        ChatHistory,
        CallStartedWebhook,
        CallEndedWebhook,
        CallFailedWebhook,
        TranscriptReadyWebhook,
        AnalysisCompletedWebhook,
        CreditLowWebhook,
        CreditDepletedWebhook,
    )
}

/// Decodes `value` as the named generated Ayra type and re-encodes it.
fn ayra_round_trip(type_name: &str, value: &Value) -> Result<Value, String> {
    macro_rules! types {
        ($($t:ident),* $(,)?) => {
            match type_name {
                $(stringify!($t) => {
                    let decoded: ayra::$t = serde_json::from_value(value.clone()).map_err(|e| format!("decode: {e}"))?;
                    serde_json::to_value(&decoded).map_err(|e| format!("encode: {e}"))
                })*
                other => Err(format!("no Ayra decoder listed for `{other}`: add it to the table in this test")),
            }
        };
    }
    types!(
        AgentCreate,
        AgentUpdate,
        AgentEnvelope,
        AgentListEnvelope,
        ConversationEnvelope,
        ConversationListEnvelope,
        ErrorEnvelope,
        CallStartedWebhook,
        CallCompletedWebhook,
        CallFailedWebhook,
        TranscriptUpdatedWebhook,
        SentimentChangedWebhook,
        KeywordDetectedWebhook,
        AppointmentBookedWebhook,
        TicketCreatedWebhook,
    )
}

const TALKIFAI_TYPES: &[&str] = &[
    "AgentListEnvelope",
    "AgentCreate",
    "AgentSummaryEnvelope",
    "AgentEnvelope",
    "AgentUpdate",
    "DeleteAgentEnvelope",
    "ErrorEnvelope",
    "CustomFunctionList",
    "CustomFunctionCreate",
    "CustomFunctionResult",
    "CustomFunctionUpdate",
    "SuccessMessage",
    "OutboundCallResult",
    "AgentWebhookUpdate",
    "AgentWebhookResult",
    "ChatSessionCreate",
    "ChatSession",
    "ChatMessageCreate",
    "ChatHistory",
    "CallStartedWebhook",
    "CallEndedWebhook",
    "CallFailedWebhook",
    "TranscriptReadyWebhook",
    "AnalysisCompletedWebhook",
    "CreditLowWebhook",
    "CreditDepletedWebhook",
];

const AYRA_TYPES: &[&str] = &[
    "AgentCreate",
    "AgentUpdate",
    "AgentEnvelope",
    "AgentListEnvelope",
    "ConversationEnvelope",
    "ConversationListEnvelope",
    "ErrorEnvelope",
    "CallStartedWebhook",
    "CallCompletedWebhook",
    "CallFailedWebhook",
    "TranscriptUpdatedWebhook",
    "SentimentChangedWebhook",
    "KeywordDetectedWebhook",
    "AppointmentBookedWebhook",
    "TicketCreatedWebhook",
];

/// Round-trips every example of `dir`'s spec; returns (examples, request examples, types seen).
fn check_spec(dir: &str, round_trip: fn(&str, &Value) -> Result<Value, String>) -> (usize, usize, BTreeSet<String>) {
    let spec = load_spec(dir);
    let examples = spec_examples(&spec);
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for ex in &examples {
        seen.insert(ex.type_name.clone());
        match round_trip(&ex.type_name, &ex.value) {
            Ok(back) => {
                if let Err(e) = json_equivalent(&ex.value, &back, ex.request) {
                    failures.push(format!("{} as {}: {e}", ex.pointer, ex.type_name));
                }
            }
            Err(e) => failures.push(format!("{} as {}: {e}", ex.pointer, ex.type_name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{dir}: {} of {} examples failed:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
    (examples.len(), examples.iter().filter(|e| e.request).count(), seen)
}

#[test]
fn every_talkifai_spec_example_decodes_and_re_encodes_equivalently() {
    let (total, requests, seen) = check_spec("talkifai", talkifai_round_trip);
    // 16 operations: 10 request examples (3 create variants, 2 updates, 1 custom-function create,
    // 1 custom-function update, the webhook URL, a chat session, a chat message), the success
    // responses, the shared error examples per status, and 7 webhook event examples. The SSE
    // stream example is text, not JSON (see `spec_examples`).
    assert_eq!(requests, 10, "request-body examples of the TalkifAI spec");
    assert!(total >= 70, "expected the spec's examples, found {total}");
    let expected: BTreeSet<String> = TALKIFAI_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, expected, "every listed type is exercised by an example, and only those");
}

#[test]
fn every_ayra_spec_example_decodes_and_re_encodes_equivalently() {
    let (total, requests, seen) = check_spec("ayra", ayra_round_trip);
    // createAgent: full + minimal; updateAgent: cURL, JavaScript, Python, clearFields.
    assert_eq!(requests, 6, "request-body examples of the Ayra spec");
    // The operations' examples plus one per webhook event (8).
    assert!(total >= 57, "expected the spec's examples, found {total}");
    let expected: BTreeSet<String> = AYRA_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, expected, "every listed type is exercised by an example, and only those");
}

fn request_re_encodes_exactly(what: &str, back: Result<Value, String>, original: &Value) {
    let back = back.unwrap_or_else(|e| panic!("{what}: {e}"));
    json_equivalent(original, &back, true).unwrap_or_else(|e| panic!("{what} re-encoding: {e}"));
}

fn response_re_encodes(what: &str, back: Result<Value, String>, original: &Value) {
    let back = back.unwrap_or_else(|e| panic!("{what}: {e}"));
    json_equivalent(original, &back, false).unwrap_or_else(|e| panic!("{what} re-encoding: {e}"));
}

#[test]
fn talkifai_vendor_examples_decode_and_requests_re_encode_exactly() {
    // The agents page (seed 003): list response, create bodies (pipeline, realtime, text),
    // create response, get response, update body, delete response.
    let table: [(&str, &str, bool); 8] = [
        ("list-agents.response", "AgentListEnvelope", false),
        ("create-agent-pipeline.request", "AgentCreate", true),
        ("create-agent-realtime.request", "AgentCreate", true),
        ("create-agent-text.request", "AgentCreate", true),
        ("create-agent.response", "AgentSummaryEnvelope", false),
        ("get-agent.response", "AgentEnvelope", false),
        ("update-agent.request", "AgentUpdate", true),
        ("delete-agent.response", "DeleteAgentEnvelope", false),
    ];
    let blocks: Vec<Value> = table.iter().map(|(file, _, _)| vendor_example("talkifai", file)).collect();
    for ((file, ty, request), block) in table.iter().zip(&blocks) {
        let what = format!("talkifai/{file} as {ty}");
        let back = talkifai_round_trip(ty, block);
        if *request {
            request_re_encodes_exactly(&what, back, block);
        } else {
            response_re_encodes(&what, back, block);
        }
    }

    // The three create bodies pick their variant from `agentArchitecture`.
    let creates: Vec<tk::AgentCreate> =
        blocks[1..4].iter().map(|b| serde_json::from_value(b.clone()).expect("create body decodes")).collect();
    match &creates[0] {
        tk::AgentCreate::PipelineAgentCreate(p) => {
            assert_eq!((p.model.as_str(), p.stt.as_str(), p.tts.as_str()), ("gpt-4o", "deepgram", "cartesia"));
            assert_eq!(p.temperature, Some(0.7));
            assert_eq!(p.mode, Some(tk::AgentMode::Private));
        }
        other => panic!("pipeline body decoded as {other:?}"),
    }
    match &creates[1] {
        tk::AgentCreate::RealtimeAgentCreate(r) => {
            assert_eq!(r.realtime_provider, "openai");
            assert_eq!(r.voice_id.as_deref(), Some("alloy"));
        }
        other => panic!("realtime body decoded as {other:?}"),
    }
    match &creates[2] {
        tk::AgentCreate::TextAgentCreate(t) => assert_eq!(t.model, "gpt-4o-mini"),
        other => panic!("text body decoded as {other:?}"),
    }

    // The responses carry what the page shows.
    let list: tk::AgentListEnvelope = serde_json::from_value(blocks[0].clone()).unwrap();
    assert_eq!(list.data[0].agent_architecture, Some(tk::AgentArchitecture::Pipeline));
    let pagination = list.pagination.expect("pagination");
    assert_eq!((pagination.page, pagination.total, pagination.has_next), (Some(1), Some(5), Some(false)));
    let created: tk::AgentSummaryEnvelope = serde_json::from_value(blocks[4].clone()).unwrap();
    assert_eq!((created.data.id.as_str(), created.data.active), ("agent_new123", Some(false)));
    let got: tk::AgentEnvelope = serde_json::from_value(blocks[5].clone()).unwrap();
    match got.data {
        tk::Agent::PipelineAgent(p) => {
            assert_eq!(p.enabled_custom_functions, Some(vec!["check_order_status".to_string()]));
            assert_eq!(p.updated_at.map(|t| t.to_rfc3339()), Some("2024-01-14T15:20:00+00:00".into()));
        }
        other => panic!("get response decoded as {other:?}"),
    }
    let update: tk::AgentUpdate = serde_json::from_value(blocks[6].clone()).unwrap();
    assert_eq!(update.temperature, voice_agents::runtime::Nullable::Value(0.5));
    assert!(update.voice_id.is_absent(), "fields not in the body stay absent");
    let deleted: tk::DeleteAgentEnvelope = serde_json::from_value(blocks[7].clone()).unwrap();
    assert_eq!(deleted.data.message.as_deref(), Some("Agent deleted successfully"));
}

#[test]
fn ayra_vendor_examples_decode_and_requests_re_encode_exactly() {
    // The "Update Agent" page (seed 004): cURL body, 200 response, 404 body, 400 body. The
    // page's JavaScript and Python bodies are object literals, not JSON: the spec carries them as
    // JSON examples, which `every_ayra_spec_example_decodes_and_re_encodes_equivalently` checks.
    let blocks: Vec<Value> = ["update-agent.request", "update-agent.response", "update-agent.404", "update-agent.400"]
        .iter()
        .map(|file| vendor_example("ayra", file))
        .collect();

    request_re_encodes_exactly(
        "ayra/update-agent.request as AgentUpdate",
        ayra_round_trip("AgentUpdate", &blocks[0]),
        &blocks[0],
    );
    response_re_encodes(
        "ayra/update-agent.response as AgentEnvelope",
        ayra_round_trip("AgentEnvelope", &blocks[1]),
        &blocks[1],
    );
    response_re_encodes(
        "ayra/update-agent.404 as ErrorEnvelope",
        ayra_round_trip("ErrorEnvelope", &blocks[2]),
        &blocks[2],
    );
    response_re_encodes(
        "ayra/update-agent.400 as ErrorEnvelope",
        ayra_round_trip("ErrorEnvelope", &blocks[3]),
        &blocks[3],
    );

    let update: ayra::AgentUpdate = serde_json::from_value(blocks[0].clone()).unwrap();
    assert_eq!(update.metadata.as_ref().and_then(|m| m.get("version")).map(String::as_str), Some("2.0"));
    assert!(matches!(update.welcome_message, voice_agents::runtime::Nullable::Value(_)));

    let ok: ayra::AgentEnvelope = serde_json::from_value(blocks[1].clone()).unwrap();
    assert_eq!(ok.data.id, "agent_abc123xyz789");
    assert_eq!(ok.data.voice_platform, Some(ayra::VoicePlatform::Vapi));
    assert_eq!(ok.data.status, Some(ayra::AgentStatus::Active));
    assert_eq!(ok.data.business_hours.as_ref().and_then(|b| b.timezone.as_deref()), Some("America/New_York"));
    assert_eq!(ok.data.metadata.as_ref().map(|m| m.len()), Some(4));
    assert_eq!(ok.meta.and_then(|m| m.request_id).as_deref(), Some("req_update_xyz456"));

    let not_found: ayra::ErrorEnvelope = serde_json::from_value(blocks[2].clone()).unwrap();
    assert_eq!(not_found.error.code, "agent_not_found");
    assert_eq!(not_found.error.agent_id.as_deref(), Some("agent_invalid123"));
    let bad: ayra::ErrorEnvelope = serde_json::from_value(blocks[3].clone()).unwrap();
    assert_eq!(bad.error.r#type.as_deref(), Some("invalid_request"));
    assert_eq!(bad.error.field.as_deref(), Some("language"));
}

#[test]
fn ayra_error_bodies_keep_undeclared_context_fields() {
    // "Extra keys vary per error": a context field the spec does not list survives a round trip.
    let body =
        json!({"error": {"type": "conflict", "message": "m", "code": "c", "active_calls": 2, "call_ids": ["a"]}});
    let back = ayra_round_trip("ErrorEnvelope", &body).unwrap();
    json_equivalent(&body, &back, true).unwrap();
    let decoded: ayra::ErrorEnvelope = serde_json::from_value(body).unwrap();
    assert_eq!(decoded.error.additional_properties.get("call_ids"), Some(&json!(["a"])));
}

/// `(event type, example)` of every `x-webhooks` entry (its schema's example).
fn webhook_examples(dir: &str) -> Vec<(String, Value)> {
    let doc = load_spec(dir).document;
    let hooks = doc["x-webhooks"].as_object().unwrap_or_else(|| panic!("{dir}: x-webhooks"));
    hooks
        .iter()
        .map(|(name, schema)| {
            let schema = resolve_ref(&doc, schema).unwrap_or_else(|| panic!("{dir}: {name} resolves"));
            (name.clone(), schema.get("example").unwrap_or_else(|| panic!("{dir}: {name} has no example")).clone())
        })
        .collect()
}

/// Decodes every webhook example as the API's `WebhookEvent`: the variant of its own event type
/// (never `Unknown`), re-encoding to the example.
fn check_webhook_examples<E>(dir: &str, expected: usize, event_type: fn(&E) -> Option<&str>, is_unknown: fn(&E) -> bool)
where
    E: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let examples = webhook_examples(dir);
    assert_eq!(examples.len(), expected, "{dir}: webhook events in x-webhooks");
    for (name, example) in &examples {
        let event: E = serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{dir} {name}: {e}"));
        assert!(!is_unknown(&event), "{dir} {name}: decoded as Unknown: {event:?}");
        assert_eq!(event_type(&event), Some(name.as_str()), "{dir}: {event:?}");
        let back = serde_json::to_value(&event).expect("encodes");
        json_equivalent(example, &back, false).unwrap_or_else(|e| panic!("{dir} {name} re-encoding: {e}"));
    }
}

#[test]
fn every_webhook_example_decodes_into_the_variant_of_its_event_type() {
    check_webhook_examples::<tk::WebhookEvent>("talkifai", 7, tk::WebhookEvent::event_type, |e| {
        matches!(e, tk::WebhookEvent::Unknown(_))
    });
    check_webhook_examples::<ayra::WebhookEvent>("ayra", 8, ayra::WebhookEvent::event_type, |e| {
        matches!(e, ayra::WebhookEvent::Unknown(_))
    });
}

#[test]
fn the_example_event_stream_decodes_event_by_event() {
    let spec = load_spec("talkifai");
    let examples = spec_stream_examples(&spec);
    assert_eq!(examples.len(), 1, "sendChatMessage's 200 is the only stream: {examples:?}");
    let example = &examples[0];
    assert_eq!(example.operation, "sendChatMessage");
    // Every event of the example is declared in x-sse-events and decodes into its variant.
    let declared = spec
        .document
        .pointer("/paths/~1v1~1chat~1sessions~1{conversation_id}~1messages/post/responses/200/content/text~1event-stream/x-sse-events")
        .and_then(Value::as_object)
        .expect("x-sse-events");
    for (event, _) in &example.events {
        assert!(declared.contains_key(event), "the example's `{event}` is not declared");
    }
    let events: Vec<SendChatMessageEvent> = example
        .events
        .iter()
        .map(|(event, data)| {
            SendChatMessageEvent::from_sse(SseEvent::new(event.clone(), data.clone()))
                .unwrap_or_else(|e| panic!("{} event `{event}`: {e}", example.pointer))
        })
        .collect();
    let names: Vec<&str> = events.iter().map(SendChatMessageEvent::event_name).collect();
    assert_eq!(names, ["stream_start", "chunk", "tool_call", "tool_result", "chunk", "stream_end"]);
    assert!(!events.iter().any(|e| matches!(e, SendChatMessageEvent::Unknown { .. })), "{events:?}");
    // Each event's data re-encodes to what the example sent.
    for ((event, data), decoded) in example.events.iter().zip(&events) {
        let sent: Value = serde_json::from_str(data).expect("the example's data is JSON");
        let back = match decoded {
            SendChatMessageEvent::StreamStart(e) => serde_json::to_value(e),
            SendChatMessageEvent::Chunk(e) => serde_json::to_value(e),
            SendChatMessageEvent::ToolCall(e) => serde_json::to_value(e),
            SendChatMessageEvent::ToolResult(e) => serde_json::to_value(e),
            SendChatMessageEvent::StreamEnd(e) => serde_json::to_value(e),
            other => panic!("not in the example: {other:?}"),
        }
        .expect("encodes");
        json_equivalent(&sent, &back, false).unwrap_or_else(|e| panic!("event `{event}`: {e}"));
    }
}
