//! Every macro generated code expands: the methods of a generated `ClientBuilder`, of request
//! builders (options, `send`, streams, downloads, paging), the impls of open enums, and the
//! tracing spans named after the generated crate.
//!
//! They are `#[macro_export]`ed (so at the crate root) and `#[doc(hidden)]`: the generated-code
//! contract, not user API. [`BUILDER_MACROS`](super::BUILDER_MACROS) lists the methods each
//! macro adds, which the generator must not give to a parameter setter.

/// The public `ClientBuilder` of a generated API: a newtype over [`ClientBuilder`] (a crate
/// cannot add inherent methods to another crate's type) whose common settings are forwarded
/// here, once, with their docs; the generator adds one credential setter per security scheme.
#[doc(hidden)]
#[macro_export]
macro_rules! __client_builder {
    ($builder:ident, $client:ident) => {
        impl $builder {
            /// Overrides the URL of server 0 (the spec's default server); servers whose URL
            /// starts with it move along. An invalid URL is reported by [`build`](Self::build).
            pub fn base_url(self, url: impl ::std::convert::AsRef<str>) -> Self {
                Self(self.0.base_url(url))
            }

            /// Overrides the URL of server `index` (see the module docs for the servers).
            pub fn server_url(self, index: usize, url: impl ::std::convert::AsRef<str>) -> Self {
                Self(self.0.server_url(index, url))
            }

            /// Uses the caller's `reqwest::Client` (proxies, TLS, middleware-like setup); its own
            /// connect timeout and redirect policy then apply instead of ours.
            pub fn http_client(self, client: $crate::__private::reqwest::Client) -> Self {
                Self(self.0.http_client(client))
            }

            /// Retries after the first attempt (default [`DEFAULT_MAX_RETRIES`](voice_agents_runtime::DEFAULT_MAX_RETRIES);
            /// 0 disables retries). What is retried, and how long each wait is, is listed on
            /// [`Error::is_retryable`](voice_agents_runtime::Error::is_retryable).
            pub fn max_retries(self, n: u32) -> Self {
                Self(self.0.max_retries(n))
            }

            /// Timeout of one attempt, from sending to the last body byte (default
            /// [`DEFAULT_TIMEOUT`](voice_agents_runtime::DEFAULT_TIMEOUT)). For an upload (a file or stream body), it
            /// counts from when the body has been sent: while it is being sent, only a stall
            /// longer than the [idle timeout](Self::read_idle_timeout) fails the attempt, so a
            /// large file on a slow link is not cut off.
            pub fn timeout(self, per_attempt: ::std::time::Duration) -> Self {
                Self(self.0.timeout(per_attempt))
            }

            /// Disables the per-attempt timeout (the idle read timeout and deadline still apply).
            pub fn no_timeout(self) -> Self {
                Self(self.0.no_timeout())
            }

            /// Connect timeout of the built-in HTTP client (default
            /// [`DEFAULT_CONNECT_TIMEOUT`](voice_agents_runtime::DEFAULT_CONNECT_TIMEOUT)).
            pub fn connect_timeout(self, d: ::std::time::Duration) -> Self {
                Self(self.0.connect_timeout(d))
            }

            /// An overall deadline per call across all attempts and backoff sleeps: retries stop
            /// when the next one could not start in time, and a running attempt is cut off
            /// (default: none).
            pub fn deadline(self, overall: ::std::time::Duration) -> Self {
                Self(self.0.deadline(overall))
            }

            /// Fails a response whose body stalls (no bytes) for longer than `d` (default
            /// [`DEFAULT_READ_IDLE_TIMEOUT`](voice_agents_runtime::DEFAULT_READ_IDLE_TIMEOUT)); also an upload the
            /// connection takes no bytes of for that long. Event streams and downloads are read
            /// under it between chunks.
            pub fn read_idle_timeout(self, d: ::std::time::Duration) -> Self {
                Self(self.0.read_idle_timeout(d))
            }

            /// Disables the idle read timeout.
            pub fn no_read_idle_timeout(self) -> Self {
                Self(self.0.no_read_idle_timeout())
            }

            /// Longest server-requested wait (`retry-after-ms` or `Retry-After`) slept before
            /// retrying (default [`DEFAULT_MAX_RETRY_AFTER`](voice_agents_runtime::DEFAULT_MAX_RETRY_AFTER)); a
            /// longer one ends the call at once with an error whose
            /// [`retry_after`](voice_agents_runtime::Error::retry_after) carries the wait.
            pub fn max_retry_after(self, cap: ::std::time::Duration) -> Self {
                Self(self.0.max_retry_after(cap))
            }

            /// Adds or replaces a header sent with every request (by default `user-agent` and
            /// `accept`, [`DEFAULT_ACCEPT`](voice_agents_runtime::DEFAULT_ACCEPT), which an operation that knows its
            /// response's media types replaces with them). Header values whose name is a
            /// credential's are redacted like credentials. Invalid names or values are reported
            /// by [`build`](Self::build).
            pub fn default_header(self, name: &str, value: &str) -> Self {
                Self(self.0.default_header(name, value))
            }

            /// Removes a default header (also works for `user-agent`).
            pub fn remove_default_header(self, name: &str) -> Self {
                Self(self.0.remove_default_header(name))
            }

            /// Replaces the user agent (default: this crate's name and version, `<name>/<version>`).
            pub fn user_agent(self, ua: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(self.0.user_agent(ua))
            }

            /// Sends no user agent.
            pub fn no_user_agent(self) -> Self {
                Self(self.0.no_user_agent())
            }

            /// Renames the header that carries the attempt number (0 for the first attempt; default
            /// [`DEFAULT_RETRY_COUNT_HEADER`](voice_agents_runtime::DEFAULT_RETRY_COUNT_HEADER)), or removes it with
            /// `None`.
            pub fn retry_count_header(self, name: ::std::option::Option<&str>) -> Self {
                Self(self.0.retry_count_header(name))
            }

            /// Checks the settings and builds the client.
            pub fn build(self) -> ::std::result::Result<$client, $crate::Error> {
                self.0.build()
            }
        }
    };
}

