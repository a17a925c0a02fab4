//! The bounded fidelity oracle: instances drawn from each spec's own component schemas by an
//! independent generator (json-schema-faker) decode into the generated types, and what the types
//! encode back is valid against the same schemas (ajv) and loses nothing they declare (see
//! `tests/oracle/oracle.cjs` and `voice_agents_tests::oracle`). A fixed seed and a few instances
//! per schema keep it to seconds; `cargo xtask corpus --fidelity` runs large samples by hand.
//!
//! The types are the SDK's own and those of the corpus modules `cargo xtask regen` writes into
//! `tests/fidelity/` (see `xtask/src/fidelity.rs` for why they are committed).

use serde_json::Value;
use voice_agents_tests::oracle::{self, Report, Sample};

// `pub(crate)`: `generated_identity.rs` calls one of these modules' clients, which are compiled
// in this crate, to check what a crate other than the SDK sends as its own name.
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../fidelity/tables.rs"]
pub(crate) mod tables;

use voice_agents_tests::oracle::round_trip;

/// The round trip of a component schema's value through its generated type (see `tables`).
type Dispatch = dyn Fn(&str, &Value) -> Option<Value>;

fn run(spec: &str, sample: Sample, dispatch: &Dispatch) -> Report {
    let root = voice_agents_tests::root();
    voice_agents_tests::prism_install::ensure_installed(&root.join("tests")).unwrap_or_else(|e| panic!("{e}"));
    let work = root.join("target/fidelity-oracle");
    oracle::run(&root.join("tests"), &root.join(spec), sample, &work, dispatch).unwrap_or_else(|e| panic!("{e}"))
}

/// Fails listing what went wrong, unless every instance decoded (with `typed`: without an
/// `Unknown` fallback), encoded valid and lossless.
fn assert_perfect(report: &Report, typed: bool) {
    let t = &report.totals;
    assert!(t.instances > 0, "{}: nothing was drawn ({:?})", report.spec, report.undrawn);
    assert!(
        report.perfect(typed),
        "{}: {} instances, {} decoded, {} without fallback, {} valid output, {} lossless:\n{}",
        report.spec,
        t.instances,
        t.decoded,
        t.typed,
        t.valid,
        t.lossless,
        report.failure_lines(20, typed)
    );
}

const SAMPLE: Sample = Sample { count: 6, seed: 1, limit: None };

#[test]
fn ayra_types_round_trip_every_drawn_instance() {
    assert_perfect(&run("specs/ayra/openapi.yaml", SAMPLE, &tables::round_trip_ayra), true);
}

#[test]
fn talkifai_types_round_trip_every_drawn_instance() {
    assert_perfect(&run("specs/talkifai/openapi.yaml", SAMPLE, &tables::round_trip_talkifai), true);
}

#[test]
fn pipecat_cloud_types_round_trip_every_drawn_instance() {
    // The oracle reads the vendor's spec as published; the SDK's types follow the overlay too,
    // which narrows some strings to enums (`krispViva.audioFilter`: tel, pro). A drawn string
    // outside them decodes into the open enum's fallback and encodes back unchanged: no loss,
    // but not typed, so fallbacks are not counted here.
    assert_perfect(&run("specs/pipecat-cloud/openapi.json", SAMPLE, &tables::round_trip_pipecat_cloud), false);
}

#[test]
fn buildomat_types_round_trip_every_drawn_instance() {
    // Where the oracle first failed: `format: uint` above i64::MAX, `null` array items.
    assert_perfect(
        &run("tests/corpus/buildomat.json", Sample { count: 12, ..SAMPLE }, &tables::round_trip_buildomat),
        true,
    );
}

