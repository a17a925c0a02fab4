//! The SDK's integration tests, in one test binary (one build, one link): the generated clients
//! against wiremock servers, contract tests against Prism mocks of each spec, and the spec and
//! vendor examples decoding into the generated types.
//!
//! Prism is installed on first use (`npm ci --prefix tests`, under a file lock); Node.js is the
//! only prerequisite beyond Rust.

mod contract_common;

mod architecture;
mod ayra;
mod contract_ayra;
mod contract_pipecat;
mod contract_talkifai;
mod docs_scan;
mod examples_mock;
mod extra_fields;
mod fidelity;
mod generated_bodies;
mod generated_identity;
mod generated_mock;
mod mock_proxy;
mod pipecat_deploy;
mod pipecat_examples;
mod pipecat_operations;
mod pipecat_secrets;
mod pipecat_wait;
mod prism_smoke;
mod readme;
mod runtime_contract;
mod talkifai;
mod talkifai_ayra_examples;
mod talkifai_chat;
mod webhooks;
