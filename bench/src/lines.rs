//! Where the generated lines are, for one spec: doc comments apart from code, and progenitor
//! also with its builder interface (one builder type per operation, the style this project
//! generates), so that the line count is compared like for like as well as against
//! progenitor's default positional methods.

use crate::generators::{self, Gen, Output};
use crate::specs::Loaded;

/// Line counts of one generator's output.
pub struct Counts {
    /// Who generated it.
    pub label: &'static str,
    /// All lines.
    pub total: usize,
    /// `///` and `//!` lines.
    pub docs: usize,
}

fn count(label: &'static str, out: &Output) -> Counts {
    let mut c = Counts { label, total: 0, docs: 0 };
    for (_, text) in &out.files {
        for line in text.lines() {
            c.total += 1;
            let t = line.trim_start();
            if t.starts_with("///") || t.starts_with("//!") {
                c.docs += 1;
            }
        }
    }
    c
}

/// Generates `spec` once with ours, progenitor (default) and progenitor (builder interface).
/// A generator that fails is left out (the main table says why).
pub fn measure(spec: &Loaded) -> Vec<Counts> {
    let mut rows = Vec::new();
    if let Ok(out) = generators::run(Gen::Ours, spec) {
        rows.push(count("ours (one builder type per operation)", &out));
    }
    if let Ok(out) = generators::run(Gen::Progenitor, spec) {
        rows.push(count("progenitor, default (positional methods)", &out));
    }
    if let Ok(out) = generators::progenitor_with(spec, progenitor::InterfaceStyle::Builder) {
        rows.push(count("progenitor, builder interface", &out));
    }
    rows
}

/// Prints the breakdown.
pub fn print(spec: &str, rows: &[Counts]) {
    println!("Generated lines of {spec}, doc comments apart (the summary's lines row compares totals):");
    println!();
    println!("| generator | lines | doc comment lines | other lines |");
    println!("|---|---:|---:|---:|");
    for c in rows {
        println!("| {} | {} | {} | {} |", c.label, c.total, c.docs, c.total - c.docs);
    }
}
