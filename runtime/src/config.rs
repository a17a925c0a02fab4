//! The immutable client configuration and the cheap-to-clone handle generated clients wrap.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName};
use secrecy::SecretString;

use crate::error::Error;
use crate::info::ApiInfo;
use crate::redact::{self, HeadersDebug, REDACTED, Redaction, Scrubber};

/// A built client's settings; read them through [`Core::config`].
pub struct Config {
    pub(crate) api: &'static ApiInfo,
    /// Effective URL per server index, without a trailing `/`.
    pub(crate) servers: Vec<String>,
    pub(crate) credentials: BTreeMap<&'static str, SecretString>,
    pub(crate) http: reqwest::Client,
    pub(crate) custom_http_client: bool,
    pub(crate) max_retries: u32,
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) read_idle_timeout: Option<Duration>,
    pub(crate) max_retry_after: Duration,
    pub(crate) default_headers: HeaderMap,
    pub(crate) retry_count_header: Option<HeaderName>,
    pub(crate) redaction: Redaction,
    pub(crate) scrubber: Scrubber,
}

impl Config {
    /// The API this client talks to.
    pub fn api(&self) -> &'static ApiInfo {
        self.api
    }

    /// The effective base URL of server 0.
    pub fn base_url(&self) -> &str {
        self.servers.first().map_or("", String::as_str)
    }

    /// The effective URL of server `index`, if the API has that server.
    pub fn server_url(&self, index: usize) -> Option<&str> {
        self.servers.get(index).map(String::as_str)
    }

    pub(crate) fn server(&self, index: usize) -> Result<&str, Error> {
        self.server_url(index).ok_or_else(|| Error::Config(format!("the API has no server with index {index}")))
    }

    /// Whether a credential is configured for the named security scheme.
    pub fn has_credential(&self, scheme: &str) -> bool {
        self.credentials.contains_key(scheme)
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Per-attempt timeout (`None`: disabled).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Connect timeout of the built-in HTTP client (a user's client keeps its own).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Overall deadline across all attempts of a call.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Longest pause allowed between two chunks of a response body.
    pub fn read_idle_timeout(&self) -> Option<Duration> {
        self.read_idle_timeout
    }

    /// Longest server-requested wait that is slept before retrying.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Headers sent with every request (including `user-agent`).
    pub fn default_headers(&self) -> &HeaderMap {
        &self.default_headers
    }

    /// The retry-count header name, if enabled.
    pub fn retry_count_header(&self) -> Option<&HeaderName> {
        self.retry_count_header.as_ref()
    }
}

impl Config {
    /// `config` with `secret` for the security scheme named `scheme` (replacing any it had): the
    /// same settings and connection pool, the secret scrubbed like the others.
    pub(crate) fn with_credential(&self, scheme: &str, secret: SecretString) -> Result<Config, Error> {
        let config = self;
        let api = config.api;
        let Some(info) = api.security_schemes.iter().find(|s| s.name == scheme) else {
            let known: Vec<_> = api.security_schemes.iter().map(|s| s.name).collect();
            return Err(Error::Config(format!(
                "unknown security scheme `{scheme}` (this API has: {})",
                known.join(", ")
            )));
        };
        let mut credentials = config.credentials.clone();
        credentials.insert(info.name, secret);
        Ok(Config {
            api,
            servers: config.servers.clone(),
            scrubber: Scrubber::for_client(api, &credentials, &config.default_headers),
            credentials,
            http: config.http.clone(),
            custom_http_client: config.custom_http_client,
            max_retries: config.max_retries,
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            deadline: config.deadline,
            read_idle_timeout: config.read_idle_timeout,
            max_retry_after: config.max_retry_after,
            default_headers: config.default_headers.clone(),
            retry_count_header: config.retry_count_header.clone(),
            redaction: config.redaction.clone(),
        })
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials: BTreeMap<_, _> = self.credentials.keys().map(|k| (*k, REDACTED)).collect();
        let servers: Vec<String> = self.servers.iter().map(|s| redact::url_str(s)).collect();
        f.debug_struct("Config")
            .field("api", &self.api.name)
            .field("servers", &servers)
            .field("credentials", &credentials)
            .field("custom_http_client", &self.custom_http_client)
            .field("max_retries", &self.max_retries)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.deadline)
            .field("read_idle_timeout", &self.read_idle_timeout)
            .field("max_retry_after", &self.max_retry_after)
            .field("default_headers", &HeadersDebug::new(&self.default_headers, &self.redaction.headers))
            .field("retry_count_header", &self.retry_count_header)
            .finish()
    }
}

/// The shared state of a client: configuration, credentials and the HTTP connection pool.
///
/// Cloning is cheap (an `Arc`); generated clients wrap one.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Config>,
}

impl Core {
    pub(crate) fn new(config: Config) -> Self {
        Core { inner: Arc::new(config) }
    }

    /// The client's settings.
    pub fn config(&self) -> &Config {
        &self.inner
    }

    /// A client core with the same settings and connection pool that also holds `secret` for
    /// the security scheme `scheme` (replacing any credential it had for it): for credentials
    /// an API hands out at run time, such as the session token of a chat. The secret is
    /// redacted and scrubbed like every other credential. An unknown scheme is an
    /// [`Error::Config`].
    pub fn with_credential(&self, scheme: &str, secret: impl Into<String>) -> Result<Core, Error> {
        let secret = SecretString::from(secret.into());
        self.config().with_credential(scheme, secret).map(Core::new)
    }
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Core").field(&*self.inner).finish()
    }
}
