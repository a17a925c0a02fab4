//! RFC 6901 JSON pointers: the one place that escapes, unescapes, joins and parses them.
//!
//! Diagnostics locate problems with pointers, and `$ref`s are pointers behind a `#`; both go
//! through here, so `~0`/`~1` are handled the same way everywhere. A leaf module: it uses
//! nothing else of the crate.

use serde_json::Value;

/// Escapes one reference token (`~` -> `~0`, `/` -> `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one reference token (`~1` -> `/`, then `~0` -> `~`, in that order, so that `~01`
/// stays the literal `~1`).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Builds a pointer from unescaped reference tokens (`["paths", "/a"]` -> `/paths/~1a`).
pub fn join<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for t in tokens {
        out.push('/');
        out.push_str(&escape(t.as_ref()));
    }
    out
}

/// `base` extended by one unescaped token.
pub fn append(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    out.push_str(&escape(token));
    out
}

/// The unescaped tokens of a pointer; `""` is the root. `None` when it does not start with `/`.
pub fn parse(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(rest.split('/').map(unescape).collect())
}

/// The tokens of a local reference (`#/components/schemas/A` -> `["components", "schemas",
/// "A"]`). `Err(true)` for a reference to another document, `Err(false)` for a local fragment
/// that is not a pointer (`#anchor`).
pub fn parse_reference(reference: &str) -> Result<Vec<String>, bool> {
    let fragment = reference.strip_prefix('#').ok_or(true)?;
    parse(fragment).ok_or(false)
}

/// The node a pointer's tokens lead to. Array indices are decimal without leading zeros.
pub fn get<'a>(root: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    let mut node = root;
    for token in tokens {
        node = match node {
            Value::Object(map) => map.get(token)?,
            Value::Array(items) => items.get(index(token)?)?,
            _ => return None,
        };
    }
    Some(node)
}

fn index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// The unescaped last token of a pointer (a component's name from its origin), if any.
pub fn last_token(pointer: &str) -> Option<String> {
    let (_, last) = pointer.rsplit_once('/')?;
    Some(unescape(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips_and_orders_tilde_first() {
        for token in ["a/b", "~", "~1", "a~0/b", "", "plain"] {
            assert_eq!(unescape(&escape(token)), token);
        }
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        // `~01` is an escaped `~` followed by `1`, not an escaped `/`.
        assert_eq!(unescape("~01"), "~1");
    }

    #[test]
    fn join_append_and_parse_agree() {
        let p = join(["paths", "/agents/{id}", "get"]);
        assert_eq!(p, "/paths/~1agents~1{id}/get");
        assert_eq!(append(&join(["a"]), "b/c"), "/a/b~1c");
        assert_eq!(parse(&p).expect("pointer"), ["paths", "/agents/{id}", "get"]);
        assert_eq!(parse(""), Some(vec![]));
        assert_eq!(parse("/"), Some(vec![String::new()]));
        assert_eq!(parse("no-slash"), None);
    }

    #[test]
    fn references_are_local_pointers() {
        assert_eq!(parse_reference("#/components/schemas/a~1b").expect("local"), ["components", "schemas", "a/b"]);
        assert_eq!(parse_reference("other.yaml#/x"), Err(true));
        assert_eq!(parse_reference("#anchor"), Err(false));
        assert_eq!(parse_reference("#"), Ok(vec![]));
    }

    #[test]
    fn get_walks_objects_and_arrays() {
        let doc = serde_json::json!({"a/b": [10, {"~": true}], "0": "zero"});
        assert_eq!(get(&doc, &parse("/a~1b/0").expect("p")), Some(&serde_json::json!(10)));
        assert_eq!(get(&doc, &parse("/a~1b/1/~0").expect("p")), Some(&Value::Bool(true)));
        assert_eq!(get(&doc, &parse("/0").expect("p")), Some(&serde_json::json!("zero")));
        for missing in ["/a~1b/01", "/a~1b/2", "/a~1b/-", "/a~1b/+1", "/nope", "/0/x", "/a~1b/99999999999999999999999"]
        {
            assert_eq!(get(&doc, &parse(missing).expect("p")), None, "{missing}");
        }
    }

    #[test]
    fn last_token_is_unescaped() {
        assert_eq!(last_token("/components/schemas/a~1b").as_deref(), Some("a/b"));
        assert_eq!(last_token(""), None);
    }
}
