//! The runtime's defaults, as constants: the client builder uses them, and its docs (and the
//! generated clients' docs) name them instead of restating the values.

use std::time::Duration;

/// Retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// The per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The connect timeout of the built-in HTTP client.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest pause between two chunks of a body (either way) before the transfer fails.
pub const DEFAULT_READ_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest server-requested wait (`Retry-After`) slept before retrying.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The `Accept` header sent by default; an operation that knows what it reads asks for that
/// instead (remove or change it with the builder's header methods).
pub const DEFAULT_ACCEPT: &str = "application/json, */*;q=0.5";

/// The retry-count header sent by default; its value is the attempt number, starting at 0.
pub const DEFAULT_RETRY_COUNT_HEADER: &str = "x-retry-count";

/// The header that carries a builder's `idempotency_key`.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
