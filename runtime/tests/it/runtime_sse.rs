//! Server-Sent Events through `events` (the stream entry point), against a raw TCP server that writes the stream in
//! small pieces (split mid-line and inside `\r\n`), stalls, drops the connection mid-stream or
//! waits for the client to hang up. Timeouts are short (200 ms) and real: the server runs on the
//! test's runtime, so no sleep is longer than the behaviour under test needs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use http::Method;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use voice_agents_runtime::__private::{
    CallState, Operation, OperationInfo, RequestParts, StreamEvent, decode_error_body, events,
};
use voice_agents_runtime::{Error, ErrorBody, ErrorKind, EventStream, RawResponse, Response, SseEvent, TimeoutKind};

use crate::runtime_common::{ApiErrorBody, SECRET, TestClient, builder};

// ------------------------------------------------------------------------------------ fixtures

/// `POST /chat/{id}/messages`: the shape of TalkifAI's streamed chat call.
struct SendMessage {
    message: String,
}

#[derive(Serialize)]
struct SendMessageBody<'a> {
    message: &'a str,
}

impl Operation for SendMessage {
    // The stream is the output; `decode` is never called for streamed operations.
    type Output = ();
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "sendMessage",
        method: Method::POST,
        path: "/chat/{id}/messages",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "text/event-stream, application/json;q=0.9",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.path_param("id", "conv_1")?;
        req.json(&SendMessageBody { message: &self.message })
    }
    fn decode(_resp: &RawResponse) -> Result<(), Error> {
        Ok(())
    }
    fn decode_error(_status: u16, body: &[u8]) -> Option<Box<dyn ErrorBody>> {
        decode_error_body::<ApiErrorBody>(body)
    }
}

#[derive(Debug, Deserialize)]
struct ChunkData {
    delta: String,
}

#[derive(Debug, Deserialize)]
struct EndData {
    end_session: bool,
}

/// What the generator will emit for `x-sse-events` (hand-written here until phase B).
#[derive(Debug, PartialEq)]
enum ChatEvent {
    Chunk { delta: String },
    End { end_session: bool },
    Unknown { event: String, data: String },
}

impl StreamEvent for ChatEvent {
    fn from_sse(e: SseEvent) -> Result<Self, Error> {
        Ok(match e.event.as_str() {
            "chunk" => ChatEvent::Chunk { delta: e.json::<ChunkData>()?.delta },
            "stream_end" => ChatEvent::End { end_session: e.json::<EndData>()?.end_session },
            _ => ChatEvent::Unknown { event: e.event, data: e.data },
        })
    }
}

async fn stream(client: &TestClient, message: &str) -> Result<Response<EventStream<ChatEvent>>, Error> {
    events(&SendMessage { message: message.into() }, &CallState::new(&client.0)).await
}

fn client(server: &SseServer) -> TestClient {
    builder(&server.url()).read_idle_timeout(Duration::from_millis(200)).build().expect("client")
}

// ------------------------------------------------------------------------------------- server

/// How a connection's stream ends.
#[derive(Clone, Copy, PartialEq)]
enum End {
    /// The terminating chunk, then close: a complete body.
    Complete,
    /// Close without the terminating chunk: the body is cut off.
    Drop,
    /// Keep the connection open and silent.
    Stall,
    /// Keep it open and report when the client closes it.
    AwaitEof,
}

/// One scripted connection.
#[derive(Clone)]
enum Conn {
    /// Read the request, then close without answering.
    CloseBeforeHeaders,
    /// A complete response with a fixed body.
    Full { status: u16, content_type: &'static str, body: &'static str },
    /// `200 text/event-stream`, chunked, each piece its own write.
    Stream { pieces: Vec<&'static [u8]>, end: End },
}

struct SseServer {
    addr: std::net::SocketAddr,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
    eof: Option<oneshot::Receiver<()>>,
}

impl SseServer {
    async fn start(script: Vec<Conn>) -> SseServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (eof_tx, eof_rx) = oneshot::channel();
        let log = requests.clone();
        tokio::spawn(async move {
            let n = AtomicUsize::new(0);
            let mut eof_tx = Some(eof_tx);
            while let Ok((socket, _)) = listener.accept().await {
                let i = n.fetch_add(1, Ordering::SeqCst);
                let conn = script.get(i).or(script.last()).cloned().expect("a script");
                tokio::spawn(serve(socket, conn, log.clone(), eof_tx.take()));
            }
        });
        SseServer { addr, requests, eof: Some(eof_rx) }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn request_count(&self) -> usize {
        self.requests.lock().expect("log").len()
    }

    fn first_request(&self) -> String {
        self.requests.lock().expect("log").first().cloned().unwrap_or_default()
    }
}

/// Reads one request (head and content-length body).
async fn read_request(socket: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(text);
            }
        }
    }
}

