//! Hand-written conveniences for Pipecat Cloud (not generated: the generated module is
//! `crate::pipecat_cloud`; an inherent `impl Client` may live anywhere in the crate).
//!
//! [`Client::wait_until_ready`] polls an agent after a create or update until its deployment
//! is rolled out and can take sessions, as the vendor's own CLI does after `deploy`.

mod build_context;

use std::time::Duration;

pub use build_context::{
    BuildContext, DEFAULT_EXCLUDES, DEFAULT_MAX_UNCOMPRESSED, PackageError, PackageOptions, SkipReason, SkippedPath,
    package_build_context,
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
    if available && ready {
        DeploymentState::Ready
    } else {
        DeploymentState::Progressing
    }
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
        let started = tokio::time::Instant::now();
        let mut transient = 0;
        let mut state = DeploymentState::WaitingForOperator;
        loop {
            match self.get_service(agent_name).await {
                Ok(agent) => {
                    transient = 0;
                    state = deployment_state(&agent);
                    match &state {
                        DeploymentState::Ready => return Ok(agent),
                        DeploymentState::Failed(reason) => {
                            return Err(WaitError::Failed {
                                agent: agent_name.to_owned(),
                                reason: reason.clone(),
                                details: Box::new(agent),
                            })
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
