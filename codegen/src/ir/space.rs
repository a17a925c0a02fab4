//! [`TypeSpace`]: the one owner of the types being built (after typify's `TypeSpace`). It holds
//! the type list, the name scope the types share with operation structs, the map from
//! component names to Rust names, the resolver and the diagnostics. Schema conversion
//! (`schema.rs`) and the operation builder (`build.rs`) add and look up types through it only.

use super::model::*;
use crate::diagnostic::{Diagnostic, Severity};
use crate::naming::{self, Scope};
use crate::resolve::Resolver;
use std::collections::BTreeMap;

/// The types of one API under construction.
pub(crate) struct TypeSpace<'a> {
    file: &'a str,
    resolver: Resolver<'a>,
    types: Vec<TypeDef>,
    /// Rust name -> slot in `types`.
    slots: BTreeMap<String, usize>,
    names: Scope,
    component_names: BTreeMap<String, String>,
    /// Pointers of the component schemas whose properties are being converted right now.
    expanding: Vec<String>,
    /// How deep `allOf`s over unions are being distributed (each level an alternative deeper).
    distributing: usize,
    diags: Vec<Diagnostic>,
    untyped: Vec<Untyped>,
}

impl<'a> TypeSpace<'a> {
    /// An empty space; names the generated module or the prelude use are taken already.
    pub(crate) fn new(file: &'a str, resolver: Resolver<'a>) -> Self {
        Self {
            file,
            resolver,
            types: Vec::new(),
            slots: BTreeMap::new(),
            names: Scope::with_reserved(naming::RESERVED_TYPE_NAMES),
            component_names: BTreeMap::new(),
            expanding: Vec::new(),
            distributing: 0,
            diags: Vec::new(),
            untyped: Vec::new(),
        }
    }

    /// The resolver of the document the types come from.
    pub(crate) fn resolver(&self) -> Resolver<'a> {
        self.resolver
    }

    /// Records a warning at `at`. A warning that a schema falls back to free-form JSON is an
    /// entry of the untyped report too.
    pub(crate) fn warn(&mut self, at: &str, message: &str) {
        if message.contains("free-form JSON") {
            self.untyped(at, message);
        }
        self.diags.push(Diagnostic::warning(self.file, at, message));
    }

    /// Records that the schema at `at` is typed as free-form JSON, and why.
    pub(crate) fn untyped(&mut self, at: &str, reason: &str) {
        self.untyped.push(Untyped { pointer: at.to_owned(), reason: reason.to_owned() });
    }

    /// Enters one more level of distributing an `allOf` over a union's alternatives; `false`
    /// (and nothing entered) past a depth no real spec needs, where the alternatives recurse.
    pub(crate) fn enter_distribution(&mut self) -> bool {
        if self.distributing >= 8 {
            return false;
        }
        self.distributing += 1;
        true
    }

    /// Ends the innermost [`Self::enter_distribution`].
    pub(crate) fn leave_distribution(&mut self) {
        self.distributing = self.distributing.saturating_sub(1);
    }

    /// Records an error at `at`.
    pub(crate) fn error(&mut self, at: &str, message: &str) {
        self.diags.push(Diagnostic::error(self.file, at, message));
    }

    /// True once any error is recorded.
    pub(crate) fn failed(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }

    /// Claims a unique Rust type name for an OpenAPI name (types and operation structs share
    /// the module namespace, so both claim here).
    pub(crate) fn claim_type_name(&mut self, base: &str) -> String {
        self.names.claim(&naming::type_name(base))
    }

    /// True when a type (or operation builder) has this Rust name already.
    pub(crate) fn name_taken(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// Claims the Rust name of a `components.schemas` entry, before any type is built, so that
    /// references (and cycles) between components resolve to names.
    pub(crate) fn declare_component(&mut self, spec_name: &str) -> String {
        let rust = self.claim_type_name(spec_name);
        self.component_names.insert(spec_name.to_owned(), rust.clone());
        rust
    }

    /// The Rust name of a `components.schemas` entry.
    pub(crate) fn component_type(&self, spec_name: &str) -> Option<&str> {
        self.component_names.get(spec_name).map(String::as_str)
    }

    /// Marks the component schema at `pointer` as being converted (until [`Self::leave`]).
    pub(crate) fn enter(&mut self, pointer: &str) {
        self.expanding.push(pointer.to_owned());
    }

    /// Ends the innermost [`Self::enter`].
    pub(crate) fn leave(&mut self) {
        self.expanding.pop();
    }

    /// The component schema at `pointer` is being converted: converting it again from inside
    /// would not end.
    pub(crate) fn is_expanding(&self, pointer: &str) -> bool {
        self.expanding.iter().any(|p| p == pointer)
    }

    /// Adds a type; returns its slot so its kind can be filled in after its children.
    pub(crate) fn push_type(&mut self, def: TypeDef) -> usize {
        let slot = self.types.len();
        // Names are claimed unique; should one repeat, the first keeps the lookup.
        self.slots.entry(def.name.clone()).or_insert(slot);
        self.types.push(def);
        slot
    }

    /// Fills in the kind of the type in `slot`.
    pub(crate) fn set_kind(&mut self, slot: usize, kind: TypeKind) {
        if let Some(t) = self.types.get_mut(slot) {
            t.kind = kind;
        }
    }

    /// The type named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&TypeDef> {
        self.slots.get(name).and_then(|&i| self.types.get(i))
    }

    /// The type named `name`, to change it.
    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut TypeDef> {
        self.slots.get(name).and_then(|&i| self.types.get_mut(i))
    }

    /// The struct `name` is, directly or through aliases.
    pub(crate) fn struct_named(&self, name: &str) -> Option<&Struct> {
        let mut current = name;
        // An alias chain visits each type at most once; a longer one is a cycle.
        for _ in 0..=self.types.len() {
            match &self.get(current)?.kind {
                TypeKind::Struct(s) => return Some(s),
                TypeKind::Alias(Shape { ty: TypeRef::Named(n), .. }) => current = n,
                _ => return None,
            }
        }
        None
    }

    /// All types, for the passes that rewrite them in place.
    pub(crate) fn types_mut(&mut self) -> &mut [TypeDef] {
        &mut self.types
    }

    /// The types, every diagnostic recorded and the untyped report.
    pub(crate) fn finish(self) -> (Vec<TypeDef>, Vec<Diagnostic>, Vec<Untyped>) {
        (self.types, self.diags, self.untyped)
    }
}
