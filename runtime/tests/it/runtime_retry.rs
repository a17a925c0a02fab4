//! Retry rules, backoff, Retry-After and the retry-count header, against a wiremock server.
//! Paused time: sleeps are measured with `tokio::time::Instant`, never waited for real.

use std::time::{Duration, SystemTime};

use crate::runtime_common::*;
use tokio::time::Instant;
use voice_agents_runtime::ErrorKind;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok_thing() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(thing_json("1"))
}

/// Mounts `first` for exactly one request, then `then` for the rest.
async fn first_then(server: &MockServer, verb: &str, p: &str, first: ResponseTemplate, then: ResponseTemplate) {
    Mock::given(method(verb)).and(path(p)).respond_with(first).up_to_n_times(1).mount(server).await;
    Mock::given(method(verb)).and(path(p)).respond_with(then).mount(server).await;
}

/// 503 then 200: one retry after the first backoff step; the retry-count header went 0 then 1.
#[tokio::test(start_paused = true)]
async fn retries_503_then_succeeds_with_retry_count_header() {
    let server = MockServer::start().await;
    first_then(&server, "GET", "/v1/things/1", ResponseTemplate::new(503), ok_thing()).await;
    let client = paused_client(&server.uri()).build().unwrap();

    let start = Instant::now();
    let thing = client.get_thing("1").send().await.unwrap();
    let waited = start.elapsed();

    assert_eq!(thing.id, "1");
    assert_eq!(header_values(&server, "x-retry-count").await, ["0", "1"]);
    assert!(waited >= Duration::from_millis(375) && waited <= Duration::from_millis(500), "{waited:?}");
}

/// A 500 on a POST without idempotency key is not retried: the server may have acted.
#[tokio::test(start_paused = true)]
async fn post_500_without_idempotency_key_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).expect(1).mount(&server).await;
    let client = paused_client(&server.uri()).build().unwrap();

    let err = client.create_thing("x").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.attempts(), 1);
    assert!(err.is_retryable(), "500 is transient even when not retried automatically");
}

/// A 500 on a GET is retried.
#[tokio::test(start_paused = true)]
async fn get_500_is_retried() {
    let server = MockServer::start().await;
    first_then(&server, "GET", "/v1/things/1", ResponseTemplate::new(500), ok_thing()).await;
    let client = paused_client(&server.uri()).build().unwrap();

    client.get_thing("1").send().await.unwrap();
    assert_eq!(header_values(&server, "x-retry-count").await, ["0", "1"]);
}

/// A 500 on a POST with an idempotency key is retried, with the same key on both attempts.
#[tokio::test(start_paused = true)]
async fn post_500_with_idempotency_key_is_retried_with_same_key() {
    let server = MockServer::start().await;
    first_then(&server, "POST", "/v1/things", ResponseTemplate::new(500), ok_thing()).await;
    let client = paused_client(&server.uri()).build().unwrap();

    client.create_thing("x").idempotency_key("key-42").send().await.unwrap();
    assert_eq!(header_values(&server, "idempotency-key").await, ["key-42", "key-42"]);
}

async fn wait_for_retry_after(header: &str, value: &str) -> Duration {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header(header, value);
    first_then(&server, "GET", "/v1/things/1", limited, ok_thing()).await;
    let client = paused_client(&server.uri()).build().unwrap();
    let start = Instant::now();
    client.get_thing("1").send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    start.elapsed()
}

/// `Retry-After: 2` replaces the backoff with exactly 2 s (no jitter).
#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_honoured() {
    assert_close(wait_for_retry_after("retry-after", "2").await, Duration::from_secs(2));
}

/// `retry-after-ms: 150` replaces the backoff with exactly 150 ms.
#[tokio::test(start_paused = true)]
async fn retry_after_ms_is_honoured() {
    assert_close(wait_for_retry_after("retry-after-ms", "150").await, Duration::from_millis(150));
}

/// `Retry-After` as an HTTP date five seconds ahead (second resolution: wait in (4 s, 5 s]).
#[tokio::test(start_paused = true)]
async fn retry_after_http_date_is_honoured() {
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
    let waited = wait_for_retry_after("retry-after", &date).await;
    assert!(waited > Duration::from_millis(3900) && waited <= Duration::from_secs(5), "{waited:?}");
}

/// `Retry-After: 3600` is above the 60 s cap: no sleep, one request, a rate-limit error carrying
/// the wait.
#[tokio::test(start_paused = true)]
async fn retry_after_above_cap_fails_fast_with_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let client = paused_client(&server.uri()).build().unwrap();

    let start = Instant::now();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.attempts(), 1);
    assert!(err.is_retryable());
    assert!(err.to_string().contains("retry after 3600s"), "{err}");
}

/// A 503 whose `Retry-After` is above the cap is a rate limit too (as the README promises), with
/// its status kept; below the cap it is a server error (retried, then given up).
#[tokio::test(start_paused = true)]
async fn long_retry_after_on_503_is_a_rate_limit_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let client = paused_client(&server.uri()).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.attempts(), 1);

    let short = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .expect(3)
        .mount(&short)
        .await;
    let client = paused_client(&short.uri()).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
}

