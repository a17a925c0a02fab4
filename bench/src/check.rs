//! `--check`: how long `cargo check` takes on the crate each generator produced, i.e. what the
//! generated code costs its users at every build. All crates share one target directory, so
//! shared dependencies build once. When a check also had dependencies to build, the crate is
//! checked again after touching `src/lib.rs`, so the number reported is the generated code alone.

use crate::generators::Gen;
use crate::specs::{repo_root, Spec};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Where `--check` builds its crates (kept between runs so dependencies stay built).
pub fn work_dir() -> PathBuf {
    std::env::temp_dir().join("voice-agents-bench-check")
}

/// The crate directory of one (spec, generator) pair.
pub fn crate_dir(spec: &Spec, gen: Gen) -> PathBuf {
    work_dir().join(crate_name(spec, gen))
}

/// The package name of one (spec, generator) crate, as `cargo` prints it in `Compiling NAME`.
pub fn crate_name(spec: &Spec, gen: Gen) -> String {
    format!("{}-{}", gen.id(), spec.name.replace('.', "-"))
}

/// Where a peer's child process writes its files (see `child::write_output`); `None` for ours,
/// whose crate `cargo xtask gen` writes.
pub fn output_dir(spec: &Spec, gen: Gen) -> Option<PathBuf> {
    let dir = crate_dir(spec, gen);
    match gen {
        Gen::Ours => None,
        Gen::OpenapiToRust => Some(dir.join("src/api")),
        Gen::Progenitor => Some(dir.join("src")),
    }
}

/// Clears a crate directory before its generator writes into it.
pub fn reset(spec: &Spec, gen: Gen) -> Result<(), String> {
    let dir = crate_dir(spec, gen);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

/// Result of checking one crate.
pub enum Checked {
    /// Seconds: first check (with dependencies), second check (generated crate alone).
    Ok(f64, f64),
    /// `cargo check` failed: the number of errors and where the log is.
    Failed(usize, PathBuf),
    /// The crate could not be set up.
    NotBuilt(String),
}

/// Writes the crate around a generator's output (ours: runs `cargo xtask gen`), then checks it.
pub fn check(spec: &Spec, gen: Gen) -> Checked {
    match setup(spec, gen) {
        Ok(()) => run_checks(&crate_dir(spec, gen)),
        Err(e) => Checked::NotBuilt(e),
    }
}

/// Writes the crate around a generator's output: ours runs `cargo xtask gen --name` (whose crate
/// depends on `runtime/` by path), the peers get a manifest from their `DEPENDENCIES` list,
/// which their child process wrote next to the code (see [`output_dir`]).
pub fn setup(spec: &Spec, gen: Gen) -> Result<(), String> {
    let dir = crate_dir(spec, gen);
    let name = crate_name(spec, gen);
    let write =
        |rel: &str, text: &str| std::fs::write(dir.join(rel), text).map_err(|e| format!("cannot write {rel}: {e}"));
    let deps = |rel: &str| {
        std::fs::read_to_string(dir.join(rel)).map_err(|e| format!("cannot read {rel} (did generation succeed?): {e}"))
    };
    // openapi-to-rust emits `if let ... && ...` chains, which need edition 2024 (as its own
    // crate uses); `cargo progenitor` writes edition 2021 crates.
    let edition = if gen == Gen::OpenapiToRust { "2024" } else { "2021" };
    let manifest = |deps: String| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\npublish = false\n\n[workspace]\n\n[lib]\npath = \"src/lib.rs\"\n\n[dependencies]\n{deps}\n")
    };
    match gen {
        Gen::Ours => {
            let mut args = vec![
                "xtask".to_owned(),
                "gen".to_owned(),
                spec.path.to_owned(),
                "--out".to_owned(),
                dir.display().to_string(),
                "--name".to_owned(),
                name.clone(),
            ];
            if let Some(overlay) = spec.overlay {
                args.extend(["--overlay".to_owned(), overlay.to_owned()]);
            }
            let out = Command::new(cargo())
                .args(&args)
                .current_dir(repo_root())
                .env_remove("CARGO_TARGET_DIR")
                .output()
                .map_err(|e| format!("cannot run cargo xtask gen: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "cargo xtask gen failed: {}",
                    String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
                ));
            }
            Ok(())
        }
        Gen::OpenapiToRust => {
            write("Cargo.toml", &manifest(deps("src/api/DEPENDENCIES")?))?;
            write("src/lib.rs", "//! openapi-to-rust output, mounted as `api`.\n#![allow(warnings)]\npub mod api;\n")
        }
        Gen::Progenitor => {
            write("Cargo.toml", &manifest(deps("src/DEPENDENCIES")?))?;
            // progenitor's output is a module body meant for `include!`; a lib.rs can hold it as is.
            Ok(())
        }
    }
}

