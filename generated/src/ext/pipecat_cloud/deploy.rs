//! Deploying an agent from a source directory with a cloud build, as the vendor CLI's
//! `pcc deploy` does: [`Client::deploy_from_source`].
//!
//! The steps, what the archive holds, symbolic links, the cache and retries are documented in
//! the parent module's docs (`ext::pipecat_cloud`, "Deploying from a source directory"), where
//! rustdoc shows them.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::{
    BuildContext, DeploymentState, PackageError, PackageOptions, SkippedPath, WaitError, WaitOptions, is_transient,
    package_build_context,
};
use crate::http::Method;
use crate::pipecat_cloud::{
    Build, BuildStatus, Client, CreateBuildRequest, CreateServiceRequest, ServiceDetailsResponse, UpdateServiceRequest,
    UploadUrlRequest,
};
use crate::runtime::{Error, ErrorKind, Multipart, Upload};

/// The region builds and new agents go to when neither [`DeployOptions::region`], the existing
/// agent nor the create template names one (the server's default for a new agent).
pub const DEFAULT_REGION: &str = "us-west";

/// How many builds the cache lookup asks for: the server filters by hash, region and status but
/// not by Dockerfile path, which this SDK then matches (a build of the same context with
/// another Dockerfile is another image).
const CACHE_LOOKUP_LIMIT: i64 = 10;

/// Build log lines kept in [`DeployError::BuildFailed`] (the last ones: where a build's error
/// is).
pub const MAX_BUILD_LOG_LINES: usize = 200;

/// Build log lines [`DeployError::BuildFailed`]'s message shows (all the kept ones are in its
/// `logs`).
const DISPLAYED_LOG_LINES: usize = 20;

/// Transient failures in a row tolerated while polling a build.
const MAX_TRANSIENT_POLL_FAILURES: u32 = 5;

/// The most of an S3 error body kept in [`DeployError::UploadRejected`] (S3's XML errors are a
/// few hundred bytes; a proxy's HTML page could be anything).
const MAX_ERROR_BODY: usize = 8 * 1024;

type ProgressFn = dyn Fn(&DeployEvent) + Send + Sync;

/// How [`Client::deploy_from_source`] packages, builds and rolls out. The defaults are the
/// vendor CLI's.
#[derive(Clone)]
#[non_exhaustive]
pub struct DeployOptions {
    /// The region of the build and of the agent. Default `None`: the existing agent's region,
    /// else the create template's, else [`DEFAULT_REGION`]. Naming a region other than the
    /// existing agent's is an error ([`DeployError::RegionMismatch`]): a build deploys only in
    /// its own region, and an update cannot move an agent.
    pub region: Option<String>,
    /// How the directory is packaged: the Dockerfile's path (default `Dockerfile`), extra
    /// exclusions, the size limit (default 500 MiB), where the archive is written.
    pub package: PackageOptions,
    /// The agent to create when it does not exist yet (secrets, scaling, profile, ...); its
    /// `service_name`, `build_id`, `image` and `region` are set by the deploy. Default: only
    /// the name, the build and the region.
    pub create: Option<CreateServiceRequest>,
    /// The update to send when the agent exists; its `build_id` and `image` are set by the
    /// deploy. Default: only the build.
    pub update: Option<UpdateServiceRequest>,
    /// Time between polls of the build. Default 5 s.
    pub build_poll_interval: Duration,
    /// How long the build may take before giving up ([`DeployError::BuildTimedOut`]). Default
    /// 600 s.
    pub build_timeout: Duration,
    /// How the rollout is awaited, as [`Client::wait_until_ready`] does.
    pub rollout: WaitOptions,
    on_progress: Option<Arc<ProgressFn>>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            region: None,
            package: PackageOptions::default(),
            create: None,
            update: None,
            build_poll_interval: Duration::from_secs(5),
            build_timeout: Duration::from_secs(600),
            rollout: WaitOptions::default(),
            on_progress: None,
        }
    }
}

impl fmt::Debug for DeployOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeployOptions")
            .field("region", &self.region)
            .field("package", &self.package)
            .field("create", &self.create)
            .field("update", &self.update)
            .field("build_poll_interval", &self.build_poll_interval)
            .field("build_timeout", &self.build_timeout)
            .field("rollout", &self.rollout)
            .field("on_progress", &self.on_progress.as_ref().map(|_| "Fn(&DeployEvent)"))
            .finish()
    }
}

