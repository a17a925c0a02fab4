//! Markdown tables from the measurements.

use crate::child::{Outcome, Report};
use crate::generators::Gen;

/// All measurements of one spec, in [`Gen::ALL`] order (`None`: generator not selected).
pub struct Row {
    /// Spec name.
    pub spec: &'static str,
    /// One outcome per generator.
    pub outcomes: [Option<Outcome>; 3],
}

/// Median of some samples (mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The report of a successful outcome.
pub fn ok(outcome: &Option<Outcome>) -> Option<&Report> {
    match outcome {
        Some(Outcome::Reported(r)) if r.status == "ok" => Some(r),
        _ => None,
    }
}

/// The median time of a successful outcome, in ms.
pub fn median_ms(outcome: &Option<Outcome>) -> Option<f64> {
    ok(outcome).and_then(|r| median(&r.times_ms))
}

/// A short word for a failure, and the note explaining it.
pub fn failure(outcome: &Option<Outcome>) -> Option<(&'static str, String)> {
    match outcome {
        None => Some(("skipped", String::new())),
        Some(Outcome::Reported(r)) if r.status == "ok" => None,
        Some(Outcome::Reported(r)) => Some((if r.status == "panic" { "PANIC" } else { "ERROR" }, r.message.clone())),
        Some(Outcome::Crashed(m)) => Some(("CRASH", m.clone())),
        Some(Outcome::TimedOut(d)) => Some(("TIMEOUT", format!("killed after {} s", d.as_secs()))),
    }
}

/// A time in ms: whole ms from 100 ms up, else one decimal.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// Prints the main table, the memory table and the failure notes.
pub fn print(rows: &[Row]) {
    let mut notes = Vec::new();
    println!("| spec | ours | openapi-to-rust | progenitor | ratio o2r/ours | ratio prog/ours | lines ours | lines o2r | lines prog |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let mut cells = vec![row.spec.to_owned()];
        for (gen, outcome) in Gen::ALL.iter().zip(&row.outcomes) {
            cells.push(match (median_ms(outcome), failure(outcome)) {
                (Some(ms), _) => fmt_ms(ms),
                (None, Some((word, note))) if !note.is_empty() => {
                    notes.push(format!("{} / {}: {word}: {note}", row.spec, gen.label()));
                    format!("{word} [{}]", notes.len())
                }
                (None, Some((word, _))) => word.to_owned(),
                (None, None) => "?".to_owned(),
            });
        }
        let ours = median_ms(&row.outcomes[0]);
        for peer in &row.outcomes[1..] {
            cells.push(match (median_ms(peer), ours) {
                (Some(p), Some(o)) if o > 0.0 => format!("{:.2}", p / o),
                _ => "-".to_owned(),
            });
        }
        for outcome in &row.outcomes {
            cells.push(ok(outcome).map_or("-".to_owned(), |r| r.lines.to_string()));
        }
        println!("| {} |", cells.join(" | "));
    }
    println!();
    println!("Peak memory (VmHWM of the child process that ran the generator; baseline = the bench binary with the spec read) and runs per median:");
    println!();
    println!("| spec | peak ours | peak o2r | peak prog | baseline | runs ours/o2r/prog |");
    println!("|---|---:|---:|---:|---:|---|");
    for row in rows {
        let mut cells = vec![row.spec.to_owned()];
        let mut baseline = None;
        let mut runs = Vec::new();
        for outcome in &row.outcomes {
            let report = match outcome {
                Some(Outcome::Reported(r)) => Some(r),
                _ => None,
            };
            cells.push(
                report
                    .filter(|r| r.peak_kib > 0)
                    .map_or("-".to_owned(), |r| format!("{:.0} MiB", r.peak_kib as f64 / 1024.0)),
            );
            baseline = baseline.or(report.map(|r| r.baseline_kib));
            runs.push(report.map_or("-".to_owned(), |r| r.times_ms.len().to_string()));
        }
        cells.push(baseline.map_or("-".to_owned(), |b| format!("{:.0} MiB", b as f64 / 1024.0)));
        cells.push(runs.join("/"));
        println!("| {} |", cells.join(" | "));
    }
    if !notes.is_empty() {
        println!();
        println!("Failures:");
        println!();
        for (i, note) in notes.iter().enumerate() {
            println!("{}. {note}", i + 1);
        }
    }
}
