//! `cargo xtask bench`: this generator, progenitor 0.15.1 and openapi-to-rust 0.23.0, called as
//! libraries on the same specs in one run, side by side.
//!
//! ```text
//! voice-agents-bench [--only SPEC,..] [--gen ours,o2r,progenitor] [--budget SECS]
//!                    [--min-runs N] [--max-runs N] [--timeout SECS] [--stages] [--check]
//! voice-agents-bench profile GEN SPEC [ITERATIONS]   # in-process loop, for perf/callgrind
//! ```
//!
//! This crate is its own workspace (the root workspace excludes `bench/`), so `cargo xtask ci`
//! never builds the peers; `cargo xtask bench` runs it in release.

mod check;
mod child;
mod generators;
mod report;
mod specs;
mod stages;

use generators::Gen;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Command-line options of a table run.
struct Options {
    specs: Vec<specs::Spec>,
    gens: Vec<Gen>,
    plan: child::Plan,
    stages: bool,
    check: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("child") => child::child_main(&args[1..]),
        Some("profile") => profile(&args[1..]),
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
            let write_dir = if o.check {
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
