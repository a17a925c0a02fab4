//! `ARCHITECTURE.md` stays true to the tree: every repository path it names exists, and every
//! folder directly under `codegen/src` and `runtime/src` is named, so that a file moved,
//! renamed or added as a new module folder fails here instead of misleading the next reader.
//!
//! What counts as a path: an inline code span (`` `...` ``) without spaces or `::` that
//! contains a `/` or ends in a file extension of the repository, and, in fenced blocks (the
//! bird's-eye diagram), any word that contains a `/` between two names. Placeholders and globs
//! (`<api>`, `{json,yaml}`, `*`) and URLs are skipped. A path is looked up from the root and,
//! inside a `###` section whose heading names an `entry` file, from that file's folder too (the
//! short paths of the code map: `ir/model.rs` under `codegen/src/lib.rs`).

use std::collections::BTreeSet;
use std::path::Path;

const EXTENSIONS: &[&str] = &[".rs", ".md", ".toml", ".json", ".yaml", ".yml", ".cjs", ".js", ".lock"];

/// One path as written, and where it may be found.
#[derive(Debug)]
struct Named {
    text: String,
    /// The folder of the enclosing section's entry file (`codegen/src`), if any.
    base: Option<String>,
    line: usize,
}

#[test]
fn every_path_architecture_md_names_exists() {
    let root = voice_agents_tests::root();
    let named = named_paths(&read(&root.join("ARCHITECTURE.md")));
    assert!(named.len() > 50, "found only {} paths: is the extraction broken? {named:#?}", named.len());
    let missing: Vec<String> = named
        .iter()
        .filter(|n| resolve(&root, n).is_none())
        .map(|n| match &n.base {
            Some(base) => format!("line {}: `{}` (neither from the root nor from `{base}/`)", n.line, n.text),
            None => format!("line {}: `{}`", n.line, n.text),
        })
        .collect();
    assert!(missing.is_empty(), "ARCHITECTURE.md names paths that do not exist:\n{}", missing.join("\n"));
}

#[test]
fn architecture_md_names_every_module_folder_of_codegen_and_runtime() {
    let root = voice_agents_tests::root();
    let named: BTreeSet<String> =
        named_paths(&read(&root.join("ARCHITECTURE.md"))).iter().filter_map(|n| resolve(&root, n)).collect();
    let mut unnamed = Vec::new();
    for src in ["codegen/src", "runtime/src"] {
        let entries = std::fs::read_dir(root.join(src)).unwrap_or_else(|e| panic!("cannot list {src}: {e}"));
        for entry in entries {
            let entry = entry.expect("directory entry");
            if entry.file_type().expect("file type").is_dir() {
                let dir = format!("{src}/{}", entry.file_name().to_string_lossy());
                if !named.contains(&dir) {
                    unnamed.push(dir);
                }
            }
        }
    }
    unnamed.sort();
    assert!(unnamed.is_empty(), "module folders ARCHITECTURE.md does not name (add them to the code map): {unnamed:?}");
}

