//! Checks the JSON types of schema keywords before `openapiv3` reads the document.
//!
//! `openapiv3` reads schemas through nested untagged enums: a keyword of the wrong type deep
//! inside nested schemas makes every level retry its alternatives, which takes time
//! exponential in the depth (40 nested `allOf`s around a `null` never finish), and the error it
//! ends with names no useful place. Checked here first, the same mistakes are located errors,
//! all reported at once, and `openapiv3` only ever reads schemas it accepts. The rules mirror
//! the types `openapiv3` gives each keyword (a `null` is accepted wherever it reads an
//! `Option`), so no document it reads is rejected.

use super::walk::{self, At, Visitor};
use crate::diagnostic::Diagnostic;
use serde_json::Value;

/// Every schema keyword of the wrong JSON type, as errors (pointers into `document`).
pub fn check(file: &str, document: &mut Value) -> Vec<Diagnostic> {
    let mut check = Check { file, errors: Vec::new() };
    walk::document(document, &mut check);
    check.errors
}

struct Check<'a> {
    file: &'a str,
    errors: Vec<Diagnostic>,
}

impl Visitor for Check<'_> {
    fn schema(&mut self, node: &mut Value, at: &At) {
        self.check(node, &at.new);
    }
}

/// What a keyword's value must be.
#[derive(Clone, Copy)]
enum Kind {
    /// `true`/`false` (no `null`: `openapiv3` reads these as plain `bool`).
    Bool,
    OptBool,
    OptString,
    OptNumber,
    /// A non-negative integer (`usize`).
    OptCount,
    OptStrings,
    OptArray,
}

const KEYWORDS: &[(&str, Kind)] = &[
    ("nullable", Kind::Bool),
    ("readOnly", Kind::Bool),
    ("writeOnly", Kind::Bool),
    ("deprecated", Kind::Bool),
    ("title", Kind::OptString),
    ("description", Kind::OptString),
    ("type", Kind::OptString),
    ("pattern", Kind::OptString),
    ("format", Kind::OptString),
    ("multipleOf", Kind::OptNumber),
    ("minimum", Kind::OptNumber),
    ("maximum", Kind::OptNumber),
    ("exclusiveMinimum", Kind::OptBool),
    ("exclusiveMaximum", Kind::OptBool),
    ("uniqueItems", Kind::OptBool),
    ("minProperties", Kind::OptCount),
    ("maxProperties", Kind::OptCount),
    ("minItems", Kind::OptCount),
    ("maxItems", Kind::OptCount),
    ("minLength", Kind::OptCount),
    ("maxLength", Kind::OptCount),
    ("required", Kind::OptStrings),
    ("enum", Kind::OptArray),
];

