//! The summary table: every figure of the performance issue's table, this project beside
//! openapi-to-rust and progenitor, each with its goal and whether this run met it. Built from
//! the other tables' measurements; a figure this run did not measure says why (`not run`: its
//! spec or generator was excluded by `--only`/`--gen`; `skipped (--no-...)`: its flag).

use crate::child::Outcome;
use crate::client::Body;
use crate::generators::Gen;
use crate::rebuild::{self, Rebuilt};
use crate::report::{self, Row};

/// The dev-profile `cargo xtask gen` figure, which `cargo xtask bench` measures before it starts
/// this binary (only the dev-profile xtask can) and passes in.
#[derive(Debug, Clone)]
pub enum DevGen {
    /// Median wall time in ms (`--dev-gen-ms`).
    Ms(f64),
    /// The measurement failed (`--dev-gen-error`).
    Error(String),
    /// `--no-dev-gen`.
    Skipped,
    /// No figure given: this binary was run without `cargo xtask bench`.
    NotMeasured,
}

/// Everything the summary reads.
pub struct Inputs<'a> {
    /// The generation table's rows (specs excluded by `--only` are absent).
    pub rows: &'a [Row],
    /// Rebuild results of the specs rebuilt, cells in [`Gen::ALL`] order.
    pub rebuilds: &'a [(&'static str, Vec<Option<Rebuilt>>)],
    /// Specs with a rebuild row whatever the flags (oxide-rs, plus `--rebuild`'s), so a
    /// skipped one still gets its row.
    pub rebuild_rows: &'a [&'static str],
    /// Why a spec with a rebuild row was not rebuilt although it ran (`--no-rebuild`, ...).
    pub rebuild_skip: &'static str,
    /// The client run; `None` with `--no-client`.
    pub client: Option<&'a Result<Vec<Body>, String>>,
    /// The dev-profile generation figure.
    pub dev_gen: &'a DevGen,
}

/// Goal of the ratio rows: speed-up over openapi-to-rust and over progenitor.
const SPEEDUP_GOAL: (f64, f64) = (2.0, 5.0);
/// Goal of the GitHub row, ms.
const GITHUB_GOAL_MS: f64 = 400.0;
/// Goal of the dev-profile row, ms.
const DEV_GEN_GOAL_MS: f64 = 600.0;
/// Goal of the rebuild row: ours over progenitor.
const REBUILD_GOAL: f64 = 0.5;
/// Goal of the client row: SDK time over hand-written time.
const CLIENT_GOAL: f64 = 1.05;

/// One line of the table.
struct Line {
    figure: String,
    cells: [String; 3],
    goal: String,
    met: String,
}

impl Line {
    /// A figure not measured in this run, for the reason given, in every cell.
    fn absent(figure: String, cells: [&str; 3], goal: &str, why: &str) -> Line {
        Line { figure, cells: cells.map(str::to_owned), goal: goal.to_owned(), met: why.to_owned() }
    }
}

fn yes_no(met: bool) -> String {
    if met { "yes" } else { "no" }.to_owned()
}

/// Thousands separators: 57636 -> 57,636.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A generation cell: median time (and peak memory), a peer's speed-up over ours, or the
/// failure word (`PANIC`, `ERROR`, `CRASH`, `TIMEOUT`; `not run` when not selected).
fn gen_cell(outcome: &Option<Outcome>, ours_ms: Option<f64>, memory: bool, peer: bool) -> String {
    let Some(ms) = report::median_ms(outcome) else {
        return match (outcome, report::failure(outcome)) {
            (None, _) => "not run".to_owned(),
            (_, Some((word, _))) => word.to_owned(),
            (_, None) => "?".to_owned(),
        };
    };
    let mut cell = report::fmt_ms(ms);
    if memory {
        if let Some(r) = report::ok(outcome).filter(|r| r.peak_kib > 0) {
            cell.push_str(&format!(", {:.0} MiB", r.peak_kib as f64 / 1024.0));
        }
    }
    if let (true, Some(ours)) = (peer, ours_ms.filter(|o| *o > 0.0)) {
        cell.push_str(&format!(" ({:.2}x)", ms / ours));
    }
    cell
}