/// The per-request options methods every generated builder has (`timeout`, `max_retries`,
/// `header`, `query`, `idempotency_key`, `extra_body`); shared by `__request_builder!` and
/// `__stream_builder!` so a streamed call takes exactly the options a plain one does.
///
/// `$builder` must have a `call: CallState<'a>` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __call_options {
    ($builder:ident) => {
        impl<'a> $builder<'a> {
            /// Overrides the client's per-attempt timeout for this request.
            #[inline]
            pub fn timeout(mut self, per_attempt: ::std::time::Duration) -> Self {
                self.call.set_timeout(per_attempt);
                self
            }

            /// Overrides the client's number of retries for this request (0 disables them).
            #[inline]
            pub fn max_retries(mut self, n: u32) -> Self {
                self.call.set_max_retries(n);
                self
            }

            /// Adds a header to this request, replacing any default or generated header of that
            /// name. An invalid name or value is reported when the request is sent.
            #[inline]
            pub fn header(mut self, name: &str, value: &str) -> Self {
                self.call.add_header(name, value);
                self
            }

            /// Adds a query parameter the spec does not declare to this request.
            #[inline]
            pub fn query(mut self, name: &str, value: &str) -> Self {
                self.call.add_query(name, value);
                self
            }

            /// Sends `Idempotency-Key: <key>` on every attempt, which also makes 500s and read
            /// timeouts retryable for non-idempotent methods.
            #[inline]
            pub fn idempotency_key(mut self, key: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.call.set_idempotency_key(key.into());
                self
            }

            /// Adds a member the spec does not declare to the JSON request body (for a field the
            /// vendor accepts before its spec lists it), e.g. `.extra_body("enableManagedKeys", true)`.
            ///
            /// Members are merged into the top level of the body after it is built, replacing a
            /// member of the same name; a request without a body gets `{key: value}` as its body.
            /// The request fails before sending if the body is not a JSON object. Extra members
            /// are not validated.
            #[inline]
            pub fn extra_body(
                mut self,
                key: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<$crate::__private::serde_json::Value>,
            ) -> Self {
                self.call.add_extra_body(key.into(), value.into());
                self
            }
        }
    };
}

