//! The real-world corpus (`tests/corpus/`, see its README): every spec generates (OpenAPI 3.0
//! and 3.1 alike), and the generator never panics on any of them. That the generated crates
//! compile is checked by `cargo xtask corpus`.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use voice_agents_codegen::{generate, Input, Severity};

const COMMAND: &str = "cargo xtask regen";

/// Every spec the corpus README lists: a missing one is a failure naming it, never a skip.
const CORPUS: &[&str] = &[
    "api.github.com.json",
    "buildomat.json",
    "cli-gen.json",
    "keeper.json",
    "nexus.json",
    "openai-3.0.yaml",
    "openai-3.1.yaml",
    "oxide-rs.json",
    "param-collision.json",
    "param-overrides.json",
    "petstore.yaml",
    "propolis-server.json",
];

/// The operations a spec declares, counted from the document itself (not through the
/// generator): every method of every path item.
fn declared_operations(name: &str, text: &str) -> usize {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    // The loader's parser only turns the text into a JSON value (it reads integers beyond i64
    // that serde_yaml alone refuses); what counts as an operation is decided here.
    let doc = voice_agents_codegen::load::parse_text(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) else { return 0 };
    paths
        .values()
        .filter_map(|item| item.as_object())
        .map(|item| METHODS.iter().filter(|m| item.contains_key(**m)).count())
        .sum()
}

#[test]
fn every_corpus_spec_generates_every_operation_and_none_panics() {
    let dir = crate::root().join("tests/corpus");
    let specs: Vec<PathBuf> = CORPUS.iter().map(|name| dir.join(name)).collect();
    for path in &specs {
        assert!(path.is_file(), "corpus spec {} is missing", path.display());
    }

    let mut panicked = Vec::new();
    let mut failed = BTreeSet::new();
    let mut incomplete = Vec::new();
    println!("{:<24} {:>8} {:>6} {:>6} {:>6} {:>9}", "spec", "result", "diags", "ops", "files", "ms");
    for path in &specs {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {name}: {e}"));
        let start = Instant::now();
        let outcome =
            catch_unwind(AssertUnwindSafe(|| generate(Input { file: &name, text: &text, overlay: None }, COMMAND)));
        let ms = start.elapsed().as_millis();
        match outcome {
            Err(_) => {
                println!("{name:<24} {:>8} {:>6} {:>6} {:>6} {ms:>9}", "PANIC", "-", "-", "-");
                panicked.push(name);
            }
            Ok(Ok(g)) => {
                println!(
                    "{name:<24} {:>8} {:>6} {:>6} {:>6} {ms:>9}",
                    "ok",
                    g.warnings.len(),
                    g.api.operations.len(),
                    g.files.len()
                );
                let declared = declared_operations(&name, &text);
                if g.api.operations.len() != declared {
                    incomplete.push(format!("{name}: {} of {declared} operations", g.api.operations.len()));
                }
                for w in g.warnings.iter().filter(|w| w.message.contains("skipped")) {
                    incomplete.push(format!("{name}: {w}"));
                }
            }
            Ok(Err(d)) => {
                assert!(d.has_errors(), "{name}: an Err must hold an error");
                let first =
                    d.0.iter().find(|x| x.severity == Severity::Error).map(ToString::to_string).unwrap_or_default();
                println!("{name:<24} {:>8} {:>6} {:>6} {:>6} {ms:>9}  {first}", "errors", d.0.len(), "-", "-");
                failed.insert(name);
            }
        }
    }
    assert!(panicked.is_empty(), "the generator panicked on {panicked:?}");
    assert!(failed.is_empty(), "every corpus spec must generate; these did not: {failed:?}");
    assert!(incomplete.is_empty(), "every operation of every spec is generated:\n{}", incomplete.join("\n"));
}