/// A generation row. Goal: ours at most `goal_ms` when given, else [`SPEEDUP_GOAL`].
fn gen_line(rows: &[Row], figure: &str, spec: &str, memory: bool, goal_ms: Option<f64>) -> Line {
    let goal = match goal_ms {
        None => format!(">= {}x openapi-to-rust, >= {}x progenitor", SPEEDUP_GOAL.0, SPEEDUP_GOAL.1),
        Some(ms) => format!("<= {} s", ms / 1e3),
    };
    let Some(row) = rows.iter().find(|r| r.spec == spec) else {
        return Line::absent(figure.to_owned(), ["not run"; 3], &goal, "not run");
    };
    let ours = report::median_ms(&row.outcomes[0]);
    let cells = [0, 1, 2].map(|i| gen_cell(&row.outcomes[i], ours, memory, i > 0));
    let met = match (goal_ms, ours) {
        (_, None) => if row.outcomes[0].is_none() { "not run" } else { "no" }.to_owned(),
        (Some(limit), Some(o)) => yes_no(o <= limit),
        (None, Some(o)) => {
            let mut missing = Vec::new();
            let mut all = true;
            for (i, want) in [(1, SPEEDUP_GOAL.0), (2, SPEEDUP_GOAL.1)] {
                match report::median_ms(&row.outcomes[i]) {
                    Some(p) => all &= p / o >= want,
                    None => missing.push(format!("{} {}", Gen::ALL[i].label(), cells[i])),
                }
            }
            if missing.is_empty() {
                yes_no(all)
            } else {
                format!("n/a ({})", missing.join(", "))
            }
        }
    };
    Line { figure: figure.to_owned(), cells, goal, met }
}

fn lines_line(rows: &[Row], spec: &str) -> Line {
    let figure = format!("generated lines, {spec}");
    let goal = "fewer than progenitor";
    let Some(row) = rows.iter().find(|r| r.spec == spec) else {
        return Line::absent(figure, ["not run"; 3], goal, "not run");
    };
    let lines = |i: usize| report::ok(&row.outcomes[i]).map(|r| r.lines);
    let cells = [0, 1, 2].map(|i| match lines(i) {
        Some(n) => thousands(n),
        None => gen_cell(&row.outcomes[i], None, false, false),
    });
    let met = match (lines(0), lines(2)) {
        (Some(ours), Some(prog)) => yes_no(ours < prog),
        _ => "n/a".to_owned(),
    };
    Line { figure, cells, goal: goal.to_owned(), met }
}

fn rebuild_line(i: &Inputs, spec: &str) -> Line {
    let figure = format!("crate-only rebuild of the generated {spec} crate (touch, `cargo build`)");
    let goal = format!("<= {REBUILD_GOAL}x progenitor");
    let Some(row) = i.rows.iter().find(|r| r.spec == spec) else {
        return Line::absent(figure, ["not run"; 3], &goal, "not run");
    };
    let Some((_, cells)) = i.rebuilds.iter().find(|(s, _)| *s == spec) else {
        return Line::absent(figure, [i.rebuild_skip; 3], &goal, i.rebuild_skip);
    };
    // No rebuild: the generator was not selected (`not run`) or produced no crate (its failure).
    let text = |g: usize| match cells.get(g).and_then(Option::as_ref) {
        None => gen_cell(&row.outcomes[g], None, false, false),
        Some(Rebuilt::Failed(_)) => "FAILS".to_owned(),
        Some(r) => format!("{:.1} s", r.median().unwrap_or(0.0)),
    };
    let ratio = rebuild::ratio_ours_progenitor(cells);
    let mut ours = text(0);
    if let Some(r) = ratio {
        ours.push_str(&format!(" ({r:.2}x progenitor)"));
    }
    let met = ratio.map_or("n/a".to_owned(), |r| yes_no(r <= REBUILD_GOAL));
    Line { figure, cells: [ours, text(1), text(2)], goal, met }
}