/// The methods every generated request builder has: per-request options, `send`,
/// `send_with_response` and `IntoFuture`. Expanded once per builder, so that each operation's
/// docs page lists them with the operation's own output type. They are `#[inline]` so that an
/// operation's request path (and the serde code it instantiates) is compiled in the crate that
/// calls it, not for every operation in the SDK crate.
///
/// `$builder` must have a `call: CallState<'a>` field and implement `Operation` with
/// `Output = $output`.
#[doc(hidden)]
#[macro_export]
macro_rules! __request_builder {
    ($builder:ident, $output:ty) => {
        $crate::__call_options!($builder);

        impl<'a> $builder<'a> {
            /// Sends the request and returns the decoded payload.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<$output, $crate::Error> {
                $crate::__private::send(&self, &self.call).await.map(|response| response.data)
            }

            /// Sends the request and returns the payload with status, headers and request id.
            #[inline]
            pub async fn send_with_response(self) -> ::std::result::Result<$crate::Response<$output>, $crate::Error> {
                $crate::__private::send(&self, &self.call).await
            }
        }

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = ::std::result::Result<$output, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

/// The methods of a generated builder whose operation answers with an event stream
/// (`text/event-stream` with `x-sse-events`): the same per-request options as
/// `__request_builder!`, and `send`, `send_with_response` and `IntoFuture` returning an
/// `EventStream` of the operation's event enum (see `events` for the retry and timeout
/// rules).
///
/// `$builder` must have a `call: CallState<'a>` field and implement `Operation`; `$event`
/// implements `StreamEvent`.
#[doc(hidden)]
#[macro_export]
macro_rules! __stream_builder {
    ($builder:ident, $event:ty) => {
        $crate::__call_options!($builder);

        impl<'a> $builder<'a> {
            /// Sends the request and, once the response headers arrive, returns the stream of
            /// events. Retries apply only until then; read it with `futures_util::StreamExt`
            /// (`next`, `try_next`...). Dropping the stream closes the connection.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<$crate::EventStream<$event>, $crate::Error> {
                self.send_with_response().await.map(|response| response.data)
            }

            /// Like [`send`](Self::send), with the response's status, headers and request id.
            #[inline]
            pub async fn send_with_response(
                self,
            ) -> ::std::result::Result<$crate::Response<$crate::EventStream<$event>>, $crate::Error> {
                $crate::__private::events::<_, $event>(&self, &self.call).await
            }
        }

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = ::std::result::Result<$crate::EventStream<$event>, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

/// The methods of a generated builder whose operation answers with a binary body (a download):
/// the same per-request options as `__request_builder!`, and `send`, `send_with_response` and
/// `IntoFuture` returning a `ByteStream` (see `download` for the retry and timeout rules).
///
/// `$builder` must have a `call: CallState<'a>` field and implement `Operation`.
#[doc(hidden)]
#[macro_export]
macro_rules! __download_builder {
    ($builder:ident) => {
        $crate::__call_options!($builder);

        impl<'a> $builder<'a> {
            /// Sends the request and, once the response headers arrive, returns the body as a
            /// stream of chunks (`save_to`, `bytes`, `text`, or read it with
            /// `futures_util::StreamExt`). Retries apply only until then; dropping the stream
            /// closes the connection.
            #[inline]
            pub async fn send(self) -> ::std::result::Result<$crate::ByteStream, $crate::Error> {
                self.send_with_response().await.map(|response| response.data)
            }

            /// Like [`send`](Self::send), with the response's status, headers and request id.
            #[inline]
            pub async fn send_with_response(
                self,
            ) -> ::std::result::Result<$crate::Response<$crate::ByteStream>, $crate::Error> {
                $crate::__private::download(&self, &self.call).await
            }
        }

        impl<'a> ::std::future::IntoFuture for $builder<'a> {
            type Output = ::std::result::Result<$crate::ByteStream, $crate::Error>;
            type IntoFuture = $crate::__private::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    };
}

/// The paging methods of a generated list builder (`fetch_page`, `pages`, `items`), expanded
/// once per builder so that its docs page shows them with the item type.
#[doc(hidden)]
#[macro_export]
macro_rules! __paginated_builder {
    ($builder:ident, $item:ty) => {
        impl<'a> $builder<'a> {
            /// Fetches the page this request asks for (page 1 unless set) with paging metadata.
            #[inline]
            pub async fn fetch_page(self) -> ::std::result::Result<$crate::Page<$item>, $crate::Error> {
                $crate::__private::fetch_page(&self, &self.call).await
            }

            /// Streams every page, starting at the page this request asks for; an error ends
            /// the stream after it is yielded. The stream is `Unpin`: `next().await` works on it
            /// directly.
            #[inline]
            pub fn pages(
                self,
            ) -> $crate::__private::BoxStream<'a, ::std::result::Result<$crate::Page<$item>, $crate::Error>> {
                let call = self.call.clone();
                $crate::__private::pages(self, call)
            }

            /// Streams every item of every page; an error ends the stream after it is yielded. The
            /// stream is `Unpin`: `next().await` works on it directly.
            #[inline]
            pub fn items(self) -> $crate::__private::BoxStream<'a, ::std::result::Result<$item, $crate::Error>> {
                let call = self.call.clone();
                $crate::__private::items(self, call)
            }
        }
    };
}

/// The impls of a generated open string enum: `as_str`, `From<&str>`, `From<String>`, `FromStr`,
/// `Display` and serde as the wire string, with unknown values kept in the fallback variant.
/// Written once here because the orphan rule rules out a blanket impl over generated enums.
#[doc(hidden)]
#[macro_export]
macro_rules! __open_enum {
    ($name:ident, $fallback:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::$fallback(other) => other.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::$fallback(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::$fallback(_) => Self::$fallback(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = Self::from(<::std::string::String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?);
                if let Self::$fallback(_) = &value {
                    $crate::__private::note_fallback();
                }
                ::std::result::Result::Ok(value)
            }
        }
    };
}

/// The user agent and the tracing spans of a generated crate, named after that crate where the
/// macro expands (an `ApiInfo`'s `identity`): the user agent is its package's
/// `CARGO_PKG_NAME/CARGO_PKG_VERSION`, the spans `<CARGO_CRATE_NAME>.call` and `.attempt`.
/// Span names are part of a span's static metadata, so they are made where the crate's name is
/// known; their target stays `voice_agents_runtime`, the target of the events logged inside
/// them, so that one filter shows both. `tests/it/generated_identity.rs` checks both names for
/// code compiled outside the SDK.
#[doc(hidden)]
#[macro_export]
macro_rules! __api_identity {
    () => {
        $crate::__private::Identity {
            user_agent: ::std::concat!(::std::env!("CARGO_PKG_NAME"), "/", ::std::env!("CARGO_PKG_VERSION")),
            call_span: {
                fn call_span(
                    api: &'static str,
                    operation: &str,
                    method: &$crate::__private::Method,
                    path: &str,
                    stream: ::std::option::Option<&str>,
                ) -> $crate::__private::tracing::Span {
                    // The runtime's target, so that one filter shows the spans and the events
                    // the runtime logs inside them.
                    $crate::__private::tracing::info_span!(
                        target: "voice_agents_runtime",
                        ::std::concat!(::std::env!("CARGO_CRATE_NAME"), ".call"),
                        api,
                        operation,
                        method = %method,
                        path,
                        stream,
                    )
                }
                call_span
            },
            attempt_span: {
                fn attempt_span(attempt: u32) -> $crate::__private::tracing::Span {
                    $crate::__private::tracing::debug_span!(
                        target: "voice_agents_runtime",
                        ::std::concat!(::std::env!("CARGO_CRATE_NAME"), ".attempt"),
                        attempt,
                        status = $crate::__private::tracing::field::Empty,
                        request_id = $crate::__private::tracing::field::Empty,
                        latency_ms = $crate::__private::tracing::field::Empty,
                    )
                }
                attempt_span
            },
        }
    };
}

/// The methods every generated `<Op>Expectation` of a `mock` module has (`mock` feature):
/// matching with a closure, the escape-hatch reply and what changes the last reply, the count
/// and `mount`. Each forwards to the [`Expect`](crate::mock::Expect) the builder wraps; the
/// generator adds the typed ones (a matcher per parameter, `body`, `respond` and one method per
/// declared status).
///
/// `$expectation` must be a tuple struct `$expectation<'s>(Expect<'s, $received>)`.
#[cfg(feature = "mock")]
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_expectation {
    ($expectation:ident, $received:ty) => {
        impl<'s> $expectation<'s> {
            /// Matches only the requests for which `matcher` holds over the typed request
            /// (several matchers, and the parameter matchers, must all hold).
            #[inline]
            pub fn matching(self, matcher: impl Fn(&$received) -> bool + Send + Sync + 'static) -> Self {
                Self(self.0.matching(matcher))
            }

            /// Like [`matching`](Self::matching); `description` says what it checks in the
            /// mock's reports (`name starts with "a"`).
            #[inline]
            pub fn matching_described(
                self,
                description: impl ::std::convert::Into<::std::string::String>,
                matcher: impl Fn(&$received) -> bool + Send + Sync + 'static,
            ) -> Self {
                Self(self.0.matching_described(description, matcher))
            }

            /// Adds `reply` to the sequence as given: any status, headers and body, whether the
            /// spec declares it or not (a `503` with `Retry-After` to exercise retries, a
            /// malformed body).
            #[inline]
            pub fn reply(self, reply: $crate::mock::Reply) -> Self {
                Self(self.0.reply(reply))
            }

            /// Adds a reply that closes the connection without answering.
            #[inline]
            pub fn drop_connection(self) -> Self {
                Self(self.0.drop_connection())
            }

            /// Adds a header to the last reply.
            ///
            /// # Panics
            ///
            /// Before any reply, or when `name` or `value` is not a valid header name or value.
            #[inline]
            pub fn header(self, name: &str, value: &str) -> Self {
                Self(self.0.header(name, value))
            }

            /// Adds `Retry-After` (whole seconds, rounded up) to the last reply.
            ///
            /// # Panics
            ///
            /// Before any reply.
            #[inline]
            pub fn retry_after(self, wait: ::std::time::Duration) -> Self {
                Self(self.0.retry_after(wait))
            }

            /// Makes the last reply wait `delay` before it is sent.
            ///
            /// # Panics
            ///
            /// Before any reply.
            #[inline]
            pub fn delay(self, delay: ::std::time::Duration) -> Self {
                Self(self.0.delay(delay))
            }

            /// Makes the last reply, an event stream, wait `delay` before each event.
            ///
            /// # Panics
            ///
            /// Before any reply.
            #[inline]
            pub fn event_delay(self, delay: ::std::time::Duration) -> Self {
                Self(self.0.event_delay(delay))
            }

            /// Keeps the connection of the last reply open and silent after its body (or its
            /// events), so that the client's idle timeout fires.
            ///
            /// # Panics
            ///
            /// Before any reply.
            #[inline]
            pub fn stall(self) -> Self {
                Self(self.0.stall())
            }

            /// Cuts the last reply off halfway through its body (through its last event, for an
            /// event stream): the client sees the response end early.
            ///
            /// # Panics
            ///
            /// Before any reply.
            #[inline]
            pub fn cut_mid_event(self) -> Self {
                Self(self.0.cut_mid_event())
            }

            /// How many requests the expectation must receive (`2`, `1..=3`, `1..`,
            /// `Times::at_most(1)`), checked by `verify` and when the server is dropped; the
            /// upper bound also stops it from matching more (`times(1)` answers one request and
            /// lets the next go to another expectation). Default: any number.
            #[inline]
            pub fn times(self, times: impl ::std::convert::Into<$crate::mock::Times>) -> Self {
                Self(self.0.times(times))
            }

            /// Registers the expectation on its server and returns its handle (hits and the
            /// typed requests it answered). Without a reply it answers the operation's success
            /// status with an empty body. Among the expectations that match a request, the one
            /// mounted last answers.
            #[inline]
            pub fn mount(self) -> $crate::mock::Mounted<$received> {
                self.0.mount()
            }
        }
    };
}

/// The methods every generated `mock::MockServer` has (`mock` feature): starting it, its URLs,
/// a client pointed at it, the checks and the engine underneath. The generator adds one method
/// per operation, returning its expectation builder.
///
/// `$server` must be a struct with a field `server: MockServer` (the engine's); `$api` the
/// static `MockApi`; `$client` and `$builder` the API's generated client and its builder (a
/// tuple struct over the runtime's `ClientBuilder`).
#[cfg(feature = "mock")]
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_server {
    ($server:ident, $api:path, $client:ty, $builder:ident) => {
        impl $server {
            /// Starts a mock of the API on `127.0.0.1` and a free port, on the current tokio
            /// runtime; it serves until dropped. Each server of the spec is served under its path
            /// prefix (`/v1`...), as the real API is.
            ///
            /// # Panics
            ///
            /// Outside a tokio runtime, or when no loopback port can be bound.
            pub async fn start() -> Self {
                Self { server: $crate::mock::MockServer::start(&$api).await }
            }

            /// Like [`start`](Self::start), but serves every server's operations at the root
            /// path (`/agents`, not `/v1/agents`), as a proxy that ignores server paths forwards
            /// them: Prism's validation proxy (`prism proxy <spec> <base URL> --errors`), pointed
            /// at [`base_url`](Self::base_url), judges the mock's answers against the spec.
            ///
            /// # Panics
            ///
            /// As [`start`](Self::start).
            pub async fn start_at_root() -> Self {
                Self { server: $crate::mock::MockServer::start_at_root(&$api).await }
            }

            /// `http://127.0.0.1:<port>`, without a trailing `/`.
            pub fn base_url(&self) -> ::std::string::String {
                self.server.base_url()
            }

            /// The URL of the spec's server `index` on the mock (`http://127.0.0.1:<port>/v1`):
            /// what [`client`](Self::client) sets.
            ///
            /// # Panics
            ///
            /// When the spec has no server `index`.
            pub fn server_url(&self, index: usize) -> ::std::string::String {
                self.server.server_url(index)
            }

            /// A client pointed at the mock: every server at its URL here, a placeholder
            /// credential for every security scheme, the SDK's defaults otherwise (retries
            /// included).
            ///
            /// # Panics
            ///
            /// Never in practice: the mock's URLs and placeholder credentials are valid settings.
            pub fn client(&self) -> $client {
                self.client_builder().build().unwrap_or_else(|e| panic!("the mock's client does not build: {e}"))
            }

            /// The builder of [`client`](Self::client), to change settings before building
            /// (`.max_retries(0)`, `.timeout(..)`).
            pub fn client_builder(&self) -> $builder {
                $builder($crate::mock::client_builder::<$client>(&self.server))
            }

            /// Panics with every problem so far, numbered in one message: each expectation whose
            /// count is not met (its operation, what it matches, the expected and received
            /// counts), then each request the mock answered itself (a path that is no operation,
            /// a method the path does not have, a request that breaks the spec, one that no
            /// expectation matches). The same check runs when the server is dropped.
            #[track_caller]
            pub fn verify(&self) {
                self.server.verify()
            }

            /// The problems [`verify`](Self::verify) would report, one line each; empty when all
            /// is well.
            pub fn problems(&self) -> ::std::vec::Vec<::std::string::String> {
                self.server.problems()
            }

            /// Answers every `method` request at `path` (as sent, without the query) with
            /// `reply`, outside the spec: for a URL the API hands out without describing it as an
            /// operation, such as a presigned upload URL. Answer the operation that hands it out
            /// with the returned handle's `url()`; the handle counts the hits (`hits()`) and keeps
            /// the raw requests (`requests()`). Served before the spec's operations, unchecked,
            /// any number of times; [`verify`](Self::verify) does not count it.
            ///
            /// # Panics
            ///
            /// When `path` does not start with `/`.
            pub fn route(
                &self,
                method: $crate::http::Method,
                path: &str,
                reply: $crate::mock::Reply,
            ) -> $crate::mock::RouteHandle {
                self.server.route(method, path, reply)
            }

            /// Every request that reached the mock so far, in arrival order, whatever it was
            /// answered.
            pub fn received(&self) -> ::std::vec::Vec<$crate::mock::RecordedRequest> {
                self.server.received()
            }

            /// Forgets the expectations, the recorded requests and the problems (handles keep
            /// what their expectations received).
            pub fn reset(&self) {
                self.server.reset()
            }

            /// The untyped engine underneath, to register an expectation by operation id.
            pub fn engine(&self) -> &$crate::mock::MockServer {
                &self.server
            }
        }
    };
}
