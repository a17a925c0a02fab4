//! Every operation of the three APIs driven through the SDK against the generated typed mock
//! (`<api>::mock::MockServer`), with Prism in validation-proxy mode in between:
//!
//! ```text
//! SDK client ──▶ prism proxy <spec> <mock> --errors ──▶ generated mock (typed expectations)
//! ```
//!
//! Prism, a tool we did not write, checks each request the SDK sends and each answer the mock
//! gives against the spec; no response may carry an `sl-violations` header and Prism's log may
//! report no violation. What the mock answers is typed: the body of Prism's own example for the
//! operation (served by the contract tests' Prism mock), decoded into the type the operation's
//! `respond` takes, so the answers are the spec's data, not ours. Each expectation matches on the
//! operation's parameters (and body), must be hit exactly once, and the SDK must decode the
//! mock's answer into the same value as Prism's example.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use voice_agents::Response;
use voice_agents::{ayra as ay, pipecat_cloud as pc, talkifai as tk};
use voice_agents_tests::prism::{Prism, VIOLATIONS_HEADER};

use crate::contract_common::TOKEN;
use crate::{contract_ayra, contract_pipecat, contract_talkifai};

/// Prism's validation proxy in front of a mock started at the root path.
fn proxy(spec: &std::path::Path, upstream: &str) -> Prism {
    Prism::proxy(spec, upstream).unwrap_or_else(|e| panic!("starting prism proxy on {}: {e}", spec.display()))
}

/// The mock's answer through the proxy is the example's: no violation reported on it (Prism adds
/// `sl-violations` to any answer that breaks the spec; its log is read once, at the end of each
/// test, when it has settled), the same status and the same decoded data, and the expectation
/// answered exactly once.
fn assert_same_answer<T: PartialEq + std::fmt::Debug>(
    operation: &str,
    got: &Response<T>,
    example: &Response<T>,
    hits: usize,
) {
    if let Some(v) = got.headers.get(VIOLATIONS_HEADER) {
        panic!("{operation}: Prism reports violations: {}", v.to_str().unwrap_or("(not text)"));
    }
    assert_eq!(got.status, example.status, "{operation}: status");
    assert_eq!(got.data, example.data, "{operation}: the SDK reads the mock's answer as Prism's example");
    assert_eq!(hits, 1, "{operation}: hits");
}

/// Prism's log has no violation and no error line (`✖`: a request refused, an answer that
/// broke the spec).
fn assert_log_clean(what: &str, log: &str) {
    let bad: Vec<&str> =
        log.lines().filter(|l| l.to_ascii_lowercase().contains("violation") || l.contains('\u{2716}')).collect();
    assert!(bad.is_empty(), "{what}: Prism's log reports violations:\n{}", bad.join("\n"));
}

/// Prism's log once it has written what it does after answering (its violation lines follow
/// the response).
async fn prism_log_settled(prism: &Prism) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    prism.log_contents()
}

/// One operation through the chain. `$call` is the request builder, written once over `$c` and
/// built twice: against Prism's mock for the example, then through the proxy to our mock.
/// `$expect` (with its matchers) is the operation's expectation builder; `$ty` the type its
/// `respond` takes (the body as the server sends it, envelope included). Returns the handle.
macro_rules! roundtrip {
    // An operation whose success has no body.
    ($run:expr, (), $expect:ident $(. $m:ident ( $($a:expr),* ))*, |$c:ident| $call:expr) => {{
        let run = &$run;
        let example = { let $c = &run.example; $call.send_with_response().await }
            .unwrap_or_else(|e| panic!("{}: Prism's example: {e}", stringify!($expect)));
        let mounted = run.mock.$expect() $(.$m($($a),*))* .respond().times(1).mount();
        let got = { let $c = &run.client; $call.send_with_response().await }
            .unwrap_or_else(|e| panic!("{}: through the proxy to the mock: {e}", stringify!($expect)));
        assert_same_answer(stringify!($expect), &got, &example, mounted.hits());
        mounted
    }};
    ($run:expr, $ty:ty, $expect:ident $(. $m:ident ( $($a:expr),* ))*, |$c:ident| $call:expr) => {{
        let run = &$run;
        let example = { let $c = &run.example; $call.send_with_response().await }
            .unwrap_or_else(|e| panic!("{}: Prism's example: {e}", stringify!($expect)));
        let body: $ty = serde_json::from_slice(example.raw_body())
            .unwrap_or_else(|e| panic!("{}: the example decodes as {}: {e}", stringify!($expect), stringify!($ty)));
        let mounted = run.mock.$expect() $(.$m($($a),*))* .respond(body).times(1).mount();
        let got = { let $c = &run.client; $call.send_with_response().await }
            .unwrap_or_else(|e| panic!("{}: through the proxy to the mock: {e}", stringify!($expect)));
        assert_same_answer(stringify!($expect), &got, &example, mounted.hits());
        mounted
    }};
}

