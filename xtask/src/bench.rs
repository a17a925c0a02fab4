//! `cargo xtask bench [ARGS]`: generation speed of this generator beside progenitor and
//! openapi-to-rust, on the same specs, in one run. The comparison lives in `bench/`, a separate
//! workspace with its own lockfile, so the peers are never part of `cargo xtask ci`'s build;
//! it runs in release because debug numbers say little about a generator's speed.
//! `cargo xtask bench --criterion` runs the criterion micro-benchmark of our generator alone.

use std::path::Path;
use std::process::Command;

/// Runs the side-by-side bench (arguments pass through to it) or, with `--criterion`, ours alone.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(root);
    if args.first().map(String::as_str) == Some("--criterion") {
        cmd.args(["bench", "--locked", "-p", "voice-agents-codegen", "--bench", "generate"]);
    } else {
        cmd.args(["run", "--release", "--locked", "--manifest-path", "bench/Cargo.toml", "--"]).args(args);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("bench failed ({status})"))
    }
}
