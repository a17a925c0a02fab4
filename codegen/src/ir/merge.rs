//! Identical inline enums become one type: the four `[amd64, arm64]` enums a spec writes inline
//! in four places are one `Architecture`, so a value read from one object can be sent in
//! another without a string round trip. The old names stay, as aliases of the merged type.

use super::model::*;
use std::collections::BTreeMap;

/// A set of identical inline enums and the name they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnumMerge {
    /// The name the merged enum should take (the caller claims it; a taken name skips the merge).
    pub name: String,
    /// Indices of the members in the type list, in document order.
    pub members: Vec<usize>,
}

/// Words too generic to name an enum alone: `NodeType`, not `Type`.
const GENERIC: &[&str] = &["Type", "Kind", "Mode", "Id", "Name", "Value", "Values", "Status", "State"];

/// Groups inline enums (not component schemas) with the same values, two or more values each.
pub(crate) fn identical_enums(types: &[TypeDef]) -> Vec<EnumMerge> {
    let mut groups: BTreeMap<Vec<&str>, Vec<usize>> = BTreeMap::new();
    for (i, t) in types.iter().enumerate() {
        let TypeKind::Enum(e) = &t.kind else { continue };
        let inline = !matches!(&t.owner, Owner::Component(c) if *c == t.name);
        if !inline || e.variants.len() < 2 {
            continue;
        }
        let mut key: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
        key.sort_unstable();
        groups.entry(key).or_default().push(i);
    }
    let mut merges: Vec<EnumMerge> = groups
        .into_values()
        .filter(|members| members.len() > 1)
        .filter_map(|members| {
            let name = shared_name(members.iter().map(|&i| member_words(&types[i])))?;
            Some(EnumMerge { name, members })
        })
        .collect();
    merges.sort_by_key(|m| m.members[0]);
    merges
}

/// What the members' names agree the enum is: the longest run of words they all end with
/// (`...KrispVivaAudioFilter` -> `KrispVivaAudioFilter`), plurals made singular where another
/// member has the singular (`ListBuildsStatus` + `BuildStatus` -> `BuildStatus`); when that is
/// nothing or one generic word, the last word most members share.
fn shared_name(names: impl Iterator<Item = Vec<String>>) -> Option<String> {
    let words: Vec<Vec<String>> = names.collect();
    let all: Vec<&str> = words.iter().flatten().map(String::as_str).collect();
    let singular = |w: &str| -> String {
        match w.strip_suffix('s') {
            Some(one) if all.contains(&one) => one.to_owned(),
            _ => w.to_owned(),
        }
    };
    let normal: Vec<Vec<String>> = words.iter().map(|ws| ws.iter().map(|w| singular(w)).collect()).collect();
    let shortest = normal.iter().map(Vec::len).min()?;
    let mut common: Vec<&str> = Vec::new();
    for k in 1..=shortest {
        let word = &normal[0][normal[0].len() - k];
        if normal.iter().all(|ws| &ws[ws.len() - k] == word) {
            common.insert(0, word);
        } else {
            break;
        }
    }
    if common.len() > 1 || common.first().is_some_and(|w| !GENERIC.contains(w)) {
        return Some(common.concat());
    }
    // No common ending: the tail most members agree on; ties go to the first in document order.
    let tails: Vec<String> = normal.iter().map(|ws| tail(ws)).collect();
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (order, t) in tails.iter().enumerate() {
        counts.entry(t.as_str()).or_insert((0, order)).0 += 1;
    }
    let (name, (count, _)) = counts.into_iter().max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))?;
    (count > 1 && name.len() > 2).then(|| name.to_owned())
}

/// What a member is called in the spec: its property path (`krispViva.audioFilter` ->
/// `Krisp Viva Audio Filter`), with the owning schema in front when the property alone is one
/// generic word (`Build.status` -> `Build Status`); its Rust name's words elsewhere (parameters).
fn member_words(def: &TypeDef) -> Vec<String> {
    let tokens = crate::pointer::parse(&def.origin).unwrap_or_default();
    let props: Vec<&String> = tokens.windows(2).filter(|w| w[0] == "properties").map(|w| &w[1]).collect();
    let owner = match (tokens.first().map(String::as_str), tokens.get(2)) {
        (Some("components"), Some(schema)) => Some(schema),
        _ => None,
    };
    if props.is_empty() {
        return words(&def.name);
    }
    let mut out: Vec<String> = props.iter().flat_map(|p| words(&crate::naming::type_name(p))).collect();
    if let (true, Some(owner)) = (out.len() == 1 && GENERIC.contains(&out[0].as_str()), owner) {
        let owner_words = words(&crate::naming::type_name(owner));
        out.splice(0..0, owner_words.last().cloned());
    }
    out
}

/// The words of a CamelCase name, without trailing `Item`s and digits (`Item2` says nothing).
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            words.push(name[start..i].to_owned());
            start = i;
        }
    }
    words.push(name[start..].to_owned());
    while words.len() > 1 && words.last().is_some_and(|w| w == "Item" || w.chars().all(|c| c.is_ascii_digit())) {
        words.pop();
    }
    words
}