/// One API's chain: the example client (Prism's mock), our mock, the proxy, the client through it.
struct Run<M, C> {
    example: C,
    mock: M,
    prism: Prism,
    client: C,
}

/// The operation ids the mock answered, against every operation of the spec.
fn assert_every_operation(api: &str, received: Vec<tk::mock::RecordedRequest>) {
    let spec: BTreeSet<String> =
        voice_agents_tests::load_spec(api).api.operations.iter().map(|op| op.id.clone()).collect();
    let answered: BTreeSet<String> = received.iter().filter_map(|r| r.operation.map(str::to_owned)).collect();
    assert_eq!(answered, spec, "{api}: operations the mock answered vs the spec's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_talkifai_operation_through_prism_proxy_to_the_generated_mock() {
    use contract_talkifai::{AGENT_ID, CONVERSATION_ID, FUNCTION_ID};
    let contract = contract_talkifai::mock();
    let mock = tk::mock::MockServer::start_at_root().await;
    let prism = proxy(contract.prism.spec_path(), &mock.base_url());
    let client = tk::Client::builder()
        .base_url(prism.base_url())
        .api_key(TOKEN)
        .chat_session_token("session-jwt")
        .max_retries(0)
        .build()
        .expect("client builds");
    let run = Run { example: contract_talkifai::chat_client(), mock, prism, client };

    roundtrip!(run, tk::AgentListEnvelope, list_agents.mode(tk::AgentMode::Private).limit(20), |c| c
        .list_agents()
        .mode(tk::AgentMode::Private)
        .limit(20));
    let create = tk::AgentCreate::from(tk::TextAgentCreate::from(tk::TextAgentCreateRequired {
        name: "Order helper".into(),
        system_prompt: "You track orders.".into(),
        model: "gpt-4o-mini".into(),
    }));
    let created = roundtrip!(run, tk::AgentSummaryEnvelope, create_agent.body(create.clone()), |c| c
        .create_agent(create.clone()));
    assert_eq!(created.requests()[0].body, create, "the typed request is the body the SDK sent");
    roundtrip!(run, tk::AgentEnvelope, get_agent.id(AGENT_ID), |c| c.get_agent(AGENT_ID));
    let update = tk::AgentUpdate::new().name("Renamed");
    roundtrip!(run, tk::AgentEnvelope, update_agent.id(AGENT_ID).body(update.clone()), |c| c
        .update_agent(AGENT_ID, update.clone()));
    roundtrip!(run, tk::DeleteAgentEnvelope, delete_agent.id(AGENT_ID), |c| c.delete_agent(AGENT_ID));

    roundtrip!(run, tk::CustomFunctionList, list_custom_functions.agent_id(AGENT_ID), |c| c
        .list_custom_functions()
        .agent_id(AGENT_ID));
    let function = tk::CustomFunctionCreate::new("check_order_status", "https://api.example.com/orders/status")
        .method(tk::HttpMethod::Post)
        .headers(contract_talkifai::function_headers())
        .parameters(contract_talkifai::function_parameters());
    roundtrip!(run, tk::CustomFunctionResult, create_custom_function.agent_id(AGENT_ID).body(function.clone()), |c| c
        .create_custom_function(AGENT_ID, function.clone()));
    let change = tk::CustomFunctionUpdate::new(FUNCTION_ID).label("Check order status");
    roundtrip!(run, tk::CustomFunctionResult, update_custom_function.agent_id(AGENT_ID), |c| c
        .update_custom_function(AGENT_ID, change.clone()));
    roundtrip!(run, tk::SuccessMessage, delete_custom_function.agent_id(AGENT_ID).function_id(FUNCTION_ID), |c| c
        .delete_custom_function(AGENT_ID, FUNCTION_ID));
    roundtrip!(run, tk::OutboundCallResult, initiate_outbound_call.to_number("+15551234567"), |c| c
        .initiate_outbound_call("+15551234567", "+15557654321"));
    let hook = tk::AgentWebhookUpdate::new("https://example.com/hook");
    roundtrip!(run, tk::AgentWebhookResult, set_agent_webhook.agent_id(AGENT_ID).body(hook.clone()), |c| c
        .set_agent_webhook(AGENT_ID, hook.clone()));
    roundtrip!(run, tk::SuccessMessage, delete_agent_webhook.agent_id(AGENT_ID), |c| c.delete_agent_webhook(AGENT_ID));

    let session = tk::ChatSessionCreate::new("agent_txt789").user_identifier("jane@example.com");
    roundtrip!(run, tk::ChatSession, create_chat_session.body(session.clone()), |c| c
        .create_chat_session(session.clone()));
    roundtrip!(run, tk::ChatHistory, get_chat_history.conversation_id(CONVERSATION_ID), |c| c
        .get_chat_history(CONVERSATION_ID));
    roundtrip!(run, tk::SuccessMessage, end_chat_session.conversation_id(CONVERSATION_ID), |c| c
        .end_chat_session(CONVERSATION_ID));

    // The chat stream: Prism's example events, typed, replayed by the mock as an event stream.
    let message = tk::ChatMessageCreate::new("Where is my order?");
    let example: Vec<tk::SendChatMessageEvent> = run
        .example
        .send_chat_message(CONVERSATION_ID, message.clone())
        .await
        .expect("Prism's example stream")
        .try_collect()
        .await
        .expect("the example stream decodes");
    let mounted = run
        .mock
        .send_chat_message()
        .conversation_id(CONVERSATION_ID)
        .body(message.clone())
        .respond(example.clone())
        .times(1)
        .mount();
    let got =
        run.client.send_chat_message(CONVERSATION_ID, message).send_with_response().await.expect("the stream opens");
    assert!(
        !got.headers.contains_key(VIOLATIONS_HEADER),
        "send_chat_message: {:?}",
        got.headers.get(VIOLATIONS_HEADER)
    );
    let events: Vec<tk::SendChatMessageEvent> = got.data.try_collect().await.expect("the mock's stream decodes");
    assert_eq!(events, example, "the SDK reads the mock's events as Prism's example");
    assert!(events.len() >= 3, "{events:?}");
    assert_eq!(mounted.hits(), 1);

    run.mock.verify();
    assert_every_operation("talkifai", run.mock.received());
    assert_log_clean("talkifai", &prism_log_settled(&run.prism).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ayra_operation_through_prism_proxy_to_the_generated_mock() {
    use contract_ayra::{time, AGENT_ID, CONVERSATION_ID};
    let contract = contract_ayra::mock();
    let mock = ay::mock::MockServer::start_at_root().await;
    let prism = proxy(contract.prism.spec_path(), &mock.base_url());
    let client =
        ay::Client::builder().base_url(prism.base_url()).bearer_auth(TOKEN).max_retries(0).build().expect("client");
    let run = Run { example: contract_ayra::client(), mock, prism, client };

    roundtrip!(run, ay::AgentListEnvelope, list_agents, |c| c.list_agents().page(1).per_page(10));
    let create = ay::AgentCreate::new("Customer Support Agent", ay::VoicePlatform::Vapi).welcome_message("Hello!");
    let created =
        roundtrip!(run, ay::AgentEnvelope, create_agent.body(create.clone()), |c| c.create_agent(create.clone()));
    assert_eq!(created.requests()[0].body, create);
    roundtrip!(run, ay::AgentEnvelope, get_agent.agent_id(AGENT_ID), |c| c.get_agent(AGENT_ID));
    let update = ay::AgentUpdate::new().name("Renamed").null_voice_id();
    roundtrip!(run, ay::AgentEnvelope, update_agent.agent_id(AGENT_ID).body(update.clone()), |c| c
        .update_agent(AGENT_ID, update.clone()));
    roundtrip!(run, (), delete_agent.agent_id(AGENT_ID), |c| c.delete_agent(AGENT_ID));
    let listed = roundtrip!(run, ay::ConversationListEnvelope, list_conversations.agent_id(AGENT_ID), |c| c
        .list_conversations()
        .agent_id(AGENT_ID)
        .status(ay::ConversationStatus::Completed)
        .start_date(time("2025-01-01T00:00:00Z"))
        .has_recording(true));
    assert_eq!(listed.requests()[0].status, Some(ay::ConversationStatus::Completed), "query parameters are typed");
    roundtrip!(run, ay::ConversationEnvelope, get_conversation.conversation_id(CONVERSATION_ID), |c| c
        .get_conversation(CONVERSATION_ID)
        .include_transcript(true));

    run.mock.verify();
    assert_every_operation("ayra", run.mock.received());
    assert_log_clean("ayra", &prism_log_settled(&run.prism).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pipecat_operation_through_prism_proxy_to_the_generated_mock() {
    use contract_pipecat::{uuid, AGENT, BUILD_ID, SESSION_ID, SET_NAME, UPLOAD_ID};
    let contract = contract_pipecat::mock();
    let mock = pc::mock::MockServer::start_at_root().await;
    let prism = proxy(contract.prism.spec_path(), &mock.base_url());
    let url = prism.base_url();
    let client = pc::Client::builder()
        .base_url(&url)
        .server_url(1, &url)
        .private_key_auth(TOKEN)
        .public_key_auth(TOKEN)
        .max_retries(0)
        .build()
        .expect("client builds");
    let run = Run { example: contract_pipecat::client(), mock, prism, client };

    roundtrip!(run, pc::ListServicesResponse, list_services.region("us-west"), |c| c.list_services().region("us-west"));
    let create = contract_pipecat::create_service_request();
    let created = roundtrip!(run, pc::ServiceDetailsResponse, create_service.body(create.clone()), |c| c
        .create_service(create.clone()));
    assert_eq!(created.requests()[0].body, create);
    roundtrip!(run, pc::ServiceDetailsResponse, get_service.agent_name(AGENT), |c| c.get_service(AGENT));
    let update = contract_pipecat::update_service_request();
    roundtrip!(run, pc::ServiceDetailsResponse, update_service.agent_name(AGENT).body(update.clone()), |c| c
        .update_service(AGENT, update.clone()));
    roundtrip!(run, pc::DeleteServiceResponse, delete_service.agent_name(AGENT), |c| c.delete_service(AGENT));
    roundtrip!(run, pc::GetLogsResponse, get_logs.agent_name(AGENT).limit(50), |c| c
        .get_logs(AGENT)
        .limit(50)
        .order(pc::GetLogsOrder::Asc));
    roundtrip!(run, pc::SessionResponse, get_session.agent_name(AGENT).session_id(SESSION_ID), |c| c
        .get_session(AGENT, SESSION_ID));
    roundtrip!(run, pc::StopResponse, stop_session.session_id(SESSION_ID), |c| c.stop_session(AGENT, SESSION_ID));
    roundtrip!(
        run,
        pc::GetSessionsResponse,
        get_sessions.agent_name(AGENT).status(pc::GetSessionsStatus::Ended),
        |c| c.get_sessions(AGENT).status(pc::GetSessionsStatus::Ended)
    );

    roundtrip!(run, pc::ListBuildsResponse, list_builds.region("us-west").limit(100), |c| c
        .list_builds()
        .region("us-west")
        .limit(100));
    let build = pc::CreateBuildRequest::new(uuid(UPLOAD_ID), "us-west").dockerfile_path("docker/Dockerfile");
    roundtrip!(run, pc::CreateBuildResponse, create_build.body(build.clone()), |c| c.create_build(build.clone()));
    roundtrip!(run, pc::GetBuildResponse, get_build.build_id(uuid(BUILD_ID)), |c| c.get_build(BUILD_ID));
    roundtrip!(run, pc::GetBuildLogsResponse, get_build_logs.build_id(uuid(BUILD_ID)), |c| c
        .get_build_logs(BUILD_ID)
        .limit(10_000));
    let upload = pc::UploadUrlRequest::new("eu-central");
    roundtrip!(run, pc::UploadUrlResponse, get_build_upload_url.body(upload.clone()), |c| c
        .get_build_upload_url(upload.clone()));

    roundtrip!(run, pc::GetPropertiesResponse, get_properties, |c| c.get_properties());
    let properties = pc::UpdatePropertiesRequest::new().default_region("eu-central");
    roundtrip!(run, pc::UpdatePropertiesResponse, update_properties.body(properties.clone()), |c| c
        .update_properties(properties.clone()));
    roundtrip!(run, pc::GetPropertiesSchemaResponse, get_properties_schema, |c| c.get_properties_schema());
    roundtrip!(run, pc::ListRegionsResponse, list_regions, |c| c.list_regions());

    roundtrip!(run, pc::GetSecretSetResponse, get_secret_set.set_name(SET_NAME), |c| c.get_secret_set(SET_NAME));
    let secrets: pc::UpsertSecretSetRequest =
        pc::RegularSecretsRequest::new(vec![pc::RegularSecretsRequestSecretsItem::new("API_KEY", "your-api-key")])
            .into();
    roundtrip!(run, pc::UpsertSecretSetResponse, upsert_secret_set.set_name(SET_NAME).body(secrets.clone()), |c| c
        .upsert_secret_set(SET_NAME, secrets.clone()));
    roundtrip!(run, pc::DeleteSecretSetResponse, delete_secret_set.set_name(SET_NAME), |c| c
        .delete_secret_set(SET_NAME));
    roundtrip!(run, pc::DeleteSecretFromSetResponse, delete_secret_from_set.secret_key("API_KEY"), |c| c
        .delete_secret_from_set(SET_NAME, "API_KEY"));
    roundtrip!(run, pc::ListSecretSetsResponse, list_secret_sets, |c| c.list_secret_sets());

    roundtrip!(run, pc::StartResponse, start_service.agent_name(AGENT).body(contract_pipecat::start_request()), |c| c
        .start_service(AGENT, contract_pipecat::start_request()));
    // The session proxy's `{path}` is one segment here: Prism matches it against one only.
    roundtrip!(run, pc::ProxiedResponse, session_proxy_get.path("status"), |c| c
        .session_proxy_get(AGENT, SESSION_ID, "status"));
    let proxied = contract_pipecat::proxy_body();
    roundtrip!(run, pc::ProxiedResponse, session_proxy_put.service_name(AGENT).body(proxied.clone()), |c| c
        .session_proxy_put(AGENT, SESSION_ID, "status")
        .body(proxied.clone()));
    roundtrip!(run, pc::ProxiedResponse, session_proxy_post.session_id(SESSION_ID), |c| c
        .session_proxy_post(AGENT, SESSION_ID, "status")
        .body(proxied.clone()));
    roundtrip!(run, pc::ProxiedResponse, session_proxy_patch, |c| c
        .session_proxy_patch(AGENT, SESSION_ID, "status")
        .body(proxied.clone()));
    roundtrip!(run, pc::ProxiedResponse, session_proxy_delete.path("status"), |c| c
        .session_proxy_delete(AGENT, SESSION_ID, "status"));
    roundtrip!(run, (), session_proxy_options, |c| c.session_proxy_options(AGENT, SESSION_ID, "status"));
    roundtrip!(run, (), session_proxy_head, |c| c.session_proxy_head(AGENT, SESSION_ID, "status"));

    run.mock.verify();
    assert_every_operation("pipecat-cloud", run.mock.received());
    assert_log_clean("pipecat-cloud", &prism_log_settled(&run.prism).await);
}

/// The check above can fail: an answer that breaks the spec (an agent without its required
/// members) is reported by the proxy, in the `sl-violations` header or as an error, and in its
/// log, and the SDK refuses a body that does not decode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_proxy_reports_a_mock_answer_that_breaks_the_spec() {
    let contract = contract_ayra::mock();
    let mock = ay::mock::MockServer::start_at_root().await;
    let prism = proxy(contract.prism.spec_path(), &mock.base_url());
    let client = ay::Client::builder().base_url(prism.base_url()).bearer_auth(TOKEN).max_retries(0).build().unwrap();
    let bad = ay::mock::Reply::new(200).body(r#"{"data": {"name": 7}}"#, "application/json");
    mock.get_agent().reply(bad).mount();
    let outcome = client.get_agent("agent_1").send_with_response().await;
    let log = prism_log_settled(&prism).await;
    let flagged = match &outcome {
        Ok(response) => response.headers.contains_key(VIOLATIONS_HEADER),
        Err(_) => true,
    };
    assert!(flagged, "the proxy lets a broken answer through: {outcome:?}");
    assert!(log.to_ascii_lowercase().contains("violation"), "Prism's log names the violation:\n{log}");
    assert!(std::panic::catch_unwind(|| assert_log_clean("a broken answer", &log)).is_err(), "the log check fails");
}
