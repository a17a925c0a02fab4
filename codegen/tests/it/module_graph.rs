//! The generator's modules form a DAG: no file under `codegen/src` imports (by `use` or by a
//! path like `crate::x::y` or `super::y`) a module that imports it back. A child module using an
//! item its parent defines (`use super::Ctx`) imports the parent; shared items belong in a leaf
//! module both can use.
//!
//! The parser is deliberately small: comments, string and char literals and `quote!` bodies
//! (tokens of *generated* code) are dropped, then `use` trees and paths starting with `crate`,
//! `super`, `self` or a declared child module are resolved to the longest module prefix.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[test]
fn codegen_modules_import_each_other_without_cycles() {
    let src = crate::root().join("codegen/src");
    let mut files = BTreeMap::new();
    collect_files(&src, &src, &mut files);
    assert!(files.len() > 10, "found only {} files under {}", files.len(), src.display());
    let graph = module_graph(&files);
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "module import cycles (move the shared items into a leaf module):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_checker_finds_parent_child_and_longer_cycles_and_ignores_quoted_code() {
    let files: BTreeMap<String, String> = [
        ("lib.rs", "mod a; mod b; mod c; pub use a::Thing;"),
        // a -> b -> c -> a, through a path, a `use` group and a `super::` path.
        ("a.rs", "pub struct Thing; fn f() { crate::b::g(); }"),
        ("b.rs", "use crate::{c::{self, H}};\npub fn g() {}"),
        ("c.rs", "pub struct H; fn h() { let _ = super::a::Thing; }"),
        // A parent and a child using each other; quoted, commented and string paths do not count.
        ("p/mod.rs", "mod kid; pub struct Ctx; fn f() { kid::k(); }"),
        (
            "p/kid.rs",
            "use super::Ctx; pub fn k() { quote!(crate::q::Z); /* crate::q */ let _ = \"crate::q\"; }\n#[cfg(test)] mod tests { use super::*; }",
        ),
        ("q.rs", "// crate::p\npub struct Z;"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let graph = module_graph(&files);
    assert!(graph["crate::q"].is_empty(), "{graph:?}");
    assert_eq!(graph["crate::p::kid"], BTreeSet::from(["crate::p".to_owned()]), "`tests` is part of its file");
    let found = cycles(&graph);
    assert_eq!(found, ["crate::a -> crate::b -> crate::c -> crate::a", "crate::p -> crate::p::kid -> crate::p"]);
}

/// Every `.rs` file under `dir`, by path relative to `root` (`ir/build.rs`).
fn collect_files(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            out.insert(rel, text);
        }
    }
}

/// `ir/build.rs` -> `crate::ir::build`, `ir/mod.rs` -> `crate::ir`, `lib.rs` -> `crate`.
fn module_of(file: &str) -> String {
    let stem = file.trim_end_matches(".rs");
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    if stem == "lib" || stem == "main" {
        "crate".to_owned()
    } else {
        format!("crate::{}", stem.replace('/', "::"))
    }
}

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Module -> the modules it imports.
fn module_graph(files: &BTreeMap<String, String>) -> Graph {
    let modules: BTreeSet<String> = files.keys().map(|f| module_of(f)).collect();
    let mut graph = Graph::new();
    for (file, text) in files {
        let module = module_of(file);
        let own: Vec<String> = module.split("::").map(str::to_owned).collect();
        let mut edges = BTreeSet::new();
        for (path, inline_depth) in references(&lex(text)) {
            let Some(absolute) = absolute(&own, &path, inline_depth) else { continue };
            // The longest prefix that is a module is what the path imports.
            let target = (1..=absolute.len())
                .rev()
                .map(|n| absolute[..n].join("::"))
                .find(|candidate| modules.contains(candidate));
            if let Some(target) = target.filter(|t| *t != module) {
                edges.insert(target);
            }
        }
        graph.insert(module, edges);
    }
    graph
}

