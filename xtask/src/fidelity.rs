//! The generated part of the fidelity oracle's bounded run in `cargo test`
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
use std::path::Path;
use voice_agents_codegen::{emit, generate_module, ir, Input};

#[path = "../../tests/src/fidelity_table.rs"]
mod fidelity_table;
pub use fidelity_table::{component_types, dispatch_fn};

/// Specs (from the root) whose generated types the bounded oracle runs, and their modules: a
/// small corpus spec that found bugs (buildomat: integer widths, nullable items) and the
/// generator's fixture of each class the oracle found, whose boundary values the tests decode.
pub const CORPUS: &[(&str, &str)] = &[
    ("tests/corpus/buildomat.json", "buildomat"),
    ("codegen/tests/fixtures/integer_widths.yaml", "integer_widths"),
    ("codegen/tests/fixtures/nullable_items.yaml", "nullable_items"),
    ("codegen/tests/fixtures/nullable_map_values.yaml", "nullable_map_values"),
    ("codegen/tests/fixtures/nullable_union_alternatives.yaml", "nullable_union_alternatives"),
    ("codegen/tests/fixtures/discriminator_pinned.yaml", "discriminator_pinned"),
    ("codegen/tests/fixtures/untagged_overlap.yaml", "untagged_overlap"),
    ("codegen/tests/fixtures/all_of_union.yaml", "all_of_union"),
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
        body.push_str(&dispatch_fn(&format!("round_trip_{module}"), &format!("voice_agents::{module}"), &component_types(api)));
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
        body.push_str(&dispatch_fn(&format!("round_trip_{module}"), &format!("self::{module}"), &component_types(&generated.api)));
        body.push('\n');
    }
    files.insert(format!("{DIR}/tables.rs"), emit::standalone_file(crate::apis::REGEN, &format!("{}\n", body.trim_end())));
    Ok(files)
}
