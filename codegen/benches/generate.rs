//! How long the whole pipeline (load, validate, IR, emit, format) takes per spec: the
//! project's own Pipecat Cloud spec and real-world specs from `tests/corpus/`.
//!
//! Our generator alone, for quick before/after numbers while working on it:
//! `cargo xtask bench --criterion`. The side-by-side comparison with progenitor and
//! openapi-to-rust is `cargo xtask bench` (the separate workspace `bench/`).

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use voice_agents_codegen::{generate, Input};

/// Reads a file of the repository. A missing file is a failure naming it, not a skipped case:
/// a silently shorter benchmark would compare badly with an earlier run.
fn read(rel: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read benchmark input {}: {e}", path.display()));
    (rel.to_owned(), text)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    let pipecat_overlay = read("specs/pipecat-cloud/overlay.yaml");
    let cases = [
        ("pipecat-cloud", "specs/pipecat-cloud/openapi.json", Some(&pipecat_overlay)),
        ("petstore", "tests/corpus/petstore.yaml", None),
        ("nexus", "tests/corpus/nexus.json", None),
        ("oxide-rs", "tests/corpus/oxide-rs.json", None),
    ];
    for (name, rel, overlay) in cases {
        let (file, text) = read(rel);
        let overlay = overlay.map(|(f, t)| (f.as_str(), t.as_str()));
        group.bench_function(name, |b| {
            b.iter(|| generate(Input { file: &file, text: &text, overlay }, "bench").map(|g| g.files.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