impl Check<'_> {
    fn error(&mut self, at: String, message: String) {
        self.errors.push(Diagnostic::error(self.file, at, message));
    }

    /// One schema (or reference to one) and the schemas nested in it.
    fn check(&mut self, node: &Value, at: &str) {
        let Some(map) = node.as_object() else {
            self.error(at.to_owned(), format!("a schema must be an object, not {}", kind_of(node)));
            return;
        };
        if map.get("$ref").is_some_and(Value::is_string) {
            return; // a reference: its siblings are not read
        }
        for (key, kind) in KEYWORDS {
            let Some(v) = map.get(*key) else { continue };
            let ok = match kind {
                Kind::Bool => v.is_boolean(),
                Kind::OptBool => v.is_null() || v.is_boolean(),
                Kind::OptString => v.is_null() || v.is_string(),
                Kind::OptNumber => v.is_null() || v.is_number(),
                Kind::OptCount => v.is_null() || v.as_u64().is_some_and(|n| usize::try_from(n).is_ok()),
                Kind::OptStrings => v.is_null() || v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
                Kind::OptArray => v.is_null() || v.is_array(),
            };
            if !ok {
                let expected = match kind {
                    Kind::Bool => "true or false",
                    Kind::OptBool => "a boolean",
                    Kind::OptString => "a string",
                    Kind::OptNumber => "a number",
                    Kind::OptCount => "a non-negative integer",
                    Kind::OptStrings => "an array of strings",
                    Kind::OptArray => "an array",
                };
                self.error(format!("{at}/{}", escape(key)), format!("`{key}` must be {expected}, not {}", kind_of(v)));
            }
        }
        self.docs_and_discriminator(map, at);
        match map.get("properties") {
            None | Some(Value::Null) => {}
            Some(Value::Object(props)) => {
                for (name, p) in props {
                    self.check(p, &format!("{at}/properties/{}", escape(name)));
                }
            }
            Some(other) => self
                .error(format!("{at}/properties"), format!("`properties` must be an object, not {}", kind_of(other))),
        }
        match map.get("additionalProperties") {
            None | Some(Value::Null | Value::Bool(_)) => {}
            Some(other) => self.check(other, &format!("{at}/additionalProperties")),
        }
        for key in ["items", "not"] {
            match map.get(key) {
                None | Some(Value::Null) => {}
                Some(other) => self.check(other, &format!("{at}/{key}")),
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            match map.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(parts)) => {
                    for (i, part) in parts.iter().enumerate() {
                        self.check(part, &format!("{at}/{key}/{i}"));
                    }
                }
                Some(other) => self.error(
                    format!("{at}/{key}"),
                    format!("`{key}` must be an array of schemas, not {}", kind_of(other)),
                ),
            }
        }
    }

    fn docs_and_discriminator(&mut self, map: &serde_json::Map<String, Value>, at: &str) {
        match map.get("externalDocs") {
            None | Some(Value::Null) => {}
            Some(Value::Object(d))
                if d.get("url").is_some_and(Value::is_string)
                    && d.get("description").is_none_or(|x| x.is_null() || x.is_string()) => {}
            Some(_) => self
                .error(format!("{at}/externalDocs"), "`externalDocs` must be an object with a string `url`".to_owned()),
        }
        match map.get("discriminator") {
            None | Some(Value::Null) => {}
            Some(Value::Object(d))
                if d.get("propertyName").is_some_and(Value::is_string)
                    && d.get("mapping")
                        .is_none_or(|m| m.as_object().is_some_and(|m| m.values().all(Value::is_string))) => {}
            Some(_) => self.error(
                format!("{at}/discriminator"),
                "`discriminator` must be an object with a string `propertyName` and a `mapping` of strings".to_owned(),
            ),
        }
    }
}

fn escape(token: &str) -> String {
    crate::pointer::escape(token)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_keyword_types_are_located_errors_all_at_once() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"a/b": {"minLength": -1}, "n": null}, "nullable": null},
            "B": {"allOf": [{"items": {"required": [1]}}], "discriminator": {"mapping": {}}},
            "Ok": {"$ref": 5, "title": null, "enum": null, "additionalProperties": false, "exclusiveMinimum": null}
        }}});
        let errors: Vec<String> =
            check("t.json", &mut doc).iter().map(|d| format!("{}: {}", d.pointer, d.message)).collect();
        assert_eq!(errors, [
            "/components/schemas/A/nullable: `nullable` must be true or false, not null",
            "/components/schemas/A/properties/a~1b/minLength: `minLength` must be a non-negative integer, not a number",
            "/components/schemas/A/properties/n: a schema must be an object, not null",
            "/components/schemas/B/discriminator: `discriminator` must be an object with a string `propertyName` and a `mapping` of strings",
            "/components/schemas/B/allOf/0/items/required: `required` must be an array of strings, not an array",
        ]);
    }

    #[test]
    fn what_the_check_accepts_openapiv3_reads() {
        let mut doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {
            "Ok": {"$ref": 5, "title": null, "enum": null, "additionalProperties": false, "exclusiveMinimum": null,
                   "type": "integer", "minimum": 1.5, "format": null, "x-any": [1, null]},
            "R": {"$ref": "#/components/schemas/Ok", "nullable": "ignored next to a reference"}
        }}});
        assert!(check("t.json", &mut doc).is_empty());
        serde_json::from_value::<openapiv3::OpenAPI>(doc).expect("openapiv3 reads it");
    }
}