impl DeployOptions {
    /// Sets the region of the build and of the agent.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets the Dockerfile's path, relative to the source directory.
    pub fn dockerfile(mut self, path: impl Into<PathBuf>) -> Self {
        self.package.dockerfile = path.into();
        self
    }

    /// Adds a pattern to leave out of the archive (when the directory has no `.dockerignore`).
    pub fn extra_exclude(mut self, pattern: impl Into<String>) -> Self {
        self.package.extra_excludes.push(pattern.into());
        self
    }

    /// Replaces the packaging options.
    pub fn package(mut self, options: PackageOptions) -> Self {
        self.package = options;
        self
    }

    /// Sets the agent to create when it does not exist (see [`DeployOptions::create`]).
    pub fn create(mut self, template: CreateServiceRequest) -> Self {
        self.create = Some(template);
        self
    }

    /// Sets the update to send when the agent exists (see [`DeployOptions::update`]).
    pub fn update(mut self, template: UpdateServiceRequest) -> Self {
        self.update = Some(template);
        self
    }

    /// Sets the time between polls of the build.
    pub fn build_poll_interval(mut self, every: Duration) -> Self {
        self.build_poll_interval = every;
        self
    }

    /// Sets how long the build may take.
    pub fn build_timeout(mut self, timeout: Duration) -> Self {
        self.build_timeout = timeout;
        self
    }

    /// Sets how the rollout is awaited.
    pub fn rollout(mut self, options: WaitOptions) -> Self {
        self.rollout = options;
        self
    }

    /// Calls `f` with each [`DeployEvent`] as the deploy goes, from the task running it (the
    /// upload's events from the task sending the request); keep it cheap. Enough to draw a
    /// progress bar: [`DeployEvent::Uploading`] carries the bytes sent and the total.
    pub fn on_progress(mut self, f: impl Fn(&DeployEvent) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }
}

/// A step of [`Client::deploy_from_source`], as reported in [`DeployEvent`]s, in order.
///
/// An event is reported when its step begins or ends; [`DeployEvent::BuildStatus`] and
/// [`DeployEvent::Rollout`] when a poll reads a status other than the last one reported.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DeployEvent {
    /// Packaging the directory has started.
    Packaging,
    /// The archive is written.
    #[non_exhaustive]
    Packaged {
        /// The context hash (16 hex characters).
        context_hash: String,
        /// The archive's size, in bytes.
        compressed_size: u64,
        /// The archived files' total size, in bytes.
        uncompressed_size: u64,
        /// How many regular files it holds.
        files: usize,
        /// How many symbolic links it holds (links inside the directory, stored as links).
        symlinks: usize,
        /// Paths left out although no pattern excludes them: links that would lead outside or
        /// dangle, special files (see [`SkippedPath`]).
        skipped: Vec<SkippedPath>,
    },
    /// The build cache has a successful build of this context: no upload, no new build.
    #[non_exhaustive]
    CacheHit {
        /// The cached build.
        build_id: Uuid,
    },
    /// The archive is being uploaded: `sent` bytes of it out of `total` (the first event has
    /// `sent` 0; a retried upload starts from 0 again).
    #[non_exhaustive]
    Uploading {
        /// Bytes of the archive sent so far.
        sent: u64,
        /// The archive's size.
        total: u64,
    },
    /// The storage service accepted the archive.
    #[non_exhaustive]
    Uploaded {
        /// The upload's id, which the build is created from.
        upload_id: Uuid,
    },
    /// The build is created; `cached` when the server answered with an existing successful
    /// build (then no status follows).
    #[non_exhaustive]
    BuildCreated {
        /// The build's id.
        build_id: Uuid,
        /// The server reused a build of the same context.
        cached: bool,
    },
    /// A poll of the build read a new status.
    #[non_exhaustive]
    BuildStatus {
        /// The status.
        status: BuildStatus,
    },
    /// Creating (`created`) or updating the agent with the build.
    #[non_exhaustive]
    Deploying {
        /// The agent did not exist and is being created.
        created: bool,
    },
    /// A poll of the agent read a new rollout state.
    #[non_exhaustive]
    Rollout {
        /// The state.
        state: DeploymentState,
    },
    /// The agent is rolled out and takes sessions.
    Ready,
}

