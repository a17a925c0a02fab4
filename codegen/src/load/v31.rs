//! OpenAPI 3.1 documents, read by rewriting them into the 3.0 shape before they are typed.
//!
//! # Design
//!
//! The typed reader (`openapiv3`) knows 3.0 only. Rather than a second model crate for 3.1 (and
//! a second IR builder, or an IR that abstracts over two models), the 3.1 JSON document is
//! normalised in place into the 3.0 shape, and the rest of the pipeline runs unchanged: one
//! validate stage, one IR builder, one set of tests; the IR does not know which version a spec
//! was. What 3.0 cannot say is dropped with a located warning (file + pointer of the first
//! place, and how many more), never silently. Most of 3.1 in real specs rewrites without any
//! loss: `type: [T, "null"]` is `nullable`, `anyOf: [X, {type: "null"}]` is a nullable `X`,
//! `const` is a one-value `enum`, a `$ref` with a description is `allOf: [$ref]` with that
//! description (the 3.0 idiom the IR already reads).
//!
//! The rewrite moves nodes (a `$ref` with siblings becomes `allOf/0/$ref`, a nullable `anyOf`
//! alternative is merged into its parent); [`Origins`] remembers where each moved node was, so
//! every later diagnostic still points into the file as written.
//!
//! The rewrite knows where schemas are (it walks the document as OpenAPI, not as arbitrary
//! JSON): a property called `type` or `const` is a name, not a keyword.

use super::walk::{self, At, Visitor};
use crate::diagnostic::Diagnostic;
use crate::pointer;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The dialect a 3.1 document uses when it names none.
const OAS_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// JSON Schema 2020-12 keywords 3.0 has no equivalent for; kept in the document, ignored.
const IGNORED: &[&str] = &[
    "$defs",
    "$schema",
    "$id",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "unevaluatedProperties",
    "unevaluatedItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
];

/// Keywords that describe a `$ref`'s use rather than constrain it: they stay on the wrapper.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "summary",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "example",
    "examples",
    "externalDocs",
    "nullable",
    "discriminator",
    "xml",
    "$comment",
];

/// Keywords that apply to values of one JSON type only (split when a schema allows several).
const STRING_KEYWORDS: &[&str] =
    &["format", "pattern", "minLength", "maxLength", "contentMediaType", "contentEncoding"];
const NUMBER_KEYWORDS: &[&str] =
    &["format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
const ARRAY_KEYWORDS: &[&str] = &["items", "prefixItems", "minItems", "maxItems", "uniqueItems"];
const OBJECT_KEYWORDS: &[&str] =
    &["properties", "required", "additionalProperties", "minProperties", "maxProperties", "discriminator"];

/// Where moved nodes came from: pointer in the rewritten document -> pointer in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    moved: BTreeMap<String, String>,
}

impl Origins {
    /// The pointer in the file as written for a pointer into the rewritten document.
    pub fn original(&self, at: &str) -> String {
        if self.moved.is_empty() {
            return at.to_owned();
        }
        // The longest moved prefix (on token boundaries) decides.
        let mut prefix = at;
        loop {
            if let Some(from) = self.moved.get(prefix) {
                return format!("{from}{}", &at[prefix.len()..]);
            }
            match prefix.rfind('/') {
                Some(i) => prefix = &prefix[..i],
                None => return at.to_owned(),
            }
        }
    }

    fn record(&mut self, new: &str, original: &str) {
        if new != original {
            self.moved.insert(new.to_owned(), original.to_owned());
        }
    }
}

/// What the rewrite lost, one warning per kind.
struct Loss {
    first: String,
    message: String,
    more: usize,
}

/// Rewrites a 3.1 document into the 3.0 shape; returns the warnings and where moved nodes were.
pub fn normalise(file: &str, document: &mut Value) -> (Vec<Diagnostic>, Origins) {
    let mut n = Normaliser { origins: Origins::default(), losses: BTreeMap::new() };
    n.document(document);
    let warnings = n
        .losses
        .into_values()
        .map(|loss| {
            let more = match loss.more {
                0 => String::new(),
                1 => " (and at 1 more place)".to_owned(),
                k => format!(" (and at {k} more places)"),
            };
            Diagnostic::warning(file, loss.first, format!("{}{more}", loss.message))
        })
        .collect();
    (warnings, n.origins)
}

