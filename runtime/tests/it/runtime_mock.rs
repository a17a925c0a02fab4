//! The mock server engine (`mock` feature), driven by reqwest and by the runtime's own client
//! against a tiny hand-written API: what the generator will emit per API is written out here
//! (the `MockApi`, typed requests and their decoders). The server runs on the test's runtime, so
//! tests that measure waits run under paused time and see every reply before the runtime idles.
#![cfg(feature = "mock")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use http::Method;
use serde::Deserialize;
use tokio::time::Instant;
use voice_agents_runtime::__private::mock::{
    Decoded, Delivery, Expectation, MockApi, MockEvent, MockOperation, MockRequest, MockServer, Reply, Times,
    Violation, deliver_webhook, sign_webhook,
};
use voice_agents_runtime::__private::{CallState, Operation, OperationInfo, RequestParts, decode_error_body, validate};
use voice_agents_runtime::{
    ClientBuilder, Error, ErrorBody, ErrorKind, EventStream, RawResponse, Response, SignatureEncoding, SignedPayload,
    SseEvent, TimeoutKind, WebhookError, WebhookSignature, WebhookVerifier,
};

use crate::runtime_common::{ApiErrorBody, SECRET, TestClient, thing_json};

// ------------------------------------------------------------------------------------ the API

/// `runtime_common::API` as its mock sees it, plus a literal route, a search with a required
/// query parameter and an event stream.
static MOCK_API: MockApi = MockApi {
    name: "test-api",
    servers: &["/v1", "/v1/public"],
    operations: &[
        MockOperation {
            id: "getThing",
            method: Method::GET,
            path: "/things/{id}",
            server: 0,
            catch_all: &[],
            decode: decode_thing_id,
        },
        MockOperation {
            id: "thingStats",
            method: Method::GET,
            path: "/things/stats",
            server: 0,
            catch_all: &[],
            decode: decode_nothing,
        },
        MockOperation {
            id: "searchThings",
            method: Method::GET,
            path: "/things",
            server: 0,
            catch_all: &[],
            decode: decode_search,
        },
        MockOperation {
            id: "createThing",
            method: Method::POST,
            path: "/things",
            server: 0,
            catch_all: &[],
            decode: decode_create,
        },
        MockOperation {
            id: "getFile",
            method: Method::GET,
            path: "/files/{path}",
            server: 0,
            catch_all: &["path"],
            decode: decode_file,
        },
        MockOperation {
            id: "thingEvents",
            method: Method::GET,
            path: "/things/{id}/events",
            server: 0,
            catch_all: &[],
            decode: decode_thing_id,
        },
        MockOperation {
            id: "publicPing",
            method: Method::GET,
            path: "/ping",
            server: 1,
            catch_all: &[],
            decode: decode_nothing,
        },
    ],
};

/// `getThing` and `thingEvents`: the path parameter.
#[derive(Debug, Clone, PartialEq)]
struct ThingId {
    id: String,
}

/// `searchThings`: `q` is required, `limit` an integer of at most 100.
#[derive(Debug, Clone, PartialEq)]
struct Search {
    q: String,
    limit: Option<u32>,
}

/// `createThing`'s body: `name` is required, `maxLength: 10`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct CreateThing {
    name: String,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// `getFile`: a catch-all path.
#[derive(Debug, Clone, PartialEq)]
struct FilePath {
    path: String,
}

fn decode_thing_id(req: &MockRequest) -> Result<Decoded, Violation> {
    Ok(Box::new(ThingId { id: req.path_param("id").unwrap_or_default().to_owned() }))
}

fn decode_nothing(_: &MockRequest) -> Result<Decoded, Violation> {
    Ok(Box::new(()))
}

fn decode_search(req: &MockRequest) -> Result<Decoded, Violation> {
    let q = req.require_query("q")?.to_owned();
    let limit = match req.query("limit") {
        Some(text) => {
            let n: u32 = text.parse().map_err(|_| Violation::bad_request("type integer").with_field("query.limit"))?;
            validate::maximum("query.limit", f64::from(n), 100.0, false)?;
            Some(n)
        }
        None => None,
    };
    Ok(Box::new(Search { q, limit }))
}

