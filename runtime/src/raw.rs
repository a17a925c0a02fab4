//! The raw escape hatch: any method and path, still with auth, retries, timeouts and errors.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use tracing::Instrument;

use super::auth::{self, Selected};
use super::body::{Multipart, Upload};
use super::call::RequestOptions;
use super::config::{Config, Core};
use super::download::ByteStream;
use super::error::Error;
use super::exec::{self, Target};
use super::request::RequestParts;
use super::response::{RawResponse, Response};
use super::transport::{Answer, Reading};

/// A request to an arbitrary path of the API, or to an absolute URL outside it; built by
/// [`Core::raw`].
///
/// Authentication: for a path, by default the first security scheme of the API (in spec order)
/// that has a credential configured; for an absolute URL (another host: a presigned upload URL,
/// say), none, so that the API's credentials never reach it. Choose explicitly with
/// [`security`](Self::security) (`&[]` for none). An absolute URL also gets none of the
/// client's default headers but the user agent (they are meant for the API); headers set on
/// the call itself are sent.
pub struct RawCall<'a> {
    core: &'a Core,
    method: Method,
    path: String,
    absolute: bool,
    server: usize,
    security: Option<&'static [&'static str]>,
    body: Option<RawBody>,
    pending_error: Option<Error>,
    options: RequestOptions,
}

/// A raw call's body.
enum RawBody {
    Bytes(Bytes, String),
    Upload(Upload),
    Multipart(Multipart),
}

impl<'a> RawCall<'a> {
    pub(crate) fn new(core: &'a Core, method: Method, path: &str) -> Self {
        // Scheme names are case-insensitive (`HTTPS://` is absolute too).
        let absolute = url::Url::parse(path).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        // A missing leading slash would otherwise glue the path onto the server's last segment.
        let path =
            if absolute || path.starts_with('/') || path.is_empty() { path.to_owned() } else { format!("/{path}") };
        RawCall {
            core,
            method,
            path,
            absolute,
            server: 0,
            security: None,
            body: None,
            pending_error: None,
            options: RequestOptions::default(),
        }
    }

    /// Sends to server `index` of the API instead of server 0.
    pub fn server(mut self, index: usize) -> Self {
        self.server = index;
        self
    }

    /// Uses exactly these security schemes (all of them); `&[]` sends no credentials.
    pub fn security(mut self, schemes: &'static [&'static str]) -> Self {
        self.security = Some(schemes);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.options.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header (replacing defaults of that name); invalid ones are reported by `send`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.options.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(RawBody::Bytes(bytes.into(), "application/json".into())),
            Err(e) => self.pending_error = Some(Error::Encode(e.to_string())),
        }
        self
    }

    /// Sets a body of any content type.
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = Some(RawBody::Bytes(bytes.into(), content_type.to_owned()));
        self
    }

    /// Sets a binary body from an [`Upload`], sent with the upload's content type.
    pub fn upload(mut self, upload: Upload) -> Self {
        self.body = Some(RawBody::Upload(upload));
        self
    }

    /// Sets a `multipart/form-data` body.
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.body = Some(RawBody::Multipart(form));
        self
    }

    /// Overrides the per-attempt timeout.
    pub fn timeout(mut self, per_attempt: Duration) -> Self {
        self.options.timeout = Some(per_attempt);
        self
    }

    /// Overrides the number of retries (0 disables).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.options.max_retries = Some(n);
        self
    }

    /// Sends `Idempotency-Key: <key>` on every attempt (and makes 500s retryable).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// Sends the request; a non-2xx status is an [`Error::Api`] with the raw body kept.
    pub async fn send(self) -> Result<RawResponse, Error> {
        let cfg = self.core.config();
        match self.run(Reading::Whole).await? {
            (Answer::Complete(resp), _) if resp.status.is_success() => Ok(resp),
            (Answer::Complete(resp), attempts) => Err(exec::api_error(cfg, resp, None, attempts)),
            (Answer::Streaming(_), _) => Err(Error::Config("a buffered call was handed a stream".into())),
        }
    }

    /// Sends the request and returns the response whatever its status (retries still apply).
    pub async fn send_unchecked(self) -> Result<RawResponse, Error> {
        match self.run(Reading::Whole).await? {
            (Answer::Complete(resp), _) => Ok(resp),
            (Answer::Streaming(_), _) => Err(Error::Config("a buffered call was handed a stream".into())),
        }
    }

    /// Sends the request and, once a 2xx response's headers arrive, returns its body as a
    /// [`ByteStream`] (retries apply until then); a non-2xx status is an [`Error::Api`].
    pub async fn download(self) -> Result<Response<ByteStream>, Error> {
        let core = self.core.clone();
        match self.run(Reading::Stream).await? {
            (Answer::Streaming(resp), attempts) => {
                let (status, headers) = (resp.status(), resp.headers().clone());
                Ok(Response::from_head(status, headers, ByteStream::new(core, resp, attempts)))
            }
            (Answer::Complete(resp), attempts) => Err(exec::api_error(core.config(), resp, None, attempts)),
        }
    }

    async fn run(self, reading: Reading) -> Result<(Answer, u32), Error> {
        let cfg = self.core.config();
        let span = tracing::info_span!(
            "voice_agents.call",
            api = cfg.api.name,
            operation = "raw",
            method = %self.method,
            path = %self.path,
        );
        async move {
            if let Some(e) = self.pending_error {
                return Err(e);
            }
            let mut parts = RequestParts::new(&self.path);
            match self.body {
                Some(RawBody::Bytes(bytes, content_type)) => parts.body(bytes, &content_type)?,
                Some(RawBody::Upload(upload)) => parts.upload(&upload, "*/*")?,
                Some(RawBody::Multipart(form)) => parts.multipart(form),
                None => {}
            }
            let (selected, target) = match self.absolute {
                true => (select(cfg, Some(self.security.unwrap_or(&[])))?, Target::Absolute),
                false => (select(cfg, self.security)?, Target::Server(self.server)),
            };
            let prepared = exec::prepare(cfg, self.method, target, parts, &selected, &self.options, None)?;
            exec::attempts(cfg, &prepared, &self.options, reading).await
        }
        .instrument(span)
        .await
    }
}

fn select<'c>(cfg: &'c Config, security: Option<&'static [&'static str]>) -> Result<Selected<'c>, Error> {
    match security {
        Some([]) => Ok(Vec::new()),
        Some(schemes) => auth::select(cfg, &[schemes], "raw request"),
        None => Ok(cfg.api.security_schemes.iter().find_map(|s| auth::resolve(cfg, &[s.name])).unwrap_or_default()),
    }
}
