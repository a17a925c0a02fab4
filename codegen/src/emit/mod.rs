//! Stage 4: IR -> Rust files. Tokens are built with `quote!`, parsed into a `syn::File` and
//! printed by prettyplease, one file per component schema or operation group.

mod client;
pub mod docs;
mod operations;
pub(crate) mod preamble;
mod types;

pub use preamble::{is_generated, parse_preamble, Preamble, MANIFEST};

use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::load::SourceHashes;
use crate::naming;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// What goes into the preambles: the command in every file's, the inputs in the manifest's.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The command that regenerates the file (`cargo xtask regen`).
    pub command: String,
    /// The spec's path as shown to maintainers.
    pub spec_file: String,
    /// The overlay's path, if one was applied.
    pub overlay_file: Option<String>,
    /// Hashes of spec and overlay.
    pub hashes: SourceHashes,
    /// The Rust path of the generated module as users name it (`voice_agents::pipecat_cloud`);
    /// the compiled doc examples start from it.
    pub module_path: String,
}

/// One generated file, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the API module directory, `/`-separated (`models/region.rs`).
    pub path: String,
    /// Full contents, preamble included.
    pub contents: String,
}

/// Lookups the emitters share.
pub(crate) struct Ctx<'a> {
    pub api: &'a Api,
    /// See [`Provenance::module_path`].
    pub module_path: &'a str,
    types: BTreeMap<&'a str, &'a TypeDef>,
}

impl<'a> Ctx<'a> {
    fn new(api: &'a Api, module_path: &'a str) -> Self {
        Self { api, module_path, types: api.types.iter().map(|t| (t.name.as_str(), t)).collect() }
    }

