//! Harness for [Prism](https://github.com/stoplightio/prism), the Stoplight
//! OpenAPI mock server, used by the SDK and contract tests.
//!
//! Prism is a pinned npm dev dependency of this package (`tests/package.json`,
//! `@stoplight/prism-cli` **5.14.2**, the newest 5.x that supports node 20; 5.15.10+
//! require node >= 24.14). [`Prism::start`] installs it on first use (`npm ci --prefix tests`,
//! see [`crate::prism_install`]), as `cargo xtask ci` does in its own step.
//!
//! [`Prism::start`] runs
//!
//! ```text
//! prism mock --host 127.0.0.1 --port PORT --dynamic=false --cors=false
//!            --errors=false --multiprocess=false SPEC
//! ```
//!
//! on a free loopback port, waits until it listens, and kills its process group
//! on drop. Prism's output (stdout and stderr) goes to a temp log file
//! ([`Prism::log_path`]); the file is deleted on a clean drop, and kept (with
//! its path printed) when the drop happens during a panic or when
//! `PRISM_KEEP_LOGS` is set. Unix only.
//!
//! # How Prism 5.14.2 behaves (measured against `specs/pipecat-cloud/openapi.json`)
//!
//! ## Routing and `servers`
//!
//! * Server URLs are **ignored** when routing: a request's path is matched
//!   against the spec's path templates as-is. `GET {base_url}/agents` matches
//!   `GET /agents`; `GET {base_url}/v1/agents` is a Prism `404`
//!   (`NO_PATH_MATCHED_ERROR`). So an SDK pointed at the mock must use
//!   `base_url()` **without** `/v1` and **without** `/v1/public`.
//! * The path-level servers (`https://api.pipecat.daily.co/v1/public` on
//!   `/{agentName}/start` and `/{serviceName}/sessions/{sessionId}/{path}`) are
//!   ignored the same way: `POST {base_url}/my-agent/start` works,
//!   `/v1/public/my-agent/start` and `/public/my-agent/start` are `404`. An SDK
//!   whose "public base URL" is derived by appending `/public` to the private
//!   base URL therefore cannot be tested unchanged against one Prism: both base
//!   URLs must be configurable and both set to `base_url()`.
//! * Collisions: with servers ignored, `POST /agents/start` matches both
//!   `POST /agents/{agentName}` and `POST /{agentName}/start` equally well.
//!   Prism scores paths segment by segment (literal = 1, template = 0.5), sorts
//!   stably and *reverses*, so on a tie the path declared **later** in the spec
//!   wins: `POST /agents/start` → `startService` (`/{agentName}/start`). No other
//!   collisions were observed (`GET /agents/sessions` → `GET /agents/{agentName}`
//!   with `agentName = "sessions"`, as expected).
//! * Server selection is possible with the query parameter
//!   `?__server=<server url>`: `POST /agents/start?__server=https://api.pipecat.daily.co/v1`
//!   → `POST /agents/{agentName}`; `...?__server=https://api.pipecat.daily.co/v1/public`
//!   → `startService`. A `__server` that matches no server → `404`
//!   (`NO_SERVER_MATCHED_ERROR`). The path still must not contain `/v1`.
//! * `{path}` in `/{serviceName}/sessions/{sessionId}/{path}` matches exactly
//!   **one** segment: `/my-agent/sessions/<uuid>/a/b/c` is a `404`.
//!
//! ## Security
//!
//! * Security **is** validated (no flag needed). For the `http`/`bearer`
//!   schemes Prism only checks the header against `/^Bearer\s.+$/`: the token
//!   value is never checked (`Bearer x` passes), `bearer x` / `BEARER x` /
//!   `Bearer` (empty) / a missing header fail. Private vs public key cannot be
//!   distinguished (all three schemes are plain bearer).
//! * On failure: if the operation declares a `401` response, Prism returns that
//!   `401` with its example and an `sl-violations` header
//!   (`[{"location":["request"],"severity":"Error","code":401,"message":"Invalid security scheme used"}]`);
//!   otherwise (e.g. `GET /agents`) it generates `401` `application/problem+json`
//!   (`type …#UNAUTHORIZED`, `WWW-Authenticate: Bearer`) **without** the header.
//!
//! ## Request validation and how violations are reported
//!
//! * Path/query/header parameters and JSON bodies are validated. Each violation
//!   is `{"location":["request","body","secrets"],"severity":"Error","code":"minItems","message":"…"}`;
//!   `location[0]` is `"request"` or `"response"`, `code` is the AJV keyword
//!   (string) or a number (`401`, `415`). Path parameter names are
//!   **lowercased** in locations (`["request","path","setname"]`).
//! * Invalid request, and the operation declares `422` or `400`: Prism answers
//!   with that response (its first/default example — unrelated to the actual
//!   error, e.g. `"Invalid timestamp format"`) **plus** the `sl-violations`
//!   header (JSON array, one line; if > ~8 KB it is prefixed with
//!   `Too many violations! ` and truncated). Wrong `Content-Type` → `415`,
//!   `422` or `400` (same rule, code `415` in the violation). Missing required
//!   body → violation `"Body parameter is required"`.
//! * Invalid request and neither `422` nor `400` declared (e.g.
//!   `GET /agents/{agentName}/sessions/{sessionId}` with a non-uuid id): Prism
//!   generates `422` `application/problem+json` (`type …#UNPROCESSABLE_ENTITY`)
//!   with the violations in the body's `validation` array — and **no**
//!   `sl-violations` header. Tests must check both channels.
//! * Response validation also runs: a mocked response that violates its own
//!   schema is served unchanged, with `"location":["response",…]` entries in
//!   `sl-violations`. Filter on `location[0] == "request"` for client bugs.
//!   Known spec defects found this way: `POST /agents` 200 example has
//!   `reconciledDeploymentId: null` (schema: non-nullable string);
//!   `GET /properties/schema` 200 example lacks required `readOnly` in
//!   `properties.defaultRegion`; `HEAD` on the session proxy with
//!   `Prefer: code=400|401|404|500` violates (JSON body declared, none sent).
//! * **Silent gap:** request bodies of `POST /agents` (`CreateServiceRequest`)
//!   and `POST /agents/{agentName}` (`UpdateServiceRequest`) are **not
//!   validated at all** (`{}` or `[]` pass). Their `krispViva.audioFilter` is
//!   `{type: string, nullable: true, enum: [tel, pro, null]}`; Prism's OAS 3.0 →
//!   JSON Schema conversion appends another `null` to the enum, AJV rejects the
//!   schema ("enum must NOT have duplicate items") and Prism swallows the
//!   compile error (`O.tryCatch` in `validateAgainstSchema`), treating the body
//!   as valid. Removing `null` from those enums in a test copy of the spec
//!   restores validation (`{}` → 400 with "must have required property
//!   'serviceName'").
//!
//! ## `--errors`, `--dynamic`, `--cors`
//!
//! * `--errors` only affects **response** violations: with it, any response
//!   that violates the spec becomes `500` `…#VIOLATIONS` problem+json (so the two
//!   defective examples above would turn into 500s). Request violations behave
//!   the same with or without it. The harness passes `--errors=false`; pass
//!   `--errors` via [`Prism::start_with_args`] to audit the spec.
//! * `--dynamic=false` (default, passed explicitly): responses are static —
//!   the media type's `example`, else its first `examples` entry, else a value
//!   built from schema `example`/`default`s (`"string"` placeholders). Repeated
//!   requests return byte-identical bodies. Bodies never echo request data
//!   (`GET /agents/foo` returns the example agent `voice-starter`).
//! * `--cors=false`: no `Access-Control-*` headers, and `OPTIONS` with
//!   `Origin` + `Access-Control-Request-Method` reaches the spec's operation
//!   (with the default `--cors=true` Prism answers such preflights itself
//!   with `204`).
//!
//! ## Status / example selection
//!
//! * Default status: the lowest declared 2xx. `POST /builds` (200 and 201) →
//!   `200`.
//! * `Prefer: code=201` → `201`; `Prefer: code=400, example=buildNotReady` →
//!   that named example; `Prefer: example=default` selects a single `example`.
//!   `example=` alone applies to the default (2xx) response, so combine it
//!   with `code=` for error examples. An undeclared code or unknown example
//!   name → Prism `404` problem+json (`…#NOT_FOUND`) — not the spec's 404.
//!   Without a `Prefer` header the query parameters `__code`, `__example`,
//!   `__dynamic`, `__seed` do the same (`?__code=404`).
//! * `Prefer` is ignored for invalid requests (they get the 422/400/401
//!   described above), so a `Prefer: code=404` test also checks the request.
//! * `Accept` is negotiated: `Accept: text/plain` on a JSON-only operation →
//!   `406` problem+json.
//!
//! ## Responses without content (`OPTIONS`/`HEAD` on the session proxy)
//!
//! `200` with `Content-Length: 0`, no `Content-Type`, empty body, no violation,
//! whatever `Accept` says. `GET`/`POST`/… on the proxy return the 200 JSON
//! example (`{"status":"active","message_count":5,"user_name":"Alice"}`).
//!
//! ## Startup
//!
//! Prism logs one line per operation, then
//! `Prism is listening on http://127.0.0.1:PORT` (stdout) — [`Prism::start`]
//! waits for that line and a successful TCP connect. If the port is taken it
//! exits with status 1 and `listen EADDRINUSE` on stderr; [`Prism::start`]
//! then retries with another port. Startup takes ~2–5 s. A spec file change
//! makes Prism reload (it watches the file).

