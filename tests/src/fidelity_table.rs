//! The one piece of the fidelity oracle that reads the generator's output: which Rust type each
//! component schema became. Everything else (drawing instances, validating, comparing) is
//! `tests/oracle/oracle.cjs`, which reads the raw spec.
//!
//! Plain `std` plus the codegen crate, so that the tests' build script and `cargo xtask corpus
//! --fidelity` include this very file (`#[path]`) and dispatch the same way.

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
