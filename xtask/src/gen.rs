//! `gen <SPEC> --out <DIR> [--name <CRATE>] [--overlay <FILE>]`: a standalone crate from any
//! OpenAPI 3.0 spec, for trying specs outside `specs/`. The crate gets a copy of the runtime.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;
use voice_agents_codegen::{generate, Input};

/// What one `gen` run produced (`cargo xtask corpus` tabulates it).
pub struct Summary {
    /// Operations generated.
    pub operations: usize,
    /// Named types generated.
    pub types: usize,
    /// Lines of the generated API module.
    pub lines: usize,
    /// Time spent generating (not writing).
    pub elapsed: std::time::Duration,
}

/// Runs the command.
pub fn run(root: &Path, args: &[String]) -> Result<Summary, String> {
    let mut spec = None;
    let mut out = None;
    let mut name = None;
    let mut overlay = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--out" => out = it.next().cloned(),
            "--name" => name = it.next().cloned(),
            "--overlay" => overlay = it.next().cloned(),
            other if spec.is_none() && !other.starts_with("--") => spec = Some(other.to_owned()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let spec = spec.ok_or("missing <SPEC>")?;
    let out = PathBuf::from(out.ok_or("missing --out <DIR>")?);
    let name = name.unwrap_or_else(|| {
        Path::new(&spec).file_stem().and_then(|s| s.to_str()).unwrap_or("api").replace(['.', '_'], "-")
    });
    let module = name.replace('-', "_");
    let text = fs::read_to_string(&spec).map_err(|e| format!("cannot read {spec}: {e}"))?;
    let overlay_text = overlay.as_ref().map(|o| fs::read_to_string(o).map_err(|e| format!("cannot read {o}: {e}"))).transpose()?;
    let started = Instant::now();
    let command = format!("cargo xtask gen {spec} --out {} --name {name}", out.display());
    let generated = generate(Input { file: &spec, text: &text, overlay: overlay.as_deref().zip(overlay_text.as_deref()) }, &command)
        .map_err(|d| format!("{spec}: cannot generate:\n{d}"))?;
    let elapsed = started.elapsed();
    for w in &generated.warnings {
        eprintln!("{w}");
    }
    let src = out.join("src");
    for f in &generated.files {
        write(&src.join(&module).join(&f.path), &f.contents)?;
    }
    copy_runtime(&root.join("generated/src/runtime"), &src.join("runtime"))?;
    write(&src.join("lib.rs"), &lib_rs(&module, &spec))?;
    write(&out.join("Cargo.toml"), &cargo_toml(root, &name)?)?;
    // The workspace's lockfile pins the runtime's dependencies to versions known to work.
    if let Ok(lock) = fs::read_to_string(root.join("Cargo.lock")) {
        write(&out.join("Cargo.lock"), &lock)?;
    }
    println!(
        "gen: {} operations, {} types, {} files in {} ({:.0} ms)",
        generated.api.operations.len(),
        generated.api.types.len(),
        generated.files.len() + 1,
        out.display(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(Summary {
        operations: generated.api.operations.len(),
        types: generated.api.types.len(),
        lines: generated.files.iter().map(|f| f.contents.lines().count()).sum(),
        elapsed,
    })
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn copy_runtime(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_runtime(&path, &target)?;
        } else {
            let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            write(&target, &text)?;
        }
    }
    Ok(())
}

fn lib_rs(module: &str, spec: &str) -> String {
    format!(
        "//! Client generated from `{spec}` by `cargo xtask gen`.\n\npub mod runtime;\npub mod {module};\npub use {module}::*;\n"
    )
}

/// The SDK crate's dependencies, copied from `generated/Cargo.toml` so versions match.
fn cargo_toml(root: &Path, name: &str) -> Result<String, String> {
    let sdk = fs::read_to_string(root.join("generated/Cargo.toml")).map_err(|e| format!("cannot read generated/Cargo.toml: {e}"))?;
    let deps = sdk
        .split("\n[dependencies]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .ok_or("generated/Cargo.toml has no [dependencies] section")?;
    Ok(format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{deps}\n"
    ))
}
