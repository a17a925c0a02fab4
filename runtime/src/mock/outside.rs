//! Routes outside the spec: URLs that an API hands out to its clients but does not describe as
//! operations (a presigned upload URL, a download link), answered with a fixed reply and
//! recorded raw. Registered with [`MockServer::route`](super::MockServer::route).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use http::Method;

use super::reply::Reply;
use super::request::RecordedRequest;

/// One registered route outside the spec, shared by the server and its handles.
pub(super) struct OutsideRoute {
    pub(super) method: Method,
    /// The path as a request sends it (percent-encoded, without the query).
    pub(super) path: String,
    pub(super) reply: Reply,
    received: Mutex<Vec<RecordedRequest>>,
}

impl OutsideRoute {
    pub(super) fn new(method: Method, path: String, reply: Reply) -> OutsideRoute {
        OutsideRoute { method, path, reply, received: Mutex::new(Vec::new()) }
    }

    fn received(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        // A panic while the lock was held cannot leave the list half-written: keep going.
        self.received.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a request for `method` at `path` (as sent) is this route's.
    pub(super) fn matches(&self, method: &Method, path: &str) -> bool {
        self.method == *method && self.path == path
    }

    /// Keeps the request and returns the reply for it.
    pub(super) fn hit(&self, request: RecordedRequest) -> Reply {
        self.received().push(request);
        self.reply.clone()
    }
}

/// A handle on a route outside the spec ([`MockServer::route`](super::MockServer::route)): its
/// URL on the mock, how often it was hit and the raw requests it answered. Cheap to clone; it
/// stays readable after the server is dropped.
#[derive(Clone)]
pub struct RouteHandle {
    pub(super) route: Arc<OutsideRoute>,
    pub(super) url: String,
}

impl RouteHandle {
    /// The route's absolute URL on the mock (`http://127.0.0.1:<port>/uploads/1`): what the
    /// API's response should hand out (an `uploadUrl`, a download link).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many requests it has answered.
    pub fn hits(&self) -> usize {
        self.route.received().len()
    }

    /// The requests it has answered, in order, as received (method, path, query, headers and
    /// the whole body).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.route.received().clone()
    }

    /// The last request it answered, if any.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.route.received().last().cloned()
    }
}

impl fmt::Debug for RouteHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouteHandle")
            .field("method", &self.route.method)
            .field("path", &self.route.path)
            .field("hits", &self.hits())
            .finish()
    }
}
