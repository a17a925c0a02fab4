//! What to say of a type or a field the spec does not describe: where it is used, or what its
//! type is. The generator's own words, with links, instead of a placeholder (`The X schema.`)
//! or a JSON pointer; nothing at all when nothing useful can be said.

use super::ctx::Ctx;
use crate::ir::*;

/// A first line for a type without docs, from the first place that uses it (in the order the
/// API lists them: operations first, then other types): "The body of the 200 response of
/// [`Client::list_services`]", "The `mode` member of [`PipelineAgent`]".
pub(crate) fn type_doc(ctx: &Ctx<'_>, name: &str) -> Option<String> {
    let names = |shape: &Shape| refers_to(&shape.ty, name);
    // Links by their path from the crate root: a type's file imports only what its code names.
    let root = api_root(ctx);
    for op in &ctx.api.operations {
        let method = format!("[`Client::{0}`]({root}::Client::{0})", op.method_name.trim_start_matches("r#"));
        if let Some(body) = op.body.as_ref().filter(|b| names(&b.shape)) {
            let _ = body;
            return Some(format!("The request body of {method}."));
        }
        if let Some(p) = op.params.iter().find(|p| names(&p.shape)) {
            let location = match p.location {
                ParamLocation::Path { .. } => "path parameter",
                ParamLocation::Query => "query parameter",
                ParamLocation::Header => "header",
            };
            return Some(format!("The values of the `{}` {location} of {method}.", p.wire));
        }
        for r in &op.responses {
            if r.body.as_ref().is_some_and(names) {
                let status = match r.status {
                    StatusSpec::Code(c) => format!("{c} response"),
                    StatusSpec::Range(d) => format!("{d}XX responses"),
                    StatusSpec::Default => "responses".to_owned(),
                };
                let what = if r.is_success { "The body of the" } else { "The error body of the" };
                return Some(format!("{what} {status} of {method}."));
            }
        }
        if let Output::EventStream(events) = &op.output {
            for v in &events.variants {
                if matches!(&v.data, EventData::Json(s) if names(s)) {
                    return Some(format!("The data of the `{}` event of {method}.", v.wire));
                }
            }
        }
    }
    for t in ctx.api.types.iter().filter(|t| t.name != name) {
        let parent = &t.name;
        match &t.kind {
            TypeKind::Struct(s) => {
                if let Some(f) = s.fields.iter().find(|f| names(&f.shape)) {
                    let item = if matches!(f.shape.ty, TypeRef::Array(_)) { "An item of the" } else { "The" };
                    return Some(format!("{item} `{}` member of [`{parent}`]({root}::{parent}).", f.wire));
                }
            }
            TypeKind::Union(u) if u.variants.iter().any(|v| names(&v.shape)) => {
                return Some(format!("One of the forms of [`{parent}`]({root}::{parent})."));
            }
            _ => {}
        }
    }
    None
}

/// A first line for a field without docs: its type's own first line when it is a type of this
/// API that has one (OpenAPI 3.0 ignores the description beside a `$ref`, so the referenced
/// schema's is what the spec says of it).
pub(crate) fn field_doc(ctx: &Ctx<'_>, f: &Field) -> Option<String> {
    let target = named_inside(&f.shape.ty)?;
    let def = ctx.type_named(target)?;
    let first = def.docs.summary.as_deref().or(def.docs.description.as_deref())?;
    let line = first.lines().find(|l| !l.trim().is_empty())?.trim();
    Some(format!("[`{target}`]({}::{target}): {}", api_root(ctx), super::docs::sanitize(line)))
}

/// The API module's path from the crate root (`crate::pipecat_cloud`), from the path users name
/// it by (`voice_agents::pipecat_cloud`).
fn api_root(ctx: &Ctx<'_>) -> String {
    match ctx.module_path.split_once("::") {
        Some((_, rest)) => format!("crate::{rest}"),
        None => "crate".to_owned(),
    }
}

/// The named type a shape holds, directly or as the items, values or nullable of one.
fn named_inside(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(n) => Some(n),
        TypeRef::Array(s) | TypeRef::Map(s) | TypeRef::Nullable(s) => named_inside(&s.ty),
        _ => None,
    }
}

/// Whether `ty` is `name`, or holds it as items, values or a nullable value.
fn refers_to(ty: &TypeRef, name: &str) -> bool {
    named_inside(ty) == Some(name)
}
