//! Bodies beyond JSON through the attempt loop: uploads from bytes, a path or a stream (retried
//! or not), multipart and form bodies read back by real parsers (`multer`, `form_urlencoded`),
//! and downloads as byte streams (retries before the headers only, the idle timeout between
//! chunks, a dropped stream closing the connection, the operation's `Accept`).

use std::time::Duration;

use futures_util::StreamExt;
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use voice_agents_runtime::__private::{
    CallState, FormField, FormStyle, Operation, OperationInfo, RequestParts, download, send,
};
use voice_agents_runtime::{ByteStream, Error, ErrorKind, Multipart, RawResponse, TimeoutKind, Upload};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::runtime_common::{RawServer, Reply, SECRET, TestClient, builder, http_response};

// ------------------------------------------------------------------------------------ fixtures

/// `GET /recordings/{id}`: an `audio/mpeg` download, as the generator emits it.
struct GetRecording;

impl Operation for GetRecording {
    type Output = ();
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "getRecording",
        method: Method::GET,
        path: "/recordings/{id}",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "audio/mpeg, application/json;q=0.9",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        req.path_param("id", "rec_1")?;
        Ok(())
    }
    fn decode(_resp: &RawResponse) -> Result<(), Error> {
        Ok(())
    }
}

/// `PUT /audio` with a binary body (`audio/*` in the spec), or `POST /upload` with a form.
enum Send {
    Audio(Upload),
    Form(Multipart),
    Urlencoded(serde_json::Value),
}

impl Operation for Send {
    type Output = ();
    const INFO: &'static OperationInfo = &OperationInfo {
        id: "send",
        method: Method::PUT,
        path: "/upload",
        server: 0,
        security: &[&["bearerAuth"]],
        accept: "application/json",
    };
    fn build(&self, req: &mut RequestParts) -> Result<(), Error> {
        match self {
            Send::Audio(upload) => req.upload(upload, "audio/*"),
            Send::Form(form) => {
                req.multipart(form.clone());
                Ok(())
            }
            Send::Urlencoded(value) => {
                const FIELDS: &[FormField] =
                    &[FormField { name: "ids", style: FormStyle::Form, explode: false, json: false }];
                req.form(value, FIELDS)
            }
        }
    }
    fn decode(_resp: &RawResponse) -> Result<(), Error> {
        Ok(())
    }
}

async fn start_download(client: &TestClient) -> Result<ByteStream, Error> {
    download(&GetRecording, &CallState::new(&client.0)).await.map(|r| r.data)
}

async fn send_body(client: &TestClient, body: Send) -> Result<(), Error> {
    send(&body, &CallState::new(&client.0)).await.map(|r| r.data)
}

fn client(base: &str) -> TestClient {
    builder(base).build().expect("client")
}

/// A temporary file holding `bytes`, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        let dir = std::env::temp_dir().join(format!("va-bodies-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The parts of a multipart body as a real parser reads them: (name, file name, content type, bytes).
async fn parse_multipart(content_type: &str, body: Vec<u8>) -> Vec<(String, Option<String>, Option<String>, Vec<u8>)> {
    let boundary = multer::parse_boundary(content_type).expect("a multipart content type with a boundary");
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes::Bytes::from(body)) });
    let mut parser = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = parser.next_field().await.expect("a well-formed multipart body") {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let bytes = field.bytes().await.expect("part bytes").to_vec();
        parts.push((name, file_name, content_type, bytes));
    }
    parts
}

// ------------------------------------------------------------------------------------ uploads

#[tokio::test]
async fn an_upload_from_bytes_or_a_path_is_sent_again_on_retry_with_its_length() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let audio = b"ID3\x04fake mp3 frames".repeat(1000);
    let file = TempFile::new("greeting.mp3", &audio);
    let client = builder(&server.uri()).max_retries(1).build().expect("client");

    send_body(&client, Send::Audio(Upload::from_bytes(audio.clone()))).await.expect("sent after a retry");
    send_body(&client, Send::Audio(Upload::from_path(&file.0))).await.expect("sent");

    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3, "bytes: 503 then 204; path: 204");
    for r in &requests {
        assert_eq!(r.body, audio, "every attempt sends the whole body");
        assert_eq!(r.headers.get("content-length").and_then(|v| v.to_str().ok()), Some(&*audio.len().to_string()));
    }
    // `audio/*` in the spec: the upload's own type, guessed from the file name (bytes have none).
    let types: Vec<_> =
        requests.iter().map(|r| r.headers.get("content-type").unwrap().to_str().unwrap().to_owned()).collect();
    assert_eq!(types, ["application/octet-stream", "application/octet-stream", "audio/mpeg"]);
}

