//! Change reports: what changed in the generated public API between two versions of a spec,
//! computed as a diff of their IRs, each change flagged breaking or not.
//!
//! Types synthesized for inline schemas are not reported on their own when they appear or
//! disappear: the field, parameter or operation that holds them is, with the new type
//! described inline (`enum: amd64, arm64`). Doc and default changes are not API changes.

use crate::ir::*;
use std::collections::BTreeMap;
use std::fmt;

/// One change to the public API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Existing code that uses the API stops compiling or changes meaning.
    pub breaking: bool,
    /// What changed, e.g. `field CreateServiceRequest.architecture added: Option<...>`.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = if self.breaking { "BREAKING" } else { "compatible" };
        write!(f, "[{flag}] {}", self.what)
    }
}

/// All changes from `old` to `new`, sorted (operations, then types) and deterministic.
pub fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Vec::new();
    let old_types: BTreeMap<&str, &TypeDef> = old.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_types: BTreeMap<&str, &TypeDef> = new.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let ctx = Ctx { old: &old_types, new: &new_types };
    operations(&ctx, old, new, &mut out);
    webhooks(old.webhook_events.as_ref(), new.webhook_events.as_ref(), &mut out);
    for (name, t) in &new_types {
        match old_types.get(name) {
            None if is_component(t) => {
                out.push(change(false, format!("type {name} added ({})", describe_kind(&t.kind))))
            }
            None => {}
            Some(o) => type_changes(&ctx, o, t, &mut out),
        }
    }
    for (name, t) in &old_types {
        if !new_types.contains_key(name) && is_component(t) {
            out.push(change(true, format!("type {name} removed")));
        }
    }
    out
}

/// Renders a report for one API: a line per change, or one line saying nothing changed.
pub fn report(api_name: &str, changes: &[Change]) -> String {
    if changes.is_empty() {
        return format!("{api_name}: no changes to the generated public API\n");
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let mut s = format!("{api_name}: {} change(s), {breaking} breaking\n", changes.len());
    for c in changes {
        s.push_str(&format!("  {c}\n"));
    }
    s
}

struct Ctx<'a> {
    old: &'a BTreeMap<&'a str, &'a TypeDef>,
    new: &'a BTreeMap<&'a str, &'a TypeDef>,
}

fn change(breaking: bool, what: String) -> Change {
    Change { breaking, what }
}

fn is_component(t: &TypeDef) -> bool {
    matches!(&t.owner, Owner::Component(c) if *c == t.name)
}

fn operations(ctx: &Ctx<'_>, old: &Api, new: &Api, out: &mut Vec<Change>) {
    let olds: BTreeMap<&str, &Operation> = old.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    for op in &new.operations {
        let Some(o) = olds.get(op.id.as_str()) else {
            out.push(change(false, format!("operation {} added ({} {})", op.id, op.method, op.path)));
            continue;
        };
        if (o.method.as_str(), o.path.as_str()) != (op.method.as_str(), op.path.as_str()) {
            out.push(change(
                false,
                format!("operation {} moved: {} {} -> {} {}", op.id, o.method, o.path, op.method, op.path),
            ));
        }
        if !o.deprecated && op.deprecated {
            out.push(change(false, format!("operation {} deprecated", op.id)));
        }
        params(ctx, o, op, out);
        let body = |b: &Option<Body>| b.as_ref().map(|b| (render(&b.shape.ty), b.required));
        if body(&o.body) != body(&op.body) {
            out.push(change(
                true,
                format!("operation {} request body: {} -> {}", op.id, body_text(&o.body), body_text(&op.body)),
            ));
        }
        if let (Output::EventStream(a), Output::EventStream(b)) = (&o.output, &op.output) {
            event_changes(&format!("operation {} event", op.id), a, b, out);
        } else {
            let (before, after) = (output_text(&o.output), output_text(&op.output));
            if before != after {
                out.push(change(true, format!("operation {} returns {after} (was {before})", op.id)));
            }
        }
    }
    let news: BTreeMap<&str, &Operation> = new.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    for o in &old.operations {
        if !news.contains_key(o.id.as_str()) {
            out.push(change(true, format!("operation {} removed ({} {})", o.id, o.method, o.path)));
        }
    }
}

/// Events of a stream or of the webhooks: a new event is compatible (the enums are
/// `#[non_exhaustive]` and keep unknown events), a removed or retyped one is not.
fn event_changes(prefix: &str, old: &EventEnum, new: &EventEnum, out: &mut Vec<Change>) {
    let text = |d: &EventData| match d {
        EventData::Text => "text".to_owned(),
        EventData::Json(s) => render(&s.ty),
    };
    for e in &new.variants {
        match old.variants.iter().find(|o| o.wire == e.wire) {
            None => out.push(change(false, format!("{prefix} `{}` added: {}", e.wire, text(&e.data)))),
            Some(o) if text(&o.data) != text(&e.data) => {
                out.push(change(true, format!("{prefix} `{}` payload: {} -> {}", e.wire, text(&o.data), text(&e.data))))
            }
            Some(_) => {}
        }
    }
    for o in old.variants.iter().filter(|o| !new.variants.iter().any(|e| e.wire == o.wire)) {
        out.push(change(true, format!("{prefix} `{}` removed", o.wire)));
    }
}

