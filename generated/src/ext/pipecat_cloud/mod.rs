//! Hand-written conveniences for Pipecat Cloud (not generated: the generated module is
//! `crate::pipecat_cloud`; an inherent `impl Client` may live anywhere in the crate).
//!
//! [`Client::wait_until_ready`] polls an agent after a create or update until its deployment
//! is rolled out and can take sessions, as the vendor's own CLI does after `deploy`.
//!
//! [`Client::deploy_from_source`] is the whole of the vendor CLI's `pcc deploy` from a source
//! directory: package it ([`package_build_context`]), reuse a cached build or upload the
//! archive and build it in the cloud, create or update the agent with the build, and wait until
//! it is ready, reporting [`DeployEvent`]s as it goes (see below).
//!
//! # Deploying from a source directory
//!
//! [`Client::deploy_from_source`] runs these steps:
//!
//! 1. **Package** the directory with [`package_build_context`] (on a blocking thread): a
//!    deterministic `.tar.gz`, its context hash, the exclusions and the 500 MiB limit
//!    ([`DeployEvent::Packaging`], then [`DeployEvent::Packaged`]).
//! 2. **Look up the agent** (`GET /agents/{name}`): a 404 means it is created, an agent found
//!    is updated. The build goes to the agent's region (see [`DeployOptions::region`]).
//! 3. **Look up the build cache** (`GET /builds?contextHash=..&region=..&status=success`): a
//!    successful build of the same context, region and Dockerfile path is used as it is, with no
//!    upload and no new build ([`DeployEvent::CacheHit`]).
//! 4. Otherwise **ask for an upload URL** (`POST /builds/upload-url`) and **upload** the archive
//!    there: an S3 presigned POST, `multipart/form-data`, with every upload field in the order
//!    the server sent them, a `Content-Type: application/gzip` field when the fields have none,
//!    and last the file part `file` (`context.tar.gz`, `application/gzip`). That request carries
//!    no API credential ([`DeployEvent::Uploading`] as bytes go out, then
//!    [`DeployEvent::Uploaded`]).
//! 5. **Create the build** (`POST /builds` with the upload id, the Dockerfile path and the
//!    region): an answer `cached: true` is a finished build; otherwise **poll it**
//!    (`GET /builds/{id}`) until it succeeds, fails or times out, and on failure fetch its logs
//!    (`GET /builds/{id}/logs`) into the error ([`DeployEvent::BuildCreated`],
//!    [`DeployEvent::BuildStatus`]).
//! 6. **Create or update the agent** with the build's id ([`DeployEvent::Deploying`]) and
//!    **wait until it is ready** as [`Client::wait_until_ready`] does
//!    ([`DeployEvent::Rollout`], then [`DeployEvent::Ready`]).
//!
//! ## What the archive holds
//!
//! As [`package_build_context`] documents: the directory's `.dockerignore` patterns if it has
//! one, otherwise [`DEFAULT_EXCLUDES`] (`.git`, `.env`, `.env.*`, `*.pem`, `*.key`, virtual
//! environments, caches, `node_modules`, `*.log`, ...) plus [`DeployOptions::extra_exclude`];
//! regular files and symbolic links in sorted order with fixed metadata.
//!
//! **Symbolic links are never followed for their content**, so nothing outside the directory
//! (a key in the user's home, say) reaches the archive. A link whose relative target stays
//! inside the directory, exists, and is not excluded is stored as a link; any other link
//! (absolute, climbing out with `..` or through another link, dangling, or pointing at an
//! excluded path) is left out and listed in [`DeployEvent::Packaged`]'s `skipped`. A link to a
//! directory is never entered.
//!
//! ## The context hash and the cache
//!
//! The hash is the MD5 of this SDK's `.tar.gz` bytes (first 16 hex characters), as the server
//! computes it. The vendor's Python CLI compresses with another library, so the same directory
//! gives other bytes there: a build made by the CLI is not a cache hit for this SDK, nor the
//! reverse (each costs one build, after which each hits its own).
//!
//! ## Retries
//!
//! Every call goes through the client's attempt loop, the upload too: the archive is read from
//! its file again on each attempt, so a failed upload attempt is retried like any other `POST`
//! (connection failures, 408, 429, 502, 503, 504; see the client's retry settings), and
//! [`DeployEvent::Uploading`] starts again from 0 on a retry. The polls of the build and of the
//! rollout also tolerate transient failures (connection errors, timeouts, 5xx): five in a row
//! for the build, [`WaitOptions::max_transient_failures`] for the rollout.

mod build_context;
mod deploy;

use std::time::Duration;

pub use build_context::{
    BuildContext, DEFAULT_EXCLUDES, DEFAULT_MAX_UNCOMPRESSED, PackageError, PackageOptions, SkipReason, SkippedPath,
    package_build_context,
};

pub use deploy::{
    BuildSource, DEFAULT_REGION, DeployError, DeployEvent, DeployOptions, DeployStep, Deployed, MAX_BUILD_LOG_LINES,
};

use crate::pipecat_cloud::{Client, ServiceDetailsResponse};
use crate::runtime::{Error, ErrorKind};

