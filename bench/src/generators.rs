//! The three generators, each called the way its users call it, from spec text to formatted
//! Rust text: what a user pays end to end (parse + generate + format), nothing written to disk.

use crate::specs::Loaded;
use voice_agents_codegen::{generate, Input};

/// A generator under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gen {
    /// This repository's generator.
    Ours,
    /// openapi-to-rust 0.23.0 (gpu-cli).
    OpenapiToRust,
    /// progenitor 0.15.1 (Oxide).
    Progenitor,
}

impl Gen {
    /// Table order.
    pub const ALL: [Gen; 3] = [Gen::Ours, Gen::OpenapiToRust, Gen::Progenitor];

    /// Name on the command line and in the child protocol.
    pub fn id(self) -> &'static str {
        match self {
            Gen::Ours => "ours",
            Gen::OpenapiToRust => "o2r",
            Gen::Progenitor => "progenitor",
        }
    }

    /// Column heading.
    pub fn label(self) -> &'static str {
        match self {
            Gen::Ours => "ours",
            Gen::OpenapiToRust => "openapi-to-rust",
            Gen::Progenitor => "progenitor",
        }
    }

    /// Parses [`Gen::id`].
    pub fn parse(id: &str) -> Result<Gen, String> {
        Gen::ALL
            .into_iter()
            .find(|g| g.id() == id)
            .ok_or_else(|| format!("unknown generator `{id}` (expected ours, o2r or progenitor)"))
    }
}

/// What one generation produced.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Generated Rust files: (path relative to the module directory, contents).
    pub files: Vec<(String, String)>,
    /// `[dependencies]` lines the generated code needs (peers only: ours is written as a
    /// crate by `cargo xtask gen`, which knows its own dependencies).
    pub dependencies: Vec<String>,
}

impl Output {
    /// Lines of generated Rust, all files together. Runtime libraries the code uses (our
    /// `runtime` module, `progenitor-client`) are not generated and not counted.
    pub fn lines(&self) -> usize {
        self.files.iter().map(|(_, text)| text.lines().count()).sum()
    }
}

/// Runs one generator once.
pub fn run(gen: Gen, spec: &Loaded) -> Result<Output, String> {
    match gen {
        Gen::Ours => ours(spec),
        Gen::OpenapiToRust => openapi_to_rust(spec),
        Gen::Progenitor => progenitor(spec),
    }
}

/// Ours: one call does load (parse + overlay), validate, IR, emit and format.
fn ours(spec: &Loaded) -> Result<Output, String> {
    let overlay = spec.spec.overlay.zip(spec.overlay.as_deref());
    let generated = generate(Input { file: spec.spec.path, text: &spec.text, overlay }, "bench")
        .map_err(|d| first_lines(&d.to_string(), 3))?;
    Ok(Output { files: generated.files.into_iter().map(|f| (f.path, f.contents)).collect(), dependencies: Vec::new() })
}

/// openapi-to-rust has no one-call library entry point; this is its CLI's direct mode
/// (`openapi-to-rust generate SPEC`, `run_generate` in its `src/bin/openapi-to-rust.rs`) minus
/// reading and writing files: parse, preprocess, version check, analyze, generate (which
/// formats every file with prettyplease), render the artifact set.
fn openapi_to_rust(spec: &Loaded) -> Result<Output, String> {
    use openapi_to_rust::{overlay, spec_source, CodeGenerator, GeneratorConfig, SchemaAnalyzer, TypeMapper};
    let path = spec.spec.path;
    let value = spec_source::parse_spec(&spec.text, path).map_err(|e| format!("parse: {e}"))?;
    let value = overlay::preprocess_spec(value, &[], &[]).map_err(|e| format!("preprocess: {e}"))?;
    spec_source::validate_oas_document(&value)?;
    let mut config = GeneratorConfig {
        spec_path: path.into(),
        output_dir: "src/generated".into(),
        module_name: "api".to_owned(),
        enable_async_client: true,
        enable_sse_client: false,
        tracing_enabled: false,
        ..GeneratorConfig::default()
    };
    config.apply_spec_server_default(&value);
    let mapper = TypeMapper::new(config.types.clone());
    let mut analyzer = SchemaAnalyzer::with_type_mapper(value, mapper).map_err(|e| format!("analyzer: {e}"))?;
    let mut analysis = analyzer.analyze().map_err(|e| format!("analyze: {e}"))?;
    let generator = CodeGenerator::new(config).with_source_provenance(spec_source::sanitize_source_provenance(path));
    let result = generator.generate_all(&mut analysis).map_err(|e| format!("generate: {e}"))?;
    let mut out = Output::default();
    for (file, text) in generator.output_artifacts(&result) {
        let file = file.to_string_lossy().into_owned();
        if file.ends_with(".rs") {
            out.files.push((file, text));
        } else if file == "REQUIRED_DEPS.toml" {
            // Its "complete direct dependencies" fragment, minus comments and section headers.
            out.dependencies = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with('[') && !l.trim().is_empty())
                .map(str::to_owned)
                .collect();
        }
    }
    Ok(out)
}