/// The generator's fixture of each class the oracle found, drawn like the specs.
#[test]
fn fixture_types_round_trip_every_drawn_instance() {
    let fixtures: [(&str, &Dispatch); 10] = [
        ("integer_widths", &tables::round_trip_integer_widths),
        ("nullable_items", &tables::round_trip_nullable_items),
        ("nullable_map_values", &tables::round_trip_nullable_map_values),
        ("nullable_union_alternatives", &tables::round_trip_nullable_union_alternatives),
        ("discriminator_pinned", &tables::round_trip_discriminator_pinned),
        ("discriminator_loose_tags", &tables::round_trip_discriminator_loose_tags),
        ("untagged_overlap", &tables::round_trip_untagged_overlap),
        ("all_of_union", &tables::round_trip_all_of_union),
        ("discriminator_shared_tag", &tables::round_trip_discriminator_shared_tag),
        ("required_undeclared", &tables::round_trip_required_undeclared),
    ];
    for (fixture, dispatch) in fixtures {
        let report = run(&format!("codegen/tests/fixtures/{fixture}.yaml"), Sample { count: 20, ..SAMPLE }, dispatch);
        assert_perfect(&report, true);
    }
}

/// Decodes `value` as `T`, and checks it encodes back to the same JSON.
fn same_back<T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug>(value: Value) -> T {
    let decoded: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value} does not decode: {e}"));
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), value, "{decoded:?}");
    decoded
}

#[test]
fn integer_formats_decode_their_whole_range_and_nothing_beyond_it() {
    use tables::integer_widths::Counters;
    use voice_agents_runtime::__private::Validate;
    let edges = serde_json::json!({
        "seq": u64::MAX, "tiny": i8::MIN, "small": i16::MAX, "byte": u8::MAX, "port": u16::MAX,
        "count": u32::MAX, "total": u64::MAX, "offset": i64::MIN, "at": i64::MAX, "plain": i64::MIN,
    });
    let counters: Counters = same_back(edges.clone());
    assert_eq!(counters.seq, u64::MAX, "format: uint is u64 (11341255895459967163 failed as i64)");
    for (field, beyond) in
        [("seq", -1), ("tiny", 128), ("small", -32769), ("byte", 256), ("port", -1), ("count", 4_294_967_296_i64)]
    {
        let mut value = edges.clone();
        value[field] = serde_json::json!(beyond);
        assert!(serde_json::from_value::<Counters>(value).is_err(), "{field}: {beyond} is outside its format");
    }
    // `minimum` narrower than the format is checked before a request is sent.
    let mut low = edges;
    low["port"] = serde_json::json!(0);
    let low: Counters = serde_json::from_value(low).expect("0 fits u16");
    let err = low.validate("body").expect_err("port has minimum 1");
    assert_eq!((err.field(), err.rule()), ("body.port", "minimum 1"));
}

#[test]
fn null_decodes_as_an_item_a_map_value_and_a_union_alternative() {
    use serde_json::json;
    use tables::{nullable_items as items, nullable_map_values as maps, nullable_union_alternatives as unions};
    let board: items::Board =
        same_back(json!({"things": [null, {"id": "a"}], "scores": [1, null], "grid": [["x", null]]}));
    assert_eq!(board.things[0], None, "`{{nullable, allOf: [$ref]}}` items (buildomat's ObjWithOptionArray)");
    let _: maps::Labels = same_back(json!({"a": null, "b": "x"}));
    let _: maps::Index = same_back(json!({"tasks": {"a": null, "b": {"id": "x"}}}));
    assert_eq!(same_back::<unions::Limit>(json!(null)), unions::Limit::Integer(None));
    assert_eq!(same_back::<unions::Limit>(json!(7)), unions::Limit::Integer(Some(7)));
    assert!(matches!(same_back::<unions::Assignee>(json!(null)), unions::Assignee::Task(None)));
}

#[test]
fn a_discriminator_without_mapping_reads_the_pinned_values_and_the_schema_names() {
    use serde_json::json;
    use tables::discriminator_pinned::TranscriptEvent;
    let done: TranscriptEvent = same_back(json!({"type": "transcript.text.done", "text": "hi"}));
    assert!(matches!(done, TranscriptEvent::TextDone(_)), "{done:?}");
    // The schema name selects the alternative too (the OpenAPI rule), and goes back as it came.
    let named: TranscriptEvent = same_back(json!({"type": "TextDelta", "delta": "h"}));
    assert!(matches!(named, TranscriptEvent::TextDelta(_)), "{named:?}");
}

