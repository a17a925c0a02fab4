//! The drift check on real generated output (hand edit, stale after a spec change, missing,
//! orphan), and the Pipecat overlay failing loudly when a vendor change makes it stale.

use crate::root;
use std::collections::BTreeMap;
use voice_agents_codegen::drift::{check, Problem};
use voice_agents_codegen::emit::MANIFEST;
use voice_agents_codegen::{generate, generate_module, Input};

fn pipecat(spec_text: &str) -> BTreeMap<String, String> {
    let overlay = crate::read("specs/pipecat-cloud/overlay.yaml");
    let input = Input {
        file: "specs/pipecat-cloud/openapi.json",
        text: spec_text,
        overlay: Some(("specs/pipecat-cloud/overlay.yaml", &overlay)),
    };
    // As `cargo xtask regen` does: the hand-written `ext.rs` beside the module is declared in it.
    let extension = root().join("generated/src/pipecat_cloud/ext.rs").is_file();
    let generated = generate_module(input, "cargo xtask regen", extension).expect("generates");
    generated.files.into_iter().map(|f| (f.path, f.contents)).collect()
}

fn spec_text() -> String {
    crate::read("specs/pipecat-cloud/openapi.json")
}

#[test]
fn committed_output_matches_what_the_spec_generates() {
    let expected = pipecat(&spec_text());
    let dir = root().join("generated/src/pipecat_cloud");
    let found: BTreeMap<String, String> =
        expected.keys().filter_map(|p| std::fs::read_to_string(dir.join(p)).ok().map(|t| (p.clone(), t))).collect();
    assert_eq!(check(&expected, &found), vec![], "run `cargo xtask regen`");
}

#[test]
fn hand_edit_stale_missing_and_orphan_files_are_each_detected() {
    let expected = pipecat(&spec_text());
    let mut found = expected.clone();
    // A hand edit: the file no longer matches the hash its preamble recorded.
    let edited = found.get_mut("models/secret_key.rs").expect("secret key model");
    edited.push_str("// tweak\n");
    // Missing: deleted from disk.
    found.remove("client.rs");
    // Orphan: a generated file no spec produces any more.
    let orphan = expected["models/region.rs"].replace("Region", "Gone");
    found.insert("models/gone.rs".to_owned(), orphan);
    // Stale: generated from an older spec (here: one schema description changed upstream).
    let old_output = pipecat(&spec_text().replacen("Human-readable region name", "Region name", 1));
    found.insert("models/region.rs".to_owned(), old_output["models/region.rs"].clone());

    assert_eq!(
        check(&expected, &found),
        vec![
            ("client.rs".to_owned(), Problem::Missing),
            ("models/gone.rs".to_owned(), Problem::Orphan),
            ("models/region.rs".to_owned(), Problem::Stale),
            ("models/secret_key.rs".to_owned(), Problem::EditedByHand),
        ]
    );
}

#[test]
fn a_spec_change_makes_stale_only_the_files_whose_code_changed_and_the_manifest() {
    let expected = pipecat(&spec_text());
    let older = pipecat(&spec_text().replacen("Human-readable region name", "Region name", 1));
    assert_eq!(
        check(&expected, &older),
        vec![(MANIFEST.to_owned(), Problem::Stale), ("models/region.rs".to_owned(), Problem::Stale)]
    );
}

#[test]
fn stale_overlay_action_is_an_error_naming_the_overlay_and_action() {
    let mut doc: serde_json::Value = serde_json::from_str(&spec_text()).expect("json");
    // Simulate a vendor release that dropped the field one correction targets.
    doc.pointer_mut("/components/schemas/ServiceDetailsResponse/properties")
        .and_then(|p| p.as_object_mut())
        .expect("properties")
        .remove("reconciledDeploymentId");
    let text = serde_json::to_string(&doc).expect("json");
    let overlay = crate::read("specs/pipecat-cloud/overlay.yaml");
    let err = generate(
        Input { file: "openapi.json", text: &text, overlay: Some(("specs/pipecat-cloud/overlay.yaml", &overlay)) },
        "cargo xtask regen",
    )
    .expect_err("a stale overlay must fail generation");
    let d = &err.0[0];
    assert_eq!(d.file, "specs/pipecat-cloud/overlay.yaml");
    assert_eq!(d.pointer, "/actions/1");
    assert!(d.message.contains("matched nothing"), "{}", d.message);
}