/// progenitor the way its README's `build.rs` recipe and `cargo progenitor` use it: JSON,
/// else YAML, into `openapiv3::OpenAPI`; default settings (positional interface, merged
/// tags, as `cargo progenitor`'s defaults); tokens parsed by syn and printed by prettyplease.
fn progenitor(spec: &Loaded) -> Result<Output, String> {
    progenitor_with(spec, progenitor::InterfaceStyle::Positional)
}

/// progenitor with the given interface style (`Positional` is its default, `Builder` generates
/// a builder type per operation, as this project does).
pub fn progenitor_with(spec: &Loaded, interface: progenitor::InterfaceStyle) -> Result<Output, String> {
    let api: openapiv3::OpenAPI = match serde_json::from_str(&spec.text) {
        Ok(api) => api,
        Err(_) => serde_yaml::from_str(&spec.text).map_err(|e| format!("parse: {e}"))?,
    };
    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(interface);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator.generate_tokens(&api).map_err(|e| e.to_string())?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("generated tokens do not parse: {e}"))?;
    let text = prettyplease::unparse(&file);
    Ok(Output { files: vec![("lib.rs".to_owned(), text)], dependencies: progenitor_dependencies(&generator) })
}

/// The dependency list `cargo progenitor` writes for a crate (its `dependencies()`, with
/// `progenitor-client` as a dependency rather than inlined).
fn progenitor_dependencies(generator: &progenitor::Generator) -> Vec<String> {
    let types = generator.get_type_space();
    let mut deps = vec![
        "bytes = \"1.9\"".to_owned(),
        "futures-core = \"0.3\"".to_owned(),
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"stream\"] }"
            .to_owned(),
        "serde = { version = \"1.0\", features = [\"derive\"] }".to_owned(),
        "serde_urlencoded = \"0.7\"".to_owned(),
        "progenitor-client = \"=0.15.1\"".to_owned(),
    ];
    let optional = [
        (types.uses_regress(), "regress = \"0.10\""),
        (types.uses_uuid(), "uuid = { version = \"1.0\", features = [\"serde\", \"v4\"] }"),
        (types.uses_chrono(), "chrono = { version = \"0.4\", default-features = false, features = [\"serde\"] }"),
        (generator.uses_futures(), "futures = \"0.3\""),
        (generator.uses_websockets(), "base64 = \"0.22\""),
        (generator.uses_websockets(), "rand = \"0.8\""),
        (types.uses_serde_json(), "serde_json = \"1.0\""),
    ];
    deps.extend(optional.into_iter().filter(|(used, _)| *used).map(|(_, line)| line.to_owned()));
    deps
}

/// The first `n` lines of a (possibly long) diagnostic list, with a count of the rest.
pub fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines.iter().take(n).copied().collect::<Vec<_>>().join(" | ");
    if lines.len() > n {
        out.push_str(&format!(" | ... ({} more lines)", lines.len() - n));
    }
    out
}
