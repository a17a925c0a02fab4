//! Installs the pinned Node tools (`npm ci --prefix tests`) the first time they are needed: Prism
//! for the contract tests, json-schema-faker, ajv and js-yaml for the fidelity oracle.
//!
//! Plain `std`, so that `xtask` includes this very file (`#[path]`) for its CI step instead of
//! carrying a copy: the test harness and `cargo xtask ci` install Prism the same way.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Node.js version Prism 5.14.2 needs (its `engines` field).
pub const NODE_REQUIREMENT: &str = "Node.js >= 18.20.1 with npm";

/// Returns the path of `<tests_dir>/node_modules/.bin/prism`, running `npm ci` in `tests_dir`
/// first if it is missing. Concurrent callers (parallel test binaries, threads) wait for one
/// install under an exclusive file lock instead of racing `npm ci` against each other.
pub fn ensure_installed(tests_dir: &Path) -> Result<PathBuf, String> {
    let bin = tests_dir.join("node_modules").join(".bin").join("prism");
    if installed(tests_dir) {
        return Ok(bin);
    }
    let lock_path = tests_dir.join(".prism-install.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    lock.lock().map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let result = install(tests_dir, &bin);
    drop::<File>(lock); // Unlocks.
    result.map(|()| bin)
}

/// The packages the fidelity oracle (`tests/oracle/oracle.cjs`) loads, besides Prism.
const ORACLE_PACKAGES: &[&str] = &["json-schema-faker", "ajv", "ajv-formats", "js-yaml"];

/// Prism and the oracle's packages are all there (an install from an older lockfile may lack some).
fn installed(tests_dir: &Path) -> bool {
    let modules = tests_dir.join("node_modules");
    modules.join(".bin").join("prism").is_file()
        && ORACLE_PACKAGES.iter().all(|p| modules.join(p).join("package.json").is_file())
}

fn install(tests_dir: &Path, bin: &Path) -> Result<(), String> {
    // Someone else may have finished the install while we waited for the lock.
    if installed(tests_dir) {
        return Ok(());
    }
    if !tests_dir.join("package-lock.json").is_file() {
        return Err(format!("{} is missing; cannot install Prism", tests_dir.join("package-lock.json").display()));
    }
    eprintln!("installing the pinned Prism mock server: npm ci --prefix {}", tests_dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(tests_dir)
        .status()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "the contract tests need Prism, which is installed with npm, and npm is not on PATH: install {NODE_REQUIREMENT} and rerun"
            ),
            _ => format!("could not run npm: {e}"),
        })?;
    if !status.success() {
        return Err(format!(
            "`npm ci --prefix {}` failed ({status}); Prism needs {NODE_REQUIREMENT}",
            tests_dir.display()
        ));
    }
    if !installed(tests_dir) {
        return Err(format!("`npm ci` succeeded but {} or an oracle package is still missing", bin.display()));
    }
    Ok(())
}
