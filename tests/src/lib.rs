//! Shared helpers for the test suite: where the specs and fixtures are, the examples a spec
//! carries, and JSON equivalence as the SDK defines it.

pub mod docs_scan;
pub mod logs;
pub mod mock;
pub mod oracle;
pub mod prism;
pub mod prism_install;

use serde_json::Value;
use std::path::PathBuf;
use voice_agents_codegen::{ir, Input};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A vendor documentation example, `tests/fixtures/vendor-examples/<api>/<name>.json` (see the
/// README there for the page each came from). A missing or broken fixture fails naming the file.
pub fn vendor_example(api: &str, name: &str) -> Value {
    let path = root().join("tests/fixtures/vendor-examples").join(api).join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A spec under `specs/<dir>/`, loaded with its overlay, plus its IR.
pub struct LoadedSpec {
    /// The document after the overlay.
    pub document: Value,
    /// The IR built from it.
    pub api: ir::Api,
}

/// Loads `specs/<dir>/openapi.{json,yaml}` (+ `overlay.yaml`) through the generator's own stages.
pub fn load_spec(dir: &str) -> LoadedSpec {
    let base = root().join("specs").join(dir);
    let spec_name = ["openapi.json", "openapi.yaml"].into_iter().find(|f| base.join(f).is_file()).expect("spec file");
    let text = std::fs::read_to_string(base.join(spec_name)).expect("read spec");
    let overlay = std::fs::read_to_string(base.join("overlay.yaml")).ok();
    let input = Input { file: spec_name, text: &text, overlay: overlay.as_deref().map(|o| ("overlay.yaml", o)) };
    let (api, loaded, _) = voice_agents_codegen::analyze(input).expect("spec analyzes");
    LoadedSpec { document: loaded.document, api }
}

/// One example found in a spec, with the Rust type it must decode into.
#[derive(Debug, Clone)]
pub struct SpecExample {
    /// JSON pointer of the example in the spec.
    pub pointer: String,
    /// Name of the generated type (or `serde_json::Value` for free-form shapes).
    pub type_name: String,
    /// The example value.
    pub value: Value,
    /// It is a request body (re-encoding must be exact, not just equivalent).
    pub request: bool,
}

/// Every media-type example (`example` and named `examples`) of every request body and
/// response, and the top-level `example` of every component schema, each with its type.
pub fn spec_examples(spec: &LoadedSpec) -> Vec<SpecExample> {
    let mut out = Vec::new();
    let doc = &spec.document;
    for op in &spec.api.operations {
        let op_ptr = format!("/paths/{}/{}", escape(&op.path), op.method.to_ascii_lowercase());
        if let Some(body) = &op.body {
            let rb = doc.pointer(&format!("{op_ptr}/requestBody")).and_then(|n| resolve_ref(doc, n));
            collect_media_examples(
                doc,
                rb,
                &format!("{op_ptr}/requestBody"),
                &type_name(&body.shape.ty),
                true,
                &mut out,
            );
        }
        for r in &op.responses {
            let Some(shape) = &r.body else { continue };
            let key = match r.status {
                ir::StatusSpec::Code(c) => c.to_string(),
                ir::StatusSpec::Range(d) => format!("{d}XX"),
                ir::StatusSpec::Default => "default".to_owned(),
            };
            let ptr = format!("{op_ptr}/responses/{key}");
            let resp = doc.pointer(&ptr).and_then(|n| resolve_ref(doc, n));
            collect_media_examples(doc, resp, &ptr, &type_name(&shape.ty), false, &mut out);
        }
    }
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, schema) in schemas {
            if let Some(example) = schema.get("example") {
                let rust = spec.api.types.iter().find(|t| t.origin == format!("/components/schemas/{}", escape(name)));
                if let Some(t) = rust {
                    out.push(SpecExample {
                        pointer: format!("/components/schemas/{}/example", escape(name)),
                        type_name: t.name.clone(),
                        value: example.clone(),
                        request: false,
                    });
                }
            }
        }
    }
    out
}

fn collect_media_examples(
    doc: &Value,
    node: Option<&Value>,
    ptr: &str,
    ty: &str,
    request: bool,
    out: &mut Vec<SpecExample>,
) {
    let Some(content) = node.and_then(|n| n.get("content")).and_then(Value::as_object) else { return };
    for (media, m) in content {
        // Only JSON documents decode into the generated types; a `text/event-stream` example is
        // a stream of SSE events (see `spec_stream_examples`).
        if !is_json_media(media) {
            continue;
        }
        let base = format!("{ptr}/content/{}", escape(media));
        if let Some(e) = m.get("example") {
            out.push(SpecExample {
                pointer: format!("{base}/example"),
                type_name: ty.to_owned(),
                value: e.clone(),
                request,
            });
        }
        if let Some(examples) = m.get("examples").and_then(Value::as_object) {
            for (name, e) in examples {
                let e = resolve_ref(doc, e);
                if let Some(value) = e.and_then(|e| e.get("value")) {
                    out.push(SpecExample {
                        pointer: format!("{base}/examples/{}/value", escape(name)),
                        type_name: ty.to_owned(),
                        value: value.clone(),
                        request,
                    });
                }
            }
        }
    }
}

