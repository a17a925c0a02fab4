//! Shared machinery of the contract tests (`contract_pipecat`, `contract_talkifai`,
//! `contract_ayra`): every operation of a spec is called through the generated client against
//! [Prism](voice_agents_tests::prism), which validates each request against the spec.
//!
//! * [`Mock::start`] serves the **overlay-applied** document (what the generator saw), written
//!   as JSON to `CARGO_TARGET_TMPDIR`, on one Prism per test binary (keep the [`Mock`] in a
//!   `static OnceLock`; Prism dies with the test process).
//! * [`exercise!`] sends one call as given (the default response), then once per response the
//!   operation declares — every status, and every named example of it — selected with
//!   `Prefer: code=N[, example=NAME]`. Success statuses must decode into the operation's output;
//!   error statuses must come back as [`Error::Api`] with that status and, when the spec gives
//!   them a JSON body, with a decoded typed error body.
//! * On every response the `sl-violations` header must hold no **request** violation (those are
//!   client bugs); **response** violations (defects of the spec's own examples) do not fail the
//!   test but are printed as `[response violation] …` lines (run with `--nocapture` to see them).
//! * [`check_flagged`] checks a deliberately invalid raw request: Prism must report it, in the
//!   header or in its generated 422 problem+json body. [`check_refused`] checks that the client
//!   refuses invalid input before sending anything. [`check_every_body_is_validated`] proves
//!   that Prism validates every request-body schema of the spec (it silently skips schemas it
//!   cannot compile).

#![allow(dead_code)] // Each contract module uses a different subset.

use std::collections::hash_map::DefaultHasher;
use std::fmt::{Debug, Write as _};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use reqwest::header::HeaderMap;
use serde_json::Value;
use voice_agents::runtime::{Core, Error, RawResponse, Response};
use voice_agents_runtime::__private::{Operation, OperationInfo};
use voice_agents_tests::load_spec;
use voice_agents_tests::prism::{Prism, Violation, VIOLATIONS_HEADER};

/// A dummy credential: Prism only checks the `Bearer <something>` shape (or the API-key
/// header's presence), never the value.
pub const TOKEN: &str = "test-token";

/// Methods an OpenAPI path item may hold.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One Prism serving one spec.
pub struct Mock {
    /// Short name used in messages (`pipecat`, `talkifai`, `ayra`).
    pub name: &'static str,
    /// The running mock.
    pub prism: Prism,
    /// The document Prism serves (overlay applied, plus the test's Prism workarounds).
    pub document: Value,
}

/// One response of an operation, selected with `Prefer`.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The declared status.
    pub status: u16,
    /// The named example (`examples` key), if the media type has named examples.
    pub example: Option<String>,
    /// Whether the spec declares a body (any `content`) for the response.
    pub has_body: bool,
    /// The `Prefer` header value: `code=N` or `code=N, example=NAME`.
    pub prefer: String,
}

impl Mock {
    /// Loads `specs/<dir>` with its overlay, lets `patch` adjust the document (Prism
    /// workarounds only), writes it as JSON and starts Prism on it. Panics on failure.
    pub fn start(name: &'static str, dir: &str, patch: impl FnOnce(&mut Value)) -> Mock {
        let mut document = load_spec(dir).document;
        patch(&mut document);
        let text = serde_json::to_string_pretty(&document).expect("serialize the spec");
        let file = write_spec_copy(dir, &text);
        let prism = Prism::start(&file).unwrap_or_else(|e| panic!("starting Prism on {}: {e}", file.display()));
        // The harness deletes Prism's log when the `Prism` is dropped, but a `static` is never
        // dropped: unlink the log now (Prism keeps writing to its open file) unless asked to
        // keep it. Failure messages carry the status, violations and body instead.
        if std::env::var_os("PRISM_KEEP_LOGS").is_some() {
            eprintln!("prism ({name}): log at {}", prism.log_path().display());
        } else {
            let _ = std::fs::remove_file(prism.log_path());
        }
        Mock { name, prism, document }
    }

