//! The drift check: compares what the specs produce with what is on disk, without touching it.
//!
//! Pure: the caller passes the expected files and the files it found; the verdicts say which
//! are stale, edited by hand, missing or orphaned. Only an API's manifest (its `mod.rs`, see
//! [`crate::emit::MANIFEST`]) names the inputs, so an input change that alters no code makes the
//! manifest alone stale; every other file is stale only when its own code changed.

use crate::emit::{is_generated, parse_preamble};
use std::collections::BTreeMap;
use std::fmt;

/// What is wrong with one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// Expected but not on disk.
    Missing,
    /// On disk as a generated file, but it no longer matches the hash its preamble recorded (or
    /// its preamble is broken): someone edited it.
    EditedByHand,
    /// Intact, but generated from other inputs or by another generator than now: its code
    /// differs, or (for the manifest) the spec, the overlay or the generator changed.
    Stale,
    /// A generated file that no spec produces any more.
    Orphan,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Missing => "missing",
            Problem::EditedByHand => "edited by hand",
            Problem::Stale => "stale",
            Problem::Orphan => "orphaned (no spec produces it)",
        })
    }
}

/// Compares expected files with the files found on disk (both keyed by path).
///
/// `found` should hold every file under the generated directories; files without a generated
/// preamble that are not expected are hand-written and left alone.
pub fn check(expected: &BTreeMap<String, String>, found: &BTreeMap<String, String>) -> Vec<(String, Problem)> {
    let mut out = Vec::new();
    for (path, want) in expected {
        match found.get(path) {
            None => out.push((path.clone(), Problem::Missing)),
            Some(have) if have == want => {}
            Some(have) => {
                let intact = parse_preamble(have).is_some_and(|(pre, _)| pre.intact);
                out.push((path.clone(), if intact { Problem::Stale } else { Problem::EditedByHand }));
            }
        }
    }
    for (path, have) in found {
        // The marker alone decides: a hand edit that broke the rest of the preamble must not
        // turn an orphan into a "hand-written" file nobody removes.
        if !expected.contains_key(path) && is_generated(have) {
            out.push((path.clone(), Problem::Orphan));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::{Provenance, MANIFEST};
    use crate::load::SourceHashes;

    /// A generated file as `emit` writes it (the manifest when `path` is [`MANIFEST`]).
    fn file(path: &str, body: &str, spec_hash: &str) -> (String, String) {
        let p = Provenance {
            command: "cargo xtask regen".into(),
            spec_file: "specs/x.json".into(),
            overlay_file: None,
            hashes: SourceHashes { spec: spec_hash.into(), overlay: None },
            module_path: "api".into(),
        };
        (path.to_owned(), crate::emit::preamble::write(&p, path == MANIFEST, body))
    }

    #[test]
    fn each_kind_of_drift_is_detected() {
        let expected: BTreeMap<String, String> = [
            file("a.rs", "fn a() {}\n", "new"),
            file("b.rs", "fn b() {}\n", "new"),
            file("c.rs", "fn c() {}\n", "new"),
            file("ok.rs", "fn ok() {}\n", "new"),
            file(MANIFEST, "mod a;\n", "new"),
        ]
        .into();
        let mut edited = file("a.rs", "fn a() {}\n", "new");
        edited.1.push_str("// tweak\n");
        let mut broken = file("gone2.rs", "fn gone2() {}\n", "old");
        broken.1 = broken.1.replace("// sha256 of this file", "// sha of this file");
        let found: BTreeMap<String, String> = [
            edited,
            file("b.rs", "fn b_old() {}\n", "old"),
            file("ok.rs", "fn ok() {}\n", "old"),
            file(MANIFEST, "mod a;\n", "old"),
            file("gone.rs", "fn gone() {}\n", "old"),
            broken,
            ("handwritten.rs".to_owned(), "fn mine() {}\n".to_owned()),
        ]
        .into();
        assert_eq!(
            check(&expected, &found),
            vec![
                ("a.rs".to_owned(), Problem::EditedByHand),
                ("b.rs".to_owned(), Problem::Stale),
                ("c.rs".to_owned(), Problem::Missing),
                ("gone.rs".to_owned(), Problem::Orphan),
                ("gone2.rs".to_owned(), Problem::Orphan),
                // Only the manifest names the spec: `ok.rs`, same code from another spec, is current.
                (MANIFEST.to_owned(), Problem::Stale),
            ]
        );
    }

    #[test]
    fn a_hand_edit_of_the_manifest_is_told_from_a_stale_manifest() {
        let expected: BTreeMap<String, String> = [file(MANIFEST, "mod a;\n", "new")].into();
        let (path, text) = file(MANIFEST, "mod a;\n", "old");
        let found: BTreeMap<String, String> = [(path, text.replace("(sha256 old)", "(sha256 new)"))].into();
        assert_eq!(check(&expected, &found), vec![(MANIFEST.to_owned(), Problem::EditedByHand)]);
    }
}
