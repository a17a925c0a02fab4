//! Project automation. `cargo xtask <command>`:
//!
//! - `regen`            regenerate every API module under `generated/src/` from `specs/`
//! - `regen --check`    change nothing; fail listing stale, hand-edited, missing and orphaned files
//! - `gen <SPEC> --out <DIR> [--name <CRATE>] [--overlay <FILE>]`  a standalone crate from any spec
//! - `diff <OLD_SPEC> <NEW_SPEC> [--overlay <FILE>]`  the change report for any two specs
//! - `ci`               everything CI runs: drift check, clippy, docs, tests
//! - `bench [ARGS]`     generation speed beside progenitor and openapi-to-rust (release build
//!   of the separate workspace `bench/`); `bench --criterion`: ours alone

mod apis;
mod bench;
mod ci;
mod diff;
mod gen;
mod prism;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("regen") => match args.get(1).map(String::as_str) {
            Some("--check") => apis::check(&root),
            None => apis::regen(&root),
            Some(other) => Err(format!("unknown option `{other}` (expected `--check`)")),
        },
        Some("gen") => gen::run(&root, &args[1..]),
        Some("diff") => diff::run(&args[1..]),
        Some("ci") => ci::run(&root),
        Some("bench") => bench::run(&root, &args[1..]),
        _ => Err(usage()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: cargo xtask <regen [--check] | gen <SPEC> --out <DIR> [--name <CRATE>] [--overlay <FILE>] | diff <OLD_SPEC> <NEW_SPEC> [--overlay <FILE>] | ci | bench [--criterion | ARGS]>".to_owned()
}

/// The workspace root: xtask's manifest directory's parent.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
