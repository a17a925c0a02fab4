//! The change report: the real upstream Pipecat Cloud change, and one small fixture pair per
//! kind of change with its breaking flag.

use voice_agents_codegen::diff::{diff, report, Change};
use voice_agents_codegen::{analyze, ir::Api, Input};

fn api(file: &str, text: &str) -> Api {
    analyze(Input { file, text, overlay: None }).map(|(api, _, _)| api).unwrap_or_else(|d| panic!("{file}: {d}"))
}

fn changes(old: &str, new: &str) -> Vec<Change> {
    diff(&api("old.yaml", old), &api("new.yaml", new))
}

/// Wraps schemas and paths into a minimal OpenAPI document.
fn spec(schemas: &str, paths: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers: [{{url: 'https://x.test'}}]\npaths:\n{paths}\ncomponents:\n  schemas:\n{schemas}"
    )
}

const GET_PET: &str = "  /pets/{id}:\n    get:\n      operationId: getPet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Pet'}\n";

fn pet(props: &str) -> String {
    format!("    Pet:\n      type: object\n{props}")
}

fn only(changes: &[Change]) -> (&str, bool) {
    assert_eq!(changes.len(), 1, "expected exactly one change, got:\n{}", report("t", changes));
    (changes[0].what.as_str(), changes[0].breaking)
}

#[test]
fn real_upstream_change_lists_architecture_node_type_and_region_fields_and_nothing_else() {
    let old = crate::read("specs/pipecat-cloud/history/openapi.a9deaa9.json");
    let new = crate::read("specs/pipecat-cloud/openapi.json");
    let got: Vec<String> = changes(&old, &new).iter().map(ToString::to_string).collect();
    // The four inline `[amd64, arm64]` enums are one `Architecture`, the two `[arm, amd]` one
    // `NodeType` (the old names stay as aliases).
    let expected = [
        "[compatible] type Architecture added (enum: amd64, arm64)",
        "[compatible] field CreateServiceRequest.architecture added (optional): Architecture",
        "[BREAKING] field CreateServiceRequest.nodeType type: String -> NodeType",
        "[compatible] field CreateServiceRequest.nodeType deprecated",
        "[compatible] type NodeType added (enum: arm, amd)",
        "[compatible] field Region.supported_architectures added (optional): Vec<Architecture>",
        "[compatible] field Region.default_architecture added (optional): Architecture",
        "[compatible] field UpdateServiceRequest.architecture added (optional): Architecture",
        "[BREAKING] field UpdateServiceRequest.nodeType type: String -> NodeType",
        "[compatible] field UpdateServiceRequest.nodeType deprecated",
    ];
    assert_eq!(got, expected);
}

#[test]
fn identical_specs_report_nothing_in_one_line() {
    let s = spec(&pet("      properties:\n        name: {type: string}\n"), GET_PET);
    let c = changes(&s, &s);
    assert!(c.is_empty());
    assert_eq!(report("pets", &c), "pets: no changes to the generated public API\n");
}

#[test]
fn added_operation_is_compatible_and_removed_operation_breaks() {
    let base = pet("      properties:\n        name: {type: string}\n");
    let list = "  /pets:\n    get:\n      operationId: listPets\n      responses:\n        '204': {description: ok}\n";
    let with = spec(&base, &format!("{GET_PET}{list}"));
    let without = spec(&base, GET_PET);
    assert_eq!(only(&changes(&without, &with)), ("operation listPets added (GET /pets)", false));
    assert_eq!(only(&changes(&with, &without)), ("operation listPets removed (GET /pets)", true));
}

#[test]
fn added_type_is_compatible_and_removed_type_breaks() {
    let base = pet("      properties:\n        name: {type: string}\n");
    let extra = format!("{base}    Owner:\n      type: object\n      properties:\n        id: {{type: string}}\n");
    assert_eq!(
        only(&changes(&spec(&base, GET_PET), &spec(&extra, GET_PET))),
        ("type Owner added (struct, 1 field(s))", false)
    );
    assert_eq!(only(&changes(&spec(&extra, GET_PET), &spec(&base, GET_PET))), ("type Owner removed", true));
}

#[test]
fn optional_field_added_is_compatible_and_field_removed_breaks() {
    let one = spec(&pet("      properties:\n        name: {type: string}\n"), GET_PET);
    let two = spec(&pet("      properties:\n        name: {type: string}\n        age: {type: integer}\n"), GET_PET);
    assert_eq!(only(&changes(&one, &two)), ("field Pet.age added (optional): i64", false));
    assert_eq!(only(&changes(&two, &one)), ("field Pet.age removed", true));
}

#[test]
fn required_field_added_to_a_request_type_breaks_its_constructor() {
    let body = "  /pets:\n    post:\n      operationId: createPet\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Pet'}\n      responses:\n        '204': {description: ok}\n";
    let one = spec(&pet("      properties:\n        name: {type: string}\n"), body);
    let two = spec(
        &pet(
            "      required: [owner]\n      properties:\n        name: {type: string}\n        owner: {type: string}\n",
        ),
        body,
    );
    assert_eq!(only(&changes(&one, &two)), ("field Pet.owner added (required): String", true));
}

