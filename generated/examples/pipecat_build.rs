//! Deploys a Pipecat Cloud agent from a source directory with a cloud build, as the vendor
//! CLI's `pcc deploy` does: package the directory, reuse a cached build or upload the archive
//! and build it, create or update the agent with the build, and wait until it is ready. One
//! progress line per event; the upload draws a text progress bar.
//!
//! Run with
//! `PIPECAT_PRIVATE_KEY=pk_... cargo run --example pipecat_build -p voice-agents -- <agent> <dir> [region]`
//! (the region defaults to the existing agent's, else `us-west`).

use std::io::Write;
use std::process::ExitCode;

use voice_agents::ext::pipecat_cloud::{DeployEvent, DeployOptions};
use voice_agents::pipecat_cloud::Client;

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
    let (Some(agent), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: pipecat_build <agent> <dir> [region]   (with PIPECAT_PRIVATE_KEY set)");
        return ExitCode::from(2);
    };
    let Ok(key) = std::env::var("PIPECAT_PRIVATE_KEY") else {
        eprintln!("PIPECAT_PRIVATE_KEY is not set");
        return ExitCode::from(2);
    };
    let client = match Client::builder().private_key_auth(key).build() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };

    let mut options = DeployOptions::default().on_progress(show);
    if let Some(region) = args.next() {
        options = options.region(region);
    }
    match client.deploy_from_source(&agent, &dir, options).await {
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
    }
}
