//! Deploys a Pipecat Cloud agent from a source directory with a cloud build, as the vendor
//! CLI's `pcc deploy` does: package the directory, reuse a cached build or upload the archive
//! and build it, create or update the agent with the build, and wait until it is ready. One
//! progress line per event; the upload draws a text progress bar.
//!
//! Run with
//! `PIPECAT_PRIVATE_KEY=pk_... cargo run --example pipecat_build -p voice-agents -- <agent> <dir> [region]`
//! (the region defaults to the existing agent's, else `us-west`).
//!
//! Without `PIPECAT_PRIVATE_KEY` (or with `VOICE_AGENTS_MOCK=1`) it deploys to a local mock of
//! the API instead (`voice_agents::pipecat_cloud::mock`, set up in `start_mock` at the bottom),
//! which also takes the upload at the presigned URL it hands out; the agent defaults to
//! `my-agent` and the directory to a small sample agent the example writes itself.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use voice_agents::ext::pipecat_cloud::{DeployEvent, DeployOptions, WaitOptions};
use voice_agents::http::Method;
use voice_agents::pipecat_cloud::mock::{MockServer, Reply, RouteHandle};
use voice_agents::pipecat_cloud::{
    Build, BuildStatus, Client, CreateBuildResponse, ErrorResponse, GetBuildResponse, ListBuildsResponse,
    ServiceDetailsResponse, UploadUrlRequest, UploadUrlResponse,
};
use voice_agents::uuid::Uuid;

/// Width of the upload progress bar, in characters.
const BAR: u64 = 30;

fn show(event: &DeployEvent) {
    match event {
        DeployEvent::Uploading { sent, total, .. } => {
            let filled = (sent * BAR).checked_div(*total).unwrap_or(BAR).min(BAR);
            let percent = (sent * 100).checked_div(*total).unwrap_or(100);
            let bar = format!("{}{}", "#".repeat(filled as usize), ".".repeat((BAR - filled) as usize));
            // Redrawn in place: one line for the whole upload.
            print!("\ruploading [{bar}] {percent:3}% ({sent}/{total} bytes)");
            let _ = std::io::stdout().flush();
        }
        DeployEvent::Uploaded { .. } => println!("\n{event}"),
        other => println!("{other}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (agent, dir, region) = (args.next(), args.next(), args.next());
    let mock_requested = std::env::var("VOICE_AGENTS_MOCK").as_deref() == Ok("1");
    let key = std::env::var("PIPECAT_PRIVATE_KEY").ok().filter(|_| !mock_requested);
    let sample = key.is_none() && dir.is_none();

    // With a key: the real API. Without: a local mock, a sample agent and short polls.
    let (client, agent, dir, mock) = match key {
        Some(key) => {
            let (Some(agent), Some(dir)) = (agent, dir) else {
                eprintln!("usage: pipecat_build <agent> <dir> [region]   (with PIPECAT_PRIVATE_KEY set)");
                return ExitCode::from(2);
            };
            match Client::builder().private_key_auth(key).build() {
                Ok(client) => (client, agent, PathBuf::from(dir), None),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => {
            println!("PIPECAT_PRIVATE_KEY is not set: deploying to a local mock of the Pipecat Cloud API");
            let agent = agent.unwrap_or_else(|| "my-agent".to_owned());
            let dir = match dir {
                Some(dir) => PathBuf::from(dir),
                None => match write_sample_agent() {
                    Ok(dir) => dir,
                    Err(e) => {
                        eprintln!("cannot write the sample agent: {e}");
                        return ExitCode::FAILURE;
                    }
                },
            };
            let (server, upload) = start_mock(&agent).await;
            (server.client(), agent, dir, Some((server, upload)))
        }
    };

    let mut options = DeployOptions::default().on_progress(show);
    if let Some(region) = region {
        options = options.region(region);
    }
    if mock.is_some() {
        let every = Duration::from_millis(100);
        options = options.build_poll_interval(every).rollout(WaitOptions::default().poll_interval(every));
    }
    let code = match client.deploy_from_source(&agent, &dir, options).await {
        Ok(deployed) => {
            let image = deployed.build.image_uri.as_deref().unwrap_or("(no image URI)");
            println!("`{agent}` runs build {} ({image}) in {}", deployed.build_id, deployed.region);
            ExitCode::SUCCESS
        }
        // Each error's message names the step and includes its cause (a failed build's ends
        // with the last 20 lines of its log; the error holds up to 200).
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    };
    if let Some((server, upload)) = &mock {
        let bytes: usize = upload.requests().iter().map(|r| r.body.len()).sum();
        println!("mock: {} requests, {bytes} bytes uploaded to the presigned URL", server.received().len());
        if sample {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    code
}

/// Writes a minimal agent (a Dockerfile and a bot) to a new temporary directory.
fn write_sample_agent() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pipecat_build_example_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("Dockerfile"), "FROM dailyco/pipecat-base:latest\nCOPY ./bot.py bot.py\n")?;
    std::fs::write(dir.join("bot.py"), "async def bot(runner_args):\n    print(\"hello from the sample bot\")\n")?;
    Ok(dir)
}

/// A mock of the Pipecat Cloud API that answers a first deploy of `agent` as the real API does:
/// the agent does not exist yet, the build cache is empty, the upload URL points at a presigned
/// upload route on the mock, the build goes from `building` to `success`, and the new agent
/// rolls out before it is ready.
async fn start_mock(agent: &str) -> (MockServer, RouteHandle) {
    let server = MockServer::start().await;
    let upload_id = Uuid::from_u128(0x5e1f_0000_0000_4000_8000_0000_0000_0001);
    let build_id = Uuid::from_u128(0xb01d_0000_0000_4000_8000_0000_0000_0001);

    // Not an operation of the API: the storage service's presigned POST (S3 answers 204).
    let upload = server.route(Method::POST, &format!("/presigned/{upload_id}"), Reply::new(204));

    let deployment = "deployment-1";
    let details = ServiceDetailsResponse::new().name(agent).region("us-west").desired_deployment_id(deployment);
    server
        .get_service()
        .agent_name(agent)
        .respond_error(404, ErrorResponse::new(format!("Service {agent} not found"), "NOT_FOUND"))
        .respond(details.clone())
        .respond(details.clone().reconciled_deployment_id(deployment).ready(false))
        .respond(details.clone().reconciled_deployment_id(deployment).ready(true).available(true))
        .mount();
    server
        .list_builds()
        .status(BuildStatus::Success)
        .respond(ListBuildsResponse::new().builds(Vec::new()).total(0))
        .mount();
    server
        .get_build_upload_url()
        .body(UploadUrlRequest::new("us-west"))
        .respond(
            UploadUrlResponse::new().upload_id(upload_id).upload_url(upload.url()).upload_fields([
                ("key", format!("uploads/{upload_id}/context.tar.gz")),
                ("policy", "bW9jaw==".to_owned()),
            ]),
        )
        .times(1)
        .mount();
    let build = Build::new().id(build_id).region("us-west").dockerfile_path("Dockerfile");
    server
        .create_build()
        .respond_created(CreateBuildResponse::new().build(build.clone().status(BuildStatus::Pending)).cached(false))
        .times(1)
        .mount();
    let image = format!("registry.example/{agent}:{build_id}");
    server
        .get_build()
        .build_id(build_id.to_string())
        .respond(GetBuildResponse::new().build(build.clone().status(BuildStatus::Building)))
        .respond(GetBuildResponse::new().build(build.status(BuildStatus::Success).image_uri(image)))
        .mount();
    server.create_service().respond(details).times(1).mount();
    (server, upload)
}
