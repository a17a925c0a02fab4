//! The server: accepting connections, routing, checking, matching, answering and reporting.

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::api::{Decoded, MockApi, MockOperation};
use super::expect::{Expectation, ExpectationHandle, Registered, panic_message};
use super::outside::{OutsideRoute, RouteHandle};
use super::reply::{Reply, ResponseBody, full_body};
use super::request::{MockRequest, RecordedRequest};
use super::route::{Routed, Router};

/// Largest request body read (64 MiB); a larger one is answered 413 and recorded.
const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;

/// A mock of one API on `127.0.0.1`, serving until it is dropped.
///
/// It runs on the tokio runtime that [`start`](Self::start)s it (a spawned task; each connection
/// is a task of its own) and stops when dropped: the accept loop and every open connection are
/// aborted. Dropping it also checks it as [`verify`](Self::verify) does, and panics if anything
/// is wrong, unless the thread is already panicking.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
    /// Every server's operations are served at the root path (see [`MockServer::start_at_root`]).
    at_root: bool,
}

/// What the server task and the `MockServer` share.
struct Shared {
    api: &'static MockApi,
    router: Router,
    expectations: Mutex<Vec<Arc<Registered>>>,
    /// The routes outside the spec ([`MockServer::route`]), in registration order.
    outside: Mutex<Vec<Arc<OutsideRoute>>>,
    /// Held while one request is matched and counted, so that two requests never both take the
    /// last hit of an expectation.
    matching: Mutex<()>,
    log: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    received: Vec<RecordedRequest>,
    failures: Vec<String>,
}