/// How [`Client::wait_until_ready`] polls.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Time between polls. Default 5 s (the vendor CLI's interval).
    pub poll_interval: Duration,
    /// Give up after this long. Default 600 s.
    pub timeout: Duration,
    /// Consecutive transient failures (connection errors, timeouts, 5xx) tolerated. Default 5.
    pub max_transient_failures: u32,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self { poll_interval: Duration::from_secs(5), timeout: Duration::from_secs(600), max_transient_failures: 5 }
    }
}

impl WaitOptions {
    /// Sets the time between polls.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    /// Sets how long to wait in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Where a deployment stands, read from an agent's details.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeploymentState {
    /// The operator has not reconciled the requested deployment yet.
    WaitingForOperator,
    /// The new deployment is rolling out.
    Progressing,
    /// Rolled out and taking sessions.
    Ready,
    /// The current revision failed; the reason is the health report's, when it has one.
    Failed(String),
}

/// Reads the deployment state from an agent's details (`desiredDeploymentId` against
/// `reconciledDeploymentId`, then `available` and `ready`, then the current revision's phase).
#[allow(deprecated)] // `activeDeploymentId`/`activeDeploymentReady` are the fallbacks for older servers.
pub fn deployment_state(agent: &ServiceDetailsResponse) -> DeploymentState {
    use crate::pipecat_cloud::RevisionInfoPhase;
    let failed = agent.current_revision.as_ref().filter(|r| r.phase == Some(RevisionInfoPhase::Failed));
    if let Some(revision) = failed {
        let health = revision.health.as_ref();
        let reason = health
            .and_then(|h| h.message.clone().or_else(|| h.reason.clone()).or_else(|| h.last_termination_reason.clone()))
            .unwrap_or_else(|| "the revision is in phase Failed".to_owned());
        return DeploymentState::Failed(reason);
    }
    let desired = agent.desired_deployment_id.as_ref().or(agent.active_deployment_id.as_ref());
    if desired.is_some() && agent.reconciled_deployment_id.as_ref() != desired {
        return DeploymentState::WaitingForOperator;
    }
    let ready = agent.ready.or(agent.active_deployment_ready).unwrap_or(false);
    let available = agent.available.unwrap_or(ready);
    if available && ready { DeploymentState::Ready } else { DeploymentState::Progressing }
}

/// Why [`Client::wait_until_ready`] stopped without a ready deployment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The deployment failed.
    #[error("agent `{agent}`: deployment failed: {reason}")]
    Failed {
        /// The agent's name.
        agent: String,
        /// The health report's reason.
        reason: String,
        /// The agent's last details.
        details: Box<ServiceDetailsResponse>,
    },
    /// Not ready before the timeout.
    #[error("agent `{agent}` not ready after {waited:?} (last state: {state:?})")]
    TimedOut {
        /// The agent's name.
        agent: String,
        /// How long it waited.
        waited: Duration,
        /// The last state seen.
        state: DeploymentState,
    },
    /// A call failed for good (a 4xx, or too many transient failures in a row).
    #[error(transparent)]
    Call(#[from] Error),
}

fn is_transient(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout | ErrorKind::Server)
}

impl Client {
    /// Polls `GET /agents/{agent_name}` until the agent's deployment is ready (see
    /// [`deployment_state`]), failed, or `options.timeout` passes. Returns the ready agent.
    ///
    /// Transient failures (connection errors, timeouts, 5xx) are tolerated up to
    /// `options.max_transient_failures` in a row; any other error ends the wait at once.
    pub async fn wait_until_ready(
        &self,
        agent_name: &str,
        options: WaitOptions,
    ) -> Result<ServiceDetailsResponse, WaitError> {
        self.wait_until_ready_reporting(agent_name, options, &|_| {}).await
    }

    /// [`Client::wait_until_ready`], calling `on_state` with the state read by a poll whenever
    /// it differs from the last one reported (the first poll always reports), so that
    /// [`Client::deploy_from_source`] can show the rollout as it goes.
    pub(crate) async fn wait_until_ready_reporting(
        &self,
        agent_name: &str,
        options: WaitOptions,
        on_state: &(dyn Fn(&DeploymentState) + Send + Sync),
    ) -> Result<ServiceDetailsResponse, WaitError> {
        let started = tokio::time::Instant::now();
        let mut transient = 0;
        let mut state = DeploymentState::WaitingForOperator;
        let mut reported: Option<DeploymentState> = None;
        loop {
            match self.get_service(agent_name).await {
                Ok(agent) => {
                    transient = 0;
                    state = deployment_state(&agent);
                    if reported.as_ref() != Some(&state) {
                        on_state(&state);
                        reported = Some(state.clone());
                    }
                    match &state {
                        DeploymentState::Ready => return Ok(agent),
                        DeploymentState::Failed(reason) => {
                            return Err(WaitError::Failed {
                                agent: agent_name.to_owned(),
                                reason: reason.clone(),
                                details: Box::new(agent),
                            });
                        }
                        _ => {}
                    }
                }
                Err(e) if is_transient(&e) && transient < options.max_transient_failures => transient += 1,
                Err(e) => return Err(WaitError::Call(e)),
            }
            let waited = started.elapsed();
            if waited + options.poll_interval > options.timeout {
                return Err(WaitError::TimedOut { agent: agent_name.to_owned(), waited, state });
            }
            tokio::time::sleep(options.poll_interval).await;
        }
    }
}
