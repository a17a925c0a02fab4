//! Walks over built types: the names a type mentions, where types are used, which fields need
//! a `Box`, and alias cycles that no Rust type can express. They read and rewrite
//! [`TypeDef`]s only, so they run the same on any IR.

use super::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// Named types a type reference mentions.
pub(crate) fn collect_names(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Array(s) | TypeRef::Map(s) | TypeRef::Nullable(s) => collect_names(&s.ty, out),
        _ => {}
    }
}

/// Named types the events of an event enum carry.
pub(crate) fn collect_event_names(events: &EventEnum, out: &mut Vec<String>) {
    for v in &events.variants {
        if let EventData::Json(s) = &v.data {
            collect_names(&s.ty, out);
        }
    }
}

/// Named types a type definition mentions.
pub(crate) fn referenced_names(kind: &TypeKind) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        TypeKind::Struct(s) => {
            for f in &s.fields {
                collect_names(&f.shape.ty, &mut out);
            }
            if let Some(a) = &s.additional {
                collect_names(&a.ty, &mut out);
            }
        }
        TypeKind::Union(u) => {
            for v in &u.variants {
                collect_names(&v.shape.ty, &mut out);
            }
        }
        TypeKind::Alias(s) => collect_names(&s.ty, &mut out),
        TypeKind::Enum(_) => {}
    }
    out
}

fn index_of(types: &[TypeDef]) -> BTreeMap<String, usize> {
    types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect()
}

/// Marks every type reachable from requests and from responses (webhook payloads and stream
/// events are received, like responses).
pub(crate) fn compute_usage(
    types: &mut [TypeDef],
    operations: &[Operation],
    webhooks: &[Webhook],
    webhook_events: Option<&WebhookEvents>,
) {
    let index = index_of(types);
    let mut request_roots = Vec::new();
    let mut response_roots = Vec::new();
    for op in operations {
        if let Some(b) = &op.body {
            collect_names(&b.shape.ty, &mut request_roots);
        }
        for p in &op.params {
            collect_names(&p.shape.ty, &mut request_roots);
        }
        for r in &op.responses {
            if let Some(s) = &r.body {
                collect_names(&s.ty, &mut response_roots);
            }
        }
        if let Output::EventStream(events) = &op.output {
            collect_event_names(events, &mut response_roots);
        }
    }
    for s in webhooks.iter().filter_map(|w| w.body.as_ref()) {
        collect_names(&s.ty, &mut response_roots);
    }
    if let Some(w) = webhook_events {
        collect_event_names(&w.events, &mut response_roots);
    }
    for (roots, is_request) in [(request_roots, true), (response_roots, false)] {
        let mut stack = roots;
        while let Some(name) = stack.pop() {
            let Some(&i) = index.get(&name) else { continue };
            let usage = &mut types[i].usage;
            let seen = if is_request {
                std::mem::replace(&mut usage.request, true)
            } else {
                std::mem::replace(&mut usage.response, true)
            };
            if !seen {
                stack.extend(referenced_names(&types[i].kind));
            }
        }
    }
}

/// The named type a value of `ty` holds inline: itself, or inside an `Option`.
fn by_value(ty: &TypeRef) -> Option<String> {
    match ty {
        TypeRef::Named(n) => Some(n.clone()),
        TypeRef::Nullable(s) => by_value(&s.ty),
        _ => None,
    }
}

/// Named types a type holds by value (not behind a `Vec`, a map or an existing `Box`).
fn held_by_value(kind: &TypeKind) -> Vec<String> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter().filter(|f| !f.boxed).filter_map(|f| by_value(&f.shape.ty)).collect(),
        TypeKind::Union(u) => u.variants.iter().filter(|v| !v.boxed).filter_map(|v| by_value(&v.shape.ty)).collect(),
        TypeKind::Alias(s) => by_value(&s.ty).into_iter().collect(),
        TypeKind::Enum(_) => Vec::new(),
    }
}

