//! The specs every generator runs on. All live in the repository, so the numbers come from a
//! clone alone; a missing file is an error naming it, never a silent skip (a skipped spec would
//! make two runs' tables look comparable when they are not).

use std::path::{Path, PathBuf};

/// One benchmark case.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Short name used in the table and on the command line (`--only nexus`).
    pub name: &'static str,
    /// Path relative to the repository root.
    pub path: &'static str,
    /// Overlay applied by our generator only: it is the project's own correction file, in a
    /// format (OpenAPI Overlay 1.0) that progenitor cannot read; the peers get the vendor spec.
    pub overlay: Option<&'static str>,
}

/// The cases, smallest first so a quick run (`--only`) finds the cheap ones at the top.
pub const SPECS: &[Spec] = &[
    Spec {
        name: "pipecat-cloud",
        path: "specs/pipecat-cloud/openapi.json",
        overlay: Some("specs/pipecat-cloud/overlay.yaml"),
    },
    Spec { name: "nexus", path: "tests/corpus/nexus.json", overlay: None },
    Spec { name: "oxide-rs", path: "tests/corpus/oxide-rs.json", overlay: None },
    Spec { name: "github", path: "tests/corpus/api.github.com.json", overlay: None },
    Spec { name: "openai-3.0", path: "tests/corpus/openai-3.0.yaml", overlay: None },
    Spec { name: "openai-3.1", path: "tests/corpus/openai-3.1.yaml", overlay: None },
];

/// A spec's texts, read before any timing starts (disk I/O is not generation time).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Which case this is.
    pub spec: Spec,
    /// The spec's text.
    pub text: String,
    /// The overlay's text, when the case has one.
    pub overlay: Option<String>,
}

/// The repository root: the bench crate's parent directory.
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Finds a case by name.
pub fn by_name(name: &str) -> Result<Spec, String> {
    SPECS.iter().copied().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<_> = SPECS.iter().map(|s| s.name).collect();
        format!("unknown spec `{name}` (expected one of: {})", names.join(", "))
    })
}

/// Reads a case's files.
pub fn load(spec: Spec) -> Result<Loaded, String> {
    let root = repo_root();
    let read = |rel: &str| {
        let path = root.join(rel);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read spec file {}: {e}", path.display()))
    };
    Ok(Loaded { spec, text: read(spec.path)?, overlay: spec.overlay.map(read).transpose()? })
}