impl fmt::Display for DeployEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Packaging => f.write_str("packaging the build context"),
            Self::Packaged { context_hash, compressed_size, files, symlinks, skipped, .. } => {
                write!(f, "packaged {files} files")?;
                if *symlinks > 0 {
                    write!(f, " and {symlinks} symbolic links")?;
                }
                write!(f, " into {compressed_size} bytes (context hash {context_hash})")?;
                for s in skipped {
                    write!(f, "; left out `{}`: {}", s.path.display(), s.reason)?;
                }
                Ok(())
            }
            Self::CacheHit { build_id } => write!(f, "build cache hit: build {build_id}, nothing to upload"),
            Self::Uploading { sent, total } => write!(f, "uploading: {sent} of {total} bytes"),
            Self::Uploaded { upload_id } => write!(f, "uploaded (upload {upload_id})"),
            Self::BuildCreated { build_id, cached: true } => write!(f, "the server reused build {build_id}"),
            Self::BuildCreated { build_id, cached: false } => write!(f, "build {build_id} created"),
            Self::BuildStatus { status } => write!(f, "build status: {status}"),
            Self::Deploying { created: true } => f.write_str("creating the agent"),
            Self::Deploying { created: false } => f.write_str("updating the agent"),
            Self::Rollout { state } => match state {
                DeploymentState::WaitingForOperator => f.write_str("rollout: waiting for the operator"),
                DeploymentState::Progressing => f.write_str("rollout: progressing"),
                DeploymentState::Ready => f.write_str("rollout: ready"),
                DeploymentState::Failed(reason) => write!(f, "rollout: failed: {reason}"),
            },
            Self::Ready => f.write_str("the agent is ready"),
        }
    }
}

/// Where the deployed build came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildSource {
    /// The build-cache lookup found it: nothing was uploaded or built.
    CacheLookup,
    /// The archive was uploaded and the server's create-build answered with an existing build.
    ServerCache,
    /// A new build made from the uploaded archive.
    NewBuild,
}

/// What [`Client::deploy_from_source`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Deployed {
    /// The ready agent's details (the last poll of the rollout).
    pub agent: ServiceDetailsResponse,
    /// The deployed build's id.
    pub build_id: Uuid,
    /// The deployed build as the server last described it (its `image_uri`, sizes, times).
    pub build: Build,
    /// Where the build came from.
    pub source: BuildSource,
    /// The agent was created (otherwise updated).
    pub created: bool,
    /// The region of the build and the agent.
    pub region: String,
    /// The context hash of the packaged directory.
    pub context_hash: String,
}

/// A step of [`Client::deploy_from_source`] that calls the API or the storage service, as
/// named in [`DeployError`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeployStep {
    /// `GET /agents/{name}`: does the agent exist, and in which region.
    LookUpAgent,
    /// `GET /builds`: the build-cache lookup.
    CacheLookup,
    /// `POST /builds/upload-url`.
    UploadUrl,
    /// The presigned POST of the archive to the storage service.
    Upload,
    /// `POST /builds`.
    CreateBuild,
    /// `GET /builds/{id}`, polled.
    WaitForBuild,
    /// `POST /agents`.
    CreateAgent,
    /// `POST /agents/{name}`.
    UpdateAgent,
}

impl fmt::Display for DeployStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LookUpAgent => "looking up the agent",
            Self::CacheLookup => "looking up the build cache",
            Self::UploadUrl => "asking for an upload URL",
            Self::Upload => "uploading the build context",
            Self::CreateBuild => "creating the build",
            Self::WaitForBuild => "waiting for the build",
            Self::CreateAgent => "creating the agent",
            Self::UpdateAgent => "updating the agent",
        })
    }
}

