//! Snapshot tests of the code generator: one small fixture spec per concern
//! (`codegen/tests/fixtures/*.yaml`), the diagnostics of broken specs and a determinism check.
//!
//! A snapshot holds only the generated files that matter for its concern, without the preamble
//! (its hash line changes with every edit of the code, the manifest's inputs with every edit of the
//! fixture). Review changes with `cargo insta review`, or run with `INSTA_UPDATE=always` and read
//! every changed `.snap` file: a snapshot is a claim that the code in it is right.
//!
//! Each test pins one generator behaviour; a bug a fixture found keeps its test once fixed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use voice_agents_codegen::emit::parse_preamble;
use voice_agents_codegen::ir::{EventData, Output, Owner, Shape, TypeKind, TypeRef};
use voice_agents_codegen::{generate, Diagnostics, Generated, Input, Severity};

const COMMAND: &str = "cargo xtask regen";

/// Every fixture, so that a fixture without a test (or a test without a fixture) is noticed.
const FIXTURES: &[&str] = &[
    "additional_properties.yaml",
    "all_of_union.yaml",
    "alias_cycle.yaml",
    "alias_cycle_wrappers.yaml",
    "constructors.yaml",
    "defaults_constraints.yaml",
    "discriminator_loose_tags.yaml",
    "discriminator_pinned.yaml",
    "discriminator_shared_tag.yaml",
    "deprecated.yaml",
    "deprecated_types.yaml",
    "enum_with_null.yaml",
    "envelope.yaml",
    "errors_document.yaml",
    "errors_malformed.yaml",
    "errors_swagger_2.yaml",
    "formats.yaml",
    "inline_names.yaml",
    "integer_widths.yaml",
    "keywords.yaml",
    "large_numbers.yaml",
    "module_name_collisions.yaml",
    "no_operation_id.yaml",
    "nullable.yaml",
    "nullable_component_ref.yaml",
    "nullable_items.yaml",
    "nullable_map_values.yaml",
    "nullable_ref.yaml",
    "nullable_union_alternatives.yaml",
    "oneof_discriminator.yaml",
    "oneof_untagged.yaml",
    "oneof_implicit_tag.yaml",
    "operations.yaml",
    "pagination.yaml",
    "output_enum_collisions.yaml",
    "recursive_schemas.yaml",
    "required_undeclared.yaml",
    "reserved_type_names.yaml",
    "single_value_enums.yaml",
    "sse_events.yaml",
    "type_name_collisions.yaml",
    "untagged_overlap.yaml",
    "untyped.yaml",
    "v31_keywords.yaml",
    "v31_nullable_refs.yaml",
    "v31_types.yaml",
    "v31_webhooks.yaml",
    "webhooks.yaml",
    "wire_names.yaml",
];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

fn try_generate(fixture: &str) -> Result<Generated, Diagnostics> {
    let path = fixtures_dir().join(fixture);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    generate(Input { file: fixture, text: &text, overlay: None }, COMMAND)
}

/// Generates a fixture that must succeed; returns the result and its warnings as text.
fn generate_ok(fixture: &str) -> Generated {
    try_generate(fixture).unwrap_or_else(|d| panic!("{fixture} must generate, but:\n{d}"))
}

/// Generates a fixture that must succeed without any warning.
fn generate_clean(fixture: &str) -> Generated {
    let generated = generate_ok(fixture);
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{fixture} must generate without warnings, got:\n{}", warnings.join("\n"));
    generated
}

/// Generates a fixture that must fail; returns its diagnostics.
fn generate_err(fixture: &str) -> Diagnostics {
    match try_generate(fixture) {
        Ok(g) => panic!("{fixture} must be rejected, but generated {} files", g.files.len()),
        Err(d) => {
            assert!(d.has_errors(), "an Err must hold at least one error:\n{d}");
            d
        }
    }
}

fn paths(generated: &Generated) -> Vec<&str> {
    generated.files.iter().map(|f| f.path.as_str()).collect()
}

/// A generated file without its preamble (read by the generator's own parser, so the snapshots
/// do not depend on how many lines a preamble has; the manifest's is longer than the others').
fn body(generated: &Generated, path: &str) -> String {
    let file = generated
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no generated file `{path}`; files: {:?}", paths(generated)));
    let (preamble, body) =
        parse_preamble(&file.contents).unwrap_or_else(|| panic!("`{path}` has no preamble:\n{}", file.contents));
    assert_eq!(preamble.command, COMMAND, "`{path}` names another command");
    assert!(preamble.intact, "`{path}` does not match the hash its preamble records");
    body.to_owned()
}

/// Snapshots the named files of a fixture's output, as `<fixture>__<path>`.
fn snapshot_files(generated: &Generated, fixture: &str, files: &[&str]) {
    let stem = fixture.trim_end_matches(".yaml");
    for path in files {
        let name = format!("{stem}__{}", path.trim_end_matches(".rs").replace('/', "__"));
        insta::assert_snapshot!(name.as_str(), body(generated, path));
    }
}

/// One line per named type: Rust name, the file it lands in, and where it comes from.
fn type_index(generated: &Generated) -> String {
    let mut out = String::new();
    for t in &generated.api.types {
        let owner = match &t.owner {
            Owner::Component(c) => format!("component {c}"),
            Owner::Group(g) => format!("group {g}"),
        };
        let kind = match &t.kind {
            TypeKind::Struct(_) => "struct",
            TypeKind::Enum(_) => "enum",
            TypeKind::Union(_) => "union",
            TypeKind::Alias(_) => "alias",
        };
        out.push_str(&format!("{:<32} {kind:<6} {owner:<28} #{}\n", t.name, t.origin));
    }
    out
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "expected to find {needle:?} in:\n{haystack}");
}

fn assert_not_contains(haystack: &str, needle: &str) {
    assert!(!haystack.contains(needle), "expected NOT to find {needle:?} in:\n{haystack}");
}

#[test]
fn every_fixture_file_is_listed_and_exists() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    let listed: BTreeSet<String> = FIXTURES.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(on_disk, listed, "FIXTURES must list exactly the files in tests/fixtures/codegen");
}

// 1
#[test]
fn inline_object_schemas_get_stable_synthesized_names() {
    let fixture = "inline_names.yaml";
    let g = generate_clean(fixture);
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    for expected in [
        "Agent",
        "AgentConfig",                 // nested property object
        "AgentConfigVoice",            // nested twice
        "ListAgentsStatus",            // inline query-parameter enum
        "ListAgentsResponse",          // inline response body
        "ListAgentsResponseItemsItem", // array items
        "CreateAgentRequest",          // inline request body
        "CreateAgentRequestAutoScaling",
    ] {
        assert!(names.contains(&expected), "missing type {expected}; types: {names:?}");
    }
    insta::assert_snapshot!("inline_names__types", type_index(&g));
    snapshot_files(&g, fixture, &["models/agent.rs", "operations/agents.rs"]);
}