    /// The mock's base URL (no server path: Prism ignores server paths when routing).
    pub fn base_url(&self) -> String {
        self.prism.base_url()
    }

    /// `(method, path, operation object)` of the operation with this `operationId`.
    pub fn operation(&self, op_id: &str) -> (&str, &str, &Value) {
        operations(&self.document)
            .into_iter()
            .find(|(_, _, op)| op["operationId"] == op_id)
            .unwrap_or_else(|| panic!("{}: operation `{op_id}` is not in the spec", self.name))
    }

    /// Every `operationId` of the served document, in document order.
    pub fn operation_ids(&self) -> Vec<String> {
        operations(&self.document)
            .into_iter()
            .filter_map(|(_, _, op)| op["operationId"].as_str().map(str::to_owned))
            .collect()
    }

    /// The status Prism answers a request without `Prefer` with: the lowest declared 2xx.
    pub fn default_status(&self, op_id: &str) -> u16 {
        self.variants(op_id)
            .iter()
            .map(|v| v.status)
            .filter(|s| (200..300).contains(s))
            .min()
            .unwrap_or_else(|| panic!("{}: `{op_id}` declares no 2xx response", self.name))
    }

    /// Every declared response of the operation, one per named example (statuses without
    /// named examples once), in status order.
    pub fn variants(&self, op_id: &str) -> Vec<Variant> {
        let (_, _, op) = self.operation(op_id);
        let mut out = Vec::new();
        let Some(responses) = op["responses"].as_object() else { return out };
        let mut statuses: Vec<(u16, &Value)> =
            responses.iter().filter_map(|(code, r)| Some((code.parse::<u16>().ok()?, r))).collect();
        statuses.sort_by_key(|(code, _)| *code);
        for (status, response) in statuses {
            let response = resolve(&self.document, response);
            let content = response.get("content").and_then(Value::as_object);
            let has_body = content.is_some_and(|c| !c.is_empty());
            let names: Vec<String> = content
                .and_then(|c| c.get("application/json").or_else(|| c.values().next()))
                .and_then(|m| m.get("examples"))
                .and_then(Value::as_object)
                .map(|e| e.keys().cloned().collect())
                .unwrap_or_default();
            if names.is_empty() {
                out.push(Variant { status, example: None, has_body, prefer: format!("code={status}") });
            }
            for name in names {
                let prefer = format!("code={status}, example={name}");
                out.push(Variant { status, example: Some(name), has_body, prefer });
            }
        }
        out
    }

    /// Checks a successful call: the expected status, no request violation (response
    /// violations are printed). On failure, the message names the operation and `what`.
    pub fn check_ok<T: Debug>(
        &self,
        op: &OperationInfo,
        what: &str,
        expected_status: u16,
        result: Result<Response<T>, Error>,
    ) -> Result<Response<T>, String> {
        let ctx = format!("{} {} ({} {}) [{what}]", self.name, op.id, op.method, op.path);
        match result {
            Ok(resp) => {
                self.check_headers(&ctx, &resp.headers)?;
                if resp.status.as_u16() != expected_status {
                    return Err(format!("{ctx}: expected status {expected_status}, got {}", resp.status));
                }
                Ok(resp)
            }
            Err(e) => Err(format!("{ctx}: expected a decoded {expected_status} response, got: {}", describe(&e))),
        }
    }

