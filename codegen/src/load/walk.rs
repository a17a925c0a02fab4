//! Where the schemas of an OpenAPI document are: a walk over the document as OpenAPI (paths,
//! operations, parameters, bodies, responses, headers, callbacks, webhooks, components, and
//! the schema maps of the `x-sse-events` and `x-webhooks` extensions) that hands every schema
//! root and every Reference Object to a [`Visitor`]. The 3.1 reader and the
//! schema shape check share it, so neither mistakes a property named `type` for a keyword.

use crate::pointer;
use serde_json::{Map, Value};

/// A node's place: in the document as it is now (`new`) and in the file as written (`orig`);
/// they differ below nodes the 3.1 reader moved.
#[derive(Debug, Clone)]
pub struct At {
    /// Pointer into the document being walked.
    pub new: String,
    /// Pointer into the file.
    pub orig: String,
}

impl At {
    /// The document root.
    pub fn root() -> Self {
        Self { new: String::new(), orig: String::new() }
    }

    /// The child at `token`, which has not moved.
    pub fn child(&self, token: &str) -> Self {
        Self { new: pointer::append(&self.new, token), orig: pointer::append(&self.orig, token) }
    }
}

/// What a walk does at the places it finds.
pub trait Visitor {
    /// A schema root (the visitor descends into nested schemas itself).
    fn schema(&mut self, node: &mut Value, at: &At);

    /// A Reference Object outside schemas (a node with a string `$ref`); not descended into.
    fn reference(&mut self, _node: &mut Value, _at: &At) {}
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Walks the whole document.
pub fn document(doc: &mut Value, v: &mut impl Visitor) {
    let root = At::root();
    let Some(map) = doc.as_object_mut() else { return };
    if let Some(Value::Object(paths)) = map.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            path_item(v, item, &root.child("paths").child(path));
        }
    }
    if let Some(Value::Object(hooks)) = map.get_mut("webhooks") {
        for (name, item) in hooks.iter_mut() {
            path_item(v, item, &root.child("webhooks").child(name));
        }
    }
    if let Some(Value::Object(components)) = map.get_mut("components") {
        self::components(v, components, &root.child("components"));
    }
    // Event type name -> schema of the whole webhook body.
    schema_map(v, map.get_mut("x-webhooks"), &root.child("x-webhooks"));
}

/// The schemas of an extension that maps names to schemas (a value of another shape is left
/// for the extension's reader to report).
fn schema_map(v: &mut impl Visitor, node: Option<&mut Value>, at: &At) {
    if let Some(Value::Object(map)) = node {
        for (name, schema) in map.iter_mut() {
            v.schema(schema, &at.child(name));
        }
    }
}

fn components(v: &mut impl Visitor, c: &mut Map<String, Value>, at: &At) {
    for (section, entries) in c.iter_mut() {
        let Value::Object(entries) = entries else { continue };
        let section_at = at.child(section);
        for (name, entry) in entries.iter_mut() {
            let entry_at = section_at.child(name);
            match section.as_str() {
                "schemas" => v.schema(entry, &entry_at),
                "responses" => response(v, entry, &entry_at),
                "parameters" | "headers" => parameter(v, entry, &entry_at),
                "requestBodies" => request_body(v, entry, &entry_at),
                "pathItems" => path_item(v, entry, &entry_at),
                "callbacks" => callback(v, entry, &entry_at),
                _ => {}
            }
        }
    }
}

/// True (after telling the visitor) when the node is a Reference Object.
fn reference(v: &mut impl Visitor, node: &mut Value, at: &At) -> bool {
    if !node.get("$ref").is_some_and(Value::is_string) {
        return false;
    }
    v.reference(node, at);
    true
}

fn path_item(v: &mut impl Visitor, node: &mut Value, at: &At) {
    if reference(v, node, at) {
        return;
    }
    let Some(map) = node.as_object_mut() else { return };
    if let Some(Value::Array(params)) = map.get_mut("parameters") {
        for (i, p) in params.iter_mut().enumerate() {
            parameter(v, p, &at.child("parameters").child(&i.to_string()));
        }
    }
    for method in METHODS {
        if let Some(op) = map.get_mut(*method) {
            operation(v, op, &at.child(method));
        }
    }
}

fn callback(v: &mut impl Visitor, node: &mut Value, at: &At) {
    if reference(v, node, at) {
        return;
    }
    if let Some(map) = node.as_object_mut() {
        for (expression, item) in map.iter_mut() {
            path_item(v, item, &at.child(expression));
        }
    }
}