// 2
#[test]
fn nullable_fields_are_options_in_responses_and_tri_state_in_requests() {
    let fixture = "nullable.yaml";
    let g = generate_clean(fixture);
    let response = body(&g, "models/profile.rs");
    assert_contains(&response, "pub nickname: Option<String>,");
    assert_contains(&response, "pub address: Option<ProfileAddress>,");
    assert_not_contains(&response, "Nullable");
    let request = body(&g, "models/profile_patch.rs");
    assert_contains(&request, "pub nickname: rt::Nullable<String>,");
    assert_contains(&request, "pub address: rt::Nullable<ProfilePatchAddress>,");
    assert_contains(&request, "pub fn null_nickname(mut self) -> Self");
    assert_contains(&request, "pub fn null_address(mut self) -> Self");
    snapshot_files(&g, fixture, &["models/profile.rs", "models/profile_patch.rs"]);
}

// 3
#[test]
fn string_enum_containing_null_is_an_open_enum_and_a_nullable_field() {
    let fixture = "enum_with_null.yaml";
    let g = generate_clean(fixture);
    let response = body(&g, "models/phone.rs");
    assert_contains(&response, "pub kind: Option<PhoneKind>,");
    assert_not_contains(&response, "Null,");
    let request = body(&g, "models/phone_input.rs");
    assert_contains(&request, "pub kind: rt::Nullable<PhoneInputKind>,");
    assert_contains(&request, "pub fn null_kind(mut self) -> Self");
    snapshot_files(&g, fixture, &["models/phone.rs", "models/phone_input.rs"]);
}

// 3, through a $ref: a required property whose component is nullable must accept `null`.
#[test]
fn ref_to_nullable_component_makes_the_field_nullable() {
    let fixture = "nullable_component_ref.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/subscription.rs");
    assert_contains(&model, "pub plan: Option<Plan>,");
    assert_contains(&model, "pub note: Option<Note>,");
    snapshot_files(&g, fixture, &["models/subscription.rs"]);
}

// 4
#[test]
fn single_value_enums_become_a_one_variant_open_enum_and_a_true_constant() {
    let fixture = "single_value_enums.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/ack.rs");
    assert_contains(&model, "pub ok: rt::True,");
    // Both single-value fields are filled in by `new`: there is only one value they can take.
    assert_contains(&model, "status: AckStatus::from(\"OK\"),\n            ok: rt::True,\n");
    assert_contains(&model, "pub fn new(id: impl Into<String>) -> Self");
    assert_contains(&model, "    Ok = \"OK\",\n");
    snapshot_files(&g, fixture, &["models/ack.rs"]);
}

// 5
#[test]
fn all_of_ref_with_nullable_is_an_optional_ref_that_keeps_its_description() {
    let fixture = "nullable_ref.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/team.rs");
    assert_contains(&model, "/// The owner, if the team has one.\n    ///\n    /// May be `null`.\n    #[serde(default)]\n    pub owner: Option<User>,");
    assert_contains(&model, "/// Who stands in for the owner.");
    assert_contains(&model, "pub backup: Option<User>,");
    assert!(
        !g.api.types.iter().any(|t| t.name.starts_with("Team") && t.name != "Team"),
        "no wrapper type for allOf: [$ref]"
    );
    snapshot_files(&g, fixture, &["models/team.rs"]);
}

// 6
#[test]
fn one_of_without_discriminator_is_untagged_with_unknown_fallback_in_responses() {
    let fixture = "oneof_untagged.yaml";
    let g = generate_clean(fixture);
    let response = body(&g, "models/pet.rs");
    assert_contains(&response, "#[serde(untagged)]");
    assert_contains(&response, "Unknown(serde_json::Value),");
    let request = body(&g, "models/pet_input.rs");
    assert_contains(&request, "#[serde(untagged)]");
    assert_not_contains(&request, "Unknown");
    snapshot_files(&g, fixture, &["models/pet.rs", "models/pet_input.rs"]);
}

