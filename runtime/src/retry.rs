//! Retry rules: what is retried, how long to wait, and what the server asked for.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

/// First backoff step.
const INITIAL: Duration = Duration::from_millis(500);
/// Backoff ceiling.
const MAX: Duration = Duration::from_secs(8);
/// Largest fraction of the delay that jitter removes.
const JITTER: f64 = 0.25;

/// The backoff before retry number `retry` (0 for the first retry):
/// `min(0.5 s * 2^retry, 8 s)` minus `unit_random * 25 %`.
///
/// `unit_random` is a sample from `[0, 1)`; the runtime passes a random one, tests pass bounds.
/// Values outside `[0, 1]` are clamped so the delay always stays within 75 %–100 % of the step.
pub fn backoff(retry: u32, unit_random: f64) -> Duration {
    // 2^5 * 0.5 s already exceeds the ceiling; capping the exponent avoids overflow.
    let step = INITIAL.saturating_mul(1u32 << retry.min(5)).min(MAX);
    let jitter = if unit_random.is_nan() { 0.0 } else { unit_random.clamp(0.0, 1.0) };
    step.mul_f64(1.0 - JITTER * jitter)
}

/// Methods that are safe to repeat: retrying them after a 500 or a read timeout cannot cause a
/// duplicate side effect.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS, Method::PUT, Method::DELETE].contains(method)
}

/// The server's explicit `x-should-retry` verdict, if any.
fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        v if v.eq_ignore_ascii_case("true") => Some(true),
        v if v.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Whether a non-2xx status is transient, regardless of the method.
pub(crate) fn transient_status(status: StatusCode, headers: &HeaderMap) -> bool {
    should_retry_header(headers).unwrap_or(matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504))
}

/// Whether the runtime retries a response with this status.
pub(crate) fn should_retry_status(status: StatusCode, headers: &HeaderMap, idempotent: bool) -> bool {
    if status.is_success() {
        return false;
    }
    if let Some(forced) = should_retry_header(headers) {
        return forced;
    }
    match status.as_u16() {
        408 | 429 | 502 | 503 | 504 => true,
        500 => idempotent,
        _ => false,
    }
}

/// How long the server asked us to wait: `retry-after-ms`, then `Retry-After` in seconds or as
/// an HTTP date. `None` when absent, unparsable, or not positive.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let ms = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok());
    if let Some(d) = ms.and_then(|ms| positive_secs(ms / 1000.0)) {
        return Some(d);
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return positive_secs(secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    when.duration_since(SystemTime::now()).ok().filter(|d| !d.is_zero())
}

fn positive_secs(secs: f64) -> Option<Duration> {
    // try_from_secs_f64 rejects NaN, infinities and negatives instead of panicking.
    Duration::try_from_secs_f64(secs).ok().filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn backoff_follows_formula_and_jitter_bounds() {
        let expected_ms = [500, 1000, 2000, 4000, 8000, 8000, 8000];
        for (n, ms) in expected_ms.iter().enumerate() {
            let top = Duration::from_millis(*ms);
            assert_eq!(backoff(n as u32, 0.0), top, "retry {n} without jitter");
            assert_eq!(backoff(n as u32, 1.0), top.mul_f64(0.75), "retry {n} with full jitter");
            let mid = backoff(n as u32, 0.5);
            assert!(mid < top && mid > top.mul_f64(0.75));
        }
        assert_eq!(backoff(u32::MAX, 0.0), Duration::from_secs(8));
        assert_eq!(backoff(0, f64::NAN), Duration::from_millis(500));
        assert_eq!(backoff(0, 7.0), Duration::from_millis(375));
        // Random jitter as the runtime draws it stays in bounds.
        for _ in 0..1000 {
            let d = backoff(1, rand::random::<f64>());
            assert!(d > Duration::from_millis(750) && d <= Duration::from_secs(1), "{d:?}");
        }
    }

    #[test]
    fn status_rules() {
        let none = HeaderMap::new();
        for s in [408, 429, 502, 503, 504] {
            assert!(should_retry_status(StatusCode::from_u16(s).unwrap(), &none, false), "{s}");
        }
        assert!(!should_retry_status(StatusCode::INTERNAL_SERVER_ERROR, &none, false));
        assert!(should_retry_status(StatusCode::INTERNAL_SERVER_ERROR, &none, true));
        assert!(!should_retry_status(StatusCode::BAD_REQUEST, &none, true));
        assert!(!should_retry_status(StatusCode::OK, &headers(&[("x-should-retry", "true")]), true));
        assert!(should_retry_status(StatusCode::BAD_REQUEST, &headers(&[("x-should-retry", "true")]), false));
        assert!(!should_retry_status(StatusCode::SERVICE_UNAVAILABLE, &headers(&[("x-should-retry", "FALSE")]), true));
        assert!(is_idempotent(&Method::PUT) && !is_idempotent(&Method::POST) && !is_idempotent(&Method::PATCH));
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "150")])), Some(Duration::from_millis(150)));
        assert_eq!(retry_after(&headers(&[("retry-after", "2")])), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "10"), ("retry-after", "5")])),
            Some(Duration::from_millis(10))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "-1"), ("retry-after", "5")])),
            Some(Duration::from_secs(5))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "0")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "NaN")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "1e400")])), None);
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(retry_after(&headers(&[("retry-after", &past)])), None);
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = retry_after(&headers(&[("retry-after", &future)])).unwrap();
        assert!(d > Duration::from_secs(28) && d <= Duration::from_secs(30), "{d:?}");
    }
}
