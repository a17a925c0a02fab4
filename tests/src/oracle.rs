//! The fidelity oracle's Rust side: instances drawn from the raw spec by json-schema-faker
//! (`tests/oracle/oracle.cjs draw`) are decoded into the generated types and encoded back, and
//! ajv judges the output (`oracle.cjs check`): valid against the same schema, and lossless.
//!
//! Plain `std`, serde and serde_json, so that the crates `cargo xtask corpus --fidelity`
//! generates include this very file (`#[path]`) and run the oracle exactly as `cargo test` does
//! (`tests/it/fidelity.rs`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What to draw: instances per schema, the seed, and at most how many schemas (a fixed sample).
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Instances drawn per component schema.
    pub count: usize,
    /// The seed: the same seed draws the same instances.
    pub seed: u64,
    /// Draw from at most this many component schemas (chosen by the seed), all when `None`.
    pub limit: Option<usize>,
}

/// Decodes `value` as `T` and encodes it back: `{"output": V, "fallback": bool}`, or
/// `{"error": E}`. `null` decodes as `None`: a schema that admits `null` is an `Option` of its
/// type wherever it is used. `fallback` says the value holds an `Unknown` variant somewhere
/// (a union alternative or enum value the type did not recognize).
pub fn round_trip<T: DeserializeOwned + Serialize + std::fmt::Debug>(value: &Value) -> Value {
    match serde_json::from_value::<Option<T>>(value.clone()) {
        Err(e) => json!({ "error": e.to_string() }),
        Ok(decoded) => match serde_json::to_value(&decoded) {
            Err(e) => json!({ "error": format!("encode: {e}") }),
            Ok(output) => {
                // Where the fallback sits, as `Debug` shows it (the oracle names it in its report).
                let debug = format!("{decoded:?}");
                let fallback = debug.find("Unknown(").map(|i| {
                    let start = debug[..i].char_indices().rev().nth(60).map_or(0, |(j, _)| j);
                    debug[start..].chars().take(120).collect::<String>()
                });
                json!({ "output": output, "fallback": fallback })
            }
        },
    }
}

/// Totals of one spec's run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Component schemas drawn from.
    pub schemas: u64,
    /// Instances drawn (and accepted by the validator).
    pub instances: u64,
    /// Instances the generated type decoded.
    pub decoded: u64,
    /// Decoded without an `Unknown` fallback anywhere.
    pub typed: u64,
    /// Encoded outputs the validator accepts.
    pub valid: u64,
    /// Valid outputs that keep everything the schema declares.
    pub lossless: u64,
    /// Draws that failed or that the validator rejected (recursion cut short, ...).
    pub undrawn: u64,
}

/// One spec's result: totals, the failures (at most a few per schema), what could not be drawn.
#[derive(Debug, Clone)]
pub struct Report {
    /// The spec's file name.
    pub spec: String,
    /// The counts.
    pub totals: Totals,
    /// `(schema, kind, message, input, output)`; kind is decode, fallback, invalid, lossy or missing.
    pub failures: Vec<(String, String, String, Value, Value)>,
    /// Schemas with draws that failed, and why.
    pub undrawn: Value,
    /// Formats the generator draws as plain strings, and formats the validator does not check.
    pub formats: Value,
}

impl Report {
    /// True when every instance decoded, its output validated and was lossless; with `typed`,
    /// also without an `Unknown` fallback anywhere.
    pub fn perfect(&self, typed: bool) -> bool {
        let t = &self.totals;
        t.decoded == t.instances
            && t.valid == t.instances
            && t.lossless == t.instances
            && (!typed || t.typed == t.instances)
    }

    /// One line per failure (the first `max`; fallbacks only with `typed`), for a test failure
    /// or the fidelity command.
    pub fn failure_lines(&self, max: usize, typed: bool) -> String {
        let mut out = String::new();
        let shown: Vec<_> = self.failures.iter().filter(|f| typed || f.1 != "fallback").collect();
        for (schema, kind, message, input, output) in shown.iter().take(max).copied() {
            let _ = write!(out, "{}: {schema}: {kind}: {message}\n    input:  {}\n", self.spec, clip(input));
            if !output.is_null() {
                let _ = writeln!(out, "    output: {}", clip(output));
            }
        }
        if shown.len() > max {
            let _ = writeln!(out, "... and {} more", shown.len() - max);
        }
        out
    }
}

