//! The fidelity oracle in xtask: `cargo xtask corpus --fidelity` ([`run_corpus`]), and the
//! generated part of its bounded run in `cargo test`
//! (`tests/it/fidelity.rs`), written by `cargo xtask regen` and drift-checked like the SDK:
//! `tests/fidelity/<module>/`, the modules of the specs in [`CORPUS`], and
//! `tests/fidelity/tables.rs`, the round-trip dispatch by component schema name for them and for
//! the SDK's APIs.
//!
//! Why committed and regenerated rather than generated at build time: a build script would
//! compile the generator a second time as a build-dependency (other features, other profile) and
//! the corpus crates of `cargo xtask corpus` are only `cargo check`ed, so running their types
//! would build the runtime's HTTP stack once more; either costs CI a minute or more on two
//! cores. Committed, the modules compile into the test crate against what it builds anyway.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use voice_agents_codegen::{emit, generate_module, ir, Input};

#[path = "../../tests/src/fidelity_table.rs"]
mod fidelity_table;
pub use fidelity_table::{component_types, dispatch_fn, harness_main};

/// Specs (from the root) whose generated types the bounded oracle runs, and their modules: a
/// small corpus spec that found bugs (buildomat: integer widths, nullable items), the
/// generator's fixture of each class the oracle found, whose boundary values the tests decode,
/// and the real specs whose form and multipart operations `tests/it/generated_bodies.rs` reads
/// back with independent parsers (petstore; OpenAI's `createTranscription`, an excerpt).
pub const CORPUS: &[(&str, &str)] = &[
    ("tests/corpus/buildomat.json", "buildomat"),
    ("tests/corpus/petstore.yaml", "petstore"),
    ("tests/corpus/excerpts/openai-3.1-create-transcription.yaml", "openai_transcription"),
    ("codegen/tests/fixtures/integer_widths.yaml", "integer_widths"),
    ("codegen/tests/fixtures/nullable_items.yaml", "nullable_items"),
    ("codegen/tests/fixtures/nullable_map_values.yaml", "nullable_map_values"),
    ("codegen/tests/fixtures/nullable_union_alternatives.yaml", "nullable_union_alternatives"),
    ("codegen/tests/fixtures/discriminator_pinned.yaml", "discriminator_pinned"),
    ("codegen/tests/fixtures/discriminator_loose_tags.yaml", "discriminator_loose_tags"),
    ("codegen/tests/fixtures/untagged_overlap.yaml", "untagged_overlap"),
    ("codegen/tests/fixtures/all_of_union.yaml", "all_of_union"),
    ("codegen/tests/fixtures/discriminator_shared_tag.yaml", "discriminator_shared_tag"),
    ("codegen/tests/fixtures/required_undeclared.yaml", "required_undeclared"),
];

/// Where the files go.
pub const DIR: &str = "tests/fidelity";

/// The files `regen` writes for the oracle, keyed by path from the root; `sdk` is each SDK API
/// as `(module, IR)`.
pub fn expected_files(root: &Path, sdk: &[(&str, &ir::Api)]) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    let mut body = String::from(
        "//! Round-trip dispatch of the fidelity oracle (`tests/it/fidelity.rs`): the generated type of\n\
         //! every component schema of the SDK's APIs and of the corpus modules beside this file.\n\n\
         use super::round_trip;\n\n",
    );
    for (module, api) in sdk {
        body.push_str(&dispatch_fn(
            &format!("round_trip_{module}"),
            &format!("voice_agents::{module}"),
            &component_types(api),
        ));
        body.push('\n');
    }
    for (file, module) in CORPUS {
        let text = std::fs::read_to_string(root.join(file)).map_err(|e| format!("cannot read {file}: {e}"))?;
        let module = module.to_string();
        let generated = generate_module(Input { file, text: &text, overlay: None }, crate::apis::REGEN, &module)
            .map_err(|d| format!("{file}: cannot generate:\n{d}"))?;
        for f in generated.files {
            files.insert(format!("{DIR}/{module}/{}", f.path), f.contents);
        }
        body.push_str(&format!("#[path = \"{module}/mod.rs\"]\npub mod {module};\n\n"));
        body.push_str(&dispatch_fn(
            &format!("round_trip_{module}"),
            &format!("self::{module}"),
            &component_types(&generated.api),
        ));
        body.push('\n');
    }
    files.insert(
        format!("{DIR}/tables.rs"),
        emit::standalone_file(crate::apis::REGEN, &format!("{}\n", body.trim_end())),
    );
    Ok(files)
}