/// A poisoned lock only means a panic elsewhere while it was held; what it guards stays usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MockServer {
    /// Starts a mock of `api` on `127.0.0.1` and a free port, on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, when no loopback port can be bound, or when `api` is malformed
    /// (a template that cannot be parsed, a server index out of range, a catch-all parameter that
    /// is not a whole segment): the generator never emits those.
    pub async fn start(api: &'static MockApi) -> MockServer {
        MockServer::start_with(api, false).await
    }

    /// Like [`start`](Self::start), but serves the operations of every server at the root path:
    /// `/agents`, not `/v1/agents`, and a second server's `/my-agent/start`, not
    /// `/v1/public/my-agent/start`. That is how a proxy that ignores server paths forwards
    /// requests, Prism's validation proxy among them (`prism proxy <spec> <base URL>`): point
    /// the proxy at [`base_url`](Self::base_url). [`server_url`](Self::server_url) is then the
    /// base URL for every server.
    ///
    /// # Panics
    ///
    /// As [`start`](Self::start).
    pub async fn start_at_root(api: &'static MockApi) -> MockServer {
        MockServer::start_with(api, true).await
    }

    async fn start_with(api: &'static MockApi, at_root: bool) -> MockServer {
        let router = Router::new(api, at_root);
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap_or_else(|e| panic!("mock server for `{}`: cannot bind a loopback port: {e}", api.name));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("mock server for `{}`: {e}", api.name));
        let shared = Arc::new(Shared {
            api,
            router,
            expectations: Mutex::new(Vec::new()),
            outside: Mutex::new(Vec::new()),
            matching: Mutex::new(()),
            log: Mutex::new(Log::default()),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        MockServer { shared, addr, task, at_root }
    }

    /// The API it mocks.
    pub fn api(&self) -> &'static MockApi {
        self.shared.api
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing `/`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of server `index` of the API: [`base_url`](Self::base_url) and that server's path
    /// prefix (`http://127.0.0.1:<port>/v1`; without the prefix when the server was
    /// [started at the root](Self::start_at_root)); what a client's URL for that server should be.
    ///
    /// # Panics
    ///
    /// When the API has no server `index`.
    pub fn server_url(&self, index: usize) -> String {
        let api = self.shared.api;
        let prefix = api
            .servers
            .get(index)
            .unwrap_or_else(|| panic!("API `{}` has {} servers, not a server {index}", api.name, api.servers.len()));
        let prefix = if self.at_root { "" } else { prefix.trim_end_matches('/') };
        format!("{}{prefix}", self.base_url())
    }

    /// Registers an expectation; see [the module docs](super) for which one answers a request.
    ///
    /// # Panics
    ///
    /// When the API has no operation with the expectation's id.
    pub fn register(&self, expectation: Expectation) -> ExpectationHandle {
        let api = self.shared.api;
        if !api.operations.iter().any(|op| op.id == expectation.operation) {
            let ids: Vec<&str> = api.operations.iter().map(|op| op.id).collect();
            panic!("API `{}` has no operation `{}` (it has: {})", api.name, expectation.operation, ids.join(", "));
        }
        let mut expectations = lock(&self.shared.expectations);
        let registered = Arc::new(Registered::new(expectations.len() + 1, expectation));
        expectations.push(registered.clone());
        ExpectationHandle { registered }
    }

    /// Answers every `method` request at `path` with `reply`, outside the spec: for the URLs an
    /// API hands out to its clients without describing them as operations, such as a presigned
    /// upload URL or a download link. Put [`RouteHandle::url`] in the response that hands the URL
    /// out, and read what was sent there with [`RouteHandle::requests`].
    ///
    /// `path` is compared with the request's path exactly as sent (percent-encoded, without the
    /// query); such a route is served before the spec's operations, so it may also stand in
    /// for one. Its requests are not checked against the spec, are answered any number of
    /// times (none included: [`verify`](Self::verify) does not count them) and are recorded in
    /// [`received`](Self::received) too. A later route for the same method and path replaces
    /// an earlier one.
    ///
    /// ```no_run
    /// # async fn example(server: &voice_agents_runtime::mock::MockServer) {
    /// use voice_agents_runtime::http::Method;
    /// use voice_agents_runtime::mock::Reply;
    ///
    /// let upload = server.route(Method::POST, "/uploads/42", Reply::new(204));
    /// // ...an expectation answers the upload-URL operation with `upload.url()`, the code under
    /// // test uploads there...
    /// assert_eq!(upload.hits(), 1);
    /// println!("{} bytes uploaded", upload.requests()[0].body.len());
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When `path` does not start with `/`.
    pub fn route(&self, method: Method, path: &str, reply: Reply) -> RouteHandle {
        assert!(path.starts_with('/'), "mock route `{path}`: a path starts with `/`");
        let route = Arc::new(OutsideRoute::new(method, path.to_owned(), reply));
        lock(&self.shared.outside).push(route.clone());
        RouteHandle { route, url: format!("{}{path}", self.base_url()) }
    }

    /// Everything wrong so far, one line each: every expectation whose count is not met (its
    /// operation, what it matches, expected and received requests), then every request answered
    /// by the mock itself rather than an expectation (404, 405, spec violations, no matching
    /// expectation, a matcher's panic), with its method and path. Empty when all is well.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = lock(&self.shared.expectations)
            .iter()
            .filter(|e| !e.times.is_satisfied_by(e.hits()))
            .map(|e| format!("expectation {}: expected {}, received {}", e.label(), e.times, e.hits()))
            .collect();
        problems.extend(lock(&self.shared.log).failures.iter().cloned());
        problems
    }

    /// Panics with every [problem](Self::problems) in one message, if there is any.
    #[track_caller]
    pub fn verify(&self) {
        let problems = self.problems();
        if !problems.is_empty() {
            panic!("{}", self.report(&problems));
        }
    }

    fn report(&self, problems: &[String]) -> String {
        let mut out = format!("mock server for `{}`: {} problem(s)", self.shared.api.name, problems.len());
        for (i, p) in problems.iter().enumerate() {
            out.push_str(&format!("\n  {}. {p}", i + 1));
        }
        out
    }

    /// Every request that reached the server so far, in arrival order, whatever was answered.
    pub fn received(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).received.clone()
    }

    /// Forgets the expectations, the [routes](Self::route), the recorded requests and the
    /// failures (handles keep what they received).
    pub fn reset(&self) {
        lock(&self.shared.expectations).clear();
        lock(&self.shared.outside).clear();
        *lock(&self.shared.log) = Log::default();
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer").field("api", &self.shared.api.name).field("addr", &self.addr).finish()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
        if std::thread::panicking() {
            return;
        }
        let problems = self.problems();
        if !problems.is_empty() {
            panic!("{}", self.report(&problems));
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, shared.clone()));
                }
                // Out of file descriptors and the like: wait a little instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow with every one.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// What a service error means here: close the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the mock drops the connection")
    }
}

