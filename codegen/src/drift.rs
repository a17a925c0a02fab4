//! The drift check: compares what the specs produce with what is on disk, without touching it.
//!
//! Pure: the caller passes the expected files and the files it found; the verdicts say which
//! are stale, edited by hand, missing or orphaned.

use crate::emit::{body_hash, parse_preamble};
use std::collections::BTreeMap;
use std::fmt;

/// What is wrong with one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// Expected but not on disk.
    Missing,
    /// On disk with a generated preamble, but its body no longer matches the hash the
    /// preamble recorded: someone edited it.
    EditedByHand,
    /// Generated from other inputs (or by another generator version) than now.
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
                let edited = match parse_preamble(have) {
                    Some((pre, body)) => pre.body_hash != body_hash(body),
                    None => true,
                };
                out.push((path.clone(), if edited { Problem::EditedByHand } else { Problem::Stale }));
            }
        }
    }
    for (path, have) in found {
        if !expected.contains_key(path) && parse_preamble(have).is_some() {
            out.push((path.clone(), Problem::Orphan));
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Provenance;
    use crate::load::SourceHashes;

    fn file(body: &str, spec_hash: &str) -> String {
        let p = Provenance {
            command: "cargo xtask regen".into(),
            spec_file: "specs/x.json".into(),
            overlay_file: None,
            hashes: SourceHashes { spec: spec_hash.into(), overlay: None },
            module_path: "api".into(),
        };
        crate::emit::preamble::write(&p, body)
    }

    #[test]
    fn each_kind_of_drift_is_detected() {
        let expected: BTreeMap<String, String> = [
            ("a.rs".to_owned(), file("fn a() {}\n", "new")),
            ("b.rs".to_owned(), file("fn b() {}\n", "new")),
            ("c.rs".to_owned(), file("fn c() {}\n", "new")),
            ("ok.rs".to_owned(), file("fn ok() {}\n", "new")),
        ]
        .into();
        let mut edited = file("fn a() {}\n", "new");
        edited.push_str("// tweak\n");
        let found: BTreeMap<String, String> = [
            ("a.rs".to_owned(), edited),
            ("b.rs".to_owned(), file("fn b_old() {}\n", "old")),
            ("ok.rs".to_owned(), file("fn ok() {}\n", "new")),
            ("gone.rs".to_owned(), file("fn gone() {}\n", "old")),
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
            ]
        );
    }
}
