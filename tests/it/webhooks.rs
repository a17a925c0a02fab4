//! TalkifAI's and Ayra's webhook deliveries verified with the generated `WEBHOOK_SIGNATURE`
//! (through `webhook_verifier`) and decoded into each generated `WebhookEvent` variant: every
//! event type of each spec's `x-webhooks`, signed as the vendor would sign it; wrong
//! signatures, wrong secrets, truncated and altered bodies, unknown and missing event types,
//! payloads that do not match, hostile bodies. Neither vendor sends a timestamp, so the replay
//! window is checked on the generated scheme with a timestamp header added.

use std::time::{Duration, UNIX_EPOCH};

use hmac::{KeyInit, Mac};
use serde_json::Value;
use voice_agents::http::{HeaderMap, HeaderValue};
use voice_agents::runtime::{SignatureEncoding, SignedPayload, WebhookError, WebhookVerifier};
use voice_agents::{ayra, talkifai as tk};
use voice_agents_tests::{json_equivalent, load_spec, resolve_ref};

const SECRET: &str = "whsec-endpoint-0123456789";

fn hmac_hex(secret: &str, payload: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(payload);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.append(*name, HeaderValue::from_str(value).expect("header value"));
    }
    h
}

/// A delivery as TalkifAI signs it (`x-webhook-signature`: hex HMAC of the raw body).
fn talkifai_signed(body: &[u8]) -> HeaderMap {
    headers(&[("x-talkifai-signature", hmac_hex(SECRET, body))])
}

/// A delivery as Ayra signs it.
fn ayra_signed(body: &[u8]) -> HeaderMap {
    headers(&[("x-ayra-signature", hmac_hex(SECRET, body))])
}

/// `(event type, example body)` for every entry of a spec's `x-webhooks`, the example taken
/// from the referenced schema.
fn webhook_examples(dir: &str) -> Vec<(String, Value)> {
    let doc = load_spec(dir).document;
    let hooks = doc["x-webhooks"].as_object().unwrap_or_else(|| panic!("{dir}: x-webhooks"));
    hooks
        .iter()
        .map(|(name, schema)| {
            let schema = resolve_ref(&doc, schema).unwrap_or_else(|| panic!("{dir}: {name} resolves"));
            let example = schema.get("example").unwrap_or_else(|| panic!("{dir}: {name} has an example")).clone();
            (name.clone(), example)
        })
        .collect()
}

#[test]
fn the_generated_schemes_are_the_specs() {
    let s = tk::WEBHOOK_SIGNATURE;
    assert_eq!(
        (s.header, s.encoding, s.prefix, s.timestamp_header, s.signed_payload),
        ("X-TalkifAI-Signature", SignatureEncoding::Hex, None, None, SignedPayload::Body)
    );
    let s = ayra::WEBHOOK_SIGNATURE;
    assert_eq!(
        (s.header, s.encoding, s.prefix, s.timestamp_header, s.signed_payload),
        ("X-Ayra-Signature", SignatureEncoding::Hex, None, None, SignedPayload::Body)
    );
    assert_eq!(tk::webhook_verifier(SECRET).scheme(), &tk::WEBHOOK_SIGNATURE);
}