fn clip(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!(
            "{}...",
            &s[..s.char_indices().take_while(|(i, _)| *i < 300).last().map_or(0, |(i, c)| i + c.len_utf8())]
        )
    } else {
        s
    }
}

/// Runs the oracle on one spec: draws, round-trips each instance through `dispatch` (the
/// generated types by component schema name), checks. `tests_dir` holds `node_modules` and
/// `oracle/`; `work` is a directory for the intermediate files.
pub fn run(
    tests_dir: &Path,
    spec: &Path,
    sample: Sample,
    work: &Path,
    dispatch: &dyn Fn(&str, &Value) -> Option<Value>,
) -> Result<Report, String> {
    std::fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let stem = spec.file_name().and_then(|n| n.to_str()).unwrap_or("spec").to_owned();
    // Named by its directory too: the SDK's specs are all `openapi.*`.
    let label = match spec.parent().and_then(Path::file_name).and_then(|d| d.to_str()) {
        Some(dir) if stem.starts_with("openapi.") && dir != "corpus" => format!("{dir}/{stem}"),
        _ => stem.clone(),
    };
    let stem = label.replace('/', "-");
    let drawn_file = work.join(format!("{stem}.drawn.json"));
    let results_file = work.join(format!("{stem}.results.json"));
    let mut args = vec!["draw".to_owned(), spec.display().to_string()];
    args.extend(["--count".to_owned(), sample.count.to_string(), "--seed".to_owned(), sample.seed.to_string()]);
    if let Some(limit) = sample.limit {
        args.extend(["--limit".to_owned(), limit.to_string()]);
    }
    let drawn_text = node(tests_dir, &args)?;
    std::fs::write(&drawn_file, &drawn_text).map_err(|e| format!("cannot write {}: {e}", drawn_file.display()))?;
    let drawn: Value = serde_json::from_str(&drawn_text).map_err(|e| format!("oracle draw output: {e}"))?;
    let mut results = serde_json::Map::new();
    for entry in drawn["schemas"].as_array().into_iter().flatten() {
        let name = entry["name"].as_str().unwrap_or_default();
        let instances = entry["instances"].as_array().cloned().unwrap_or_default();
        let outcomes: Option<Vec<Value>> = instances.iter().map(|v| dispatch(name, v)).collect();
        if let Some(outcomes) = outcomes {
            results.insert(name.to_owned(), Value::Array(outcomes));
        }
    }
    let results_text = json!({ "schemas": results }).to_string();
    std::fs::write(&results_file, results_text).map_err(|e| format!("cannot write {}: {e}", results_file.display()))?;
    let report_text = node(
        tests_dir,
        &[
            "check".to_owned(),
            spec.display().to_string(),
            drawn_file.display().to_string(),
            results_file.display().to_string(),
        ],
    )?;
    let report: Value = serde_json::from_str(&report_text).map_err(|e| format!("oracle check output: {e}"))?;
    let t = &report["totals"];
    let n = |k: &str| t[k].as_u64().unwrap_or(0);
    let totals = Totals {
        schemas: n("schemas"),
        instances: n("instances"),
        decoded: n("decoded"),
        typed: n("typed"),
        valid: n("valid"),
        lossless: n("lossless"),
        undrawn: n("undrawn"),
    };
    let failures = report["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("schema"), s("kind"), s("message"), f["input"].clone(), f["output"].clone())
        })
        .collect();
    Ok(Report { spec: label, totals, failures, undrawn: report["undrawn"].clone(), formats: report["formats"].clone() })
}

fn node(tests_dir: &Path, args: &[String]) -> Result<String, String> {
    let script: PathBuf = tests_dir.join("oracle").join("oracle.cjs");
    let out =
        Command::new("node").arg(&script).args(args).output().map_err(|e| {
            format!("cannot run node {}: {e} (the oracle needs Node.js, as Prism does)", script.display())
        })?;
    if !out.status.success() {
        return Err(format!(
            "node oracle.cjs {} failed ({}):\n{}",
            args.first().map(String::as_str).unwrap_or_default(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("oracle output is not UTF-8: {e}"))
}
