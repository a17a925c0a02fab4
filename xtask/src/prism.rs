//! Installs Prism (the Stoplight OpenAPI mock server used by the tests) on
//! demand.
//!
//! Prism is pinned as an npm dev dependency in `tests/package.json` /
//! `tests/package-lock.json` and installed into `tests/node_modules` (which is
//! gitignored). The test harness (`voice_agents_tests::prism`) runs
//! `tests/node_modules/.bin/prism`; [`ensure_prism`] makes sure it exists.

use std::path::Path;
use std::process::Command;

/// Makes sure `tests/node_modules/.bin/prism` exists under the repository
/// root `root`, running `npm ci --prefix tests --no-audit --no-fund` if it does
/// not. `npm ci` installs exactly what `tests/package-lock.json` pins.
///
/// Fails with a readable message if npm is not installed or the install fails.
pub fn ensure_prism(root: &Path) -> Result<(), String> {
    let tests = root.join("tests");
    let bin = tests.join("node_modules").join(".bin").join("prism");
    if bin.is_file() {
        return Ok(());
    }
    if !tests.join("package-lock.json").is_file() {
        return Err(format!("{} is missing; cannot install Prism", tests.join("package-lock.json").display()));
    }
    eprintln!("xtask: Prism not found at {}; running `npm ci --prefix tests`", bin.display());
    let status = Command::new("npm")
        .args(["ci", "--prefix", "tests", "--no-audit", "--no-fund"])
        .current_dir(root)
        .status()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "npm is not installed (or not on PATH); Prism, the OpenAPI mock server used \
                 by the tests, is installed with npm. Install Node.js >= 18.20 (with npm) and \
                 rerun, or run `npm ci --prefix tests` yourself"
                    .to_string()
            } else {
                format!("could not run npm: {e}")
            }
        })?;
    if !status.success() {
        return Err(format!("`npm ci --prefix tests --no-audit --no-fund` failed ({status})"));
    }
    if !bin.is_file() {
        return Err(format!("`npm ci --prefix tests` succeeded but {} is still missing", bin.display()));
    }
    Ok(())
}
