//! Stage 1: spec text (JSON or YAML) + optional overlay -> `openapiv3::OpenAPI`.
//!
//! Parsing goes through `serde_json::Value` first, so that the overlay can be applied to the
//! document as data, an OpenAPI 3.1 document can be rewritten into the 3.0 shape (`v31`), and
//! every later diagnostic can point into it with a JSON pointer.

mod jsonpath;
pub mod overlay;
mod shape;
pub mod v31;
mod walk;
mod yaml;

use crate::diagnostic::{Diagnostic, Diagnostics};
use serde_json::Value;
use sha2::{Digest, Sha256};
pub use v31::Origins;

/// A spec file (and its overlay) as text, named for diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// How to name the spec in diagnostics and preambles (a path relative to the project).
    pub file: &'a str,
    /// The spec's text.
    pub text: &'a str,
    /// `(name, text)` of an OpenAPI Overlay 1.0 document to apply first.
    pub overlay: Option<(&'a str, &'a str)>,
}

/// A parsed spec, overlay applied.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The spec's name for diagnostics.
    pub file: String,
    /// The document after the overlay (and, for 3.1, rewritten into the 3.0 shape), as JSON;
    /// `spec` is read from it. 3.1 `webhooks` stay in it as data.
    pub document: Value,
    /// The typed document.
    pub spec: openapiv3::OpenAPI,
    /// Hex sha256 of the spec text and, when present, of the overlay text.
    pub hashes: SourceHashes,
    /// The `openapi` version the file declares (`3.0.3`, `3.1.0`).
    pub version: String,
    /// What reading the file lost (3.1 features 3.0 cannot express), as warnings.
    pub warnings: Vec<Diagnostic>,
    /// Where nodes the 3.1 rewrite moved were in the file: apply to every pointer into
    /// `document` before showing it.
    pub origins: Origins,
}

/// Hashes that identify the exact inputs of a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHashes {
    /// sha256 of the spec file's bytes.
    pub spec: String,
    /// sha256 of the overlay file's bytes.
    pub overlay: Option<String>,
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses JSON or YAML text into a JSON value.
pub fn parse_text(file: &str, text: &str) -> Result<Value, Diagnostics> {
    let looks_like_json = text.trim_start().starts_with('{');
    let parsed = if looks_like_json {
        serde_json::from_str::<Value>(text)
            .map_err(|e| format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()))
    } else {
        yaml::from_str(text)
    };
    parsed.map_err(|msg| Diagnostics(vec![Diagnostic::error(file, "", msg)]))
}

/// Loads a spec: parse, apply the overlay, check the version, read 3.1 as 3.0, check the
/// schemas' keyword types, deserialize.
pub fn load(input: Input<'_>) -> Result<Loaded, Diagnostics> {
    let mut document = parse_text(input.file, input.text)?;
    if let Some((overlay_file, overlay_text)) = input.overlay {
        let overlay = parse_text(overlay_file, overlay_text)?;
        overlay::apply(&mut document, &overlay, overlay_file)?;
    }
    let version = check_version(input.file, &document)?;
    let (warnings, origins) =
        if minor_version(&version) == Some(1) { v31::normalise(input.file, &mut document) } else { Default::default() };
    saturate_integer_bounds(&mut document);
    // Errors that stop here still come with what the 3.1 rewrite lost: all problems at once.
    let located = |mut d: Diagnostics| {
        for x in &mut d.0 {
            x.pointer = origins.original(&x.pointer);
        }
        d.0.extend(warnings.iter().cloned());
        d
    };
    let shape_errors = shape::check(input.file, &mut document);
    if !shape_errors.is_empty() {
        return Err(located(Diagnostics(shape_errors)));
    }
    let spec = deserialize(input.file, &document).map_err(located)?;
    Ok(Loaded {
        file: input.file.to_owned(),
        document,
        spec,
        hashes: SourceHashes {
            spec: sha256_hex(input.text.as_bytes()),
            overlay: input.overlay.map(|(_, text)| sha256_hex(text.as_bytes())),
        },
        version,
        warnings,
        origins,
    })
}

