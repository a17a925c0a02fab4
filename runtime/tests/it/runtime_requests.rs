//! Building requests: validation before sending, path encoding, credentials, server resolution,
//! default and per-request headers, and the raw escape hatch.

use crate::runtime_common::*;
use http::Method;
use voice_agents_runtime::{ClientBuilder, Error, ErrorKind};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn nothing_expected() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    server
}

fn ok_json() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(thing_json("1"))
}

/// A failing `validate()` sends nothing and names the field and rule.
#[tokio::test]
async fn failing_validation_sends_nothing() {
    let server = nothing_expected().await;
    let client = builder(&server.uri()).build().unwrap();
    let err = client.create_thing("far too long a name").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.to_string(), "invalid request: `body.name` violates maxLength 10");
    assert_eq!(err.attempts(), 0);
}

/// Path parameters: `.`, `..` and `""` are rejected before sending.
#[tokio::test]
async fn path_param_rejects_dot_segments_and_empty() {
    let server = nothing_expected().await;
    let client = builder(&server.uri()).build().unwrap();
    for bad in ["..", ".", ""] {
        let err = client.get_thing(bad).send().await.unwrap_err();
        match &err {
            Error::Validation(v) => assert_eq!(v.field(), "path.id", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

/// `a/b` in a single-segment parameter is sent as `a%2Fb`, reaching `/things/{id}`.
#[tokio::test]
async fn path_param_encodes_slash() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ok_json()).mount(&server).await;
    let client = builder(&server.uri()).build().unwrap();
    client.get_thing("a/b ?#%").send().await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.path(), "/v1/things/a%2Fb%20%3F%23%25");
}

/// A catch-all parameter keeps `/` between segments but rejects `..` segments.
#[tokio::test]
async fn path_param_multi_keeps_slashes_rejects_dot_dot() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/files/dir/sub/file%20name.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    client.get_file("dir/sub/file name.txt").send().await.unwrap();
    for bad in ["a/../b", "..", "a//b", ""] {
        let err = client.get_file(bad).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{bad:?}");
    }
}

/// A missing credential is an error and nothing is sent.
#[tokio::test]
async fn missing_credential_sends_nothing() {
    let server = nothing_expected().await;
    let client: TestClient = ClientBuilder::new().base_url(server.uri()).build().unwrap();
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingCredential);
    // The message names the builder method to call, not the generic `credential`.
    assert!(err.to_string().contains("`ClientBuilder::bearer_auth` (scheme `bearerAuth`)"), "{err}");

    // An operation with alternatives names them all.
    let err = client.keyed().send().await.unwrap_err();
    assert!(
        err.to_string().contains(
            "`ClientBuilder::key_header` (scheme `keyHeader`), or `ClientBuilder::key_query` (scheme `keyQuery`) and `ClientBuilder::basic_auth` (scheme `basicAuth`)"
        ),
        "{err}"
    );
}

/// Server 1 is declared as server 0 + `/public`; overriding the base URL moves it along, and
/// operations without security send no Authorization header.
#[tokio::test]
async fn server_prefix_rebasing_follows_base_url() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/public/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"pong": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let config = client.0.config();
    assert_eq!(config.server_url(1), Some(format!("{}/v1/public", server.uri()).as_str()));
    assert_eq!(config.server_url(2), Some("https://elsewhere.example.test"));
    let pong = client.public_ping().send().await.unwrap();
    assert_eq!(pong["pong"], true);
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

