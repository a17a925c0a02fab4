//! Applies an OpenAPI Overlay 1.0 document to a parsed spec.
//!
//! Overlays patch vendor specs we do not control, so staleness must be loud: an
//! action whose `target` no longer matches anything is an error, not a no-op.
//!
//! Semantics (Overlay 1.0.0, with choices where the spec is silent):
//! - Actions run in order, each against the document as left by the previous ones.
//! - `update` deep-merges into every matched node:
//!   - object target: needs an object update; keys merge recursively. Inside that
//!     merge, object + object merges, array + array appends the update's elements,
//!     and anything else is replaced by the update's value (`null` sets `null`; it
//!     does not delete, unlike JSON Merge Patch);
//!   - array target: an array update appends its elements; any other update value is
//!     appended as a single entry;
//!   - scalar target: a scalar update replaces it; an object/array update is an
//!     error (to change a member's type, update its parent object instead).
//! - `remove: true` removes every matched node from its parent object or array; the
//!   root cannot be removed.
//! - `extends` and unknown fields are ignored; `copy` (Overlay 1.1) is rejected.
//!
//! Every problem is reported, not just the first: a bad action is skipped and later
//! actions still run, so one pass lists every stale or malformed action.

use serde_json::{Map, Value};

use crate::diagnostic::{pointer, Diagnostic, Diagnostics};
use crate::load::jsonpath;

/// One overlay action that was applied successfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedAction {
    /// Position of the action in the overlay's `actions` array (0-based).
    pub index: usize,
    /// The action's JSONPath `target`, as written.
    pub target: String,
    /// How many document nodes the target matched (always at least 1).
    pub matched: usize,
}

/// Applies the Overlay document `overlay` to `document`, in place.
///
/// `overlay_file` names the overlay in diagnostics, whose pointers point into the
/// overlay (e.g. `/actions/2/target`). On success, returns one [`AppliedAction`] per
/// action, in order.
///
/// # Errors
///
/// Returns every error found: a malformed overlay document or action, an invalid
/// JSONPath (at `/actions/N/target`), a target that matched nothing (at `/actions/N`),
/// an `update` incompatible with a matched node (at `/actions/N/update`), or removing
/// the root. `document` may then be partially modified (valid actions before and after
/// a bad one are still applied), so callers should discard it.
pub fn apply(document: &mut Value, overlay: &Value, overlay_file: &str) -> Result<Vec<AppliedAction>, Diagnostics> {
    let mut report = Report { file: overlay_file, errors: Vec::new() };
    let Some(fields) = overlay.as_object() else {
        report.error("", format!("an overlay must be an object, found {}", kind(overlay)));
        return Err(Diagnostics(report.errors));
    };
    check_version(fields, &mut report);
    check_info(fields, &mut report);
    let mut applied = Vec::new();
    for (index, raw) in check_actions(fields, &mut report).iter().enumerate() {
        if let Some(action) = parse_action(index, raw, &mut report) {
            applied.extend(run_action(document, index, &action, &mut report));
        }
    }
    if report.errors.is_empty() {
        Ok(applied)
    } else {
        Err(Diagnostics(report.errors))
    }
}

/// Collects errors against the overlay file.
struct Report<'f> {
    file: &'f str,
    errors: Vec<Diagnostic>,
}

impl Report<'_> {
    fn error(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Diagnostic::error(self.file, at, message));
    }
}

/// A validated action.
struct Action<'o> {
    target: &'o str,
    change: Change<'o>,
}

