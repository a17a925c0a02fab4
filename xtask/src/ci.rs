//! `cargo xtask ci`: every check CI runs, as named steps, stopping at the first failure.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs the steps.
pub fn run(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    // First, because it is the cheapest and a newcomer's first change should not drown in
    // formatting noise; generated files opt out (`#![cfg_attr(rustfmt, rustfmt::skip)]`).
    step("formatting (cargo fmt --all --check)", || cargo(root, &["fmt", "--all", "--check"], &[]))?;
    step("drift check (cargo xtask regen --check)", || crate::apis::check(root))?;
    step("install Prism for contract tests (npm ci --prefix tests)", || crate::prism::ensure_prism(root))?;
    step("clippy (whole workspace, -D warnings)", || {
        cargo(root, &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"], &[])
    })?;
    step("docs (cargo doc, warnings are errors)", || {
        cargo(root, &["doc", "--workspace", "--no-deps", "--locked"], &[("RUSTDOCFLAGS", "-D warnings")])
    })?;
    step("docs read well: no placeholders or provenance, links resolve, builder pages teach the call", || {
        crate::docs::check(root)
    })?;
    // Most tests wait on sockets, timeouts and Prism rather than compute: eight at a time on
    // two cores finish in about half the wall time of the default two.
    step("tests (cargo test --workspace, 8 threads)", || {
        cargo(root, &["test", "--workspace", "--locked", "--", "--test-threads", "8"], &[])
    })?;
    step("corpus: small real-world specs generate and compile (cargo xtask corpus --small)", || {
        crate::corpus::run(root, &["--small".to_owned()])
    })?;
    println!("ci: all steps passed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    println!("==> {name}");
    let started = Instant::now();
    f().map_err(|e| format!("ci step failed: {name}\n{e}"))?;
    println!("    ok ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

fn cargo(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}
