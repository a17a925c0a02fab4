//! The rebuild row: how long `cargo build` takes to recompile the crate a generator produced
//! after a change to that crate alone (touch `src/lib.rs`, `cargo build`), i.e. what a user of
//! the generated crate waits for at every edit-build cycle of it. Default: oxide-rs.
//!
//! The crates are the ones `--check` sets up (same directories, same shared target dir, see
//! `check.rs`): one untimed `cargo build` first builds the dependencies (for ours this includes
//! the runtime crate, a path dependency), then each timed build follows a touch of the crate root,
//! so cargo recompiles the generated crate and nothing else; the packages each timed build
//! compiled are recorded, and any other than the generated crate is reported next to the time.

use crate::check::{self, Checked};
use crate::generators::Gen;
use crate::report::median;
use crate::specs::Spec;
use std::collections::BTreeSet;

/// Timed rebuilds per crate; the median is reported.
pub const RUNS: usize = 3;

/// Result of rebuilding one crate.
pub enum Rebuilt {
    /// Seconds of the untimed first build (dependencies included, depends on what the shared
    /// target dir already held), seconds of each timed rebuild, and the packages the timed
    /// rebuilds compiled besides the generated crate (empty when they measured it alone).
    Ok { first: f64, times: Vec<f64>, others: BTreeSet<String> },
    /// The crate could not be set up or did not build.
    Failed(Checked),
}

impl Rebuilt {
    /// Median seconds of the timed rebuilds.
    pub fn median(&self) -> Option<f64> {
        match self {
            Rebuilt::Ok { times, .. } => median(times),
            Rebuilt::Failed(_) => None,
        }
    }
}

/// Sets up the crate of one (spec, generator) pair, builds it with its dependencies, then
/// times [`RUNS`] crate-only rebuilds.
pub fn rebuild(spec: &Spec, gen: Gen) -> Rebuilt {
    if let Err(e) = check::setup(spec, gen) {
        return Rebuilt::Failed(Checked::NotBuilt(e));
    }
    let dir = check::crate_dir(spec, gen);
    let name = check::crate_name(spec, gen);
    eprintln!("bench: cargo build {} / {} (dependencies) ...", spec.name, gen.label());
    let first = match check::timed_cargo(&dir, "build") {
        Ok((seconds, _)) => seconds,
        Err(failed) => return Rebuilt::Failed(failed),
    };
    let mut times = Vec::new();
    let mut others = BTreeSet::new();
    for run in 1..=RUNS {
        eprintln!("bench: cargo build {} / {} (touched, {run}/{RUNS}) ...", spec.name, gen.label());
        if let Err(e) = check::touch_lib(&dir) {
            return Rebuilt::Failed(Checked::NotBuilt(e));
        }
        match check::timed_cargo(&dir, "build") {
            Ok((seconds, compiled)) => {
                times.push(seconds);
                others.extend(compiled.into_iter().filter(|c| *c != name));
            }
            Err(failed) => return Rebuilt::Failed(failed),
        }
    }
    Rebuilt::Ok { first, times, others }
}

/// Prints the rebuild table: one row per spec, cells in [`Gen::ALL`] order (`None`: not run).
pub fn print(rows: &[(&str, Vec<Option<Rebuilt>>)]) {
    println!("Crate-only rebuild of each generated crate: touch `src/lib.rs`, `cargo build` (dev profile, non-incremental), median of {RUNS} in seconds; in brackets the first, untimed build with the dependencies not yet built in the shared target dir. Dependencies (for ours the runtime crate, a path dependency) stay built: only the generated crate is recompiled, as checked in cargo's output.");
    println!();
    println!("| spec | ours | openapi-to-rust | progenitor | ratio ours/prog | recompiled besides the crate |");
    println!("|---|---:|---:|---:|---:|---|");
    let mut notes = Vec::new();
    for (spec, cells) in rows {
        let mut line = vec![spec.to_string()];
        let mut extra = BTreeSet::new();
        for cell in cells {
            line.push(match cell {
                None => "-".to_owned(),
                Some(Rebuilt::Ok { first, times, others }) => {
                    extra.extend(others.iter().cloned());
                    format!("{:.1} ({first:.0})", median(times).unwrap_or(0.0))
                }
                Some(Rebuilt::Failed(failed)) => check::failure_cell(spec, failed, "r", &mut notes),
            });
        }
        line.push(ratio_ours_progenitor(cells).map_or("-".to_owned(), |r| format!("{r:.2}")));
        line.push(if extra.is_empty() {
            "nothing".to_owned()
        } else {
            extra.into_iter().collect::<Vec<_>>().join(", ")
        });
        println!("| {} |", line.join(" | "));
    }
    for (i, note) in notes.iter().enumerate() {
        println!("- r{}: {note}", i + 1);
    }
}

/// Ours' median rebuild time over progenitor's, when both built.
pub fn ratio_ours_progenitor(cells: &[Option<Rebuilt>]) -> Option<f64> {
    let seconds = |gen: Gen| {
        let i = Gen::ALL.iter().position(|g| *g == gen)?;
        cells.get(i)?.as_ref()?.median()
    };
    match (seconds(Gen::Ours), seconds(Gen::Progenitor)) {
        (Some(ours), Some(prog)) if prog > 0.0 => Some(ours / prog),
        _ => None,
    }
}
