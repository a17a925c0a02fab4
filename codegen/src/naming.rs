//! The one naming policy: how OpenAPI names become Rust identifiers.
//!
//! Every identifier the generator emits goes through here, so casing, keyword escaping and
//! collision suffixes are decided in one place and tested on collision fixtures.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Words Rust reserves (strict and reserved keywords of every edition up to 2024).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers (`r#self` is not allowed), so they get a `_` suffix.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate"];

/// Type names a schema cannot take: the generated module's own items and the prelude types
/// generated code names unqualified. A schema called `Result` becomes `Result2`.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Client", "API", "Result", "Option", "Some", "None", "Ok", "Err", "Box", "Vec", "String", "Default", "From", "Into",
];

/// True if `word` is a Rust keyword.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Replaces characters that cannot appear in identifiers with word breaks, so heck splits on them.
fn words(raw: &str) -> String {
    raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect()
}

/// `UpperCamelCase` type name for an OpenAPI name (`ServiceDetailsResponse`, `agent-1x` -> `Agent1x`).
pub fn type_name(raw: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Unnamed".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" {
        name.push('_');
    }
    name
}

/// `snake_case` name for a field, parameter or method. Keywords come back as raw identifiers
/// (`r#type`), except those that cannot be raw, which get a `_` suffix.
pub fn snake_name(raw: &str) -> Ident {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "n_");
    }
    Ident::new(name)
}

/// A Rust identifier that remembers whether it must be written raw (`r#type`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ident {
    /// The identifier text without any `r#` prefix.
    pub text: String,
    /// True when the identifier is a keyword that must be emitted as `r#text`.
    pub raw: bool,
}

impl Ident {
    /// Classifies `text`: keywords become raw, or get a `_` suffix where raw is impossible.
    pub fn new(mut text: String) -> Self {
        if NOT_RAW.contains(&text.as_str()) {
            text.push('_');
            return Self { text, raw: false };
        }
        let raw = is_keyword(&text);
        Self { text, raw }
    }

    /// The identifier as it is written in Rust source (`r#type`, `name`).
    pub fn rust(&self) -> String {
        if self.raw {
            format!("r#{}", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The identifier with a suffix appended; a suffixed keyword is no longer a keyword.
    pub fn with_suffix(&self, suffix: &str) -> Self {
        Self::new(format!("{}{}", self.text, suffix))
    }
}

/// Hands out names that are unique within one scope, by appending `2`, `3`, ... on collision.
///
/// The first claimant of a name keeps it, so the order of claims (document order) decides
/// which item gets a suffix: output stays stable across runs.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self { used: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// True if `name` is already taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// Claims `base`, or `base2`, `base3`, ... if taken.
    pub fn claim(&mut self, base: &str) -> String {
        if self.used.insert(base.to_owned()) {
            return base.to_owned();
        }
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|candidate| !self.used.contains(candidate))
            .inspect(|candidate| {
                self.used.insert(candidate.clone());
            })
            .unwrap_or_else(|| base.to_owned())
    }

    /// Claims a snake-case identifier, suffixing `_2`, `_3`, ... if taken.
    pub fn claim_ident(&mut self, base: Ident) -> Ident {
        if self.used.insert(base.text.clone()) {
            return base;
        }
        let mut n = 2;
        loop {
            let candidate = base.with_suffix(&format!("_{n}"));
            if self.used.insert(candidate.text.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// A method name for an operation without `operationId`: method plus literal path segments,
/// with parameters as `by_<name>` (`GET /agents/{id}/logs` -> `get_agents_by_id_logs`).
pub fn operation_name_from_path(method: &str, path: &str) -> String {
    let mut parts = vec![method.to_ascii_lowercase()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            parts.push(format!("by_{param}"));
        } else {
            parts.push(seg.to_owned());
        }
    }
    words(&parts.join(" ")).to_snake_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_upper_camel_and_start_with_a_letter() {
        assert_eq!(type_name("ServiceDetailsResponse"), "ServiceDetailsResponse");
        assert_eq!(type_name("agent-1x"), "Agent1x");
        assert_eq!(type_name("400"), "V400");
        assert_eq!(type_name("OK"), "Ok");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("---"), "Unnamed");
    }

    #[test]
    fn snake_names_keep_wire_words_and_escape_keywords() {
        assert_eq!(snake_name("deploymentID").rust(), "deployment_id");
        assert_eq!(snake_name("total_count").rust(), "total_count");
        assert_eq!(snake_name("type").rust(), "r#type");
        assert_eq!(snake_name("self").rust(), "self_");
        assert_eq!(snake_name("Content-Type").rust(), "content_type");
        assert_eq!(snake_name("3d").rust(), "n_3d");
    }

    #[test]
    fn scope_suffixes_collisions_in_claim_order() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim("Agent"), "Agent");
        assert_eq!(scope.claim("Agent"), "Agent2");
        assert_eq!(scope.claim("Agent"), "Agent3");
        let mut fields = Scope::new();
        assert_eq!(fields.claim_ident(snake_name("deploymentId")).rust(), "deployment_id");
        assert_eq!(fields.claim_ident(snake_name("deploymentID")).rust(), "deployment_id_2");
    }

    #[test]
    fn operations_without_id_are_named_from_method_and_path() {
        assert_eq!(operation_name_from_path("GET", "/agents/{agentName}/logs"), "get_agents_by_agent_name_logs");
    }
}
