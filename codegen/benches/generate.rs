//! How long the whole pipeline (load, validate, IR, emit, format) takes per spec: the
//! project's own Pipecat Cloud spec and real-world specs from `tests/corpus/`.
//!
//! Reference points (ANCHORS / corpus README, debug builds): progenitor 0.15.1 generates
//! nexus in about 1.0 s and oxide-rs in about 1.4 s; openapi-generator takes 2-12 s per spec.
//! Run with `cargo xtask bench`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use voice_agents_codegen::{generate, Input};

/// A file by path from the workspace root; a missing one fails naming it (never a silent skip).
fn spec(rel: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    (rel.to_owned(), text)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    let pipecat_overlay = spec("specs/pipecat-cloud/overlay.yaml");
    let cases = [
        ("pipecat-cloud", "specs/pipecat-cloud/openapi.json", Some(&pipecat_overlay)),
        ("petstore", "tests/corpus/petstore.yaml", None),
        ("nexus", "tests/corpus/nexus.json", None),
        ("oxide-rs", "tests/corpus/oxide-rs.json", None),
    ];
    for (name, rel, overlay) in cases {
        let (file, text) = spec(rel);
        let overlay = overlay.map(|(f, t)| (f.as_str(), t.as_str()));
        group.bench_function(name, |b| {
            b.iter(|| generate(Input { file: &file, text: &text, overlay }, "bench").map(|g| g.files.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
