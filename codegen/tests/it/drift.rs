//! The drift check on real generated output (hand edit, stale after a spec change, missing,
//! orphan, the manifest), a vendor update touching only the files whose code changed, and the
//! Pipecat overlay failing loudly when a vendor change makes it stale.

use crate::root;
use std::collections::{BTreeMap, BTreeSet};
use voice_agents_codegen::drift::{check, Problem};
use voice_agents_codegen::emit::{parse_preamble, MANIFEST};
use voice_agents_codegen::load::sha256_hex;
use voice_agents_codegen::{generate, generate_module, Input};

fn pipecat(spec_text: &str) -> BTreeMap<String, String> {
    let overlay = crate::read("specs/pipecat-cloud/overlay.yaml");
    let input = Input {
        file: "specs/pipecat-cloud/openapi.json",
        text: spec_text,
        overlay: Some(("specs/pipecat-cloud/overlay.yaml", &overlay)),
    };
    // As `cargo xtask regen` does.
    let generated = generate_module(input, "cargo xtask regen", "voice_agents::pipecat_cloud").expect("generates");
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
fn a_spec_change_with_no_effect_on_the_code_is_reported_through_the_manifest() {
    // The same document, reformatted: other bytes (another sha256), the same code.
    let doc: serde_json::Value = serde_json::from_str(&spec_text()).expect("json");
    let compact = serde_json::to_string(&doc).expect("json");
    assert_ne!(compact, spec_text());
    let expected = pipecat(&compact);
    let before = pipecat(&spec_text());
    assert_eq!(check(&expected, &before), vec![(MANIFEST.to_owned(), Problem::Stale)]);
    // What the manifest records: spec and overlay with their hashes, and the generator.
    let manifest = &expected[MANIFEST];
    let spec_hash = sha256_hex(compact.as_bytes());
    let overlay_hash = sha256_hex(crate::read("specs/pipecat-cloud/overlay.yaml").as_bytes());
    for line in [
        format!("// spec: specs/pipecat-cloud/openapi.json (sha256 {spec_hash})\n"),
        format!("// overlay: specs/pipecat-cloud/overlay.yaml (sha256 {overlay_hash})\n"),
        format!("// generator: voice-agents-codegen {}\n", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(manifest.contains(&line), "{line:?} missing from the manifest:\n{manifest}");
    }
    // No other file names an input.
    for (path, text) in expected.iter().filter(|(p, _)| p.as_str() != MANIFEST) {
        assert!(!text.contains(&spec_hash) && !text.contains(&overlay_hash), "{path} names an input hash");
    }
}

#[test]
fn a_hand_edit_of_the_manifest_is_reported_as_such() {
    let expected = pipecat(&spec_text());
    let spec_hash = sha256_hex(spec_text().as_bytes());
    let older_hash = sha256_hex(b"an older spec");
    let edits = [
        // Someone "fixes" the recorded spec hash instead of regenerating...
        expected[MANIFEST].replace(&spec_hash, &older_hash),
        // ...or edits the code under the manifest.
        format!("{}pub mod extra {{}}\n", expected[MANIFEST]),
    ];
    for edited in edits {
        assert_ne!(edited, expected[MANIFEST]);
        let mut found = expected.clone();
        found.insert(MANIFEST.to_owned(), edited);
        assert_eq!(check(&expected, &found), vec![(MANIFEST.to_owned(), Problem::EditedByHand)]);
    }
}

/// The maintainer's case: a vendor update regenerated over the previous output. Files whose code
/// did not change keep their bytes; the reviewer sees the files that changed, plus the manifest.
#[test]
fn the_previous_pipecat_spec_to_the_current_one_changes_only_files_whose_code_changed() {
    let before = pipecat(&crate::read("specs/pipecat-cloud/history/openapi.a9deaa9.json"));
    let after = pipecat(&spec_text());
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let changed: Vec<&str> = paths.iter().filter(|p| before.get(**p) != after.get(**p)).map(|p| p.as_str()).collect();
    let body = |files: &BTreeMap<String, String>, path: &str| -> Option<String> {
        files.get(path).map(|text| parse_preamble(text).expect("preamble").1.to_owned())
    };
    let code_changed: Vec<&str> = paths
        .iter()
        .filter(|p| p.as_str() != MANIFEST && body(&before, p) != body(&after, p))
        .map(|p| p.as_str())
        .collect();
    // Every changed file other than the manifest has other code, and the manifest changed (the
    // spec's hash did).
    let mut expected: Vec<&str> = code_changed.clone();
    expected.push(MANIFEST);
    expected.sort();
    assert_eq!(changed, expected);
    // Counted: the 3 files that carry the reported changes (the create and update service
    // requests, the region), the 2 new enums they share (`Architecture`, `NodeType`) with the
    // models index that lists them, and the manifest; every other file keeps its bytes (the mock's
    // included: it names no model's fields; before the manifest, all 38 changed).
    assert_eq!(
        changed,
        [
            "mod.rs",
            "models/architecture.rs",
            "models/create_service_request.rs",
            "models/mod.rs",
            "models/node_type.rs",
            "models/region.rs",
            "models/update_service_request.rs"
        ]
    );
    assert_eq!((after.len(), after.len() - changed.len()), (43, 36), "43 files after, 36 of them untouched");
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
