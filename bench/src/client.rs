//! The client row: overhead of one typed SDK call against the same request by hand with
//! reqwest + serde. The measurement is the criterion bench `client/benches/client.rs` (member
//! `client-bench` of this workspace, built apart from the peers), run here as a subprocess with
//! a shorter criterion configuration; its medians are read back from criterion's
//! `estimates.json` files under this workspace's target directory.

use crate::check::cargo;
use crate::specs::repo_root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

/// Criterion arguments: still a median over many iterations (100 samples, each of many calls),
/// with less warm-up and measurement time than criterion's defaults (3 s and 5 s).
pub const CRITERION_ARGS: [&str; 4] = ["--warm-up-time", "1", "--measurement-time", "3"];

/// The bodies the bench serves: criterion group suffix and the label in the tables.
pub const BODIES: [(&str, &str); 2] = [("small-20", "20 items"), ("large-1mb", "1 MB")];

/// One body's medians, in nanoseconds per call, or why there are none.
pub struct Body {
    /// Label from [`BODIES`].
    pub label: &'static str,
    /// (SDK call, hand-written call) medians.
    pub medians: Result<(f64, f64), String>,
}

impl Body {
    /// SDK time over hand-written time.
    pub fn ratio(&self) -> Option<f64> {
        self.medians.as_ref().ok().filter(|(_, hand)| *hand > 0.0).map(|(sdk, hand)| sdk / hand)
    }
}

/// Runs the criterion bench and reads its medians; `Err` when the run itself failed.
pub fn measure() -> Result<Vec<Body>, String> {
    let root = repo_root();
    let manifest = root.join("bench/Cargo.toml");
    let criterion = target_dir(&manifest)?.join("criterion");
    // Estimates older than this run are a previous run's: never report them as this one's.
    let started = SystemTime::now();
    eprintln!("bench: cargo bench -p client-bench (criterion: {}) ...", CRITERION_ARGS.join(" "));
    let status = Command::new(cargo())
        .current_dir(&root)
        .args(["bench", "--locked", "--manifest-path"])
        .arg(&manifest)
        // `--bench client` alone: the library's libtest harness would reject criterion's flags.
        .args(["-p", "client-bench", "--bench", "client", "--"])
        .args(CRITERION_ARGS)
        // Criterion's report goes to stderr with the progress lines; stdout stays the tables.
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    if !status.success() {
        return Err(format!("cargo bench -p client-bench failed ({status})"));
    }
    Ok(BODIES
        .iter()
        .map(|(group, label)| {
            let dir = criterion.join(format!("client_{group}"));
            let medians = median_ns(&dir.join("sdk"), started)
                .and_then(|sdk| Ok((sdk, median_ns(&dir.join("reqwest"), started)?)));
            Body { label, medians }
        })
        .collect())
}

/// The workspace's target directory as cargo resolves it (`CARGO_TARGET_DIR`, config files,
/// else `bench/target`), from `cargo metadata`.
fn target_dir(manifest: &Path) -> Result<PathBuf, String> {
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps", "--manifest-path"])
        .arg(manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata failed ({})", out.status));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))?;
    metadata
        .get("target_directory")
        .and_then(serde_json::Value::as_str)
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".to_owned())
}

/// Criterion's median estimate for one benchmark directory, written after `since`.
fn median_ns(bench: &Path, since: SystemTime) -> Result<f64, String> {
    let file = bench.join("new/estimates.json");
    let fresh = std::fs::metadata(&file).and_then(|m| m.modified()).map_err(|e| format!("{}: {e}", file.display()))?;
    if fresh < since {
        return Err(format!("{} is from an earlier run", file.display()));
    }
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.pointer("/median/point_estimate")?.as_f64())
        .ok_or_else(|| format!("{}: no median point estimate", file.display()))
}

/// Prints the client table from a run's result.
pub fn print(result: &Result<Vec<Body>, String>) {
    println!("Client overhead: one typed SDK call (Ayra `list_agents`) vs the same request by hand with reqwest + serde, loopback server, criterion median per call ({}):", CRITERION_ARGS.join(" "));
    println!();
    match result {
        Err(e) => println!("not measured: {e}"),
        Ok(bodies) => {
            println!("| body | SDK call | by hand (reqwest + serde) | ratio SDK/hand |");
            println!("|---|---:|---:|---:|");
            for body in bodies {
                match &body.medians {
                    Ok((sdk, hand)) => println!(
                        "| {} | {:.1} µs | {:.1} µs | {:.2} |",
                        body.label,
                        sdk / 1e3,
                        hand / 1e3,
                        body.ratio().unwrap_or(f64::NAN)
                    ),
                    Err(e) => println!("| {} | no estimate: {e} | | |", body.label),
                }
            }
        }
    }
}
