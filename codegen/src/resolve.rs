//! The one `$ref` resolver. Every stage that follows references (validate, the IR builder,
//! the 3.1 reader) goes through it, so they agree on what a reference means:
//!
//! - only local references (`#/...`) resolve; tokens are unescaped (`~1`, `~0`) by
//!   [`crate::pointer`];
//! - a chain of pure aliases (an object whose `$ref` is a string, which is what `openapiv3`
//!   reads as a `Reference`) is followed with a visited set, so `A -> B -> A` is a
//!   [`RefError::Cycle`] naming the chain instead of a loop that never ends;
//! - recursion *through* schemas (properties, items, `allOf`...) is not a chain: the resolver
//!   never looks inside the node it reaches.
//!
//! Typed lookups ([`Resolver::component`]) follow the chain in the JSON document the typed
//! spec was read from, then take the typed entry of `components.<section>` it ends at.

use crate::pointer;
use indexmap::IndexMap;
use openapiv3::{Components, OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// Why a reference does not lead to what the caller needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// Not a local reference: another document.
    External,
    /// Local, but nothing is there (or the fragment is not a JSON pointer).
    Dangling,
    /// The references in the chain, in order; the last one repeats an earlier one.
    Cycle(Vec<String>),
    /// Resolves, but not to an entry of the named `components` section.
    NotA(&'static str),
}

impl RefError {
    /// The references that form the loop of a [`RefError::Cycle`] (the chain without any
    /// lead-in), closed: `[A, B, A]`. Empty for other errors.
    pub fn cycle(&self) -> &[String] {
        match self {
            Self::Cycle(chain) => {
                let Some(last) = chain.last() else { return &[] };
                let start = chain.iter().position(|r| r == last).unwrap_or(0);
                &chain[start..]
            }
            _ => &[],
        }
    }
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::External => f.write_str("is external; only local references are supported"),
            Self::Dangling => f.write_str("does not resolve"),
            Self::Cycle(_) => write!(f, "$ref cycle: {}", self.cycle().join(" -> ")),
            Self::NotA(what) => write!(f, "does not resolve to {what}"),
        }
    }
}

/// Where a reference (chain) ends.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The unescaped tokens of the final node.
    pub tokens: Vec<String>,
    /// The final node.
    pub node: &'a Value,
}

impl Target<'_> {
    /// The final node's JSON pointer.
    pub fn pointer(&self) -> String {
        pointer::join(&self.tokens)
    }
}

/// A typed `components` entry a reference resolved to.
#[derive(Debug, Clone)]
pub struct Resolved<'a, T> {
    /// The entry.
    pub item: &'a T,
    /// Its name in the section (unescaped).
    pub name: String,
    /// Its JSON pointer.
    pub pointer: String,
}

/// Typed things that live in a `components` section.
pub trait Component: Sized + 'static {
    /// The section's key (`schemas`).
    const SECTION: &'static str;
    /// What the caller expected, for messages (`a schema in components.schemas`).
    const WHAT: &'static str;
    /// The section's entries.
    fn entries(components: &Components) -> &IndexMap<String, ReferenceOr<Self>>;
}

impl Component for Schema {
    const SECTION: &'static str = "schemas";
    const WHAT: &'static str = "a schema in components.schemas";
    fn entries(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.schemas
    }
}

impl Component for Parameter {
    const SECTION: &'static str = "parameters";
    const WHAT: &'static str = "a parameter";
    fn entries(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.parameters
    }
}

impl Component for Response {
    const SECTION: &'static str = "responses";
    const WHAT: &'static str = "a response";
    fn entries(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.responses
    }
}

impl Component for RequestBody {
    const SECTION: &'static str = "requestBodies";
    const WHAT: &'static str = "a request body";
    fn entries(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.request_bodies
    }
}

/// Resolves references inside one document.
#[derive(Debug, Clone, Copy)]
pub struct Resolver<'a> {
    document: &'a Value,
    components: Option<&'a Components>,
}

impl<'a> Resolver<'a> {
    /// A resolver over `document` and the typed spec read from it.
    pub fn new(document: &'a Value, spec: &'a OpenAPI) -> Self {
        Self { document, components: spec.components.as_ref() }
    }

    /// A resolver over a JSON document only (typed lookups find nothing).
    pub fn json(document: &'a Value) -> Self {
        Self { document, components: None }
    }