/// What `--fidelity` draws unless told otherwise: 20 instances from each of at most 150
/// component schemas per spec (the sample sizes of issue 21), seed 1.
const DEFAULT_SAMPLE: (usize, usize, u64) = (20, 150, 1);

/// `cargo xtask corpus --fidelity [--small] [--count N] [--limit K] [--seed S] [--only A,B]`:
/// every corpus spec (`--small`: the small ones) and the SDK's specs generated as standalone
/// crates (as `cargo xtask gen` does), each with a harness crate that runs the oracle on its
/// types (`tests/src/oracle.rs`, the same code as `cargo test`); one table of instances,
/// decoded, valid output and lossless per spec. Failures go to `target/fidelity/<spec>.txt`.
pub fn run_corpus(root: &Path, corpus: &[(&str, bool)], args: &[String]) -> Result<(), String> {
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let number = |name: &str, default: u64| -> Result<u64, String> {
        flag(name).map_or(Ok(default), |v| v.parse().map_err(|e| format!("{name} {v}: {e}")))
    };
    let (count, limit, seed) = DEFAULT_SAMPLE;
    let count = number("--count", count as u64)?;
    let limit = number("--limit", limit as u64)?;
    let seed = number("--seed", seed)?;
    let small = args.iter().any(|a| a == "--small");
    let only: Option<Vec<String>> = flag("--only").map(|v| v.split(',').map(str::to_owned).collect());
    let mut specs: Vec<(String, Option<String>, String)> = Vec::new();
    for (spec, large) in corpus {
        if !(small && *large) {
            specs.push((
                format!("tests/corpus/{spec}"),
                None,
                spec.rsplit_once('.').map_or(*spec, |(s, _)| s).to_owned(),
            ));
        }
    }
    for api in crate::apis::discover(root)? {
        specs.push((api.spec.clone(), api.overlay.clone(), api.dir.clone()));
    }
    if let Some(only) = &only {
        specs.retain(|(_, _, name)| only.contains(name));
    }
    crate::prism::ensure_prism(root)?;
    let out_root = root.join("target/fidelity");
    let target_dir = root.join("target/corpus-target");
    let started = Instant::now();
    let mut rows = Vec::new();
    for (spec, overlay, name) in &specs {
        println!("==> {name}");
        let row = match run_one(root, spec, overlay.as_deref(), name, (count, limit, seed), &out_root, &target_dir) {
            Ok(line) => line,
            Err(e) => {
                eprintln!("{e}");
                format!("| `{name}` | FAILED: {} |", e.lines().next().unwrap_or_default())
            }
        };
        rows.push(row);
    }
    println!("\nfidelity: {count} instances from each of at most {limit} component schemas per spec, seed {seed}\n");
    println!("| spec | schemas | instances | decoded | no fallback | valid output | lossless | not drawn |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!("{row}");
    }
    println!(
        "\nfidelity: {} specs in {:.1} s; failures in {}",
        rows.len(),
        started.elapsed().as_secs_f64(),
        out_root.display()
    );
    Ok(())
}