fn decode_create(req: &MockRequest) -> Result<Decoded, Violation> {
    let body: CreateThing = req.json_body()?;
    validate::max_length("body.name", &body.name, 10)?;
    Ok(Box::new(body))
}

fn decode_file(req: &MockRequest) -> Result<Decoded, Violation> {
    Ok(Box::new(FilePath { path: req.path_param("path").unwrap_or_default().to_owned() }))
}

/// `GET /things/{id}/events`, streamed (hand-written here as the generator would write it).
struct ThingEvents {
    id: String,
}

impl Operation for ThingEvents {
    type Output = ();
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "thingEvents",
        method: Method::GET,
        path: "/things/{id}/events",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "text/event-stream",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.path_param("id", &self.id)?;
        Ok(())
    }
    fn decode(_resp: &RawResponse) -> Result<(), Error> {
        Ok(())
    }
    fn decode_error(_status: u16, body: &[u8]) -> Option<Box<dyn ErrorBody>> {
        decode_error_body::<ApiErrorBody>(body)
    }
}

async fn events(client: &TestClient, id: &str) -> Result<Response<EventStream<SseEvent>>, Error> {
    voice_agents_runtime::__private::events(&ThingEvents { id: id.into() }, &CallState::new(&client.0)).await
}

// ----------------------------------------------------------------------------------- fixtures

/// The runtime's client pointed at the mock, the way the generated `MockServer::client` will be.
fn client(server: &MockServer) -> ClientBuilder<TestClient> {
    ClientBuilder::new()
        .base_url(server.server_url(0))
        .server_url(1, server.server_url(1))
        .credential("bearerAuth", SECRET)
}