#[test]
fn one_of_objects_pinning_a_shared_property_is_a_tagged_union_with_unit_variants() {
    let fixture = "oneof_implicit_tag.yaml";
    let g = generate_clean(fixture);
    let state = body(&g, "models/disk_state.rs");
    // Told apart by `state` although the spec declares no discriminator: not untagged, where
    // the first alternative's open enum would accept every state.
    assert_contains(&state, "Chosen by the `state` property.");
    assert_not_contains(&state, "#[serde(untagged)]");
    // An alternative that is only its tag is a unit variant, documented by its description.
    assert_contains(&state, "/// Disk is being initialized.");
    assert_contains(&state, "    Creating,");
    assert_contains(&state, r#"Self::Creating => rt::serialize_tag("state", "creating", serializer),"#);
    assert_contains(&state, r#"Some("creating") => Ok(Self::Creating),"#);
    // One with more is named after its tag and loses the tag property the union writes.
    assert_contains(&state, "Attached(DiskStateAttached),");
    assert_contains(&state, "pub struct DiskStateAttached {");
    assert_not_contains(&state, "DiskStateAttachedState");
    // A referenced alternative is a shared type: it keeps its name (and its fields).
    assert_contains(&state, "Faulted(Faulted),");
    assert_contains(&state, r#"rt::serialize_tagged(value, "state", "faulted", serializer)"#);
    // Values that do not differ tell nothing apart: that union stays untagged.
    assert_contains(&body(&g, "models/shape.rs"), "#[serde(untagged)]");
    snapshot_files(&g, fixture, &["models/disk_state.rs"]);
}

// 7
#[test]
fn one_of_with_discriminator_is_internally_tagged_with_unknown_fallback_in_responses() {
    let fixture = "oneof_discriminator.yaml";
    let g = generate_clean(fixture);
    let response = body(&g, "models/event.rs");
    assert_contains(&response, "Some(\"started\") =>");
    assert_contains(&response, "Some(\"Paused\") =>"); // no mapping entry: the schema name
    assert_contains(&response, "Ok(Self::Unknown(value))");
    let request = body(&g, "models/command.rs");
    assert_contains(&request, "Some(\"start\") =>");
    assert_not_contains(&request, "Unknown");
    snapshot_files(&g, fixture, &["models/event.rs", "models/command.rs"]);
}

// 8
#[test]
fn additional_properties_as_ref_string_true_and_false() {
    let fixture = "additional_properties.yaml";
    let g = generate_clean(fixture);
    let catalog = body(&g, "models/catalog.rs");
    assert_contains(&catalog, "pub by_name: Option<std::collections::BTreeMap<String, Item>>,");
    assert_contains(&catalog, "pub labels: Option<std::collections::BTreeMap<String, String>>,");
    assert_contains(&catalog, "pub extra: Option<serde_json::Map<String, serde_json::Value>>,");
    assert_contains(&catalog, "pub strict: Option<CatalogStrict>,");
    snapshot_files(&g, fixture, &["models/catalog.rs", "models/labels.rs", "models/counts.rs", "models/open.rs"]);
}

// 9
#[test]
fn schemas_without_type_items_or_properties_are_json_values() {
    let fixture = "untyped.yaml";
    let g = generate_clean(fixture);
    assert_contains(&body(&g, "models/anything.rs"), "pub type Anything = serde_json::Value;");
    assert_contains(
        &body(&g, "models/free_form.rs"),
        "pub type FreeForm = serde_json::Map<String, serde_json::Value>;",
    );
    snapshot_files(&g, fixture, &["models/anything.rs", "models/free_form.rs", "models/envelope.rs"]);
}

#[test]
fn recursive_schemas_are_boxed() {
    let fixture = "recursive_schemas.yaml";
    let g = generate_clean(fixture);
    let node = body(&g, "models/node.rs");
    let link = body(&g, "models/link.rs");
    assert_contains(&node, "pub parent: Option<Box<Node>>,");
    assert_contains(&node, "pub children: Option<Vec<Node>>,"); // a Vec already has a finite size
    assert!(
        node.contains("Box<Link>") || link.contains("Box<Node>"),
        "the Node -> Link -> Node cycle needs a Box:\n{node}\n{link}"
    );
    snapshot_files(&g, fixture, &["models/node.rs", "models/link.rs"]);
}

// 10
#[test]
fn string_and_number_formats_map_to_rust_types() {
    let fixture = "formats.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/record.rs");
    for field in [
        "pub id: uuid::Uuid,",
        "pub created_at: chrono::DateTime<chrono::Utc>,",
        "pub day: Option<chrono::NaiveDate>,",
        "pub homepage: Option<String>,",
        "pub small: Option<i32>,",
        "pub big: Option<i64>,",
        "pub ratio: Option<f32>,",
        "pub score: Option<f64>,",
    ] {
        assert_contains(&model, field);
    }
    snapshot_files(&g, fixture, &["models/record.rs", "operations/records.rs"]);
}

// 11
#[test]
fn defaults_are_documented_and_constraints_are_validated() {
    let fixture = "defaults_constraints.yaml";
    let g = generate_ok(fixture);
    let warned: Vec<&str> = g.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        warned,
        ["/components/schemas/WidgetInput/properties/slug/pattern"],
        "only the look-ahead pattern warns"
    );
    assert!(g.warnings.iter().all(|w| w.severity == Severity::Warning && w.file == fixture));
    let model = body(&g, "models/widget_input.rs");
    assert_contains(&model, "Server default: `1`.");
    assert_contains(&model, "Server default: `\"fast\"`.");
    assert_not_contains(&model, "(?!admin)");
    snapshot_files(&g, fixture, &["models/widget_input.rs", "operations/widgets.rs"]);
}

#[test]
fn three_required_fields_of_one_type_are_taken_by_name_and_map_setters_take_pairs() {
    let fixture = "constructors.yaml";
    let g = generate_ok(fixture);
    let agent = body(&g, "models/agent_create.rs");
    assert_contains(&agent, "pub fn new(required: AgentCreateRequired) -> Self");
    assert_contains(&agent, "impl From<AgentCreateRequired> for AgentCreate");
    assert_contains(&agent, "value: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>");
    let call = body(&g, "models/call_create.rs");
    assert_not_contains(&call, "CallCreateRequired");
    assert_contains(&call, "from: impl Into<String>");
    snapshot_files(&g, fixture, &["models/agent_create.rs", "models/call_create.rs"]);
}

#[test]
fn unsupported_pattern_warning_says_what_is_unsupported() {
    let g = generate_ok("defaults_constraints.yaml");
    let text: String = g.warnings.iter().map(|w| format!("{w}\n")).collect();
    assert!(!text.trim_end().ends_with("regex parse error:"), "{text}");
    insta::assert_snapshot!("defaults_constraints__warnings", text);
}

// 12
#[test]
fn deprecated_properties_are_marked_and_allowed_file_wide() {
    let fixture = "deprecated.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/agent.rs");
    assert_contains(&model, "#![allow(deprecated)]");
    assert_contains(&model, "#[deprecated(note = \"deprecated in the API spec\")]\n    pub legacy_id: Option<String>,");
    assert_not_contains(&body(&g, "models/current.rs"), "allow(deprecated)");
    assert_contains(&body(&g, "operations/agents.rs"), "#![allow(deprecated)]");
    snapshot_files(&g, fixture, &["models/agent.rs", "operations/agents.rs"]);
}

#[test]
fn files_using_deprecated_types_allow_deprecated() {
    let fixture = "deprecated_types.yaml";
    let g = generate_clean(fixture);
    assert_contains(&body(&g, "models/thing.rs"), "#![allow(deprecated)]");
    snapshot_files(&g, fixture, &["models/thing.rs", "models/legacy_id.rs", "models/old_shape.rs"]);
}

// 13
#[test]
fn wire_names_are_preserved_and_snake_case_collisions_are_suffixed() {
    let fixture = "wire_names.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/deployment.rs");
    assert_contains(
        &model,
        "    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    pub total_count: Option<i64>,",
    );
    assert_contains(&model, "#[serde(rename = \"deploymentId\")]\n    pub deployment_id: String,");
    assert_contains(&model, "#[serde(rename = \"deploymentID\", default, skip_serializing_if = \"Option::is_none\")]\n    pub deployment_id_2: Option<String>,");
    assert_contains(&model, "#[serde(rename = \"X-Request-ID\",");
    let ops = body(&g, "operations/deployments.rs");
    assert_contains(&ops, "req.header(\"X-Request-ID\", ");
    snapshot_files(&g, fixture, &["models/deployment.rs", "operations/deployments.rs"]);
}

// 14
#[test]
fn rust_keywords_as_field_and_schema_names_are_escaped() {
    let fixture = "keywords.yaml";
    let g = generate_clean(fixture);
    assert_eq!(
        paths(&g),
        [
            "client.rs",
            "mock.rs",
            "mod.rs",
            "models/mod.rs",
            "models/self_.rs",
            "models/type.rs",
            "operations/mod.rs",
            "operations/things.rs",
        ]
    );
    let model = body(&g, "models/self_.rs");
    for field in [
        "pub r#type: String,",
        "pub r#match: Option<String>,",
        "pub self_: Option<String>,",
        "pub crate_: Option<String>,",
        "pub r#async: rt::Nullable<String>,",
    ] {
        assert_contains(&model, field);
    }
    snapshot_files(&g, fixture, &["models/mod.rs", "models/self_.rs", "models/type.rs", "operations/things.rs"]);
}