use std::fs::{self, File};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Name of the response header in which Prism reports request and response
/// violations (JSON array of [`Violation`]s).
pub const VIOLATIONS_HEADER: &str = "sl-violations";

/// Prefix of the line Prism prints once it accepts connections.
const READY_MARKER: &str = "Prism is listening on";
/// How long [`Prism::start`] waits for one Prism process to become ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How many ports [`Prism::start`] tries when Prism cannot bind.
const PORT_ATTEMPTS: usize = 5;
/// How long [`Drop`] waits after SIGTERM before sending SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Number of trailing log bytes included in error messages.
const LOG_TAIL_BYTES: u64 = 6000;

/// Flags always passed to `prism mock` (see the module docs for why).
const BASE_FLAGS: &[&str] = &["--dynamic=false", "--cors=false", "--errors=false", "--multiprocess=false"];
/// Flags of `prism proxy`: violations are errors (a request that breaks the spec is refused),
/// one process, no CORS handling.
const PROXY_FLAGS: &[&str] = &["--errors", "--cors=false", "--multiprocess=false"];

/// `sh` wrapper that makes Prism die with the test process.
///
/// The test process keeps the write end of the wrapper's stdin. A background
/// job in the same process group reads that pipe; when it reaches EOF — because
/// [`Prism`] was dropped, or because the test process died without running
/// destructors (SIGKILL, Ctrl-C, a `static` never dropped) — it signals the
/// whole process group. The wrapper then `exec`s Prism, so the child's pid is
/// Prism's pid and the process-group id.
const WATCHDOG_SCRIPT: &str = r#"exec 3<&0 </dev/null
{ cat <&3 >/dev/null 2>&1; kill -s TERM 0 2>/dev/null; } &
exec "$@" 3<&-"#;