/// Generates one spec's crate and harness, runs the harness; returns its table row.
fn run_one(
    root: &Path,
    spec: &str,
    overlay: Option<&str>,
    name: &str,
    (count, limit, seed): (u64, u64, u64),
    out_root: &Path,
    target_dir: &Path,
) -> Result<String, String> {
    let crate_name = format!("fidelity-{}", name.replace('.', "-"));
    let module = crate_name.replace('-', "_");
    let crate_dir = out_root.join(name).join("api");
    // Generated beside the crate and synced into it, so that an unchanged file keeps its time
    // and a rerun does not rebuild a large crate for nothing.
    let fresh = out_root.join(name).join("api.new");
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh).map_err(|e| format!("cannot clear {}: {e}", fresh.display()))?;
    }
    let options = crate::gen::Options {
        spec: root.join(spec).display().to_string(),
        out: fresh.clone(),
        name: crate_name.clone(),
        overlay: overlay.map(|o| root.join(o).display().to_string()),
        vendor_runtime: false,
        report_untyped: false,
    };
    let written = crate::gen::write_crate(root, &options)?;
    sync_dir(&fresh, &crate_dir)?;
    std::fs::remove_dir_all(&fresh).map_err(|e| format!("cannot clear {}: {e}", fresh.display()))?;
    let harness = out_root.join(name).join("harness");
    let dispatch = dispatch_fn("dispatch", &format!("{module}::{module}"), &written.components);
    let oracle = root.join("tests/src/oracle.rs");
    let main = harness_main(spec, &oracle.display().to_string(), &dispatch);
    let manifest = format!(
        "[package]\nname = \"{crate_name}-harness\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n\
         [dependencies]\n{crate_name} = {{ path = \"../api\" }}\nserde = \"1\"\nserde_json = {{ version = \"1\", features = [\"float_roundtrip\"] }}\n"
    );
    write(&harness.join("Cargo.toml"), &manifest)?;
    write(&harness.join("src/main.rs"), &main)?;
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    write(&harness.join("Cargo.lock"), &lock)?;
    let built = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let work: PathBuf = out_root.join(name).join("work");
    let output = Command::new(cargo)
        .current_dir(&harness)
        .args(["run", "--quiet", "--"])
        .arg(root.join("tests"))
        .arg(root.join(spec))
        .args([count.to_string(), seed.to_string(), limit.to_string()])
        .arg(&work)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failures_file = out_root.join(format!("{name}.txt"));
    write(&failures_file, &stderr)?;
    if !output.status.success() {
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(10).collect();
        return Err(format!("{name}: harness failed ({}):\n{}", output.status, errors.join("\n")));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let n: Vec<u64> = stdout.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let [schemas, instances, decoded, typed, valid, lossless, undrawn] = n[..] else {
        return Err(format!("{name}: unexpected harness output {stdout:?}"));
    };
    let pct = |k: u64| {
        if instances == 0 {
            "-".to_owned()
        } else {
            format!("{k} ({:.1} %)", 100.0 * k as f64 / instances as f64)
        }
    };
    let mut row = String::new();
    let _ = write!(
        row,
        "| `{name}` | {schemas} | {instances} | {} | {} | {} | {} | {undrawn} |",
        pct(decoded),
        pct(typed),
        pct(valid),
        pct(lossless)
    );
    println!("    {row} ({:.0} s)", built.elapsed().as_secs_f64());
    Ok(row)
}

/// Makes `to` hold exactly the files of `from`, writing only those whose contents differ.
fn sync_dir(from: &Path, to: &Path) -> Result<(), String> {
    let list = |dir: &Path| -> BTreeMap<PathBuf, PathBuf> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(dir) {
                    out.insert(rel.to_path_buf(), path.clone());
                }
            }
        }
        out
    };
    let (new, old) = (list(from), list(to));
    for (rel, path) in &new {
        let contents = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let target = to.join(rel);
        if std::fs::read(&target).ok().as_deref() != Some(contents.as_slice()) {
            write(&target, &String::from_utf8_lossy(&contents))?;
        }
    }
    for (rel, path) in old {
        if !new.contains_key(&rel) {
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Writes a file unless it already holds `contents` (its time then stays, and cargo's
/// freshness check with it).
fn write(path: &Path, contents: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|have| have == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