/// Boxes every field (or union variant) that holds, by value, a type from which its owner
/// is reachable by value again: without the box the Rust type would have infinite size.
pub(crate) fn box_recursive_fields(types: &mut [TypeDef]) {
    let index = index_of(types);
    let reaches = |types: &[TypeDef], from: &str, target: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(&i) = index.get(&n) {
                stack.extend(held_by_value(&types[i].kind));
            }
        }
        false
    };
    // Box one edge at a time, in document order, until no by-value cycle is left.
    for i in 0..types.len() {
        let owner = types[i].name.clone();
        let count = match &types[i].kind {
            TypeKind::Struct(s) => s.fields.len(),
            TypeKind::Union(u) => u.variants.len(),
            _ => 0,
        };
        for j in 0..count {
            let target = match &types[i].kind {
                TypeKind::Struct(s) => by_value(&s.fields[j].shape.ty),
                TypeKind::Union(u) => by_value(&u.variants[j].shape.ty),
                _ => None,
            };
            let Some(target) = target else { continue };
            if reaches(types, &target, &owner) {
                match &mut types[i].kind {
                    TypeKind::Struct(s) => s.fields[j].boxed = true,
                    TypeKind::Union(u) => u.variants[j].boxed = true,
                    _ => {}
                }
            }
        }
    }
}

/// A Rust type alias cannot mention itself, not even through `Vec` (`type A = Vec<A>` does not
/// compile), and no value has the type of `type A = B; type B = A;`. Such aliases come from
/// schemas like `A: {type: array, items: {$ref: A}}` or `A: {allOf: [{$ref: A}]}` (pure `$ref`
/// cycles never get here: they are errors). Each cycle is cut where it closes, at the first
/// alias in document order: the recursive mention becomes free-form JSON. Returns
/// `(origin, message)` for a warning per cut.
pub(crate) fn break_alias_cycles(types: &mut [TypeDef]) -> Vec<(String, String)> {
    let index = index_of(types);
    let mut cuts = Vec::new();
    for i in 0..types.len() {
        let TypeKind::Alias(shape) = &types[i].kind else { continue };
        let own = types[i].name.clone();
        let mut names = Vec::new();
        collect_names(&shape.ty, &mut names);
        let closing: BTreeSet<String> = names.into_iter().filter(|n| alias_reaches(types, &index, n, &own)).collect();
        if closing.is_empty() {
            continue;
        }
        if let TypeKind::Alias(shape) = &mut types[i].kind {
            replace_named(&mut shape.ty, &closing);
        }
        let via: Vec<&str> = closing.iter().map(String::as_str).collect();
        cuts.push((
            types[i].origin.clone(),
            format!(
                "`{own}` is defined only in terms of itself (through {}): no Rust type can express that, so the recursive part is typed as free-form JSON",
                via.join(", ")
            ),
        ));
    }
    cuts
}

/// `from` leads back to `target` through aliases alone.
fn alias_reaches(types: &[TypeDef], index: &BTreeMap<String, usize>, from: &str, target: &str) -> bool {
    let mut stack = vec![from.to_owned()];
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if n == target {
            return true;
        }
        if !seen.insert(n.clone()) {
            continue;
        }
        if let Some(TypeDef { kind: TypeKind::Alias(s), .. }) = index.get(&n).map(|&i| &types[i]) {
            collect_names(&s.ty, &mut stack);
        }
    }
    false
}

fn replace_named(ty: &mut TypeRef, names: &BTreeSet<String>) {
    match ty {
        TypeRef::Named(n) if names.contains(n.as_str()) => *ty = TypeRef::Json,
        TypeRef::Array(s) | TypeRef::Map(s) | TypeRef::Nullable(s) => replace_named(&mut s.ty, names),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(name: &str, ty: TypeRef) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            origin: format!("/components/schemas/{name}"),
            owner: Owner::Component(name.to_owned()),
            docs: Docs::default(),
            deprecated: false,
            kind: TypeKind::Alias(Shape::plain(ty)),
            usage: Usage::default(),
        }
    }

    #[test]
    fn alias_cycles_are_cut_once_where_they_close() {
        let named = |n: &str| TypeRef::Named(n.to_owned());
        let mut types = vec![
            alias("List", TypeRef::Array(Box::new(Shape::plain(named("List"))))),
            alias("A", named("B")),
            alias("B", named("A")),
            alias("Fine", named("List")),
        ];
        let cuts = break_alias_cycles(&mut types);
        let origins: Vec<&str> = cuts.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(origins, ["/components/schemas/List", "/components/schemas/A"]);
        assert_eq!(types[0].kind, TypeKind::Alias(Shape::plain(TypeRef::Array(Box::new(Shape::plain(TypeRef::Json))))));
        assert_eq!(types[1].kind, TypeKind::Alias(Shape::plain(TypeRef::Json)));
        assert_eq!(
            types[2].kind,
            TypeKind::Alias(Shape::plain(named("A"))),
            "B keeps its name: the cycle is already cut"
        );
        assert_eq!(types[3].kind, TypeKind::Alias(Shape::plain(named("List"))));
    }
}
