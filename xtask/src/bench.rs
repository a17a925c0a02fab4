//! `cargo xtask bench [ARGS]`: generation speed of this generator beside progenitor and
//! openapi-to-rust, on the same specs, in one run. The comparison lives in `bench/`, a separate
//! workspace with its own lockfile, so the peers are never part of `cargo xtask ci`'s build;
//! it runs in release because debug numbers say little about a generator's speed.
//! `cargo xtask bench --criterion` runs the criterion micro-benchmark of our generator alone.
//!
//! One figure cannot come from the release bench: GitHub generated through `cargo xtask gen`
//! in the dev profile, what maintainers run. This dev-profile xtask measures it first and passes
//! it on (`--dev-gen-ms`); `--no-dev-gen` skips it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The spec of the dev-profile figure, and its name in the bench's `--only`.
const DEV_GEN_SPEC: (&str, &str) = ("tests/corpus/api.github.com.json", "github");
/// Timed `cargo xtask gen` runs; the median is reported.
const DEV_GEN_RUNS: usize = 5;

/// Runs the side-by-side bench (arguments pass through to it) or, with `--criterion`, ours alone.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root);
    if args.first().map(String::as_str) == Some("--criterion") {
        cmd.args(["bench", "--locked", "-p", "voice-agents-codegen", "--bench", "generate"]);
    } else {
        cmd.args(["run", "--release", "--locked", "--manifest-path", "bench/Cargo.toml", "--"]).args(args);
        if wants_dev_gen(args) {
            match dev_gen(root) {
                Ok(ms) => cmd.args(["--dev-gen-ms", &format!("{ms:.0}")]),
                Err(e) => {
                    eprintln!("bench: dev-profile cargo xtask gen: {e}");
                    cmd.args(["--dev-gen-error", &e])
                }
            };
        }
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("bench failed ({status})"))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Whether this table run has the dev-profile row: not for `profile`, not with `--no-dev-gen`,
/// and not when `--only` leaves out GitHub or `--gen` leaves out ours (the row then says
/// "not run", as the generation rows of excluded specs do).
fn wants_dev_gen(args: &[String]) -> bool {
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1));
    let lists = |flag: &str, item: &str| value(flag).is_none_or(|v| v.split(',').any(|x| x == item));
    args.first().map(String::as_str) != Some("profile")
        && !args.iter().any(|a| a == "--no-dev-gen")
        && lists("--only", DEV_GEN_SPEC.1)
        && lists("--gen", "ours")
}

/// Median wall time of `cargo xtask gen GITHUB --out TEMP`, in ms, as a maintainer runs it
/// from the repository root: cargo's freshness check of xtask included, after one untimed run
/// so that nothing is left to build and the files are in the page cache.
fn dev_gen(root: &Path) -> Result<f64, String> {
    let out = std::env::temp_dir().join(format!("voice-agents-bench-dev-gen-{}", std::process::id()));
    let once = || -> Result<f64, String> {
        let started = Instant::now();
        let output = Command::new(cargo())
            .current_dir(root)
            .args(["xtask", "gen", DEV_GEN_SPEC.0, "--out"])
            .arg(&out)
            .output()
            .map_err(|e| format!("cannot run cargo xtask gen: {e}"))?;
        let elapsed = started.elapsed();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!("failed ({}): {}", output.status, stderr.lines().last().unwrap_or("")));
        }
        Ok(elapsed.as_secs_f64() * 1e3)
    };
    eprintln!("bench: cargo xtask gen {} (dev profile), 1 + {DEV_GEN_RUNS} runs ...", DEV_GEN_SPEC.0);
    let result = once().and_then(|_| (0..DEV_GEN_RUNS).map(|_| once()).collect::<Result<Vec<f64>, String>>());
    let _ = std::fs::remove_dir_all(&out);
    let mut times = result?;
    times.sort_by(f64::total_cmp);
    eprintln!("bench: cargo xtask gen: {}", times.iter().map(|t| format!("{t:.0} ms")).collect::<Vec<_>>().join(", "));
    times.get(times.len() / 2).copied().ok_or_else(|| "no runs".to_owned())
}
