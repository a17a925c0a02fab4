//! `cargo xtask ci`'s check of the SDK's rendered docs: the code the test suite tests, included
//! from `tests/src/docs_scan.rs` (it is plain `std`).

use std::path::Path;

#[path = "../../tests/src/docs_scan.rs"]
#[allow(dead_code)]
mod docs_scan;

/// Fails listing every problem of `target/doc/voice_agents` (built by the docs step before it).
pub fn check(root: &Path) -> Result<(), String> {
    let problems = docs_scan::problems(&root.join("target/doc"))?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("the SDK's docs have {} problem(s):\n{}", problems.len(), problems.join("\n")))
    }
}