    /// Checks one declared response selected with `Prefer` (see [`Mock::variants`]).
    pub fn check_variant<T: Debug>(
        &self,
        op: &OperationInfo,
        variant: &Variant,
        result: Result<Response<T>, Error>,
    ) -> Result<(), String> {
        let what = format!("Prefer: {}", variant.prefer);
        if (200..300).contains(&variant.status) {
            return self.check_ok(op, &what, variant.status, result).map(drop);
        }
        let ctx = format!("{} {} ({} {}) [{what}]", self.name, op.id, op.method, op.path);
        let e = match result {
            Ok(resp) => {
                return Err(format!("{ctx}: expected an error {}, got a success {}", variant.status, resp.status))
            }
            Err(e) => e,
        };
        let Some(api) = e.api() else {
            return Err(format!("{ctx}: expected an API error {}, got: {}", variant.status, describe(&e)));
        };
        self.check_headers(&ctx, api.headers())?;
        if api.status().as_u16() != variant.status {
            return Err(format!("{ctx}: expected status {}, got: {}", variant.status, describe(&e)));
        }
        // A HEAD response never has a body, whatever the spec declares.
        if variant.has_body && op.method != "HEAD" && api.typed_body().is_none() {
            return Err(format!(
                "{ctx}: the {} body did not decode into the operation's typed error: {}",
                variant.status,
                describe(&e)
            ));
        }
        Ok(())
    }

    /// Fails on request violations in `sl-violations`; prints response violations.
    fn check_headers(&self, ctx: &str, headers: &HeaderMap) -> Result<(), String> {
        let (request, response) = header_violations(headers).map_err(|e| format!("{ctx}: {e}"))?;
        for v in &response {
            eprintln!("[response violation] {ctx}: {}", show(v));
        }
        if !request.is_empty() {
            let list: Vec<String> = request.iter().map(show).collect();
            return Err(format!(
                "{ctx}: Prism reports request violations (client bug):\n      {}",
                list.join("\n      ")
            ));
        }
        Ok(())
    }
}

/// Sends `[]` as the JSON body of every operation that takes one (raw, through `core`, with
/// valid path parameters) and checks that Prism flags the **body**. This proves that Prism
/// validates every request-body schema (it silently skips schemas it fails to compile, see
/// the `null`-in-`enum` workaround of the Pipecat contract tests). Returns the operations
/// checked.
pub async fn check_every_body_is_validated(mock: &Mock, core: &Core) -> Vec<String> {
    let doc = &mock.document;
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for (method, path, op) in operations(doc) {
        let Some(body) = op.get("requestBody") else { continue };
        if resolve(doc, body)["content"].get("application/json").is_none() {
            continue;
        }
        let id = op["operationId"].as_str().unwrap_or(path).to_owned();
        let url = sample_path(doc, path, op);
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
        let result = core.raw(method.clone(), &url).json(&serde_json::json!([])).max_retries(0).send_unchecked().await;
        let ok = match &result {
            Ok(resp) => {
                let v = request_violations(resp);
                resp.status.is_client_error() && v.iter().any(|v| v.location.get(1).map(String::as_str) == Some("body"))
            }
            Err(_) => false,
        };
        if !ok {
            let got = match &result {
                Ok(resp) => format!(
                    "status {}, {VIOLATIONS_HEADER}: {:?}, body {}",
                    resp.status,
                    resp.headers.get(VIOLATIONS_HEADER),
                    String::from_utf8_lossy(&resp.body)
                ),
                Err(e) => describe(e),
            };
            failures.push(format!("{} {id} ({method} {url}): body `[]` was not flagged: {got}", mock.name));
        }
        checked.push(id);
    }
    assert!(failures.is_empty(), "Prism does not validate these request bodies:\n  {}", failures.join("\n  "));
    checked
}

/// `path` with every `{param}` replaced by a valid value: a uuid for `format: uuid`, the
/// parameter's `example` if it has one, else `sample-value`.
fn sample_path(doc: &Value, path: &str, op: &Value) -> String {
    let path_item = &doc["paths"][path];
    let params: Vec<&Value> = path_item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(op["parameters"].as_array().into_iter().flatten())
        .map(|p| resolve(doc, p))
        .filter(|p| p["in"] == "path")
        .collect();
    let mut out = path.to_owned();
    for p in params {
        let name = p["name"].as_str().expect("parameter name");
        let schema = resolve(doc, &p["schema"]);
        let value = if schema["format"] == "uuid" {
            "57af5437-97a2-4646-9873-a5c5935bd705".to_owned()
        } else {
            p["example"].as_str().or_else(|| schema["example"].as_str()).unwrap_or("sample-value").to_owned()
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}

/// `(method, path, operation)` for every operation of `doc`, in document order.
pub fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                out.push((method.as_str(), path.as_str(), op));
            }
        }
    }
    out
}

