//! Lookups every emitter shares: the API's types by name and the facts derived from them.

use crate::ir::*;
use std::collections::{BTreeMap, BTreeSet};

/// Lookups the emitters share.
pub(crate) struct Ctx<'a> {
    pub api: &'a Api,
    /// See [`Provenance::module_path`].
    pub module_path: &'a str,
    types: BTreeMap<&'a str, &'a TypeDef>,
}

impl<'a> Ctx<'a> {
    pub fn new(api: &'a Api, module_path: &'a str) -> Self {
        Self { api, module_path, types: api.types.iter().map(|t| (t.name.as_str(), t)).collect() }
    }

    /// The named type has a `Validate` impl (request structs and unions; enums have no rules).
    pub fn validates(&self, name: &str) -> bool {
        self.types
            .get(name)
            .is_some_and(|t| t.usage.request && matches!(t.kind, TypeKind::Struct(_) | TypeKind::Union(_)))
    }

    /// The named type.
    pub fn type_named(&self, name: &str) -> Option<&'a TypeDef> {
        self.types.get(name).copied()
    }

    /// The union named `name`, if it is one.
    pub fn union_named(&self, name: &str) -> Option<&'a Union> {
        match &self.types.get(name)?.kind {
            TypeKind::Union(u) => Some(u),
            _ => None,
        }
    }

    /// Values of this type can hold an `Upload`: a file part of a multipart body.
    pub fn contains_upload(&self, ty: &TypeRef) -> bool {
        self.contains_upload_depth(ty, 0)
    }

    fn contains_upload_depth(&self, ty: &TypeRef, depth: usize) -> bool {
        match ty {
            TypeRef::Upload => true,
            TypeRef::Array(s) if depth < 16 => self.contains_upload_depth(&s.ty, depth + 1),
            TypeRef::Named(n) if depth < 16 => match self.types.get(n.as_str()).map(|t| &t.kind) {
                Some(TypeKind::Alias(s)) => self.contains_upload_depth(&s.ty, depth + 1),
                Some(TypeKind::Union(u)) => {
                    u.variants.iter().any(|v| self.contains_upload_depth(&v.shape.ty, depth + 1))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The aliased shape, if `name` is an alias.
    pub fn alias_of(&self, name: &str) -> Option<&'a Shape> {
        match &self.types.get(name)?.kind {
            TypeKind::Alias(shape) => Some(shape),
            _ => None,
        }
    }

    /// The named type is an open string enum (it implements `Display`).
    pub fn is_enum(&self, name: &str) -> bool {
        // The IR has no alias cycles; the bound keeps this total even if it ever did.
        let mut name = name;
        for _ in 0..16 {
            match self.types.get(name).map(|t| &t.kind) {
                Some(TypeKind::Enum(_)) => return true,
                Some(TypeKind::Alias(Shape { ty: TypeRef::Named(n), .. })) => name = n,
                _ => return false,
            }
        }
        false
    }

    /// The only value of a single-value string enum type, if `ty` is one.
    pub fn single_value(&self, ty: &TypeRef) -> Option<String> {
        let TypeRef::Named(n) = ty else { return None };
        match self.types.get(n.as_str()).map(|t| &t.kind) {
            Some(TypeKind::Enum(e)) if e.variants.len() == 1 => e.variants.first().map(|v| v.wire.clone()),
            _ => None,
        }
    }

    /// Values of this shape can hold a secret field somewhere inside.
    pub fn holds_secrets(&self, ty: &TypeRef) -> bool {
        let mut seen = BTreeSet::new();
        self.holds_secrets_inner(ty, &mut seen)
    }

    fn holds_secrets_inner(&self, ty: &TypeRef, seen: &mut BTreeSet<String>) -> bool {
        match ty {
            TypeRef::Array(s) | TypeRef::Map(s) | TypeRef::Nullable(s) => self.holds_secrets_inner(&s.ty, seen),
            TypeRef::Named(n) if seen.insert(n.clone()) => match self.types.get(n.as_str()).map(|t| &t.kind) {
                Some(TypeKind::Struct(s)) => {
                    s.fields.iter().any(|f| f.sensitive || self.holds_secrets_inner(&f.shape.ty, seen))
                }
                Some(TypeKind::Union(u)) => u.variants.iter().any(|v| self.holds_secrets_inner(&v.shape.ty, seen)),
                Some(TypeKind::Alias(s)) => self.holds_secrets_inner(&s.ty, seen),
                _ => false,
            },
            _ => false,
        }
    }

    /// The named type is marked `deprecated`.
    pub fn is_deprecated_type(&self, name: &str) -> bool {
        self.types.get(name).is_some_and(|t| t.deprecated)
    }

    /// The type implements `ErrorBody`.
    pub fn is_error_body(&self, name: &str) -> bool {
        matches!(self.types.get(name).map(|t| &t.kind), Some(TypeKind::Struct(Struct { error_accessors: Some(_), .. })))
    }

    /// Whether values of this shape need any check before sending.
    pub fn needs_check(&self, shape: &Shape) -> bool {
        self.needs_check_depth(shape, 0)
    }

    fn needs_check_depth(&self, shape: &Shape, depth: usize) -> bool {
        if !shape.constraints.is_empty() {
            return true;
        }
        match &shape.ty {
            TypeRef::Named(n) => match self.types.get(n.as_str()) {
                Some(TypeDef { kind: TypeKind::Alias(s), .. }) if depth < 16 => self.needs_check_depth(s, depth + 1),
                Some(TypeDef { kind: TypeKind::Struct(_) | TypeKind::Union(_), usage, .. }) => usage.request,
                _ => false,
            },
            TypeRef::Array(s) | TypeRef::Map(s) | TypeRef::Nullable(s) => self.needs_check_depth(s, depth + 1),
            _ => false,
        }
    }
}

/// An identifier token (raw when it is a keyword).
pub(crate) fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
    }
}