/// The panic message of `f`, which must panic.
fn panic_of(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// A plain reqwest client, for requests the runtime's client would not send. Building a runtime
/// client first installs the TLS crypto provider that reqwest (built with `rustls-no-provider`)
/// needs, so that a test using it passes when it runs alone too.
fn plain_http() -> reqwest::Client {
    let _ = ClientBuilder::<TestClient>::new().base_url("http://127.0.0.1:9").credential("bearerAuth", SECRET).build();
    reqwest::Client::new()
}

/// Status and body text of a reqwest response.
async fn status_and_text(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn ok_thing(id: &str) -> Reply {
    Reply::new(200).json(&thing_json(id))
}

// -------------------------------------------------------------------------------------- tests

/// `base_url` and `server_url` give loopback URLs with each server's prefix.
#[tokio::test]
async fn urls_name_the_loopback_port_and_server_prefixes() {
    let server = MockServer::start(&MOCK_API).await;
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(server.server_url(0), format!("{base}/v1"));
    assert_eq!(server.server_url(1), format!("{base}/v1/public"));
    assert_eq!(base, format!("http://{}", server.address()));
}

/// A path that is no operation is 404, a method the path does not have is 405 with `Allow`;
/// both are recorded with method and path, and `verify` reports them.
#[tokio::test]
async fn routing_answers_404_and_405_with_allow_and_records_them() {
    let server = MockServer::start(&MOCK_API).await;
    let http = plain_http();
    let base = server.base_url();

    let (status, text) = status_and_text(http.get(format!("{base}/v1/nothing/here")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert!(text.contains("no operation at `/v1/nothing/here`"), "{text}");

    let response = http.delete(format!("{base}/v1/things")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    let (status, text) = status_and_text(response).await;
    assert_eq!(status, 405);
    assert!(text.contains("`/v1/things` has no `DELETE` operation (allowed: GET, POST)"), "{text}");

    // A literal segment wins over a parameter; the parameter route answers the other methods.
    server.register(Expectation::new("thingStats").reply(Reply::new(200).text("stats")));
    let (status, text) = status_and_text(http.get(format!("{base}/v1/things/stats")).send().await.unwrap()).await;
    assert_eq!((status, text.as_str()), (200, "stats"));
    // Outside every server prefix.
    let (status, _) = status_and_text(http.get(format!("{base}/ping")).send().await.unwrap()).await;
    assert_eq!(status, 404);

    let problems = server.problems();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert_eq!(problems[0], "GET /v1/nothing/here: 404 no operation at `/v1/nothing/here`");
    assert!(problems[1].starts_with("DELETE /v1/things: 405 "), "{}", problems[1]);
    let report = panic_of(|| server.verify());
    assert!(report.starts_with("mock server for `test-api`: 3 problem(s)"), "{report}");
    assert!(report.contains("1. GET /v1/nothing/here: 404"), "{report}");
    server.reset();
    server.verify();
}

/// A route outside the spec (a presigned upload URL) answers its method and exact path, before
/// the operations and unchecked, records the raw requests on its handle and in `received`, and
/// is no problem for `verify`; another method or path still goes through the spec's routing.
#[tokio::test]
async fn routes_outside_the_spec_answer_and_record_raw_requests() {
    let server = MockServer::start(&MOCK_API).await;
    let http = plain_http();
    let upload = server.route(Method::POST, "/uploads/a%20b", Reply::new(204).header("etag", "\"1\""));
    assert_eq!(upload.url(), format!("{}/uploads/a%20b", server.base_url()));
    assert_eq!(upload.hits(), 0);
    // Not checked against `createThing`'s body: this route stands in for the operation.
    let shadow = server.route(Method::POST, "/v1/things", Reply::new(201).text("shadowed"));

    let response = http.post(format!("{}?sig=x", upload.url())).body("archive bytes").send().await.unwrap();
    assert_eq!((response.status().as_u16(), response.headers()["etag"].to_str().unwrap()), (204, "\"1\""));
    let (status, text) =
        status_and_text(http.post(format!("{}/v1/things", server.base_url())).send().await.unwrap()).await;
    assert_eq!((status, text.as_str()), (201, "shadowed"));
    assert_eq!(shadow.hits(), 1);

    assert_eq!(upload.hits(), 1);
    let sent = upload.last_request().expect("a request");
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/uploads/a%20b"));
    assert_eq!(sent.query, [("sig".to_owned(), "x".to_owned())]);
    assert_eq!(&sent.body[..], b"archive bytes");
    assert_eq!(sent.operation, None);
    assert_eq!(server.received().len(), 2);
    server.verify();

    // Another method, or a path below the route's, is not the route: the spec's routing answers.
    let (status, _) = status_and_text(http.get(upload.url()).send().await.unwrap()).await;
    assert_eq!(status, 404);
    let (status, _) = status_and_text(http.post(format!("{}/more", upload.url())).send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert_eq!(upload.hits(), 1);
    assert_eq!(server.problems().len(), 2, "{:#?}", server.problems());

    // A later route for the same method and path wins; `reset` forgets routes too.
    let again = server.route(Method::POST, "/uploads/a%20b", Reply::new(500));
    assert_eq!(http.post(upload.url()).send().await.unwrap().status().as_u16(), 500);
    assert_eq!((upload.hits(), again.hits()), (1, 1));
    server.reset();
    assert_eq!(http.post(upload.url()).send().await.unwrap().status().as_u16(), 404);
    server.reset();
    assert!(panic_of(|| drop(server.route(Method::GET, "uploads", Reply::new(200)))).contains("starts with `/`"));
}

/// A missing required parameter, a body that does not decode, a broken constraint and a wrong
/// content type are answered with the violation's status and rule, and each is a failure.
#[tokio::test]
async fn spec_violations_are_answered_and_reported() {
    let server = MockServer::start(&MOCK_API).await;
    let any = server.register(Expectation::new("createThing").reply(ok_thing("1")));
    let search = server.register(Expectation::new("searchThings").reply(Reply::new(200).json(&[0; 0])));
    let http = plain_http();
    let url = format!("{}/things", server.server_url(0));

    let json = |body: &'static str| http.post(&url).header("content-type", "application/json").body(body);
    let cases: [(reqwest::RequestBuilder, u16, &str); 6] = [
        (json("{}"), 400, "`body.name` violates required"),
        (json(r#"{"name":"much too long"}"#), 400, "`body.name` violates maxLength 10"),
        (json(r#"{"name":7}"#), 400, "`body.name` violates the schema: invalid type"),
        (
            http.post(&url).header("content-type", "text/plain").body("name=a"),
            415,
            "`header.content-type` violates media type application/json (got `text/plain`)",
        ),
        (http.get(&url), 400, "`query.q` violates required"),
        (http.get(format!("{url}?q=x&limit=101")), 400, "`query.limit` violates maximum 100"),
    ];
    for (request, status, rule) in cases {
        let (got, text) = status_and_text(request.send().await.unwrap()).await;
        assert_eq!(got, status, "{text}");
        assert!(text.contains(rule), "{rule}: {text}");
    }
    // What fits the spec reaches the expectations.
    let (status, _) = status_and_text(http.get(format!("{url}?q=x&limit=100")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(search.requests::<Search>(), [Search { q: "x".into(), limit: Some(100) }]);
    assert_eq!(any.hits(), 0);

    let problems = server.problems();
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(
        problems[1].starts_with(
            "POST /v1/things: 400 `createThing` request breaks the spec: `body.name` violates maxLength 10"
        ),
        "{}",
        problems[1]
    );
    assert!(problems[4].starts_with("GET /v1/things: 400"), "{}", problems[4]);
    server.reset();
}

/// Typed matchers pick between two expectations of one operation; each keeps its typed requests.
#[tokio::test]
async fn typed_matchers_choose_between_expectations_and_keep_requests() {
    let server = MockServer::start(&MOCK_API).await;
    let a = server.register(
        Expectation::new("createThing")
            .matching("name is \"a\"", |r: &CreateThing| r.name == "a")
            .reply(Reply::new(201).json(&thing_json("thing-a")))
            .times(1),
    );
    let b = server.register(
        Expectation::new("createThing")
            .matching("name is \"b\"", |r: &CreateThing| r.name == "b")
            .reply(Reply::new(201).json(&thing_json("thing-b")))
            .times(Times::at_least(1)),
    );
    let client = client(&server).build().unwrap();

    assert_eq!(client.create_thing("b").send().await.unwrap().id, "thing-b");
    assert_eq!(client.create_thing("a").send().await.unwrap().id, "thing-a");
    assert_eq!(client.create_thing("b").send().await.unwrap().id, "thing-b");

    assert_eq!((a.hits(), b.hits()), (1, 2));
    assert_eq!(a.requests::<CreateThing>(), [CreateThing { name: "a".into(), tags: None }]);
    assert_eq!(b.requests::<CreateThing>().len(), 2);
    assert_eq!(b.description(), "name is \"b\"");
    assert!(panic_of(|| drop(a.requests::<ThingId>())).contains("ThingId"));
    server.verify();
    let received = server.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received[0].operation, Some("createThing"));
    assert_eq!(received[0].body.as_ref(), br#"{"name":"b"}"#);
    assert_eq!(received[0].headers["authorization"], format!("Bearer {SECRET}"));
}

/// The most recently registered expectation that still accepts requests answers: a later
/// `exactly(1)` overrides an earlier catch-all once, then stops matching.
#[tokio::test]
async fn the_newest_expectation_with_hits_left_answers() {
    let server = MockServer::start(&MOCK_API).await;
    let general = server.register(Expectation::new("getThing").reply(ok_thing("general")));
    let once = server.register(Expectation::new("getThing").reply(ok_thing("once")).times(Times::exactly(1)));
    let client = client(&server).build().unwrap();

    let ids: Vec<String> = [
        client.get_thing("1").send().await.unwrap().id,
        client.get_thing("1").send().await.unwrap().id,
        client.get_thing("1").send().await.unwrap().id,
    ]
    .into();
    assert_eq!(ids, ["once", "general", "general"]);
    assert_eq!((once.hits(), general.hits()), (1, 2));
    assert_eq!(general.requests::<ThingId>()[0], ThingId { id: "1".into() });
    server.verify();
}

/// Concurrent requests never both take an expectation's last hit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_out_hits_exactly() {
    let server = MockServer::start(&MOCK_API).await;
    let rest = server.register(Expectation::new("getThing").reply(ok_thing("rest")));
    let three = server.register(Expectation::new("getThing").reply(ok_thing("three")).times(3));
    let client = Arc::new(client(&server).build().unwrap());
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_thing("1").send().await.map(|t| t.id) })
        })
        .collect();
    let mut ids = Vec::new();
    for call in calls {
        ids.push(call.await.unwrap().unwrap());
    }
    assert_eq!(ids.iter().filter(|id| *id == "three").count(), 3);
    assert_eq!((three.hits(), rest.hits()), (3, 9));
    server.verify();
}

/// Counts that are not met fail `verify` and the drop check, naming the operation, what the
/// expectation matches, and the expected and received counts.
#[tokio::test]
async fn unmet_counts_fail_verify_and_the_drop_check() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(
        Expectation::new("getThing").matching("id is 1", |r: &ThingId| r.id == "1").reply(ok_thing("1")).times(2),
    );
    server.register(Expectation::new("publicPing").times(Times::at_least(1)));
    let handle = server.register(Expectation::new("getFile").times(..=1));
    let client = client(&server).build().unwrap();
    client.get_thing("1").send().await.unwrap();

    let expected = [
        "expectation #1 `getThing` (id is 1): expected exactly 2 requests, received 1",
        "expectation #2 `publicPing` (any request): expected at least 1 request, received 0",
    ];
    assert_eq!(server.problems(), expected);
    assert!(handle.is_satisfied());
    let report = panic_of(|| server.verify());
    assert!(report.contains(expected[0]) && report.contains(expected[1]), "{report}");

    let report = panic_of(move || drop(server));
    assert!(report.contains(expected[0]) && report.contains(expected[1]), "{report}");
}

/// A thread that is already panicking drops the server without a second panic (which would
/// abort the process): the original panic is the one reported.
#[tokio::test]
async fn the_drop_check_stays_quiet_while_panicking() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(Expectation::new("getThing").times(1));
    let message = panic_of(move || {
        let _server = server;
        panic!("the test's own failure");
    });
    assert_eq!(message, "the test's own failure");
}

/// No matching expectation: 501 naming the closest one, recorded as a failure.
#[tokio::test]
async fn unmatched_requests_get_501_naming_the_closest_expectation() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(
        Expectation::new("createThing")
            .matching("name is \"a\"", |r: &CreateThing| r.name == "a")
            .reply(ok_thing("a"))
            .times(1),
    );
    server.register(
        Expectation::new("createThing").matching("name is \"b\"", |r: &CreateThing| r.name == "b").reply(ok_thing("b")),
    );
    let client = client(&server).build().unwrap();

    let err = client.create_thing("c").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(501));
    let Error::Api(api) = &err else { panic!("{err:?}") };
    let text = String::from_utf8_lossy(api.body()).into_owned();
    assert!(
        text.contains(
            "no expectation of `createThing` matches the request; closest: #2 `createThing` (name is \"b\") does not match"
        ),
        "{text}"
    );
    assert!(text.contains("also: #1 `createThing` (name is \"a\") does not match"), "{text}");

    client.create_thing("a").send().await.unwrap();
    let err = client.create_thing("a").send().await.unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    let text = String::from_utf8_lossy(api.body()).into_owned();
    assert!(
        text.contains(
            "closest: #1 `createThing` (name is \"a\") matches, but has received its exactly 1 request already"
        ),
        "{text}"
    );

    let err = client.get_file("x").send().await.unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    let text = String::from_utf8_lossy(api.body()).into_owned();
    assert!(text.contains("no expectation is registered for `getFile` (there are some for: createThing)"), "{text}");

    let problems = server.problems();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("POST /v1/things: 501 no expectation of `createThing`"), "{}", problems[0]);
    assert!(problems[2].starts_with("GET /v1/files/x: 501"), "{}", problems[2]);
    server.reset();
}

/// 503 twice (with `Retry-After` and `retry-after-ms`), then 200: the client's retries follow
/// the server's waits and the expectation counts every attempt.
#[tokio::test(start_paused = true)]
async fn a_503_503_200_sequence_drives_the_client_retries() {
    let server = MockServer::start(&MOCK_API).await;
    let handle = server.register(
        Expectation::new("getThing")
            .reply(Reply::new(503).retry_after(Duration::from_secs(1)))
            .reply(Reply::new(503).retry_after_ms(Duration::from_millis(250)))
            .reply(ok_thing("1"))
            .times(3),
    );
    let client = client(&server).build().unwrap();

    let start = Instant::now();
    assert_eq!(client.get_thing("1").send().await.unwrap().id, "1");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1250) && waited < Duration::from_millis(1300), "{waited:?}");
    assert_eq!(handle.hits(), 3);
    let counts: Vec<String> =
        server.received().iter().map(|r| r.headers["x-retry-count"].to_str().unwrap().to_owned()).collect();
    assert_eq!(counts, ["0", "1", "2"]);
    server.verify();

    // `exactly(3)` stops matching after its third request: the next one finds no expectation.
    let err = client.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(501));
    assert_eq!(handle.hits(), 3);
    server.reset();
}