impl std::error::Error for DropConnection {}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request| {
        let shared = shared.clone();
        async move { shared.handle(request).await }
    });
    // An error here is the client going away, a malformed request hyper answered itself, or a
    // dropped connection we asked for: nothing to report.
    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
}

/// What the mock answers when no expectation does: the status, the message (also recorded as a
/// failure) and, for 405, the allowed methods.
struct Refusal {
    status: StatusCode,
    message: String,
    allow: Option<String>,
}

impl Refusal {
    fn new(status: StatusCode, message: String) -> Self {
        Refusal { status, message, allow: None }
    }
}

impl Shared {
    async fn handle(&self, request: Request<Incoming>) -> Result<Response<ResponseBody>, DropConnection> {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_owned();
        let query: Vec<(String, String)> =
            form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                let refusal = Refusal::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is larger than the mock's limit of {MAX_REQUEST_BODY} bytes"),
                );
                return Ok(self.refuse(&parts.method, &path, refusal));
            }
            // The client went away mid-body: there is no one to answer.
            Err(_) => return Err(DropConnection),
        };
        let mut recorded = RecordedRequest {
            method: parts.method.clone(),
            path: path.clone(),
            query: query.clone(),
            headers: parts.headers.clone(),
            body: body.clone(),
            operation: None,
        };
        let outside = lock(&self.outside).iter().rev().find(|r| r.matches(&parts.method, &path)).cloned();
        if let Some(route) = outside {
            lock(&self.log).received.push(recorded.clone());
            return route.hit(recorded).render().await.ok_or(DropConnection);
        }
        let routed = self.router.route(self.api, &parts.method, &path);
        if let Routed::Found { op, .. } = &routed {
            recorded.operation = Some(self.api.operations[*op].id);
        }
        lock(&self.log).received.push(recorded);

        let outcome = match routed {
            Routed::Found { op, params } => {
                let op = &self.api.operations[op];
                let mut request = MockRequest::new(parts.method.clone(), path.clone()).with_headers(parts.headers);
                for (name, value) in params {
                    request = request.with_path_param(name, value);
                }
                for (name, value) in query {
                    request = request.with_query(name, value);
                }
                self.answer(op, &request.with_body(body))
            }
            Routed::NotFound => Err(Refusal::new(StatusCode::NOT_FOUND, format!("no operation at `{path}`"))),
            Routed::MethodNotAllowed(methods) => {
                let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                Err(Refusal {
                    status: StatusCode::METHOD_NOT_ALLOWED,
                    message: format!("`{path}` has no `{}` operation (allowed: {allow})", parts.method),
                    allow: Some(allow),
                })
            }
            Routed::BadParam(v) => Err(Refusal::new(v.status(), v.to_string())),
        };
        match outcome {
            Ok(reply) => reply.render().await.ok_or(DropConnection),
            Err(refusal) => Ok(self.refuse(&parts.method, &path, refusal)),
        }
    }

    /// Checks the request against the spec, then finds the expectation that answers it.
    fn answer(&self, op: &MockOperation, request: &MockRequest) -> Result<Reply, Refusal> {
        let decoded = match std::panic::catch_unwind(|| (op.decode)(request)) {
            Ok(Ok(decoded)) => decoded,
            Ok(Err(violation)) => {
                return Err(Refusal::new(
                    violation.status(),
                    format!("`{}` request breaks the spec: {violation}", op.id),
                ));
            }
            Err(payload) => {
                return Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the decoder of `{}` panicked: {}", op.id, panic_message(&*payload)),
                ));
            }
        };
        self.dispatch(op, decoded)
    }

    /// The most recently registered expectation of `op` that still accepts requests and whose
    /// matchers hold answers; its hit is counted before anyone else can match.
    fn dispatch(&self, op: &MockOperation, decoded: Decoded) -> Result<Reply, Refusal> {
        let _turn = lock(&self.matching);
        // A snapshot, so that matchers run without the list locked (one may register another).
        let all: Vec<Arc<Registered>> = lock(&self.expectations).clone();
        let candidates: Vec<&Arc<Registered>> = all.iter().rev().filter(|e| e.operation == op.id).collect();
        for e in &candidates {
            if !e.times.accepts(e.hits()) {
                continue;
            }
            match e.matches(&*decoded) {
                Ok(true) => return Ok(e.hit(decoded)),
                Ok(false) => {}
                Err(panic) => {
                    return Err(Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("the matcher of expectation {} panicked: {panic}", e.label()),
                    ));
                }
            }
        }
        Err(Refusal::new(StatusCode::NOT_IMPLEMENTED, unmatched(op, &candidates, &all, &*decoded)))
    }

    /// Answers with the mock's own message (text) and records it as a failure.
    fn refuse(&self, method: &Method, path: &str, refusal: Refusal) -> Response<ResponseBody> {
        let status = refusal.status;
        lock(&self.log).failures.push(format!("{method} {path}: {} {}", status.as_u16(), refusal.message));
        let text = format!("mock `{}`: {}\n", self.api.name, refusal.message);
        let mut response = Response::new(full_body(Bytes::from(text)));
        *response.status_mut() = status;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        if let Some(allow) = refusal.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert(ALLOW, allow);
        }
        response
    }
}