struct Normaliser {
    origins: Origins,
    /// Keyed by kind, so the warnings come out in a stable order and once each.
    losses: BTreeMap<String, Loss>,
}

impl Visitor for Normaliser {
    fn schema(&mut self, node: &mut Value, at: &At) {
        Normaliser::schema(self, node, at);
    }

    /// 3.1 lets a Reference Object override `summary`/`description`; 3.0 (and the typed
    /// reader) ignores both.
    fn reference(&mut self, node: &mut Value, at: &At) {
        if node.get("summary").is_some() || node.get("description").is_some() {
            self.lose("reference-docs", at, || {
                "`summary`/`description` next to a `$ref` are ignored here: the referenced object's own are used"
                    .to_owned()
            });
        }
    }
}

impl Normaliser {
    fn lose(&mut self, kind: &str, at: &At, message: impl FnOnce() -> String) {
        match self.losses.get_mut(kind) {
            Some(loss) => loss.more += 1,
            None => {
                let loss = Loss { first: at.orig.clone(), message: message(), more: 0 };
                self.losses.insert(kind.to_owned(), loss);
            }
        }
    }

    /// Descends into a child that may have moved (`orig` is where it was in the file).
    fn moved(&mut self, parent: &At, token: &str, orig: String) -> At {
        let at = At { new: pointer::append(&parent.new, token), orig };
        // Only where the child did not stay under its parent: the rest follows from that.
        if at.orig != pointer::append(&parent.orig, token) {
            self.origins.record(&at.new, &at.orig);
        }
        at
    }