#[test]
fn every_talkifai_event_verifies_and_decodes_into_its_variant() {
    let examples = webhook_examples("talkifai");
    assert_eq!(examples.len(), 7);
    let verifier = tk::webhook_verifier(SECRET);
    for (name, example) in &examples {
        let body = serde_json::to_vec(example).unwrap();
        let event: tk::WebhookEvent =
            verifier.verify(&talkifai_signed(&body), &body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.event_type(), Some(name.as_str()));
        let (variant, id) = match &event {
            tk::WebhookEvent::CallStarted(e) => ("call.started", &e.id),
            tk::WebhookEvent::CallEnded(e) => ("call.ended", &e.id),
            tk::WebhookEvent::CallFailed(e) => ("call.failed", &e.id),
            tk::WebhookEvent::TranscriptReady(e) => ("transcript.ready", &e.id),
            tk::WebhookEvent::AnalysisCompleted(e) => ("analysis.completed", &e.id),
            tk::WebhookEvent::CreditLow(e) => ("credit.low", &e.id),
            tk::WebhookEvent::CreditDepleted(e) => ("credit.depleted", &e.id),
            other => panic!("{name} decoded as {other:?}"),
        };
        assert_eq!((variant, id.as_str()), (name.as_str(), example["id"].as_str().unwrap()));
        // The enum re-encodes to the body it came from.
        json_equivalent(example, &serde_json::to_value(&event).unwrap(), false)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // One close look at the documented event.
    let body = serde_json::to_vec(&examples.iter().find(|(n, _)| n == "call.ended").unwrap().1).unwrap();
    match verifier.verify(&talkifai_signed(&body), &body).unwrap() {
        tk::WebhookEvent::CallEnded(e) => {
            assert_eq!(e.data.duration, Some(300.0));
            assert_eq!(e.data.end_reason.as_deref(), Some("customer_hangup"));
            assert_eq!(e.created.map(|t| t.to_rfc3339()).as_deref(), Some("2024-01-15T10:35:00+00:00"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_ayra_event_verifies_and_decodes_into_its_variant() {
    let examples = webhook_examples("ayra");
    assert_eq!(examples.len(), 8);
    let verifier = ayra::webhook_verifier(SECRET);
    for (name, example) in &examples {
        let body = serde_json::to_vec(example).unwrap();
        let event: ayra::WebhookEvent =
            verifier.verify(&ayra_signed(&body), &body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.event_type(), Some(name.as_str()));
        let (variant, id) = match &event {
            ayra::WebhookEvent::CallStarted(e) => ("call.started", &e.event_id),
            ayra::WebhookEvent::CallCompleted(e) => ("call.completed", &e.event_id),
            ayra::WebhookEvent::CallFailed(e) => ("call.failed", &e.event_id),
            ayra::WebhookEvent::TranscriptUpdated(e) => ("transcript.updated", &e.event_id),
            ayra::WebhookEvent::SentimentChanged(e) => ("sentiment.changed", &e.event_id),
            ayra::WebhookEvent::KeywordDetected(e) => ("keyword.detected", &e.event_id),
            ayra::WebhookEvent::AppointmentBooked(e) => ("appointment.booked", &e.event_id),
            ayra::WebhookEvent::TicketCreated(e) => ("ticket.created", &e.event_id),
            other => panic!("{name} decoded as {other:?}"),
        };
        assert_eq!((variant, id.as_str()), (name.as_str(), example["event_id"].as_str().unwrap()));
        json_equivalent(example, &serde_json::to_value(&event).unwrap(), false)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_wrong_signature_a_wrong_secret_or_a_changed_body_is_rejected() {
    let body = br#"{"id":"evt_1","type":"call.ended","data":{"callId":"call_789","duration":300}}"#;
    let verifier = tk::webhook_verifier(SECRET);
    assert!(verifier.verify::<tk::WebhookEvent>(&talkifai_signed(body), body).is_ok());

    // One hex digit of the signature changed.
    let mut sig = hmac_hex(SECRET, body);
    let last = if sig.ends_with('0') { "1" } else { "0" };
    sig.replace_range(sig.len() - 1.., last);
    let err = verifier.verify::<tk::WebhookEvent>(&headers(&[("x-talkifai-signature", sig)]), body).unwrap_err();
    assert_eq!(err, WebhookError::Mismatch);
    // Signed with another endpoint's secret.
    let other = headers(&[("x-talkifai-signature", hmac_hex("whsec-another-endpoint", body))]);
    assert_eq!(verifier.verify::<tk::WebhookEvent>(&other, body).unwrap_err(), WebhookError::Mismatch);
    // Verified with the wrong secret.
    let wrong = tk::webhook_verifier("whsec-not-this-one");
    assert_eq!(wrong.verify::<tk::WebhookEvent>(&talkifai_signed(body), body).unwrap_err(), WebhookError::Mismatch);
    // A truncated body (a proxy cut it off) and a changed one.
    let truncated = &body[..body.len() - 10];
    assert_eq!(
        verifier.verify::<tk::WebhookEvent>(&talkifai_signed(body), truncated).unwrap_err(),
        WebhookError::Mismatch
    );
    let altered = br#"{"id":"evt_1","type":"call.ended","data":{"callId":"call_789","duration":999}}"#;
    assert_eq!(
        verifier.verify::<tk::WebhookEvent>(&talkifai_signed(body), altered).unwrap_err(),
        WebhookError::Mismatch
    );
    // Another vendor's header, or none.
    let err = verifier.verify::<tk::WebhookEvent>(&ayra_signed(body), body).unwrap_err();
    assert_eq!(err, WebhookError::MissingHeader("X-TalkifAI-Signature"));
    // Ayra's verifier rejects a TalkifAI delivery the same way.
    let err = ayra::webhook_verifier(SECRET).verify::<ayra::WebhookEvent>(&talkifai_signed(body), body).unwrap_err();
    assert_eq!(err, WebhookError::MissingHeader("X-Ayra-Signature"));
    // Nothing here leaks the secret.
    assert!(!format!("{verifier:?}").contains(SECRET));
}

#[test]
fn unknown_or_missing_event_types_are_kept_raw() {
    let verifier = tk::webhook_verifier(SECRET);
    let body = br#"{"id":"evt_9","type":"call.transferred","data":{"to":"+15550001111"}}"#;
    let event: tk::WebhookEvent = verifier.verify(&talkifai_signed(body), body).unwrap();
    assert_eq!(event.event_type(), Some("call.transferred"), "read at the spec's pointer (/type)");
    match &event {
        tk::WebhookEvent::Unknown(raw) => assert_eq!(raw["data"]["to"], "+15550001111"),
        other => panic!("{other:?}"),
    }
    // No type member, or one that is not a string: still a verified delivery, kept raw.
    for body in [&br#"{"id":"evt_9","data":{}}"#[..], br#"{"type":7}"#, b"[1,2]", b"\"call.ended\""] {
        let event: tk::WebhookEvent = verifier.verify(&talkifai_signed(body), body).unwrap();
        assert!(matches!(&event, tk::WebhookEvent::Unknown(_)), "{event:?}");
        assert_eq!(event.event_type(), None);
    }
    // Ayra reads its type at /event_type, not /type.
    let body = br#"{"event_id":"e1","type":"call.started","event_type":"queue.overflow","data":{}}"#;
    let event: ayra::WebhookEvent = ayra::webhook_verifier(SECRET).verify(&ayra_signed(body), body).unwrap();
    assert!(matches!(&event, ayra::WebhookEvent::Unknown(_)), "{event:?}");
    assert_eq!(event.event_type(), Some("queue.overflow"));
}

#[test]
fn a_known_event_that_does_not_match_its_schema_is_an_invalid_body_naming_the_event() {
    let verifier = tk::webhook_verifier(SECRET);
    // `data` is required by every TalkifAI event schema.
    let body = br#"{"id":"evt_1","type":"call.ended"}"#;
    match verifier.verify::<tk::WebhookEvent>(&talkifai_signed(body), body).unwrap_err() {
        WebhookError::InvalidBody { message, .. } => {
            assert!(message.contains("call.ended") && message.contains("data"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let body = br#"{"id":"evt_1","type":"credit.low","data":{"balance":"low"}}"#;
    let err = verifier.verify::<tk::WebhookEvent>(&talkifai_signed(body), body).unwrap_err();
    assert!(matches!(&err, WebhookError::InvalidBody { message, .. } if message.contains("credit.low")), "{err:?}");
}

#[test]
fn hostile_bodies_are_errors_never_panics() {
    let verifier = tk::webhook_verifier(SECRET);
    let deep = format!("{{\"type\":\"call.ended\",\"data\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let long_type = format!("{{\"type\":\"{}\"}}", "x".repeat(1 << 20));
    let cases: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        b"".to_vec(),
        b"not json".to_vec(),
        b"{\"type\":\"call.ended\",".to_vec(),
        vec![0xff, 0xfe, 0x00],
        b"{\"type\":\"call.ended\",\"data\":{}} trailing".to_vec(),
    ];
    for body in &cases {
        let err = verifier.verify::<tk::WebhookEvent>(&talkifai_signed(body), body).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidBody { .. }), "{err:?}");
    }
    // A huge but well-formed unknown type is just an unknown event.
    let body = long_type.as_bytes();
    let event: tk::WebhookEvent = verifier.verify(&talkifai_signed(body), body).unwrap();
    assert!(matches!(event, tk::WebhookEvent::Unknown(_)));
    // Hostile headers: too long, not hex, several values.
    let long = headers(&[("x-talkifai-signature", "a".repeat(5000))]);
    assert!(matches!(verifier.verify::<tk::WebhookEvent>(&long, b"{}"), Err(WebhookError::MalformedHeader { .. })));
    let not_hex = headers(&[("x-talkifai-signature", "zz".repeat(32))]);
    assert!(matches!(verifier.verify::<tk::WebhookEvent>(&not_hex, b"{}"), Err(WebhookError::MalformedHeader { .. })));
}

/// Neither vendor sends a timestamp (the specs say so), so a replay cannot be told from a
/// retry: the generated schemes have no window. With a timestamp header added to the
/// generated scheme, an old delivery is refused and a fresh one decodes into the same enum.
#[test]
fn a_replayed_old_delivery_is_refused_when_the_scheme_signs_a_timestamp() {
    assert_eq!((tk::WEBHOOK_SIGNATURE.timestamp_header, ayra::WEBHOOK_SIGNATURE.timestamp_header), (None, None));
    let scheme = tk::WEBHOOK_SIGNATURE
        .timestamp_header("X-TalkifAI-Timestamp")
        .signed_payload(SignedPayload::TimestampDotBody)
        .tolerance(Duration::from_secs(300));
    let now = 1_700_000_000_u64;
    let verifier = WebhookVerifier::new(scheme, SECRET).with_clock(move || UNIX_EPOCH + Duration::from_secs(now));
    let body = br#"{"id":"evt_1","type":"credit.low","data":{"balance":4.5,"threshold":5}}"#;
    let signed_at = |ts: u64| {
        let payload = [ts.to_string().as_bytes(), b".", body].concat();
        headers(&[("x-talkifai-signature", hmac_hex(SECRET, &payload)), ("x-talkifai-timestamp", ts.to_string())])
    };
    let fresh: tk::WebhookEvent = verifier.verify(&signed_at(now - 60), body).expect("a minute old");
    assert!(matches!(fresh, tk::WebhookEvent::CreditLow(e) if e.data.balance == Some(4.5)));
    let err = verifier.verify::<tk::WebhookEvent>(&signed_at(now - 3600), body).unwrap_err();
    assert!(matches!(err, WebhookError::TimestampOutsideTolerance { skew_secs: -3600, .. }), "{err:?}");
    // The old signature with a fresh timestamp does not verify.
    let mut replayed = signed_at(now - 3600);
    replayed.insert("x-talkifai-timestamp", HeaderValue::from_str(&now.to_string()).unwrap());
    assert_eq!(verifier.verify::<tk::WebhookEvent>(&replayed, body).unwrap_err(), WebhookError::Mismatch);
}
