//! OpenAPI Overlay `target` expressions: RFC 9535 JSONPath, evaluated by `serde_json_path`.
//!
//! [`select`] answers with RFC 6901 JSON pointers rather than values, so the overlay
//! engine can go back and edit (or remove) each selected node in place. The pointers
//! come in document order without duplicates (RFC 9535 node lists follow the query
//! and may repeat a node): the engine edits each node once, and removes in reverse
//! document order so that no removal shifts the array index of a node still to remove.
//!
//! Hand-written additions to the crate (0.7.2), each for a case it does not cover:
//! - dotted names as OpenAPI spells its keys (`.x-internal`, `.$ref`, `.200`): RFC 9535
//!   only accepts them in brackets, but overlays write them dotted (see the test
//!   `yaml_overlay_applies_end_to_end` in `overlay.rs`);
//! - checks before the crate's parser sees the path, which it cannot survive: nesting
//!   deeper than [`MAX_NESTING`] (the parser recurses without bound, so a deep path
//!   overflows the stack and aborts, and it backtracks exponentially on nested filters;
//!   test `deep_nesting_is_rejected_quickly`) and a path ending inside a string literal
//!   (an unfinished `\u` escape there panics; test `unterminated_strings_are_errors`).

use std::ops::Range;

use serde_json::Value;
use serde_json_path::{JsonPath, NormalizedPath, PathElement};

/// Deepest nesting of brackets and parentheses accepted. Real targets nest three or
/// four levels; each nested filter doubles the crate's parse time.
const MAX_NESTING: usize = 10;

/// Selects the nodes of `root` that the JSONPath `path` matches.
///
/// Returns their RFC 6901 JSON pointers (`""` is the root) in document order, without
/// duplicates; an empty vector when nothing matches.
///
/// # Errors
///
/// A syntax error returns a one-line message quoting `path`, the 0-based character
/// position and what went wrong there.
pub(crate) fn select(root: &Value, path: &str) -> Result<Vec<String>, String> {
    let query = parse(path)?;
    let mut found: Vec<(Vec<usize>, String)> = query
        .query_located(root)
        .iter()
        .map(|node| (document_position(root, node.location()), node.location().to_json_pointer()))
        .collect();
    found.sort_unstable();
    found.dedup();
    Ok(found.into_iter().map(|(_, pointer)| pointer).collect())
}

/// Parses `path` as RFC 9535 and, failing that, with its dotted names in brackets.
fn parse(path: &str) -> Result<JsonPath, String> {
    check_before_parsing(path)?;
    let strict = match JsonPath::parse(path) {
        Ok(query) => return Ok(query),
        Err(error) => error,
    };
    let lenient = bracket_dotted_names(path);
    if lenient.edits.is_empty() {
        return Err(invalid(path, strict.position(), strict.message()));
    }
    // Report the lenient parse's error: the strict one may just be the dotted name.
    JsonPath::parse(&lenient.text)
        .map_err(|error| invalid(path, lenient.original_position(error.position()), error.message()))
}

/// `"invalid JSONPath ...: at position N (found C): problem"`; `at` is a byte offset.
fn invalid(path: &str, at: usize, problem: &str) -> String {
    let position = path.get(..at).map_or(0, |before| before.chars().count());
    let found = match path.get(at..).and_then(|rest| rest.chars().next()) {
        Some(c) => format!("{c:?}"),
        None => "end of input".to_string(),
    };
    format!("invalid JSONPath {path:?}: at position {position} (found {found}): {problem}")
}