/// The cap is configurable: with a 2 h cap, a 3600 s wait is slept.
#[tokio::test(start_paused = true)]
async fn retry_after_cap_is_configurable() {
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("retry-after", "3600");
    first_then(&server, "GET", "/v1/things/1", limited, ok_thing()).await;
    let client = paused_client(&server.uri()).max_retry_after(Duration::from_secs(7200)).build().unwrap();
    let start = Instant::now();
    client.get_thing("1").send().await.unwrap();
    assert_close(start.elapsed(), Duration::from_secs(3600));
}

/// `x-should-retry: false` on a 503 forbids the retry.
#[tokio::test(start_paused = true)]
async fn x_should_retry_false_stops_retry_of_503() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("x-should-retry", "false"))
        .expect(1)
        .mount(&server)
        .await;
    let client = paused_client(&server.uri()).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(!err.is_retryable());
}

/// `x-should-retry: true` on a 400 forces a retry.
#[tokio::test(start_paused = true)]
async fn x_should_retry_true_retries_400() {
    let server = MockServer::start().await;
    let bad = ResponseTemplate::new(400).insert_header("x-should-retry", "true");
    first_then(&server, "POST", "/v1/things", bad, ok_thing()).await;
    let client = paused_client(&server.uri()).build().unwrap();
    client.create_thing("x").send().await.unwrap();
    assert_eq!(header_values(&server, "x-retry-count").await, ["0", "1"]);
}

/// Retries exhausted: the last error comes back with the attempt count, after two backoff steps.
#[tokio::test(start_paused = true)]
async fn exhausted_retries_return_last_error_with_attempt_count() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("still down"))
        .expect(3)
        .mount(&server)
        .await;
    let client = paused_client(&server.uri()).build().unwrap();

    let start = Instant::now();
    let err = client.get_thing("1").send().await.unwrap_err();
    let waited = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.raw_body().map(|b| b.as_ref()), Some(&b"still down"[..]));
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    // 0.5 s and 1 s steps, each minus up to 25 % jitter.
    assert!(waited >= Duration::from_millis(1125) && waited <= Duration::from_millis(1500), "{waited:?}");
    assert_eq!(header_values(&server, "x-retry-count").await, ["0", "1", "2"]);
}

/// `max_retries(0)` on the client or on one call disables retries; per call it can also raise them.
#[tokio::test(start_paused = true)]
async fn max_retries_per_client_and_per_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(503)).mount(&server).await;

    let no_retry = paused_client(&server.uri()).max_retries(0).build().unwrap();
    assert_eq!(no_retry.get_thing("1").send().await.unwrap_err().attempts(), 1);

    let client = paused_client(&server.uri()).build().unwrap();
    assert_eq!(client.get_thing("1").max_retries(0).send().await.unwrap_err().attempts(), 1);
    assert_eq!(client.get_thing("1").max_retries(4).send().await.unwrap_err().attempts(), 5);
}

/// Statuses that are never retried without a server hint: 400, 401, 404, 409, 422.
#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    for status in [400u16, 401, 403, 404, 409, 422] {
        let server = MockServer::start().await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(status)).expect(1).mount(&server).await;
        let client = paused_client(&server.uri()).build().unwrap();
        let err = client.get_thing("1").send().await.unwrap_err();
        assert_eq!(err.attempts(), 1, "{status}");
        assert!(!err.is_retryable(), "{status}");
    }
}

/// 408, 429, 502, 503 and 504 are retried even for a POST.
#[tokio::test(start_paused = true)]
async fn transient_statuses_are_retried_for_post() {
    for status in [408u16, 429, 502, 503, 504] {
        let server = MockServer::start().await;
        first_then(&server, "POST", "/v1/things", ResponseTemplate::new(status), ok_thing()).await;
        let client = paused_client(&server.uri()).build().unwrap();
        client.create_thing("x").send().await.unwrap();
        assert_eq!(server.received_requests().await.unwrap().len(), 2, "{status}");
    }
}

/// The retry-count header can be renamed or removed.
#[tokio::test(start_paused = true)]
async fn retry_count_header_can_be_renamed_or_removed() {
    let server = MockServer::start().await;
    first_then(&server, "GET", "/v1/things/1", ResponseTemplate::new(503), ok_thing()).await;
    let client = paused_client(&server.uri()).retry_count_header(Some("x-attempt")).build().unwrap();
    client.get_thing("1").send().await.unwrap();
    assert_eq!(header_values(&server, "x-attempt").await, ["0", "1"]);
    assert_eq!(header_values(&server, "x-retry-count").await, ["<none>", "<none>"]);

    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ok_thing()).mount(&server).await;
    let client = paused_client(&server.uri()).retry_count_header(None).build().unwrap();
    client.get_thing("1").send().await.unwrap();
    assert_eq!(header_values(&server, "x-retry-count").await, ["<none>"]);
}
