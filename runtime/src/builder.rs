//! Building a client: credentials, servers, timeouts, retries and default headers.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use http::HeaderMap;
use http::header::{ACCEPT, HeaderName, HeaderValue, USER_AGENT};
use secrecy::SecretString;

use crate::config::{Config, Core};
use crate::defaults::{
    DEFAULT_ACCEPT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_AFTER, DEFAULT_READ_IDLE_TIMEOUT,
    DEFAULT_RETRY_COUNT_HEADER, DEFAULT_TIMEOUT,
};
use crate::error::Error;
use crate::info::ApiInfo;
use crate::redact::{self, REDACTED, Redaction, Scrubber};

/// A generated API client: it names its [`ApiInfo`] and wraps a [`Core`].
pub trait ApiClient: Sized {
    /// The API's static description.
    const API: &'static ApiInfo;

    /// Wraps a built core.
    fn from_core(core: Core) -> Self;
}

/// One edit of the default header set, applied in call order at `build()`.
#[derive(Clone)]
enum HeaderOp {
    Set(String, String),
    Remove(String),
}

/// A by-value builder for a generated client `C`; each generated API wraps it in its own
/// `ClientBuilder`, which adds one credential setter per security scheme of the spec.
///
/// ```no_run
/// # use voice_agents_runtime::ClientBuilder;
/// # use voice_agents_runtime::__private::{ApiClient, ApiInfo};
/// # struct Client(voice_agents_runtime::Core);
/// # impl ApiClient for Client {
/// #     const API: &'static ApiInfo = &ApiInfo { name: "x", servers: &[], security_schemes: &[], identity: voice_agents_runtime::__api_identity!() };
/// #     fn from_core(core: voice_agents_runtime::Core) -> Self { Client(core) }
/// # }
/// # fn main() -> Result<(), voice_agents_runtime::Error> {
/// use std::time::Duration;
/// let client: Client = ClientBuilder::new()
///     .base_url("https://api.example.com/v1")
///     .max_retries(3)
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # Ok(()) }
/// ```
pub struct ClientBuilder<C> {
    credentials: BTreeMap<&'static str, SecretString>,
    base_url: Option<String>,
    server_urls: BTreeMap<usize, String>,
    http_client: Option<reqwest::Client>,
    max_retries: u32,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    deadline: Option<Duration>,
    read_idle_timeout: Option<Duration>,
    max_retry_after: Duration,
    header_ops: Vec<HeaderOp>,
    retry_count_header: Option<String>,
    // fn() -> C: the builder neither owns a C nor should inherit its auto traits.
    client: PhantomData<fn() -> C>,
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder {
            credentials: BTreeMap::new(),
            base_url: None,
            server_urls: BTreeMap::new(),
            http_client: None,
            max_retries: DEFAULT_MAX_RETRIES,
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            deadline: None,
            read_idle_timeout: Some(DEFAULT_READ_IDLE_TIMEOUT),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            // The user agent is the generated crate's (`ApiInfo::identity`), set first at `build`.
            header_ops: vec![
                // JSON first, anything else accepted: some operations answer with other media types.
                HeaderOp::Set(ACCEPT.as_str().into(), DEFAULT_ACCEPT.into()),
            ],
            retry_count_header: Some(DEFAULT_RETRY_COUNT_HEADER.into()),
            client: PhantomData,
        }
    }
}

impl<C: ApiClient> ClientBuilder<C> {
    /// A builder with the runtime's defaults (`defaults.rs`) and the API's user agent.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the credential for the security scheme named `scheme` (its name in the spec).
    /// For `Basic` schemes the secret is `user:password`.
    pub fn credential(mut self, scheme: &'static str, secret: impl Into<String>) -> Self {
        self.credentials.insert(scheme, SecretString::from(secret.into()));
        self
    }

    /// Sets `base_url`; documented on the generated builders (`__client_builder!`).
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// Sets `server_url`; documented on the generated builders (`__client_builder!`).
    pub fn server_url(mut self, index: usize, url: impl AsRef<str>) -> Self {
        self.server_urls.insert(index, url.as_ref().to_owned());
        self
    }