/// The webhook events, how a body names its type and how deliveries are signed (a receiver
/// built on the old scheme rejects, or misreads, the new deliveries).
fn webhooks(old: Option<&WebhookEvents>, new: Option<&WebhookEvents>, out: &mut Vec<Change>) {
    match (old, new) {
        (None, None) => {}
        (None, Some(_)) => out.push(change(false, "webhook events added (WebhookEvent)".to_owned())),
        (Some(_), None) => out.push(change(true, "webhook events removed (WebhookEvent)".to_owned())),
        (Some(o), Some(n)) => {
            event_changes("webhook event", &o.events, &n.events, out);
            if o.type_pointer != n.type_pointer {
                let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
                out.push(change(
                    true,
                    format!("webhook event type pointer: {} -> {}", show(&o.type_pointer), show(&n.type_pointer)),
                ));
            }
            if o.signature != n.signature {
                out.push(change(true, "webhook signature scheme changed (WEBHOOK_SIGNATURE)".to_owned()));
            }
        }
    }
}

fn params(ctx: &Ctx<'_>, o: &Operation, n: &Operation, out: &mut Vec<Change>) {
    for p in &n.params {
        match o.params.iter().find(|q| q.wire == p.wire) {
            None => out.push(change(
                p.required,
                format!(
                    "operation {} parameter {} added{}: {}",
                    n.id,
                    p.wire,
                    if p.required { " (required)" } else { "" },
                    type_text(ctx, &p.shape.ty)
                ),
            )),
            Some(q) => {
                if render(&q.shape.ty) != render(&p.shape.ty) {
                    out.push(change(
                        true,
                        format!(
                            "operation {} parameter {} type: {} -> {}",
                            n.id,
                            p.wire,
                            render(&q.shape.ty),
                            type_text(ctx, &p.shape.ty)
                        ),
                    ));
                }
                if !q.required && p.required {
                    out.push(change(true, format!("operation {} parameter {} became required", n.id, p.wire)));
                }
                if !q.deprecated && p.deprecated {
                    out.push(change(false, format!("operation {} parameter {} deprecated", n.id, p.wire)));
                }
            }
        }
    }
    for q in &o.params {
        if !n.params.iter().any(|p| p.wire == q.wire) {
            out.push(change(true, format!("operation {} parameter {} removed", n.id, q.wire)));
        }
    }
}

fn type_changes(ctx: &Ctx<'_>, o: &TypeDef, n: &TypeDef, out: &mut Vec<Change>) {
    let name = &n.name;
    match (&o.kind, &n.kind) {
        (TypeKind::Struct(os), TypeKind::Struct(ns)) => {
            for f in &ns.fields {
                match os.fields.iter().find(|g| g.wire == f.wire) {
                    None => {
                        // A new required field breaks constructing the type (for requests).
                        let breaking = f.required && n.usage.request;
                        let req = if f.required { "required" } else { "optional" };
                        out.push(change(
                            breaking,
                            format!("field {name}.{} added ({req}): {}", f.wire, type_text(ctx, &f.shape.ty)),
                        ));
                    }
                    Some(g) => field_changes(ctx, name, n.usage, g, f, out),
                }
            }
            for g in &os.fields {
                if !ns.fields.iter().any(|f| f.wire == g.wire) {
                    out.push(change(true, format!("field {name}.{} removed", g.wire)));
                }
            }
        }
        (TypeKind::Enum(oe), TypeKind::Enum(ne)) => {
            for v in &ne.variants {
                if !oe.variants.iter().any(|w| w.wire == v.wire) {
                    out.push(change(false, format!("enum {name}: value `{}` added", v.wire)));
                }
            }
            for w in &oe.variants {
                if !ne.variants.iter().any(|v| v.wire == w.wire) {
                    out.push(change(true, format!("enum {name}: value `{}` removed", w.wire)));
                }
            }
        }
        (TypeKind::Union(ou), TypeKind::Union(nu)) => {
            for v in &nu.variants {
                if !ou.variants.iter().any(|w| w.name == v.name) {
                    out.push(change(false, format!("union {name}: variant {} added", v.name)));
                }
            }
            for w in &ou.variants {
                if !nu.variants.iter().any(|v| v.name == w.name) {
                    out.push(change(true, format!("union {name}: variant {} removed", w.name)));
                }
            }
        }
        (TypeKind::Alias(a), TypeKind::Alias(b)) if render(&a.ty) == render(&b.ty) => {}
        (ok, nk) => {
            out.push(change(true, format!("type {name} changed: {} -> {}", describe_kind(ok), describe_kind(nk))))
        }
    }
    if !o.deprecated && n.deprecated {
        out.push(change(false, format!("type {name} deprecated")));
    }
}

