//! Stage 2: checks on the loaded document that need the whole of it at once. Each problem is
//! a diagnostic with the file and JSON pointer; all of them are reported, not just the first.

use crate::diagnostic::{Diagnostic, pointer};
use crate::load::Loaded;
use serde_json::Value;

/// Every problem found in the document.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_refs(&loaded.file, &loaded.document, &loaded.document, &mut Vec::new(), &mut out);
    check_servers(loaded, &mut out);
    out
}

/// Every `$ref` must be local and resolve.
fn check_refs(file: &str, root: &Value, node: &Value, path: &mut Vec<String>, out: &mut Vec<Diagnostic>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let at = pointer(path.iter().chain(std::iter::once(&"$ref".to_owned())));
                match r.strip_prefix('#') {
                    Some(target) if root.pointer(target).is_some() => {}
                    Some(_) => out.push(Diagnostic::error(file, at, format!("$ref `{r}` does not resolve"))),
                    None => out.push(Diagnostic::error(file, at, format!("$ref `{r}` is external; only local references are supported"))),
                }
            }
            for (k, v) in map {
                // Examples are data, not schema: a `$ref` key inside one is just a value.
                let in_examples = path.len() >= 2 && path[path.len() - 2] == "examples";
                if k == "example" || (k == "value" && in_examples) {
                    continue;
                }
                path.push(k.clone());
                check_refs(file, root, v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(i.to_string());
                check_refs(file, root, v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn check_servers(loaded: &Loaded, out: &mut Vec<Diagnostic>) {
    if loaded.spec.servers.is_empty() {
        out.push(Diagnostic::warning(
            &loaded.file,
            "/servers",
            "no servers declared: clients must be given a base URL",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::load::{load, Input};

    #[test]
    fn all_unresolved_refs_are_reported_with_pointers() {
        let text = r##"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},
          "components":{"schemas":{
            "A":{"type":"object","properties":{"b":{"$ref":"#/components/schemas/Missing"}}},
            "C":{"$ref":"other.json#/C"}}}}"##;
        let loaded = load(Input { file: "t.json", text, overlay: None }).expect("loads");
        let diags = super::validate(&loaded);
        let pointers: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
        assert!(pointers.contains(&"/components/schemas/A/properties/b/$ref"), "{pointers:?}");
        assert!(pointers.contains(&"/components/schemas/C/$ref"), "{pointers:?}");
    }
}