/// `openapiv3` reads integer bounds as `i64`; real specs write bounds beyond that range
/// (`-9223372036854776000`, read as a float). Such a bound is the type's own limit anyway.
fn saturate_integer_bounds(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("integer") {
                for key in ["minimum", "maximum", "multipleOf"] {
                    if let Some(v) = map.get_mut(key) {
                        if v.as_i64().is_none() {
                            if let Some(f) = v.as_f64() {
                                // `as` saturates at the i64 range, which is what such bounds mean.
                                *v = Value::Number((f as i64).into());
                            }
                        }
                    }
                }
            }
            for v in map.values_mut() {
                saturate_integer_bounds(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(saturate_integer_bounds),
        _ => {}
    }
}

/// The declared version, if it is one the generator reads (3.0.x, 3.1.x).
fn check_version(file: &str, document: &Value) -> Result<String, Diagnostics> {
    let fail = |msg: String| Err(Diagnostics(vec![Diagnostic::error(file, "/openapi", msg)]));
    match document.get("openapi").and_then(Value::as_str) {
        Some(v) if minor_version(v).is_some() => Ok(v.to_owned()),
        Some(v) => fail(format!("unsupported OpenAPI version `{v}` (expected 3.0.x or 3.1.x)")),
        None if document.get("swagger").is_some() => {
            fail("Swagger 2.0 documents are not supported; convert to OpenAPI 3.0 or 3.1 first".to_owned())
        }
        None => fail("missing `openapi` version field: not an OpenAPI document".to_owned()),
    }
}

/// 0 for `3.0`, `3.0.x`; 1 for `3.1`, `3.1.x`; `None` for other versions.
fn minor_version(v: &str) -> Option<u8> {
    let mut parts = v.split('.');
    match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => Some(0),
        (Some("3"), Some("1")) => Some(1),
        _ => None,
    }
}

fn deserialize(file: &str, document: &Value) -> Result<openapiv3::OpenAPI, Diagnostics> {
    // Path tracking costs on every key and index; it only matters when something fails.
    if let Ok(spec) = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(document) {
        return Ok(spec);
    }
    serde_path_to_error::deserialize(document).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        Diagnostics(vec![Diagnostic::error(file, pointer, format!("not a valid OpenAPI document: {}", e.inner()))])
    })
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let tokens = path.iter().filter_map(|seg| match seg {
        Segment::Seq { index } => Some(index.to_string()),
        Segment::Map { key } => Some(key.clone()),
        Segment::Enum { variant } => Some(variant.clone()),
        Segment::Unknown => None,
    });
    crate::pointer::join(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_openapiv3_cannot_read_is_reported_at_its_pointer() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {description: [not, text]}\n";
        let err = load(Input { file: "x.yaml", text, overlay: None }).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        // serde_path_to_error stops where openapiv3 tries untagged alternatives (`ReferenceOr`).
        assert_eq!(err.0[0].pointer, "/paths", "{err}");
        assert!(err.0[0].message.contains("not a valid OpenAPI document"), "{err}");
    }

    #[test]
    fn openapi_3_1_is_read_and_other_versions_are_rejected_at_the_version() {
        let ok =
            load(Input { file: "x.yaml", text: "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", overlay: None })
                .expect("3.1 loads, paths optional");
        assert_eq!(ok.version, "3.1.0");
        for v in ["3.2.0", "2.0", "3", "3.10.0"] {
            let text = format!("openapi: '{v}'\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n");
            let err = load(Input { file: "x.yaml", text: &text, overlay: None }).unwrap_err();
            assert_eq!(err.0[0].pointer, "/openapi", "{v}");
        }
    }

    #[test]
    fn errors_in_rewritten_3_1_nodes_point_into_the_file_as_written() {
        // The nullable `anyOf` alternative is merged into `A`; the error is where it was written.
        let text = r##"{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},
          "components":{"schemas":{"A":{"anyOf":[{"type":"null"},{"type":"object","properties":{"p":{"type":7}}}]}}}}"##;
        let err = load(Input { file: "x.json", text, overlay: None }).unwrap_err();
        assert_eq!(err.0[0].pointer, "/components/schemas/A/anyOf/1/properties/p/type", "{err}");

        // What the rewrite lost comes along with the error.
        let text = r##"{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},
          "components":{"schemas":{"A":{"type":"object","$defs":{},"properties":{"p":{"minLength":-1}}}}}}"##;
        let err = load(Input { file: "x.json", text, overlay: None }).unwrap_err();
        let shown: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        assert_eq!(shown, [
            "error: x.json#/components/schemas/A/properties/p/minLength: `minLength` must be a non-negative integer, not a number",
            "warning: x.json#/components/schemas/A/$defs: `$defs` has no OpenAPI 3.0 equivalent and is ignored",
        ]);
    }

    #[test]
    fn yaml_syntax_errors_name_the_line() {
        let err = parse_text("bad.yaml", "openapi: [3.0\n").unwrap_err();
        assert_eq!(err.0[0].file, "bad.yaml");
        assert!(err.0[0].message.contains("line"), "{}", err.0[0].message);
    }

    #[test]
    fn structural_errors_point_into_the_document() {
        let text = r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":5}}}}}}"#;
        let err = load(Input { file: "x.json", text, overlay: None }).unwrap_err();
        // openapiv3 reads path items through untagged enums, which hide the deeper location.
        assert!(err.0[0].pointer.starts_with("/paths"), "{}", err.0[0].pointer);
    }
}
