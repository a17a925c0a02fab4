//! `regen` and `regen --check`: the APIs under `specs/`, generated into `generated/src/<api>/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use voice_agents_codegen::{analyze, diff, drift, generate_module, ir, surface, Input};

/// The command named in preambles and in the fix hint.
pub const REGEN: &str = "cargo xtask regen";

/// One API: its spec (and overlay) under `specs/<dir>/`, its module under `generated/src/`.
pub struct ApiSpec {
    /// Directory name under `specs/` (`pipecat-cloud`), the API's name in reports.
    pub dir: String,
    /// Rust module name (`pipecat_cloud`).
    pub module: String,
    /// `specs/<dir>/openapi.{json,yaml}`, relative to the root.
    pub spec: String,
    /// `specs/<dir>/overlay.yaml`, if present.
    pub overlay: Option<String>,
}

/// Every API with a spec under `specs/`, sorted by directory name.
pub fn discover(root: &Path) -> Result<Vec<ApiSpec>, String> {
    let specs = root.join("specs");
    let mut out = Vec::new();
    let entries = fs::read_dir(&specs).map_err(|e| format!("cannot read {}: {e}", specs.display()))?;
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let spec = ["openapi.json", "openapi.yaml", "openapi.yml"].iter().find(|f| dir.join(f).is_file());
        let Some(spec) = spec else { continue };
        let overlay = dir.join("overlay.yaml").is_file().then(|| format!("specs/{name}/overlay.yaml"));
        out.push(ApiSpec { module: name.replace('-', "_"), spec: format!("specs/{name}/{spec}"), overlay, dir: name });
    }
    Ok(out)
}

/// Generates one API's files in memory: `(path relative to the root, contents)`.
pub fn generate_api(root: &Path, api: &ApiSpec) -> Result<(BTreeMap<String, String>, ir::Api), String> {
    let text = read(root, &api.spec)?;
    let overlay_text = api.overlay.as_ref().map(|o| read(root, o)).transpose()?;
    let input = Input { file: &api.spec, text: &text, overlay: api.overlay.as_deref().zip(overlay_text.as_deref()) };
    let module_path = format!("voice_agents::{}", api.module);
    let generated =
        generate_module(input, REGEN, &module_path).map_err(|d| format!("{}: cannot generate:\n{d}", api.spec))?;
    for w in &generated.warnings {
        eprintln!("{w}");
    }
    let files =
        generated.files.into_iter().map(|f| (format!("generated/src/{}/{}", api.module, f.path), f.contents)).collect();
    Ok((files, generated.api))
}

/// The API as the last commit's spec (and overlay) describe it; `None` when git has no such
/// file (a new API, or no repository).
fn committed_api(root: &Path, api: &ApiSpec, rev: &str) -> Option<ir::Api> {
    let show = |rel: &str| -> Option<String> {
        let out = Command::new("git").current_dir(root).args(["show", &format!("{rev}:{rel}")]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let text = show(&api.spec)?;
    let overlay = api.overlay.as_deref().and_then(show);
    let input = Input { file: &api.spec, text: &text, overlay: api.overlay.as_deref().zip(overlay.as_deref()) };
    analyze(input).ok().map(|(api, _, _)| api)
}

/// The contents of every file under `prefix` in the last commit (none without git or commit).
fn committed_files(root: &Path, prefix: &str, rev: &str) -> Vec<String> {
    let Ok(list) = Command::new("git").current_dir(root).args(["ls-tree", "-r", "--name-only", rev, prefix]).output()
    else {
        return Vec::new();
    };
    let paths: Vec<String> = String::from_utf8_lossy(&list.stdout).lines().map(str::to_owned).collect();
    if paths.is_empty() {
        return Vec::new();
    }
    // One `git cat-file --batch` for all files: `<sha> blob <size>\n<bytes>\n` per request.
    let Ok(mut child) = Command::new("git")
        .current_dir(root)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    else {
        return Vec::new();
    };
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let requests: String = paths.iter().map(|p| format!("{rev}:{p}\n")).collect();
        let _ = stdin.write_all(requests.as_bytes());
    }
    let Ok(out) = child.wait_with_output() else { return Vec::new() };
    let mut files = Vec::new();
    let mut rest: &[u8] = &out.stdout;
    while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
        let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
        let size: usize = header.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let Some(body) = rest.get(nl + 1..nl + 1 + size) else { break };
        files.push(String::from_utf8_lossy(body).into_owned());
        rest = rest.get(nl + 2 + size..).unwrap_or_default();
    }
    files
}

fn read(root: &Path, rel: &str) -> Result<String, String> {
    fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
}

