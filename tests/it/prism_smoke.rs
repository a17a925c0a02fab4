//! Smoke test of the Prism harness: Prism starts on the Pipecat Cloud spec,
//! serves a valid request from the spec's examples, and flags invalid ones.
//!
//! Uses a minimal HTTP/1.1 client over `std::net::TcpStream` so the test
//! depends on nothing but the harness.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use voice_agents_tests::prism::{parse_violations, Prism, VIOLATIONS_HEADER};

/// A parsed HTTP response.
struct Response {
    status: u16,
    /// Header names lowercased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends one request with `Connection: close` and reads the whole response.
fn http(prism: &Prism, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", prism.port())).expect("connect to Prism");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nAccept: application/json\r\n",
        prism.port()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    if let Some(body) = body {
        request.push_str(body);
    }
    stream.write_all(request.as_bytes()).unwrap();

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Response { status, headers, body: body.to_string() }
}

fn pipecat_spec() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/pipecat-cloud/openapi.json")
}

#[test]
fn prism_serves_examples_and_validates_requests() {
    let prism = Prism::start(&pipecat_spec()).expect("start Prism");
    assert_eq!(prism.base_url(), format!("http://127.0.0.1:{}", prism.port()));
    let auth = ("Authorization", "Bearer x");

    // (a) Valid request: 200 from the spec's example, no violations.
    let ok = http(&prism, "GET", "/agents", &[auth], None);
    assert_eq!(ok.status, 200, "GET /agents: {}", ok.body);
    assert_eq!(ok.header(VIOLATIONS_HEADER), None, "unexpected violations");
    let json: serde_json::Value = serde_json::from_str(&ok.body).expect("JSON body");
    assert_eq!(json["services"][0]["name"], "voice-starter", "example body: {json}");

    // Static mocking is deterministic.
    let again = http(&prism, "GET", "/agents", &[auth], None);
    assert_eq!(again.body, ok.body);

    // Server base paths are not part of the route.
    let v1 = http(&prism, "GET", "/v1/agents", &[auth], None);
    assert_eq!(v1.status, 404, "{}", v1.body);

    // (b) Invalid request: the path parameter violates the pattern and the
    // body its schema. The operation declares a 400, so Prism answers 400 and
    // lists the request violations in `sl-violations`.
    let bad = http(&prism, "PUT", "/secrets/Not_A_Valid_Name", &[auth], Some(r#"{"secrets":[]}"#));
    assert!(matches!(bad.status, 400 | 422), "status {}: {}", bad.status, bad.body);
    let header =
        bad.header(VIOLATIONS_HEADER).unwrap_or_else(|| panic!("no {VIOLATIONS_HEADER} header; body {}", bad.body));
    let violations = parse_violations(header).expect("violations JSON");
    assert!(violations.iter().all(|v| v.is_request()), "{violations:?}");
    assert!(
        violations.iter().any(|v| v.location == ["request", "path", "setname"] && v.code == "pattern"),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|v| v.location == ["request", "body", "secrets"] && v.code == "minItems"),
        "{violations:?}"
    );

    // Security is validated too: missing bearer token on an operation that
    // declares a 401 gives that 401 plus a request violation with code 401.
    let unauth = http(&prism, "GET", "/secrets", &[], None);
    assert_eq!(unauth.status, 401, "{}", unauth.body);
    let violations = parse_violations(unauth.header(VIOLATIONS_HEADER).expect("header")).unwrap();
    assert_eq!(violations[0].code, 401, "{violations:?}");
}

#[test]
fn prism_is_gone_after_drop() {
    let prism = Prism::start(&pipecat_spec()).expect("start Prism");
    let port = prism.port();
    let log = prism.log_path().to_path_buf();
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(prism);
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "Prism still listening on {port} after drop");
    assert!(!log.exists(), "log {} not cleaned up", log.display());
}

#[test]
fn missing_spec_is_a_clear_error() {
    let err = Prism::start(std::path::Path::new("/nonexistent/openapi.json")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/openapi.json"), "{err}");
}
