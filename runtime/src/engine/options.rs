//! Per-request options: what a call changes of the client's settings.

use std::fmt;
use std::time::Duration;

/// Per-request settings that override the client's.
#[derive(Clone, Default)]
pub(crate) struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) idempotency_key: Option<String>,
    /// The body holds secrets (`format: password` in the spec): never logged, even at TRACE.
    pub(crate) sensitive_body: bool,
    /// Members added to the JSON body that the spec does not know (the builders' `extra_body`).
    pub(crate) extra_body: serde_json::Map<String, serde_json::Value>,
}

impl fmt::Debug for RequestOptions {
    // Header values may be credentials; only their names are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("query", &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("idempotency_key", &self.idempotency_key)
            .field("extra_body", &self.extra_body.keys().collect::<Vec<_>>())
            .finish()
    }
}