async fn serve(
    mut socket: TcpStream,
    conn: Conn,
    log: Arc<std::sync::Mutex<Vec<String>>>,
    eof: Option<oneshot::Sender<()>>,
) {
    let _ = socket.set_nodelay(true);
    let Some(request) = read_request(&mut socket).await else { return };
    log.lock().expect("log").push(request);
    match conn {
        Conn::CloseBeforeHeaders => {}
        Conn::Full { status, content_type, body } => {
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(format!("{head}{body}").as_bytes()).await;
        }
        Conn::Stream { pieces, end } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\
                        x-request-id: req_stream_1\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for piece in pieces {
                let framed = [format!("{:x}\r\n", piece.len()).as_bytes(), piece, b"\r\n"].concat();
                if socket.write_all(&framed).await.is_err() {
                    return;
                }
                // Separate TCP segments, so the client reads the stream in these pieces.
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            match end {
                End::Complete => {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                }
                End::Drop => {}
                End::Stall => std::future::pending::<()>().await,
                End::AwaitEof => {
                    let mut byte = [0u8; 1];
                    // The client sends nothing more: the read returns 0 (or fails) when it hangs up.
                    let _ = socket.read(&mut byte).await;
                    if let Some(tx) = eof {
                        let _ = tx.send(());
                    }
                }
            }
        }
    }
    let _ = socket.shutdown().await;
}

// -------------------------------------------------------------------------------------- tests

/// The stream of the module docs, cut at awkward places: inside `data:`, between `\r` and `\n`,
/// inside a JSON value, right after `event:`.
const PIECES: &[&[u8]] = &[
    b": keep-alive comment\r",
    b"\nretry: 3000\r\n\r\nevent: chu",
    b"nk\r\ndata: {\"delta\":",
    b" \"Hel\"}\r",
    b"\n\r\n",
    b"event: chunk\ndata: {\"delta\":\"lo\"}\n\nid: e-3\nevent: tool_call\ndata: {\"name\":\"lookup\",\n",
    b"data: \"status\":\"executing\"}\n\n: another comment\n\nevent: stream_end\r",
    b"data: {\"usage\":{},\"end_session\":true}\r\r",
];

#[tokio::test]
async fn events_split_across_tcp_pieces_decode_in_order_with_unknown_events_kept_raw() {
    let server = SseServer::start(vec![Conn::Stream { pieces: PIECES.to_vec(), end: End::Complete }]).await;
    let resp = stream(&client(&server), "hello").await.expect("stream starts");
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(resp.request_id.as_deref(), Some("req_stream_1"));
    let events: Vec<ChatEvent> = resp.data.try_collect().await.expect("events");
    assert_eq!(
        events,
        vec![
            ChatEvent::Chunk { delta: "Hel".into() },
            ChatEvent::Chunk { delta: "lo".into() },
            // Not in the enum: kept with its name and raw (multi-line) data.
            ChatEvent::Unknown {
                event: "tool_call".into(),
                data: "{\"name\":\"lookup\",\n\"status\":\"executing\"}".into()
            },
            ChatEvent::End { end_session: true },
        ]
    );
    let request = server.first_request();
    assert!(request.starts_with("POST /v1/chat/conv_1/messages "), "{request}");
    // JSON too: the error bodies that come instead of a stream.
    assert!(request.to_ascii_lowercase().contains("accept: text/event-stream, application/json;q=0.9"), "{request}");
    assert!(request.contains(&format!("Bearer {SECRET}")) || request.contains(&format!("bearer {SECRET}")));
    assert!(request.ends_with("{\"message\":\"hello\"}"), "{request}");
}

#[tokio::test]
async fn untyped_streams_report_id_and_retry() {
    let server = SseServer::start(vec![Conn::Stream { pieces: PIECES.to_vec(), end: End::Complete }]).await;
    let resp = events::<_, SseEvent>(&SendMessage { message: "hi".into() }, &CallState::new(&client(&server).0))
        .await
        .expect("stream starts");
    let events: Vec<SseEvent> = resp.data.try_collect().await.expect("events");
    assert_eq!(events.len(), 4);
    assert_eq!((events[0].id.as_deref(), events[0].retry), (None, Some(Duration::from_secs(3))));
    assert_eq!(events[2].id.as_deref(), Some("e-3"));
    assert_eq!(events[3].id.as_deref(), Some("e-3"), "the last event id carries over");
}