    fn document(&mut self, doc: &mut Value) {
        let root = At::root();
        let Some(map) = doc.as_object_mut() else { return };
        if let Some(dialect) = map.get("jsonSchemaDialect").and_then(Value::as_str) {
            if dialect != OAS_DIALECT {
                let shown = dialect.to_owned();
                self.lose("jsonSchemaDialect", &root.child("jsonSchemaDialect"), || {
                    format!("jsonSchemaDialect `{shown}` is ignored: schemas are read with the OpenAPI 3.1 dialect")
                });
            }
        }
        // 3.1 makes `paths` optional (a document may hold only webhooks or components).
        map.entry("paths").or_insert_with(|| Value::Object(Map::new()));
        if let Some(Value::Object(schemes)) = map.get_mut("components").and_then(|c| c.get_mut("securitySchemes")) {
            for scheme in schemes.values_mut() {
                // 3.0 has no mutual TLS; as an unknown HTTP scheme it is reported (and left
                // without a credential) by the IR like other schemes it cannot send.
                if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                    scheme["type"] = Value::from("http");
                    scheme["scheme"] = Value::from("mutualTLS");
                }
            }
        }
        walk::document(doc, self);
    }

    /// One schema and, through it, every schema nested in it.
    fn schema(&mut self, node: &mut Value, at: &At) {
        // Boolean schemas: `true` allows anything, `false` nothing (which 3.0 spells `not: {}`).
        if let Value::Bool(b) = node {
            *node = if *b { Value::Object(Map::new()) } else { serde_json::json!({"not": {}}) };
            return;
        }
        let Some(map) = node.as_object_mut() else { return };
        // Where keys of this node were in the file, when not at `at.orig/<key>`; keyed by the
        // relative pointer of the moved child, escaped (`allOf/0`, `type`).
        let mut moved: BTreeMap<String, String> = BTreeMap::new();
        if map.get("$ref").is_some_and(Value::is_string) {
            if map.len() == 1 {
                return;
            }
            wrap_ref(map, at, &mut moved);
        }
        // Collapsing may bring in another `anyOf` from the merged alternative: repeat (bounded).
        for _ in 0..8 {
            if !self.collapse_null(map, at, &mut moved) {
                break;
            }
        }
        self.types(map, at, &mut moved);
        self.keywords(map, at, &mut moved);
        // Leaves (a merged `minimum`) are recorded here; subtrees again as they are walked.
        for (rel, orig) in &moved {
            if *orig != format!("{}/{rel}", at.orig) {
                self.origins.record(&format!("{}/{rel}", at.new), orig);
            }
        }
        self.children(map, at, &moved);
    }

    /// `anyOf`/`oneOf` with a `{type: "null"}` alternative: the rest, nullable. True if the
    /// node changed.
    fn collapse_null(&mut self, map: &mut Map<String, Value>, at: &At, moved: &mut BTreeMap<String, String>) -> bool {
        for keyword in ["anyOf", "oneOf"] {
            let Some(Value::Array(alternatives)) = map.get(keyword) else { continue };
            if !alternatives.iter().any(is_null_schema) {
                continue;
            }
            let base = moved.get(keyword).cloned().unwrap_or_else(|| pointer::append(&at.orig, keyword));
            let kept: Vec<(usize, Value)> = alternatives
                .iter()
                .enumerate()
                .filter(|(_, a)| !is_null_schema(a))
                .map(|(i, a)| (i, a.clone()))
                .collect();
            map.remove(keyword);
            map.insert("nullable".to_owned(), Value::Bool(true));
            // Moved entries below the keyword are stale now.
            moved.retain(|k, _| !k.starts_with(&format!("{keyword}/")));
            match kept.as_slice() {
                [] => {
                    let shown = at.clone();
                    self.lose("null-only", &shown, || {
                        "a schema that only allows `null` is read as any JSON value (3.0 has no null type)".to_owned()
                    });
                }
                [(i, only)] if is_ref(only) => {
                    // The 3.0 idiom for a nullable reference.
                    map.insert("allOf".to_owned(), Value::Array(vec![only.clone()]));
                    moved.insert("allOf/0".to_owned(), pointer::append(&base, &i.to_string()));
                }
                [(i, Value::Object(only))]
                    if only.keys().all(|k| ANNOTATIONS.contains(&k.as_str()) || !map.contains_key(k)) =>
                {
                    let from = pointer::append(&base, &i.to_string());
                    for (k, v) in only {
                        if !map.contains_key(k) {
                            map.insert(k.clone(), v.clone());
                            moved.insert(pointer::escape(k), pointer::append(&from, k));
                        }
                    }
                }
                [(i, only)] => {
                    // Keys clash with the parent's: keep a one-alternative union (read as its
                    // only alternative).
                    map.insert(keyword.to_owned(), Value::Array(vec![only.clone()]));
                    moved.insert(format!("{keyword}/0"), pointer::append(&base, &i.to_string()));
                }
                several => {
                    let items = several.iter().map(|(_, a)| a.clone()).collect();
                    map.insert(keyword.to_owned(), Value::Array(items));
                    for (j, (i, _)) in several.iter().enumerate() {
                        moved.insert(format!("{keyword}/{j}"), pointer::append(&base, &i.to_string()));
                    }
                }
            }
            return true;
        }
        false
    }

    /// `type` arrays and `type: "null"`.
    fn types(&mut self, map: &mut Map<String, Value>, at: &At, moved: &mut BTreeMap<String, String>) {
        let names: Vec<String> = match map.get("type") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(Value::String(s)) if s == "null" => vec!["null".to_owned()],
            _ => return,
        };
        let mut others: Vec<String> = Vec::new();
        for n in names.iter().filter(|n| *n != "null") {
            if !others.contains(n) {
                others.push(n.clone());
            }
        }
        if names.iter().any(|n| n == "null") {
            map.insert("nullable".to_owned(), Value::Bool(true));
        }
        let type_at = moved.get("type").cloned().unwrap_or_else(|| pointer::append(&at.orig, "type"));
        if names.is_empty() {
            map.remove("type");
            let shown = At { new: at.new.clone(), orig: type_at };
            self.lose("type-empty", &shown, || "`type` names no type: the type is left open".to_owned());
            return;
        }
        match others.as_slice() {
            [] => {
                map.remove("type");
                let shown = At { new: at.new.clone(), orig: type_at };
                self.lose("null-only", &shown, || {
                    "a schema that only allows `null` is read as any JSON value (3.0 has no null type)".to_owned()
                });
            }
            [one] => {
                map.insert("type".to_owned(), Value::String(one.clone()));
            }
            several if map.contains_key("oneOf") || map.contains_key("anyOf") => {
                map.remove("type");
                let shown = At { new: at.new.clone(), orig: type_at };
                let list = several.join(", ");
                self.lose("multi-type", &shown, || {
                    format!(
                        "`type: [{list}]` next to `oneOf`/`anyOf` cannot be expressed in 3.0: the type is left open"
                    )
                });
            }
            several => {
                let enumeration = map.remove("enum");
                let mut alternatives = Vec::new();
                for t in several {
                    let mut alt = Map::new();
                    alt.insert("type".to_owned(), Value::String(t.clone()));
                    for k in keywords_of(t) {
                        if let Some(v) = map.get(*k) {
                            alt.insert((*k).to_owned(), v.clone());
                        }
                    }
                    if let Some(Value::Array(values)) = &enumeration {
                        let fitting: Vec<Value> = values.iter().filter(|v| fits(v, t)).cloned().collect();
                        if fitting.is_empty() {
                            continue; // no allowed value has this type
                        }
                        alt.insert("enum".to_owned(), Value::Array(fitting));
                    }
                    alternatives.push(Value::Object(alt));
                }
                for t in several {
                    for k in keywords_of(t) {
                        map.remove(*k);
                    }
                }
                map.remove("type");
                for j in 0..alternatives.len() {
                    moved.insert(format!("oneOf/{j}"), at.orig.clone());
                }
                map.insert("oneOf".to_owned(), Value::Array(alternatives));
            }
        }
    }

    /// The keywords that change spelling between 3.1 and 3.0, and those 3.0 does not have.
    fn keywords(&mut self, map: &mut Map<String, Value>, at: &At, moved: &mut BTreeMap<String, String>) {
        let key_at = |k: &str, moved: &BTreeMap<String, String>| At {
            new: pointer::append(&at.new, k),
            orig: moved.get(k).cloned().unwrap_or_else(|| pointer::append(&at.orig, k)),
        };
        if let Some(value) = map.remove("const") {
            map.insert("enum".to_owned(), Value::Array(vec![value]));
            let from = moved.remove("const").unwrap_or_else(|| pointer::append(&at.orig, "const"));
            moved.insert("enum".to_owned(), from);
        }
        if let Some(Value::Array(examples)) = map.get("examples") {
            if let Some(first) = examples.first().cloned() {
                map.entry("example").or_insert(first);
            }
            map.remove("examples");
        }
        for (exclusive, bound, stricter) in [
            ("exclusiveMinimum", "minimum", f64::max as fn(f64, f64) -> f64),
            ("exclusiveMaximum", "maximum", f64::min),
        ] {
            let Some(limit) = map.get(exclusive).and_then(Value::as_f64) else { continue };
            let limit_value = map.get(exclusive).cloned().unwrap_or(Value::Null);
            match map.get(bound).and_then(Value::as_f64) {
                // An inclusive bound that is already stricter wins; the exclusive one is moot.
                Some(b) if stricter(b, limit) == b && b != limit => {
                    map.remove(exclusive);
                }
                _ => {
                    map.insert(bound.to_owned(), limit_value);
                    map.insert(exclusive.to_owned(), Value::Bool(true));
                    let from = moved.get(exclusive).cloned().unwrap_or_else(|| pointer::append(&at.orig, exclusive));
                    moved.insert(bound.to_owned(), from);
                }
            }
        }
        let encoding = map.remove("contentEncoding");
        let media = map.remove("contentMediaType");
        if encoding.is_some() || media.is_some() {
            let format = match (encoding.as_ref().and_then(Value::as_str), media.as_ref().and_then(Value::as_str)) {
                (Some("base64" | "base64url"), _) => Some("byte"),
                (Some(other), _) => {
                    let shown = other.to_owned();
                    self.lose("contentEncoding", &key_at("contentEncoding", moved), || {
                        format!("contentEncoding `{shown}` has no 3.0 format: read as a plain string")
                    });
                    None
                }
                (None, Some(m)) if !is_text(m) => Some("binary"),
                _ => None,
            };
            map.entry("type").or_insert_with(|| Value::from("string"));
            if let Some(f) = format {
                map.entry("format").or_insert_with(|| Value::from(f));
            }
        }
        self.tuples(map, at, moved);
        for keyword in IGNORED {
            if map.contains_key(*keyword) {
                let where_ = key_at(keyword, moved);
                self.lose(&format!("ignored {keyword}"), &where_, || {
                    format!("`{keyword}` has no OpenAPI 3.0 equivalent and is ignored")
                });
            }
        }
    }

    /// `prefixItems` (and draft-4 `items: [...]`): an array of the one item schema they share,
    /// else of any value.
    fn tuples(&mut self, map: &mut Map<String, Value>, at: &At, moved: &mut BTreeMap<String, String>) {
        let prefix = match (map.remove("prefixItems"), map.get("items")) {
            (Some(Value::Array(p)), _) => Some((p, "prefixItems")),
            (_, Some(Value::Array(p))) => Some((p.clone(), "items")),
            _ => None,
        };
        if let Some((items, keyword)) = prefix {
            let rest = map.get("items").filter(|v| !v.is_array() && **v != Value::Bool(false)).cloned();
            let mut all: Vec<Value> = items.clone();
            all.extend(rest);
            let first = all.first().cloned();
            let same = first.as_ref().filter(|f| all.iter().all(|x| x == *f)).cloned();
            let orig = moved.get(keyword).cloned().unwrap_or_else(|| pointer::append(&at.orig, keyword));
            match same {
                Some(item) => {
                    map.insert("items".to_owned(), item);
                    moved.insert("items".to_owned(), pointer::append(&orig, "0"));
                }
                None => {
                    map.insert("items".to_owned(), Value::Object(Map::new()));
                }
            }
            let shown = At { new: pointer::append(&at.new, keyword), orig };
            self.lose("tuple", &shown, || {
                "tuple (`prefixItems`) is read as an array of its one item schema, or of any value when they differ: positions are not checked".to_owned()
            });
        } else if map.get("items") == Some(&Value::Bool(false)) {
            map.remove("items");
        }
    }

    fn children(&mut self, map: &mut Map<String, Value>, at: &At, moved: &BTreeMap<String, String>) {
        let orig_of = |rel: &str| -> String {
            if let Some(o) = moved.get(rel) {
                return o.clone();
            }
            // A child of a moved key moved with it.
            let (key, rest) = rel.split_once('/').unwrap_or((rel, ""));
            match moved.get(key) {
                Some(o) if rest.is_empty() => o.clone(),
                Some(o) => format!("{o}/{rest}"),
                None => format!("{}/{rel}", at.orig),
            }
        };
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            let key_at = self.moved(at, "properties", orig_of("properties"));
            for (name, p) in props.iter_mut() {
                self.schema(p, &key_at.child(name));
            }
        }
        for key in ["items", "not"] {
            if let Some(child) = map.get_mut(key) {
                let child_at = self.moved(at, key, orig_of(key));
                self.schema(child, &child_at);
            }
        }
        if let Some(child @ Value::Object(_)) = map.get_mut("additionalProperties") {
            let child_at = self.moved(at, "additionalProperties", orig_of("additionalProperties"));
            self.schema(child, &child_at);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(parts)) = map.get_mut(key) {
                let key_at = self.moved(at, key, orig_of(key));
                for (i, part) in parts.iter_mut().enumerate() {
                    let rel = format!("{key}/{i}");
                    let part_at = self.moved(&key_at, &i.to_string(), orig_of(&rel));
                    self.schema(part, &part_at);
                }
            }
        }
    }
}

