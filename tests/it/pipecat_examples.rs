//! Every example in the Pipecat Cloud spec, and every vendor documentation example
//! (`tests/fixtures/vendor-examples/pipecat-cloud/`), decodes into the generated types and encodes
//! back to equivalent JSON.

use serde_json::Value;
use voice_agents::pipecat_cloud as pc;
use voice_agents_tests::{json_equivalent, load_spec, spec_examples, vendor_example};

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
        CreateServiceRequest,
        UpdateServiceRequest,
        ServiceDetailsResponse,
        ErrorResponse,
        ListServicesResponse,
        DeleteServiceResponse,
        GetLogsResponse,
        SessionResponse,
        StopResponse,
        GetSessionsResponse,
        CreateBuildRequest,
        CreateBuildResponse,
        ListBuildsResponse,
        GetBuildResponse,
        GetBuildLogsResponse,
        UploadUrlRequest,
        UploadUrlResponse,
        GetPropertiesResponse,
        UpdatePropertiesRequest,
        UpdatePropertiesResponse,
        GetPropertiesSchemaResponse,
        ListRegionsResponse,
        UpsertSecretSetRequest,
        UpsertSecretSetResponse,
        DeleteSecretSetResponse,
        GetSecretSetResponse,
        DeleteSecretFromSetResponse,
        ListSecretSetsResponse,
        ProxiedResponse,
        StartRequest,
        StartResponse,
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

fn request_re_encodes(page: &str, type_name: &str, body: &Value) {
    let back = round_trip(type_name, body).unwrap_or_else(|e| panic!("{page} request: {e}"));
    let mut expected = body.clone();
    if let Some(obj) = expected.as_object_mut() {
        for removed in REMOVED_UPSTREAM {
            obj.remove(*removed);
        }
    }
    json_equivalent(&expected, &back, true).unwrap_or_else(|e| panic!("{page} request re-encoding: {e}"));
}

#[test]
fn update_agent_page_request_and_response_decode() {
    request_re_encodes(
        "update-agent",
        "UpdateServiceRequest",
        &vendor_example("pipecat-cloud", "update-agent.request"),
    );
    let response: pc::ServiceDetailsResponse =
        serde_json::from_value(vendor_example("pipecat-cloud", "update-agent.response")).expect("response decodes");
    assert_eq!(response.name.as_deref(), Some("voice-starter"));
}

#[test]
fn create_agent_page_request_and_response_decode() {
    request_re_encodes(
        "create-agent",
        "CreateServiceRequest",
        &vendor_example("pipecat-cloud", "create-agent.request"),
    );
    let response: pc::ServiceDetailsResponse =
        serde_json::from_value(vendor_example("pipecat-cloud", "create-agent.response")).expect("response decodes");
    assert_eq!(response.ready, Some(false));
}

#[test]
fn get_agent_page_example_decodes() {
    let example = vendor_example("pipecat-cloud", "get-agent.response");
    let back = round_trip("ServiceDetailsResponse", &example).expect("example decodes");
    json_equivalent(&example, &back, false).expect("example re-encodes");
}

#[test]
fn equivalence_treats_null_as_absent_only_when_lenient() {
    let e = serde_json::json!({"a": null, "t": "2025-04-18T20:30:00.000Z"});
    let a = serde_json::json!({"t": "2025-04-18T20:30:00Z"});
    assert!(json_equivalent(&e, &a, false).is_ok());
    assert!(json_equivalent(&e, &a, true).is_err());
    assert!(json_equivalent(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 2}), false).is_err());
}