#[test]
fn untagged_unions_decode_into_the_alternative_that_keeps_every_member() {
    use serde_json::json;
    use tables::untagged_overlap::{Item, Message};
    let tool: Message = same_back(json!({"role": "tool", "content": "42", "tool_call_id": "call_1"}));
    assert!(matches!(tool, Message::ToolMessage(_)), "not a user message without its tool_call_id: {tool:?}");
    let user: Message = same_back(json!({"role": "user", "content": "hi"}));
    assert!(matches!(user, Message::UserMessage(_)), "{user:?}");
    let eval: Item = same_back(json!({"role": "user", "content": "hi", "type": "message"}));
    assert!(matches!(eval, Item::EvalItem(_)), "`type: message` kept: {eval:?}");
}

#[test]
fn all_of_over_a_union_decodes_each_alternative_with_the_shared_members() {
    use serde_json::json;
    use tables::all_of_union::{Run, RunTool, RunToolsItem, ToolChoice};
    let tool: RunTool = same_back(json!({"type": "search", "query": "rust", "tool_id": "t1"}));
    assert!(matches!(&tool, RunTool::Search(s) if s.tool_id == "t1"), "{tool:?}");
    let run: Run = serde_json::from_value(json!({"tool_choice": null})).expect("`{nullable: true}` part");
    assert_eq!(run.tool_choice, None);
    let run: Run = same_back(json!({"tools": [{"type": "code", "enabled": true}]}));
    assert!(matches!(&run.tools.as_deref(), Some([RunToolsItem::Code(c)]) if c.enabled == Some(true)), "{run:?}");
    let run: Run = same_back(json!({"tool_choice": "auto"}));
    assert!(matches!(run.tool_choice, Some(ToolChoice::ToolChoiceVariant1(_))), "{:?}", run.tool_choice);
}

#[test]
fn alternatives_sharing_a_tag_decode_into_the_one_that_keeps_the_payload() {
    use serde_json::json;
    use tables::discriminator_shared_tag::Item;
    let assistant: Item = same_back(json!({"type": "message", "role": "assistant", "text": "hi", "audio": "a1"}));
    assert!(matches!(assistant, Item::AssistantMessage(_)), "not a system message without its audio: {assistant:?}");
    let system: Item = same_back(json!({"type": "message", "role": "system", "text": "be brief"}));
    assert!(matches!(system, Item::SystemMessage(_)), "{system:?}");
    assert!(matches!(same_back::<Item>(json!({"type": "function_call", "name": "f"})), Item::FunctionCall(_)));
}

#[test]
fn a_required_but_undeclared_member_is_kept() {
    use serde_json::json;
    let value = json!({"type": "response.audio.transcript.delta", "response_id": "resp_1", "delta": "he"});
    let _: tables::required_undeclared::TranscriptDelta = same_back(value);
}

#[test]
fn a_tag_among_several_pinned_values_or_no_tag_at_all_selects_the_alternative() {
    use serde_json::json;
    use tables::discriminator_loose_tags::InputItem;
    let dated: InputItem = same_back(json!({"type": "web_search_preview_2025_03_11", "size": "low"}));
    assert!(matches!(dated, InputItem::WebSearch(_)), "{dated:?}");
    let untagged: InputItem = serde_json::from_value(json!({"role": "assistant", "content": "hi"})).expect("decodes");
    assert!(matches!(untagged, InputItem::Message(_)), "OpenAI's InputItem without `type`: {untagged:?}");
    // It goes out with its tag: the one value its `type` allows, so nothing is lost.
    assert_eq!(serde_json::to_value(&untagged).expect("encodes")["type"], "message");
}
