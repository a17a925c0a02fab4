//! Shared fixtures for the runtime fault suite: a tiny hand-written API (what the generator would
//! emit), a raw HTTP server on the test's own runtime, and a tracing capture.
//!
//! Timing notes: tests that measure sleeps run with paused tokio time. Paused time jumps to the
//! next timer whenever the runtime is idle, so while waiting on wiremock (which answers from its
//! own thread) no timer may be pending: [`paused_client`] disables our timeouts and the reqwest
//! pool timer. Tests that need timeouts use [`RawServer`], which answers from the test's runtime,
//! so its replies are seen before the runtime goes idle.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Deserializer, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use voice_agents_runtime::__private::{
    ApiClient, ApiInfo, CallState, Method, Operation, OperationInfo, RequestParts, SecurityKind, SecuritySchemeInfo,
    ServerInfo, decode_error_body, decode_json, validate,
};
use voice_agents_runtime::{ClientBuilder, Core, Error, ErrorBody, RawResponse, ValidationError};

/// The bearer token used by every test client; no output may ever contain it.
pub const SECRET: &str = "sk-live-TOPSECRET-0123456789";
/// A second secret for the header/query/basic schemes.
pub const KEY2: &str = "key2-SUPERSECRET-abcdef";

pub static API: ApiInfo = ApiInfo {
    name: "test-api",
    servers: &[
        ServerInfo { url: "https://api.example.test/v1", description: "private" },
        ServerInfo { url: "https://api.example.test/v1/public", description: "public" },
        ServerInfo { url: "https://elsewhere.example.test", description: "unrelated" },
    ],
    security_schemes: &[
        SecuritySchemeInfo { name: "bearerAuth", setter: "bearer_auth", kind: SecurityKind::Bearer },
        SecuritySchemeInfo { name: "keyHeader", setter: "key_header", kind: SecurityKind::ApiKeyHeader("x-api-key") },
        SecuritySchemeInfo { name: "keyQuery", setter: "key_query", kind: SecurityKind::ApiKeyQuery("api_key") },
        SecuritySchemeInfo { name: "basicAuth", setter: "basic_auth", kind: SecurityKind::Basic },
    ],
    identity: voice_agents_runtime::__api_identity!(),
};

/// The generated client type for [`API`].
#[derive(Debug, Clone)]
pub struct TestClient(pub Core);

impl ApiClient for TestClient {
    const API: &'static ApiInfo = &API;
    fn from_core(core: Core) -> Self {
        TestClient(core)
    }
}

/// An open enum the way the generator writes it: unknown values are kept, not rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Status {
    Active,
    Stopped,
    Unknown(String),
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "active" => Status::Active,
            "stopped" => Status::Stopped,
            _ => Status::Unknown(s),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Thing {
    pub id: String,
    pub name: String,
    pub status: Status,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The spec's error schema.
#[derive(Debug, Deserialize)]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
}

impl ErrorBody for ApiErrorBody {
    fn code(&self) -> Option<&str> {
        Some(&self.code)
    }
    fn message(&self) -> Option<&str> {
        Some(&self.message)
    }
}

/// The request builders, as the generator writes them.
impl TestClient {
    pub fn get_thing(&self, id: &str) -> GetThing<'_> {
        GetThing { call: CallState::new(&self.0), id: id.into() }
    }

    pub fn create_thing(&self, name: &str) -> CreateThing<'_> {
        CreateThing { call: CallState::new(&self.0), name: name.into() }
    }

    pub fn get_file(&self, path: &str) -> GetFile<'_> {
        GetFile { call: CallState::new(&self.0), path: path.into() }
    }

    pub fn public_ping(&self) -> PublicPing<'_> {
        PublicPing { call: CallState::new(&self.0) }
    }

    pub fn keyed(&self) -> Keyed<'_> {
        Keyed { call: CallState::new(&self.0) }
    }
}

/// `GET /things/{id}` returning a [`Thing`].
pub struct GetThing<'a> {
    call: CallState<'a>,
    pub id: String,
}

voice_agents_runtime::__request_builder!(GetThing, Thing);

impl Operation for GetThing<'_> {
    type Output = Thing;
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "getThing",
        method: Method::GET,
        path: "/things/{id}",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.path_param("id", &self.id)?;
        Ok(())
    }
    fn decode(resp: &RawResponse) -> Result<Thing, Error> {
        decode_json(resp)
    }
    fn decode_error(_status: u16, body: &[u8]) -> Option<Box<dyn ErrorBody>> {
        decode_error_body::<ApiErrorBody>(body)
    }
}

/// `POST /things` with a JSON body; `name` has `maxLength: 10`.
pub struct CreateThing<'a> {
    call: CallState<'a>,
    pub name: String,
}

voice_agents_runtime::__request_builder!(CreateThing, Thing);

#[derive(Serialize)]
struct CreateThingBody<'a> {
    name: &'a str,
}

impl Operation for CreateThing<'_> {
    type Output = Thing;
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "createThing",
        method: Method::POST,
        path: "/things",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "",
    };
    fn validate(&self) -> Result<(), ValidationError> {
        validate::max_length("body.name", &self.name, 10)
    }
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.json(&CreateThingBody { name: &self.name })
    }
    fn decode(resp: &RawResponse) -> Result<Thing, Error> {
        decode_json(resp)
    }
    fn decode_error(_status: u16, body: &[u8]) -> Option<Box<dyn ErrorBody>> {
        decode_error_body::<ApiErrorBody>(body)
    }
}