// 15
#[test]
fn inline_names_that_collide_with_components_are_suffixed_deterministically() {
    let fixture = "type_name_collisions.yaml";
    let g = generate_clean(fixture);
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    // Components claim their names first; inline schemas and later look-alikes get suffixes.
    for expected in ["ListAgentsResponse", "ListAgentsResponse2", "AgentConfig", "AgentConfig2", "AgentConfig3"] {
        assert!(names.contains(&expected), "missing type {expected}; types: {names:?}");
    }
    insta::assert_snapshot!("type_name_collisions__types", type_index(&g));
    snapshot_files(&g, fixture, &["models/agent.rs", "models/agent_config2.rs"]);
}

#[test]
fn operation_structs_do_not_collide_with_schema_types() {
    let fixture = "type_name_collisions.yaml";
    let g = generate_clean(fixture);
    let types: BTreeSet<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    for op in &g.api.operations {
        assert!(
            !types.contains(op.type_name.as_str()),
            "operation struct `{}` has the name of a schema type",
            op.type_name
        );
    }
    let ops: Vec<&str> = g.api.operations.iter().map(|op| op.type_name.as_str()).collect();
    assert_eq!(ops, ["ListAgents", "CreateAgent2"], "the component keeps `CreateAgent`");
    snapshot_files(&g, fixture, &["operations/agents.rs"]);
}

#[test]
fn per_status_output_enums_do_not_collide_with_schema_types() {
    let fixture = "output_enum_collisions.yaml";
    let g = generate_clean(fixture);
    let types: BTreeSet<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    for op in &g.api.operations {
        if let voice_agents_codegen::ir::Output::PerStatus { name, .. } = &op.output {
            assert!(!types.contains(name.as_str()), "output enum `{name}` has the name of a schema type");
        }
    }
    snapshot_files(&g, fixture, &["operations/agents.rs"]);
}

#[test]
fn schema_names_do_not_shadow_the_client_or_prelude_types() {
    let fixture = "reserved_type_names.yaml";
    let g = generate_clean(fixture);
    // `Client` and `API` are re-exported next to the models, so a schema may not take them; a fix
    // that keeps `Result`/`Option` but spells std's as `std::result::Result` etc. everywhere
    // should narrow this list (and let the snapshot show the qualified paths).
    let names: BTreeSet<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    for reserved in ["Client", "Result", "Option", "API"] {
        assert!(!names.contains(reserved), "a generated type is named `{reserved}`: {names:?}");
    }
    // Renamed with the usual collision suffix; docs keep the spec's name.
    snapshot_files(&g, fixture, &["models/mod.rs", "models/result2.rs", "operations/search.rs"]);
}

#[test]
fn generated_file_paths_are_unique() {
    let fixture = "module_name_collisions.yaml";
    let g = generate_clean(fixture);
    let all = paths(&g);
    let unique: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "duplicate paths in {all:?}");
    snapshot_files(&g, fixture, &["models/mod.rs", "operations/mod.rs"]);
}

// 16
#[test]
fn operations_servers_security_parameters_and_success_statuses() {
    let fixture = "operations.yaml";
    let g = generate_clean(fixture);
    let agents = body(&g, "operations/agents.rs");
    assert_contains(&agents, "security: &[&[\"serviceToken\"], &[\"apiKey\"]],"); // per-operation alternatives
    assert_contains(&agents, "security: &[&[\"userToken\", \"apiKey\"]],"); // both at once
    assert_contains(&agents, "security: &[&[\"userToken\"]],"); // the document default
    assert_contains(&agents, "pub fn query_param(mut self, value: impl Into<String>) -> Self");
    assert_contains(&agents, "req.query(\"tag\", item"); // repeated, one per item
    assert_contains(&agents, "type Output = Agent;"); // 200 and 201 share a schema
    assert_contains(&agents, "pub enum ReplaceAgentOutput {"); // 200 and 202 do not
    assert_contains(&agents, "type Output = Option<Job>;"); // 200 with a body, 204 without
    assert_contains(&agents, "rt::decode_error_body::<Error>(body)"); // `default`
    let files = body(&g, "operations/files.rs");
    assert_contains(&files, "req.path_param_multi(\"path\", ");
    let health = body(&g, "operations/health.rs");
    assert_contains(&health, "server: 1,");
    assert_contains(&health, "security: &[],");
    assert_contains(&health, "type Output = ();");
    snapshot_files(
        &g,
        fixture,
        &["mod.rs", "client.rs", "operations/agents.rs", "operations/files.rs", "operations/health.rs"],
    );
}

#[test]
fn generated_intra_doc_links_are_not_escaped() {
    let g = generate_clean("operations.yaml");
    for file in &g.files {
        assert_not_contains(&file.contents, "\\[`");
    }
}

// 17
#[test]
fn operations_without_operation_id_are_named_from_method_and_path() {
    let fixture = "no_operation_id.yaml";
    let g = generate_clean(fixture);
    let names: Vec<(&str, &str)> =
        g.api.operations.iter().map(|op| (op.method_name.as_str(), op.type_name.as_str())).collect();
    assert_eq!(names, [("get_agents_by_agent_name_logs", "GetAgentsByAgentNameLogs"), ("post_agents", "PostAgents")]);
    snapshot_files(&g, fixture, &["operations/agents.rs"]);
}

#[test]
fn spec_without_schemas_emits_no_unused_models_import() {
    let g = generate_clean("no_operation_id.yaml");
    assert_not_contains(&body(&g, "mod.rs"), "pub use models::*;");
}

// 18
#[test]
fn document_errors_are_all_reported_at_once_with_file_and_pointer() {
    let fixture = "errors_document.yaml";
    let diags = generate_err(fixture);
    let expected: &[(&str, &str)] = &[
        (
            "/paths/~1agents~1{agentId}/get/responses/200/content/application~1json/schema/$ref",
            "$ref `#/components/schemas/Missing` does not resolve",
        ),
        ("/components/schemas/Agent/properties/owner/$ref", "$ref `#/components/schemas/Nobody` does not resolve"),
        (
            "/paths/~1agents/get/responses/200/content/application~1json/schema/$ref",
            "$ref `other.yaml#/components/schemas/Agent` is external",
        ),
        ("/paths/~1agents/get/operationId", "operationId `getAgent` is also used at /paths/~1agents~1{agentId}/get"),
    ];
    for (pointer, message) in expected {
        assert!(
            diags.0.iter().any(|d| d.pointer == *pointer && d.message.contains(message)),
            "missing diagnostic at {pointer}: {message}\ngot:\n{diags}"
        );
    }
    // An undeclared path parameter is generated as a required string, with a warning.
    let template = "path template names `{agentId}` but no path parameter `agentId` is declared";
    assert!(
        diags.0.iter().any(|d| d.pointer == "/paths/~1agents~1{agentId}/get"
            && d.message.contains(template)
            && d.severity == Severity::Warning),
        "missing warning: {template}\ngot:\n{diags}"
    );
    for d in &diags.0 {
        assert_eq!(d.file, fixture);
    }
}

