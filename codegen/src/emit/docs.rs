//! Spec prose -> rustdoc that builds without warnings and runs no doctests.

use crate::ir::Docs;
use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "..."]` attributes, one per line, for the docs plus extra paragraphs.
pub fn attrs(docs: &Docs, extra: &[String]) -> TokenStream {
    let mut paragraphs: Vec<String> = Vec::new();
    if let Some(s) = docs.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        paragraphs.push(s.trim().to_owned());
    }
    if let Some(d) = docs.description.as_deref().filter(|d| !d.trim().is_empty()) {
        if docs.summary.as_deref().map(str::trim) != Some(d.trim()) {
            paragraphs.push(d.trim().to_owned());
        }
    }
    paragraphs.extend(extra.iter().filter(|e| !e.is_empty()).cloned());
    lines_to_attrs(&paragraphs.join("\n\n"))
}

/// Like [`attrs`], with `trusted` paragraphs the generator wrote itself appended unsanitized (their
/// intra-doc links stay links).
pub fn attrs_with_links(docs: &Docs, extra: &[String], trusted: &[String]) -> TokenStream {
    let spec = attrs(docs, extra);
    let own: Vec<&String> = trusted.iter().filter(|t| !t.is_empty()).collect();
    if own.is_empty() {
        return spec;
    }
    let text = own.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("\n\n");
    let own = trusted_attrs(&text);
    if spec.is_empty() {
        own
    } else {
        quote! { #spec #[doc = ""] #own }
    }
}

/// `#[doc]` attributes for already-joined text.
pub fn lines_to_attrs(text: &str) -> TokenStream {
    let clean = sanitize(text);
    let lines = clean.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #[doc = #lines] )* }
}

/// `#[doc]` attributes for text the generator wrote itself (its intra-doc links stay links).
pub fn trusted_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #[doc = #lines] )* }
}

/// Inner `#![doc]` attributes for generator-written (already sanitized) module docs.
pub fn trusted_inner_attrs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #![doc = #lines] )* }
}

/// Inner `#![doc]` attributes (module docs).
pub fn inner_attrs(text: &str) -> TokenStream {
    let clean = sanitize(text);
    let lines = clean.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #![doc = #lines] )* }
}

/// The API's title as a noun phrase for docs: "Ayra API", and "TalkifAI API" for a title that
/// already ends with "API" (not "TalkifAI API API").
pub fn api_name(title: &str) -> String {
    let title = sanitize(title);
    if title.to_ascii_lowercase().ends_with(" api") {
        title
    } else {
        format!("{title} API")
    }
}

/// Makes markdown from a spec safe for rustdoc:
/// - indentation is dropped (an indented block would become a doctest);
/// - fenced blocks are marked `text` (so they are not compiled as Rust);
/// - `[x]` that is not a link is escaped (rustdoc would try to resolve it);
/// - bare URLs are wrapped in `<...>` and stray `<` escaped (rustdoc lints both).
pub fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_fence = false;
    // Width of the list marker whose item the following lines continue (`- ` is 2, `10. ` is 4).
    let mut list_indent: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.trim_start();
        if line.starts_with("```") {
            out.push(if in_fence { "```".to_owned() } else { "```text".to_owned() });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
        let clean = sanitize_line(line.trim_end());
        if clean.is_empty() {
            list_indent = None;
            out.push(clean);
        } else if let Some(width) = list_marker_width(&clean) {
            list_indent = Some(width);
            out.push(clean);
        } else if let Some(width) = list_indent {
            // A wrapped list item: indented under its marker, as markdown (and clippy) expect.
            out.push(format!("{}{clean}", " ".repeat(width)));
        } else {
            out.push(clean);
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n")
}

/// The width of a list marker starting the line (`- `, `* `, `+ `, `12. `), if any.
fn list_marker_width(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

fn sanitize_line(line: &str) -> String {
    let mut out = String::new();
    // Split on backticks: even segments are prose, odd ones are code spans (left alone).
    for (i, seg) in line.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(seg);
        } else {
            out.push_str(&sanitize_prose(seg));
        }
    }
    out
}

fn sanitize_prose(seg: &str) -> String {
    let chars: Vec<char> = seg.chars().collect();
    let mut out = String::with_capacity(seg.len());
    let mut i = 0;
    // Compares without copying the rest of the line (a copy per character made this quadratic).
    let rest_starts_with = |i: usize, prefix: &str| chars[i..].iter().copied().take(prefix.len()).eq(prefix.chars());
    while i < chars.len() {
        let c = chars[i];
        if c == '[' {
            // A markdown link `[text](target)` stays; anything else is escaped.
            if let Some(close) = chars[i..].iter().position(|&c| c == ']') {
                let after = chars.get(i + close + 1);
                if after == Some(&'(') {
                    if let Some(end) = chars[i + close..].iter().position(|&c| c == ')') {
                        let link: String = chars[i..i + close + end + 1].iter().collect();
                        out.push_str(&link);
                        i += close + end + 1;
                        continue;
                    }
                }
            }
            out.push_str("\\[");
        } else if c == ']' {
            out.push_str("\\]");
        } else if c == 'h' && (rest_starts_with(i, "http://") || rest_starts_with(i, "https://")) {
            let len = chars[i..]
                .iter()
                .position(|c| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\''))
                .unwrap_or(chars.len() - i);
            let mut url: String = chars[i..i + len].iter().collect();
            let trailing: String = {
                let mut t = String::new();
                while url.ends_with(['.', ',', ';', ':']) {
                    t.insert(0, url.pop().unwrap_or_default());
                }
                t
            };
            out.push('<');
            out.push_str(&url);
            out.push('>');
            out.push_str(&trailing);
            i += len;
            continue;
        } else if c == '<' {
            out.push_str("&lt;");
        } else if c == '>' && i > 0 {
            out.push_str("&gt;");
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn links_stay_and_brackets_urls_and_tags_are_made_safe() {
        assert_eq!(sanitize("see [docs](/a#b) and [1]"), "see [docs](/a#b) and \\[1\\]");
        assert_eq!(sanitize("at https://x.y/z."), "at <https://x.y/z>.");
        assert_eq!(sanitize("Bearer <token>"), "Bearer &lt;token&gt;");
        assert_eq!(sanitize("`[x] <y>` kept"), "`[x] <y>` kept");
    }

    #[test]
    fn wrapped_list_items_stay_in_their_item() {
        assert_eq!(sanitize("- one\ntwo\n\nafter"), "- one\n  two\n\nafter");
        assert_eq!(sanitize("10. a\n    b"), "10. a\n    b");
    }

    #[test]
    fn indentation_and_fences_never_become_doctests() {
        assert_eq!(sanitize("a\n    code\n```\nx\n```"), "a\ncode\n```text\nx\n```");
    }
}
