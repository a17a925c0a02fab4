//! Stage 4: IR -> Rust files. Tokens are built with `quote!`, parsed into a `syn::File` and
//! printed by prettyplease, one file per component schema or operation group.

mod client;
mod ctx;
pub mod docs;
mod events;
mod operations;
pub(crate) mod preamble;
mod provenance;
mod types;
mod webhooks;

pub use provenance::{GeneratedFile, Provenance};

pub use preamble::{is_generated, parse_preamble, Preamble, MANIFEST};

use crate::diagnostic::Diagnostic;
use ctx::{ident, Ctx};
use crate::ir::*;
use crate::naming;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// Emits every file of one API module.
pub fn emit(api: &Api, provenance: &Provenance) -> Result<Vec<GeneratedFile>, Diagnostic> {
    let ctx = Ctx::new(api, &provenance.module_path);
    // Files that name a deprecated type (in a field, an import, an operation) allow it; no other.
    let deprecated_types: BTreeSet<&str> = api.types.iter().filter(|t| t.deprecated).map(|t| t.name.as_str()).collect();
    let names_deprecated = |names: &mut dyn Iterator<Item = String>| names.filter(|n| deprecated_types.contains(n.as_str())).count() > 0;
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
        let allow = file_allows(
            defs.iter().any(|d| type_mentions_deprecated(d))
                || names_deprecated(&mut defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind))),
        );
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
        let deprecated = defs.iter().any(|d| type_mentions_deprecated(d))
            || ops.iter().any(|o| o.deprecated || o.params.iter().any(|p| p.deprecated))
            || names_deprecated(&mut defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind)))
            || names_deprecated(&mut ops.iter().flat_map(|op| op_referenced(op)));
        let allow = file_allows(deprecated);
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

    if let Some(w) = &api.webhook_events {
        render("webhooks.rs".to_owned(), webhooks::file(&ctx, w))?;
    }
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
        Output::EventStream(events) => crate::ir::collect_event_names(events, &mut out),
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
    let webhooks = api.webhook_events.as_ref().map(|w| {
        let names = webhooks::exported(w).into_iter().map(|n| ident(&n));
        quote!(mod webhooks; pub use webhooks::{ #( #names ),* };)
    });
    quote! {
        #doc
        mod client;
        pub mod models;
        pub mod operations;
        pub use client::{Client, ClientBuilder};
        #models
        #operations
        #webhooks
    }
}
