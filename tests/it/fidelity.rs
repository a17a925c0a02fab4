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

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../fidelity/tables.rs"]
mod tables;

use voice_agents_tests::oracle::round_trip;

fn run(spec: &str, sample: Sample, dispatch: &dyn Fn(&str, &Value) -> Option<Value>) -> Report {
    let root = voice_agents_tests::root();
    voice_agents_tests::prism_install::ensure_installed(&root.join("tests")).unwrap_or_else(|e| panic!("{e}"));
    let work = root.join("target/fidelity-oracle");
    oracle::run(&root.join("tests"), &root.join(spec), sample, &work, dispatch).unwrap_or_else(|e| panic!("{e}"))
}

/// Fails listing what went wrong, unless every instance decoded, typed, valid and lossless.
fn assert_perfect(report: &Report) {
    let t = &report.totals;
    assert!(t.instances > 0, "{}: nothing was drawn ({:?})", report.spec, report.undrawn);
    assert!(
        report.perfect(),
        "{}: {} instances, {} decoded, {} without fallback, {} valid output, {} lossless:\n{}",
        report.spec,
        t.instances,
        t.decoded,
        t.typed,
        t.valid,
        t.lossless,
        report.failure_lines(20)
    );
}

const SAMPLE: Sample = Sample { count: 6, seed: 1, limit: None };

#[test]
fn ayra_types_round_trip_every_drawn_instance() {
    assert_perfect(&run("specs/ayra/openapi.yaml", SAMPLE, &tables::round_trip_ayra));
}

#[test]
fn talkifai_types_round_trip_every_drawn_instance() {
    assert_perfect(&run("specs/talkifai/openapi.yaml", SAMPLE, &tables::round_trip_talkifai));
}

#[test]
fn pipecat_cloud_types_round_trip_every_drawn_instance() {
    // The vendor's spec as the generator reads it: with the overlay's corrections.
    assert_perfect(&run("specs/pipecat-cloud/openapi.json", SAMPLE, &tables::round_trip_pipecat_cloud));
}

#[test]
fn buildomat_types_round_trip_every_drawn_instance() {
    // Where the oracle first failed: `format: uint` above i64::MAX, `null` array items.
    assert_perfect(&run("tests/corpus/buildomat.json", Sample { count: 12, ..SAMPLE }, &tables::round_trip_buildomat));
}
