//! Preparing a request for the wire: the URL, the headers (defaults, the operation's `Accept`,
//! its own, credentials, the call's) and the body, once for all its attempts.

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, Method};
use url::Url;

use crate::body::Payload;
use crate::config::Config;
use crate::defaults::{DEFAULT_ACCEPT, IDEMPOTENCY_KEY_HEADER};
use crate::engine::request::{RequestParts, header_pair};
use crate::error::Error;

use super::auth::{self, Selected};
use super::options::RequestOptions;
use crate::retry;

/// A fully resolved request, re-sent unchanged by every attempt (except the retry-count header).
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Payload>,
    pub(crate) idempotent: bool,
    /// Leave the body out of logs (it holds secrets).
    pub(crate) sensitive_body: bool,
}

/// Where a request goes: a server of the API and a path, or an absolute URL outside it.
pub(crate) enum Target {
    /// Server `index` of the API, then the rendered path.
    Server(usize),
    /// The rendered path is an absolute URL (a presigned upload URL, say).
    Absolute,
}

/// Resolves the URL and merges headers: defaults, then the operation's `Accept`, then the
/// operation's headers, then credentials, then per-request headers and the idempotency key
/// (later ones win). `accept` replaces the client's default `Accept` only while it is the
/// runtime's own default: an `Accept` the application set is kept.
pub(crate) fn prepare(
    cfg: &Config,
    method: Method,
    target: Target,
    mut parts: RequestParts,
    selected: &Selected<'_>,
    options: &RequestOptions,
    accept: Option<&'static str>,
) -> Result<Prepared, Error> {
    parts.merge_extra_body(&options.extra_body)?;
    let absolute = matches!(target, Target::Absolute);
    let mut url = match target {
        Target::Server(server) => {
            let base = cfg.server(server)?;
            Url::parse(&format!("{base}{}", parts.path))
                .map_err(|e| Error::Config(format!("could not build the request URL for server {server}: {e}")))?
        }
        Target::Absolute => Url::parse(&parts.path).map_err(|e| Error::Config(format!("invalid request URL: {e}")))?,
    };

    let mut query = parts.query;
    query.extend(options.query.iter().cloned());

    let mut headers = if absolute {
        // Another host: the application's default headers are meant for the API (they may hold
        // a key of its own), so only the user agent goes along.
        let mut own = HeaderMap::new();
        if let Some(agent) = cfg.default_headers.get(http::header::USER_AGENT) {
            own.insert(http::header::USER_AGENT, agent.clone());
        }
        own
    } else {
        cfg.default_headers.clone()
    };
    if let Some(accept) = accept.filter(|_| headers.get(ACCEPT).is_some_and(|v| v == DEFAULT_ACCEPT)) {
        headers.insert(ACCEPT, http::HeaderValue::from_static(accept));
    }
    for name in parts.headers.keys() {
        headers.remove(name);
    }
    for (name, value) in &parts.headers {
        headers.append(name.clone(), value.clone());
    }
    if let Some(content_type) = parts.body.as_ref().and_then(Payload::content_type) {
        headers.insert(CONTENT_TYPE, content_type.clone());
    }
    let body = parts.body;
    auth::apply(selected, &mut headers, &mut query)?;
    for (name, value) in &options.headers {
        let (name, mut value) = header_pair(name, value)?;
        value.set_sensitive(cfg.redaction.is_sensitive_header(name.as_str()));
        headers.insert(name, value);
    }
    if let Some(key) = &options.idempotency_key {
        let (name, value) = header_pair(IDEMPOTENCY_KEY_HEADER, key)?;
        headers.insert(name, value);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(&query);
    }
    let idempotent = retry::is_idempotent(&method) || headers.contains_key(IDEMPOTENCY_KEY_HEADER);
    Ok(Prepared { method, url, headers, body, idempotent, sensitive_body: options.sensitive_body })
}