/// A path as written, made absolute (`["crate", "ir", "Api"]`); `None` for other crates.
fn absolute(own: &[String], path: &[String], inline_depth: usize) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut out: Vec<String> = match first.as_str() {
        "crate" => vec!["crate".to_owned()],
        "self" => own.to_vec(),
        "super" => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            // `super` inside an inline module (`mod tests { use super::*; }`) is this file first.
            let up = supers.saturating_sub(inline_depth);
            if up >= own.len() {
                return None;
            }
            let mut base = own[..own.len() - up].to_vec();
            base.extend(path[supers..].iter().cloned());
            return Some(base.into_iter().filter(|s| s != "self").collect());
        }
        _ => {
            let mut base = own.to_vec();
            base.push(first.clone());
            base
        }
    };
    out.extend(path[1..].iter().filter(|s| *s != "self").cloned());
    Some(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Tokens without comments, literals and the bodies of quoting macros.
fn lex(text: &str) -> Vec<Tok> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(&c, i, 0);
        } else if ch == '\'' {
            // A char literal ('x', '\n', '{') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw_string_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            match c.get(i) {
                Some('"') if matches!(word.as_str(), "r" | "b" | "br" | "c" | "cr") => i = skip_string(&c, i, 0),
                Some('#') if raw_string_prefix && matches!(c.get(i + 1), Some('#' | '"')) => {
                    let hashes = c[i..].iter().take_while(|x| **x == '#').count();
                    i = skip_string(&c, i + hashes, hashes);
                }
                Some('#') if word == "r" => i += 1, // a raw identifier: `r#type` is `type`
                _ => out.push(Tok::Ident(word)),
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if ch == ':' && next == Some(':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    strip_quoted(out)
}

/// Skips a string literal whose opening quote is at `i`; raw strings end at `"` + `hashes` `#`s.
fn skip_string(c: &[char], mut i: usize, hashes: usize) -> usize {
    i += 1;
    while i < c.len() {
        if hashes == 0 && c[i] == '\\' {
            i += 2;
            continue;
        }
        if c[i] == '"' && c[i + 1..].iter().take(hashes).filter(|x| **x == '#').count() == hashes {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Drops the bodies of `quote!`-like macros: they hold tokens of generated code, whose
/// `crate::runtime::...` paths name the generated crate, not this one.
fn strip_quoted(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let quoting =
            matches!(&tokens[i], Tok::Ident(w) if matches!(w.as_str(), "quote" | "quote_spanned" | "parse_quote"));
        if quoting && tokens.get(i + 1) == Some(&Tok::Punct('!')) {
            if let Some(Tok::Punct(open @ ('(' | '[' | '{'))) = tokens.get(i + 2) {
                let close = match open {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                };
                let mut depth = 0usize;
                i += 2;
                while i < tokens.len() {
                    if tokens[i] == Tok::Punct(*open) {
                        depth += 1;
                    } else if tokens[i] == Tok::Punct(close) {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// Every path the tokens reference that may be this crate's, with the inline-module depth it
/// appears at: `use` trees and `crate::`/`super::`/`self::`/`child::` paths.
fn references(tokens: &[Tok]) -> Vec<(Vec<String>, usize)> {
    let children: BTreeSet<String> = tokens
        .windows(3)
        .filter_map(|w| match w {
            [Tok::Ident(m), Tok::Ident(name), Tok::Punct(';')] if m == "mod" => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut braces = 0usize;
    let mut inline: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Tok::Punct('{') => braces += 1,
            Tok::Punct('}') => {
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
                braces = braces.saturating_sub(1);
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(_)), Some(Tok::Punct('{'))) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    inline.push(braces + 1);
                }
            }
            Tok::Ident(w) if w == "use" => {
                let mut paths = Vec::new();
                i += 1;
                if tokens.get(i) != Some(&Tok::PathSep) {
                    use_tree(tokens, &mut i, &[], &mut paths);
                }
                out.extend(paths.into_iter().map(|p| (p, inline.len())));
                continue;
            }
            Tok::Ident(w) => {
                let after_sep = i > 0 && matches!(tokens[i - 1], Tok::PathSep | Tok::Punct('.'));
                let ours =
                    matches!(w.as_str(), "crate" | "super" | "self") || (inline.is_empty() && children.contains(w));
                if ours && !after_sep && tokens.get(i + 1) == Some(&Tok::PathSep) {
                    let mut path = vec![w.clone()];
                    while let (Some(Tok::PathSep), Some(Tok::Ident(next))) = (tokens.get(i + 1), tokens.get(i + 2)) {
                        path.push(next.clone());
                        i += 2;
                    }
                    out.push((path, inline.len()));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Expands one `use` tree (`a::{b, c::{self, D}}`) into its paths.
fn use_tree(tokens: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match tokens.get(*i) {
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                *i += 1;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    use_tree(tokens, i, &path, out);
                    match tokens.get(*i) {
                        Some(Tok::Punct(',')) => *i += 1,
                        Some(Tok::Punct('}')) => {
                            *i += 1;
                            break;
                        }
                        _ => break,
                    }
                    if tokens.get(*i) == Some(&Tok::Punct('}')) {
                        *i += 1;
                        break;
                    }
                }
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                out.push(path);
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
        match tokens.get(*i) {
            Some(Tok::PathSep) => *i += 1,
            Some(Tok::Ident(w)) if w == "as" => {
                *i += 2;
                out.push(path);
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// One line per strongly connected component with more than one module, naming a cycle in it.
fn cycles(graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for start in graph.keys() {
        if done.contains(start) {
            continue;
        }
        // The shortest way back to `start`, breadth first, names the cycle.
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut found = None;
        while let Some(n) = queue.pop_front() {
            for next in graph.get(&n).into_iter().flatten() {
                if next == start {
                    found = Some(n.clone());
                    break;
                }
                if !parent.contains_key(next) {
                    parent.insert(next.clone(), n.clone());
                    queue.push_back(next.clone());
                }
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(mut last) = found {
            let mut chain = vec![start.clone()];
            while last != *start {
                chain.push(last.clone());
                last = parent[&last].clone();
            }
            chain.push(start.clone());
            let end = chain.len() - 1;
            chain[1..end].reverse();
            done.extend(chain.iter().cloned());
            out.push(chain.join(" -> "));
        }
    }
    out
}