/// Why [`Client::deploy_from_source`] failed, naming the step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// Packaging the directory failed (no Dockerfile, too large, unreadable, ...); nothing was
    /// sent.
    #[error("packaging the build context: {0}")]
    Package(#[source] PackageError),
    /// The packaging task was cancelled before it finished (the runtime is shutting down).
    #[error("packaging the build context: the blocking task was cancelled")]
    PackagingCancelled,
    /// The Dockerfile's path is not UTF-8, so the create-build call cannot name it.
    #[error("the Dockerfile path `{}` is not UTF-8", .path.display())]
    DockerfilePathNotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// [`DeployOptions::region`] is not the existing agent's region; nothing was uploaded.
    #[error("agent `{agent}` is in region `{agent_region}`, not `{region}`: a build deploys only in its own region")]
    RegionMismatch {
        /// The agent.
        agent: String,
        /// Its region.
        agent_region: String,
        /// The region asked for.
        region: String,
    },
    /// A call failed: the API's error (status, code, message) or the transport's.
    #[error("{step}: {source}")]
    Call {
        /// The step.
        step: DeployStep,
        /// The cause.
        #[source]
        source: Error,
    },
    /// A response lacks a field the flow needs.
    #[error("{step}: the response has no `{field}`")]
    MissingField {
        /// The step.
        step: DeployStep,
        /// The field, as a JSON path (`build.id`).
        field: &'static str,
    },
    /// A response the flow cannot use for another reason.
    #[error("{step}: unexpected response: {message}")]
    UnexpectedResponse {
        /// The step.
        step: DeployStep,
        /// What is wrong.
        message: String,
    },
    /// The storage service refused the upload (a status other than 200, 201 or 204).
    #[error("uploading the build context: the storage service answered HTTP {status}: {body}")]
    UploadRejected {
        /// The status.
        status: u16,
        /// Its body as text (S3 answers with an XML `<Error>`), cut at 8 KiB.
        body: String,
    },
    /// The build ended with status `failed` or `timeout`.
    #[error("build {build_id} ended with status `{status}`{}{}", message_suffix(.message), logs_suffix(.logs, .logs_error))]
    BuildFailed {
        /// The build.
        build_id: Uuid,
        /// Its final status.
        status: BuildStatus,
        /// The build's `errorMessage`.
        message: Option<String>,
        /// The last lines of its log (at most [`MAX_BUILD_LOG_LINES`]); the message shows the
        /// last 20.
        logs: Vec<String>,
        /// Why the logs could not be fetched, if they could not.
        logs_error: Option<Box<Error>>,
    },
    /// The build did not end within [`DeployOptions::build_timeout`].
    #[error("build {build_id} did not finish within {waited:?} (last status: {})", status_text(.status))]
    BuildTimedOut {
        /// The build.
        build_id: Uuid,
        /// How long it was awaited.
        waited: Duration,
        /// The last status read.
        status: Option<BuildStatus>,
    },
    /// The agent was created or updated but its rollout failed, or did not finish in time.
    #[error("rolling out the agent: {0}")]
    Rollout(#[source] WaitError),
}

fn message_suffix(message: &Option<String>) -> String {
    message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
}

fn logs_suffix(logs: &[String], logs_error: &Option<Box<Error>>) -> String {
    if let Some(e) = logs_error {
        return format!(" (its logs could not be fetched: {e})");
    }
    let shown = &logs[logs.len().saturating_sub(DISPLAYED_LOG_LINES)..];
    if shown.is_empty() {
        return String::new();
    }
    let mut out = format!("\nlast {} build log lines:", shown.len());
    for line in shown {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

fn status_text(status: &Option<BuildStatus>) -> String {
    status.as_ref().map_or_else(|| "none read".to_owned(), ToString::to_string)
}

/// The progress callback, or nothing.
#[derive(Clone)]
struct Progress(Option<Arc<ProgressFn>>);

impl Progress {
    fn emit(&self, event: DeployEvent) {
        if let Some(f) = &self.0 {
            f(&event);
        }
    }
}

fn call(step: DeployStep) -> impl FnOnce(Error) -> DeployError {
    move |source| DeployError::Call { step, source }
}

impl Client {
    /// Deploys the agent `agent` from the source directory `dir`: packages it, builds it in the
    /// cloud (or reuses a cached build), creates or updates the agent with the build, and waits
    /// until the agent is ready. See [the module docs](super#deploying-from-a-source-directory) for
    /// the steps, what the archive holds, symbolic links, the cache and retries.
    ///
    /// ```no_run
    /// # async fn example(client: &voice_agents::pipecat_cloud::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use voice_agents::ext::pipecat_cloud::{DeployEvent, DeployOptions};
    ///
    /// let options = DeployOptions::default().region("us-west").on_progress(|event| match event {
    ///     DeployEvent::Uploading { sent, total, .. } => eprint!("\ruploading {sent}/{total} bytes"),
    ///     other => eprintln!("{other}"),
    /// });
    /// let deployed = client.deploy_from_source("my-agent", "./my-agent", options).await?;
    /// println!("{} runs build {}", deployed.agent.name.unwrap_or_default(), deployed.build_id);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`DeployError`] naming the step. Packaging and region errors come before anything is
    /// uploaded; a failed build carries its error message and the last lines of its logs; a
    /// refused upload carries the storage service's status and body.
    pub async fn deploy_from_source(
        &self,
        agent: &str,
        dir: impl AsRef<Path>,
        options: DeployOptions,
    ) -> Result<Deployed, DeployError> {
        let progress = Progress(options.on_progress.clone());
        let dockerfile = dockerfile_for_api(&options.package.dockerfile)?;

        progress.emit(DeployEvent::Packaging);
        let context = package(dir.as_ref().to_owned(), options.package.clone()).await?;
        progress.emit(DeployEvent::Packaged {
            context_hash: context.context_hash.clone(),
            compressed_size: context.compressed_size,
            uncompressed_size: context.uncompressed_size,
            files: context.file_count,
            symlinks: context.symlink_count,
            skipped: context.skipped.clone(),
        });

        let existing = match self.get_service(agent).await {
            Ok(details) => Some(details),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(source) => return Err(DeployError::Call { step: DeployStep::LookUpAgent, source }),
        };
        let region = choose_region(agent, &options, existing.as_ref())?;

        let (build_id, build, source) = match self.cached_build(&context.context_hash, &region, &dockerfile).await? {
            Some((build_id, build)) => {
                progress.emit(DeployEvent::CacheHit { build_id });
                (build_id, build, BuildSource::CacheLookup)
            }
            None => {
                let upload_id = self.upload_context(&context, &region, &progress).await?;
                self.build_upload(upload_id, &region, &dockerfile, &options, &progress).await?
            }
        };
        let context_hash = context.context_hash.clone();
        // The archive (a temporary file, unless the options named one) is no longer needed.
        drop(context);

        let created = existing.is_none();
        progress.emit(DeployEvent::Deploying { created });
        if created {
            let mut body = options.create.clone().unwrap_or_else(|| CreateServiceRequest::new(agent));
            body.service_name = agent.to_owned();
            // The API takes an image or a build, not both.
            body.image = None;
            body.build_id = Some(build_id);
            body.region = Some(region.clone());
            self.create_service(body).await.map_err(call(DeployStep::CreateAgent))?;
        } else {
            let mut body = options.update.clone().unwrap_or_default();
            body.image = None;
            body.build_id = Some(build_id);
            self.update_service(agent, body).await.map_err(call(DeployStep::UpdateAgent))?;
        }

        let report = |state: &DeploymentState| progress.emit(DeployEvent::Rollout { state: state.clone() });
        let agent_details = self
            .wait_until_ready_reporting(agent, options.rollout.clone(), &report)
            .await
            .map_err(DeployError::Rollout)?;
        progress.emit(DeployEvent::Ready);
        Ok(Deployed { agent: agent_details, build_id, build, source, created, region, context_hash })
    }

    /// The first successful build of this context, region and Dockerfile that the cache lookup
    /// returns. The server's filters are checked again: a build is only reused when it is
    /// certainly the same image.
    async fn cached_build(
        &self,
        context_hash: &str,
        region: &str,
        dockerfile: &str,
    ) -> Result<Option<(Uuid, Build)>, DeployError> {
        let found = self
            .list_builds()
            .context_hash(context_hash)
            .region(region)
            .status(BuildStatus::Success)
            .limit(CACHE_LOOKUP_LIMIT)
            .await
            .map_err(call(DeployStep::CacheLookup))?;
        let hit = found.builds.unwrap_or_default().into_iter().find(|b| {
            b.status == Some(BuildStatus::Success)
                && b.context_hash.as_deref().is_none_or(|h| h == context_hash)
                && b.region.as_deref().is_none_or(|r| r == region)
                && normalized_dockerfile(b.dockerfile_path.as_deref().unwrap_or("Dockerfile")) == dockerfile
                && b.id.is_some()
        });
        Ok(hit.and_then(|b| Some((b.id?, b))))
    }

    /// Asks for an upload URL and uploads the archive there; returns the upload's id.
    async fn upload_context(
        &self,
        context: &BuildContext,
        region: &str,
        progress: &Progress,
    ) -> Result<Uuid, DeployError> {
        let step = DeployStep::UploadUrl;
        let response =
            self.get_build_upload_url(UploadUrlRequest::new(region)).send_with_response().await.map_err(call(step))?;
        let upload_id = response.data.upload_id.ok_or(DeployError::MissingField { step, field: "uploadId" })?;
        let url = response.data.upload_url.as_deref().ok_or(DeployError::MissingField { step, field: "uploadUrl" })?;
        // The runtime sends an absolute URL without credentials, and anything else to the API
        // server: a relative `uploadUrl` must not turn into a call to the API. (The URL is not
        // shown: its query string is the upload's signature.)
        let starts = |prefix: &str| url.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
        if !(starts("https://") || starts("http://")) {
            let message = "`uploadUrl` is not an absolute http(s) URL".to_owned();
            return Err(DeployError::UnexpectedResponse { step, message });
        }
        // The generated `uploadFields` is a sorted map; S3 checks the fields in the order sent.
        let fields = upload_fields(response.raw_body())
            .map_err(|e| DeployError::UnexpectedResponse { step, message: format!("`uploadFields`: {e}") })?
            .ok_or(DeployError::MissingField { step, field: "uploadFields" })?;

        let total = context.compressed_size;
        let mut upload = Upload::from_path(context.path()).file_name("context.tar.gz").content_type("application/gzip");
        if progress.0.is_some() {
            let report = progress.clone();
            upload = upload.on_progress(move |sent, known| {
                report.emit(DeployEvent::Uploading { sent, total: known.unwrap_or(total) })
            });
        }
        let mut form = Multipart::new();
        let has_content_type = fields.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        for (name, value) in fields {
            form = form.text(name, value);
        }
        if !has_content_type {
            form = form.text("Content-Type", "application/gzip");
        }
        form = form.upload("file", upload);

        progress.emit(DeployEvent::Uploading { sent: 0, total });
        let response = self
            .core()
            .raw(Method::POST, url)
            // No credentials whatever the URL looks like (an absolute URL gets none by default).
            .security(&[])
            // The runtime times an upload by its progress: a large context on a slow link is not
            // cut off by the per-attempt timeout, only a stall longer than the idle timeout is.
            .multipart(form)
            .send_unchecked()
            .await
            .map_err(call(DeployStep::Upload))?;
        match response.status.as_u16() {
            200 | 201 | 204 => {
                progress.emit(DeployEvent::Uploaded { upload_id });
                Ok(upload_id)
            }
            status => Err(DeployError::UploadRejected { status, body: error_body_text(&response.body) }),
        }
    }

    /// Creates the build from the upload and, unless the server reused one, waits for it.
    async fn build_upload(
        &self,
        upload_id: Uuid,
        region: &str,
        dockerfile: &str,
        options: &DeployOptions,
        progress: &Progress,
    ) -> Result<(Uuid, Build, BuildSource), DeployError> {
        let step = DeployStep::CreateBuild;
        let request = CreateBuildRequest::new(upload_id, region).dockerfile_path(dockerfile);
        let created = self.create_build(request).await.map_err(call(step))?;
        let build = created.build.ok_or(DeployError::MissingField { step, field: "build" })?;
        let build_id = build.id.ok_or(DeployError::MissingField { step, field: "build.id" })?;
        let cached = created.cached == Some(true);
        progress.emit(DeployEvent::BuildCreated { build_id, cached });
        if cached {
            return Ok((build_id, build, BuildSource::ServerCache));
        }
        let build = self.wait_for_build(build_id, options, progress).await?;
        Ok((build_id, build, BuildSource::NewBuild))
    }

    /// Polls the build until it succeeds (returned), fails (an error with its logs) or the
    /// timeout passes.
    async fn wait_for_build(
        &self,
        build_id: Uuid,
        options: &DeployOptions,
        progress: &Progress,
    ) -> Result<Build, DeployError> {
        let step = DeployStep::WaitForBuild;
        let started = tokio::time::Instant::now();
        let mut last: Option<BuildStatus> = None;
        let mut transient = 0;
        loop {
            match self.get_build(build_id.to_string()).send_with_response().await {
                Ok(response) => {
                    transient = 0;
                    // The vendor CLI reads `data.get("build", data)`: the build may come bare.
                    let build = match response.data.build {
                        Some(build) => build,
                        None => serde_json::from_slice::<Build>(response.raw_body())
                            .map_err(|_| DeployError::MissingField { step, field: "build" })?,
                    };
                    let status =
                        build.status.clone().ok_or(DeployError::MissingField { step, field: "build.status" })?;
                    if last.as_ref() != Some(&status) {
                        progress.emit(DeployEvent::BuildStatus { status: status.clone() });
                        last = Some(status.clone());
                    }
                    match status {
                        BuildStatus::Success => return Ok(build),
                        BuildStatus::Failed | BuildStatus::Timeout => {
                            return Err(self.build_failed(build_id, status, build.error_message).await);
                        }
                        // `pending`, `building`, or a status this SDK does not know yet.
                        _ => {}
                    }
                }
                Err(e) if is_transient(&e) && transient < MAX_TRANSIENT_POLL_FAILURES => transient += 1,
                Err(source) => return Err(DeployError::Call { step, source }),
            }
            let waited = started.elapsed();
            if waited + options.build_poll_interval > options.build_timeout {
                return Err(DeployError::BuildTimedOut { build_id, waited, status: last });
            }
            tokio::time::sleep(options.build_poll_interval).await;
        }
    }

    /// The error of a failed build, with the last lines of its logs when they can be fetched.
    async fn build_failed(&self, build_id: Uuid, status: BuildStatus, message: Option<String>) -> DeployError {
        let (logs, logs_error) = match self.get_build_logs(build_id.to_string()).await {
            Ok(response) => {
                let mut logs = response.logs;
                logs.drain(..logs.len().saturating_sub(MAX_BUILD_LOG_LINES));
                (logs, None)
            }
            Err(e) => (Vec::new(), Some(Box::new(e))),
        };
        DeployError::BuildFailed { build_id, status, message, logs, logs_error }
    }
}

/// Packages on a blocking thread: it reads every file of the directory.
async fn package(dir: PathBuf, options: PackageOptions) -> Result<BuildContext, DeployError> {
    match tokio::task::spawn_blocking(move || package_build_context(&dir, &options)).await {
        Ok(result) => result.map_err(DeployError::Package),
        // A panic while packaging is a bug in this SDK: let it surface as the panic it is.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(DeployError::PackagingCancelled),
    }
}

/// The build's and the agent's region: see [`DeployOptions::region`].
fn choose_region(
    agent: &str,
    options: &DeployOptions,
    existing: Option<&ServiceDetailsResponse>,
) -> Result<String, DeployError> {
    let agent_region = existing.and_then(|a| a.region.clone());
    match (&options.region, agent_region) {
        (Some(region), Some(agent_region)) if *region != agent_region => {
            Err(DeployError::RegionMismatch { agent: agent.to_owned(), agent_region, region: region.clone() })
        }
        (Some(region), _) => Ok(region.clone()),
        (None, Some(agent_region)) => Ok(agent_region),
        (None, None) => {
            let template = existing.is_none().then(|| options.create.as_ref()?.region.clone()).flatten();
            Ok(template.unwrap_or_else(|| DEFAULT_REGION.to_owned()))
        }
    }
}

/// The Dockerfile's path as the build takes it: `/`-separated, relative to the archive's root,
/// without `.` components (what the archive's entry is named).
fn dockerfile_for_api(path: &Path) -> Result<String, DeployError> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::Normal(name) => {
                parts.push(name.to_str().ok_or_else(|| DeployError::DockerfilePathNotUtf8 { path: path.to_owned() })?)
            }
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(DeployError::Package(PackageError::DockerfileOutsideContext { path: path.to_owned() }));
            }
        }
    }
    if parts.is_empty() {
        return Err(DeployError::Package(PackageError::DockerfileOutsideContext { path: path.to_owned() }));
    }
    Ok(parts.join("/"))
}

