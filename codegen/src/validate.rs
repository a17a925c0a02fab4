//! Stage 2: checks on the loaded document that need the whole of it at once. Each problem is
//! a diagnostic with the file and JSON pointer; all of them are reported, not just the first.

use crate::diagnostic::Diagnostic;
use crate::load::Loaded;
use crate::pointer;
use crate::resolve::{alias_of, RefError, Resolver};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every problem found in the document.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let mut refs = RefCheck {
        file: &loaded.file,
        resolver: Resolver::new(&loaded.document, &loaded.spec),
        cycles: BTreeSet::new(),
        out: Vec::new(),
    };
    refs.walk(&loaded.document, &mut Vec::new());
    let mut out = refs.out;
    check_servers(loaded, &mut out);
    out
}

/// Every `$ref` must be local and resolve, and no chain of aliases may loop.
struct RefCheck<'a> {
    file: &'a str,
    resolver: Resolver<'a>,
    /// The members of every cycle reported so far, so each is reported once.
    cycles: BTreeSet<BTreeSet<String>>,
    out: Vec<Diagnostic>,
}

impl RefCheck<'_> {
    fn walk(&mut self, node: &Value, path: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(r) = alias_of(node) {
                    self.check(r, path);
                }
                for (k, v) in map {
                    // Examples are data, not schema: a `$ref` key inside one is just a value.
                    let in_examples = path.len() >= 2 && path[path.len() - 2] == "examples";
                    if k == "example" || (k == "value" && in_examples) {
                        continue;
                    }
                    path.push(k.clone());
                    self.walk(v, path);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(i.to_string());
                    self.walk(v, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Checks the reference `r` held by the node at `path`.
    fn check(&mut self, r: &str, path: &[String]) {
        let at = pointer::append(&pointer::join(path), "$ref");
        let target = match self.resolver.locate(r) {
            Ok(target) => target,
            Err(e) => {
                self.out.push(Diagnostic::error(self.file, at, format!("$ref `{r}` {e}")));
                return;
            }
        };
        if alias_of(target.node).is_none() {
            return;
        }
        // The target is an alias too: a cycle is reported at the first of its members the
        // walk meets (document order), with the chain starting there.
        let here = format!("#{}", pointer::join(path));
        if let Err(e @ RefError::Cycle(_)) = self.resolver.follow(&here) {
            let members: BTreeSet<String> = e.cycle().iter().cloned().collect();
            if e.cycle().first() == Some(&here) && self.cycles.insert(members) {
                self.out.push(Diagnostic::error(self.file, at, e.to_string()));
            }
        }
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

    #[test]
    fn each_alias_cycle_is_one_error_at_its_first_member() {
        let text = r##"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},
          "components":{"schemas":{
            "Lead":{"$ref":"#/components/schemas/A"},
            "A":{"$ref":"#/components/schemas/B"},
            "B":{"$ref":"#/components/schemas/A"},
            "Me":{"$ref":"#/components/schemas/Me"},
            "a/b":{"type":"object","properties":{"self":{"$ref":"#/components/schemas/a~1b"}}}}}}"##;
        let loaded = load(Input { file: "t.json", text, overlay: None }).expect("loads");
        let diags: Vec<String> = super::validate(&loaded).iter().map(ToString::to_string).collect();
        assert_eq!(diags, [
            "error: t.json#/components/schemas/A/$ref: $ref cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
            "error: t.json#/components/schemas/Me/$ref: $ref cycle: #/components/schemas/Me -> #/components/schemas/Me",
            "warning: t.json#/servers: no servers declared: clients must be given a base URL",
        ]);
    }
}