/// Follows one local `$ref`; a dangling one fails the test.
pub fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    voice_agents_tests::resolve_ref(doc, node).unwrap_or_else(|| panic!("dangling $ref in {node}"))
}

/// The static facts of the operation a call will run (its id, method and path template).
pub fn op_info<O: Operation>(_call: &O) -> &'static OperationInfo {
    O::INFO
}

/// `(request, response)` violations of an `sl-violations` header (none when it is absent).
///
/// Parsed leniently, not with `prism::parse_violations`: Prism omits `code` on some entries
/// (e.g. `{"location":["response"],"severity":"Error","message":"The received media type \"\"
/// does not match …"}` on HEAD error responses), which `Violation` requires.
pub fn header_violations(headers: &HeaderMap) -> Result<(Vec<Violation>, Vec<Violation>), String> {
    let Some(value) = headers.get(VIOLATIONS_HEADER) else { return Ok((Vec::new(), Vec::new())) };
    let text = value.to_str().map_err(|_| format!("non-ASCII {VIOLATIONS_HEADER} header"))?;
    let entries: Vec<Value> =
        serde_json::from_str(text).map_err(|e| format!("unparsable {VIOLATIONS_HEADER} header ({e}): {text}"))?;
    let all: Vec<Violation> = entries.iter().map(lenient_violation).collect();
    Ok(all.into_iter().partition(Violation::is_request))
}