/// A Dockerfile path the server reports, normalized as [`dockerfile_for_api`] does.
fn normalized_dockerfile(path: &str) -> String {
    path.split('/').filter(|p| !p.is_empty() && *p != ".").collect::<Vec<_>>().join("/")
}

/// An error body as text, cut at [`MAX_ERROR_BODY`].
fn error_body_text(body: &[u8]) -> String {
    let kept = &body[..body.len().min(MAX_ERROR_BODY)];
    let mut text = String::from_utf8_lossy(kept).trim().to_owned();
    if body.len() > MAX_ERROR_BODY {
        text.push_str(&format!("… ({} bytes)", body.len()));
    }
    text
}

/// `uploadFields` of an upload-URL response, in document order; `None` when absent or null.
fn upload_fields(body: &[u8]) -> Result<Option<Vec<(String, String)>>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Document {
        #[serde(rename = "uploadFields", default)]
        upload_fields: Option<OrderedFields>,
    }
    let document: Document = serde_json::from_slice(body)?;
    Ok(document.upload_fields.map(|f| f.0))
}

/// A JSON object of strings, its members in document order (serde_json's own map sorts them
/// unless its `preserve_order` feature is on, which would change every map of the crate).
struct OrderedFields(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for OrderedFields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = OrderedFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OrderedFields, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = map.next_entry::<String, String>()? {
                    fields.push(field);
                }
                Ok(OrderedFields(fields))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploy_future_is_send_so_it_can_be_spawned() {
        fn spawnable<F: std::future::Future + Send>(_: F) {}
        let client = Client::builder().base_url("http://127.0.0.1:9").build().unwrap();
        // Built, never polled: the check is the compiler's.
        spawnable(client.deploy_from_source("agent", "dir", DeployOptions::default().on_progress(|_| {})));
    }

    #[test]
    fn upload_fields_keep_the_document_order() {
        let body = br#"{"uploadId":"x","uploadFields":{"key":"k","policy":"p","Content-Type":"t","bucket":"b"}}"#;
        let fields = upload_fields(body).unwrap().unwrap();
        let names: Vec<_> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["key", "policy", "Content-Type", "bucket"]);
        assert_eq!(upload_fields(br#"{"uploadFields":null}"#).unwrap(), None);
        assert_eq!(upload_fields(br#"{}"#).unwrap(), None);
        assert!(upload_fields(br#"{"uploadFields":{"n":1}}"#).is_err(), "values are strings");
    }

    #[test]
    fn dockerfile_paths_are_slash_separated_without_dots() {
        assert_eq!(dockerfile_for_api(Path::new("Dockerfile")).unwrap(), "Dockerfile");
        assert_eq!(dockerfile_for_api(Path::new("./docker/./Dockerfile.prod")).unwrap(), "docker/Dockerfile.prod");
        for outside in ["../Dockerfile", "/Dockerfile", "", "."] {
            assert!(matches!(
                dockerfile_for_api(Path::new(outside)),
                Err(DeployError::Package(PackageError::DockerfileOutsideContext { .. }))
            ));
        }
        assert_eq!(normalized_dockerfile("./docker//Dockerfile"), "docker/Dockerfile");
    }

    #[test]
    fn region_comes_from_the_options_then_the_agent_then_the_template() {
        let agent =
            |region: Option<&str>| ServiceDetailsResponse { region: region.map(str::to_owned), ..Default::default() };
        let options = DeployOptions::default();
        assert_eq!(choose_region("a", &options, None).unwrap(), DEFAULT_REGION);
        let templated = options.clone().create(CreateServiceRequest::new("a").region("eu-central"));
        assert_eq!(choose_region("a", &templated, None).unwrap(), "eu-central");
        assert_eq!(choose_region("a", &templated, Some(&agent(Some("us-east")))).unwrap(), "us-east");
        assert_eq!(choose_region("a", &templated, Some(&agent(None))).unwrap(), DEFAULT_REGION);
        let explicit = options.region("us-east");
        assert_eq!(choose_region("a", &explicit, Some(&agent(Some("us-east")))).unwrap(), "us-east");
        assert!(matches!(
            choose_region("a", &explicit, Some(&agent(Some("eu-central")))),
            Err(DeployError::RegionMismatch { .. })
        ));
    }

    #[test]
    fn a_failed_build_shows_its_message_and_last_log_lines() {
        let logs: Vec<String> = (1..=30).map(|i| format!("step {i}")).collect();
        let error = DeployError::BuildFailed {
            build_id: Uuid::nil(),
            status: BuildStatus::Failed,
            message: Some("pip install failed".into()),
            logs,
            logs_error: None,
        };
        let text = error.to_string();
        assert!(text.contains("status `failed`: pip install failed"), "{text}");
        let shown: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("last 20 build log lines")).skip(1).collect();
        assert_eq!(shown.first().map(|l| l.trim()), Some("step 11"), "{text}");
        assert_eq!(shown.last().map(|l| l.trim()), Some("step 30"), "{text}");
    }

    #[test]
    fn error_bodies_are_cut() {
        assert_eq!(error_body_text(b"  <Error/>\n"), "<Error/>");
        let long = vec![b'x'; MAX_ERROR_BODY + 1];
        assert!(error_body_text(&long).ends_with(&format!("({} bytes)", MAX_ERROR_BODY + 1)));
    }
}
