//! Every example in the Pipecat Cloud spec, and every JSON example in seeds 000-002, decodes
//! into the generated types and encodes back to equivalent JSON.

use serde_json::Value;
use voice_agents::pipecat_cloud as pc;
use voice_agents_tests::{json_equivalent, load_spec, seed_json_blocks, shared, spec_examples};

/// Decodes `value` as the named generated type and re-encodes it.
fn round_trip(type_name: &str, value: &Value) -> Result<Value, String> {
    macro_rules! types {
        ($($t:ident),* $(,)?) => {
            match type_name {
                "serde_json::Value" => Ok(value.clone()),
                $(stringify!($t) => {
                    let decoded: pc::$t = serde_json::from_value(value.clone()).map_err(|e| format!("decode: {e}"))?;
                    serde_json::to_value(&decoded).map_err(|e| format!("encode: {e}"))
                })*
                other => Err(format!("no decoder listed for `{other}`: add it to the table in this test")),
            }
        };
    }
    types!(
        CreateServiceRequest, UpdateServiceRequest, ServiceDetailsResponse, ErrorResponse, ListServicesResponse,
        DeleteServiceResponse, GetLogsResponse, SessionResponse, StopResponse, GetSessionsResponse,
        CreateBuildRequest, CreateBuildResponse, ListBuildsResponse, GetBuildResponse, GetBuildLogsResponse,
        UploadUrlRequest, UploadUrlResponse, GetPropertiesResponse, UpdatePropertiesRequest,
        UpdatePropertiesResponse, GetPropertiesSchemaResponse, ListRegionsResponse, UpsertSecretSetRequest,
        UpsertSecretSetResponse, DeleteSecretSetResponse, GetSecretSetResponse, DeleteSecretFromSetResponse,
        ListSecretSetsResponse, ProxiedResponse, StartRequest, StartResponse,
    )
}

#[test]
fn every_spec_example_decodes_and_re_encodes_equivalently() {
    let spec = load_spec("pipecat-cloud");
    let examples = spec_examples(&spec);
    assert!(examples.len() >= 40, "expected the spec's examples, found {}", examples.len());
    let mut failures = Vec::new();
    for ex in &examples {
        match round_trip(&ex.type_name, &ex.value) {
            Ok(back) => {
                if let Err(e) = json_equivalent(&ex.value, &back, ex.request) {
                    failures.push(format!("{} as {}: {e}", ex.pointer, ex.type_name));
                }
            }
            Err(e) => failures.push(format!("{} as {}: {e}", ex.pointer, ex.type_name)),
        }
    }
    assert!(failures.is_empty(), "{} of {} examples failed:\n{}", failures.len(), examples.len(), failures.join("\n"));
}

/// Fields the vendor removed after the seeds were written ("feature has been removed").
const REMOVED_UPSTREAM: &[&str] = &["enableKrisp", "enableManagedKeys"];

fn seed(name: &str) -> String {
    let dir = shared().join("seeds");
    let file = std::fs::read_dir(&dir)
        .expect("seeds dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(name))
        .expect("seed file");
    std::fs::read_to_string(file.path()).expect("read seed")
}

fn request_re_encodes(seed_name: &str, type_name: &str, body: &Value) {
    let back = round_trip(type_name, body).unwrap_or_else(|e| panic!("seed {seed_name} request: {e}"));
    let mut expected = body.clone();
    if let Some(obj) = expected.as_object_mut() {
        for removed in REMOVED_UPSTREAM {
            obj.remove(*removed);
        }
    }
    json_equivalent(&expected, &back, true).unwrap_or_else(|e| panic!("seed {seed_name} request re-encoding: {e}"));
}

#[test]
fn seed_000_update_request_and_response_decode() {
    let blocks = seed_json_blocks(&seed("000"));
    assert_eq!(blocks.len(), 2, "seed 000 has a request and a response");
    request_re_encodes("000", "UpdateServiceRequest", &blocks[0]);
    let response: pc::ServiceDetailsResponse = serde_json::from_value(blocks[1].clone()).expect("seed 000 response decodes");
    assert_eq!(response.name.as_deref(), Some("voice-starter"));
}

#[test]
fn seed_001_create_request_and_response_decode() {
    let blocks = seed_json_blocks(&seed("001"));
    assert_eq!(blocks.len(), 2, "seed 001 has a request and a response");
    request_re_encodes("001", "CreateServiceRequest", &blocks[0]);
    let response: pc::ServiceDetailsResponse = serde_json::from_value(blocks[1].clone()).expect("seed 001 response decodes");
    assert_eq!(response.ready, Some(false));
}

#[test]
fn seed_002_get_service_example_decodes() {
    let text = seed("002");
    // The fence line carries a title (`````yaml GET /agents/{agentName}`): the YAML starts on the next line.
    let fenced = text.split("````yaml").nth(1).and_then(|s| s.split("````").next()).expect("seed 002 embeds a YAML spec");
    let yaml = fenced.split_once('\n').map(|(_, rest)| rest).unwrap_or(fenced);
    let doc: Value = serde_yaml_value(yaml);
    let example = doc
        .pointer("/paths/~1agents~1{agentName}/get/responses/200/content/application~1json/example")
        .expect("seed 002 example");
    let back = round_trip("ServiceDetailsResponse", example).expect("seed 002 example decodes");
    json_equivalent(example, &back, false).expect("seed 002 example re-encodes");
}

fn serde_yaml_value(text: &str) -> Value {
    voice_agents_codegen::load::parse_text("seed-002.yaml", text).expect("seed 002 YAML parses")
}