#[tokio::test]
async fn an_event_whose_json_does_not_match_is_a_decode_error_naming_it_and_ends_the_stream() {
    let pieces: Vec<&[u8]> = vec![
        b"event: chunk\ndata: {\"delta\":\"ok\"}\n\n",
        b"event: chunk\ndata: {\"delta\": 42}\n\n",
        b"event: chunk\ndata: {\"delta\":\"never\"}\n\n",
    ];
    let server = SseServer::start(vec![Conn::Stream { pieces, end: End::Complete }]).await;
    let mut events = stream(&client(&server), "hi").await.expect("stream starts").data;
    assert_eq!(events.try_next().await.expect("first"), Some(ChatEvent::Chunk { delta: "ok".into() }));
    let e = events.try_next().await.expect_err("the second event does not decode");
    let d = e.decode().expect("a decode error");
    assert_eq!((d.event(), d.path(), d.status().as_u16()), (Some("chunk"), "$.delta", 200));
    assert_eq!(d.request_id(), Some("req_stream_1"));
    assert!(e.to_string().contains("SSE event `chunk`"), "{e}");
    assert!(events.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn a_stream_that_stalls_mid_way_hits_the_idle_timeout_and_ends() {
    let pieces: Vec<&[u8]> = vec![b"event: chunk\ndata: {\"delta\":\"a\"}\n\n", b"event: chunk\ndata: {\"del"];
    let server = SseServer::start(vec![Conn::Stream { pieces, end: End::Stall }]).await;
    let mut events = stream(&client(&server), "hi").await.expect("stream starts").data;
    assert_eq!(events.try_next().await.expect("first"), Some(ChatEvent::Chunk { delta: "a".into() }));
    let started = Instant::now();
    let e = events.try_next().await.expect_err("stalled");
    assert!(
        matches!(e, Error::Timeout { kind: TimeoutKind::ReadIdle, after, .. } if after == Duration::from_millis(200)),
        "{e:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(190), "{:?}", started.elapsed());
    assert!(events.next().await.is_none(), "a timeout ends the stream");
    assert_eq!(server.request_count(), 1, "never retried");
}

#[tokio::test]
async fn a_connection_error_before_the_headers_is_retried() {
    let server = SseServer::start(vec![
        Conn::CloseBeforeHeaders,
        Conn::Stream { pieces: vec![b"event: chunk\ndata: {\"delta\":\"x\"}\n\n"], end: End::Complete },
    ])
    .await;
    let resp = stream(&client(&server), "hi").await.expect("the retry gets the stream");
    let events: Vec<ChatEvent> = resp.data.try_collect().await.expect("events");
    assert_eq!(events, vec![ChatEvent::Chunk { delta: "x".into() }]);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_transient_status_before_the_stream_is_retried_and_a_final_error_status_is_an_api_error() {
    let server = SseServer::start(vec![
        Conn::Full { status: 503, content_type: "application/json", body: "{\"code\":\"busy\",\"message\":\"later\"}" },
        Conn::Stream { pieces: vec![b"data: {}\n\n"], end: End::Complete },
    ])
    .await;
    let events: Vec<SseEvent> =
        events::<_, SseEvent>(&SendMessage { message: "hi".into() }, &CallState::new(&client(&server).0))
            .await
            .expect("retried")
            .data
            .try_collect()
            .await
            .expect("events");
    assert_eq!(events[0].event, "message");
    assert_eq!(server.request_count(), 2);

    let server = SseServer::start(vec![Conn::Full {
        status: 402,
        content_type: "application/json",
        body: "{\"code\":\"insufficient_credits\",\"message\":\"no credits\"}",
    }])
    .await;
    let e = stream(&client(&server), "hi").await.expect_err("402");
    assert_eq!(e.kind(), ErrorKind::OtherStatus);
    assert_eq!(e.code(), Some("insufficient_credits"), "the typed error body is decoded");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_drop_after_some_events_is_not_retried() {
    let pieces: Vec<&[u8]> =
        vec![b"event: chunk\ndata: {\"delta\":\"a\"}\n\n", b"event: chunk\ndata: {\"delta\":\"b\"}\n\nevent: ch"];
    let server = SseServer::start(vec![Conn::Stream { pieces, end: End::Drop }]).await;
    let c =
        builder(&server.url()).max_retries(3).read_idle_timeout(Duration::from_millis(200)).build().expect("client");
    let mut events = stream(&c, "hi").await.expect("stream starts").data;
    assert_eq!(events.try_next().await.expect("a"), Some(ChatEvent::Chunk { delta: "a".into() }));
    assert_eq!(events.try_next().await.expect("b"), Some(ChatEvent::Chunk { delta: "b".into() }));
    let e = events.try_next().await.expect_err("the body was cut off");
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(events.next().await.is_none());
    assert_eq!(server.request_count(), 1, "a started stream is never retried");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let mut server = SseServer::start(vec![Conn::Stream {
        pieces: vec![b"event: chunk\ndata: {\"delta\":\"a\"}\n\n"],
        end: End::AwaitEof,
    }])
    .await;
    let eof = server.eof.take().expect("receiver");
    let mut events = stream(&client(&server), "hi").await.expect("stream starts").data;
    assert_eq!(events.try_next().await.expect("a"), Some(ChatEvent::Chunk { delta: "a".into() }));
    drop(events);
    tokio::time::timeout(Duration::from_secs(5), eof).await.expect("the server saw the client hang up").expect("sent");
}

#[tokio::test]
async fn a_2xx_that_is_not_an_event_stream_is_a_decode_error() {
    let server =
        SseServer::start(vec![Conn::Full { status: 200, content_type: "application/json", body: "{\"ok\":true}" }])
            .await;
    let e = stream(&client(&server), "hi").await.expect_err("JSON is not a stream");
    let d = e.decode().expect("decode error");
    assert!(d.message().contains("text/event-stream"), "{e}");
    assert_eq!(d.body().as_ref(), b"{\"ok\":true}");
}