/// Rejects what the crate's parser cannot survive (see the module docs).
fn check_before_parsing(path: &str) -> Result<(), String> {
    let mut depth = 0_usize;
    let mut open_quote = None;
    for (at, c) in outside_strings(path) {
        match c {
            // Inside a string only its closing quote comes through, so quotes alternate.
            '\'' | '"' => open_quote = if open_quote.is_some() { None } else { Some(at) },
            '[' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let problem = format!("nesting deeper than {MAX_NESTING} brackets and parentheses");
                    return Err(invalid(path, at, &problem));
                }
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    match open_quote {
        Some(at) => Err(invalid(path, at, "the string starting here is not closed")),
        None => Ok(()),
    }
}

/// The characters of `path` outside its string literals (quotes included), with their
/// byte offsets, so that brackets or dots inside a quoted name are not mistaken for syntax.
fn outside_strings(path: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote = None;
    let mut escaped = false;
    path.char_indices().filter(move |&(_, c)| match quote {
        None => {
            if matches!(c, '\'' | '"') {
                quote = Some(c);
            }
            true
        }
        Some(_) if escaped => {
            escaped = false;
            false
        }
        Some(_) if c == '\\' => {
            escaped = true;
            false
        }
        Some(open) => {
            if c == open {
                quote = None;
            }
            c == open
        }
    })
}

/// A rewritten path and where its text came from, to place errors in the original.
struct Rewrite {
    text: String,
    /// Replaced byte ranges, in order: `(in the original, in the rewrite)`.
    edits: Vec<(Range<usize>, Range<usize>)>,
}

impl Rewrite {
    /// Maps a byte offset in the rewrite back to the original path.
    fn original_position(&self, at: usize) -> usize {
        let mut original_at = at;
        for (original, rewritten) in &self.edits {
            if at < rewritten.start {
                break;
            }
            if at < rewritten.end {
                return original.start;
            }
            original_at = original.end + (at - rewritten.end);
        }
        original_at
    }
}

/// Rewrites every dotted name as a bracketed one (`.x-internal` -> `['x-internal']`,
/// `..$ref` -> `..['$ref']`), taking as a name the characters OpenAPI keys use.
///
/// A `.` starts a name only right after `$`, `@`, `]`, `*`, `.` or a name, so the dot
/// of a number literal (`1.5`) and dots inside quoted strings are left alone.
fn bracket_dotted_names(path: &str) -> Rewrite {
    let mut rewrite = Rewrite { text: String::with_capacity(path.len() + 16), edits: Vec::new() };
    let mut copied = 0; // bytes of `path` already in `rewrite.text`
    let mut after_query = false;
    let mut chars = outside_strings(path).peekable();
    while let Some((at, c)) = chars.next() {
        if c != '.' || !after_query {
            after_query = matches!(c, '$' | '@' | ']' | '*');
            continue;
        }
        let start = at + 1;
        let len = path[start..].find(|c| !is_dotted_name_char(c)).unwrap_or(path.len() - start);
        if len > 0 {
            // The second dot of `..` stays: `..name` becomes `..['name']`.
            let from = if path[..at].ends_with('.') { start } else { at };
            let end = start + len;
            rewrite.text.push_str(&path[copied..from]);
            let new_start = rewrite.text.len();
            rewrite.text.push_str("['");
            rewrite.text.push_str(&path[start..end]);
            rewrite.text.push_str("']");
            rewrite.edits.push((from..end, new_start..rewrite.text.len()));
            copied = end;
            while chars.next_if(|&(i, _)| i < end).is_some() {}
        }
        after_query = true;
    }
    rewrite.text.push_str(&path[copied..]);
    rewrite
}

/// RFC 9535 name characters (ASCII letters, digits, `_`, non-ASCII) plus `-` and `$`;
/// a leading digit is allowed too. None of them needs escaping inside `'...'`.
fn is_dotted_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$') || !c.is_ascii()
}

