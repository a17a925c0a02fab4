//! Stage 4: IR -> Rust files. Tokens are built with `quote!`, parsed into a `syn::File` and
//! printed by prettyplease, one file per component schema or operation group.

mod client;
mod ctx;
pub mod docs;
mod events;
mod layout;
mod mock;
mod operations;
pub(crate) mod preamble;
mod provenance;
mod types;
mod usage;
mod webhooks;

pub use provenance::{GeneratedFile, Provenance};

pub use preamble::{is_generated, parse_preamble, Preamble, MANIFEST};

/// A generated file that belongs to no one API module (a test table `cargo xtask regen` writes
/// beside them): `body` behind the preamble every generated file has, so the drift check tells
/// it stale or edited by hand like the others.
pub fn standalone_file(command: &str, body: &str) -> String {
    let provenance = Provenance {
        command: command.to_owned(),
        spec_file: String::new(),
        overlay_file: None,
        hashes: crate::load::SourceHashes { spec: String::new(), overlay: None },
        module_path: String::new(),
    };
    preamble::write(&provenance, false, body)
}

use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::naming;
use ctx::{ident, Ctx};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// Stack size of the threads that render files (see `emit`).
const EMIT_STACK: usize = 64 << 20;

/// One file to write, decided up front so that files can be rendered in parallel.
enum Job<'a> {
    /// A component schema and the inline types nested in it.
    Model { path: String, component: &'a str, defs: Vec<&'a TypeDef> },
    /// An operation group with its inline types.
    Group { path: String, group: &'a str, ops: Vec<&'a Operation>, defs: Vec<&'a TypeDef> },
    /// A directory's `mod.rs`: its doc and its modules, each re-exported.
    Index { path: String, doc: &'static str, mods: Vec<naming::Ident> },
    /// `webhooks.rs`: the events the API sends and how to verify them.
    Webhooks(&'a WebhookEvents),
    /// `client.rs`.
    Client,
    /// `mock.rs`: the typed mock server (`mock` feature).
    Mock,
    /// The API's `mod.rs` (the manifest).
    Root { has_models: bool, has_operations: bool },
}

/// Emits every file of one API module.
pub fn emit(api: &Api, provenance: &Provenance) -> Result<Vec<GeneratedFile>, Diagnostic> {
    let ctx = Ctx::new(api, &provenance.module_path);
    let jobs = jobs(api);
    // Files are independent once the IR exists: format them on every core (prettyplease is
    // most of the time). Tokens are not `Send`, so each worker builds the tokens it formats.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(job) = jobs.get(i) else { break };
            done.push((i, render(&ctx, provenance, job)));
        }
        done
    };
    let mut results: Vec<(usize, Result<GeneratedFile, Diagnostic>)> = std::thread::scope(|scope| {
        // The caller's thread works too; helpers get a stack as deep as the printer may need on
        // deeply nested schemas (token trees and prettyplease recurse), not the 2 MiB default.
        let helpers: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().stack_size(EMIT_STACK).spawn_scoped(scope, work).ok())
            .collect();
        let mut all = work();
        for h in helpers {
            match h.join() {
                Ok(done) => all.extend(done),
                // A panic is a generator bug; let it surface as one, as it would on one thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    let mut files = results.into_iter().map(|(_, r)| r).collect::<Result<Vec<_>, _>>()?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Every file of the module, with its path; file names are claimed here, in document order.
fn jobs(api: &Api) -> Vec<Job<'_>> {
    // Component-owned types: one file per component (nested inline types go with their owner).
    let mut by_component: BTreeMap<&str, Vec<&TypeDef>> = BTreeMap::new();
    let mut by_group: BTreeMap<&str, Vec<&TypeDef>> = BTreeMap::new();
    for t in &api.types {
        match &t.owner {
            Owner::Component(c) => by_component.entry(c.as_str()).or_default().push(t),
            Owner::Group(g) => by_group.entry(g.as_str()).or_default().push(t),
        }
    }
    let mut jobs = Vec::new();
    // `mod.rs` is the index of each directory: no schema or group may take that file name.
    let mut model_files = naming::Scope::with_reserved(&["mod"]);
    let mut model_mods = Vec::new();
    for (component, defs) in by_component {
        let module = model_files.claim_ident(naming::snake_name(component));
        jobs.push(Job::Model { path: format!("models/{}.rs", module.text), component, defs });
        model_mods.push(module);
    }
    // Operations, grouped by tag or first path segment, with the inline types they own.
    let mut groups: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        groups.entry(op.group.as_str()).or_default().push(op);
    }
    let mut group_files = naming::Scope::with_reserved(&["mod"]);
    let mut group_mods = Vec::new();
    for (group, ops) in groups {
        let module = group_files.claim_ident(naming::snake_name(group));
        let defs = by_group.get(group).cloned().unwrap_or_default();
        jobs.push(Job::Group { path: format!("operations/{}.rs", module.text), group, ops, defs });
        group_mods.push(module);
    }
    let (has_models, has_operations) = (!model_mods.is_empty(), !group_mods.is_empty());
    jobs.push(Job::Index {
        path: "models/mod.rs".to_owned(),
        doc: "Data types from `components.schemas`, one file per schema.",
        mods: model_mods,
    });
    jobs.push(Job::Index {
        path: "operations/mod.rs".to_owned(),
        doc: "One file per operation group: request builders, `Client` methods, inline types.",
        mods: group_mods,
    });
    if let Some(w) = &api.webhook_events {
        jobs.push(Job::Webhooks(w));
    }
    jobs.push(Job::Client);
    jobs.push(Job::Mock);
    jobs.push(Job::Root { has_models, has_operations });
    jobs
}

/// Builds one file's tokens, checks them as Rust and prints them.
fn render(ctx: &Ctx<'_>, provenance: &Provenance, job: &Job<'_>) -> Result<GeneratedFile, Diagnostic> {
    let (path, tokens) = match job {
        Job::Model { path, component, defs } => {
            let items: Vec<TokenStream> = defs.iter().map(|d| types::type_def(ctx, d)).collect();
            let defined: BTreeSet<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            let imports = imports(&defined, defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind)), false);
            let doc = docs::inner_attrs(&format!("The `{component}` schema and the types nested in it."));
            let allow = file_allows(
                defs.iter().any(|d| type_mentions_deprecated(d))
                    || names_deprecated(ctx, defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind))),
            );
            (path.clone(), quote! { #doc #allow #imports #( #items )* })
        }
        Job::Group { path, group, ops, defs } => {
            let type_items: Vec<TokenStream> = defs.iter().map(|d| types::type_def(ctx, d)).collect();
            let op_items: Vec<TokenStream> = ops.iter().map(|op| operations::operation(ctx, op)).collect();
            let defined: BTreeSet<&str> = defs.iter().map(|d| d.name.as_str()).collect();
            let mentioned = defs
                .iter()
                .flat_map(|d| crate::ir::referenced_names(&d.kind))
                .chain(ops.iter().flat_map(|op| op_referenced(op)));
            let imports = imports(&defined, mentioned, true);
            let doc = docs::inner_attrs(&format!("Operations of the `{group}` group and their inline types."));
            let deprecated = defs.iter().any(|d| type_mentions_deprecated(d))
                || ops.iter().any(|o| o.deprecated || o.params.iter().any(|p| p.deprecated))
                || names_deprecated(ctx, defs.iter().flat_map(|d| crate::ir::referenced_names(&d.kind)))
                || names_deprecated(ctx, ops.iter().flat_map(|op| op_referenced(op)));
            let allow = file_allows(deprecated);
            (path.clone(), quote! { #doc #allow #imports #( #type_items )* #( #op_items )* })
        }
        Job::Index { path, doc, mods } => {
            let idents: Vec<_> = mods.iter().map(|m| ident(&m.rust())).collect();
            let doc = docs::trusted_inner_attrs(doc);
            (path.clone(), quote! { #doc #( mod #idents; pub use #idents::*; )* })
        }
        Job::Webhooks(w) => ("webhooks.rs".to_owned(), webhooks::file(ctx, w)),
        Job::Client => ("client.rs".to_owned(), client::client(ctx.api)),
        Job::Mock => ("mock.rs".to_owned(), mock::file(ctx)),
        Job::Root { has_models, has_operations } => {
            (MANIFEST.to_owned(), root(ctx.api, provenance, *has_models, *has_operations))
        }
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        Diagnostic::error(&provenance.spec_file, "", format!("generator bug: emitted invalid Rust for {path}: {e}"))
    })?;
    let body = layout::finish(&prettyplease::unparse(&file));
    Ok(GeneratedFile { contents: preamble::write(provenance, path == MANIFEST, &body), path })
}

/// Files that name a deprecated type (in a field, an import, an operation) allow it; no other.
fn names_deprecated(ctx: &Ctx<'_>, mut names: impl Iterator<Item = String>) -> bool {
    names.any(|n| ctx.is_deprecated_type(&n))
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
        // An enveloped success body is read by the runtime; the file names only its payload.
        if op.envelope.is_some() && r.status.is_success() {
            continue;
        }
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
        Output::Unit | Output::RawEventStream | Output::Download => {}
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
    // Inlined, so the module's page lists every operation and type (the submodules are an
    // implementation detail of the file layout).
    let models = has_models.then(|| {
        quote!(
            #[doc(inline)]
            pub use models::*;
        )
    });
    let operations = has_operations.then(|| {
        quote!(
            #[doc(inline)]
            pub use operations::*;
        )
    });
    let webhooks = api.webhook_events.as_ref().map(|w| {
        let names = webhooks::exported(w).into_iter().map(|n| ident(&n));
        quote!(mod webhooks; pub use webhooks::{ #( #names ),* };)
    });
    quote! {
        #doc
        mod client;
        #[doc(hidden)]
        pub mod models;
        #[doc(hidden)]
        pub mod operations;
        pub use client::{Client, ClientBuilder};
        #models
        #operations
        #webhooks
        // No outer doc: rustdoc would join it to the module's own and resolve the links of both
        // from here.
        #[cfg(feature = "mock")]
        pub mod mock;
    }
}