#[tokio::test]
async fn an_upload_from_a_stream_is_attempted_once() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = builder(&server.uri()).max_retries(3).build().expect("client");
    let chunks = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"chunk one, ")),
        Ok(bytes::Bytes::from_static(b"chunk two")),
    ]);
    let upload = Upload::from_stream(chunks).with_length(20).content_type("audio/wav");
    let e = send_body(&client, Send::Audio(upload.clone())).await.expect_err("503");
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Server, 1), "a one-shot body is never retried: {e}");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, b"chunk one, chunk two");
    assert_eq!(requests[0].headers.get("content-type").unwrap(), "audio/wav");

    // The clone shares the stream, which is spent: nothing is sent.
    let e = send_body(&client, Send::Audio(upload)).await.expect_err("spent");
    assert_eq!(e.kind(), ErrorKind::Encode, "{e}");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn a_missing_file_fails_before_anything_is_sent() {
    let server = MockServer::start().await;
    let client = client(&server.uri());
    let e = send_body(&client, Send::Audio(Upload::from_path("/nonexistent/take-2.wav"))).await.expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert!(e.to_string().contains("/nonexistent/take-2.wav"), "{e}");
    assert!(server.received_requests().await.expect("recorded").is_empty());
}

#[tokio::test]
async fn a_multipart_body_is_read_back_by_a_real_parser_with_names_types_and_a_length() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let audio = vec![0x52u8; 200_000];
    let file = TempFile::new("call.wav", &audio);
    let client = client(&server.uri());
    let mut form = Multipart::new().text("model", "whisper-1");
    form.add_value("temperature", &0.2, None).expect("number");
    form.add_value("timestamp_granularities[]", &["word", "segment"], None).expect("array");
    let form = form
        .upload("file", Upload::from_path(&file.0))
        .upload("mask", Upload::from_bytes(&b"\x89PNG"[..]).file_name("mask.png"))
        .upload("raw", Upload::from_bytes(&b"abc"[..]));
    send_body(&client, Send::Form(form)).await.expect("sent");

    let request = &server.received_requests().await.expect("recorded")[0];
    let content_type = request.headers.get("content-type").unwrap().to_str().unwrap().to_owned();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    let length: usize =
        request.headers.get("content-length").expect("a length, not chunked").to_str().unwrap().parse().unwrap();
    assert_eq!(length, request.body.len());
    assert!(request.headers.get("authorization").is_some(), "an API call keeps its credential");
    let parts = parse_multipart(&content_type, request.body.clone()).await;
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        parts,
        [
            ("model".to_owned(), None, None, b"whisper-1".to_vec()),
            ("temperature".to_owned(), None, None, b"0.2".to_vec()),
            ("timestamp_granularities[]".to_owned(), None, None, b"word".to_vec()),
            ("timestamp_granularities[]".to_owned(), None, None, b"segment".to_vec()),
            ("file".to_owned(), s("call.wav"), s("audio/wav"), audio),
            ("mask".to_owned(), s("mask.png"), s("image/png"), b"\x89PNG".to_vec()),
            ("raw".to_owned(), None, s("application/octet-stream"), b"abc".to_vec()),
        ]
    );
}

#[tokio::test]
async fn a_form_body_is_read_back_by_a_real_parser() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let client = client(&server.uri());
    let body =
        serde_json::json!({"name": "Rex & co", "status": "sold", "ids": [1, 2], "tags": ["a", "b"], "none": null});
    send_body(&client, Send::Urlencoded(body)).await.expect("sent");
    let request = &server.received_requests().await.expect("recorded")[0];
    assert_eq!(request.headers.get("content-type").unwrap(), "application/x-www-form-urlencoded");
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    pairs.sort();
    let p = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(pairs, [p("ids", "1,2"), p("name", "Rex & co"), p("status", "sold"), p("tags", "a"), p("tags", "b")]);
}

