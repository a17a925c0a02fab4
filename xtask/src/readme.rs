//! The README's getting-started section is a copy of `generated/GETTING_STARTED.md`, the first
//! page of the SDK's crate docs, so that a user reads the same thing on either: `regen` writes it
//! between two markers, `regen --check` fails when they differ. The README's own copy is compiled
//! as doctests too (`ReadmeDoctests` in `generated/src/lib.rs`).

use std::fs;
use std::path::Path;

/// The crate docs' getting-started page, from the root.
pub const SOURCE: &str = "generated/GETTING_STARTED.md";
/// The README, from the root.
pub const README: &str = "README.md";
const BEGIN: &str =
    "<!-- getting-started: copied from generated/GETTING_STARTED.md by `cargo xtask regen`; edit that file -->\n";
const END: &str = "<!-- /getting-started -->\n";

/// The README as it should be: its text with the region between the markers replaced by the
/// getting-started page.
pub fn expected(root: &Path) -> Result<(String, String), String> {
    let read = |rel: &str| fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"));
    let (readme, page) = (read(README)?, read(SOURCE)?);
    let start = readme.find(BEGIN).ok_or_else(|| format!("{README} has no line `{}`", BEGIN.trim_end()))? + BEGIN.len();
    let end = readme[start..].find(END).ok_or_else(|| format!("{README} has no line `{}`", END.trim_end()))? + start;
    Ok((readme.clone(), format!("{}{page}{}", &readme[..start], &readme[end..])))
}

/// `regen`: writes the README when its copy differs; whether it did.
pub fn sync(root: &Path) -> Result<bool, String> {
    let (now, expected) = expected(root)?;
    if now == expected {
        return Ok(false);
    }
    fs::write(root.join(README), expected).map_err(|e| format!("cannot write {README}: {e}"))?;
    Ok(true)
}

/// `regen --check`: an error when the README's copy differs.
pub fn check(root: &Path) -> Result<(), String> {
    let (now, expected) = expected(root)?;
    if now == expected {
        Ok(())
    } else {
        Err(format!("{README}: its getting-started section differs from {SOURCE}; run `cargo xtask regen`"))
    }
}