/// The extraction itself, on a sample of each rule.
#[test]
fn architecture_paths_are_read_from_code_spans_and_diagrams() {
    let text = "intro `a/b.rs`, `Cargo.toml`, `voice_agents_runtime::__private`, `cargo xtask\ngen`\n\
                `specs/<api>/x`, `https://example.com/a`, `tests/*.rs`, `text/event-stream`, `x-envelope`\n\
                ### `codegen/` (entry `codegen/src/lib.rs`)\n`ir/model.rs`\n\
                ```text\nspecs/<api>/openapi.json\n   │  cargo xtask regen   (xtask/src/apis.rs: which)\nreqwest / net\n```\n\
                ## Invariants\n`c/d/`\n";
    let got: Vec<(String, Option<String>, usize)> =
        named_paths(text).into_iter().map(|n| (n.text, n.base, n.line)).collect();
    let codegen = Some("codegen/src".to_owned());
    assert_eq!(
        got,
        [
            ("a/b.rs".to_owned(), None, 1),
            ("Cargo.toml".to_owned(), None, 1),
            ("text/event-stream".to_owned(), None, 3),
            ("codegen/".to_owned(), codegen.clone(), 4),
            ("codegen/src/lib.rs".to_owned(), codegen.clone(), 4),
            ("ir/model.rs".to_owned(), codegen.clone(), 5),
            ("xtask/src/apis.rs".to_owned(), codegen, 8),
            ("c/d/".to_owned(), None, 12),
        ]
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The repository-relative path `named` stands for (without a trailing `/`), if it exists.
fn resolve(root: &Path, named: &Named) -> Option<String> {
    let path = named.text.trim_end_matches('/');
    let candidates = std::iter::once(path.to_owned()).chain(named.base.iter().map(|b| format!("{b}/{path}")));
    candidates.into_iter().find(|p| root.join(p).exists())
}

fn named_paths(text: &str) -> Vec<Named> {
    let mut out = Vec::new();
    let mut base: Option<String> = None;
    let mut in_fence = false;
    // An inline code span may run over a line break; it is collected here until it closes.
    let mut open_span: Option<(String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            for word in line.split_whitespace() {
                let word = word.trim_matches(|c: char| !(c.is_alphanumeric() || "_-./".contains(c)));
                let has_inner_slash = word.trim_matches('/').contains('/');
                if has_inner_slash && is_path_like(word) {
                    out.push(Named { text: word.to_owned(), base: base.clone(), line: line_no });
                }
            }
            continue;
        }
        if line.starts_with('#') {
            base = line
                .split_once("entry `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .and_then(|(entry, _)| entry.rsplit_once('/'))
                .map(|(dir, _)| dir.to_owned());
        }
        let mut rest = line;
        if let Some((mut span, start)) = open_span.take() {
            match rest.split_once('`') {
                Some((end, after)) => {
                    span.push(' ');
                    span.push_str(end);
                    push_span(&mut out, &span, &base, start);
                    rest = after;
                }
                None => {
                    span.push(' ');
                    span.push_str(rest);
                    open_span = Some((span, start));
                    continue;
                }
            }
        }
        while let Some((_, after_open)) = rest.split_once('`') {
            match after_open.split_once('`') {
                Some((span, after)) => {
                    push_span(&mut out, span, &base, line_no);
                    rest = after;
                }
                None => {
                    open_span = Some((after_open.to_owned(), line_no));
                    break;
                }
            }
        }
    }
    out
}

fn push_span(out: &mut Vec<Named>, span: &str, base: &Option<String>, line: usize) {
    let is_named_file = EXTENSIONS.iter().any(|ext| span.ends_with(ext));
    if (span.contains('/') || is_named_file) && is_path_like(span) {
        out.push(Named { text: span.to_owned(), base: base.clone(), line });
    }
}

/// Only the characters of this repository's file names: no spaces (commands), no `::` (Rust
/// paths), no placeholders, globs or URLs.
fn is_path_like(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
}

/// The mock is compiled only with the `mock` feature, off by default: each generated API
/// declares its `mock` module under `#[cfg(feature = "mock")]`, so does the runtime for its
/// engine, and neither crate's default features turn it on.
#[test]
fn the_mock_is_compiled_only_with_its_feature() {
    let root = voice_agents_tests::root();
    let gated = |file: &Path| -> bool {
        let tree = syn::parse_file(&read(file)).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let module = tree.items.iter().find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "mock" => Some(m),
            _ => None,
        });
        let module = module.unwrap_or_else(|| panic!("{} declares no `mock` module", file.display()));
        module.attrs.iter().filter(|a| a.path().is_ident("cfg")).any(|a| match a.parse_args::<syn::MetaNameValue>() {
            Ok(nv) => {
                let is_mock =
                    matches!(&nv.value, syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Str(s) if s.value() == "mock"));
                nv.path.is_ident("feature") && is_mock
            }
            Err(_) => false,
        })
    };
    let mut files = vec![root.join("runtime/src/lib.rs")];
    for api in ["pipecat_cloud", "talkifai", "ayra"] {
        files.push(root.join("generated/src").join(api).join("mod.rs"));
    }
    for file in &files {
        assert!(gated(file), "{}: `mod mock` is not behind #[cfg(feature = \"mock\")]", file.display());
    }
    let manifest = read(&root.join("generated/Cargo.toml"));
    let default = manifest.lines().find(|l| l.starts_with("default = ")).expect("default features");
    assert!(!default.contains("mock"), "the SDK's default features include the mock: {default}");
    assert!(
        manifest.contains(r#"mock = ["voice-agents-runtime/mock"]"#),
        "the SDK's `mock` feature turns on the runtime's"
    );
    let runtime = read(&root.join("runtime/Cargo.toml"));
    assert!(!runtime.lines().any(|l| l.starts_with("default = ") && l.contains("mock")), "the runtime's defaults");
    for server_crate in ["hyper ", "hyper-util ", "http-body-util "] {
        let line = runtime.lines().find(|l| l.starts_with(server_crate)).unwrap_or_else(|| panic!("{server_crate}"));
        assert!(line.contains("optional = true"), "the mock's server crates are optional: {line}");
    }
}
