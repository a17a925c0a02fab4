//! No credential ever appears in `Debug`, `Display`, error messages or logs.

use std::time::Duration;

use crate::runtime_common::*;
use voice_agents_runtime::{ClientBuilder, Error};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in [SECRET, KEY2] {
        assert!(!text.contains(secret), "{what} leaks a secret:\n{text}");
    }
}

#[track_caller]
fn assert_error_clean(err: &Error) {
    assert_clean("Display", &err.to_string());
    assert_clean("Debug", &format!("{err:?}"));
    assert_clean("alternate Debug", &format!("{err:#?}"));
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_clean("source", &s.to_string());
        assert_clean("source Debug", &format!("{s:?}"));
        source = s.source();
    }
}

fn all_credentials(base: &str) -> ClientBuilder<TestClient> {
    builder(base)
        .credential("keyHeader", KEY2)
        .credential("keyQuery", KEY2)
        .credential("basicAuth", format!("user:{KEY2}"))
        .default_header("x-api-key", KEY2)
        .base_url(format!("http://user:{SECRET}@127.0.0.1:1/v1"))
}

/// Debug of the builder, the client (Core) and its Config show `[REDACTED]` for credentials.
#[test]
fn debug_of_builder_core_and_config_hides_credentials() {
    let b = all_credentials("http://unused");
    let text = format!("{b:?}");
    assert_clean("ClientBuilder Debug", &text);
    assert!(text.contains("[REDACTED]") && text.contains("bearerAuth"), "{text}");

    let client = b.build().unwrap();
    for text in [format!("{client:?}"), format!("{:#?}", client.0), format!("{:?}", client.0.config())] {
        assert_clean("Core/Config Debug", &text);
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}

/// API errors: the body and headers may echo the key; Display and Debug must not.
#[tokio::test]
async fn api_error_echoing_the_key_is_scrubbed() {
    let server = MockServer::start().await;
    let echo = format!(r#"{{"code":"bad_key","message":"key {SECRET} is revoked"}}"#);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("set-cookie", format!("session={SECRET}"))
                .set_body_raw(echo, "application/json"),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.code(), Some("bad_key"));
    assert_error_clean(&err);

    // Without a typed body the excerpt of the raw body is scrubbed as well.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_string(format!("<p>Bearer {SECRET}</p>")))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.0.raw(http::Method::POST, "/anything").send().await.unwrap_err();
    assert_error_clean(&err);
}

/// Decode errors quote the body: a key inside it is scrubbed.
#[tokio::test]
async fn decode_error_echoing_the_key_is_scrubbed() {
    let server = MockServer::start().await;
    let body = format!(r#"{{"id": "{SECRET}", "name": 12}}"#);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert!(err.decode().is_some());
    assert_error_clean(&err);
}

/// A connection error names the URL; an API key in the query must not appear in it.
#[tokio::test]
async fn connection_error_hides_query_key_and_userinfo() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .credential("keyQuery", KEY2)
        .credential("basicAuth", format!("u:{KEY2}"))
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.keyed().send().await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.to_string().contains("api_key=%5BREDACTED%5D"), "{err}");
    assert_error_clean(&err);
}

/// Client-side errors never print values: validation, missing credential, bad header, config.
#[tokio::test]
async fn client_side_errors_hide_values() {
    let client = builder("http://127.0.0.1:1").build().unwrap();
    let err = client.create_thing(SECRET).send().await.unwrap_err();
    assert_error_clean(&err);
    let err = client.keyed().send().await.unwrap_err();
    assert_error_clean(&err);
    let err = client.get_thing("1").header("x-api-key", &format!("{KEY2}\n")).send().await.unwrap_err();
    assert_error_clean(&err);
    let err = builder("http://x").default_header("x-api-key", &format!("{KEY2}\r\n")).build().unwrap_err();
    assert_error_clean(&err);
    let err = builder("http://x").base_url(format!("ftp://u:{SECRET}@h")).build().unwrap_err();
    assert_error_clean(&err);
}

/// Timeout errors carry no request details at all.
#[tokio::test(start_paused = true)]
async fn timeout_error_is_clean() {
    let server = RawServer::start(vec![Reply::Hang]).await;
    let client = builder(&server.url()).timeout(Duration::from_secs(1)).max_retries(0).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    assert_error_clean(&err);
}

/// Basic auth is encoded on the wire and redacted in logs; the header and query keys are sent.
#[tokio::test]
async fn credentials_reach_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/keyed"))
        .and(query_param("api_key", KEY2))
        .and(query_param("plain", "visible"))
        .and(header("authorization", "Basic dXNlcjpwYXNz"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client =
        builder(&server.uri()).credential("keyQuery", KEY2).credential("basicAuth", "user:pass").build().unwrap();
    client.keyed().send().await.unwrap();

    let server = MockServer::start().await;
    Mock::given(header("x-api-key", KEY2))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).credential("keyHeader", KEY2).build().unwrap();
    client.keyed().send().await.unwrap();
}

/// A credential added at run time (a session token an API handed out) is used where the
/// operation asks for its scheme, scrubbed and redacted like the configured ones, and leaves
/// the original client as it was.
#[tokio::test]
async fn a_credential_added_at_run_time_is_sent_scrubbed_and_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/keyed"))
        .and(header("x-api-key", KEY2))
        .respond_with(
            ResponseTemplate::new(401).set_body_raw(format!(r#"{{"message":"{KEY2} expired"}}"#), "application/json"),
        )
        .mount(&server)
        .await;
    let base = builder(&server.uri()).build().unwrap();
    assert!(!base.0.config().has_credential("keyHeader"));
    let session = TestClient(base.0.with_credential("keyHeader", KEY2).expect("known scheme"));
    assert!(session.0.config().has_credential("keyHeader") && session.0.config().has_credential("bearerAuth"));
    assert!(!base.0.config().has_credential("keyHeader"), "the original client is unchanged");
    assert_eq!(session.0.config().base_url(), base.0.config().base_url(), "same settings");
    let err = session.keyed().send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
    assert_error_clean(&err);
    assert_clean("Core Debug", &format!("{:?}", session.0));
    let err = base.0.with_credential("nope", "x").unwrap_err();
    assert!(err.to_string().contains("unknown security scheme `nope`"), "{err}");
}