    /// The node `reference` names directly, without following it further.
    pub fn locate(&self, reference: &str) -> Result<Target<'a>, RefError> {
        let tokens = pointer::parse_reference(reference).map_err(|external| {
            if external {
                RefError::External
            } else {
                RefError::Dangling
            }
        })?;
        let node = pointer::get(self.document, &tokens).ok_or(RefError::Dangling)?;
        Ok(Target { tokens, node })
    }

    /// Follows `reference` through every alias (`{$ref: ...}`) to the first node that is not one.
    pub fn follow(&self, reference: &str) -> Result<Target<'a>, RefError> {
        let mut chain: Vec<String> = Vec::new();
        let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
        let mut next = reference;
        loop {
            let target = self.locate(next)?;
            // References are compared as token lists, so `~1` and `/` spellings agree.
            let shown = format!("#{}", target.pointer());
            if !seen.insert(target.tokens.clone()) {
                chain.push(shown);
                return Err(RefError::Cycle(chain));
            }
            chain.push(shown);
            match alias_of(target.node) {
                Some(r) => next = r,
                None => return Ok(target),
            }
        }
    }

    /// The `components.<section>` entry `reference` names directly, by name (no chain
    /// following: a reference to an alias names the alias).
    pub fn component_name<T: Component>(&self, reference: &str) -> Result<String, RefError> {
        let target = self.locate(reference)?;
        match target.tokens.as_slice() {
            [c, section, name] if c == "components" && section == T::SECTION => Ok(name.clone()),
            _ => Err(RefError::NotA(T::WHAT)),
        }
    }

    /// The typed entry of `components.<section>` the reference chain ends at.
    pub fn component<T: Component>(&self, reference: &str) -> Result<Resolved<'a, T>, RefError> {
        let target = self.follow(reference)?;
        let [c, section, name] = target.tokens.as_slice() else { return Err(RefError::NotA(T::WHAT)) };
        if c != "components" || section != T::SECTION {
            return Err(RefError::NotA(T::WHAT));
        }
        match self.components.map(T::entries).and_then(|m| m.get(name)) {
            Some(ReferenceOr::Item(item)) => Ok(Resolved { item, name: name.clone(), pointer: target.pointer() }),
            // The JSON and typed views agree on what an alias is, so this is not expected; it
            // is an error rather than a panic all the same.
            _ => Err(RefError::NotA(T::WHAT)),
        }
    }

    /// A typed entry, given either inline or as a reference, with the pointer it lives at.
    pub fn item_or_ref<T: Component>(&self, value: &'a ReferenceOr<T>, at: &str) -> Result<(&'a T, String), RefError> {
        match value {
            ReferenceOr::Item(item) => Ok((item, at.to_owned())),
            ReferenceOr::Reference { reference } => self.component::<T>(reference).map(|r| (r.item, r.pointer)),
        }
    }
}

/// The reference an alias node stands for: an object with a string `$ref`.
pub fn alias_of(node: &Value) -> Option<&str> {
    node.as_object()?.get("$ref")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"$ref": "#/components/schemas/A"},
                "Self": {"$ref": "#/components/schemas/Self"},
                "a/b": {"type": "string"},
                "Alias": {"$ref": "#/components/schemas/a~1b"},
                "Lead": {"$ref": "#/components/schemas/A"},
                "Tree": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}
            }}
        })
    }

    #[test]
    fn alias_cycles_are_errors_naming_the_chain() {
        let d = doc();
        let r = Resolver::json(&d);
        let err = r.follow("#/components/schemas/A").unwrap_err();
        assert_eq!(
            err.to_string(),
            "$ref cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
        );
        let err = r.follow("#/components/schemas/Self").unwrap_err();
        assert_eq!(err.to_string(), "$ref cycle: #/components/schemas/Self -> #/components/schemas/Self");
        // A chain leading into a cycle names the loop only.
        let err = r.follow("#/components/schemas/Lead").unwrap_err();
        assert_eq!(err.cycle(), ["#/components/schemas/A", "#/components/schemas/B", "#/components/schemas/A"]);
    }

    #[test]
    fn recursion_through_a_schema_is_not_a_chain() {
        let d = doc();
        let target = Resolver::json(&d).follow("#/components/schemas/Tree").expect("resolves");
        assert_eq!(target.pointer(), "/components/schemas/Tree");
    }

    #[test]
    fn escaped_tokens_resolve_through_aliases() {
        let d = doc();
        let r = Resolver::json(&d);
        let target = r.follow("#/components/schemas/Alias").expect("resolves");
        assert_eq!(target.tokens, ["components", "schemas", "a/b"]);
        assert_eq!(r.component_name::<Schema>("#/components/schemas/a~1b"), Ok("a/b".to_owned()));
    }

    #[test]
    fn external_dangling_and_wrong_section_are_told_apart() {
        let d = doc();
        let r = Resolver::json(&d);
        assert_eq!(r.locate("x.yaml#/A").unwrap_err(), RefError::External);
        assert_eq!(r.locate("#/components/schemas/Nope").unwrap_err(), RefError::Dangling);
        assert_eq!(r.locate("#anchor").unwrap_err(), RefError::Dangling);
        assert_eq!(
            r.component_name::<Parameter>("#/components/schemas/a~1b").unwrap_err(),
            RefError::NotA("a parameter")
        );
    }

    #[test]
    fn typed_lookups_follow_the_chain() {
        let text = r##"{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},
          "components":{"parameters":{
            "P":{"name":"p","in":"query","schema":{"type":"string"}},
            "Q":{"$ref":"#/components/parameters/P"},
            "L1":{"$ref":"#/components/parameters/L2"},
            "L2":{"$ref":"#/components/parameters/L1"}}}}"##;
        let document: Value = serde_json::from_str(text).expect("json");
        let spec: OpenAPI = serde_json::from_value(document.clone()).expect("spec");
        let r = Resolver::new(&document, &spec);
        let p = r.component::<Parameter>("#/components/parameters/Q").expect("resolves");
        assert_eq!((p.name.as_str(), p.pointer.as_str()), ("P", "/components/parameters/P"));
        assert!(matches!(r.component::<Parameter>("#/components/parameters/L1"), Err(RefError::Cycle(_))));
        assert_eq!(r.component::<Schema>("#/components/parameters/P").unwrap_err(), RefError::NotA(Schema::WHAT));
    }
}
