//! `gen <SPEC> --out <DIR> [--name <CRATE>] [--overlay <FILE>] [--vendor-runtime] [--report-untyped]`:
//! a standalone crate from any OpenAPI spec. The crate depends on the runtime crate (`runtime/`)
//! by path, or, with `--vendor-runtime`, on a copy of it inside the crate, for a crate that must
//! stand alone. `--report-untyped` lists every schema typed as free-form JSON, and why.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use voice_agents_codegen::{generate_module, Input};

/// What `gen` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// Operations generated.
    pub operations: usize,
    /// Named types generated.
    pub types: usize,
    /// Files written (generated files plus `lib.rs`).
    pub files: usize,
    /// Lines of generated code.
    pub lines: usize,
    /// Time spent in the generator (load, validate, IR, emit), without file writes.
    pub elapsed: Duration,
    /// Warnings the generator reported, one line each.
    pub warnings: Vec<String>,
    /// Schemas typed as free-form JSON: `pointer: reason`, one line each.
    pub untyped: Vec<String>,
    /// `(component schema, Rust type)` of every `components.schemas` entry (the fidelity
    /// oracle's dispatch).
    pub components: Vec<(String, String)>,
}

/// The arguments of one generation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The spec file.
    pub spec: String,
    /// The crate directory to write.
    pub out: PathBuf,
    /// The crate's package name.
    pub name: String,
    /// An Overlay 1.0 document applied to the spec first.
    pub overlay: Option<String>,
    /// Copy the runtime crate into the crate instead of depending on `runtime/` by path.
    pub vendor_runtime: bool,
    /// List every schema typed as free-form JSON, and why.
    pub report_untyped: bool,
}

/// Runs the command; returns what it wrote (`cargo xtask corpus` tabulates it).
pub fn run(root: &Path, args: &[String]) -> Result<Written, String> {
    let options = parse(args)?;
    let written = write_crate(root, &options)?;
    for w in &written.warnings {
        eprintln!("{w}");
    }
    if options.report_untyped {
        println!(
            "untyped: {} schema(s) typed as free-form JSON (serde_json::Value or a JSON object):",
            written.untyped.len()
        );
        for u in &written.untyped {
            println!("  {u}");
        }
    }
    println!(
        "gen: {} operations, {} types, {} files, {} lines in {} ({:.0} ms)",
        written.operations,
        written.types,
        written.files,
        written.lines,
        options.out.display(),
        written.elapsed.as_secs_f64() * 1000.0
    );
    Ok(written)
}

