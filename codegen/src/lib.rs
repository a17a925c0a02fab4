//! Spec-driven Rust code generation: OpenAPI 3.0 or 3.1 -> validated IR -> Rust tokens -> formatted files.
//!
//! The pipeline is `load -> validate -> ir -> emit`. Every stage is pure: text goes in, files
//! come out as data; the caller (`xtask`) owns the disk.

pub mod contract;
pub mod diagnostic;
pub mod diff;
pub mod drift;
pub mod emit;
pub mod ir;
pub mod load;
pub mod naming;
pub mod pointer;
pub mod resolve;
pub mod surface;
pub mod validate;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use emit::{GeneratedFile, Provenance};
pub use load::Input;

/// The result of a successful generation.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The API module's files.
    pub files: Vec<GeneratedFile>,
    /// Problems that did not stop generation.
    pub warnings: Vec<Diagnostic>,
    /// The IR the files came from (for change reports).
    pub api: ir::Api,
}

/// Loads, validates and builds the IR of a spec; all problems come back at once.
pub fn analyze(input: Input<'_>) -> Result<(ir::Api, load::Loaded, Vec<Diagnostic>), Diagnostics> {
    let loaded = load::load(input)?;
    let mut diags = loaded.warnings.clone();
    // Validation only reports; the IR does not wait for it.
    let (validated, (api, more)) = std::thread::scope(|scope| {
        let validating = scope.spawn(|| validate::validate(&loaded));
        let built = ir::build(&loaded);
        (validating.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), built)
    });
    diags.extend(validated);
    diags.extend(more);
    // Later stages point into the document as rewritten (3.1); show where that is in the file.
    for d in diags.iter_mut().filter(|d| d.file == loaded.file) {
        d.pointer = loaded.origins.original(&d.pointer);
    }
    diags.sort();
    diags.dedup();
    match api {
        Some(api) if !diags.iter().any(|d| d.severity == Severity::Error) => Ok((api, loaded, diags)),
        _ => Err(Diagnostics(diags)),
    }
}

/// Runs the whole pipeline for one spec. `command` is named in every file's preamble. The doc
/// examples name the module `api`; see [`generate_module`] to name it.
pub fn generate(input: Input<'_>, command: &str) -> Result<Generated, Diagnostics> {
    generate_module(input, command, "api")
}

/// Like [`generate`]; `module_path` is the Rust path users name the generated module by
/// (`voice_agents::pipecat_cloud`), which the compiled doc examples start from.
pub fn generate_module(input: Input<'_>, command: &str, module_path: &str) -> Result<Generated, Diagnostics> {
    let (api, loaded, warnings) = analyze(input)?;
    let provenance = Provenance {
        command: command.to_owned(),
        spec_file: input.file.to_owned(),
        overlay_file: input.overlay.map(|(f, _)| f.to_owned()),
        hashes: loaded.hashes.clone(),
        module_path: module_path.to_owned(),
    };
    let files = emit::emit(&api, &provenance).map_err(|d| Diagnostics(vec![d]))?;
    Ok(Generated { files, warnings, api })
}