#[test]
fn enum_value_added_is_compatible_and_removed_breaks() {
    let e = |values: &str| {
        spec(&pet(&format!("      properties:\n        kind: {{type: string, enum: [{values}]}}\n")), GET_PET)
    };
    assert_eq!(only(&changes(&e("cat, dog"), &e("cat, dog, bird"))), ("enum PetKind: value `bird` added", false));
    assert_eq!(only(&changes(&e("cat, dog"), &e("cat"))), ("enum PetKind: value `dog` removed", true));
}

#[test]
fn field_type_change_breaks() {
    let a = spec(&pet("      properties:\n        age: {type: string}\n"), GET_PET);
    let b = spec(&pet("      properties:\n        age: {type: integer}\n"), GET_PET);
    assert_eq!(only(&changes(&a, &b)), ("field Pet.age type: String -> i64", true));
}

#[test]
fn field_becoming_required_breaks() {
    let a = spec(&pet("      properties:\n        name: {type: string}\n"), GET_PET);
    let b = spec(&pet("      required: [name]\n      properties:\n        name: {type: string}\n"), GET_PET);
    assert_eq!(only(&changes(&a, &b)), ("field Pet.name became required", true));
}

#[test]
fn field_deprecation_is_compatible() {
    let a = spec(&pet("      properties:\n        name: {type: string}\n"), GET_PET);
    let b = spec(&pet("      properties:\n        name: {type: string, deprecated: true}\n"), GET_PET);
    assert_eq!(only(&changes(&a, &b)), ("field Pet.name deprecated", false));
}

#[test]
fn new_required_parameter_breaks_and_new_optional_parameter_does_not() {
    let base = pet("      properties:\n        name: {type: string}\n");
    let with_param = |p: &str| {
        spec(
            &base,
            &GET_PET.replace(
                "        - {name: id, in: path, required: true, schema: {type: string}}\n",
                &format!("        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n{p}"),
            ),
        )
    };
    let old = spec(&base, GET_PET);
    let optional = with_param("        - {name: verbose, in: query, schema: {type: boolean}}\n");
    let required = with_param("        - {name: verbose, in: query, required: true, schema: {type: boolean}}\n");
    assert_eq!(only(&changes(&old, &optional)), ("operation getPet parameter verbose added: bool", false));
    assert_eq!(only(&changes(&old, &required)), ("operation getPet parameter verbose added (required): bool", true));
}

#[test]
fn response_type_change_breaks() {
    let schemas = format!(
        "{}    Dog:\n      type: object\n      properties:\n        bark: {{type: boolean}}\n",
        pet("      properties:\n        name: {type: string}\n")
    );
    let dog = GET_PET.replace("#/components/schemas/Pet", "#/components/schemas/Dog");
    assert_eq!(
        only(&changes(&spec(&schemas, GET_PET), &spec(&schemas, &dog))),
        ("operation getPet returns Dog (was Pet)", true)
    );
}

#[test]
fn stream_events_added_are_compatible_and_removed_or_retyped_events_break() {
    let old = crate::read("codegen/tests/fixtures/sse_events.yaml");
    let new = old
        .replacen("                message: {type: string, description: A plain-text event (taken verbatim).}\n", "", 1)
        .replacen(
            "                error: {$ref: \"#/components/schemas/StreamError\"}",
            "                error: {type: string}",
            1,
        )
        .replacen(
            "                delta: {$ref: \"#/components/schemas/Delta\"}\n",
            "                delta: {$ref: \"#/components/schemas/Delta\"}\n                done: {type: string}\n",
            1,
        );
    let got: Vec<String> = changes(&old, &new).iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "[compatible] operation streamCompletion event `done` added: text",
            "[BREAKING] operation streamCompletion event `error` payload: StreamError -> text",
            "[BREAKING] operation streamCompletion event `message` removed",
        ]
    );
}

#[test]
fn webhook_events_and_signature_changes_are_reported() {
    let old = crate::read("codegen/tests/fixtures/webhooks.yaml");
    let new = old
        .replacen("x-webhooks:\n", "x-webhooks:\n  order.paid: {$ref: \"#/components/schemas/Meta\"}\n", 1)
        .replacen("tolerance: 600", "tolerance: 300", 1)
        .replacen("x-webhook-event-type: /meta/kind", "x-webhook-event-type: /kind", 1);
    let got: Vec<String> = changes(&old, &new).iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "[compatible] webhook event `order.paid` added: Meta",
            "[BREAKING] webhook event type pointer: /meta/kind -> /kind",
            "[BREAKING] webhook signature scheme changed (WEBHOOK_SIGNATURE)",
        ]
    );
}
