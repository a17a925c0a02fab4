//! Stage 1: spec text (JSON or YAML) + optional overlay -> `openapiv3::OpenAPI`.
//!
//! Parsing goes through `serde_json::Value` first, so that the overlay can be applied to the
//! document as data and every later diagnostic can point into it with a JSON pointer.

mod jsonpath;
pub mod overlay;
mod yaml;

use crate::diagnostic::{Diagnostic, Diagnostics};
use serde_json::Value;
use sha2::{Digest, Sha256};

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
    /// The document after the overlay, as JSON.
    pub document: Value,
    /// The typed document.
    pub spec: openapiv3::OpenAPI,
    /// Hex sha256 of the spec text and, when present, of the overlay text.
    pub hashes: SourceHashes,
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

/// Loads a spec: parse, apply the overlay, check the version, deserialize.
pub fn load(input: Input<'_>) -> Result<Loaded, Diagnostics> {
    let mut document = parse_text(input.file, input.text)?;
    if let Some((overlay_file, overlay_text)) = input.overlay {
        let overlay = parse_text(overlay_file, overlay_text)?;
        overlay::apply(&mut document, &overlay, overlay_file)?;
    }
    check_version(input.file, &document)?;
    saturate_integer_bounds(&mut document);
    let spec = deserialize(input.file, &document)?;
    Ok(Loaded {
        file: input.file.to_owned(),
        document,
        spec,
        hashes: SourceHashes {
            spec: sha256_hex(input.text.as_bytes()),
            overlay: input.overlay.map(|(_, text)| sha256_hex(text.as_bytes())),
        },
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

fn check_version(file: &str, document: &Value) -> Result<(), Diagnostics> {
    let fail = |msg: String| Err(Diagnostics(vec![Diagnostic::error(file, "/openapi", msg)]));
    match document.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => Ok(()),
        Some(v) if v.starts_with("3.1") => {
            fail(format!("OpenAPI {v} is not supported yet (3.0.x only; 3.1 is on the roadmap)"))
        }
        Some(v) => fail(format!("unsupported OpenAPI version `{v}` (expected 3.0.x)")),
        None if document.get("swagger").is_some() => {
            fail("Swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first".to_owned())
        }
        None => fail("missing `openapi` version field: not an OpenAPI document".to_owned()),
    }
}

fn deserialize(file: &str, document: &Value) -> Result<openapiv3::OpenAPI, Diagnostics> {
    serde_path_to_error::deserialize(document).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        Diagnostics(vec![Diagnostic::error(file, pointer, format!("not a valid OpenAPI 3.0 document: {}", e.inner()))])
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
    crate::diagnostic::pointer(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_3_1_is_rejected_with_a_pointer_to_the_version() {
        let err = load(Input { file: "x.yaml", text: "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", overlay: None })
            .unwrap_err();
        assert_eq!(err.0[0].pointer, "/openapi");
        assert!(err.0[0].message.contains("3.1"));
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