enum Change<'o> {
    Update(&'o Value),
    Remove,
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

fn check_version(fields: &Map<String, Value>, report: &mut Report<'_>) {
    match fields.get("overlay") {
        Some(Value::String(v)) if v.starts_with("1.") => {}
        Some(Value::String(v)) => {
            report.error("/overlay", format!("unsupported overlay version {v:?}; only Overlay 1.x is supported"));
        }
        Some(Value::Number(n)) => report.error(
            "/overlay",
            format!("`overlay` must be a version string such as \"1.0.0\", found the number {n} (quote it in YAML)"),
        ),
        Some(other) => report.error("/overlay", format!("`overlay` must be a version string, found {}", kind(other))),
        None => report.error("/overlay", "missing required field `overlay` (the Overlay version, e.g. \"1.0.0\")"),
    }
}

fn check_info(fields: &Map<String, Value>, report: &mut Report<'_>) {
    let info = match fields.get("info") {
        Some(Value::Object(info)) => info,
        Some(other) => return report.error("/info", format!("`info` must be an object, found {}", kind(other))),
        None => return report.error("/info", "missing required field `info` (with `title` and `version`)"),
    };
    for name in ["title", "version"] {
        let at = pointer(["info", name]);
        match info.get(name) {
            Some(Value::String(_)) => {}
            Some(other) => report.error(at, format!("`info.{name}` must be a string, found {}", kind(other))),
            None => report.error(at, format!("missing required field `info.{name}`")),
        }
    }
}

/// Returns the actions to run; empty when `actions` is missing or malformed.
fn check_actions<'o>(fields: &'o Map<String, Value>, report: &mut Report<'_>) -> &'o [Value] {
    match fields.get("actions") {
        Some(Value::Array(actions)) if !actions.is_empty() => actions,
        Some(Value::Array(_)) => {
            report.error("/actions", "`actions` must list at least one action");
            &[]
        }
        Some(other) => {
            report.error("/actions", format!("`actions` must be an array, found {}", kind(other)));
            &[]
        }
        None => {
            report.error("/actions", "missing required field `actions`");
            &[]
        }
    }
}

/// Validates one action; reports its problems and returns `None` if it has any.
fn parse_action<'o>(index: usize, raw: &'o Value, report: &mut Report<'_>) -> Option<Action<'o>> {
    let at = action_pointer(index, None);
    let Some(fields) = raw.as_object() else {
        report.error(
            at,
            format!("an action must be an object with `target` and `update` or `remove`, found {}", kind(raw)),
        );
        return None;
    };
    let errors_before = report.errors.len();
    let target = action_target(index, fields, report);
    if let Some(description) = fields.get("description").filter(|d| !d.is_string()) {
        let message = format!("`description` must be a string, found {}", kind(description));
        report.error(action_pointer(index, Some("description")), message);
    }
    if fields.contains_key("copy") {
        report.error(action_pointer(index, Some("copy")), "`copy` is an Overlay 1.1 feature and is not supported");
    }
    let change = action_change(index, fields, report);
    match (target, change) {
        (Some(target), Some(change)) if report.errors.len() == errors_before => Some(Action { target, change }),
        _ => None,
    }
}

fn action_target<'o>(index: usize, fields: &'o Map<String, Value>, report: &mut Report<'_>) -> Option<&'o str> {
    let at = action_pointer(index, Some("target"));
    match fields.get("target") {
        Some(Value::String(target)) => Some(target),
        Some(other) => {
            report.error(at, format!("`target` must be a JSONPath string, found {}", kind(other)));
            None
        }
        None => {
            report.error(at, "missing required field `target` (a JSONPath expression)");
            None
        }
    }
}

/// Decides between `update` and `remove: true`; exactly one must be given.
fn action_change<'o>(index: usize, fields: &'o Map<String, Value>, report: &mut Report<'_>) -> Option<Change<'o>> {
    let remove = match fields.get("remove") {
        None => false,
        Some(Value::Bool(remove)) => *remove,
        Some(other) => {
            let message = format!("`remove` must be a boolean, found {}", kind(other));
            report.error(action_pointer(index, Some("remove")), message);
            return None;
        }
    };
    // A present `update: null` counts as an update (it appends or sets `null`).
    match (fields.get("update"), remove) {
        (Some(update), false) => Some(Change::Update(update)),
        (None, true) => Some(Change::Remove),
        (Some(_), true) => {
            report.error(action_pointer(index, None), "action has both `update` and `remove: true`; use exactly one");
            None
        }
        (None, false) => {
            report.error(action_pointer(index, None), "action needs exactly one of `update` or `remove: true`");
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Application
// ---------------------------------------------------------------------------

fn run_action(
    document: &mut Value,
    index: usize,
    action: &Action<'_>,
    report: &mut Report<'_>,
) -> Option<AppliedAction> {
    let matches = match jsonpath::select(document, action.target) {
        Ok(matches) => matches,
        Err(message) => {
            report.error(action_pointer(index, Some("target")), message);
            return None;
        }
    };
    if matches.is_empty() {
        let message = format!(
            "target {:?} matched nothing; the overlay is probably stale against this version of the document",
            action.target
        );
        report.error(action_pointer(index, None), message);
        return None;
    }
    let applied = match action.change {
        Change::Update(update) => update_all(document, &matches, update, index, report),
        Change::Remove => remove_all(document, &matches, index, report),
    };
    applied.then(|| AppliedAction { index, target: action.target.to_string(), matched: matches.len() })
}

/// Merges `update` into every matched node, or into none if any match is incompatible.
fn update_all(document: &mut Value, matches: &[String], update: &Value, index: usize, report: &mut Report<'_>) -> bool {
    let mut compatible = true;
    for at in matches {
        if let Some(problem) = document.pointer(at).and_then(|node| incompatibility(node, update)) {
            let shown = if at.is_empty() { "/" } else { at.as_str() };
            report.error(action_pointer(index, Some("update")), format!("cannot update {shown}: {problem}"));
            compatible = false;
        }
    }
    if !compatible {
        return false;
    }
    for at in matches {
        // A pointer can stop resolving when an earlier match (an ancestor) had this
        // node replaced by the merge; the update already landed there, so skip it.
        if let Some(node) = document.pointer_mut(at) {
            update_node(node, update);
        }
    }
    true
}

/// Why `update` cannot be applied to `node`, per the rules in the module docs.
fn incompatibility(node: &Value, update: &Value) -> Option<String> {
    match (node, update) {
        (Value::Object(_), Value::Object(_)) | (Value::Array(_), _) => None,
        (Value::Object(_), other) => {
            Some(format!("the target is an object, so `update` must be an object, not {}", kind(other)))
        }
        (scalar, Value::Object(_) | Value::Array(_)) => Some(format!(
            "the target is {}, which only a scalar `update` can replace, not {}; update its parent object instead",
            kind(scalar),
            kind(update)
        )),
        _ => None,
    }
}

/// Applies `update` to one matched node (compatibility already checked).
fn update_node(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(fields), Value::Object(patch)) => merge_objects(fields, patch),
        (Value::Array(items), Value::Array(extra)) => items.extend(extra.iter().cloned()),
        // The spec: for an array target, the update is "an entry to append".
        (Value::Array(items), entry) => items.push(entry.clone()),
        (slot, value) => *slot = value.clone(),
    }
}

/// Merges `patch` into `fields` key by key; new keys go at the end.
fn merge_objects(fields: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match fields.get_mut(key) {
            Some(existing) => merge_value(existing, value),
            None => {
                fields.insert(key.clone(), value.clone());
            }
        }
    }
}

fn merge_value(existing: &mut Value, value: &Value) {
    match (existing, value) {
        (Value::Object(fields), Value::Object(patch)) => merge_objects(fields, patch),
        (Value::Array(items), Value::Array(extra)) => items.extend(extra.iter().cloned()),
        (slot, value) => *slot = value.clone(),
    }
}

/// Removes every matched node, or none if the root is among them.
fn remove_all(document: &mut Value, matches: &[String], index: usize, report: &mut Report<'_>) -> bool {
    if matches.iter().any(String::is_empty) {
        report.error(
            action_pointer(index, Some("target")),
            "the target selects the document root, which cannot be removed",
        );
        return false;
    }
    // Reverse document order: descendants go before their ancestors and higher array
    // indexes before lower ones, so every remaining pointer stays valid.
    for at in matches.iter().rev() {
        remove_node(document, at);
    }
    true
}

fn remove_node(document: &mut Value, at: &str) {
    let Some((parent, last)) = at.rsplit_once('/') else { return };
    let token = last.replace("~1", "/").replace("~0", "~");
    match document.pointer_mut(parent) {
        // shift_remove keeps the remaining keys in their original order.
        Some(Value::Object(fields)) => {
            fields.shift_remove(&token);
        }
        Some(Value::Array(items)) => {
            if let Some(i) = token.parse::<usize>().ok().filter(|i| *i < items.len()) {
                items.remove(i);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `/actions/N`, or `/actions/N/field`.
fn action_pointer(index: usize, field: Option<&str>) -> String {
    let index = index.to_string();
    pointer(["actions", index.as_str()].into_iter().chain(field))
}

/// The JSON type of `value`, with an article, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
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

    const FILE: &str = "overlays/agents.yaml";

    fn yaml(text: &str) -> Value {
        match serde_yaml::from_str(text) {
            Ok(v) => v,
            Err(e) => panic!("test YAML should parse: {e}"),
        }
    }

    /// A minimal valid overlay around `actions`.
    fn overlay(actions: Value) -> Value {
        json!({ "overlay": "1.0.0", "info": { "title": "t", "version": "1" }, "actions": actions })
    }

    fn apply_ok(doc: &mut Value, overlay: &Value) -> Vec<AppliedAction> {
        match apply(doc, overlay, FILE) {
            Ok(applied) => applied,
            Err(d) => panic!("overlay should apply:\n{d}"),
        }
    }

    fn apply_err(doc: &mut Value, overlay: &Value) -> Vec<Diagnostic> {
        match apply(doc, overlay, FILE) {
            Ok(applied) => panic!("overlay should fail, applied {applied:?}"),
            Err(d) => {
                assert!(d.has_errors());
                d.0
            }
        }
    }

    /// The diagnostics' pointers, for compact assertions.
    fn places(diagnostics: &[Diagnostic]) -> Vec<&str> {
        diagnostics.iter().map(|d| d.pointer.as_str()).collect()
    }

    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": { "title": "Agents", "version": "1" },
            "tags": [{ "name": "agents" }],
            "paths": {
                "/agents": {
                    "get": { "operationId": "listAgents", "parameters": [{ "name": "limit", "in": "query" }] }
                },
                "/agents/{agentName}": {
                    "get": { "operationId": "getAgent", "summary": "Get" },
                    "delete": { "operationId": "deleteAgent", "x-internal": true }
                }
            },
            "components": { "schemas": { "Agent": { "type": "object", "required": ["name"], "properties": {
                "name": { "type": "string" },
                "voice": { "type": "string", "nullable": true }
            } } } }
        })
    }

    // -- update ------------------------------------------------------------------

    #[test]
    fn update_merges_nested_objects_key_by_key() {
        let mut doc = spec();
        let o = overlay(json!([{
            "target": "$.components.schemas.Agent",
            "update": { "properties": { "name": { "minLength": 1 } }, "description": "An agent" }
        }]));
        apply_ok(&mut doc, &o);
        let agent = &doc["components"]["schemas"]["Agent"];
        assert_eq!(agent["properties"]["name"], json!({ "type": "string", "minLength": 1 }));
        assert_eq!(agent["properties"]["voice"]["nullable"], json!(true));
        assert_eq!(agent["description"], json!("An agent"));
    }

    #[test]
    fn update_replaces_scalar_members_and_keeps_key_order() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.info", "update": { "title": "Renamed", "x-new": 1 } }]));
        apply_ok(&mut doc, &o);
        assert_eq!(doc["info"], json!({ "title": "Renamed", "version": "1", "x-new": 1 }));
        let keys: Vec<&String> = doc["info"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["title", "version", "x-new"]);
    }

    #[test]
    fn update_member_of_different_type_is_replaced() {
        let mut doc = json!({ "s": { "additionalProperties": true, "enum": ["a"] } });
        let o = overlay(
            json!([{ "target": "$.s", "update": { "additionalProperties": { "type": "string" }, "enum": "x" } }]),
        );
        apply_ok(&mut doc, &o);
        assert_eq!(doc, json!({ "s": { "additionalProperties": { "type": "string" }, "enum": "x" } }));
    }

    #[test]
    fn update_null_member_sets_null_rather_than_deleting() {
        let mut doc = json!({ "s": { "a": 1 } });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$.s", "update": { "a": null } }])));
        assert_eq!(doc, json!({ "s": { "a": null } }));
    }

    #[test]
    fn update_array_target_appends_array_elements() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.tags", "update": [{ "name": "voices" }, { "name": "calls" }] }]));
        apply_ok(&mut doc, &o);
        assert_eq!(doc["tags"], json!([{ "name": "agents" }, { "name": "voices" }, { "name": "calls" }]));
    }

    #[test]
    fn update_array_target_appends_non_array_update_as_one_entry() {
        let mut doc = spec();
        let o = overlay(json!([{
            "target": "$.paths.*.get.parameters",
            "update": { "name": "offset", "in": "query" }
        }]));
        apply_ok(&mut doc, &o);
        assert_eq!(
            doc["paths"]["/agents"]["get"]["parameters"],
            json!([{ "name": "limit", "in": "query" }, { "name": "offset", "in": "query" }])
        );
    }

    #[test]
    fn update_appends_to_arrays_nested_in_merged_objects() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.components.schemas.Agent", "update": { "required": ["voice"] } }]));
        apply_ok(&mut doc, &o);
        assert_eq!(doc["components"]["schemas"]["Agent"]["required"], json!(["name", "voice"]));
    }

    #[test]
    fn update_scalar_target_with_scalar_replaces_it() {
        let mut doc = spec();
        let o = overlay(json!([
            { "target": "$.info.title", "update": "Voice Agents" },
            { "target": "$.components.schemas.Agent.properties.voice.nullable", "update": false }
        ]));
        apply_ok(&mut doc, &o);
        assert_eq!(doc["info"]["title"], json!("Voice Agents"));
        assert_eq!(doc["components"]["schemas"]["Agent"]["properties"]["voice"]["nullable"], json!(false));
    }

    #[test]
    fn update_applies_to_every_matched_node() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.paths.*.*", "update": { "x-seen": true } }]));
        let applied = apply_ok(&mut doc, &o);
        assert_eq!(applied[0].matched, 3);
        assert_eq!(doc["paths"]["/agents"]["get"]["x-seen"], json!(true));
        assert_eq!(doc["paths"]["/agents/{agentName}"]["delete"]["x-seen"], json!(true));
    }

    #[test]
    fn update_target_with_slashes_and_braces_in_bracket_name() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.paths['/agents/{agentName}'].get", "update": { "summary": "Fetch" } }]));
        apply_ok(&mut doc, &o);
        assert_eq!(doc["paths"]["/agents/{agentName}"]["get"]["summary"], json!("Fetch"));
    }

    #[test]
    fn update_root_object_merges_top_level_keys() {
        let mut doc = json!({ "a": 1 });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$", "update": { "b": 2 } }])));
        assert_eq!(doc, json!({ "a": 1, "b": 2 }));
    }

    #[test]
    fn update_with_nested_matches_updates_ancestor_and_descendant() {
        let mut doc = json!({ "a": { "b": {} } });
        // `$..*` matches both /a and /a/b; merging into /a first leaves /a/b in place.
        let applied = apply_ok(&mut doc, &overlay(json!([{ "target": "$..*", "update": { "x": 1 } }])));
        assert_eq!(applied[0].matched, 2);
        assert_eq!(doc, json!({ "a": { "b": { "x": 1 }, "x": 1 } }));
    }

    #[test]
    fn update_object_into_scalar_target_is_error_at_update() {
        let mut doc = spec();
        let before = doc.clone();
        let errors = apply_err(&mut doc, &overlay(json!([{ "target": "$.info.title", "update": { "a": 1 } }])));
        assert_eq!(places(&errors), ["/actions/0/update"]);
        assert!(errors[0].message.contains("/info/title"), "{}", errors[0].message);
        assert!(errors[0].message.contains("update its parent"), "{}", errors[0].message);
        assert_eq!(doc, before, "an incompatible action changes nothing");
    }

    #[test]
    fn update_scalar_into_object_target_is_error_and_skips_all_matches() {
        let mut doc = json!({ "a": { "k": 1 }, "b": 2 });
        let errors = apply_err(&mut doc, &overlay(json!([{ "target": "$['b','a']", "update": 5 }])));
        assert_eq!(places(&errors), ["/actions/0/update"]);
        assert!(errors[0].message.contains("cannot update /a"), "{}", errors[0].message);
        assert_eq!(doc, json!({ "a": { "k": 1 }, "b": 2 }));
    }

    // -- remove --------------------------------------------------------------------

    #[test]
    fn remove_deletes_object_member_preserving_order_of_the_rest() {
        let mut doc = json!({ "a": 1, "b": 2, "c": 3 });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$.b", "remove": true }])));
        let keys: Vec<&String> = doc.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(keys, ["a", "c"]);
    }

    #[test]
    fn remove_and_update_keys_containing_tilde_slash_and_empty_name() {
        let mut doc = json!({ "~1/x": 1, "a~0": { "": 2 }, "keep": 3 });
        let o = overlay(json!([
            { "target": "$['~1/x']", "remove": true },
            { "target": "$['a~0']['']", "update": 5 },
            { "target": "$['a~0']", "update": { "~": 6 } }
        ]));
        apply_ok(&mut doc, &o);
        assert_eq!(doc, json!({ "a~0": { "": 5, "~": 6 }, "keep": 3 }));
        apply_ok(&mut doc, &overlay(json!([{ "target": "$['a~0']['']", "remove": true }])));
        assert_eq!(doc, json!({ "a~0": { "~": 6 }, "keep": 3 }));
    }

    #[test]
    fn remove_path_item_with_slash_key() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.paths['/agents/{agentName}'].delete", "remove": true }]));
        apply_ok(&mut doc, &o);
        assert_eq!(
            doc["paths"]["/agents/{agentName}"],
            json!({ "get": { "operationId": "getAgent", "summary": "Get" } })
        );
    }

    #[test]
    fn remove_deletes_array_elements_from_highest_index_down() {
        let mut doc = json!({ "xs": [0, 1, 2, 3, 4, 5] });
        let o = overlay(json!([{ "target": "$.xs[?@ == 0 || @ == 2 || @ == 3 || @ == 5]", "remove": true }]));
        let applied = apply_ok(&mut doc, &o);
        assert_eq!(applied[0].matched, 4);
        assert_eq!(doc, json!({ "xs": [1, 4] }));
    }

    #[test]
    fn remove_union_or_reversed_slice_removes_each_element_once() {
        // JSONPath lists `[4, 0, 4, 2]` as written, duplicate included; removing in that
        // order would shift the indexes still to remove.
        let mut doc = json!({ "xs": [0, 1, 2, 3, 4, 5] });
        let applied = apply_ok(&mut doc, &overlay(json!([{ "target": "$.xs[4, 0, 4, 2]", "remove": true }])));
        assert_eq!(applied[0].matched, 3);
        assert_eq!(doc, json!({ "xs": [1, 3, 5] }));
        let mut doc = json!({ "xs": [0, 1, 2, 3, 4, 5] });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$.xs[::-2]", "remove": true }])));
        assert_eq!(doc, json!({ "xs": [0, 2, 4] }));
    }

    #[test]
    fn remove_with_nested_matches_removes_ancestor_cleanly() {
        let mut doc = json!({ "a": { "x": { "x": 1 } }, "b": [{ "x": 2 }, { "x": 3 }] });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$..x", "remove": true }])));
        assert_eq!(doc, json!({ "a": {}, "b": [{}, {}] }));
        let mut doc = json!({ "a": [[1, 2], [3]] });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$..*", "remove": true }])));
        assert_eq!(doc, json!({}));
    }

    #[test]
    fn remove_filtered_operations() {
        let mut doc = spec();
        let o = overlay(json!([{ "target": "$.paths.*[?@['x-internal'] == true]", "remove": true }]));
        apply_ok(&mut doc, &o);
        assert!(doc["paths"]["/agents/{agentName}"].get("delete").is_none());
        assert!(doc["paths"]["/agents/{agentName}"].get("get").is_some());
    }

    #[test]
    fn remove_root_is_error_at_target() {
        let mut doc = json!({ "a": 1 });
        let errors = apply_err(&mut doc, &overlay(json!([{ "target": "$", "remove": true }])));
        assert_eq!(places(&errors), ["/actions/0/target"]);
        assert!(errors[0].message.contains("root"));
        assert_eq!(doc, json!({ "a": 1 }));
    }

    // -- ordering and reporting ------------------------------------------------------

    #[test]
    fn actions_apply_in_order_against_the_modified_document() {
        let mut doc = json!({ "paths": {} });
        let o = overlay(json!([
            { "target": "$.paths", "update": { "/new": { "get": { "summary": "s" } } } },
            { "target": "$.paths['/new'].get", "update": { "operationId": "newOp" } },
            { "target": "$.paths['/new'].get.summary", "remove": true },
            { "target": "$.paths['/new'].get.summary", "update": "gone" }
        ]));
        let errors = apply_err(&mut doc, &o);
        assert_eq!(places(&errors), ["/actions/3"], "the 4th action sees the removal by the 3rd");
        assert_eq!(doc, json!({ "paths": { "/new": { "get": { "operationId": "newOp" } } } }));
    }

    #[test]
    fn applied_actions_report_index_target_and_match_count() {
        let mut doc = spec();
        let o = overlay(json!([
            { "target": "$..operationId", "update": "x" },
            { "target": "$.tags[0]", "remove": true, "description": "drop the tag" }
        ]));
        assert_eq!(
            apply_ok(&mut doc, &o),
            vec![
                AppliedAction { index: 0, target: "$..operationId".into(), matched: 3 },
                AppliedAction { index: 1, target: "$.tags[0]".into(), matched: 1 },
            ]
        );
    }

    #[test]
    fn stale_target_is_error_naming_target_and_action() {
        let mut doc = spec();
        let target = "$.paths['/voices'].get";
        let errors = apply_err(
            &mut doc,
            &overlay(json!([
                { "target": "$.info", "update": { "x": 1 } },
                { "target": target, "update": { "summary": "s" } }
            ])),
        );
        assert_eq!(errors.len(), 1);
        let d = &errors[0];
        assert_eq!((d.file.as_str(), d.pointer.as_str()), (FILE, "/actions/1"));
        assert!(d.message.contains(target) && d.message.contains("matched nothing"), "{}", d.message);
        assert_eq!(doc["info"]["x"], json!(1), "the document may be partially modified");
    }

    #[test]
    fn stale_remove_target_is_error_too() {
        let mut doc = spec();
        let errors = apply_err(&mut doc, &overlay(json!([{ "target": "$.paths.*[?@.deprecated]", "remove": true }])));
        assert_eq!(places(&errors), ["/actions/0"]);
        assert!(errors[0].message.contains("matched nothing"));
    }

    #[test]
    fn invalid_jsonpath_is_error_at_target() {
        let mut doc = spec();
        let errors = apply_err(&mut doc, &overlay(json!([{ "target": "$.paths['/a'", "remove": true }])));
        assert_eq!(places(&errors), ["/actions/0/target"]);
        assert!(errors[0].message.contains("position 12"), "{}", errors[0].message);
        let errors = apply_err(&mut doc, &overlay(json!([{ "target": "paths", "remove": true }])));
        assert_eq!(places(&errors), ["/actions/0/target"]);
    }

    #[test]
    fn every_bad_and_stale_action_is_reported_at_once() {
        let mut doc = spec();
        let o = json!({
            "overlay": "2.0.0",
            "info": { "title": "t" },
            "actions": [
                { "target": "$.nope", "update": {} },
                { "target": "$.info", "update": { "ok": true } },
                { "update": {} },
                { "target": "$[", "remove": true },
                { "target": "$.gone", "remove": true },
                "not an action",
                { "target": "$.info", "update": {}, "remove": true }
            ]
        });
        let errors = apply_err(&mut doc, &o);
        assert_eq!(
            places(&errors),
            [
                "/overlay",
                "/info/version",
                "/actions/0",
                "/actions/2/target",
                "/actions/3/target",
                "/actions/4",
                "/actions/5",
                "/actions/6"
            ]
        );
        assert!(errors.iter().all(|d| d.file == FILE));
        assert_eq!(doc["info"]["ok"], json!(true), "valid actions still ran");
    }

    #[test]
    fn diagnostics_display_with_file_and_pointer() {
        let mut doc = spec();
        let Err(d) = apply(&mut doc, &overlay(json!([{ "target": "$.x", "remove": true }])), FILE) else {
            panic!("stale target should fail");
        };
        let shown = d.to_string();
        assert!(shown.starts_with("error: overlays/agents.yaml#/actions/0: target \"$.x\" matched nothing"), "{shown}");
    }

    // -- malformed overlay documents ---------------------------------------------------

    #[test]
    fn overlay_must_be_an_object() {
        let errors = apply_err(&mut spec(), &json!(["actions"]));
        assert_eq!(places(&errors), [""]);
        assert!(errors[0].message.contains("must be an object"));
    }

    #[test]
    fn overlay_version_is_required_and_must_be_1x_string() {
        let mut o = overlay(json!([{ "target": "$.info", "update": {} }]));
        let cases = [
            (json!("1.0.0"), None),
            (json!("1.1.0"), None),
            (json!("2.0.0"), Some("unsupported overlay version")),
            (json!("1"), Some("unsupported overlay version")),
            (json!(1.0), Some("quote it")),
            (json!(true), Some("must be a version string")),
        ];
        for (version, problem) in cases {
            o["overlay"] = version.clone();
            match (apply(&mut spec(), &o, FILE), problem) {
                (Ok(_), None) => {}
                (Err(d), Some(problem)) => {
                    assert_eq!(places(&d.0), ["/overlay"], "{version}");
                    assert!(d.0[0].message.contains(problem), "{version}: {}", d.0[0].message);
                }
                (result, _) => panic!("{version}: unexpected {result:?}"),
            }
        }
        if let Some(fields) = o.as_object_mut() {
            fields.remove("overlay");
        }
        let errors = apply_err(&mut spec(), &o);
        assert_eq!(places(&errors), ["/overlay"]);
        assert!(errors[0].message.contains("missing required field `overlay`"));
    }

    #[test]
    fn info_needs_string_title_and_version() {
        let actions = json!([{ "target": "$.info", "update": {} }]);
        let mut o = overlay(actions);
        o["info"] = json!({ "title": 3, "version": 1.0 });
        assert_eq!(places(&apply_err(&mut spec(), &o)), ["/info/title", "/info/version"]);
        o["info"] = json!({});
        assert_eq!(places(&apply_err(&mut spec(), &o)), ["/info/title", "/info/version"]);
        o["info"] = json!("t");
        assert_eq!(places(&apply_err(&mut spec(), &o)), ["/info"]);
        if let Some(fields) = o.as_object_mut() {
            fields.remove("info");
        }
        assert_eq!(places(&apply_err(&mut spec(), &o)), ["/info"]);
    }

    #[test]
    fn actions_must_be_a_non_empty_array() {
        let errors = apply_err(&mut spec(), &overlay(json!([])));
        assert_eq!(places(&errors), ["/actions"]);
        assert!(errors[0].message.contains("at least one"));
        assert_eq!(places(&apply_err(&mut spec(), &overlay(json!({ "target": "$" })))), ["/actions"]);
        let mut o = overlay(json!([]));
        if let Some(fields) = o.as_object_mut() {
            fields.remove("actions");
        }
        assert_eq!(places(&apply_err(&mut spec(), &o)), ["/actions"]);
    }

    #[test]
    fn action_must_be_an_object() {
        let errors = apply_err(&mut spec(), &overlay(json!([{ "target": "$.info", "update": {} }, 42])));
        assert_eq!(places(&errors), ["/actions/1"]);
        assert!(errors[0].message.contains("found a number"));
    }

    #[test]
    fn action_target_is_required_and_must_be_string() {
        let errors = apply_err(&mut spec(), &overlay(json!([{ "update": {} }, { "target": ["$"], "update": {} }])));
        assert_eq!(places(&errors), ["/actions/0/target", "/actions/1/target"]);
        assert!(errors[0].message.contains("missing required field `target`"));
        assert!(errors[1].message.contains("found an array"));
    }

    #[test]
    fn action_needs_exactly_one_of_update_or_remove_true() {
        let errors = apply_err(
            &mut spec(),
            &overlay(json!([
                { "target": "$.info", "update": {}, "remove": true },
                { "target": "$.info" },
                { "target": "$.info", "remove": false },
                { "target": "$.info", "remove": "yes" }
            ])),
        );
        assert_eq!(places(&errors), ["/actions/0", "/actions/1", "/actions/2", "/actions/3/remove"]);
        assert!(errors[0].message.contains("both"));
        assert!(errors[1].message.contains("exactly one"));
    }

    #[test]
    fn update_with_remove_false_is_an_update() {
        let mut doc = json!({ "a": {} });
        apply_ok(&mut doc, &overlay(json!([{ "target": "$.a", "update": { "b": 1 }, "remove": false }])));
        assert_eq!(doc, json!({ "a": { "b": 1 } }));
    }

    #[test]
    fn action_description_must_be_string_and_copy_is_rejected() {
        let errors = apply_err(
            &mut spec(),
            &overlay(json!([
                { "target": "$.info", "update": {}, "description": 5 },
                { "target": "$.info", "copy": "$.paths" }
            ])),
        );
        assert_eq!(places(&errors), ["/actions/0/description", "/actions/1/copy", "/actions/1"]);
        assert!(errors[1].message.contains("not supported"));
    }

    #[test]
    fn invalid_action_is_skipped_without_touching_the_document() {
        let mut doc = json!({ "a": { "b": 1 } });
        let o = overlay(json!([{ "target": "$.a.b", "remove": true, "description": false }]));
        apply_err(&mut doc, &o);
        assert_eq!(doc, json!({ "a": { "b": 1 } }));
    }

    #[test]
    fn extensions_and_extends_are_ignored() {
        let mut doc = json!({ "a": {} });
        let mut o = overlay(json!([{ "target": "$.a", "update": { "b": 1 }, "x-note": "why" }]));
        o["extends"] = json!("https://example.com/openapi.yaml");
        o["x-owner"] = json!("team");
        apply_ok(&mut doc, &o);
        assert_eq!(doc, json!({ "a": { "b": 1 } }));
    }

    #[test]
    fn yaml_overlay_applies_end_to_end() {
        let mut doc = spec();
        let o = yaml(
            r#"
overlay: 1.0.0
info:
  title: Fix vendor spec
  version: 0.1.0
actions:
  - target: $.paths['/agents/{agentName}'].get
    description: Vendor forgot the description.
    update:
      description: Fetch one agent.
      responses:
        '404':
          description: Not found
  - target: $.paths.*[?@.x-internal == true]
    remove: true
  - target: $.components.schemas.Agent.required
    update: voice
"#,
        );
        let applied = apply_ok(&mut doc, &o);
        assert_eq!(applied.iter().map(|a| a.matched).collect::<Vec<_>>(), [1, 1, 1]);
        let get = &doc["paths"]["/agents/{agentName}"]["get"];
        assert_eq!(get["description"], json!("Fetch one agent."));
        assert_eq!(get["responses"]["404"]["description"], json!("Not found"));
        assert!(doc["paths"]["/agents/{agentName}"].get("delete").is_none());
        assert_eq!(doc["components"]["schemas"]["Agent"]["required"], json!(["name", "voice"]));
    }
}