fn run_checks(dir: &Path) -> Checked {
    let (first, compiled) = match timed_cargo(dir, "check") {
        Ok(r) => r,
        Err(failed) => return failed,
    };
    if compiled.len() <= 1 {
        // Only the generated crate was checked: that already is the number we want.
        return Checked::Ok(first, first);
    }
    // Dependencies were checked too: touch the crate root and check the generated crate alone.
    if let Err(e) = touch_lib(dir) {
        return Checked::NotBuilt(e);
    }
    match timed_cargo(dir, "check") {
        Ok((second, _)) => Checked::Ok(first, second),
        Err(failed) => failed,
    }
}

/// Marks the crate root as modified (new mtime, same text), so the next `cargo` command
/// rebuilds this crate and nothing else: its dependencies' fingerprints do not change.
pub fn touch_lib(dir: &Path) -> Result<(), String> {
    let lib = dir.join("src/lib.rs");
    std::fs::File::options()
        .write(true)
        .open(&lib)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()))
        .map_err(|e| format!("cannot touch {}: {e}", lib.display()))
}

/// One `cargo SUBCOMMAND` (`check` or `build`) in a crate directory, with the shared target
/// dir: its seconds and the packages it compiled or checked (as named in cargo's progress
/// lines). The log goes to `SUBCOMMAND.log` in the crate directory.
pub fn timed_cargo(dir: &Path, subcommand: &str) -> Result<(f64, Vec<String>), Checked> {
    let log = dir.join(format!("{subcommand}.log"));
    let started = Instant::now();
    let out = Command::new(cargo())
        .args([subcommand, "--message-format", "short"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", work_dir().join("target"))
        // Without this, a second check of unchanged code is a near no-op replay of rustc's
        // incremental cache, not a check of the crate; CI builds are not incremental either.
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .map_err(|e| Checked::NotBuilt(format!("cannot run cargo {subcommand}: {e}")))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::write(&log, stderr.as_bytes());
    if out.status.success() {
        let compiled = stderr
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                ["Checking ", "Compiling "].iter().find_map(|w| l.strip_prefix(w))
            })
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
            .collect();
        Ok((seconds, compiled))
    } else {
        // `--message-format short` puts each compiler error on one `path:line:col: error...` line.
        let errors = stderr.lines().filter(|l| l.contains(": error")).count();
        Err(Checked::Failed(errors, log))
    }
}

/// The cargo that runs this bench (`$CARGO`), else `cargo` from `PATH`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Prints the check table.
pub fn print(rows: &[(&str, Vec<Option<Checked>>)]) {
    println!("`cargo check` of the generated crate alone, non-incremental, seconds (in brackets: the first check, which also checked the dependencies not yet in the shared target dir, so it depends on the order):");
    println!();
    println!("| spec | ours | openapi-to-rust | progenitor |");
    println!("|---|---:|---:|---:|");
    let mut notes = Vec::new();
    for (spec, checks) in rows {
        let cells: Vec<String> = checks
            .iter()
            .map(|c| match c {
                None => "-".to_owned(),
                Some(Checked::Ok(first, second)) if first == second => format!("{second:.1}"),
                Some(Checked::Ok(first, second)) => format!("{second:.1} ({first:.1})"),
                Some(failed) => failure_cell(spec, failed, "c", &mut notes),
            })
            .collect();
        println!("| {spec} | {} |", cells.join(" | "));
    }
    for (i, note) in notes.iter().enumerate() {
        println!("- c{}: {note}", i + 1);
    }
}

/// The cell of a crate that has no time (`FAILS` or `not built`), with a numbered note
/// (`PREFIX` + number) pushed to `notes`; `Checked::Ok` gives an empty cell.
pub fn failure_cell(spec: &str, checked: &Checked, prefix: &str, notes: &mut Vec<String>) -> String {
    match checked {
        Checked::Ok(..) => String::new(),
        Checked::Failed(n, log) => {
            notes.push(format!("{spec}: {n} compile errors, log {}", log.display()));
            format!("FAILS [{prefix}{}]", notes.len())
        }
        Checked::NotBuilt(e) => {
            notes.push(format!("{spec}: {e}"));
            format!("not built [{prefix}{}]", notes.len())
        }
    }
}