/// A delay holds the answer back; longer than the client's timeout, it times the attempt out.
#[tokio::test(start_paused = true)]
async fn delays_hold_the_answer_and_can_time_the_client_out() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(Expectation::new("getThing").reply(ok_thing("1").delay(Duration::from_millis(500))));
    let client = client(&server).timeout(Duration::from_secs(1)).max_retries(0).build().unwrap();
    let start = Instant::now();
    client.get_thing("1").send().await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(500), "{:?}", start.elapsed());

    server.register(Expectation::new("getThing").reply(ok_thing("1").delay(Duration::from_secs(5))));
    let err = client.get_thing("1").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Attempt, .. }), "{err:?}");
    server.verify();
}

/// A dropped connection is a connection error for the client, which retries it.
#[tokio::test(start_paused = true)]
async fn a_dropped_connection_is_a_connection_error() {
    let server = MockServer::start(&MOCK_API).await;
    let dropped = server.register(Expectation::new("getThing").reply(Reply::drop_connection()).times(1));
    let no_retries = client(&server).max_retries(0).build().unwrap();
    let err = no_retries.get_thing("1").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert_eq!(dropped.hits(), 1);

    let flaky = server.register(Expectation::new("getThing").reply(Reply::drop_connection()).reply(ok_thing("1")));
    let client = client(&server).build().unwrap();
    assert_eq!(client.get_thing("1").send().await.unwrap().id, "1");
    assert_eq!(flaky.hits(), 2);
    server.verify();
}