fn client_line(client: Option<&Result<Vec<Body>, String>>) -> Line {
    let figure = "client overhead per call vs a hand-written reqwest call (loopback, 20-item body; also 1 MB)";
    let goal = format!("<= {CLIENT_GOAL}x");
    let Some(result) = client else {
        return Line::absent(figure.to_owned(), ["skipped (--no-client)", "—", "—"], &goal, "skipped (--no-client)");
    };
    let (ours, met) = match result {
        Err(_) => ("FAILED (see the client section)".to_owned(), "n/a".to_owned()),
        Ok(bodies) => {
            let parts: Vec<String> = bodies
                .iter()
                .map(|b| b.ratio().map_or(format!("? ({})", b.label), |r| format!("{r:.2}x ({})", b.label)))
                .collect();
            let ratios: Vec<f64> = bodies.iter().filter_map(Body::ratio).collect();
            let met = if ratios.len() == bodies.len() {
                yes_no(ratios.iter().all(|r| *r <= CLIENT_GOAL))
            } else {
                "n/a".to_owned()
            };
            (parts.join(" / "), met)
        }
    };
    Line { figure: figure.to_owned(), cells: [ours, "—".to_owned(), "—".to_owned()], goal, met }
}

fn dev_gen_line(rows: &[Row], dev_gen: &DevGen) -> Line {
    let figure = "generate GitHub through `cargo xtask gen` (dev profile, what maintainers run)".to_owned();
    let goal = format!("<= {} s", DEV_GEN_GOAL_MS / 1e3);
    // `cargo xtask bench` skips the measurement when `--only` or `--gen` leave out GitHub or ours.
    let github_ours = rows.iter().any(|r| r.spec == "github" && r.outcomes[0].is_some());
    let (ours, met) = match dev_gen {
        DevGen::Ms(ms) => (format!("{:.2} s", ms / 1e3), yes_no(*ms <= DEV_GEN_GOAL_MS)),
        DevGen::Error(e) => (format!("FAILED: {e}"), "n/a".to_owned()),
        DevGen::Skipped => ("skipped (--no-dev-gen)".to_owned(), "skipped (--no-dev-gen)".to_owned()),
        DevGen::NotMeasured if !github_ours => ("not run".to_owned(), "not run".to_owned()),
        DevGen::NotMeasured => ("not measured (only `cargo xtask bench` measures it)".to_owned(), "n/a".to_owned()),
    };
    Line { figure, cells: [ours, "—".to_owned(), "—".to_owned()], goal, met }
}

/// Prints the summary table.
pub fn print(i: &Inputs) {
    let mut lines = vec![
        gen_line(i.rows, "generate nexus (190 ops)", "nexus", false, None),
        gen_line(i.rows, "generate oxide-rs (311 ops)", "oxide-rs", false, None),
        gen_line(
            i.rows,
            "generate GitHub (766 ops, 3.7 MB), time and peak memory",
            "github",
            true,
            Some(GITHUB_GOAL_MS),
        ),
        dev_gen_line(i.rows, i.dev_gen),
        lines_line(i.rows, "oxide-rs"),
    ];
    lines.extend(i.rebuild_rows.iter().map(|spec| rebuild_line(i, spec)));
    lines.push(client_line(i.client));
    println!("Summary (ratios in brackets: the peer's time over ours, higher is faster for us; the rebuild's: ours over progenitor's):");
    println!();
    println!("| figure | this project | openapi-to-rust | progenitor | goal | met? |");
    println!("|---|---:|---:|---:|---|---|");
    for l in lines {
        println!("| {} | {} | {} | {} |", l.figure, l.cells.join(" | "), l.goal, l.met);
    }
}
