//! `corpus [--small]`: every spec in `tests/corpus/` generated as a standalone crate (exactly as
//! `cargo xtask gen` does) into `target/corpus/<spec>/`, then `cargo check`ed, all crates sharing
//! one target directory (`target/corpus-target`) so their dependencies build once.
//!
//! `--small` leaves out the five large specs (generating them is quick, but each makes a crate
//! that is slow to check); CI runs the small set, the full command is run by hand.
//! `--fidelity` runs the fidelity oracle on every corpus spec and the SDK's specs instead (see
//! `fidelity.rs`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Every corpus spec, smallest first; `true` for the large ones `--small` skips.
const SPECS: &[(&str, bool)] = &[
    ("cli-gen.json", false),
    ("param-overrides.json", false),
    ("param-collision.json", false),
    ("keeper.json", false),
    ("petstore.yaml", false),
    ("buildomat.json", false),
    ("propolis-server.json", false),
    ("nexus.json", true),
    ("oxide-rs.json", true),
    ("openai-3.0.yaml", true),
    ("openai-3.1.yaml", true),
    ("api.github.com.json", true),
];

/// One spec's outcome.
struct Row {
    spec: String,
    generated: Result<crate::gen::Written, String>,
    check: Option<(Result<(), String>, Duration)>,
}

/// Runs the command.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--fidelity") {
        let specs: Vec<(&str, bool)> = SPECS.iter().map(|(s, large)| (*s, *large)).collect();
        return crate::fidelity::run_corpus(root, &specs, args);
    }
    let small = match args {
        [] => false,
        [flag] if flag == "--small" => true,
        _ => return Err("usage: cargo xtask corpus [--small | --fidelity [--small] [--count N] [--limit K] [--seed S] [--only A,B]]".to_owned()),
    };
    let out_root = root.join("target/corpus");
    let target_dir = root.join("target/corpus-target");
    let started = Instant::now();
    let mut rows = Vec::new();
    for (spec, large) in SPECS {
        if small && *large {
            continue;
        }
        let stem = spec.rsplit_once('.').map_or(*spec, |(s, _)| s);
        let crate_dir = out_root.join(stem);
        // A stale crate from an earlier run must not pass for this one.
        if crate_dir.exists() {
            std::fs::remove_dir_all(&crate_dir).map_err(|e| format!("cannot clear {}: {e}", crate_dir.display()))?;
        }
        let gen_args = [
            root.join("tests/corpus").join(spec).display().to_string(),
            "--out".to_owned(),
            crate_dir.display().to_string(),
            "--name".to_owned(),
            format!("corpus-{}", stem.replace('.', "-")),
        ];
        println!("==> {spec}");
        let generated = crate::gen::run(root, &gen_args);
        if let Err(e) = &generated {
            eprintln!("{e}");
        }
        let check = generated.is_ok().then(|| check(&crate_dir, &target_dir));
        if let Some((Err(e), _)) = &check {
            eprintln!("{e}");
        }
        rows.push(Row { spec: (*spec).to_owned(), generated, check });
    }
    let table = table(&rows);
    println!("\n{table}");
    println!("corpus: {} specs in {:.1} s", rows.len(), started.elapsed().as_secs_f64());
    let failed: Vec<&str> = rows
        .iter()
        .filter(|r| r.generated.is_err() || matches!(r.check, Some((Err(_), _))))
        .map(|r| r.spec.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("corpus: failed: {}", failed.join(", ")))
    }
}

/// `cargo check --features mock` of one generated crate (the mock only adds code, so this checks
/// the client and its typed mock at once); the error names the first compiler errors.
fn check(crate_dir: &Path, target_dir: &Path) -> (Result<(), String>, Duration) {
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(crate_dir)
        .args(["check", "--quiet", "--message-format=short", "--features", "mock"])
        .env("CARGO_TARGET_DIR", target_dir)
        .output();
    let result = match output {
        Err(e) => Err(format!("cannot run cargo: {e}")),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(20).collect();
            Err(format!("cargo check failed in {}:\n{}", crate_dir.display(), errors.join("\n")))
        }
    };
    (result, started.elapsed())
}

fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| spec | operations | types | lines | generation | cargo check |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---|");
    for r in rows {
        let (ops, types, lines, gen_time) = match &r.generated {
            Ok(s) => (
                s.operations.to_string(),
                s.types.to_string(),
                s.lines.to_string(),
                format!("{} ms", s.elapsed.as_millis()),
            ),
            Err(_) => ("-".to_owned(), "-".to_owned(), "-".to_owned(), "FAILED".to_owned()),
        };
        let check = match &r.check {
            None => "-".to_owned(),
            Some((Ok(()), t)) => format!("ok ({:.1} s)", t.as_secs_f64()),
            Some((Err(_), t)) => format!("FAILED ({:.1} s)", t.as_secs_f64()),
        };
        let _ = writeln!(out, "| `{}` | {ops} | {types} | {lines} | {gen_time} | {check} |", r.spec);
    }
    out
}