/// A violation entry with missing members defaulted (`code: null`, empty strings).
fn lenient_violation(v: &Value) -> Violation {
    let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
    Violation {
        location: v["location"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect(),
        severity: text("severity"),
        code: v["code"].clone(),
        message: text("message"),
    }
}

/// Request violations of a raw response: the `sl-violations` header's request entries plus,
/// for Prism's own 422 problem+json (sent when the operation declares neither 400 nor 422),
/// the body's `validation` array (whose locations lack the leading `"request"`; it is added).
pub fn request_violations(resp: &RawResponse) -> Vec<Violation> {
    let mut out = header_violations(&resp.headers).map(|(request, _)| request).unwrap_or_else(|e| panic!("{e}"));
    if resp.status.as_u16() == 422 {
        if let Ok(body) = serde_json::from_slice::<Value>(&resp.body) {
            for v in body["validation"].as_array().into_iter().flatten() {
                let mut v = lenient_violation(v);
                if v.location.first().map(String::as_str) != Some("request") {
                    v.location.insert(0, "request".into());
                }
                out.push(v);
            }
        }
    }
    out
}

/// Asserts that Prism flagged a deliberately invalid raw request (4xx plus at least one
/// request violation) and returns the violations.
pub fn check_flagged(what: &str, result: Result<RawResponse, Error>) -> Vec<Violation> {
    let resp = result.unwrap_or_else(|e| panic!("{what}: the raw request failed: {}", describe(&e)));
    let violations = request_violations(&resp);
    assert!(
        resp.status.is_client_error() && !violations.is_empty(),
        "{what}: Prism did not flag the invalid request (status {}, headers {:?}, body {})",
        resp.status,
        resp.headers,
        String::from_utf8_lossy(&resp.body)
    );
    violations
}

/// Asserts that some violation has this location and AJV keyword (`code`).
pub fn assert_has_violation(what: &str, violations: &[Violation], location: &[&str], code: &str) {
    assert!(
        violations.iter().any(|v| v.location == location && v.code == code),
        "{what}: expected a `{code}` violation at {location:?}, got:\n  {}",
        violations.iter().map(show).collect::<Vec<_>>().join("\n  ")
    );
}

/// Asserts that the client refused the call with a validation error on `field`, sending nothing.
pub fn check_refused<T: Debug>(what: &str, result: Result<Response<T>, Error>, field: &str) {
    match result {
        Err(Error::Validation(v)) => {
            assert_eq!(v.field(), field, "{what}: refused for the wrong field: {v}");
        }
        // `Error::attempts` is 0 for validation errors by definition; nothing was sent.
        Err(e) => panic!("{what}: expected a validation error on `{field}`, got: {}", describe(&e)),
        Ok(resp) => panic!("{what}: the client sent the invalid request; Prism answered {}", resp.status),
    }
}

/// Asserts that the client refused the call for lack of a credential, sending nothing.
pub fn check_no_credential<T: Debug>(what: &str, result: Result<Response<T>, Error>) {
    match result {
        Err(e @ Error::MissingCredential { .. }) => assert_eq!(e.attempts(), 0, "{what}: {e}"),
        Err(e) => panic!("{what}: expected a missing-credential error, got: {}", describe(&e)),
        Ok(resp) => panic!("{what}: the client sent the request without credentials; Prism answered {}", resp.status),
    }
}

/// One line per violation: `request.body.serviceName [required] message`.
pub fn show(v: &Violation) -> String {
    let code = match &v.code {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    format!("{} [{code}] {}", v.location.join("."), v.message)
}

/// An error with everything the response told us: status, violations, body.
pub fn describe(e: &Error) -> String {
    let mut s = format!("{:?} error: {e}", e.kind());
    if let Some(status) = e.status() {
        let _ = write!(s, "\n      status {status}");
    }
    if let Some(headers) = e.headers() {
        match header_violations(headers) {
            Ok((req, resp)) => {
                for v in req.iter().chain(&resp) {
                    let _ = write!(s, "\n      violation: {}", show(v));
                }
            }
            Err(err) => {
                let _ = write!(s, "\n      {err}");
            }
        }
    }
    if let Some(body) = e.raw_body() {
        let text = String::from_utf8_lossy(body);
        let cut: String = text.chars().take(3000).collect();
        let _ = write!(s, "\n      body: {cut}");
    }
    s
}

/// Writes the served document under `CARGO_TARGET_TMPDIR`, named after its content hash so
/// that parallel test runs share the file and never rewrite one a running Prism watches
/// (Prism restarts its server when the file changes).
fn write_spec_copy(dir: &str, text: &str) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("contract-specs");
    std::fs::create_dir_all(&tmp).expect("create the spec copy dir");
    let file = tmp.join(format!("{dir}-{:016x}.json", hasher.finish()));
    if std::fs::read_to_string(&file).ok().as_deref() != Some(text) {
        let partial = tmp.join(format!("{dir}-{}.json.tmp", std::process::id()));
        std::fs::write(&partial, text).expect("write the spec copy");
        std::fs::rename(&partial, &file).expect("move the spec copy into place");
    }
    file
}

/// Calls an operation as given and then once per declared response (see the module docs).
///
/// `$call` is an expression building a fresh [`Call`] (it is evaluated once per request, so
/// clone bodies inside it). Returns the default response; panics with every failure, each
/// naming the operation and the `Prefer` header used.
macro_rules! exercise {
    ($mock:expr, $call:expr) => {{
        let mock: &$crate::contract_common::Mock = $mock;
        let call = $call;
        let info = $crate::contract_common::op_info(&call);
        let mut failures: Vec<String> = Vec::new();
        let first =
            mock.check_ok(info, "default response", mock.default_status(info.id), call.send_with_response().await);
        for variant in mock.variants(info.id) {
            let result = $call.header("Prefer", &variant.prefer).send_with_response().await;
            if let Err(f) = mock.check_variant(info, &variant, result) {
                failures.push(f);
            }
        }
        let first = match first {
            Ok(resp) => Some(resp),
            Err(f) => {
                failures.insert(0, f);
                None
            }
        };
        if !failures.is_empty() {
            panic!("{} failure(s):\n  {}", failures.len(), failures.join("\n  "));
        }
        first.expect("checked above")
    }};
}
pub(crate) use exercise;