/// The example of a `text/event-stream` response, split into its events.
#[derive(Debug, Clone)]
pub struct StreamExample {
    /// The `operationId`.
    pub operation: String,
    /// JSON pointer of the example in the spec.
    pub pointer: String,
    /// `(event, data)` of each event, in order (`message` when a block has no `event:`).
    pub events: Vec<(String, String)>,
}

/// Every `example` of a `text/event-stream` success response in the spec, parsed as the SSE
/// rules say for what such examples contain (LF line endings, `event:`, `data:`, comments,
/// blocks ended by a blank line; a last block without one is dropped, as a client drops it).
pub fn spec_stream_examples(spec: &LoadedSpec) -> Vec<StreamExample> {
    let doc = &spec.document;
    let mut out = Vec::new();
    for op in &spec.api.operations {
        let op_ptr = format!("/paths/{}/{}", escape(&op.path), op.method.to_ascii_lowercase());
        let Some(responses) = doc.pointer(&format!("{op_ptr}/responses")).and_then(Value::as_object) else { continue };
        for (status, response) in responses {
            let Some(media) = resolve_ref(doc, response).and_then(|r| r.pointer("/content/text~1event-stream")) else {
                continue;
            };
            if let Some(text) = media.get("example").and_then(Value::as_str) {
                out.push(StreamExample {
                    operation: op.id.clone(),
                    pointer: format!("{op_ptr}/responses/{status}/content/text~1event-stream/example"),
                    events: parse_sse(text),
                });
            }
        }
    }
    out
}

fn parse_sse(text: &str) -> Vec<(String, String)> {
    let mut events = Vec::new();
    let (mut event, mut data): (Option<String>, Option<String>) = (None, None);
    for line in text.split('\n') {
        if line.is_empty() {
            if let Some(d) = data.take() {
                events.push((event.take().unwrap_or_else(|| "message".to_owned()), d));
            }
            event = None;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event = Some(value.to_owned()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    events
}

/// Follows one local `$ref` (`None` when it dangles); any other node is returned as is.
pub fn resolve_ref<'a>(doc: &'a Value, node: &'a Value) -> Option<&'a Value> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')),
        None => Some(node),
    }
}

/// `application/json`, `*/*` and `+json` types (parameters such as `; charset=utf-8` ignored).
fn is_json_media(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json") || m == "*/*"
}

fn type_name(ty: &ir::TypeRef) -> String {
    match ty {
        ir::TypeRef::Named(n) => n.clone(),
        _ => "serde_json::Value".to_owned(),
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Compares an example with what the SDK re-encoded.
///
/// Equivalent means equal, except that a `null` member equals an absent one (responses
/// decode both into `None`) and two date-time strings are equal when they are the same
/// instant (`.000Z` and `Z`). For request bodies pass `strict_nulls = true`: there `null`
/// and absent mean different things and must survive.
pub fn json_equivalent(expected: &Value, actual: &Value, strict_nulls: bool) -> Result<(), String> {
    fn go(e: &Value, a: &Value, path: &str, strict: bool) -> Result<(), String> {
        match (e, a) {
            (Value::Object(em), Value::Object(am)) => {
                for (k, ev) in em {
                    let p = format!("{path}/{k}");
                    match am.get(k) {
                        Some(av) => go(ev, av, &p, strict)?,
                        None if ev.is_null() && !strict => {}
                        None => return Err(format!("{p}: missing after re-encoding (was {ev})")),
                    }
                }
                for (k, av) in am {
                    if !em.contains_key(k) && (!av.is_null() || strict) {
                        return Err(format!("{path}/{k}: appeared after re-encoding ({av})"));
                    }
                }
                Ok(())
            }
            (Value::Array(ea), Value::Array(aa)) if ea.len() == aa.len() => {
                ea.iter().zip(aa).enumerate().try_for_each(|(i, (e, a))| go(e, a, &format!("{path}/{i}"), strict))
            }
            (Value::String(es), Value::String(as_)) if es != as_ => {
                match (chrono::DateTime::parse_from_rfc3339(es), chrono::DateTime::parse_from_rfc3339(as_)) {
                    (Ok(x), Ok(y)) if x == y => Ok(()),
                    _ => Err(format!("{path}: {es:?} became {as_:?}")),
                }
            }
            (Value::Number(en), Value::Number(an)) if en.as_f64() == an.as_f64() => Ok(()),
            _ if e == a => Ok(()),
            _ => Err(format!("{path}: {e} became {a}")),
        }
    }
    go(expected, actual, "", strict_nulls)
}