    /// Sets `http_client`; documented on the generated builders (`__client_builder!`).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sets `max_retries`; documented on the generated builders (`__client_builder!`).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets `timeout`; documented on the generated builders (`__client_builder!`).
    pub fn timeout(mut self, per_attempt: Duration) -> Self {
        self.timeout = Some(per_attempt);
        self
    }

    /// Sets `no_timeout`; documented on the generated builders (`__client_builder!`).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Sets `connect_timeout`; documented on the generated builders (`__client_builder!`).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets `deadline`; documented on the generated builders (`__client_builder!`).
    pub fn deadline(mut self, overall: Duration) -> Self {
        self.deadline = Some(overall);
        self
    }

    /// Sets `read_idle_timeout`; documented on the generated builders (`__client_builder!`).
    pub fn read_idle_timeout(mut self, d: Duration) -> Self {
        self.read_idle_timeout = Some(d);
        self
    }

    /// Sets `no_read_idle_timeout`; documented on the generated builders (`__client_builder!`).
    pub fn no_read_idle_timeout(mut self) -> Self {
        self.read_idle_timeout = None;
        self
    }

    /// Sets `max_retry_after`; documented on the generated builders (`__client_builder!`).
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Sets `default_header`; documented on the generated builders (`__client_builder!`).
    pub fn default_header(mut self, name: &str, value: &str) -> Self {
        self.header_ops.push(HeaderOp::Set(name.into(), value.into()));
        self
    }

    /// Sets `remove_default_header`; documented on the generated builders (`__client_builder!`).
    pub fn remove_default_header(mut self, name: &str) -> Self {
        self.header_ops.push(HeaderOp::Remove(name.into()));
        self
    }

    /// Sets `user_agent`; documented on the generated builders (`__client_builder!`).
    pub fn user_agent(self, ua: impl Into<String>) -> Self {
        let ua = ua.into();
        self.default_header(USER_AGENT.as_str(), &ua)
    }

    /// Sets `no_user_agent`; documented on the generated builders (`__client_builder!`).
    pub fn no_user_agent(self) -> Self {
        self.remove_default_header(USER_AGENT.as_str())
    }

