//! The CI step that installs Prism (the OpenAPI mock server of the contract tests): the same
//! code the test harness runs on first use, included from `tests/src/prism_install.rs`.

use std::path::Path;

#[path = "../../tests/src/prism_install.rs"]
mod prism_install;

/// Makes sure `tests/node_modules/.bin/prism` exists (runs `npm ci --prefix tests` if not).
pub fn ensure_prism(root: &Path) -> Result<(), String> {
    prism_install::ensure_installed(&root.join("tests")).map(|_| ())
}
