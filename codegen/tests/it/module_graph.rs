//! The modules of the generator (`codegen/src`) and of the runtime (`runtime/src`) form a DAG:
//! no file imports (by `use`, or by a path like `crate::x::y` or `super::y`) a module that imports
//! it back. A child module using an item its parent defines (`use super::Ctx`) imports the parent;
//! shared items belong in a leaf module both can use.
//!
//! Files are read with `syn` (items: `use` trees, inline modules, `#[macro_export]` macros) and
//! `proc-macro2` (the paths inside items); the bodies of `quote!` (tokens of *generated* code) are
//! not this crate's imports and are skipped. A path to a `#[macro_export]` macro
//! (`crate::__call_options!`) imports the file that defines it, not the crate root.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

#[test]
fn codegen_modules_import_each_other_without_cycles() {
    assert_acyclic("codegen/src");
}

#[test]
fn runtime_modules_import_each_other_without_cycles() {
    assert_acyclic("runtime/src");
}

fn assert_acyclic(dir: &str) {
    let src = crate::root().join(dir);
    let mut files = BTreeMap::new();
    collect_files(&src, &src, &mut files);
    assert!(files.len() > 10, "found only {} files under {}", files.len(), src.display());
    let graph = module_graph(&files);
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "module import cycles in {dir} (move the shared items into a leaf module):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_checker_finds_parent_child_and_longer_cycles_and_ignores_quoted_code() {
    let files: BTreeMap<String, String> = [
        ("lib.rs", "mod a; mod b; mod c; mod m; pub use a::Thing;"),
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
        ("q.rs", "// crate::p\npub struct Z; fn z() { crate::__made_in_m!(); }"),
        // A macro exported at the crate root belongs to the file that defines it.
        ("m.rs", "#[macro_export] macro_rules! __made_in_m { () => {} }"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let graph = module_graph(&files);
    assert_eq!(graph["crate::q"], BTreeSet::from(["crate::m".to_owned()]), "{graph:?}");
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
    let parsed: BTreeMap<String, syn::File> = files
        .iter()
        .map(|(file, text)| (file.clone(), syn::parse_file(text).unwrap_or_else(|e| panic!("parse {file}: {e}"))))
        .collect();
    // `#[macro_export]` macros live at the crate root but are defined in a module.
    let mut macros: BTreeMap<String, String> = BTreeMap::new();
    for (file, ast) in &parsed {
        for item in &ast.items {
            if let syn::Item::Macro(m) = item {
                let exported = m.attrs.iter().any(|a| a.path().is_ident("macro_export"));
                if let (true, Some(name)) = (exported, &m.ident) {
                    macros.insert(format!("crate::{name}"), module_of(file));
                }
            }
        }
    }
    let mut graph = Graph::new();
    for (file, ast) in &parsed {
        let module = module_of(file);
        let own: Vec<String> = module.split("::").map(str::to_owned).collect();
        let mut refs = Vec::new();
        references(&ast.items, 0, &mut refs);
        let mut edges = BTreeSet::new();
        for (path, inline_depth) in refs {
            let Some(absolute) = absolute(&own, &path, inline_depth) else { continue };
            let joined = absolute.join("::");
            // The longest prefix that is a module (or a macro's module) is what the path imports.
            let target = macros
                .get(&joined)
                .cloned()
                .or_else(|| (1..=absolute.len()).rev().map(|n| absolute[..n].join("::")).find(|c| modules.contains(c)));
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

/// The paths `items` use, each with how deep in inline modules it sits: `use` trees, and every
/// path in the items' tokens that starts with `crate`, `super`, `self` or a child module.
fn references(items: &[syn::Item], depth: usize, out: &mut Vec<(Vec<String>, usize)>) {
    let children: BTreeSet<String> =
        items.iter().filter_map(|i| if let syn::Item::Mod(m) = i { Some(m.ident.to_string()) } else { None }).collect();
    for item in items {
        match item {
            syn::Item::Use(u) => {
                let mut paths = Vec::new();
                use_tree(&u.tree, &mut Vec::new(), &mut paths);
                out.extend(paths.into_iter().map(|p| (p, depth)));
            }
            syn::Item::Mod(syn::ItemMod { content: Some((_, inner)), .. }) => references(inner, depth + 1, out),
            syn::Item::Mod(_) => {}
            // A `macro_rules!` body is a template of code for where it expands (`$crate::...`),
            // not this file's imports; an invocation imports what its path names.
            syn::Item::Macro(m) if m.mac.path.is_ident("macro_rules") => {}
            syn::Item::Macro(m) => token_paths(m.mac.path.to_token_stream(), &children, depth, out),
            other => token_paths(other.to_token_stream(), &children, depth, out),
        }
    }
}

/// The paths of a `use` tree, as segments (`self` in a group names the group's prefix).
fn use_tree(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_tree(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push(path);
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push(path);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_tree(t, prefix, out)),
    }
}

/// Paths in a token stream that start with `crate`, `super`, `self` or one of `children`,
/// skipping the bodies of `quote!`-like macros (generated code, not this crate's imports).
fn token_paths(tokens: TokenStream, children: &BTreeSet<String>, depth: usize, out: &mut Vec<(Vec<String>, usize)>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if matches!(id.to_string().as_str(), "quote" | "quote_spanned") => {
                let bang = matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                i += if bang { 3 } else { 1 };
                continue;
            }
            TokenTree::Ident(id) => {
                let first = id.to_string();
                let starts = matches!(first.as_str(), "crate" | "super" | "self") || children.contains(&first);
                // Only a path that continues with `::` (not a bare `self` receiver or a local).
                let mut path = vec![first];
                let mut j = i + 1;
                while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(next))) =
                    (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                {
                    if a.as_char() != ':' || b.as_char() != ':' {
                        break;
                    }
                    path.push(next.to_string());
                    j += 3;
                }
                if starts && path.len() > 1 {
                    out.push((path, depth));
                }
                i = j;
                continue;
            }
            TokenTree::Group(g) => token_paths(g.stream(), children, depth, out),
            _ => {}
        }
        i += 1;
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