    /// Sets `retry_count_header`; documented on the generated builders (`__client_builder!`).
    pub fn retry_count_header(mut self, name: Option<&str>) -> Self {
        self.retry_count_header = name.map(str::to_owned);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<C, Error> {
        let api = C::API;
        install_crypto_provider();
        for scheme in self.credentials.keys() {
            if !api.security_schemes.iter().any(|s| s.name == *scheme) {
                let known: Vec<_> = api.security_schemes.iter().map(|s| s.name).collect();
                return Err(Error::Config(format!(
                    "unknown security scheme `{scheme}` (this API has: {})",
                    known.join(", ")
                )));
            }
        }
        let redaction = Redaction::for_api(api);
        let user_agent = HeaderOp::Set(USER_AGENT.as_str().into(), api.identity.user_agent.into());
        let ops: Vec<HeaderOp> = std::iter::once(user_agent).chain(self.header_ops.iter().cloned()).collect();
        let default_headers = default_headers(&ops, &redaction)?;
        let config = Config {
            api,
            servers: resolve_servers(api, self.base_url.as_deref(), &self.server_urls)?,
            scrubber: Scrubber::for_client(api, &self.credentials, &default_headers),
            default_headers,
            retry_count_header: match &self.retry_count_header {
                Some(n) => Some(
                    HeaderName::from_bytes(n.as_bytes())
                        .map_err(|_| Error::Config(format!("invalid retry-count header name `{n}`")))?,
                ),
                None => None,
            },
            custom_http_client: self.http_client.is_some(),
            http: match self.http_client {
                Some(c) => c,
                None => default_http_client(self.connect_timeout)?,
            },
            credentials: self.credentials,
            max_retries: self.max_retries,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            deadline: self.deadline,
            read_idle_timeout: self.read_idle_timeout,
            max_retry_after: self.max_retry_after,
            redaction,
        };
        Ok(C::from_core(Core::new(config)))
    }
}

/// reqwest is built without a bundled TLS crypto provider (aws-lc-rs is heavy to build): install
/// ring as the process's rustls provider unless the application installed one already.
pub(crate) fn install_crypto_provider() {
    // `Err` means a provider is installed already, which is all that is needed.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn default_http_client(connect_timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        // No redirects: following one would send API-key headers to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))
}

/// Checks a URL and returns it without a trailing `/`.
fn checked_url(what: &str, url: &str) -> Result<String, Error> {
    let parsed = url::Url::parse(url).map_err(|e| Error::Config(format!("invalid {what}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::Config(format!("invalid {what}: the scheme must be http or https")));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Effective URL per server: explicit override, else rebased on server 0 when the spec's URL
/// starts with server 0's, else the spec's URL. Only server 0 must be a valid absolute URL at
/// build time; others are checked when used.
fn resolve_servers(
    api: &ApiInfo,
    base_url: Option<&str>,
    overrides: &BTreeMap<usize, String>,
) -> Result<Vec<String>, Error> {
    let count = api.servers.len().max(1);
    if let Some(bad) = overrides.keys().find(|i| **i >= count) {
        return Err(Error::Config(format!("server index {bad} is out of range (the API has {count})")));
    }
    let spec0 = api.servers.first().map_or("", |s| s.url);
    let base = match (overrides.get(&0).map(String::as_str).or(base_url), spec0) {
        (Some(url), _) => checked_url("base URL", url)?,
        (None, "") => return Err(Error::Config("the API declares no server; set a base URL".into())),
        (None, spec) => checked_url("server 0 URL of the spec (override it with base_url)", spec)?,
    };
    let mut servers = vec![base.clone()];
    for (i, server) in api.servers.iter().enumerate().skip(1) {
        let url = match (overrides.get(&i), server.url.strip_prefix(spec0)) {
            (Some(url), _) => checked_url(&format!("URL for server {i}"), url)?,
            (None, Some(rest)) if !spec0.is_empty() => format!("{base}{}", rest.trim_end_matches('/')),
            (None, _) => server.url.trim_end_matches('/').to_owned(),
        };
        servers.push(url);
    }
    Ok(servers)
}

fn default_headers(ops: &[HeaderOp], redaction: &Redaction) -> Result<HeaderMap, Error> {
    let mut map = HeaderMap::new();
    for op in ops {
        match op {
            HeaderOp::Set(name, value) => {
                let bad = |what: &str| Error::Config(format!("invalid {what} for default header `{name}`"));
                let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("name"))?;
                let mut v = HeaderValue::from_str(value).map_err(|_| bad("value"))?;
                v.set_sensitive(redaction.is_sensitive_header(n.as_str()));
                map.insert(n, v);
            }
            HeaderOp::Remove(name) => {
                if let Ok(n) = HeaderName::from_bytes(name.as_bytes()) {
                    map.remove(n);
                }
            }
        }
    }
    Ok(map)
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials: BTreeMap<_, _> = self.credentials.keys().map(|k| (*k, REDACTED)).collect();
        // The builder does not know the API's key headers without `C: ApiClient`, so it
        // redacts every default header value except the user agent.
        let headers: Vec<String> = self
            .header_ops
            .iter()
            .map(|op| match op {
                HeaderOp::Set(n, v) if n.eq_ignore_ascii_case("user-agent") => format!("set {n}: {v}"),
                HeaderOp::Set(n, _) => format!("set {n}: {REDACTED}"),
                HeaderOp::Remove(n) => format!("remove {n}"),
            })
            .collect();
        f.debug_struct("ClientBuilder")
            .field("credentials", &credentials)
            .field("base_url", &self.base_url.as_deref().map(redact::url_str))
            .field("server_urls", &self.server_urls.iter().map(|(i, u)| (i, redact::url_str(u))).collect::<Vec<_>>())
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("max_retries", &self.max_retries)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.deadline)
            .field("read_idle_timeout", &self.read_idle_timeout)
            .field("max_retry_after", &self.max_retry_after)
            .field("default_headers", &headers)
            .field("retry_count_header", &self.retry_count_header)
            .finish()
    }
}