/// A running `prism mock` process on a loopback port.
///
/// Dropping it kills Prism's process group and waits for it (also when the
/// drop happens while a test panics).
pub struct Prism {
    child: Child,
    /// Write end of the watchdog pipe; dropping it stops Prism.
    watchdog: Option<ChildStdin>,
    port: u16,
    base_url: String,
    spec: PathBuf,
    log_path: PathBuf,
    /// Keep the log file after drop (set when a start attempt failed).
    keep_log: bool,
}

impl std::fmt::Debug for Prism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prism")
            .field("pid", &self.child.id())
            .field("base_url", &self.base_url)
            .field("spec", &self.spec)
            .field("log_path", &self.log_path)
            .finish_non_exhaustive()
    }
}

impl Prism {
    /// Starts `prism mock` on a free loopback port for the given spec file and
    /// waits until it listens.
    ///
    /// Installs Prism first if needed. Fails if it cannot be installed (no Node.js), the spec
    /// does not exist, Prism exits
    /// early (the error contains its output and the log path), or it is not
    /// ready within 60 s.
    pub fn start(spec: &Path) -> io::Result<Prism> {
        Prism::start_with_args(spec, &[])
    }

    /// Like [`Prism::start`], with extra `prism mock` arguments appended after
    /// the default flags (e.g. `&["--errors"]`, `&["-v", "debug"]`).
    pub fn start_with_args(spec: &Path, extra_args: &[&str]) -> io::Result<Prism> {
        Prism::launch(spec, "mock", BASE_FLAGS, extra_args, &[])
    }