/// Events are written as a real `text/event-stream`, with their delays, and read back whole by
/// the runtime's `EventStream`.
#[tokio::test(start_paused = true)]
async fn event_streams_are_read_back_by_the_client() {
    let server = MockServer::start(&MOCK_API).await;
    let handle =
        server.register(Expectation::new("thingEvents").matching("id is t1", |r: &ThingId| r.id == "t1").reply(
            Reply::new(200).events([
                MockEvent::json("chunk", &serde_json::json!({ "delta": "Hel" })).id("1"),
                MockEvent::json("chunk", &serde_json::json!({ "delta": "lo" })).delay(Duration::from_millis(300)),
                MockEvent::new("note", "two\nlines").delay(Duration::from_millis(200)),
                MockEvent::new("", "plain message"),
            ]),
        ));
    let client = client(&server).build().unwrap();

    let start = Instant::now();
    let response = events(&client, "t1").await.unwrap();
    assert_eq!(response.headers["content-type"], "text/event-stream");
    let got: Vec<SseEvent> = response.data.map(|e| e.unwrap()).collect().await;
    assert!(start.elapsed() >= Duration::from_millis(500), "{:?}", start.elapsed());
    let pairs: Vec<(&str, &str)> = got.iter().map(|e| (e.event.as_str(), e.data.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("chunk", r#"{"delta":"Hel"}"#),
            ("chunk", r#"{"delta":"lo"}"#),
            ("note", "two\nlines"),
            ("message", "plain message")
        ]
    );
    assert_eq!(got[0].id.as_deref(), Some("1"));
    assert_eq!(handle.hits(), 1);

    // Without delays the stream is a complete body with a length.
    server.register(Expectation::new("thingEvents").reply(Reply::new(200).events([("a", "1"), ("b", "2")])));
    let raw = reqwest::get(format!("{}/things/t2/events", server.server_url(0))).await.unwrap();
    assert_eq!(raw.headers()["content-length"], "36");
    assert_eq!(raw.text().await.unwrap(), "event: a\ndata: 1\n\nevent: b\ndata: 2\n\n");
    server.verify();
}

/// A stream that stalls after its events trips the client's idle timeout; one cut mid-event
/// ends with an error after the whole events.
#[tokio::test(start_paused = true)]
async fn stalled_and_cut_streams_fail_the_client() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(
        Expectation::new("thingEvents")
            .matching("id is stall", |r: &ThingId| r.id == "stall")
            .reply(Reply::new(200).events([("chunk", "1")]).stall()),
    );
    server.register(Expectation::new("thingEvents").matching("id is cut", |r: &ThingId| r.id == "cut").reply(
        Reply::new(200).events([("chunk", "1"), ("chunk", "a long event that is cut in half")]).cut_mid_event(),
    ));
    let client = client(&server).read_idle_timeout(Duration::from_millis(200)).build().unwrap();

    let mut stream = events(&client, "stall").await.unwrap().data;
    assert_eq!(stream.next().await.unwrap().unwrap().data, "1");
    let start = Instant::now();
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::ReadIdle, .. }), "{err:?}");
    assert!(start.elapsed() >= Duration::from_millis(200));

    let results: Vec<Result<SseEvent, Error>> = events(&client, "cut").await.unwrap().data.collect().await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap().data, "1");
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    server.verify();
}

