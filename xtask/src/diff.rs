//! `diff <OLD_SPEC> <NEW_SPEC> [--overlay <FILE>]`: the change report between any two specs
//! (the overlay, if given, is applied to both).

use std::fs;
use voice_agents_codegen::{analyze, diff, Input};

/// Runs the command; the report goes to stdout.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut files = Vec::new();
    let mut overlay = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--overlay" {
            overlay = it.next().cloned();
        } else {
            files.push(a.clone());
        }
    }
    let [old, new] = files.as_slice() else {
        return Err("usage: cargo xtask diff <OLD_SPEC> <NEW_SPEC> [--overlay <FILE>]".to_owned());
    };
    let overlay_text =
        overlay.as_ref().map(|o| fs::read_to_string(o).map_err(|e| format!("cannot read {o}: {e}"))).transpose()?;
    let load = |path: &str| -> Result<voice_agents_codegen::ir::Api, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let input = Input { file: path, text: &text, overlay: overlay.as_deref().zip(overlay_text.as_deref()) };
        analyze(input).map(|(api, _, _)| api).map_err(|d| format!("{path}:\n{d}"))
    };
    let (before, after) = (load(old)?, load(new)?);
    print!("{}", diff::report(&format!("{old} -> {new}"), &diff::diff(&before, &after)));
    Ok(())
}