/// The last word, with the one before it if the last is generic (`NodeType`, not `Type`).
fn tail(words: &[String]) -> String {
    match words {
        [.., before, last] if GENERIC.contains(&last.as_str()) => format!("{before}{last}"),
        [.., last] => last.clone(),
        [] => String::new(),
    }
}

/// Points every reference to a merged member at the merged type.
pub(crate) fn rename(ty: &mut TypeRef, map: &BTreeMap<String, String>) {
    match ty {
        TypeRef::Named(n) => {
            if let Some(to) = map.get(n.as_str()) {
                *n = to.clone();
            }
        }
        TypeRef::Array(s) | TypeRef::Map(s) | TypeRef::Nullable(s) => rename(&mut s.ty, map),
        _ => {}
    }
}

/// [`rename`] over a type definition's fields and variants.
pub(crate) fn rename_in_kind(kind: &mut TypeKind, map: &BTreeMap<String, String>) {
    match kind {
        TypeKind::Struct(s) => {
            for f in &mut s.fields {
                rename(&mut f.shape.ty, map);
            }
            if let Some(a) = &mut s.additional {
                rename(&mut a.ty, map);
            }
        }
        TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| rename(&mut v.shape.ty, map)),
        TypeKind::Alias(s) => rename(&mut s.ty, map),
        TypeKind::Enum(_) => {}
    }
}

/// [`rename`] over an operation's parameters, body, responses, output and page items.
pub(crate) fn rename_in_operation(op: &mut Operation, map: &BTreeMap<String, String>) {
    op.params.iter_mut().for_each(|p| rename(&mut p.shape.ty, map));
    if let Some(b) = &mut op.body {
        rename(&mut b.shape.ty, map);
    }
    for r in &mut op.responses {
        if let Some(s) = &mut r.body {
            rename(&mut s.ty, map);
        }
    }
    match &mut op.output {
        Output::Single(s) | Output::Optional(s) => rename(&mut s.ty, map),
        Output::PerStatus { variants, .. } => {
            variants.iter_mut().filter_map(|(_, _, b)| b.as_mut()).for_each(|s| rename(&mut s.ty, map))
        }
        Output::EventStream(events) => rename_in_events(events, map),
        Output::Unit | Output::RawEventStream | Output::Download => {}
    }
    if let Some(p) = &mut op.pagination {
        rename(&mut p.item.ty, map);
    }
}

/// [`rename`] over the payloads of an event enum (a stream's or the webhooks').
pub(crate) fn rename_in_events(events: &mut EventEnum, map: &BTreeMap<String, String>) {
    for v in &mut events.variants {
        if let EventData::Json(s) = &mut v.data {
            rename(&mut s.ty, map);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enum_def(name: &str, owner: &str, values: &[&str]) -> TypeDef {
        // The property is the name without the owner's prefix, as the IR names inline types.
        let property = name.strip_prefix(owner).unwrap_or(name);
        TypeDef {
            name: name.to_owned(),
            origin: format!("/components/schemas/{owner}/properties/{property}"),
            owner: Owner::Component(owner.to_owned()),
            docs: Docs::default(),
            deprecated: false,
            kind: TypeKind::Enum(Enum {
                variants: values
                    .iter()
                    .map(|v| EnumVariant { wire: (*v).to_owned(), name: v.to_uppercase() })
                    .collect(),
                fallback: "Unknown".to_owned(),
            }),
            usage: Usage::default(),
        }
    }

    #[test]
    fn identical_inline_enums_are_grouped_under_the_name_they_share() {
        let types = vec![
            enum_def("CreateServiceRequestArchitecture", "CreateServiceRequest", &["amd64", "arm64"]),
            enum_def("RegionSupportedArchitecturesItem", "Region", &["arm64", "amd64"]),
            enum_def("CreateServiceRequestNodeType", "CreateServiceRequest", &["arm", "amd"]),
            enum_def("UpdateServiceRequestNodeType", "UpdateServiceRequest", &["arm", "amd"]),
            enum_def("RegionDefaultArchitecture", "Region", &["amd64", "arm64"]),
            // A component schema keeps its own name; one value is a tag, not a shared enum.
            enum_def("Architecture", "Architecture", &["amd64", "arm64"]),
            enum_def("PipelineTag", "Pipeline", &["pipeline"]),
            enum_def("OtherTag", "Other", &["pipeline"]),
        ];
        assert_eq!(
            identical_enums(&types),
            [
                EnumMerge { name: "Architecture".into(), members: vec![0, 1, 4] },
                EnumMerge { name: "NodeType".into(), members: vec![2, 3] },
            ]
        );
    }

    #[test]
    fn enums_whose_names_agree_on_nothing_stay_apart() {
        let types = vec![enum_def("ColorChoice", "A", &["red", "blue"]), enum_def("TeamSide", "B", &["red", "blue"])];
        assert_eq!(identical_enums(&types), []);
    }
}
