//! Webhook verification: signatures in every supported form, replay windows with an injected
//! clock, missing and malformed headers, hostile bodies, typed events with an unknown fallback,
//! and secrets kept out of `Debug` and errors.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use serde::Deserialize;
use voice_agents_runtime::{
    SignatureEncoding, SignedPayload, WebhookError, WebhookEvent, WebhookSignature, WebhookVerifier,
};

const SECRET: &str = "whsec-TOPSECRET-0123456789";
const BODY: &[u8] = br#"{"id":"evt_1","type":"call.ended","data":{"callId":"call_789","duration":300}}"#;
/// 2023-11-14T22:13:20Z.
const NOW: u64 = 1_700_000_000;

const HEX: WebhookSignature = WebhookSignature::hmac_sha256("x-signature");

fn mac(secret: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    m.update(payload);
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).expect("header value"));
    }
    h
}

fn at(secs: u64) -> impl Fn() -> SystemTime + Send + Sync + 'static {
    move || UNIX_EPOCH + Duration::from_secs(secs)
}

fn verifier(scheme: WebhookSignature) -> WebhookVerifier {
    WebhookVerifier::new(scheme, SECRET).with_clock(at(NOW))
}

/// An event enum as the generator will emit it for `x-webhooks` (phase B): typed known events,
/// unknown ones kept raw.
#[derive(Debug, PartialEq)]
enum Event {
    CallEnded { call_id: String, duration: f64 },
    Unknown { event_type: String, body: serde_json::Value },
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct CallEndedData {
            call_id: String,
            duration: f64,
        }
        #[derive(Deserialize)]
        struct CallEnded {
            data: CallEndedData,
        }
        let body = serde_json::Value::deserialize(d)?;
        let event_type = body.pointer("/type").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        Ok(match event_type.as_str() {
            "call.ended" => {
                let e = CallEnded::deserialize(body).map_err(serde::de::Error::custom)?;
                Event::CallEnded { call_id: e.data.call_id, duration: e.data.duration }
            }
            _ => Event::Unknown { event_type, body },
        })
    }
}

impl WebhookEvent for Event {}

#[test]
fn rfc_4231_test_vector_verifies() {
    // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
    let sig = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    let v = WebhookVerifier::new(HEX, "Jefe");
    assert_eq!(v.verify_signature(&headers(&[("x-signature", sig)]), b"what do ya want for nothing?"), Ok(()));
    let upper = sig.to_ascii_uppercase();
    assert_eq!(v.verify_signature(&headers(&[("x-signature", &upper)]), b"what do ya want for nothing?"), Ok(()));
}

#[test]
fn good_signature_returns_the_typed_event() {
    let h = headers(&[("x-signature", &hex(&mac(SECRET, BODY)))]);
    let event: Event = verifier(HEX).verify(&h, BODY).expect("verified");
    assert_eq!(event, Event::CallEnded { call_id: "call_789".into(), duration: 300.0 });
    let untyped: serde_json::Value = verifier(HEX).verify(&h, BODY).expect("verified");
    assert_eq!(untyped["type"], "call.ended");
}