/// The position of each step of `location` among its parent's children, so that
/// sorting these vectors puts nodes in document order (parents before children).
fn document_position(root: &Value, location: &NormalizedPath<'_>) -> Vec<usize> {
    let mut node = Some(root);
    location
        .iter()
        .map(|element| match (element, node) {
            (PathElement::Name(name), Some(Value::Object(members))) => {
                node = members.get(*name);
                // Objects keep insertion order (serde_json's `preserve_order`).
                members.keys().position(|key| key == name).unwrap_or(usize::MAX)
            }
            (PathElement::Index(index), Some(Value::Array(items))) => {
                node = items.get(*index);
                *index
            }
            // Unreachable: the location came from this document.
            _ => usize::MAX,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(doc: &Value, path: &str) -> Vec<String> {
        match select(doc, path) {
            Ok(pointers) => pointers,
            Err(e) => panic!("{path} should parse: {e}"),
        }
    }

    fn err(path: &str) -> String {
        match select(&json!({}), path) {
            Ok(p) => panic!("{path} should be rejected, selected {p:?}"),
            Err(e) => e,
        }
    }

    fn openapi() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": { "title": "Agents", "version": "1" },
            "paths": {
                "/agents": {
                    "get": { "operationId": "listAgents", "tags": ["agents"] },
                    "post": { "operationId": "createAgent", "deprecated": false }
                },
                "/agents/{agentName}": {
                    "get": { "operationId": "getAgent", "deprecated": true },
                    "delete": { "operationId": "deleteAgent", "x-internal": true }
                }
            },
            "components": {
                "schemas": {
                    "Agent": {
                        "type": "object",
                        "properties": { "name": { "type": "string", "description": "d1" } },
                        "description": "d0"
                    }
                }
            }
        })
    }

    // -- pointers --------------------------------------------------------------

    #[test]
    fn root_selects_whole_document_as_empty_pointer() {
        assert_eq!(sel(&openapi(), "$"), vec![""]);
    }

    #[test]
    fn dot_child_selects_member() {
        assert_eq!(sel(&openapi(), "$.info.title"), vec!["/info/title"]);
    }

    #[test]
    fn bracket_name_with_slashes_and_braces_is_escaped_in_pointer() {
        let doc = openapi();
        assert_eq!(sel(&doc, "$.paths['/agents/{agentName}'].get"), vec!["/paths/~1agents~1{agentName}/get"]);
        assert_eq!(sel(&doc, "$.paths[\"/agents/{agentName}\"]['get']"), vec!["/paths/~1agents~1{agentName}/get"]);
    }

    #[test]
    fn bracket_name_with_tilde_and_dot_is_one_member() {
        let doc = json!({ "a~b/c.d": 1, "a": { "b": 2 } });
        assert_eq!(sel(&doc, "$['a~b/c.d']"), vec!["/a~0b~1c.d"]);
        assert_eq!(sel(&json!({ "": 1 }), "$['']"), vec!["/"]);
    }

    #[test]
    fn array_index_positive_and_negative() {
        let doc = json!({ "tags": ["a", "b", "c"], "o": { "0": 1 } });
        assert_eq!(sel(&doc, "$.tags[0]"), vec!["/tags/0"]);
        assert_eq!(sel(&doc, "$.tags[-1]"), vec!["/tags/2"]);
        assert!(sel(&doc, "$.tags[3]").is_empty());
        assert!(sel(&doc, "$.o[0]").is_empty());
    }

    #[test]
    fn missing_member_selects_nothing() {
        assert!(sel(&openapi(), "$.paths['/nope'].get").is_empty());
        assert!(sel(&openapi(), "$.info.title.deeper").is_empty());
    }

    // -- order and duplicates ------------------------------------------------

    #[test]
    fn wildcards_select_children_in_document_order() {
        let doc = json!({ "z": 1, "a": 2, "m": [3, 4] });
        assert_eq!(sel(&doc, "$.*"), vec!["/z", "/a", "/m"]);
        assert_eq!(sel(&doc, "$[*]"), vec!["/z", "/a", "/m"]);
        assert_eq!(sel(&doc, "$.m[*]"), vec!["/m/0", "/m/1"]);
    }

    #[test]
    fn union_and_slice_are_in_document_order_without_duplicates() {
        let doc = json!({ "a": 1, "b": 2, "c": [10, 11, 12] });
        assert_eq!(sel(&doc, "$['b','a','b']"), vec!["/a", "/b"]);
        assert_eq!(sel(&doc, "$.c[2, 0, -1]"), vec!["/c/0", "/c/2"]);
        assert_eq!(sel(&doc, "$[*, 'a']"), vec!["/a", "/b", "/c"]);
        assert_eq!(sel(&doc, "$.c[::-1]"), vec!["/c/0", "/c/1", "/c/2"]);
    }

    #[test]
    fn recursive_descent_is_in_document_order_parents_first() {
        let doc = openapi();
        assert_eq!(
            sel(&doc, "$..description"),
            vec!["/components/schemas/Agent/properties/name/description", "/components/schemas/Agent/description"]
        );
        let doc = json!({ "a": { "b": 1 }, "c": [2, { "d": 3 }] });
        assert_eq!(sel(&doc, "$..*"), vec!["/a", "/a/b", "/c", "/c/0", "/c/1", "/c/1/d"]);
        // Chained descent reaches the same nodes many ways; each is reported once.
        assert_eq!(sel(&doc, "$..*..*"), vec!["/a/b", "/c/0", "/c/1", "/c/1/d"]);
    }

    // -- filters as overlays write them ----------------------------------------

    #[test]
    fn filter_equality_with_parenthesized_and_bare_forms() {
        let doc = json!({ "params": [{ "name": "a" }, { "name": "x" }, { "name": "x", "in": "q" }] });
        let expected = vec!["/params/1", "/params/2"];
        assert_eq!(sel(&doc, "$.params[?(@.name == 'x')]"), expected);
        assert_eq!(sel(&doc, "$.params[?@.name == 'x']"), expected);
        assert_eq!(sel(&doc, "$.params[?@.name==\"x\"]"), expected);
    }

    #[test]
    fn filter_existence_test_matches_present_members_even_when_false() {
        let doc = openapi();
        assert_eq!(
            sel(&doc, "$.paths.*[?@.deprecated]"),
            vec!["/paths/~1agents/post", "/paths/~1agents~1{agentName}/get"]
        );
        assert_eq!(sel(&doc, "$.paths.*[?@.deprecated == true]"), vec!["/paths/~1agents~1{agentName}/get"]);
        assert_eq!(sel(&doc, "$.paths[?@.delete]"), vec!["/paths/~1agents~1{agentName}"]);
    }

    #[test]
    fn filter_on_current_node_value() {
        let doc = json!({ "required": ["name", "readOnly", "id"] });
        assert_eq!(sel(&doc, "$.required[?@ == 'readOnly']"), vec!["/required/1"]);
    }

    #[test]
    fn long_or_chain_is_fine() {
        let expr = vec!["@.a == 1"; 5000].join(" || ");
        assert_eq!(sel(&json!([{ "a": 1 }]), &format!("$[?{expr}]")), vec!["/0"]);
    }

    // -- dotted OpenAPI names (beyond RFC 9535) ----------------------------------

    #[test]
    fn dotted_names_allow_dash_dollar_and_leading_digits() {
        let doc = json!({ "x-internal": 1, "s": { "$ref": "#/x" }, "responses": { "200": { "d": 1 } } });
        assert_eq!(sel(&doc, "$.x-internal"), vec!["/x-internal"]);
        assert_eq!(sel(&doc, "$.s.$ref"), vec!["/s/$ref"]);
        assert_eq!(sel(&doc, "$..$ref"), vec!["/s/$ref"]);
        assert_eq!(sel(&doc, "$.responses.200.d"), vec!["/responses/200/d"]);
    }

    #[test]
    fn dotted_names_with_dash_in_filters() {
        let doc = openapi();
        let internal = vec!["/paths/~1agents~1{agentName}/delete"];
        assert_eq!(sel(&doc, "$.paths.*[?@.x-internal == true]"), internal);
        assert_eq!(sel(&doc, "$.paths.*[?(@.x-internal == true)]"), internal);
        assert_eq!(sel(&doc, "$.paths.*[?(@.x-internal)]"), internal);
        assert_eq!(sel(&doc, "$..[?@.x-internal && @.operationId == 'deleteAgent']"), internal);
    }

    #[test]
    fn dotted_name_rewrite_leaves_strings_and_numbers_alone() {
        let doc = json!([{ "x-y": "a.b-c", "v": 1.5 }, { "x-y": "it's .x-y", "v": 1.5 }]);
        assert_eq!(sel(&doc, "$[?@.x-y == 'a.b-c']"), vec!["/0"]);
        assert_eq!(sel(&doc, "$[?@.x-y == \"a.b-c\" && @.v == 1.5]"), vec!["/0"]);
        assert_eq!(sel(&doc, r"$[?@.v == 1.5 && @.x-y == 'it\'s .x-y']"), vec!["/1"]);
    }

    #[test]
    fn error_after_a_dotted_name_is_placed_in_the_original_path() {
        // The strict parser fails at the `-`; the real problem is the missing `]`.
        let e = err("$.x-internal['a'");
        assert!(e.contains("at position 16 (found end of input)"), "{e}");
        assert!(e.contains("\"$.x-internal['a'\""), "{e}");
        let e = err("$[?@.x-y == 1 && @.v = 2]");
        assert!(e.contains("at position 21 (found '=')"), "{e}");
    }

    // -- errors -----------------------------------------------------------------

    #[test]
    fn syntax_error_names_path_position_and_problem() {
        let e = err("$.paths['/a'");
        assert!(e.starts_with("invalid JSONPath \"$.paths['/a'\": at position 12 (found end of input): "), "{e}");
        assert!(e.contains("expected closing ']'"), "{e}");
        // Positions count characters, not bytes.
        assert!(err("$['é'] x").contains("at position 6 (found ' ')"), "{}", err("$['é'] x"));
    }

    #[test]
    fn malformed_paths_are_rejected() {
        let cases = [
            "",
            "paths",
            " $",
            "@.a",
            ".a",
            "$ ",
            "$.",
            "$..",
            "$...a",
            "$[]",
            "$a",
            "$['a',]",
            "$.a b",
            "$['abc",
            r"$['\x']",
            r"$['\uD800']",
            "$['a\u{1}']",
            "$[01]",
            "$[-0]",
            "$[9007199254740992]",
            "$[-]",
            "$[?@.* == 1]",
            "$[?@..a == 1]",
            "$[?@.a = 'x']",
            "$[?'x']",
            "$[?@.a == x]",
            "$[?(@.a == 1]",
            "$[?@.a == ]",
            "$[?!@.a == 1]",
            "$[?@.a &&]",
            "$[?1e999 == @.a]",
            "$[?@.a == 1.]",
            "$[?nope(@.a)]",
        ];
        for path in cases {
            assert!(err(path).starts_with("invalid JSONPath "), "{path}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_quickly() {
        let deep = format!("$[?{}@.a{}]", "(".repeat(10_000), ")".repeat(10_000));
        assert!(err(&deep).contains("at position 12 (found '('): nesting deeper than 10"), "{}", err(&deep));
        let nested_filters = format!("$[?@{}]", "[?@".repeat(10_000));
        assert!(err(&nested_filters).contains("nesting deeper than"));
        // Brackets inside names do not count; moderate nesting is fine.
        assert_eq!(sel(&json!({ "[[[[[[[[[[[": 1 }), "$['[[[[[[[[[[[']"), vec!["/[[[[[[[[[[["]);
        let ok = format!("$[?{}@.a{}]", "(".repeat(9), ")".repeat(9));
        assert_eq!(sel(&json!([{ "a": 1 }]), &ok), vec!["/0"]);
    }

    #[test]
    fn unterminated_strings_are_errors() {
        // serde_json_path 0.7.2 panics on these (an unfinished `\u` escape at the end).
        for path in [r"$['\u", r"$['\u00e9\uD", "$['abc", r#"$["a\""#] {
            assert!(err(path).contains("at position 2 (found "), "{path}: {}", err(path));
            assert!(err(path).contains("the string starting here is not closed"), "{path}");
        }
        assert!(err(r"$[?@.a == 'x\uD83D\u").contains("at position 10 (found '\\'')"));
    }

    #[test]
    fn malformed_paths_never_panic() {
        let doc = openapi();
        let seeds = [
            "$.paths['/agents/{agentName}'].get",
            "$..[?(@.name == 'x' && @.in != \"q\" || !@.deprecated)]",
            "$.a[-1, 0, 'b', *][?@.v >= -1.5e+3 && @.w < $.x[0]]",
            r"$['\u00e9\uD83D\uDE00\n', 'x']..*",
            "$[?@.a == true || @.b == false || @.c == null]",
            "$.x-internal..$ref[?@.200 && length(@.a-b) > 1][1:-1:2]",
        ];
        let mut cases: Vec<String> = Vec::new();
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for i in 0..=chars.len() {
                cases.push(chars[..i].iter().collect()); // every prefix
                let mut removed = chars.clone();
                if i < removed.len() {
                    removed.remove(i); // every single-character deletion
                    cases.push(removed.into_iter().collect());
                }
                for extra in ['[', ']', '(', ')', '\'', '"', '\\', '.', '?', '@', '$', '-', '!', '=', ',', '*', ' '] {
                    let mut inserted = chars.clone();
                    inserted.insert(i, extra); // every single-character insertion
                    cases.push(inserted.into_iter().collect());
                }
            }
        }
        // Deterministic pseudo-random strings over the grammar's alphabet.
        let alphabet: Vec<char> = "$@.[]()?'\"\\*,:-!=<>&|0159aeflnrtu ".chars().collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut s = String::from("$");
            for _ in 0..(state % 24) {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let i = usize::try_from(state >> 33).unwrap_or(0) % alphabet.len();
                s.push(alphabet[i]);
            }
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            cases.push(s);
        }
        for case in &cases {
            // Only the absence of panics matters here; both outcomes are fine.
            let _ = select(&doc, case);
        }
        assert!(cases.len() > 5000);
    }
}