/// An explicit URL for server 1 wins over rebasing; the defaults without overrides are the spec's.
#[tokio::test]
async fn explicit_server_url_and_spec_defaults() {
    let server = MockServer::start().await;
    Mock::given(path("/elsewhere/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).server_url(1, format!("{}/elsewhere/", server.uri())).build().unwrap();
    client.public_ping().send().await.unwrap();

    let default: TestClient = ClientBuilder::new().build().unwrap();
    assert_eq!(default.0.config().base_url(), "https://api.example.test/v1");
    assert_eq!(default.0.config().server_url(1), Some("https://api.example.test/v1/public"));
}

/// Invalid settings are reported by `build()`.
#[test]
fn build_rejects_bad_settings() {
    let bad = [
        ClientBuilder::<TestClient>::new().base_url("not a url").build().unwrap_err(),
        ClientBuilder::<TestClient>::new().base_url("ftp://h").build().unwrap_err(),
        ClientBuilder::<TestClient>::new().credential("noSuchScheme", "k").build().unwrap_err(),
        ClientBuilder::<TestClient>::new().server_url(9, "http://h").build().unwrap_err(),
        ClientBuilder::<TestClient>::new().default_header("bad header", "v").build().unwrap_err(),
        ClientBuilder::<TestClient>::new().retry_count_header(Some("bad header")).build().unwrap_err(),
    ];
    for err in bad {
        assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    }
}

/// The default user agent, bearer auth and JSON body reach the wire.
#[tokio::test]
async fn default_user_agent_auth_and_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/things"))
        // The crate that describes the API (where `__api_identity!` expands) names the user agent.
        .and(header("user-agent", concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))))
        .and(header("authorization", format!("Bearer {SECRET}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({"name": "x"})))
        .respond_with(ok_json())
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    client.create_thing("x").send().await.unwrap();
}

/// User agent and default headers can be changed or removed; per-request headers and query win.
#[tokio::test]
async fn default_and_per_request_headers() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ok_json()).mount(&server).await;
    let client = builder(&server.uri())
        .user_agent("my-app/1.0")
        .default_header("x-team", "voice")
        .default_header("x-gone", "1")
        .remove_default_header("x-gone")
        .build()
        .unwrap();
    client.get_thing("1").header("x-team", "override").query("debug", "1").send().await.unwrap();
    assert_eq!(header_values(&server, "user-agent").await, ["my-app/1.0"]);
    assert_eq!(header_values(&server, "x-team").await, ["override"]);
    assert_eq!(header_values(&server, "x-gone").await, ["<none>"]);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.query(), Some("debug=1"));

    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ok_json()).mount(&server).await;
    let client = builder(&server.uri()).no_user_agent().build().unwrap();
    client.get_thing("1").send().await.unwrap();
    assert_eq!(header_values(&server, "user-agent").await, ["<none>"]);
}

/// A user-supplied reqwest client is used (its default headers arrive).
#[tokio::test]
async fn custom_http_client_is_used() {
    let server = MockServer::start().await;
    Mock::given(header("x-from-custom-client", "yes")).respond_with(ok_json()).expect(1).mount(&server).await;
    let mut headers = http::HeaderMap::new();
    headers.insert("x-from-custom-client", http::HeaderValue::from_static("yes"));
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let client = builder(&server.uri()).http_client(http).build().unwrap();
    client.get_thing("1").send().await.unwrap();
    assert!(client.0.config().max_retries() == 2);
}

/// The raw escape hatch gets auth, JSON bodies, query, and API errors; `send_unchecked` returns
/// any status; `security(&[])` sends no credentials.
#[tokio::test]
async fn raw_call_gets_auth_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/undocumented/x"))
        .and(query_param("q", "1"))
        .and(header("authorization", format!("Bearer {SECRET}").as_str()))
        .and(body_json(serde_json::json!({"a": 1})))
        .respond_with(ResponseTemplate::new(200).set_body_string("done"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/teapot"))
        .respond_with(ResponseTemplate::new(418).set_body_string("short and stout"))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();

    let resp = client
        .0
        .raw(Method::PATCH, "undocumented/x")
        .query("q", "1")
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.body.as_ref(), b"done");

    let err = client.0.raw(Method::GET, "/teapot").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OtherStatus);
    assert_eq!(err.raw_body().unwrap().as_ref(), b"short and stout");

    let resp = client.0.raw(Method::GET, "/teapot").security(&[]).send_unchecked().await.unwrap();
    assert_eq!(resp.status.as_u16(), 418);
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs.last().unwrap().headers.get("authorization").is_none());

    let err = client.0.raw(Method::GET, "/x").security(&["keyHeader"]).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingCredential);
    let err = client.0.raw(Method::GET, "/x").server(7).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

/// The raw call retries like any other call.
#[tokio::test(start_paused = true)]
async fn raw_call_retries() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    Mock::given(any()).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let client = paused_client(&server.uri()).build().unwrap();
    let resp = client.0.raw(Method::POST, "/jobs").idempotency_key("k1").send().await.unwrap();
    assert_eq!(resp.status.as_u16(), 204);
    assert_eq!(header_values(&server, "x-retry-count").await, ["0", "1"]);
    assert_eq!(header_values(&server, "idempotency-key").await, ["k1", "k1"]);
}
