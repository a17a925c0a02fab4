//! A Pipecat Cloud build with the private API key alone (the overview says every private
//! endpoint takes it; the overlay makes the builds accept it too): ask for an upload URL, upload
//! the build context there, start the build, and poll until it ends.
//!
//! Run with `PIPECAT_PRIVATE_KEY=pk_... cargo run --example pipecat_build -p voice-agents`.

use std::time::Duration;

use voice_agents::pipecat_cloud::{BuildStatus, Client, CreateBuildRequest, UploadUrlRequest};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder().private_key_auth(std::env::var("PIPECAT_PRIVATE_KEY")?).build()?;

    let upload = client.get_build_upload_url(UploadUrlRequest::new("us-west")).await?;
    let upload_id = upload.upload_id.ok_or("the server sent no upload id")?;
    println!("upload the build context (a .tar.gz) to {}", upload.upload_url.as_deref().unwrap_or("?"));

    let created = client.create_build(CreateBuildRequest::new(upload_id, "us-west")).await?;
    let build_id = created.build.and_then(|b| b.id).ok_or("the server sent no build id")?;
    loop {
        let build = client.get_build(build_id.to_string()).await?.build.ok_or("no build in the response")?;
        match build.status {
            Some(BuildStatus::Success) => {
                println!("built {}", build.image_uri.unwrap_or_default());
                return Ok(());
            }
            Some(BuildStatus::Failed | BuildStatus::Timeout) => {
                return Err(build.error_message.unwrap_or_else(|| "the build failed".into()).into());
            }
            status => println!("build {build_id}: {status:?}"),
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