#[test]
fn each_document_problem_is_reported_once() {
    let diags = generate_err("errors_document.yaml");
    assert_eq!(diags.0.len(), 5, "{diags}");
    insta::assert_snapshot!("errors_document__diagnostics", diags.to_string());
}

#[test]
fn swagger_2_documents_are_rejected_at_the_version_field() {
    let diags = generate_err("errors_swagger_2.yaml");
    assert_eq!(diags.0.len(), 1);
    assert_eq!(diags.0[0].pointer, "/openapi");
    insta::assert_snapshot!("errors_swagger_2__diagnostics", diags.to_string());
}

/// Warnings of a generation, one per line.
fn warnings(g: &Generated) -> String {
    g.warnings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

// OpenAPI 3.1, read through the same pipeline (`load::v31` rewrites it into the 3.0 shape).
#[test]
fn openapi_3_1_type_arrays_const_and_null() {
    let fixture = "v31_types.yaml";
    let g = generate_ok(fixture);
    let thing = body(&g, "models/thing.rs");
    assert_contains(&thing, "/// May be `null`.\n    #[serde(default)]\n    pub nickname: Option<String>,");
    assert_contains(&thing, "pub size: Option<ThingSize>,"); // [integer, string]: a union
    assert_contains(&thing, "    Integer(i64),\n");
    assert_contains(&thing, "pub kind: ThingKind,"); // const: a one-value enum
    assert_contains(&thing, "    Thing = \"thing\",\n");
    assert_contains(&thing, "pub nothing: Option<serde_json::Value>,");
    let input = body(&g, "models/thing_input.rs");
    assert_contains(&input, "pub nickname: rt::Nullable<String>,");
    // The only loss is the null-only schema, located where the file says `type: "null"`.
    let warned: Vec<&str> = g.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(warned, ["/components/schemas/Thing/properties/nothing/type"]);
    snapshot_files(&g, fixture, &["models/thing.rs", "models/thing_input.rs"]);
}

#[test]
fn openapi_3_1_nullable_refs_and_refs_with_descriptions() {
    let fixture = "v31_nullable_refs.yaml";
    let g = generate_clean(fixture);
    let team = body(&g, "models/team.rs");
    assert_contains(&team, "/// The owner, if the team has one.\n    ///\n    /// May be `null`.\n    #[serde(default)]\n    pub owner: Option<User>,");
    assert_contains(&team, "#[serde(default)]\n    pub lead: Option<User>,");
    assert_contains(&team, "/// Stands in for the owner.\n    pub deputy: User,");
    assert_contains(&team, "pub motto: Option<String>,");
    assert_contains(&team, "pub badge: Option<TeamBadge>,");
    assert_contains(&body(&g, "models/leader.rs"), "/// Who leads.\npub type Leader = User;");
    // No wrapper types: a nullable reference is the referenced type.
    let names: Vec<&str> = g.api.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["User", "Team", "TeamBadge", "Leader"]);
    snapshot_files(&g, fixture, &["models/team.rs", "models/leader.rs"]);
}

#[test]
fn openapi_3_1_keywords_are_rewritten_or_ignored_with_one_warning_each() {
    let fixture = "v31_keywords.yaml";
    let g = generate_ok(fixture);
    let reading = body(&g, "models/reading.rs");
    assert_contains(&reading, "pub value: f64,");
    assert_contains(&reading, "pub point: Option<Vec<serde_json::Value>>,"); // differing tuple items
    assert_contains(&reading, "pub pair: Option<Vec<i64>>,"); // one tuple item type
    assert_contains(&reading, "pub anything: Option<serde_json::Value>,"); // `true`
    let value = match &g.api.types.iter().find(|t| t.name == "Reading").map(|t| &t.kind) {
        Some(voice_agents_codegen::ir::TypeKind::Struct(s)) => s.fields[0].shape.constraints.clone(),
        other => panic!("Reading is a struct: {other:?}"),
    };
    assert_eq!((value.minimum, value.maximum), (Some((0.0, true)), Some((100.0, true))), "exclusive bounds");
    // One warning per kind of loss, at its first place, counting the others.
    insta::assert_snapshot!("v31_keywords__warnings", warnings(&g));
    snapshot_files(&g, fixture, &["models/reading.rs"]);
}

#[test]
fn openapi_3_1_webhooks_are_in_the_ir_and_path_items_resolve() {
    let fixture = "v31_webhooks.yaml";
    let g = generate_clean(fixture);
    let ops: Vec<(&str, &str)> = g.api.operations.iter().map(|o| (o.id.as_str(), o.path.as_str())).collect();
    assert_eq!(ops, [("listJobs", "/jobs")], "the path item comes from components.pathItems");
    let hooks: Vec<String> = g
        .api
        .webhooks
        .iter()
        .map(|w| format!("{} {} {:?} #{}", w.method, w.name, w.body.as_ref().map(|b| &b.ty), w.origin))
        .collect();
    assert_eq!(
        hooks,
        [
            "POST jobFinished Some(Named(\"Job\")) #/webhooks/jobFinished/post",
            "POST jobProgress Some(Named(\"JobProgressWebhookRequest\")) #/webhooks/jobProgress/post",
        ]
    );
    // Payloads are received: typed like response bodies.
    let progress = g.api.types.iter().find(|t| t.name == "JobProgressWebhookRequest").expect("payload type");
    assert!(progress.usage.response && !progress.usage.request, "{:?}", progress.usage);
    snapshot_files(&g, fixture, &["operations/jobs.rs", "models/job_progress_webhook.rs"]);
}

#[test]
fn openapi_3_1_webhooks_are_variants_of_webhook_event_decoded_by_name() {
    let fixture = "v31_webhooks.yaml";
    let g = generate_clean(fixture);
    let events = g.api.webhook_events.as_ref().expect("3.1 webhooks are webhook events");
    let names: Vec<(&str, &str)> = events.events.variants.iter().map(|v| (v.wire.as_str(), v.name.as_str())).collect();
    assert_eq!(names, [("jobFinished", "JobFinished"), ("jobProgress", "JobProgress")]);
    assert_eq!(events.events.origin, "/webhooks");
    // Without `x-webhook-event-type` a body does not say which webhook it is; without
    // `x-webhook-signature` there is no scheme to verify with.
    assert_eq!((events.type_pointer.as_deref(), events.signature.as_ref()), (None, None));
    let hooks = body(&g, "webhooks.rs");
    assert_contains(
        &hooks,
        "<serde_json::Value as serde::Deserialize>::deserialize(deserializer)\n            .map(Self::Unknown)",
    );
    assert_not_contains(&hooks, "WEBHOOK_SIGNATURE");
    assert_contains(&body(&g, "mod.rs"), "pub use webhooks::WebhookEvent;");
    snapshot_files(&g, fixture, &["webhooks.rs"]);
}