    /// Starts Prism as a validation proxy in front of `upstream` (`prism proxy SPEC UPSTREAM
    /// --errors`): every request is checked against the spec, forwarded to `upstream`, and its
    /// answer checked too. Violations come back in the [`VIOLATIONS_HEADER`] header and in the
    /// log; with `--errors`, a request violation is answered by Prism itself (422 or the
    /// operation's declared 4xx) without reaching `upstream`. Prism routes by the spec's paths
    /// as they are (ignoring the servers' path prefixes) and forwards the path unchanged, so the
    /// upstream must serve every operation at its bare path.
    pub fn proxy(spec: &Path, upstream: &str) -> io::Result<Prism> {
        Prism::launch(spec, "proxy", PROXY_FLAGS, &[], &[upstream])
    }

    /// Starts `prism <command> --host 127.0.0.1 --port PORT <flags> <before> SPEC <after>` (a
    /// proxy's upstream URL follows the spec).
    fn launch(spec: &Path, command: &str, flags: &[&str], before: &[&str], after: &[&str]) -> io::Result<Prism> {
        let bin = crate::prism_install::ensure_installed(Path::new(env!("CARGO_MANIFEST_DIR")))
            .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))?;
        let spec =
            spec.canonicalize().map_err(|e| io::Error::new(e.kind(), format!("spec file {}: {e}", spec.display())))?;

        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            match Prism::try_start(&bin, &spec, port, command, flags, before, after)? {
                Ok(prism) => return Ok(prism),
                // Someone else took the port between our probe and Prism's bind.
                Err(addr_in_use) => last_error = Some(addr_in_use),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("Prism could not bind a port")))
    }

    /// One start attempt on `port`. The outer error is fatal; the inner one
    /// means "port already in use, try another".
    fn try_start(
        bin: &Path,
        spec: &Path,
        port: u16,
        command: &str,
        flags: &[&str],
        before: &[&str],
        after: &[&str],
    ) -> io::Result<Result<Prism, io::Error>> {
        let log_path = new_log_path(port);
        let log = File::create(&log_path)
            .map_err(|e| io::Error::new(e.kind(), format!("creating Prism log {}: {e}", log_path.display())))?;
        let port_arg = port.to_string();
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("prism-watchdog")
            .arg(bin)
            .arg(command)
            .args(["--host", "127.0.0.1", "--port", &port_arg])
            .args(flags)
            .args(before)
            .arg(spec)
            .args(after)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("spawning Prism via /bin/sh: {e}")))?;
        let watchdog = child.stdin.take();
        let base_url = format!("http://127.0.0.1:{port}");
        // From here on, Drop cleans up on every early return.
        let mut prism = Prism { child, watchdog, port, base_url, spec: spec.to_path_buf(), log_path, keep_log: false };

        let ready_line = format!("{READY_MARKER} {}", prism.base_url);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = prism.child.try_wait()? {
                let log = prism.log_contents();
                if log.contains("EADDRINUSE") {
                    // The caller retries with another port; this log is dropped.
                    let msg = format!("Prism could not bind port {port} ({status}):\n{}", tail(&log));
                    return Ok(Err(io::Error::new(io::ErrorKind::AddrInUse, msg)));
                }
                prism.keep_log = true;
                return Err(io::Error::other(format!(
                    "Prism exited before listening ({status}); log {}:\n{}",
                    prism.log_path.display(),
                    tail(&log)
                )));
            }
            if prism.log_contents().contains(&ready_line)
                && TcpStream::connect_timeout(&addr, Duration::from_millis(250)).is_ok()
            {
                return Ok(Ok(prism));
            }
            if Instant::now() >= deadline {
                let msg = format!(
                    "Prism did not become ready on {} within {:?}; log {}:\n{}",
                    prism.base_url,
                    START_TIMEOUT,
                    prism.log_path.display(),
                    tail(&prism.log_contents())
                );
                prism.keep_log = true;
                return Err(io::Error::new(io::ErrorKind::TimedOut, msg));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Base URL of the mock, e.g. `http://127.0.0.1:PORT` (no trailing slash,
    /// no `/v1`: Prism ignores the spec's server paths).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The loopback port Prism listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The (canonicalized) spec file Prism serves.
    pub fn spec_path(&self) -> &Path {
        &self.spec
    }

    /// The file receiving Prism's stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Prism's output so far (lossy UTF-8; empty if the log is unreadable).
    pub fn log_contents(&self) -> String {
        fs::read(&self.log_path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
    }

    /// SIGTERM the process group, wait up to [`STOP_GRACE`], then SIGKILL it.
    fn stop(&mut self) {
        // Closing the pipe also makes the watchdog signal the group.
        drop(self.watchdog.take());
        let pgid = self.child.id();
        if matches!(self.child.try_wait(), Ok(None)) {
            signal_group(pgid, "TERM");
            let deadline = Instant::now() + STOP_GRACE;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
        }
        // Mop up Prism if it ignored SIGTERM, and the watchdog job.
        signal_group(pgid, "KILL");
        let _ = self.child.wait();
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        self.stop();
        if self.keep_log || thread::panicking() || std::env::var_os("PRISM_KEEP_LOGS").is_some() {
            eprintln!("prism: log kept at {}", self.log_path.display());
        } else {
            let _ = fs::remove_file(&self.log_path);
        }
    }
}

/// One entry of the [`VIOLATIONS_HEADER`] header (or of the `validation`
/// array of a Prism-generated 422 problem+json body, whose `location` lacks
/// the leading `"request"`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Violation {
    /// Where: `["request", "body", "serviceName"]`, `["response", "body"]`,
    /// `["request"]` (security, content type), … Path parameter names are
    /// lowercased by Prism.
    pub location: Vec<String>,
    /// `"Error"`, `"Warning"`, `"Information"` or `"Hint"`.
    pub severity: String,
    /// AJV keyword (`"required"`, `"pattern"`, `"type"`, …) or an HTTP status
    /// number (`401`, `415`); absent on some entries (then `null`).
    #[serde(default)]
    pub code: serde_json::Value,
    /// Human-readable message.
    pub message: String,
}

impl Violation {
    /// Whether the violation is about the request (a client bug), not about
    /// the mocked response (a spec/example bug).
    pub fn is_request(&self) -> bool {
        self.location.first().map(String::as_str) == Some("request")
    }
}

/// Parses an `sl-violations` header value. Fails on malformed JSON, including
/// Prism's truncated `Too many violations! …` form.
pub fn parse_violations(header_value: &str) -> Result<Vec<Violation>, serde_json::Error> {
    serde_json::from_str(header_value)
}

/// Reserves a free loopback port by binding port 0 and releasing it.
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// A fresh log file path in the temp dir, unique per process and call.
fn new_log_path(port: u16) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("prism-{}-{n}-{port}-{nanos}.log", std::process::id()))
}

/// Sends `SIG<signal>` to process group `pgid` (via the shell's `kill`;
/// errors such as "no such process" are ignored).
fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("/bin/sh")
        .args(["-c", r#"kill -s "$0" -- "-$1" 2>/dev/null"#, signal])
        .arg(pgid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The last [`LOG_TAIL_BYTES`] of `log`.
fn tail(log: &str) -> &str {
    let len = log.len() as u64;
    if len <= LOG_TAIL_BYTES {
        return log;
    }
    let mut start = (len - LOG_TAIL_BYTES) as usize;
    while !log.is_char_boundary(start) {
        start += 1;
    }
    &log[start..]
}