#[tokio::test]
async fn an_absolute_url_gets_no_credential_unless_asked() {
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(204)).mount(&elsewhere).await;
    let client = builder(&api.uri()).default_header("x-org-key", "org-secret").build().expect("client");
    let form = Multipart::new().text("key", "uploads/x").upload("file", Upload::from_bytes(&b"x"[..]));
    // Upper case: scheme names are case-insensitive, and this is still another host.
    let url = format!("{}/bucket", elsewhere.uri()).replacen("http://", "HTTP://", 1);
    let resp = client.0.raw(Method::POST, &url).multipart(form).send().await;
    assert_eq!(resp.expect("sent").status, 204);
    let request = &elsewhere.received_requests().await.expect("recorded")[0];
    assert!(request.headers.get("authorization").is_none(), "the API key stays with the API");
    assert!(request.headers.get("x-org-key").is_none(), "so do the client's default headers");
    assert!(request.headers.get("user-agent").is_some());
    assert!(!String::from_utf8_lossy(&request.body).contains(SECRET));
    assert!(api.received_requests().await.expect("recorded").is_empty());
}

// ---------------------------------------------------------------------------------- downloads

#[tokio::test]
async fn a_download_asks_for_its_media_types_and_saves_to_a_file() {
    let server = MockServer::start().await;
    let audio = (0..300_000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
    Mock::given(method("GET"))
        .and(path("/v1/recordings/rec_1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(audio.clone(), "audio/mpeg"))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let stream = start_download(&client).await.expect("headers");
    assert_eq!((stream.content_length(), stream.content_type()), (Some(audio.len() as u64), Some("audio/mpeg")));
    let out = TempFile::new("out.mp3", b"");
    assert_eq!(stream.save_to(&out.0).await.expect("saved"), audio.len() as u64);
    assert_eq!(std::fs::read(&out.0).expect("read"), audio);
    let request = &server.received_requests().await.expect("recorded")[0];
    assert_eq!(request.headers.get("accept").unwrap(), "audio/mpeg, application/json;q=0.9");

    // An `Accept` the application chose is kept.
    let custom = builder(&server.uri()).default_header("accept", "*/*").build().expect("client");
    start_download(&custom).await.expect("headers").bytes().await.expect("body");
    let request = &server.received_requests().await.expect("recorded")[1];
    assert_eq!(request.headers.get("accept").unwrap(), "*/*");
}

#[tokio::test]
async fn a_download_is_retried_before_the_headers_and_never_after() {
    let body = "0123456789".repeat(10);
    let server = RawServer::start(vec![
        Reply::Full(http_response(503, &[], "")),
        Reply::Full(http_response(200, &[("content-type", "application/octet-stream")], &body)),
    ])
    .await;
    let client = builder(&server.url()).max_retries(2).build().expect("client");
    let bytes = start_download(&client).await.expect("after a retry").bytes().await.expect("body");
    assert_eq!((bytes.len(), server.request_count()), (100, 2));

    // Headers promise 100 bytes, the connection ends after 10: one error, no second attempt.
    let truncated = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\n0123456789";
    let server = RawServer::start(vec![Reply::Full(truncated.to_owned())]).await;
    let client = builder(&server.url()).max_retries(2).build().expect("client");
    let mut stream = start_download(&client).await.expect("headers");
    let mut received = Vec::new();
    let mut errors = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(e) => errors.push(e.kind()),
        }
    }
    assert_eq!((received.len(), errors.as_slice()), (10, &[ErrorKind::Connection][..]));
    assert_eq!(server.request_count(), 1, "a started download is never repeated");
}

#[tokio::test]
async fn a_stalled_download_fails_with_the_idle_timeout_and_a_failed_save_leaves_no_file() {
    let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\ncontent-type: audio/mpeg\r\n\r\npartial";
    let server = RawServer::start(vec![Reply::Stall(head.to_owned())]).await;
    let client = builder(&server.url()).read_idle_timeout(Duration::from_millis(150)).build().expect("client");
    let out = TempFile::new("stalled.mp3", b"");
    let e = start_download(&client).await.expect("headers").save_to(&out.0).await.expect_err("stalls");
    assert!(matches!(e, Error::Timeout { kind: TimeoutKind::ReadIdle, .. }), "{e:?}");
    assert!(!out.0.exists(), "a partly written file is removed");
}

#[tokio::test]
async fn dropping_a_download_closes_the_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (closed_tx, closed_rx) = oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n";
        socket.write_all(head.as_bytes()).await.expect("head");
        socket.write_all(&[7u8; 1000]).await.expect("some body");
        // The client hangs up: the read sees the end of the connection.
        let n = socket.read(&mut buf).await.unwrap_or(0);
        let _ = closed_tx.send(n);
    });
    let client = client(&format!("http://{addr}"));
    let mut stream = start_download(&client).await.expect("headers");
    assert!(!stream.next().await.expect("a chunk").expect("bytes").is_empty());
    drop(stream);
    let n = tokio::time::timeout(Duration::from_secs(5), closed_rx).await.expect("closed in time").expect("sent");
    assert_eq!(n, 0, "the connection is closed, not left in the pool");
}