fn parse(args: &[String]) -> Result<Options, String> {
    let (mut spec, mut out, mut name, mut overlay, mut vendor_runtime, mut report_untyped) =
        (None, None, None, None, false, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => out = it.next().cloned(),
            "--name" => name = it.next().cloned(),
            "--overlay" => overlay = it.next().cloned(),
            "--vendor-runtime" => vendor_runtime = true,
            "--report-untyped" => report_untyped = true,
            other if spec.is_none() && !other.starts_with("--") => spec = Some(other.to_owned()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let spec = spec.ok_or("missing <SPEC>")?;
    let out = PathBuf::from(out.ok_or("missing --out <DIR>")?);
    let name = name.unwrap_or_else(|| default_name(&spec));
    Ok(Options { spec, out, name, overlay, vendor_runtime, report_untyped })
}

/// A crate name from the spec's file name (`api.github.com.json` -> `api-github-com`).
pub fn default_name(spec: &str) -> String {
    let stem = Path::new(spec).file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let name: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api-{name}")
    } else {
        name
    }
}

/// Generates the spec and writes the crate: `Cargo.toml`, `Cargo.lock`, `src/lib.rs` and the
/// API module under `src/<module>/`.
pub fn write_crate(root: &Path, o: &Options) -> Result<Written, String> {
    let module = o.name.replace('-', "_");
    let text = fs::read_to_string(&o.spec).map_err(|e| format!("cannot read {}: {e}", o.spec))?;
    let overlay_text =
        o.overlay.as_ref().map(|f| fs::read_to_string(f).map_err(|e| format!("cannot read {f}: {e}"))).transpose()?;
    let command = format!("cargo xtask gen {} --out {} --name {}", o.spec, o.out.display(), o.name);
    let started = Instant::now();
    let input = Input { file: &o.spec, text: &text, overlay: o.overlay.as_deref().zip(overlay_text.as_deref()) };
    let generated = generate_module(input, &command, &format!("{module}::{module}"))
        .map_err(|d| format!("{}: cannot generate:\n{d}", o.spec))?;
    let elapsed = started.elapsed();
    let src = o.out.join("src");
    // A regenerated crate must not keep files the spec no longer produces.
    if src.join(&module).is_dir() {
        fs::remove_dir_all(src.join(&module)).map_err(|e| format!("cannot clear {}: {e}", src.display()))?;
    }
    for f in &generated.files {
        write(&src.join(&module).join(&f.path), &f.contents)?;
    }
    write(&src.join("lib.rs"), &lib_rs(&module, &o.spec))?;
    let runtime_dep = if o.vendor_runtime {
        let vendored = o.out.join("vendor").join("voice-agents-runtime");
        copy_dir(&root.join("runtime"), &vendored, &["target"])?;
        "vendor/voice-agents-runtime".to_owned()
    } else {
        root.join("runtime").display().to_string()
    };
    write(&o.out.join("Cargo.toml"), &cargo_toml(&o.name, &runtime_dep))?;
    // The workspace's lockfile pins the runtime's dependencies to versions known to work.
    let lock = fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    write(&o.out.join("Cargo.lock"), &lock)?;
    Ok(Written {
        operations: generated.api.operations.len(),
        types: generated.api.types.len(),
        files: generated.files.len() + 1,
        lines: generated.files.iter().map(|f| f.contents.lines().count()).sum(),
        elapsed,
        warnings: generated.warnings.iter().map(ToString::to_string).collect(),
        untyped: generated.api.untyped.iter().map(|u| format!("{}#{}: {}", o.spec, u.pointer, u.reason)).collect(),
        components: crate::fidelity::component_types(&generated.api),
    })
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn copy_dir(from: &Path, to: &Path, skip: &[&str]) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if skip.iter().any(|s| entry.file_name() == *s) {
            continue;
        }
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target, skip)?;
        } else {
            let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            fs::write(&target, bytes).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        }
    }
    Ok(())
}

fn lib_rs(module: &str, spec: &str) -> String {
    format!(
        "//! Client generated from `{spec}` by `cargo xtask gen`.\n\npub mod {module};\npub use {module}::*;\n\n\
         /// The runtime's types applications use: the error, responses, pages, tri-state fields,\n\
         /// uploads and downloads.\n\
         pub use voice_agents_runtime::{{ByteStream, Error, Multipart, Nullable, Page, Response, Upload}};\n\n\
         // Crates whose types appear in the generated API, re-exported so users need not pin them.\n\
         pub use bytes;\npub use chrono;\npub use serde_json;\npub use uuid;\npub use voice_agents_runtime::http;\n"
    )
}

/// The crate's manifest: the runtime, plus the crates generated types name directly (serde for
/// the derives; chrono, uuid, bytes and serde_json for field types). Versions and features as
/// the SDK's (serde_json reads floats exactly: `float_roundtrip`).
fn cargo_toml(name: &str, runtime_path: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

# A crate of its own, not a member of any enclosing workspace.
[workspace]

[dependencies]
voice-agents-runtime = {{ path = "{runtime_path}" }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["float_roundtrip"] }}
chrono = {{ version = "0.4", default-features = false, features = ["std", "serde", "clock"] }}
uuid = {{ version = "1", features = ["serde"] }}
bytes = "1"

[features]
## A typed mock server of the API for tests (`<module>::mock`); enable it in `[dev-dependencies]`.
mock = ["voice-agents-runtime/mock"]
"#
    )
}