/// Why no expectation of `op` answered: the closest one first (one whose matchers hold but that
/// has received its maximum, or else the most recent one of the operation), then the others.
fn unmatched(
    op: &MockOperation,
    candidates: &[&Arc<Registered>],
    all: &[Arc<Registered>],
    request: &(dyn Any + Send + Sync),
) -> String {
    if candidates.is_empty() {
        let mut others: Vec<&str> = all.iter().map(|e| e.operation).collect();
        others.dedup();
        return if others.is_empty() {
            format!("no expectation is registered for `{}` (none at all)", op.id)
        } else {
            format!("no expectation is registered for `{}` (there are some for: {})", op.id, others.join(", "))
        };
    }
    let why = |e: &Registered| {
        if e.times.accepts(e.hits()) {
            "does not match".to_owned()
        } else if e.matches(request) == Ok(true) {
            format!("matches, but has received its {} already", e.times)
        } else {
            format!("does not match, and has received its {} already", e.times)
        }
    };
    let used_up = candidates.iter().position(|e| !e.times.accepts(e.hits()) && e.matches(request) == Ok(true));
    let closest = used_up.unwrap_or(0);
    let mut out = format!(
        "no expectation of `{}` matches the request; closest: {} {}",
        op.id,
        candidates[closest].label(),
        why(candidates[closest])
    );
    let others: Vec<String> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != closest)
        .map(|(_, e)| format!("{} {}", e.label(), why(e)))
        .collect();
    if !others.is_empty() {
        out.push_str(&format!("; also: {}", others.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated layer shares servers and handles across tasks and threads.
    #[test]
    fn servers_expectations_and_handles_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<MockServer>();
        send_sync::<Expectation>();
        send_sync::<ExpectationHandle>();
        send_sync::<Reply>();
        send_sync::<MockRequest>();
    }
}