#[tokio::test]
async fn a_download_answered_with_an_error_status_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"code": "not_found", "message": "no such recording"})),
        )
        .mount(&server)
        .await;
    let e = start_download(&client(&server.uri())).await.expect_err("404");
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.raw_body().is_some_and(|b| String::from_utf8_lossy(b).contains("no such recording")), "{e}");
}

/// An upload stream of `chunks` pieces of 1 KiB, `every` apart, with (optionally) a pause
/// before the last one.
fn paced_upload(chunks: usize, every: Duration, pause_before_last: Option<Duration>) -> Upload {
    let stream = futures_util::stream::unfold(0usize, move |sent| async move {
        if sent == chunks {
            return None;
        }
        match pause_before_last {
            Some(pause) if sent + 1 == chunks => tokio::time::sleep(pause).await,
            _ => tokio::time::sleep(every).await,
        }
        Some((Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'a'; 1024])), sent + 1))
    });
    Upload::from_stream(stream).with_length(chunks as u64 * 1024)
}

#[tokio::test]
async fn a_slow_upload_that_keeps_moving_outlives_the_per_attempt_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(200))
        .read_idle_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    // 12 chunks 50 ms apart: 600 ms in all, three times the per-attempt timeout, never idle.
    send_body(&client, Send::Audio(paced_upload(12, Duration::from_millis(50), None))).await.expect("sent");
    assert_eq!(server.received_requests().await.expect("recorded")[0].body.len(), 12 * 1024);
}

#[tokio::test]
async fn an_upload_that_stalls_fails_with_the_send_idle_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let client = builder(&server.uri())
        .timeout(Duration::from_secs(10))
        .read_idle_timeout(Duration::from_millis(150))
        .build()
        .expect("client");
    let upload = paced_upload(3, Duration::from_millis(10), Some(Duration::from_secs(5)));
    let started = std::time::Instant::now();
    let e = send_body(&client, Send::Audio(upload)).await.expect_err("stalls");
    assert!(matches!(e, Error::Timeout { kind: TimeoutKind::SendIdle, .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "the stall is noticed, not the 10 s attempt timeout");
}

#[tokio::test]
async fn after_an_upload_is_sent_the_per_attempt_timeout_bounds_the_wait_for_the_answer() {
    let server = RawServer::start(vec![Reply::Hang]).await;
    let client = builder(&server.url())
        .timeout(Duration::from_millis(300))
        .read_idle_timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .expect("client");
    let started = std::time::Instant::now();
    let e = send_body(&client, Send::Audio(Upload::from_bytes(vec![1u8; 4096]))).await.expect_err("no answer");
    assert!(matches!(e, Error::Timeout { kind: TimeoutKind::Attempt, .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
