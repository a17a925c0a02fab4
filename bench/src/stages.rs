//! `--stages`: where our generator's time goes, stage by stage, through its public API
//! (`load -> validate -> ir::build -> emit`; emit includes token building, syn parsing and
//! prettyplease formatting, which only a profiler can split further).
//! Runs in-process: our generator does not crash, and this keeps the numbers cheap.

use crate::report::median;
use crate::specs::Loaded;
use std::time::{Duration, Instant};
use voice_agents_codegen::{emit, ir, load, validate, Input, Provenance};

/// Stage names, in pipeline order.
pub const STAGES: [&str; 4] = ["load", "validate", "ir", "emit"];

/// Median ms per stage, or the first stage that failed and why.
pub fn measure(spec: &Loaded, min_runs: usize, max_runs: usize, budget: Duration) -> Result<[f64; 4], String> {
    let mut samples: [Vec<f64>; 4] = Default::default();
    let started = Instant::now();
    while samples[0].len() < max_runs && (samples[0].len() < min_runs || started.elapsed() < budget) {
        for (i, ms) in once(spec)?.into_iter().enumerate() {
            samples[i].push(ms);
        }
    }
    Ok(samples.map(|s| median(&s).unwrap_or(0.0)))
}

fn once(spec: &Loaded) -> Result<[f64; 4], String> {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let overlay = spec.spec.overlay.zip(spec.overlay.as_deref());
    let input = Input { file: spec.spec.path, text: &spec.text, overlay };
    let t = Instant::now();
    let loaded =
        load::load(input).map_err(|d| format!("load: {}", crate::generators::first_lines(&d.to_string(), 2)))?;
    let load_ms = ms(t);
    let t = Instant::now();
    let _diagnostics = validate::validate(&loaded);
    let validate_ms = ms(t);
    let t = Instant::now();
    let (api, _) = ir::build(&loaded);
    let ir_ms = ms(t);
    let api = api.ok_or("ir: no API built")?;
    let provenance = Provenance {
        command: "bench".to_owned(),
        spec_file: spec.spec.path.to_owned(),
        overlay_file: spec.spec.overlay.map(str::to_owned),
        hashes: loaded.hashes.clone(),
        module_path: "api".into(),
    };
    let t = Instant::now();
    let files = emit::emit(&api, &provenance).map_err(|d| format!("emit: {d}"))?;
    let emit_ms = ms(t);
    drop(files);
    Ok([load_ms, validate_ms, ir_ms, emit_ms])
}

/// Prints the stage table.
pub fn print(rows: &[(&str, Result<[f64; 4], String>)]) {
    println!("Our generator by stage (median ms, in-process):");
    println!();
    println!("| spec | {} | total |", STAGES.join(" | "));
    println!("|---|{}---:|", "---:|".repeat(STAGES.len()));
    for (spec, result) in rows {
        match result {
            Ok(ms) => {
                let cells: Vec<String> = ms.iter().map(|m| format!("{m:.1}")).collect();
                println!("| {spec} | {} | {:.1} |", cells.join(" | "), ms.iter().sum::<f64>());
            }
            Err(e) => println!("| {spec} | {e} |{}", " |".repeat(STAGES.len())),
        }
    }
}