/// Every file currently under `generated/src/<module>/` for the given modules, plus any other
/// directory under `generated/src/` holding generated files (an API whose spec is gone).
fn files_on_disk(root: &Path, modules: &[String]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let src = root.join("generated/src");
    let Ok(entries) = fs::read_dir(&src) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // `ext/` holds hand-written helpers: files without a preamble, which the check ignores.
        if path.is_dir() && (name != "ext" || modules.contains(&name)) {
            collect(root, &path, &mut found);
        }
    }
    // The oracle's generated test modules (see `fidelity.rs`).
    collect(root, &root.join(crate::fidelity::DIR), &mut found);
    found
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            if let (Ok(text), Ok(rel)) = (fs::read_to_string(&path), path.strip_prefix(root)) {
                out.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
}

type Expected = (BTreeMap<String, String>, Vec<(ApiSpec, ir::Api)>);

fn expected_files(root: &Path) -> Result<Expected, String> {
    let apis = discover(root)?;
    let mut expected = BTreeMap::new();
    let mut irs = Vec::new();
    let mut errors = Vec::new();
    for api in apis {
        match generate_api(root, &api) {
            Ok((files, ir)) => {
                expected.extend(files);
                irs.push((api, ir));
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    let sdk: Vec<(&str, &ir::Api)> = irs.iter().map(|(a, ir)| (a.module.as_str(), ir)).collect();
    expected.extend(crate::fidelity::expected_files(root, &sdk)?);
    Ok((expected, irs))
}

/// `cargo xtask regen [--since REV]`: the change reports compare with `REV` (default `HEAD`).
pub fn regen(root: &Path, since: &str) -> Result<(), String> {
    let started = Instant::now();
    let (expected, apis) = expected_files(root)?;
    let generated_in = started.elapsed();
    let modules: Vec<String> = apis.iter().map(|(a, _)| a.module.clone()).collect();
    let ops: usize = apis.iter().map(|(_, ir)| ir.operations.len()).sum();
    let found = files_on_disk(root, &modules);
    let problems = drift::check(&expected, &found);
    let lines: usize = expected.values().map(|c| c.lines().count()).sum();
    for (path, problem) in &problems {
        let full = root.join(path);
        match problem {
            drift::Problem::Orphan => {
                fs::remove_file(&full).map_err(|e| format!("cannot remove {path}: {e}"))?;
                println!("removed {path} (orphaned)");
            }
            _ => {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                fs::write(&full, &expected[path]).map_err(|e| format!("cannot write {path}: {e}"))?;
                println!("wrote {path} ({problem})");
            }
        }
    }
    if crate::readme::sync(root)? {
        println!("wrote {} (its getting-started section, from {})", crate::readme::README, crate::readme::SOURCE);
    }
    println!("\nChanges to the generated public API since {since}:");
    for (api, ir) in &apis {
        match committed_api(root, api, since) {
            Some(before) => print!("{}", diff::report(&api.dir, &diff::diff(&before, ir))),
            None => println!("{}: new API ({} operations, {} types)", api.dir, ir.operations.len(), ir.types.len()),
        }
    }
    println!("\nChanges to the generated Rust items since {since} (what users see, generator changes included):");
    for (api, _) in &apis {
        let prefix = format!("generated/src/{}/", api.module);
        let before = committed_files(root, &prefix, since);
        let after = expected.iter().filter(|(p, _)| p.starts_with(&prefix)).map(|(_, c)| c.as_str());
        let (removed, added) =
            surface::changes(&surface::public_items(before.iter().map(String::as_str)), &surface::public_items(after));
        if removed.is_empty() && added.is_empty() {
            println!("{}: no changes to the generated Rust items", api.dir);
            continue;
        }
        println!("{}: {} item(s) removed or changed, {} added", api.dir, removed.len(), added.len());
        for line in removed.iter().map(|r| format!("  - {r}")).chain(added.iter().map(|a| format!("  + {a}"))) {
            println!("{line}");
        }
    }
    println!(
        "regen: {} APIs, {ops} operations, {} files, {lines} lines; generated in {:.0} ms; {} file(s) changed",
        modules.len(),
        expected.len(),
        generated_in.as_secs_f64() * 1000.0,
        problems.len()
    );
    Ok(())
}

/// `cargo xtask regen --check`.
pub fn check(root: &Path) -> Result<(), String> {
    let (expected, apis) = expected_files(root)?;
    let modules: Vec<String> = apis.iter().map(|(a, _)| a.module.clone()).collect();
    let found = files_on_disk(root, &modules);
    let problems = drift::check(&expected, &found);
    crate::readme::check(root)?;
    if problems.is_empty() {
        println!("regen --check: {} generated files are up to date", expected.len());
        return Ok(());
    }
    let mut msg = format!("regen --check: {} generated file(s) out of date:\n", problems.len());
    for (path, problem) in &problems {
        msg.push_str(&format!("  {path}: {problem}\n"));
    }
    msg.push_str(&format!(
        "fix: run `{REGEN}` and commit the result (edit the spec, its overlay or the generator, never the output)"
    ));
    Err(msg)
}