fn operation(v: &mut impl Visitor, node: &mut Value, at: &At) {
    let Some(map) = node.as_object_mut() else { return };
    if let Some(Value::Array(params)) = map.get_mut("parameters") {
        for (i, p) in params.iter_mut().enumerate() {
            parameter(v, p, &at.child("parameters").child(&i.to_string()));
        }
    }
    if let Some(body) = map.get_mut("requestBody") {
        request_body(v, body, &at.child("requestBody"));
    }
    if let Some(Value::Object(responses)) = map.get_mut("responses") {
        for (status, r) in responses.iter_mut() {
            response(v, r, &at.child("responses").child(status));
        }
    }
    if let Some(Value::Object(callbacks)) = map.get_mut("callbacks") {
        for (name, cb) in callbacks.iter_mut() {
            callback(v, cb, &at.child("callbacks").child(name));
        }
    }
}

/// Parameters and headers: a schema or content.
fn parameter(v: &mut impl Visitor, node: &mut Value, at: &At) {
    if reference(v, node, at) {
        return;
    }
    let Some(map) = node.as_object_mut() else { return };
    if let Some(schema) = map.get_mut("schema") {
        v.schema(schema, &at.child("schema"));
    }
    if let Some(c) = map.get_mut("content") {
        content(v, c, &at.child("content"));
    }
}

fn request_body(v: &mut impl Visitor, node: &mut Value, at: &At) {
    if reference(v, node, at) {
        return;
    }
    if let Some(c) = node.get_mut("content") {
        content(v, c, &at.child("content"));
    }
}

fn response(v: &mut impl Visitor, node: &mut Value, at: &At) {
    if reference(v, node, at) {
        return;
    }
    let Some(map) = node.as_object_mut() else { return };
    if let Some(c) = map.get_mut("content") {
        content(v, c, &at.child("content"));
    }
    if let Some(Value::Object(headers)) = map.get_mut("headers") {
        for (name, h) in headers.iter_mut() {
            parameter(v, h, &at.child("headers").child(name));
        }
    }
}

fn content(v: &mut impl Visitor, node: &mut Value, at: &At) {
    let Some(media_types) = node.as_object_mut() else { return };
    for (media, m) in media_types.iter_mut() {
        if let Some(schema) = m.get_mut("schema") {
            v.schema(schema, &at.child(media).child("schema"));
        }
        // SSE event name -> schema of its data.
        schema_map(v, m.get_mut("x-sse-events"), &at.child(media).child("x-sse-events"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Default)]
    struct Seen(Vec<String>, Vec<String>);

    impl Visitor for Seen {
        fn schema(&mut self, _: &mut Value, at: &At) {
            self.0.push(at.new.clone());
        }
        fn reference(&mut self, _: &mut Value, at: &At) {
            self.1.push(at.new.clone());
        }
    }

    #[test]
    fn every_schema_root_and_reference_object_is_visited_once() {
        let mut doc = json!({
            "paths": {"/a": {
                "parameters": [{"$ref": "#/components/parameters/P"}],
                "get": {
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": {"headers": {"X": {"schema": {}}}, "content": {
                        "text/plain": {"schema": {}},
                        "text/event-stream": {"schema": {}, "x-sse-events": {"tick": {}}}
                    }}},
                    "callbacks": {"cb": {"{$url}": {"post": {"responses": {"default": {"$ref": "#/r"}}}}}}
                }
            }},
            "webhooks": {"hook": {"post": {"requestBody": {"content": {"application/json": {"schema": {}}}}}}},
            "x-webhooks": {"a.b": {"$ref": "#/components/schemas/S"}},
            "components": {"schemas": {"S": {"properties": {"type": {}}}}, "pathItems": {"I": {"get": {"responses": {}}}}}
        });
        let mut seen = Seen::default();
        document(&mut doc, &mut seen);
        assert_eq!(
            seen.0,
            [
                "/paths/~1a/get/parameters/0/schema",
                "/paths/~1a/get/requestBody/content/application~1json/schema",
                "/paths/~1a/get/responses/200/content/text~1plain/schema",
                "/paths/~1a/get/responses/200/content/text~1event-stream/schema",
                "/paths/~1a/get/responses/200/content/text~1event-stream/x-sse-events/tick",
                "/paths/~1a/get/responses/200/headers/X/schema",
                "/webhooks/hook/post/requestBody/content/application~1json/schema",
                "/components/schemas/S",
                "/x-webhooks/a.b",
            ]
        );
        assert_eq!(seen.1, ["/paths/~1a/parameters/0", "/paths/~1a/get/callbacks/cb/{$url}/post/responses/default"]);
    }
}