/// `{$ref, description, ...}` -> `{allOf: [{$ref}], description, ...}`; siblings that constrain
/// (not annotations) become a second `allOf` part, as 2020-12 applies both.
fn wrap_ref(map: &mut Map<String, Value>, at: &At, moved: &mut BTreeMap<String, String>) {
    let reference = map.remove("$ref").unwrap_or(Value::Null);
    let mut constraints = Map::new();
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        if !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-") {
            if let Some(v) = map.remove(&k) {
                constraints.insert(k, v);
            }
        }
    }
    // A reference object's `summary` is the schema's title.
    if let Some(summary) = map.remove("summary") {
        map.entry("title").or_insert(summary);
    }
    let mut parts = vec![serde_json::json!({ "$ref": reference })];
    moved.insert("allOf/0".to_owned(), at.orig.clone());
    if !constraints.is_empty() {
        parts.push(Value::Object(constraints));
        moved.insert("allOf/1".to_owned(), at.orig.clone());
    }
    map.insert("allOf".to_owned(), Value::Array(parts));
}

/// `{type: "null"}` (docs allowed), `{type: ["null"]}`, `{const: null}` or `{enum: [null]}`.
fn is_null_schema(v: &Value) -> bool {
    let Some(map) = v.as_object() else { return false };
    let null_type = match map.get("type") {
        Some(Value::String(s)) => s == "null",
        Some(Value::Array(items)) => !items.is_empty() && items.iter().all(|t| t == "null"),
        _ => false,
    };
    let null_value = map.get("const") == Some(&Value::Null)
        || map.get("enum").and_then(Value::as_array).is_some_and(|e| !e.is_empty() && e.iter().all(Value::is_null));
    (null_type || null_value)
        && map.keys().all(|k| ANNOTATIONS.contains(&k.as_str()) || matches!(k.as_str(), "type" | "const" | "enum"))
}

