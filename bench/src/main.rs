//! `cargo xtask bench`: this generator, progenitor 0.15.1 and openapi-to-rust 0.23.0, called as
//! libraries on the same specs in one run, side by side.
//!
//! ```text
//! voice-agents-bench [--only SPEC,..] [--gen ours,o2r,progenitor] [--budget SECS]
//!                    [--min-runs N] [--max-runs N] [--timeout SECS] [--stages] [--check]
//!                    [--rebuild SPEC,.. | --no-rebuild] [--no-client]
//!                    [--dev-gen-ms MS | --dev-gen-error TEXT | --no-dev-gen]
//! voice-agents-bench profile GEN SPEC [ITERATIONS]   # in-process loop, for perf/callgrind
//! ```
//!
//! By default a run prints every figure of the performance table: generation time, lines and
//! peak memory per spec and generator; the crate-only rebuild of the generated oxide-rs crates
//! (`--rebuild`, `rebuild.rs`); the SDK's call overhead (criterion bench `client/`, `client.rs`);
//! and a summary with each goal (`summary.rs`). The dev-profile `cargo xtask gen` figure is
//! measured by `cargo xtask bench` itself and passed in with `--dev-gen-ms`.
//!
//! This crate is its own workspace (the root workspace excludes `bench/`), so `cargo xtask ci`
//! never builds the peers; `cargo xtask bench` runs it in release.

mod check;
mod child;
mod client;
mod fidelity;
mod generators;
mod lines;
mod rebuild;
mod report;
mod specs;
mod stages;
mod summary;

use generators::Gen;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use summary::DevGen;

