//! Integration tests of the generator, in one test binary (one build, one link): snapshots of
//! one-concern fixtures, the change report, the drift check and the real-world corpus.
//!
//! They need nothing but the generator: `cargo test -p voice-agents-codegen` runs them without
//! building the SDK or its HTTP stack.

mod change_report;
mod corpus;
mod drift;
mod fuzz;
mod module_graph;
mod snapshots;

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the repository, by path from the root; a missing file fails naming it.
pub fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