fn field_changes(ctx: &Ctx<'_>, owner: &str, usage: Usage, g: &Field, f: &Field, out: &mut Vec<Change>) {
    let at = format!("field {owner}.{}", f.wire);
    if render(&g.shape.ty) != render(&f.shape.ty) {
        out.push(change(true, format!("{at} type: {} -> {}", render(&g.shape.ty), type_text(ctx, &f.shape.ty))));
    }
    if !g.required && f.required {
        out.push(change(true, format!("{at} became required")));
    } else if g.required && !f.required {
        out.push(change(true, format!("{at} became optional")));
    }
    if g.nullable != f.nullable {
        // In requests a nullable optional field is a tri-state, in responses an Option: the Rust type changes.
        let breaking = usage.request || f.required;
        let what = if f.nullable { "became nullable" } else { "is no longer nullable" };
        out.push(change(breaking, format!("{at} {what}")));
    }
    if !g.deprecated && f.deprecated {
        out.push(change(false, format!("{at} deprecated")));
    }
}

fn body_text(b: &Option<Body>) -> String {
    match b {
        None => "none".to_owned(),
        Some(b) => {
            // JSON is the common case; any other encoding is part of what a caller sends.
            let media = if b.encoding == BodyEncoding::Json { String::new() } else { format!(" as {}", b.media_type) };
            format!("{}{media}{}", render(&b.shape.ty), if b.required { "" } else { " (optional)" })
        }
    }
}

fn output_text(o: &Output) -> String {
    match o {
        Output::Unit => "()".to_owned(),
        Output::Single(s) => render(&s.ty),
        Output::Optional(s) => format!("Option<{}>", render(&s.ty)),
        Output::PerStatus { name, variants } => {
            let v: Vec<String> = variants
                .iter()
                .map(|(c, _, b)| format!("{c}: {}", b.as_ref().map(|s| render(&s.ty)).unwrap_or_else(|| "()".into())))
                .collect();
            format!("{name} {{{}}}", v.join(", "))
        }
        // The events are part of what the operation returns: a changed payload is a change.
        Output::EventStream(events) => {
            let v: Vec<String> = events
                .variants
                .iter()
                .map(|e| match &e.data {
                    EventData::Text => format!("{}: text", e.wire),
                    EventData::Json(s) => format!("{}: {}", e.wire, render(&s.ty)),
                })
                .collect();
            format!("EventStream<{} {{{}}}>", events.name, v.join(", "))
        }
        Output::RawEventStream => "EventStream<SseEvent>".to_owned(),
        Output::Download => "ByteStream".to_owned(),
    }
}

/// A type reference as Rust-ish text.
pub fn render(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Integer(width) => width.rust_name().into(),
        TypeRef::Number { single: true } => "f32".into(),
        TypeRef::Number { single: false } => "f64".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::BoolConst(b) => format!("const {b}"),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Date => "Date".into(),
        TypeRef::Uuid => "Uuid".into(),
        TypeRef::Json => "Json".into(),
        TypeRef::JsonObject => "JsonObject".into(),
        TypeRef::Bytes => "Bytes".into(),
        TypeRef::Text => "Text".into(),
        TypeRef::Upload => "Upload".into(),
        TypeRef::Array(s) => format!("Vec<{}>", render(&s.ty)),
        TypeRef::Map(s) => format!("Map<{}>", render(&s.ty)),
        TypeRef::Nullable(s) => format!("Option<{}>", render(&s.ty)),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Unit => "()".into(),
    }
}

/// The type, plus a description of it when it is an inline type new in this version.
fn type_text(ctx: &Ctx<'_>, ty: &TypeRef) -> String {
    let base = render(ty);
    let inner = match ty {
        TypeRef::Named(n) => Some(n),
        TypeRef::Array(s) | TypeRef::Map(s) => match &s.ty {
            TypeRef::Named(n) => Some(n),
            _ => None,
        },
        _ => None,
    };
    match inner.and_then(|n| ctx.new.get(n.as_str()).filter(|t| !ctx.old.contains_key(n.as_str()) && !is_component(t)))
    {
        Some(t) => format!("{base} ({})", describe_kind(&t.kind)),
        None => base,
    }
}

fn describe_kind(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Struct(s) => format!("struct, {} field(s)", s.fields.len()),
        TypeKind::Enum(e) => {
            format!("enum: {}", e.variants.iter().map(|v| v.wire.as_str()).collect::<Vec<_>>().join(", "))
        }
        TypeKind::Union(u) => {
            format!("union of {}", u.variants.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "))
        }
        TypeKind::Alias(s) => format!("alias of {}", render(&s.ty)),
    }
}
