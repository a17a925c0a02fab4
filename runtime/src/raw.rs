//! The raw escape hatch: any method and path (or an absolute URL), still with auth, retries,
//! timeouts and errors.

use bytes::Bytes;
use http::Method;
use tracing::Instrument;

use crate::body::{Multipart, Upload};
use crate::config::{Config, Core};
use crate::contract::call::CallState;
use crate::download::ByteStream;
use crate::engine::attempts::{self, api_error};
use crate::engine::auth::{self, Selected};
use crate::engine::call::span;
use crate::engine::prepare::{self, Target};
use crate::engine::request::RequestParts;
use crate::engine::transport::{Answer, Reading};
use crate::error::Error;
use crate::response::{RawResponse, Response};

// `Core::raw` is defined here, beside what it builds, so that the client's core does not depend
// on the request path.
impl Core {
    /// Starts a request to any path of the API, e.g. an undocumented endpoint; it still gets
    /// authentication, retries, timeouts and error handling. `path` is used verbatim (it must be
    /// percent-encoded already) after the server URL. An absolute `http(s)://` URL is used as
    /// it is, and gets no credentials unless [`RawCall::security`] names them (an upload to a
    /// presigned URL must not carry the API key).
    pub fn raw(&self, method: http::Method, path: &str) -> RawCall<'_> {
        RawCall::new(self, method, path)
    }
}

/// A request to an arbitrary path of the API, or to an absolute URL outside it; built by
/// [`Core::raw`]. It has the per-request options of every generated request builder
/// (`timeout`, `max_retries`, `header`, `query`, `idempotency_key`, `extra_body`).
///
/// Authentication: for a path, by default the first security scheme of the API (in spec order)
/// that has a credential configured; for an absolute URL (another host: a presigned upload URL,
/// say), none, so that the API's credentials never reach it. Choose explicitly with
/// [`security`](Self::security) (`&[]` for none). An absolute URL also gets none of the
/// client's default headers but the user agent (they are meant for the API); headers set on
/// the call itself are sent.
pub struct RawCall<'a> {
    call: CallState<'a>,
    method: Method,
    path: String,
    absolute: bool,
    server: usize,
    security: Option<&'static [&'static str]>,
    body: Option<RawBody>,
    pending_error: Option<Error>,
}

/// A raw call's body.
enum RawBody {
    Bytes(Bytes, String),
    Upload(Upload),
    Multipart(Multipart),
}

crate::__call_options!(RawCall);

impl<'a> RawCall<'a> {
    fn new(core: &'a Core, method: Method, path: &str) -> Self {
        // Scheme names are case-insensitive (`HTTPS://` is absolute too).
        let absolute = url::Url::parse(path).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        // A missing leading slash would otherwise glue the path onto the server's last segment.
        let path =
            if absolute || path.starts_with('/') || path.is_empty() { path.to_owned() } else { format!("/{path}") };
        RawCall {
            call: CallState::new(core),
            method,
            path,
            absolute,
            server: 0,
            security: None,
            body: None,
            pending_error: None,
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

    /// Sends the request; a non-2xx status is an [`Error::Api`] with the raw body kept.
    pub async fn send(self) -> Result<RawResponse, Error> {
        let core = self.call.core();
        match self.run(Reading::Whole).await? {
            (Answer::Complete(resp), _) if resp.status.is_success() => Ok(resp),
            (Answer::Complete(resp), attempts) => Err(api_error(core.config(), resp, None, attempts)),
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
        let core = self.call.core();
        match self.run(Reading::Stream).await? {
            (Answer::Streaming(resp), attempts) => {
                let (status, headers) = (resp.status(), resp.headers().clone());
                Ok(Response::from_head(status, headers, ByteStream::new(core.clone(), resp, attempts)))
            }
            (Answer::Complete(resp), attempts) => Err(api_error(core.config(), resp, None, attempts)),
        }
    }

    /// Prepares the request and runs the attempt loop, in the call's span.
    async fn run(self, reading: Reading) -> Result<(Answer, u32), Error> {
        let cfg = self.call.core().config();
        let span = span(cfg.api, "raw", &self.method, &self.path, (reading == Reading::Stream).then_some("download"));
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
            let options = self.call.options();
            let prepared = prepare::prepare(cfg, self.method, target, parts, &selected, options, None)?;
            attempts::attempts(cfg, &prepared, options, reading).await
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
