//! How long the whole pipeline (load, validate, IR, emit, format) takes per spec: the
//! project's own Pipecat Cloud spec and real-world specs from `../shared/corpus/`.
//!
//! Reference points (ANCHORS / corpus README, debug builds): progenitor 0.15.1 generates
//! nexus in about 1.0 s and oxide-rs in about 1.4 s; openapi-generator takes 2-12 s per spec.
//! Run with `cargo xtask bench`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use voice_agents_codegen::{generate, Input};

fn spec(rel: &str) -> Option<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).ok().map(|text| (rel.to_owned(), text))
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    let pipecat_overlay = spec("../specs/pipecat-cloud/overlay.yaml");
    let cases = [
        ("pipecat-cloud", "../specs/pipecat-cloud/openapi.json", pipecat_overlay.as_ref()),
        ("petstore", "../../shared/corpus/petstore.yaml", None),
        ("nexus", "../../shared/corpus/nexus.json", None),
        ("oxide-rs", "../../shared/corpus/oxide-rs.json", None),
    ];
    for (name, rel, overlay) in cases {
        // Corpus specs live outside the repository; skip the ones this machine lacks.
        let Some((file, text)) = spec(rel) else { continue };
        let overlay = overlay.map(|(f, t)| (f.as_str(), t.as_str()));
        group.bench_function(name, |b| {
            b.iter(|| generate(Input { file: &file, text: &text, overlay }, "bench").map(|g| g.files.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
