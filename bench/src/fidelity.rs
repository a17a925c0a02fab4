//! `voice-agents-bench fidelity [--count N] [--limit K] [--seed S] [--only A,B]`: the fidelity
//! oracle of `cargo xtask corpus --fidelity` on progenitor's types, with the same instances
//! (the oracle draws by seed and schema name, so the same sample arguments draw the same
//! instances for both generators). Each spec's progenitor crate is written as `cargo progenitor`
//! would (its dependency list), with a harness crate that includes the repository's
//! `tests/src/oracle.rs` and dispatches to `types::<Name>`; both build in a target directory of
//! their own. Not part of `cargo xtask ci`.
//!
//! progenitor names a component schema's type in PascalCase; a schema it names otherwise (or
//! does not type) is counted under "no type" and its instances are not tried.

use crate::generators::progenitor_with;
use crate::specs::{repo_root, Loaded, Spec};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../tests/src/fidelity_table.rs"]
mod fidelity_table;

/// The specs compared: every corpus spec and the SDK's (progenitor fails on some; the row says so).
const SPECS: &[(&str, &str)] = &[
    ("cli-gen", "tests/corpus/cli-gen.json"),
    ("param-overrides", "tests/corpus/param-overrides.json"),
    ("param-collision", "tests/corpus/param-collision.json"),
    ("keeper", "tests/corpus/keeper.json"),
    ("petstore", "tests/corpus/petstore.yaml"),
    ("buildomat", "tests/corpus/buildomat.json"),
    ("propolis-server", "tests/corpus/propolis-server.json"),
    ("nexus", "tests/corpus/nexus.json"),
    ("oxide-rs", "tests/corpus/oxide-rs.json"),
    ("openai-3.0", "tests/corpus/openai-3.0.yaml"),
    ("openai-3.1", "tests/corpus/openai-3.1.yaml"),
    ("api.github.com", "tests/corpus/api.github.com.json"),
    ("ayra", "specs/ayra/openapi.yaml"),
    ("pipecat-cloud", "specs/pipecat-cloud/openapi.json"),
    ("talkifai", "specs/talkifai/openapi.yaml"),
];

/// Runs the comparison and prints one table row per spec.
pub fn run(args: &[String]) -> Result<(), String> {
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let count = flag("--count").unwrap_or_else(|| "20".to_owned());
    let limit = flag("--limit").unwrap_or_else(|| "150".to_owned());
    let seed = flag("--seed").unwrap_or_else(|| "1".to_owned());
    let only: Option<Vec<String>> = flag("--only").map(|v| v.split(',').map(str::to_owned).collect());
    let root = repo_root();
    let out = root.join("bench/target/fidelity");
    let mut rows = Vec::new();
    for (name, path) in SPECS {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        eprintln!("==> {name}");
        let row = one(&root, name, path, [&count, &seed, &limit], &out)
            .unwrap_or_else(|e| format!("| `{name}` | {} |", e.lines().next().unwrap_or_default()));
        eprintln!("    {row}");
        rows.push(row);
    }
    println!("progenitor 0.15.1, fidelity: {count} instances from each of at most {limit} component schemas per spec, seed {seed}\n");
    println!("| spec | schemas | no type | instances | decoded | no fallback | valid output | lossless | not drawn |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}

fn one(root: &Path, name: &'static str, path: &'static str, [count, seed, limit]: [&String; 3], out: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
    let loaded = Loaded { spec: Spec { name, path, overlay: None }, text, overlay: None };
    let doc: serde_json::Value = match serde_json::from_str(&loaded.text) {
        Ok(v) => v,
        Err(_) => serde_yaml::from_str(&loaded.text).map_err(|e| format!("parse: {e}"))?,
    };
    let generated = std::panic::catch_unwind(|| progenitor_with(&loaded, progenitor::InterfaceStyle::Positional))
        .map_err(|_| "progenitor panics".to_owned())?
        .map_err(|e| format!("progenitor fails: {e}"))?;
    let (_, lib) = generated.files.first().ok_or("progenitor wrote nothing")?;
    let defined = type_names(lib)?;
    let schemas: Vec<String> = doc["components"]["schemas"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    let mut types = Vec::new();
    let mut missing = 0;
    for schema in &schemas {
        let rust = heck::ToUpperCamelCase::to_upper_camel_case(schema.as_str());
        if defined.contains(&rust) {
            types.push((schema.clone(), rust));
        } else {
            missing += 1;
        }
    }
    let crate_name = format!("progenitor-{}", name.replace('.', "-"));
    let api_dir = out.join(name).join("api");
    let deps = generated.dependencies.join("\n");
    write(&api_dir.join("Cargo.toml"), &format!("[package]\nname = \"{crate_name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{deps}\n"))?;
    write(&api_dir.join("src/lib.rs"), &format!("#![allow(warnings, clippy::all)]\n{lib}"))?;
    let module = crate_name.replace('-', "_");
    let dispatch = fidelity_table::dispatch_fn("dispatch", &format!("{module}::types"), &types);
    let oracle = root.join("tests/src/oracle.rs");
    let harness = out.join(name).join("harness");
    write(&harness.join("src/main.rs"), &fidelity_table::harness_main(path, &oracle.display().to_string(), &dispatch))?;
    write(
        &harness.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{crate_name}-harness\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\n{crate_name} = {{ path = \"../api\" }}\nserde = \"1\"\n\
             # As for ours: serde_json reads floats exactly, so the comparison is of the types.\n\
             serde_json = {{ version = \"1\", features = [\"float_roundtrip\"] }}\n"
        ),
    )?;
    let work: PathBuf = out.join(name).join("work");
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(&harness)
        .args(["run", "--quiet", "--"])
        .arg(root.join("tests"))
        .arg(root.join(path))
        .args([count, seed, limit])
        .arg(&work)
        .env("CARGO_TARGET_DIR", out.join("target"))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    write(&out.join(format!("{name}.txt")), &stderr)?;
    if !output.status.success() {
        let first = stderr.lines().find(|l| l.contains("error")).unwrap_or_default().to_owned();
        return Err(format!("harness fails to build or run: {first}"));
    }
    let n: Vec<u64> = String::from_utf8_lossy(&output.stdout).split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let [drawn_schemas, instances, decoded, typed, valid, lossless, undrawn] = n[..] else {
        return Err("unexpected harness output".to_owned());
    };
    let pct = |k: u64| if instances == 0 { "-".to_owned() } else { format!("{k} ({:.1} %)", 100.0 * k as f64 / instances as f64) };
    let mut row = String::new();
    let _ = write!(
        row,
        "| `{name}` | {drawn_schemas} | {missing} of {} | {instances} | {} | {} | {} | {} | {undrawn} |",
        schemas.len(),
        pct(decoded),
        pct(typed),
        pct(valid),
        pct(lossless)
    );
    Ok(row)
}

/// The names of the items in progenitor's `types` module.
fn type_names(lib: &str) -> Result<BTreeSet<String>, String> {
    let file = syn::parse_file(lib).map_err(|e| format!("progenitor's output does not parse: {e}"))?;
    let mut names = BTreeSet::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        for inner in m.content.iter().flat_map(|(_, items)| items) {
            match inner {
                syn::Item::Struct(s) => names.insert(s.ident.to_string()),
                syn::Item::Enum(e) => names.insert(e.ident.to_string()),
                syn::Item::Type(t) => names.insert(t.ident.to_string()),
                _ => false,
            };
        }
    }
    Ok(names)
}

/// Writes a file unless it already holds `contents` (a rerun then rebuilds nothing).
fn write(path: &Path, contents: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|have| have == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
