//! What the emitters are told about the generation (command, inputs, module path) and what they
//! produce (files as data).

use crate::load::SourceHashes;

/// What goes into the preambles (the command in every file's, the inputs in the manifest's)
/// and what the doc examples start from.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The command that regenerates the file (`cargo xtask regen`).
    pub command: String,
    /// The spec's path as shown to maintainers.
    pub spec_file: String,
    /// The overlay's path, if one was applied.
    pub overlay_file: Option<String>,
    /// Hashes of spec and overlay.
    pub hashes: SourceHashes,
    /// The Rust path of the generated module as users name it (`voice_agents::pipecat_cloud`);
    /// the compiled doc examples start from it.
    pub module_path: String,
}

/// One generated file, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the API module directory, `/`-separated (`models/region.rs`).
    pub path: String,
    /// Full contents, preamble included.
    pub contents: String,
}