#[test]
fn sse_events_become_one_event_enum_per_streaming_operation() {
    let fixture = "sse_events.yaml";
    let g = generate_ok(fixture);
    // A stream without `x-sse-events` stays bytes, and a response that also offers JSON returns
    // the JSON: each is a warning at the media type, nothing else is.
    let warned: Vec<&str> = g.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        warned,
        [
            "/paths/~1either/get/responses/200/content/text~1event-stream/x-sse-events",
            "/paths/~1raw/get/responses/200/content/text~1event-stream",
        ]
    );
    insta::assert_snapshot!("sse_events__warnings", warnings(&g));
    let op = |id: &str| g.api.operations.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("{id}"));
    let Output::EventStream(events) = &op("streamCompletion").output else {
        panic!("streamCompletion streams: {:?}", op("streamCompletion").output)
    };
    assert_eq!(events.name, "StreamCompletionEvent");
    let variants: Vec<(&str, &str, bool)> =
        events.variants.iter().map(|v| (v.wire.as_str(), v.name.as_str(), v.data == EventData::Text)).collect();
    assert_eq!(
        variants,
        [
            ("delta", "Delta", false),
            ("message", "Message", true),
            // A `$ref` to a plain string schema is text too.
            ("status", "Status", true),
            ("tool.call", "ToolCall", false),
            ("error", "Error", false),
            // `Unknown` holds the undeclared events.
            ("Unknown", "Unknown2", false),
        ]
    );
    // Without `x-sse-events` the stream is still a stream, of untyped events.
    assert!(matches!(op("rawStream").output, Output::RawEventStream));
    assert!(matches!(&op("jsonOrStream").output, Output::Single(Shape { ty: TypeRef::Named(n), .. }) if n == "Delta"));
    // The inline payload is typed where the operation lives, and received like a response.
    let inline = g.api.types.iter().find(|t| t.name == "StreamCompletionToolCallEvent").expect("inline payload type");
    assert_eq!(inline.owner, Owner::Group("completions".into()));
    assert!(inline.usage.response && !inline.usage.request, "{:?}", inline.usage);
    let ops = body(&g, "operations/completions.rs");
    assert_contains(&ops, "rt::__stream_builder!(StreamCompletion, StreamCompletionEvent);");
    assert_contains(&ops, "\"message\" => Self::Message(event.data),");
    assert_contains(&ops, "\"delta\" => Self::Delta(event.json()?),");
    assert_contains(&ops, "rt::__stream_builder!(RawStream, rt::SseEvent);");
    snapshot_files(&g, fixture, &["operations/completions.rs"]);
}

#[test]
fn webhook_events_are_typed_by_the_event_type_pointer_and_the_signature_is_a_constant() {
    let fixture = "webhooks.yaml";
    let g = generate_clean(fixture);
    let events = g.api.webhook_events.as_ref().expect("webhook events");
    assert_eq!(events.type_pointer.as_deref(), Some("/meta/kind"));
    let names: Vec<&str> = events.events.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["OrderCreated", "OrderDeleted"]);
    // The schema named like the generated enum moves aside; the enum keeps its name.
    assert!(g.api.types.iter().any(|t| t.name == "WebhookEvent2"), "{}", type_index(&g));
    assert!(!g.api.types.iter().any(|t| t.name == "WebhookEvent"), "{}", type_index(&g));
    // Payloads are received: typed like response bodies.
    let deleted = g.api.types.iter().find(|t| t.name == "OrderDeletedWebhook").expect("inline payload type");
    assert!(deleted.usage.response && !deleted.usage.request, "{:?}", deleted.usage);
    let hooks = body(&g, "webhooks.rs");
    assert_contains(&hooks, ".prefix(\"v1=\")");
    assert_contains(&hooks, ".timestamp_header(\"X-Shop-Timestamp\")");
    assert_contains(&hooks, ".tolerance(::std::time::Duration::from_secs(600))");
    let root = body(&g, "mod.rs");
    assert_contains(&root, "pub use webhooks::{WebhookEvent, WEBHOOK_SIGNATURE, webhook_verifier};");
    snapshot_files(&g, fixture, &["webhooks.rs", "mod.rs"]);
}

#[test]
fn openapi_3_1_schemas_in_the_event_extensions_are_read_as_3_1() {
    // The extensions' schemas are schema positions like any other: the 3.1 reader rewrites
    // them (`type: [T, "null"]`) before they are typed.
    let text = r#"
openapi: 3.1.0
info: {title: T, version: "1"}
servers: [{url: "https://x.test"}]
x-webhook-event-type: /type
x-webhooks:
  a.b:
    type: object
    properties:
      type: {type: string}
      n: {type: [integer, "null"]}
paths:
  /s:
    get:
      operationId: s
      responses:
        "200":
          description: s
          content:
            text/event-stream:
              schema: {type: string}
              x-sse-events:
                tick: {type: object, properties: {at: {type: [string, "null"]}}}
"#;
    let g = generate(Input { file: "t31.yaml", text, overlay: None }, COMMAND).unwrap_or_else(|d| panic!("{d}"));
    assert!(g.warnings.is_empty(), "{}", warnings(&g));
    let field = |ty: &str, name: &str| {
        let t = g.api.types.iter().find(|t| t.name == ty).unwrap_or_else(|| panic!("{ty}: {}", type_index(&g)));
        let TypeKind::Struct(s) = &t.kind else { panic!("{ty} is a struct") };
        let f = s.fields.iter().find(|f| f.wire == name).expect("field");
        (f.shape.ty.clone(), f.nullable)
    };
    assert_eq!(field("AbWebhook", "n"), (TypeRef::Integer(voice_agents_codegen::ir::IntWidth::I64), true));
    assert_eq!(field("STickEvent", "at"), (TypeRef::String, true));
    let hook = g.api.types.iter().find(|t| t.name == "AbWebhook").expect("payload type");
    assert_eq!(hook.owner, Owner::Component("AbWebhook".into()), "its own models file, as a component");
}