/// Catch-all parameters take the rest of the path, decoded; the second server is reached
/// through its own prefix.
#[tokio::test]
async fn catch_all_paths_and_a_second_server_through_the_client() {
    let server = MockServer::start(&MOCK_API).await;
    let files = server.register(Expectation::new("getFile").reply(Reply::new(200).json(&serde_json::json!({}))));
    let ping = server.register(Expectation::new("publicPing").reply(Reply::new(200).json(&"pong")).times(1));
    let client = client(&server).build().unwrap();

    client.get_file("docs/a b/ü.txt").send().await.unwrap();
    assert_eq!(client.public_ping().send().await.unwrap(), "pong");
    assert_eq!(files.requests::<FilePath>(), [FilePath { path: "docs/a b/ü.txt".into() }]);
    assert_eq!(ping.hits(), 1);
    let received = server.received();
    assert_eq!(received[0].path, "/v1/files/docs/a%20b/%C3%BC.txt");
    assert_eq!(received[1].path, "/v1/public/ping");
    server.verify();
}

/// A matcher that panics is the test's bug, not the server's end: 500, recorded.
#[tokio::test]
async fn a_panicking_matcher_is_answered_500_and_recorded() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(Expectation::new("getThing").matching("explodes", |_: &ThingId| panic!("boom")));
    let response = reqwest::get(format!("{}/things/1", server.server_url(0))).await.unwrap();
    assert_eq!(response.status(), 500);
    // The server still serves.
    server.register(Expectation::new("thingStats"));
    assert_eq!(reqwest::get(format!("{}/things/stats", server.server_url(0))).await.unwrap().status(), 200);
    let problems = server.problems();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("the matcher of expectation #1 `getThing` (explodes) panicked: boom"),
        "{}",
        problems[0]
    );
    server.reset();
}

