//! The TRACE-level log of a failing call contains the call and attempt spans but no credential.
//!
//! Logs are captured per thread under one global subscriber (see `tests/src/logs.rs`), so the
//! other tests of the binary running at the same time cannot hide events from this one.

use crate::runtime_common::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The TRACE-level log of a failing call (with retries, bodies and headers) has no key, but
/// does have the call and attempt spans with their fields.
#[tokio::test]
async fn trace_logs_of_a_failing_call_hide_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/keyed"))
        .and(header("x-api-key", KEY2))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-request-id", "req-trace")
                .insert_header("x-should-retry", "true")
                .insert_header("retry-after-ms", "1")
                .set_body_string(format!("server saw key {KEY2} and token {SECRET}")),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .credential("keyHeader", KEY2)
        .credential("keyQuery", KEY2)
        .credential("basicAuth", format!("u:{KEY2}"))
        .max_retries(1)
        .build()
        .unwrap();

    let (logs, guard) = capture_logs();
    let err = client.keyed().send().await.unwrap_err();
    // Also a raw call that puts the query key in the URL and a body with the bearer token.
    let raw = client
        .0
        .raw(http::Method::POST, "/keyed")
        .security(&["keyQuery", "basicAuth"])
        .json(&serde_json::json!({"token": SECRET}))
        .max_retries(0)
        .send()
        .await;
    drop(guard);
    assert_eq!(err.attempts(), 2);
    assert!(raw.is_err());

    let text = logs.contents();
    if std::env::var_os("SHOW_LOGS").is_some() {
        println!("{text}");
    }
    for secret in [SECRET, KEY2] {
        assert!(!text.contains(secret), "the trace log leaks a secret:\n{text}");
    }
    for expected in [
        // Spans are named after the crate that describes the API (`__api_identity!`): here the
        // runtime's own tests; for the SDK, `voice_agents.call`.
        concat!(env!("CARGO_CRATE_NAME"), ".call"),
        concat!(env!("CARGO_CRATE_NAME"), ".attempt"),
        "operation=\"keyed\"",
        "path=\"/keyed\"",
        "attempt=1",
        "status=500",
        "request_id=\"req-trace\"",
        "latency_ms=",
        "retrying request",
        "response body",
        "[REDACTED]",
    ] {
        assert!(text.contains(expected), "log lacks {expected:?}:\n{text}");
    }
}