/// Command-line options of a table run.
struct Options {
    specs: Vec<specs::Spec>,
    gens: Vec<Gen>,
    plan: child::Plan,
    stages: bool,
    check: bool,
    /// Specs whose crates get the crate-only rebuild timing (empty with `--no-rebuild`).
    rebuild: Vec<specs::Spec>,
    /// What the summary says for a spec with a rebuild row that was not rebuilt.
    rebuild_skip: &'static str,
    /// Run the client-overhead criterion bench.
    client: bool,
    /// The dev-profile generation figure `cargo xtask bench` passed in, if any.
    dev_gen: DevGen,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("child") => child::child_main(&args[1..]),
        Some("profile") => profile(&args[1..]),
        Some("fidelity") => fidelity::run(&args[1..]),
        _ => parse(&args).and_then(|o| run(&o)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The spec whose crates the rebuild row measures by default (the issue's figure).
const REBUILD_DEFAULT: &str = "oxide-rs";
/// The spec whose generated lines are broken down (the summary's lines row).
const LINES_SPEC: &str = "oxide-rs";

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        specs: specs::SPECS.to_vec(),
        gens: Gen::ALL.to_vec(),
        plan: child::Plan {
            min_runs: 3,
            max_runs: 11,
            budget: Duration::from_secs(10),
            timeout: Duration::from_secs(900),
        },
        stages: false,
        check: false,
        rebuild: vec![specs::by_name(REBUILD_DEFAULT)?],
        rebuild_skip: "skipped (not in --rebuild)",
        client: true,
        dev_gen: DevGen::NotMeasured,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("`{arg}` needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("`{arg} {v}`: {e}"));
        match arg.as_str() {
            "--only" => o.specs = value()?.split(',').map(specs::by_name).collect::<Result<_, _>>()?,
            "--gen" => o.gens = value()?.split(',').map(Gen::parse).collect::<Result<_, _>>()?,
            "--budget" => o.plan.budget = Duration::from_secs(num(value()?)?),
            "--min-runs" => o.plan.min_runs = num(value()?)?.max(1) as usize,
            "--max-runs" => o.plan.max_runs = num(value()?)?.max(1) as usize,
            "--timeout" => o.plan.timeout = Duration::from_secs(num(value()?)?),
            "--stages" => o.stages = true,
            "--check" => o.check = true,
            "--rebuild" => o.rebuild = value()?.split(',').map(specs::by_name).collect::<Result<_, _>>()?,
            "--no-rebuild" => (o.rebuild, o.rebuild_skip) = (Vec::new(), "skipped (--no-rebuild)"),
            "--no-client" => o.client = false,
            "--dev-gen-ms" => {
                let v = value()?;
                let ms = v.parse::<f64>().map_err(|e| format!("`{arg} {v}`: {e}"))?;
                if !(ms.is_finite() && ms >= 0.0) {
                    return Err(format!("`{arg} {v}`: not a duration"));
                }
                o.dev_gen = DevGen::Ms(ms);
            }
            "--dev-gen-error" => o.dev_gen = DevGen::Error(value()?),
            "--no-dev-gen" => o.dev_gen = DevGen::Skipped,
            other => return Err(format!("unknown argument `{other}`; see the doc comment of bench/src/main.rs")),
        }
    }
    o.plan.max_runs = o.plan.max_runs.max(o.plan.min_runs);
    Ok(o)
}

fn run(o: &Options) -> Result<(), String> {
    // Fail before any timing if a spec is missing, naming it.
    let loaded: Vec<specs::Loaded> = o.specs.iter().map(|s| specs::load(*s)).collect::<Result<_, _>>()?;
    let started = Instant::now();
    println!(
        "Generation time, median wall time per generator per spec: parse spec text + generate + format to text (release build, each generator in its own child process; {} cores; load average {}).",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut rows = Vec::new();
    for spec in &o.specs {
        let mut outcomes: [Option<child::Outcome>; 3] = [None, None, None];
        for (i, gen) in Gen::ALL.into_iter().enumerate() {
            if !o.gens.contains(&gen) {
                continue;
            }
            // `--check` and the rebuild build the crate each generator wrote: peers write theirs
            // from the child (outside the timed region), ours is written by `cargo xtask gen`.
            let write_dir = if o.check || o.rebuild.iter().any(|r| r.name == spec.name) {
                check::reset(spec, gen)?;
                check::output_dir(spec, gen)
            } else {
                None
            };
            eprintln!("bench: {} / {} ...", spec.name, gen.label());
            outcomes[i] = Some(child::measure(gen, spec.name, o.plan, write_dir.as_deref())?);
        }
        rows.push(report::Row { spec: spec.name, outcomes });
    }
    println!();
    report::print(&rows);
    if o.stages {
        println!();
        let stage_rows: Vec<_> = loaded
            .iter()
            .map(|l| (l.spec.name, stages::measure(l, o.plan.min_runs, o.plan.max_runs, o.plan.budget)))
            .collect();
        stages::print(&stage_rows);
    }
    if o.check {
        println!();
        let mut check_rows = Vec::new();
        for (spec, row) in o.specs.iter().zip(&rows) {
            let checks = Gen::ALL
                .into_iter()
                .zip(&row.outcomes)
                .map(|(gen, outcome)| {
                    report::median_ms(outcome).map(|_| {
                        eprintln!("bench: cargo check {} / {} ...", spec.name, gen.label());
                        check::check(spec, gen)
                    })
                })
                .collect();
            check_rows.push((spec.name, checks));
        }
        check::print(&check_rows);
    }
    // Rebuild only specs that ran, with the generators that succeeded on them.
    let mut rebuild_rows = Vec::new();
    for (spec, row) in o.specs.iter().zip(&rows) {
        if !o.rebuild.iter().any(|r| r.name == spec.name) {
            continue;
        }
        let cells = Gen::ALL
            .into_iter()
            .zip(&row.outcomes)
            .map(|(gen, outcome)| report::median_ms(outcome).map(|_| rebuild::rebuild(spec, gen)))
            .collect();
        rebuild_rows.push((spec.name, cells));
    }
    if !rebuild_rows.is_empty() {
        println!();
        rebuild::print(&rebuild_rows);
    }
    let client = o.client.then(client::measure);
    if let Some(result) = &client {
        println!();
        client::print(result);
    }
    if let Some(spec) = loaded.iter().find(|l| l.spec.name == LINES_SPEC) {
        println!();
        lines::print(LINES_SPEC, &lines::measure(spec));
    }
    println!();
    // The rebuild row's spec by default, plus any other `--rebuild` named, in table order.
    let summary_rebuilds: Vec<&str> = specs::SPECS
        .iter()
        .map(|s| s.name)
        .filter(|name| *name == REBUILD_DEFAULT || o.rebuild.iter().any(|r| r.name == *name))
        .collect();
    summary::print(&summary::Inputs {
        rows: &rows,
        rebuilds: &rebuild_rows,
        rebuild_rows: &summary_rebuilds,
        rebuild_skip: o.rebuild_skip,
        client: client.as_ref(),
        dev_gen: &o.dev_gen,
    });
    println!();
    println!("Done in {:.0} s; load average at the end {}.", started.elapsed().as_secs_f64(), load_average());
    Ok(())
}

/// `profile GEN SPEC [N]`: generates N times in this process, for a profiler to watch.
fn profile(args: &[String]) -> Result<(), String> {
    let [gen, spec, rest @ ..] = args else { return Err("usage: profile GEN SPEC [ITERATIONS]".to_owned()) };
    let gen = Gen::parse(gen)?;
    let loaded = specs::load(specs::by_name(spec)?)?;
    let n: usize = rest.first().map_or(Ok(1), |s| s.parse()).map_err(|e| format!("bad iteration count: {e}"))?;
    for _ in 0..n {
        let t = Instant::now();
        let out = generators::run(gen, &loaded)?;
        eprintln!("{} lines in {:.0} ms", out.lines(), t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(())
}

/// The 1-minute load average, to say how busy the shared machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
