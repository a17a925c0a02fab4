//! Project automation. `cargo xtask <command>`:
//!
//! - `regen [--since REV]` regenerate every API module under `generated/src/` from `specs/`;
//!   (the change reports compare with REV, default HEAD)
//! - `regen --check`    change nothing; fail listing stale, hand-edited, missing and orphaned files
//! - `gen <SPEC> --out <DIR> [--name <CRATE>] [--overlay <FILE>] [--report-untyped]`  a standalone crate
//!   from any spec (`--report-untyped`: every schema typed as free-form JSON, and why)
//! - `diff <OLD_SPEC> <NEW_SPEC> [--overlay <FILE>]`  the change report for any two specs
//! - `ci`               everything CI runs: formatting, drift check, clippy, docs, tests
//! - `corpus [--small]` every spec in `tests/corpus/` as a standalone crate, each `cargo check`ed
//! - `bench [ARGS]`     every figure of the performance table beside progenitor and
//!   openapi-to-rust: generation, dev-profile `gen`, crate rebuild, client overhead (release
//!   build of the separate workspace `bench/`, see bench/README.md); `bench --criterion`: ours alone

mod apis;
mod bench;
mod ci;
mod corpus;
mod diff;
mod docs;
mod fidelity;
mod gen;
mod prism;
mod readme;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("regen") => match args.get(1).map(String::as_str) {
            Some("--check") => apis::check(&root),
            Some("--since") => match args.get(2) {
                Some(rev) => apis::regen(&root, rev),
                None => Err("`--since` needs a git revision".to_owned()),
            },
            None => apis::regen(&root, "HEAD"),
            Some(other) => Err(format!("unknown option `{other}` (expected `--check` or `--since REV`)")),
        },
        Some("gen") => gen::run(&root, &args[1..]).map(|_| ()),
        Some("diff") => diff::run(&args[1..]),
        Some("ci") => ci::run(&root),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("corpus") => corpus::run(&root, &args[1..]),
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
    "usage: cargo xtask <regen [--check | --since REV] | gen <SPEC> --out <DIR> [--name <CRATE>] [--overlay <FILE>] [--vendor-runtime] [--report-untyped] | diff <OLD_SPEC> <NEW_SPEC> [--overlay <FILE>] | ci | bench [--criterion | ARGS] | corpus [--small]>".to_owned()
}

/// The workspace root: xtask's manifest directory's parent.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