    /// The named type has a `Validate` impl (request structs and unions; enums have no rules).
    pub fn validates(&self, name: &str) -> bool {
        self.types.get(name).is_some_and(|t| t.usage.request && matches!(t.kind, TypeKind::Struct(_) | TypeKind::Union(_)))
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
        match self.types.get(name).map(|t| &t.kind) {
            Some(TypeKind::Enum(_)) => true,
            Some(TypeKind::Alias(Shape { ty: TypeRef::Named(n), .. })) => self.is_enum(n),
            _ => false,
        }
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
            TypeRef::Array(s) | TypeRef::Map(s) => self.holds_secrets_inner(&s.ty, seen),
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
            TypeRef::Array(s) | TypeRef::Map(s) => self.needs_check_depth(s, depth + 1),
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

/// Emits every file of one API module.
pub fn emit(api: &Api, provenance: &Provenance) -> Result<Vec<GeneratedFile>, Diagnostic> {
    let ctx = Ctx::new(api, &provenance.module_path);
    // A deprecated type is named by other files (fields, operations): allow it crate-side everywhere.
    let any_deprecated_type = api.types.iter().any(|t| t.deprecated);
    let mut files = Vec::new();
    let mut render = |path: String, tokens: TokenStream| -> Result<(), Diagnostic> {
        let file: syn::File = syn::parse2(tokens).map_err(|e| {
            Diagnostic::error(&provenance.spec_file, "", format!("generator bug: emitted invalid Rust for {path}: {e}"))
        })?;
        let body = space_items(&prettyplease::unparse(&file));
        files.push(GeneratedFile { contents: preamble::write(provenance, path == MANIFEST, &body), path });
        Ok(())
    };

    // Component-owned types: one file per component (nested inline types go with their owner).
    let mut by_component: BTreeMap<&str, Vec<&TypeDef>> = BTreeMap::new();
    let mut by_group: BTreeMap<&str, Vec<&TypeDef>> = BTreeMap::new();
    for t in &api.types {
        match &t.owner {
            Owner::Component(c) => by_component.entry(c.as_str()).or_default().push(t),
            Owner::Group(g) => by_group.entry(g.as_str()).or_default().push(t),
        }
    }
    // `mod.rs` is the index of each directory: no schema or group may take that file name.
    let mut model_files = naming::Scope::with_reserved(&["mod"]);
    let mut model_mods = Vec::new();
    for (component, defs) in &by_component {
        let module = model_files.claim_ident(naming::snake_name(component));
        let items: Vec<TokenStream> = defs.iter().map(|d| types::type_def(&ctx, d)).collect();
        let defined: BTreeSet<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        let imports = imports(&defined, defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind)), false);
        let doc = docs::inner_attrs(&format!("The `{component}` schema and the types nested in it."));
        let allow = file_allows(any_deprecated_type || defs.iter().any(|d| type_mentions_deprecated(d)));
        render(format!("models/{}.rs", module.text), quote! { #doc #allow #imports #( #items )* })?;
        model_mods.push(module);
    }
    let mod_idents: Vec<_> = model_mods.iter().map(|m| ident(&m.rust())).collect();
    render(
        "models/mod.rs".to_owned(),
        quote! {
            //! Data types from `components.schemas`, one file per schema.
            #( mod #mod_idents; pub use #mod_idents::*; )*
        },
    )?;

    // Operations, grouped by tag or first path segment, with the inline types they own.
    let mut groups: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        groups.entry(op.group.as_str()).or_default().push(op);
    }
    let mut group_files = naming::Scope::with_reserved(&["mod"]);
    let mut group_mods = Vec::new();
    for (group, ops) in &groups {
        let module = group_files.claim_ident(naming::snake_name(group));
        let defs = by_group.get(group).cloned().unwrap_or_default();
        let type_items: Vec<TokenStream> = defs.iter().map(|d| types::type_def(&ctx, d)).collect();
        let op_items: Vec<TokenStream> = ops.iter().map(|op| operations::operation(&ctx, op)).collect();
        let defined: BTreeSet<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        let mentioned = defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind)).chain(ops.iter().flat_map(|op| op_referenced(op)));
        let imports = imports(&defined, mentioned, true);
        let doc = docs::inner_attrs(&format!("Operations of the `{group}` group and their inline types."));
        let deprecated = defs.iter().any(|d| type_mentions_deprecated(d)) || ops.iter().any(|o| o.deprecated || o.params.iter().any(|p| p.deprecated));
        let allow = file_allows(any_deprecated_type || deprecated);
        render(format!("operations/{}.rs", module.text), quote! { #doc #allow #imports #( #type_items )* #( #op_items )* })?;
        group_mods.push(module);
    }
    let group_idents: Vec<_> = group_mods.iter().map(|m| ident(&m.rust())).collect();
    render(
        "operations/mod.rs".to_owned(),
        quote! {
            //! One file per operation group: request builders, `Client` methods, inline types.
            #( mod #group_idents; pub use #group_idents::*; )*
        },
    )?;

    render("client.rs".to_owned(), client::client(api))?;
    render("mod.rs".to_owned(), root(api, provenance, !model_mods.is_empty(), !group_mods.is_empty()))?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// prettyplease puts top-level items right after each other; a blank line between them reads
/// like hand-written code.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev_closed_item = false;
    for line in text.lines() {
        let starts_item = !line.is_empty() && !line.starts_with([' ', '}', ')', ']']);
        if prev_closed_item && starts_item {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev_closed_item = line == "}"
            || line == "};"
            || (!line.starts_with(' ') && line.ends_with("{}"))
            || (line.ends_with(';') && !line.starts_with(' ') && !line.starts_with("//"));
    }
    out
}

fn file_allows(deprecated: bool) -> TokenStream {
    // Deprecated fields are still (de)serialized and set by generated code; users get the
    // warning at their own use sites, the generated crate does not.
    if deprecated {
        quote!(#![allow(deprecated)])
    } else {
        quote!()
    }
}

fn type_mentions_deprecated(def: &TypeDef) -> bool {
    def.deprecated || matches!(&def.kind, TypeKind::Struct(s) if s.fields.iter().any(|f| f.deprecated))
}

fn imports(defined: &BTreeSet<&str>, mentioned: impl Iterator<Item = String>, with_client: bool) -> TokenStream {
    let mut names: BTreeSet<String> = mentioned.filter(|n| !defined.contains(n.as_str())).collect();
    if with_client {
        names.insert("Client".to_owned());
    }
    if names.is_empty() {
        return quote!();
    }
    let idents = names.iter().map(|n| ident(n));
    quote!( use super::super::{ #( #idents ),* }; )
}

fn op_referenced(op: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    for p in &op.params {
        crate::ir::collect_names(&p.shape.ty, &mut out);
    }
    if let Some(b) = &op.body {
        crate::ir::collect_names(&b.shape.ty, &mut out);
    }
    for r in &op.responses {
        if let Some(s) = &r.body {
            crate::ir::collect_names(&s.ty, &mut out);
        }
    }
    match &op.output {
        Output::Single(s) | Output::Optional(s) => crate::ir::collect_names(&s.ty, &mut out),
        Output::PerStatus { variants, .. } => {
            for s in variants.iter().filter_map(|(_, _, b)| b.as_ref()) {
                crate::ir::collect_names(&s.ty, &mut out);
            }
        }
        Output::Unit => {}
    }
    if let Some(p) = &op.pagination {
        crate::ir::collect_names(&p.item.ty, &mut out);
    }
    out
}

fn root(api: &Api, provenance: &Provenance, has_models: bool, has_operations: bool) -> TokenStream {
    let mut text = format!("# {} (API version {})", docs::sanitize(&api.title), docs::sanitize(&api.version));
    if let Some(d) = &api.description {
        text.push_str("\n\n");
        text.push_str(&docs::sanitize(d));
    }
    text.push_str(&format!(
        "\n\nGenerated from `{}`{} by `{}`. Start with [`Client::builder`].",
        provenance.spec_file,
        provenance.overlay_file.as_deref().map(|o| format!(" with overlay `{o}`")).unwrap_or_default(),
        provenance.command
    ));
    text.push_str("\n\nServers:");
    for (i, s) in api.servers.iter().enumerate() {
        let desc = if s.description.is_empty() { String::new() } else { format!(" ({})", s.description) };
        text.push_str(&format!("\n- `{}`{desc}{}", s.url, if i == 0 { " — default" } else { "" }));
    }
    let doc = docs::trusted_inner_attrs(&text);
    let models = has_models.then(|| quote!(pub use models::*;));
    let operations = has_operations.then(|| quote!(pub use operations::*;));
    quote! {
        #doc
        mod client;
        pub mod models;
        pub mod operations;
        pub use client::{Client, ClientBuilder};
        #models
        #operations
    }
}