/// Dropping the server stops it: open streams end and new connections are refused.
#[tokio::test]
async fn dropping_the_server_closes_streams_and_the_port() {
    let server = MockServer::start(&MOCK_API).await;
    server.register(Expectation::new("thingEvents").reply(Reply::new(200).events([("chunk", "1")]).stall()));
    let client = client(&server).no_read_idle_timeout().build().unwrap();
    let mut stream = events(&client, "t").await.unwrap().data;
    assert_eq!(stream.next().await.unwrap().unwrap().data, "1");

    let base = server.base_url();
    drop(server);
    let end = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.expect("the stream ends");
    assert!(matches!(end, None | Some(Err(_))), "{end:?}");
    let err = reqwest::get(format!("{base}/v1/things/stats")).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
}

// ------------------------------------------------------------------------------------ webhooks

const HEX: WebhookSignature = WebhookSignature::hmac_sha256("x-signature").prefix("sha256=");
const STAMPED: WebhookSignature = WebhookSignature::hmac_sha256("webhook-signature")
    .encoding(SignatureEncoding::Base64)
    .timestamp_header("webhook-timestamp")
    .signed_payload(SignedPayload::TimestampDotBody)
    .tolerance(Duration::from_secs(120));
const WEBHOOK_SECRET: &str = "whsec-test-0123";