/// The fixture with one part replaced (a broken variant of it).
fn variant_of(fixture: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(fixtures_dir().join(fixture)).expect("fixture");
    assert!(text.contains(from), "{fixture} has no {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn malformed_event_extensions_are_located_errors() {
    let cases = [
        (
            "sse_events.yaml",
            variant_of("sse_events.yaml", "x-sse-events:\n", "x-sse-events: [delta]\n              x-unused:\n"),
            "/paths/~1completions/post/responses/200/content/text~1event-stream/x-sse-events",
        ),
        (
            "sse_events.yaml",
            variant_of(
                "sse_events.yaml",
                "message: {type: string, description: A plain-text event (taken verbatim).}",
                "message: 7",
            ),
            "/paths/~1completions/post/responses/200/content/text~1event-stream/x-sse-events/message",
        ),
        (
            "webhooks.yaml",
            variant_of("webhooks.yaml", "x-webhook-event-type: /meta/kind", "x-webhook-event-type: meta.kind"),
            "/x-webhook-event-type",
        ),
        (
            "webhooks.yaml",
            variant_of("webhooks.yaml", "encoding: base64", "encoding: base32"),
            "/x-webhook-signature/encoding",
        ),
        (
            "webhooks.yaml",
            variant_of("webhooks.yaml", "algorithm: hmac-sha256", "algorithm: hmac-sha1"),
            "/x-webhook-signature/algorithm",
        ),
        (
            "webhooks.yaml",
            variant_of("webhooks.yaml", "header: X-Shop-Signature", "header: X Shop Signature"),
            "/x-webhook-signature/header",
        ),
        (
            "webhooks.yaml",
            variant_of("webhooks.yaml", "  timestampHeader: X-Shop-Timestamp\n", ""),
            "/x-webhook-signature/signedPayload",
        ),
        (
            "webhooks.yaml",
            variant_of("webhooks.yaml", "tolerance: 600", "tolerance: -1"),
            "/x-webhook-signature/tolerance",
        ),
        ("webhooks.yaml", variant_of("webhooks.yaml", "x-webhooks:\n", "x-webhooks: 3\nx-unused:\n"), "/x-webhooks"),
    ];
    let mut lines = Vec::new();
    for (file, text, pointer) in &cases {
        let d = match generate(Input { file, text, overlay: None }, COMMAND) {
            Ok(_) => panic!("{file} with a broken extension at {pointer} must be rejected"),
            Err(d) => d,
        };
        let errors: Vec<&str> =
            d.0.iter().filter(|x| x.severity == Severity::Error).map(|x| x.pointer.as_str()).collect();
        assert_eq!(errors, [*pointer], "{d}");
        lines.extend(d.0.iter().filter(|x| x.severity == Severity::Error).map(ToString::to_string));
    }
    insta::assert_snapshot!("event_extensions__errors", lines.join("\n"));
}

#[test]
fn alias_cycles_are_located_errors_naming_the_chain_and_never_hang() {
    let fixture = "alias_cycle.yaml";
    // On a worker thread with a deadline: a hang fails this test instead of hanging CI.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(try_generate(fixture));
    });
    let outcome =
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("generation returns (it hung on alias cycles once)");
    let Err(diags) = outcome else { panic!("{fixture} must be rejected") };
    let errors: Vec<(&str, &str)> = diags
        .0
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.pointer.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (
                "/components/schemas/A/$ref",
                "$ref cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
            ),
            (
                "/components/schemas/Itself/$ref",
                "$ref cycle: #/components/schemas/Itself -> #/components/schemas/Itself"
            ),
        ],
        "recursion through Tree's properties is not a cycle:\n{diags}"
    );
    insta::assert_snapshot!("alias_cycle__diagnostics", diags.to_string());
}

