//! Touches on prettyplease's output that make generated files read like hand-written ones.

/// The final text of a file: the runtime imported as `rt` where used, blank lines between
/// items, one value per line in open enum lists.
pub fn finish(printed: &str) -> String {
    space_items(&open_enum_lists(&import_runtime(printed)))
}

/// Generated code names the runtime's generated-code contract (`voice_agents_runtime::__private`)
/// everywhere; as `rt::` it fits on a line where the full path made prettyplease wrap.
const RUNTIME_IMPORT: &str = "use voice_agents_runtime::__private as rt;\n";

/// Adds [`RUNTIME_IMPORT`] after the file's inner docs and attributes when the file uses `rt::`.
fn import_runtime(text: &str) -> String {
    let uses = text.match_indices("rt::").any(|(i, _)| !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
    if !uses {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + RUNTIME_IMPORT.len());
    let mut inserted = false;
    for line in text.split_inclusive('\n') {
        if !(inserted || line.starts_with("//!") || line.starts_with("#![")) {
            out.push_str(RUNTIME_IMPORT);
            inserted = true;
        }
        out.push_str(line);
    }
    if !inserted {
        out.push_str(RUNTIME_IMPORT);
    }
    out
}

/// prettyplease puts top-level items right after each other; a blank line between them reads
/// like hand-written code.
pub(crate) fn space_items(text: &str) -> String {
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

/// The invocation that emits an open enum's impls (see `types::enum_def`).
const OPEN_ENUM: &str = "rt::__open_enum!(";

/// prettyplease fills macro arguments like prose, splitting `Negative =\n "negative"` across
/// lines; an enum's values read best one per line, like the enum itself.
fn open_enum_lists(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN_ENUM) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN_ENUM.len()..];
        let Some(end) = after.find(");\n") else { break };
        let args: String = after[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        match args.split_once(" { ").and_then(|(head, body)| Some((head, body.strip_suffix(" }")?))) {
            Some((head, body)) => {
                out.push_str(OPEN_ENUM);
                out.push_str(head);
                out.push_str(" {\n");
                for pair in split_top_level(body) {
                    out.push_str("    ");
                    out.push_str(pair.trim());
                    out.push_str(",\n");
                }
                out.push_str("});\n");
            }
            // Not the shape the emitter writes: leave prettyplease's text alone.
            None => out.push_str(&rest[start..start + OPEN_ENUM.len() + end + 3]),
        }
        rest = &after[end + 3..];
    }
    out.push_str(rest);
    out
}

/// Splits `A = "a, b", B = "c"` at the commas outside string literals.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut in_string, mut escaped, mut from) = (false, false, 0);
    for (i, c) in list.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ',' if !in_string => {
                parts.push(&list[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    if !list[from..].trim().is_empty() {
        parts.push(&list[from..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_imported_after_inner_attributes_only_where_used() {
        let used = "//! Doc.\n#![allow(deprecated)]\nuse super::super::Client;\nfn f() -> rt::Error {}\n";
        assert_eq!(
            import_runtime(used),
            "//! Doc.\n#![allow(deprecated)]\nuse voice_agents_runtime::__private as rt;\nuse super::super::Client;\nfn f() -> rt::Error {}\n"
        );
        let unused = "//! Doc.\nfn start() -> part::X {}\n";
        assert_eq!(import_runtime(unused), unused, "`part::` is not `rt::`");
    }

    #[test]
    fn open_enum_values_are_one_per_line_whatever_the_wire_text() {
        let printed = "rt::__open_enum!(\n    Sentiment, Unknown { Positive = \"positive\", Odd = \"a, \\\"b\\\" }\", Negative =\n    \"negative\" }\n);\n";
        assert_eq!(
            open_enum_lists(printed),
            "rt::__open_enum!(Sentiment, Unknown {\n    Positive = \"positive\",\n    Odd = \"a, \\\"b\\\" }\",\n    Negative = \"negative\",\n});\n"
        );
        let empty = "rt::__open_enum!(Empty, Unknown {});\n";
        assert_eq!(open_enum_lists(empty), empty, "no values: left as printed");
    }
}
