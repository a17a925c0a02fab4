//! Connection failures, stalled bodies, per-attempt timeouts and the overall deadline, against a
//! raw TCP server on the test's own runtime (so paused time stays deterministic).

use std::time::Duration;

use crate::runtime_common::*;
use tokio::net::TcpListener;
use tokio::time::Instant;
use voice_agents_runtime::{Error, ErrorKind, TimeoutKind};

fn thing_body() -> String {
    thing_json("1").to_string()
}

fn ok_reply() -> Reply {
    Reply::Full(http_response(200, &[("content-type", "application/json")], &thing_body()))
}

/// Headers and 10 of 100 body bytes, then silence.
fn stalled_reply() -> Reply {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
    Reply::Stall(format!("{head}{{\"id\": \"1\""))
}

fn timeout_kind(err: &Error) -> Option<TimeoutKind> {
    match err {
        Error::Timeout { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// Connection refused on the first attempt, a server on that port for the retry: success, and
/// even for a POST (connection errors are always retried).
#[tokio::test(start_paused = true)]
async fn connection_refused_then_success() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    }; // dropped: the port now refuses connections
    let started = std::sync::Arc::new(std::sync::Mutex::new(None));
    let slot = started.clone();
    tokio::spawn(async move {
        // Starts after the first attempt failed and before the first backoff (>= 375 ms) ends.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        *slot.lock().unwrap() = Some(RawServer::serve(listener, vec![ok_reply()]));
    });
    let client = builder(&format!("http://127.0.0.1:{port}")).build().unwrap();

    let start = Instant::now();
    let thing = client.create_thing("x").send().await.unwrap();
    assert_eq!(thing.id, "1");
    assert!(start.elapsed() >= Duration::from_millis(375), "{:?}", start.elapsed());
    let guard = started.lock().unwrap();
    let server = guard.as_ref().expect("server started");
    assert_eq!(server.request_count(), 1);
    assert!(server.requests.lock().unwrap()[0].contains("x-retry-count: 1"));
}

/// Connection refused on every attempt: a connection error with the attempt count.
#[tokio::test(start_paused = true)]
async fn connection_refused_exhausts_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = builder(&format!("http://127.0.0.1:{port}")).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(err.attempts(), 3);
    assert!(err.is_retryable());
    assert!(std::error::Error::source(&err).is_some());
}

/// Headers arrive, then the body stalls: an idle read timeout instead of a hang.
#[tokio::test(start_paused = true)]
async fn stalled_body_hits_idle_timeout() {
    let server = RawServer::start(vec![stalled_reply()]).await;
    let client = builder(&server.url()).read_idle_timeout(Duration::from_secs(2)).max_retries(0).build().unwrap();

    let start = Instant::now();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(timeout_kind(&err), Some(TimeoutKind::ReadIdle), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_close(start.elapsed(), Duration::from_secs(2));
    assert!(err.is_retryable());
}

/// A stalled body is a read timeout: retried for a GET, not for a POST without idempotency key.
#[tokio::test(start_paused = true)]
async fn read_timeouts_are_retried_only_when_idempotent() {
    let server = RawServer::start(vec![stalled_reply()]).await;
    let client = builder(&server.url()).read_idle_timeout(Duration::from_secs(1)).max_retries(1).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.attempts(), 2);
    assert_eq!(server.request_count(), 2);

    let server = RawServer::start(vec![stalled_reply()]).await;
    let client = builder(&server.url()).read_idle_timeout(Duration::from_secs(1)).max_retries(1).build().unwrap();
    let err = client.create_thing("x").send().await.unwrap_err();
    assert_eq!(timeout_kind(&err), Some(TimeoutKind::ReadIdle));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    let server = RawServer::start(vec![stalled_reply(), ok_reply()]).await;
    let client = builder(&server.url()).read_idle_timeout(Duration::from_secs(1)).max_retries(1).build().unwrap();
    client.create_thing("x").idempotency_key("k").send().await.unwrap();
    assert_eq!(server.request_count(), 2);
}

/// A server that never answers hits the per-attempt timeout (client-wide or per call).
#[tokio::test(start_paused = true)]
async fn per_attempt_timeout_fires() {
    let server = RawServer::start(vec![Reply::Hang]).await;
    let client = builder(&server.url()).timeout(Duration::from_secs(3)).max_retries(0).build().unwrap();

    let start = Instant::now();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(timeout_kind(&err), Some(TimeoutKind::Attempt));
    assert_close(start.elapsed(), Duration::from_secs(3));

    let start = Instant::now();
    let err = client.get_thing("1").timeout(Duration::from_millis(700)).send().await.unwrap_err();
    assert_eq!(timeout_kind(&err), Some(TimeoutKind::Attempt));
    assert_close(start.elapsed(), Duration::from_millis(700));
}

/// The overall deadline cuts a running attempt.
#[tokio::test(start_paused = true)]
async fn deadline_cuts_running_attempt() {
    let server = RawServer::start(vec![Reply::Hang]).await;
    let client = builder(&server.url()).deadline(Duration::from_secs(2)).build().unwrap();

    let start = Instant::now();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(timeout_kind(&err), Some(TimeoutKind::Deadline), "{err:?}");
    assert_close(start.elapsed(), Duration::from_secs(2));
    assert_eq!(err.attempts(), 1);
    assert!(!err.is_retryable());
}

/// The overall deadline stops retries: with 800 ms between attempts and a 2 s deadline, the
/// third attempt (at 1.6 s) is the last; the fourth could not start in time.
#[tokio::test(start_paused = true)]
async fn deadline_stops_retries() {
    let unavailable = http_response(503, &[("retry-after-ms", "800")], "busy");
    let server = RawServer::start(vec![Reply::Full(unavailable)]).await;
    let client = builder(&server.url()).deadline(Duration::from_secs(2)).max_retries(10).build().unwrap();

    let start = Instant::now();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);
    assert_close(start.elapsed(), Duration::from_millis(1600));
}

/// A body cut short by the server (fewer bytes than content-length, then close) is a transport
/// error, not a hang or a panic.
#[tokio::test(start_paused = true)]
async fn body_cut_short_is_a_connection_error() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n";
    let server = RawServer::start(vec![Reply::Full(format!("{head}{{\"id\":"))]).await;
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
}