#[test]
fn schemas_aliasing_themselves_through_wrappers_are_cut_with_a_warning() {
    let fixture = "alias_cycle_wrappers.yaml";
    let g = generate_ok(fixture);
    let warned: Vec<&str> = g.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(warned, ["/components/schemas/Nested", "/components/schemas/Wrapped"]);
    assert_contains(&body(&g, "models/nested.rs"), "pub type Nested = Vec<serde_json::Value>;");
    assert_contains(&body(&g, "models/wrapped.rs"), "pub type Wrapped = serde_json::Value;");
    snapshot_files(&g, fixture, &["models/nested.rs", "models/wrapped.rs", "models/holder.rs"]);
    insta::assert_snapshot!(
        "alias_cycle_wrappers__warnings",
        g.warnings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn malformed_yaml_is_rejected_with_line_and_column() {
    let diags = generate_err("errors_malformed.yaml");
    assert_eq!(diags.0.len(), 1);
    assert_eq!(diags.0[0].file, "errors_malformed.yaml");
    insta::assert_snapshot!("errors_malformed__diagnostics", diags.to_string());
}

#[test]
fn integer_bounds_beyond_i64_do_not_reject_the_spec() {
    let fixture = "large_numbers.yaml";
    let g = generate_ok(fixture);
    snapshot_files(&g, fixture, &["models/seed.rs"]);
}

// 19
#[test]
fn generating_the_same_fixture_twice_gives_identical_files() {
    let mut checked = 0;
    for fixture in FIXTURES {
        let Ok(first) = try_generate(fixture) else { continue };
        let second = generate_ok(fixture);
        assert_eq!(paths(&first), paths(&second), "{fixture}: file list differs between runs");
        for (a, b) in first.files.iter().zip(&second.files) {
            assert!(a.contents == b.contents, "{fixture}: {} differs between runs", a.path);
        }
        assert_eq!(first.warnings, second.warnings, "{fixture}: warnings differ between runs");
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} fixtures generated");
}

#[test]
fn enveloped_responses_return_the_payload_and_declare_where_the_rest_is() {
    let fixture = "envelope.yaml";
    let g = generate_clean(fixture);
    let things = body(&g, "operations/things.rs");
    assert_contains(&things, "type Output = Thing;");
    // One pass over the body: the payload member typed, the rest kept as JSON.
    assert_contains(&things, "rt::decode_enveloped(resp, \"data\")");
    assert_contains(&things, "request_id: Some(\"/meta/request_id\")");
    // `x-envelope: false`: the delete returns its (empty) body as is.
    assert_contains(&things, "type Output = ();");
    // Error code and message come from the `x-error` pointers, through the nested error object.
    let errors = body(&g, "models/error_envelope.rs");
    assert_contains(&errors, "fn code(&self) -> Option<&str>");
    assert_contains(&errors, "self.error.code.as_deref()");
    // The open error object keeps what it does not declare.
    assert_contains(&errors, "pub additional_properties: std::collections::BTreeMap<String, serde_json::Value>,");
    snapshot_files(&g, fixture, &["operations/things.rs", "models/error_envelope.rs"]);
}

#[test]
fn paginated_operations_implement_paginated_with_the_spec_pointers() {
    let fixture = "pagination.yaml";
    let g = generate_clean(fixture);
    let things = body(&g, "operations/things.rs");
    assert_contains(&things, "impl rt::Paginated for ListThings<'_> {");
    assert_contains(&things, "type Item = Thing;");
    assert_contains(&things, "has_next: Some(\"/pagination/hasNext\")");
    assert_contains(&things, "total: Some(\"/pagination/total\")");
    // Page defaults to the spec's 1, size to its 20 when the caller sets none.
    assert_contains(&things, ".unwrap_or(1)");
    assert_contains(&things, ".or(Some(20))");
    snapshot_files(&g, fixture, &["operations/things.rs"]);
}

// Found by the fidelity oracle (`tests/it/fidelity.rs` decodes their boundary values).
#[test]
fn integer_formats_get_rust_types_as_wide_as_their_range() {
    let fixture = "integer_widths.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/counters.rs");
    for field in [
        "pub seq: u64,",
        "pub tiny: Option<i8>,",
        "pub small: Option<i16>,",
        "pub byte: Option<u8>,",
        "pub port: Option<u16>,",
        "pub count: Option<u32>,",
        "pub total: Option<u64>,",
        "pub offset: Option<i64>,",
        "pub at: Option<i64>,",
        "pub plain: Option<i64>,",
    ] {
        assert_contains(&model, field);
    }
    snapshot_files(&g, fixture, &["models/counters.rs"]);
}

#[test]
fn nullable_array_items_are_options() {
    let fixture = "nullable_items.yaml";
    let g = generate_clean(fixture);
    let model = body(&g, "models/board.rs");
    assert_contains(&model, "pub things: Vec<Option<Task>>,");
    assert_contains(&model, "pub scores: Option<Vec<Option<i64>>>,");
    assert_contains(&model, "pub grid: Option<Vec<Vec<Option<String>>>>,");
    snapshot_files(&g, fixture, &["models/board.rs"]);
}

#[test]
fn nullable_map_values_are_options_in_3_1_too() {
    let fixture = "nullable_map_values.yaml";
    let g = generate_clean(fixture);
    assert_contains(
        &body(&g, "models/labels.rs"),
        "pub type Labels = std::collections::BTreeMap<String, Option<String>>;",
    );
    assert_contains(
        &body(&g, "models/index.rs"),
        "pub tasks: Option<std::collections::BTreeMap<String, Option<Task>>>,",
    );
    snapshot_files(&g, fixture, &["models/labels.rs", "models/index.rs"]);
}

#[test]
fn nullable_union_alternatives_hold_options() {
    let fixture = "nullable_union_alternatives.yaml";
    let g = generate_clean(fixture);
    assert_contains(&body(&g, "models/limit.rs"), "Integer(Option<i64>),");
    assert_contains(&body(&g, "models/assignee.rs"), "Task(Option<Task>),");
    snapshot_files(&g, fixture, &["models/limit.rs", "models/assignee.rs"]);
}

#[test]
fn a_discriminator_without_mapping_uses_the_values_its_alternatives_pin() {
    let fixture = "discriminator_pinned.yaml";
    let g = generate_clean(fixture);
    let union = body(&g, "models/transcript_event.rs");
    assert_contains(&union, r#"Some("transcript.text.done") | Some("TextDone") =>"#);
    assert_contains(&union, r#"&["transcript.text.done", "TextDone"],"#);
    snapshot_files(&g, fixture, &["models/transcript_event.rs"]);
}

#[test]
fn overlapping_untagged_alternatives_decode_by_what_they_keep() {
    let fixture = "untagged_overlap.yaml";
    let g = generate_clean(fixture);
    let union = body(&g, "models/message.rs");
    assert_contains(&union, "rt::best_alternative(&value, alternatives)");
    assert_not_contains(&union, "serde::Deserialize)]");
    snapshot_files(&g, fixture, &["models/message.rs"]);
}

#[test]
fn all_of_over_a_union_distributes_the_shared_members_over_its_alternatives() {
    let fixture = "all_of_union.yaml";
    let g = generate_clean(fixture);
    assert!(g.api.untyped.is_empty(), "nothing free-form: {:?}", g.api.untyped);
    let run_tool = body(&g, "models/run_tool.rs");
    // Each alternative merged with the shared `tool_id`, told apart by the tag they pin.
    assert_contains(&run_tool, "Code(RunToolCode),");
    assert_contains(&run_tool, "pub tool_id: String,");
    assert_contains(&run_tool, "Chosen by the `type` property.");
    let run = body(&g, "models/run.rs");
    // `allOf: [{$ref: Union}, {nullable: true}]` is the union, nullable.
    assert_contains(&run, "pub tool_choice: Option<ToolChoice>,");
    assert_contains(&run, "pub tools: Option<Vec<RunToolsItem>>,");
    snapshot_files(&g, fixture, &["models/run_tool.rs", "models/run.rs"]);
}

#[test]
fn alternatives_sharing_a_tag_are_told_apart_by_what_they_keep() {
    let fixture = "discriminator_shared_tag.yaml";
    let g = generate_clean(fixture);
    let union = body(&g, "models/item.rs");
    assert_contains(&union, r#"Some("message") => {"#);
    assert_contains(&union, r#"Some("SystemMessage") => {"#);
    assert_contains(&union, "rt::best_alternative(&value, alternatives)");
    snapshot_files(&g, fixture, &["models/item.rs"]);
}

#[test]
fn a_required_property_missing_from_properties_is_kept_as_json() {
    let fixture = "required_undeclared.yaml";
    let g = generate_ok(fixture);
    let warned: Vec<&str> = g.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(warned, ["/components/schemas/TranscriptDelta/required"]);
    assert_contains(&body(&g, "models/transcript_delta.rs"), "pub response_id: serde_json::Value,");
    assert_eq!(g.api.untyped.len(), 1, "{:?}", g.api.untyped);
    snapshot_files(&g, fixture, &["models/transcript_delta.rs"]);
}

#[test]
fn tags_pinned_to_several_values_or_left_out_still_select_the_alternative() {
    let fixture = "discriminator_loose_tags.yaml";
    let g = generate_clean(fixture);
    let union = body(&g, "models/input_item.rs");
    assert_contains(&union, "Some(\"web_search_preview\")\n            | Some(\"web_search_preview_2025_03_11\")\n            | Some(\"WebSearch\") =>");
    // The tag the value holds goes out, if it is one of the variant's.
    assert_contains(&union, "rt::serialize_tagged_as(\n");
    // A payload without the tag (Message does not require it) is read as an untagged union.
    assert_contains(&union, "None => {");
    snapshot_files(&g, fixture, &["models/input_item.rs"]);
}
