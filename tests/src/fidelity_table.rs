//! The one piece of the fidelity oracle that reads the generator's output: which Rust type each
//! component schema became. Everything else (drawing instances, validating, comparing) is
//! `tests/oracle/oracle.cjs`, which reads the raw spec.
//!
//! Plain `std` plus the codegen crate, so that `cargo xtask regen` (the tables of the bounded
//! run), `cargo xtask corpus --fidelity` and the bench's progenitor comparison include this very
//! file (`#[path]`) and dispatch and run the oracle the same way.

use voice_agents_codegen::ir;

/// `(component schema name, Rust type name)` of every `components.schemas` entry, in order.
pub fn component_types(api: &ir::Api) -> Vec<(String, String)> {
    api.types
        .iter()
        .filter_map(|t| {
            let token = t.origin.strip_prefix("/components/schemas/")?;
            if token.contains('/') || !matches!(&t.owner, ir::Owner::Component(c) if *c == t.name) {
                return None;
            }
            Some((token.replace("~1", "/").replace("~0", "~"), t.name.clone()))
        })
        .collect()
}

/// Rust source of `pub fn <fn_name>(schema: &str, value: &serde_json::Value) -> Option<serde_json::Value>`:
/// the round trip of `value` through the type of the named component schema (`module` is the
/// path of the generated module), `None` for a name it does not know. The caller brings a
/// generic `round_trip::<T>(&Value) -> Value` into scope.
pub fn dispatch_fn(fn_name: &str, module: &str, types: &[(String, String)]) -> String {
    let mut out = format!(
        "/// Decodes `value` as the generated type of the component schema `schema` and encodes it back.\n\
         pub fn {fn_name}(schema: &str, value: &serde_json::Value) -> Option<serde_json::Value> {{\n    Some(match schema {{\n"
    );
    for (spec_name, rust) in types {
        out.push_str(&format!("        {spec_name:?} => round_trip::<{module}::{rust}>(value),\n"));
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    out
}

/// Source of a harness binary that runs the oracle (`oracle_rs`, the path of
/// `tests/src/oracle.rs`) on the types `dispatch` (from [`dispatch_fn`], named `dispatch`)
/// names. Arguments: tests dir, spec, count, seed, schema limit, work dir. Prints the totals on
/// one line (schemas instances decoded typed valid lossless undrawn), the failures on stderr.
pub fn harness_main(spec: &str, oracle_rs: &str, dispatch: &str) -> String {
    format!(
        r#"//! Runs the fidelity oracle on the types generated from `{spec}`.
#![allow(dead_code)]

#[path = {oracle_rs:?}]
mod oracle;
use oracle::round_trip;

{dispatch}
fn main() {{
    let a: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| a[i].parse().expect("a number");
    let sample = oracle::Sample {{ count: number(2), seed: number(3) as u64, limit: Some(number(4)) }};
    match oracle::run(a[0].as_ref(), a[1].as_ref(), sample, a[5].as_ref(), &dispatch) {{
        Ok(r) => {{
            let t = &r.totals;
            println!("{{}} {{}} {{}} {{}} {{}} {{}} {{}}", t.schemas, t.instances, t.decoded, t.typed, t.valid, t.lossless, t.undrawn);
            eprintln!("{{}}", r.failure_lines(usize::MAX, true));
            eprintln!("not drawn: {{}}\nformats: {{}}", r.undrawn, r.formats);
        }}
        Err(e) => {{
            eprintln!("{{e}}");
            std::process::exit(1)
        }}
    }}
}}
"#
    )
}