fn is_ref(v: &Value) -> bool {
    v.get("$ref").is_some_and(Value::is_string)
}

fn keywords_of(t: &str) -> &'static [&'static str] {
    match t {
        "string" => STRING_KEYWORDS,
        "integer" | "number" => NUMBER_KEYWORDS,
        "array" => ARRAY_KEYWORDS,
        "object" => OBJECT_KEYWORDS,
        _ => &[],
    }
}

/// An enum value of JSON type `t`.
fn fits(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// Media types whose content is text (kept as a plain string, not bytes).
fn is_text(media: &str) -> bool {
    let m = media.to_ascii_lowercase();
    m.starts_with("text/") || m.ends_with("json") || m.ends_with("xml") || m == "application/x-www-form-urlencoded"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema_of(schema: Value) -> (Value, Vec<String>, Origins) {
        let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": schema}}});
        let (warnings, origins) = normalise("t.yaml", &mut doc);
        let shown = warnings.iter().map(|w| format!("{}: {}", w.pointer, w.message)).collect();
        (doc["components"]["schemas"]["S"].clone(), shown, origins)
    }

    #[test]
    fn type_arrays_with_null_are_nullable() {
        let (s, w, _) = schema_of(json!({"type": ["string", "null"], "maxLength": 3}));
        assert_eq!(s, json!({"type": "string", "nullable": true, "maxLength": 3}));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn a_type_array_without_names_leaves_the_type_open() {
        let (s, w, _) = schema_of(json!({"type": [], "description": "d"}));
        assert_eq!(s, json!({"description": "d"}));
        assert_eq!(w, ["/components/schemas/S/type: `type` names no type: the type is left open"]);
    }

    #[test]
    fn several_types_become_one_of_with_their_own_keywords() {
        let (s, _, origins) = schema_of(
            json!({"type": ["string", "integer", "null"], "maxLength": 3, "minimum": 1, "enum": ["a", 2, null]}),
        );
        assert_eq!(
            s,
            json!({"nullable": true, "oneOf": [
                {"type": "string", "maxLength": 3, "enum": ["a"]},
                {"type": "integer", "minimum": 1, "enum": [2]}
            ]})
        );
        assert_eq!(origins.original("/components/schemas/S/oneOf/1/minimum"), "/components/schemas/S/minimum");
    }

    #[test]
    fn nullable_any_of_collapses_into_the_parent_and_keeps_locations() {
        let (s, _, origins) = schema_of(
            json!({"description": "d", "anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "null"}]}),
        );
        assert_eq!(
            s,
            json!({"description": "d", "nullable": true, "type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(origins.original("/components/schemas/S/type"), "/components/schemas/S/anyOf/0/type");
        assert_eq!(origins.original("/components/schemas/S/minimum"), "/components/schemas/S/anyOf/0/exclusiveMinimum");
        assert_eq!(origins.original("/components/schemas/S/description"), "/components/schemas/S/description");
        let (s, _, origins) = schema_of(json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/T"}]}));
        assert_eq!(s, json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]}));
        assert_eq!(origins.original("/components/schemas/S/allOf/0/$ref"), "/components/schemas/S/oneOf/1/$ref");
    }

    #[test]
    fn refs_with_siblings_are_wrapped_and_constraints_kept_apart() {
        let (s, w, origins) = schema_of(json!({"$ref": "#/x", "description": "d", "summary": "s", "maxProperties": 2}));
        assert_eq!(s, json!({"description": "d", "title": "s", "allOf": [{"$ref": "#/x"}, {"maxProperties": 2}]}));
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(origins.original("/components/schemas/S/allOf/0/$ref"), "/components/schemas/S/$ref");
    }

    #[test]
    fn const_examples_bounds_and_content_keywords() {
        let (s, _, _) = schema_of(json!({"const": "on", "examples": ["on", "x"]}));
        assert_eq!(s, json!({"enum": ["on"], "example": "on"}));
        let (s, _, _) = schema_of(json!({"type": "number", "exclusiveMaximum": 10, "maximum": 20}));
        assert_eq!(s, json!({"type": "number", "maximum": 10, "exclusiveMaximum": true}));
        let (s, _, _) = schema_of(json!({"type": "string", "contentEncoding": "base64"}));
        assert_eq!(s, json!({"type": "string", "format": "byte"}));
        let (s, _, _) = schema_of(json!({"contentMediaType": "image/png"}));
        assert_eq!(s, json!({"type": "string", "format": "binary"}));
    }

    #[test]
    fn losses_are_warned_once_per_kind_at_the_first_place() {
        let mut doc = json!({"openapi": "3.1.0", "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "components": {"schemas": {
                "A": {"type": "object", "patternProperties": {"^x": {}}, "$defs": {}},
                "B": {"type": "object", "patternProperties": {"^y": {}}},
                "T": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
                "N": {"type": "null"}}}});
        let (warnings, _) = normalise("t.yaml", &mut doc);
        let shown: Vec<String> = warnings.iter().map(|w| format!("{}: {}", w.pointer, w.message)).collect();
        assert_eq!(shown, [
            "/components/schemas/A/$defs: `$defs` has no OpenAPI 3.0 equivalent and is ignored",
            "/components/schemas/A/patternProperties: `patternProperties` has no OpenAPI 3.0 equivalent and is ignored (and at 1 more place)",
            "/jsonSchemaDialect: jsonSchemaDialect `https://json-schema.org/draft/2020-12/schema` is ignored: schemas are read with the OpenAPI 3.1 dialect",
            "/components/schemas/N/type: a schema that only allows `null` is read as any JSON value (3.0 has no null type)",
            "/components/schemas/T/prefixItems: tuple (`prefixItems`) is read as an array of its one item schema, or of any value when they differ: positions are not checked",
        ]);
        assert_eq!(doc["components"]["schemas"]["T"], json!({"type": "array", "items": {}}));
        assert_eq!(doc["paths"], json!({}), "paths is optional in 3.1");
    }

    #[test]
    fn property_names_that_look_like_keywords_are_left_alone() {
        let (s, _, _) = schema_of(
            json!({"type": "object", "properties": {"type": {"type": ["string", "null"]}, "const": {"const": 1}}}),
        );
        assert_eq!(s["properties"]["type"], json!({"type": "string", "nullable": true}));
        assert_eq!(s["properties"]["const"], json!({"enum": [1]}));
    }
}