#[test]
fn unknown_event_types_are_kept_raw() {
    let body = br#"{"id":"evt_2","type":"call.transferred","data":{"to":"+15550000000"}}"#;
    let h = headers(&[("x-signature", &hex(&mac(SECRET, body)))]);
    match verifier(HEX).verify::<Event>(&h, body).expect("verified") {
        Event::Unknown { event_type, body } => {
            assert_eq!(event_type, "call.transferred");
            assert_eq!(body["data"]["to"], "+15550000000");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_signature_wrong_secret_and_altered_bodies_are_mismatches() {
    let good = hex(&mac(SECRET, BODY));
    let v = verifier(HEX);
    let mut flipped = good.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(v.verify_signature(&headers(&[("x-signature", &flipped)]), BODY), Err(WebhookError::Mismatch));
    let other_secret = hex(&mac("another-secret", BODY));
    assert_eq!(v.verify_signature(&headers(&[("x-signature", &other_secret)]), BODY), Err(WebhookError::Mismatch));
    let truncated = &BODY[..BODY.len() - 1];
    assert_eq!(v.verify_signature(&headers(&[("x-signature", &good)]), truncated), Err(WebhookError::Mismatch));
    let mut appended = BODY.to_vec();
    appended.push(b' ');
    assert_eq!(v.verify_signature(&headers(&[("x-signature", &good)]), &appended), Err(WebhookError::Mismatch));
    // The typed entry point checks first: an unsigned body is never parsed.
    assert_eq!(v.verify::<Event>(&headers(&[("x-signature", &other_secret)]), BODY), Err(WebhookError::Mismatch));
}

#[test]
fn one_of_several_signature_values_may_match() {
    let h = headers(&[("x-signature", &hex(&mac("old-secret", BODY))), ("x-signature", &hex(&mac(SECRET, BODY)))]);
    assert_eq!(verifier(HEX).verify_signature(&h, BODY), Ok(()));
}

#[test]
fn missing_and_malformed_headers_are_reported_by_name() {
    let v = verifier(HEX);
    assert_eq!(v.verify_signature(&HeaderMap::new(), BODY), Err(WebhookError::MissingHeader("x-signature")));
    for bad in ["not-hex", "abc", &"ab".repeat(31), &"a".repeat(5000)] {
        match v.verify_signature(&headers(&[("x-signature", bad)]), BODY) {
            Err(WebhookError::MalformedHeader { header: "x-signature", .. }) => {}
            other => panic!("{bad:.20}: {other:?}"),
        }
    }
    let mut h = HeaderMap::new();
    h.insert("x-signature", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    assert!(matches!(v.verify_signature(&h, BODY), Err(WebhookError::MalformedHeader { .. })));
}

#[test]
fn base64_and_prefixed_forms() {
    let raw = mac(SECRET, BODY);
    let b64 = HEX.encoding(SignatureEncoding::Base64);
    let standard = base64::engine::general_purpose::STANDARD.encode(&raw);
    let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
    assert_eq!(verifier(b64).verify_signature(&headers(&[("x-signature", &standard)]), BODY), Ok(()));
    assert_eq!(verifier(b64).verify_signature(&headers(&[("x-signature", &url_safe)]), BODY), Ok(()));

    let prefixed = HEX.prefix("sha256=");
    let value = format!("sha256={}", hex(&raw));
    assert_eq!(verifier(prefixed).verify_signature(&headers(&[("x-signature", &value)]), BODY), Ok(()));
    let upper = format!("SHA256={}", hex(&raw));
    assert_eq!(verifier(prefixed).verify_signature(&headers(&[("x-signature", &upper)]), BODY), Ok(()));
    match verifier(prefixed).verify_signature(&headers(&[("x-signature", &hex(&raw))]), BODY) {
        Err(WebhookError::MalformedHeader { reason, .. }) => assert!(reason.contains("prefix"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// A scheme signing `{timestamp}.{body}` with the time in `x-timestamp` and a 5-minute window.
const TIMED: WebhookSignature = HEX.timestamp_header("x-timestamp").signed_payload(SignedPayload::TimestampDotBody);

fn timed_headers(ts: u64, secret: &str) -> HeaderMap {
    let payload = [ts.to_string().as_bytes(), b".", BODY].concat();
    headers(&[("x-signature", &hex(&mac(secret, &payload))), ("x-timestamp", &ts.to_string())])
}

#[test]
fn timestamps_inside_the_window_verify() {
    for ts in [NOW, NOW - 299, NOW + 299] {
        assert_eq!(verifier(TIMED).verify_signature(&timed_headers(ts, SECRET), BODY), Ok(()), "{ts}");
    }
}

#[test]
fn replayed_old_and_far_future_timestamps_are_rejected() {
    let old = verifier(TIMED).verify_signature(&timed_headers(NOW - 3600, SECRET), BODY);
    assert!(
        matches!(old, Err(WebhookError::TimestampOutsideTolerance { skew_secs: -3600, .. })),
        "a correctly signed delivery from an hour ago is a replay: {old:?}"
    );
    let future = verifier(TIMED).verify_signature(&timed_headers(NOW + 301, SECRET), BODY);
    assert!(matches!(future, Err(WebhookError::TimestampOutsideTolerance { skew_secs: 301, .. })), "{future:?}");
    // A wider window accepts the same delivery.
    let wide = TIMED.tolerance(Duration::from_secs(7200));
    assert_eq!(verifier(wide).verify_signature(&timed_headers(NOW - 3600, SECRET), BODY), Ok(()));
    // Moving the timestamp breaks the signature: it is part of the signed payload.
    let mut h = timed_headers(NOW - 3600, SECRET);
    h.insert("x-timestamp", HeaderValue::from_str(&NOW.to_string()).unwrap());
    assert_eq!(verifier(TIMED).verify_signature(&h, BODY), Err(WebhookError::Mismatch));
}

#[test]
fn timestamp_header_problems() {
    let sig = hex(&mac(SECRET, BODY));
    let v = verifier(HEX.timestamp_header("x-timestamp"));
    assert_eq!(
        v.verify_signature(&headers(&[("x-signature", &sig)]), BODY),
        Err(WebhookError::MissingHeader("x-timestamp"))
    );
    for bad in ["-5", "12a", "", "99999999999999999999999"] {
        let r = v.verify_signature(&headers(&[("x-signature", &sig), ("x-timestamp", bad)]), BODY);
        assert!(matches!(r, Err(WebhookError::MalformedHeader { header: "x-timestamp", .. })), "{bad}: {r:?}");
    }
    // Body-only signing with a timestamp header still checks the window.
    let r = v.verify_signature(&headers(&[("x-signature", &sig), ("x-timestamp", &(NOW - 900).to_string())]), BODY);
    assert!(matches!(r, Err(WebhookError::TimestampOutsideTolerance { .. })), "{r:?}");
}

#[test]
fn hostile_bodies_fail_cleanly_after_a_valid_signature() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("deep nesting", deep.into_bytes()),
        ("non-UTF-8", b"{\"type\":\"call.ended\",\"data\":\"\xff\xfe\"}".to_vec()),
        ("huge number", b"{\"type\":\"call.ended\",\"data\":{\"callId\":\"c\",\"duration\":1e999}}".to_vec()),
        ("truncated JSON", b"{\"type\":\"call.ended\",\"data\":{".to_vec()),
        ("trailing garbage", [BODY, b"{}"].concat()),
        ("empty", Vec::new()),
    ];
    for (what, body) in cases {
        let h = headers(&[("x-signature", &hex(&mac(SECRET, &body)))]);
        assert_eq!(verifier(HEX).verify_signature(&h, &body), Ok(()), "{what}: the signature itself is fine");
        match verifier(HEX).verify::<Event>(&h, &body) {
            Err(WebhookError::InvalidBody { .. }) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    // The path names where a typed field failed.
    let body = br#"{"id":"evt_3","type":"call.ended","data":{"callId":7,"duration":1}}"#;
    let h = headers(&[("x-signature", &hex(&mac(SECRET, body)))]);
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        data: StrictData,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct StrictData {
        call_id: String,
    }
    impl WebhookEvent for Strict {}
    match verifier(HEX).verify::<Strict>(&h, body) {
        Err(WebhookError::InvalidBody { path, .. }) => assert_eq!(path, "$.data.callId"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn misconfiguration_is_an_error_not_an_open_door() {
    let sig = hex(&mac("", BODY));
    let empty = WebhookVerifier::new(HEX, "");
    assert!(matches!(empty.verify_signature(&headers(&[("x-signature", &sig)]), BODY), Err(WebhookError::Config(_))));
    let no_header = HEX.signed_payload(SignedPayload::TimestampDotBody);
    let r = verifier(no_header).verify_signature(&headers(&[("x-signature", &sig)]), BODY);
    assert!(matches!(r, Err(WebhookError::Config(_))), "{r:?}");
}

#[test]
fn the_secret_never_appears_in_debug_or_errors() {
    let v = verifier(TIMED);
    let debug = format!("{v:?}");
    assert!(!debug.contains(SECRET) && debug.contains("REDACTED"), "{debug}");
    let signature = hex(&mac(SECRET, BODY));
    let attempts = [
        v.verify_signature(&HeaderMap::new(), BODY),
        v.verify_signature(&timed_headers(NOW - 3600, SECRET), BODY),
        v.verify_signature(&headers(&[("x-signature", &signature), ("x-timestamp", "1")]), BODY),
        v.verify_signature(&headers(&[("x-signature", "zz"), ("x-timestamp", &NOW.to_string())]), BODY),
    ];
    for r in attempts {
        let e = r.expect_err("rejected");
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains(&signature), "the received signature is not echoed: {text}");
        }
    }
}
