//! Each (generator, spec) pair runs in a child process of the bench binary, for three reasons:
//! its peak RSS is then its own (`VmHWM`), a stack overflow or abort in a peer is a row in the
//! table instead of the end of the run, and a peer that hangs can be stopped at a deadline.
//! Inside the child, panics are caught with `catch_unwind` and reported with their message.

use crate::generators::{self, Gen, Output};
use crate::specs::{self, Loaded};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many runs a child makes: at least `min_runs`, then more until `budget` is spent or
/// `max_runs` is reached (a 30 s generation gets `min_runs`, a 50 ms one gets `max_runs`).
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Runs always made (when the first succeeds).
    pub min_runs: usize,
    /// Upper bound.
    pub max_runs: usize,
    /// Time after which no further run starts once `min_runs` are done.
    pub budget: Duration,
    /// Wall-clock limit of the whole child; past it the child is killed.
    pub timeout: Duration,
}

/// What a child reports on its stdout, one JSON line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// `ok`, `error` (the generator returned an error) or `panic`.
    pub status: String,
    /// Wall time of each run, in milliseconds.
    pub times_ms: Vec<f64>,
    /// Lines of generated Rust (first run).
    pub lines: usize,
    /// Error or panic message.
    pub message: String,
    /// `VmHWM` before the first run: the bench binary with the spec text read.
    pub baseline_kib: u64,
    /// `VmHWM` after the last run: the child's peak resident memory.
    pub peak_kib: u64,
}

/// How a measurement ended, as the parent sees it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The child ran and reported (success, generator error or caught panic).
    Reported(Report),
    /// The child died without reporting: killed by a signal (stack overflow aborts), or exited
    /// non-zero. The message carries the end of its stderr.
    Crashed(String),
    /// The child outlived [`Plan::timeout`] and was killed.
    TimedOut(Duration),
}

/// Last panic message, set by the child's panic hook (the payload alone lacks the location).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Child side: `child GEN SPEC MIN MAX BUDGET_MS [WRITE_DIR]`. Prints one [`Report`] line.
pub fn child_main(args: &[String]) -> Result<(), String> {
    let [gen, spec, min, max, budget, rest @ ..] = args else {
        return Err("usage: child GEN SPEC MIN_RUNS MAX_RUNS BUDGET_MS [WRITE_DIR]".to_owned());
    };
    let gen = Gen::parse(gen)?;
    let loaded = specs::load(specs::by_name(spec)?)?;
    let num = |s: &str| s.parse::<u64>().map_err(|e| format!("bad number `{s}`: {e}"));
    let (min, max, budget) = (num(min)? as usize, num(max)? as usize, Duration::from_millis(num(budget)?));
    let write_dir = rest.first().map(PathBuf::from);
    panic::set_hook(Box::new(|info| *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(info.to_string())));
    let report = measure_in_process(gen, &loaded, min, max, budget, write_dir.as_deref());
    println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
    Ok(())
}

fn measure_in_process(
    gen: Gen,
    spec: &Loaded,
    min: usize,
    max: usize,
    budget: Duration,
    write_dir: Option<&Path>,
) -> Report {
    let mut report = Report {
        status: "ok".to_owned(),
        times_ms: Vec::new(),
        lines: 0,
        message: String::new(),
        baseline_kib: vm_hwm_kib(),
        peak_kib: 0,
    };
    let started = Instant::now();
    while report.times_ms.len() < max && (report.times_ms.len() < min || started.elapsed() < budget) {
        let t = Instant::now();
        let result = panic::catch_unwind(AssertUnwindSafe(|| generators::run(gen, spec)));
        let elapsed = t.elapsed();
        match result {
            Ok(Ok(output)) => {
                if report.times_ms.is_empty() {
                    report.lines = output.lines();
                    if let Some(dir) = write_dir {
                        if let Err(e) = write_output(dir, &output) {
                            eprintln!("{e}");
                        }
                    }
                }
                // Dropping the output is not generation time; keep it out of the measurement.
                drop(output);
                report.times_ms.push(elapsed.as_secs_f64() * 1e3);
            }
            Ok(Err(message)) => {
                (report.status, report.message) = ("error".to_owned(), message);
                break;
            }
            Err(payload) => {
                let hook = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
                let message = hook.unwrap_or_else(|| payload_text(payload.as_ref()));
                (report.status, report.message) = ("panic".to_owned(), generators::first_lines(&message, 3));
                break;
            }
        }
    }
    report.peak_kib = vm_hwm_kib();
    report
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".to_owned())
}

/// Writes a peer's output for `--check`: the files and a `DEPENDENCIES` list, one line each.
fn write_output(dir: &Path, output: &Output) -> Result<(), String> {
    for (path, text) in &output.files {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    let deps = dir.join("DEPENDENCIES");
    std::fs::write(&deps, output.dependencies.join("\n")).map_err(|e| format!("cannot write {}: {e}", deps.display()))
}

/// Peak resident set size of this process so far (`VmHWM` in `/proc/self/status`, the same
/// number as `ru_maxrss`); 0 where the file does not exist (not Linux).
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Parent side: runs one child to completion (or to its deadline).
pub fn measure(gen: Gen, spec: &str, plan: Plan, write_dir: Option<&Path>) -> Result<Outcome, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args([
        "child",
        gen.id(),
        spec,
        &plan.min_runs.to_string(),
        &plan.max_runs.to_string(),
        &plan.budget.as_millis().to_string(),
    ]);
    if let Some(dir) = write_dir {
        cmd.arg(dir);
    }
    let mut child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| format!("cannot start child: {e}"))?;
    // Drain both pipes on threads: a chatty child must not block on a full pipe while we wait.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("cannot wait for child: {e}"))? {
            break status;
        }
        if started.elapsed() > plan.timeout {
            // Only this child, by its own handle.
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Outcome::TimedOut(plan.timeout));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if let Some(report) = stdout.lines().rev().find_map(|l| serde_json::from_str::<Report>(l).ok()) {
        return Ok(Outcome::Reported(report));
    }
    let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Ok(Outcome::Crashed(format!("{status}: {}", tail.join(" | "))))
}