/// Delivers `how` to a wiremock endpoint answering 202 and returns the status and what each
/// received request's verification says.
async fn deliver(scheme: &WebhookSignature, how: Delivery) -> (u16, Vec<Result<serde_json::Value, WebhookError>>) {
    let endpoint = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(202))
        .mount(&endpoint)
        .await;
    let body = br#"{"type":"call.ended","data":{"id":"c1"}}"#;
    let status =
        deliver_webhook(&format!("{}/hooks", endpoint.uri()), body, scheme, WEBHOOK_SECRET, how).await.unwrap();
    let verifier = WebhookVerifier::new(*scheme, WEBHOOK_SECRET);
    let received = endpoint.received_requests().await.unwrap();
    for r in &received {
        assert_eq!(r.body, body);
        assert_eq!(r.headers["content-type"], "application/json");
    }
    (status.as_u16(), received.iter().map(|r| verifier.verify(&r.headers, &r.body)).collect())
}

/// Signed deliveries pass the runtime's own verifier for both kinds of scheme; a bad signature
/// is a mismatch; stale and future timestamps are outside the window; a replay is two identical
/// valid requests.
#[tokio::test]
async fn webhook_deliveries_pass_the_verifier_and_tampered_ones_fail() {
    for scheme in [&HEX, &STAMPED] {
        let (status, results) = deliver(scheme, Delivery::Signed).await;
        assert_eq!(status, 202);
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].as_ref().unwrap()["type"], "call.ended");

        let (_, results) = deliver(scheme, Delivery::BadSignature).await;
        assert_eq!(results, [Err(WebhookError::Mismatch)]);

        let (status, results) = deliver(scheme, Delivery::Replay).await;
        assert_eq!(status, 202);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
    }
    for how in [Delivery::StaleTimestamp, Delivery::FutureTimestamp] {
        let (_, results) = deliver(&STAMPED, how).await;
        let [Err(WebhookError::TimestampOutsideTolerance { skew_secs, .. })] = results.as_slice() else {
            panic!("{how:?}: {results:?}")
        };
        assert!(skew_secs.abs() >= 180, "{how:?}: {skew_secs}");
        assert_eq!(*skew_secs < 0, how == Delivery::StaleTimestamp);
    }
}

/// Timestamp variants need a scheme with a timestamp; an empty secret cannot sign; an
/// unreachable endpoint is a connection error.
#[tokio::test]
async fn webhook_delivery_errors() {
    let err = deliver_webhook("http://127.0.0.1:9/", b"{}", &HEX, WEBHOOK_SECRET, Delivery::StaleTimestamp).await;
    let Err(Error::Config(message)) = err else { panic!("{err:?}") };
    assert!(message.contains("StaleTimestamp needs a webhook scheme with a timestamp header"), "{message}");
    let err = deliver_webhook("http://127.0.0.1:9/", b"{}", &HEX, "", Delivery::Signed).await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", closed.local_addr().unwrap());
    drop(closed);
    let err = deliver_webhook(&url, b"{}", &HEX, WEBHOOK_SECRET, Delivery::Signed).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
}

/// `sign_webhook` gives the headers a receiver checks, for handler tests without HTTP.
#[test]
fn signed_headers_verify_at_their_time() {
    let at = 1_700_000_000;
    let headers = sign_webhook(b"{}", &STAMPED, WEBHOOK_SECRET, at).unwrap();
    assert_eq!(headers["webhook-timestamp"], "1700000000");
    let verifier = WebhookVerifier::new(STAMPED, WEBHOOK_SECRET)
        .with_clock(move || UNIX_EPOCH + Duration::from_secs(at.unsigned_abs()));
    verifier.verify_signature(&headers, b"{}").unwrap();
    assert_eq!(verifier.verify_signature(&headers, b"{ }"), Err(WebhookError::Mismatch));
    let now = WebhookVerifier::new(STAMPED, WEBHOOK_SECRET).with_clock(SystemTime::now);
    assert!(matches!(now.verify_signature(&headers, b"{}"), Err(WebhookError::TimestampOutsideTolerance { .. })));
    let hex = sign_webhook(b"{}", &HEX, WEBHOOK_SECRET, at).unwrap();
    assert!(hex["x-signature"].to_str().unwrap().starts_with("sha256="));
    assert!(!hex.contains_key("webhook-timestamp"));
}