/// `GET /files/{path}` with a catch-all path parameter.
pub struct GetFile<'a> {
    call: CallState<'a>,
    pub path: String,
}

voice_agents_runtime::__request_builder!(GetFile, serde_json::Value);

impl Operation for GetFile<'_> {
    type Output = serde_json::Value;
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "getFile",
        method: Method::GET,
        path: "/files/{path}",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.path_param_multi("path", &self.path)?;
        Ok(())
    }
    fn decode(resp: &RawResponse) -> Result<Self::Output, Error> {
        decode_json(resp)
    }
}

/// `GET /ping` on server 1 (`<server 0>/public`), no authentication.
pub struct PublicPing<'a> {
    call: CallState<'a>,
}

voice_agents_runtime::__request_builder!(PublicPing, serde_json::Value);

impl Operation for PublicPing<'_> {
    type Output = serde_json::Value;
    const INFO: &'static OperationInfo =
        &OperationInfo { id: "publicPing", method: Method::GET, path: "/ping", server: 1, security: &[], accept: "" };
    fn build(&self, _req: &mut RequestParts) -> Result<(), Error> {
        Ok(())
    }
    fn decode(resp: &RawResponse) -> Result<Self::Output, Error> {
        decode_json(resp)
    }
}

/// `GET /keyed` accepting the header key, or the query key together with basic auth.
pub struct Keyed<'a> {
    call: CallState<'a>,
}

voice_agents_runtime::__request_builder!(Keyed, serde_json::Value);

impl Operation for Keyed<'_> {
    type Output = serde_json::Value;
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "keyed",
        method: Method::GET,
        path: "/keyed",
        server: 0,
        security: &[&["keyHeader"], &["keyQuery", "basicAuth"]],
        accept: "",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.query("plain", "visible");
        Ok(())
    }
    fn decode(resp: &RawResponse) -> Result<Self::Output, Error> {
        decode_json(resp)
    }
}

/// A JSON body for a [`Thing`].
pub fn thing_json(id: &str) -> serde_json::Value {
    serde_json::json!({ "id": id, "name": "n", "status": "active" })
}

/// A builder with the test secret, pointed at `base` (a server root; `/v1` is appended).
pub fn builder(base: &str) -> ClientBuilder<TestClient> {
    ClientBuilder::new().base_url(format!("{base}/v1")).credential("bearerAuth", SECRET)
}

/// A client safe for paused time against wiremock: no timers may run while waiting on IO.
pub fn paused_client(base: &str) -> ClientBuilder<TestClient> {
    let http = reqwest::Client::builder().pool_idle_timeout(None).build().expect("reqwest client");
    builder(base).http_client(http).no_timeout().no_read_idle_timeout()
}

/// The values of header `name` across the requests wiremock received.
pub async fn header_values(server: &wiremock::MockServer, name: &str) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("<none>").to_owned())
        .collect()
}

/// What [`RawServer`] does with each connection.
#[derive(Clone)]
pub enum Reply {
    /// Write this whole response, then close.
    Full(String),
    /// Write this (headers and part of a body), then keep the connection open silently.
    Stall(String),
    /// Read the request and never answer.
    Hang,
}

/// A raw HTTP/1.1 response with `connection: close`.
pub fn http_response(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut out = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out
}

/// A server on the test's own runtime that plays `script` (one reply per connection; the last
/// reply repeats) and records each request head.
pub struct RawServer {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl RawServer {
    pub async fn start(script: Vec<Reply>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        RawServer::serve(listener, script)
    }

    pub fn serve(listener: TcpListener, script: Vec<Reply>) -> RawServer {
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok((stream, _)) = listener.accept().await {
                let reply = script.get(n).or(script.last()).cloned().unwrap_or(Reply::Hang);
                n += 1;
                tokio::spawn(handle(stream, reply, log.clone()));
            }
        });
        RawServer { addr, requests }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().map(|r| r.len()).unwrap_or(0)
    }
}

async fn handle(mut stream: TcpStream, reply: Reply, log: Arc<Mutex<Vec<String>>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Read the head, then as much body as content-length announces.
    loop {
        let Ok(n) = stream.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                log.lock().expect("log").push(text);
                break;
            }
        }
    }
    match reply {
        Reply::Full(r) => {
            let _ = stream.write_all(r.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Reply::Stall(r) => {
            let _ = stream.write_all(r.as_bytes()).await;
            std::future::pending::<()>().await;
        }
        Reply::Hang => std::future::pending::<()>().await,
    }
}

#[path = "../../../tests/src/logs.rs"]
mod logs;
pub use logs::capture_logs;

/// Asserts a paused-time duration to within the timer's millisecond granularity.
#[track_caller]
pub fn assert_close(actual: std::time::Duration, expected: std::time::Duration) {
    let diff = actual.abs_diff(expected);
    assert!(diff <= std::time::Duration::from_millis(5), "expected ~{expected:?}, got {actual:?}");
}
