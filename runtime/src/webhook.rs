//! Verifying webhook deliveries: HMAC-SHA256 signatures, replay windows, typed events.
//!
//! Each API that sends webhooks describes its signing scheme in the spec (`x-webhook-signature`);
//! the generator emits it as a [`WebhookSignature`] constant, and its event enums implement
//! [`WebhookEvent`]. A receiver then needs the raw body (exactly the bytes received, before any
//! JSON parsing), the request headers and the endpoint's signing secret:
//!
//! ```
//! use voice_agents_runtime::{SignatureEncoding, WebhookSignature, WebhookVerifier};
//!
//! const SCHEME: WebhookSignature =
//!     WebhookSignature::hmac_sha256("x-vendor-signature").encoding(SignatureEncoding::Hex);
//!
//! fn handle(headers: &http::HeaderMap, body: &[u8]) -> Result<(), voice_agents_runtime::WebhookError> {
//!     let verifier = WebhookVerifier::new(SCHEME, std::env::var("WEBHOOK_SECRET").unwrap_or_default());
//!     let event: serde_json::Value = verifier.verify(headers, body)?;
//!     println!("{}", event["type"]);
//!     Ok(())
//! }
//! ```
//!
//! The signature is compared in constant time ([`Mac::verify_slice`]); parsing never panics on
//! hostile input (oversized headers are rejected, JSON nesting is limited by serde_json).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The default replay window: five minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Longest signature header value accepted (a SHA-256 MAC is 64 hex characters; room is left
/// for prefixes), so a hostile header cannot make the verifier decode megabytes.
const MAX_SIGNATURE_LEN: usize = 1024;

/// Longest timestamp header value accepted (unix seconds have 10 digits today).
const MAX_TIMESTAMP_LEN: usize = 20;

/// At most this many values of the signature header are tried (vendors rotating secrets send
/// one per secret).
const MAX_SIGNATURES: usize = 8;

/// How a signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Hexadecimal, either case.
    Hex,
    /// Base64, standard or URL-safe alphabet, padding optional.
    Base64,
}

/// What the MAC covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignedPayload {
    /// The raw body alone.
    Body,
    /// `{timestamp}.{body}`, with the timestamp header's value as sent.
    TimestampDotBody,
}

/// How one API signs its webhook deliveries (the spec's `x-webhook-signature`).
///
/// Build one with [`hmac_sha256`](Self::hmac_sha256) and the `const` setters; the fields are
/// public so a receiver can adjust a generated scheme (`let mut s = SCHEME; s.header = "...";`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct WebhookSignature {
    /// The header carrying the signature.
    pub header: &'static str,
    /// How the MAC is encoded.
    pub encoding: SignatureEncoding,
    /// Text before the encoded MAC (e.g. `sha256=`), matched case-insensitively; `None` for none.
    pub prefix: Option<&'static str>,
    /// The header carrying the delivery time in unix seconds, when the API sends one; then the
    /// time must lie within [`tolerance`](Self::tolerance) of now.
    pub timestamp_header: Option<&'static str>,
    /// What the MAC covers.
    pub signed_payload: SignedPayload,
    /// How far the timestamp may be from now, in the past or the future.
    pub tolerance: Duration,
}

impl WebhookSignature {
    /// HMAC-SHA256 in `header`: hex, no prefix, over the body, no timestamp, 5-minute window.
    pub const fn hmac_sha256(header: &'static str) -> Self {
        WebhookSignature {
            header,
            encoding: SignatureEncoding::Hex,
            prefix: None,
            timestamp_header: None,
            signed_payload: SignedPayload::Body,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Sets the encoding.
    pub const fn encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets the prefix before the encoded MAC.
    pub const fn prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// Sets the timestamp header.
    pub const fn timestamp_header(mut self, header: &'static str) -> Self {
        self.timestamp_header = Some(header);
        self
    }

    /// Sets what the MAC covers.
    pub const fn signed_payload(mut self, payload: SignedPayload) -> Self {
        self.signed_payload = payload;
        self
    }

    /// Sets the replay window.
    pub const fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }
}

/// A typed webhook event; the generator implements it for each API's event enum, which keeps
/// event types it does not know as raw JSON instead of failing.
pub trait WebhookEvent: DeserializeOwned {
    /// The event's type name (`call.ended`), when the type knows it.
    fn event_type(&self) -> Option<&str> {
        None
    }
}

/// Untyped events: the body as JSON.
impl WebhookEvent for serde_json::Value {}

/// Why a delivery was rejected. Messages never contain the secret or the received signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header the scheme needs is absent.
    #[error("webhook header `{0}` is missing")]
    MissingHeader(&'static str),

    /// The signature or timestamp header cannot be read (bad encoding, wrong length, no
    /// prefix, too long, not a number).
    #[error("webhook header `{header}` is malformed: {reason}")]
    #[non_exhaustive]
    MalformedHeader {
        /// The header.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// No signature matched the body: wrong secret, altered or truncated body, or a forgery.
    #[error("webhook signature does not match the body")]
    Mismatch,

    /// The signature is valid but the delivery time is too old (a replay) or too far ahead.
    #[error("webhook timestamp {timestamp} is {} s from now, outside the {} s tolerance", .skew_secs, .tolerance.as_secs())]
    #[non_exhaustive]
    TimestampOutsideTolerance {
        /// The timestamp sent (unix seconds).
        timestamp: i64,
        /// How far it is from now in seconds (negative: in the past).
        skew_secs: i64,
        /// The window that was allowed.
        tolerance: Duration,
    },

    /// The signature is valid but the body is not the expected event.
    #[error("webhook body is not a valid event at `{path}`: {message}")]
    #[non_exhaustive]
    InvalidBody {
        /// Where decoding failed (`$.data.duration`; `$` is the root).
        path: String,
        /// What went wrong, from the JSON parser.
        message: String,
    },

    /// The verifier cannot check anything: an empty secret, or a scheme that signs a timestamp
    /// without naming its header.
    #[error("webhook verifier misconfigured: {0}")]
    Config(&'static str),
}

/// The clock used for the replay window.
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Checks deliveries of one endpoint: a scheme and its signing secret.
#[derive(Clone)]
pub struct WebhookVerifier {
    scheme: WebhookSignature,
    secret: SecretString,
    clock: Clock,
}

impl WebhookVerifier {
    /// A verifier for `scheme` with the endpoint's signing secret (used as its UTF-8 bytes).
    pub fn new(scheme: WebhookSignature, secret: impl Into<String>) -> Self {
        WebhookVerifier { scheme, secret: SecretString::from(secret.into()), clock: Arc::new(SystemTime::now) }
    }

    /// Replaces the system clock (for tests, or a clock you trust more).
    pub fn with_clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// The scheme this verifier checks.
    pub fn scheme(&self) -> &WebhookSignature {
        &self.scheme
    }

    /// Checks the signature (and the timestamp window, when the scheme has one), then decodes
    /// the body as `E`.
    pub fn verify<E: WebhookEvent>(&self, headers: &HeaderMap, body: &[u8]) -> Result<E, WebhookError> {
        self.verify_signature(headers, body)?;
        decode(body)
    }

    /// Checks the signature (and the timestamp window) only, for receivers that parse the body
    /// themselves. Only a verified body may be trusted.
    pub fn verify_signature(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        let scheme = &self.scheme;
        let key = self.secret.expose_secret().as_bytes();
        if key.is_empty() {
            return Err(WebhookError::Config("the signing secret is empty"));
        }
        let timestamp = match scheme.timestamp_header {
            Some(name) => Some(read_timestamp(headers, name)?),
            None if scheme.signed_payload == SignedPayload::TimestampDotBody => {
                return Err(WebhookError::Config(
                    "the signed payload includes a timestamp but no timestamp header is set",
                ));
            }
            None => None,
        };
        let signatures = read_signatures(headers, scheme)?;
        let mut mac = HmacSha256::new_from_slice(key).map_err(|_| WebhookError::Config("invalid HMAC key"))?;
        if let (SignedPayload::TimestampDotBody, Some((text, _))) = (scheme.signed_payload, &timestamp) {
            mac.update(text.as_bytes());
            mac.update(b".");
        }
        mac.update(body);
        // Each candidate is compared in constant time; trying several reveals nothing about the key.
        if !signatures.iter().any(|sig| mac.clone().verify_slice(sig).is_ok()) {
            return Err(WebhookError::Mismatch);
        }
        if let Some((_, ts)) = timestamp {
            check_window(ts, (self.clock)(), scheme.tolerance)?;
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("scheme", &self.scheme)
            .field("secret", &crate::redact::REDACTED)
            .finish_non_exhaustive()
    }
}

/// Every decodable signature in the header (at most [`MAX_SIGNATURES`]).
fn read_signatures(headers: &HeaderMap, scheme: &WebhookSignature) -> Result<Vec<Vec<u8>>, WebhookError> {
    let name = scheme.header;
    let malformed = |reason| WebhookError::MalformedHeader { header: name, reason };
    let mut out = Vec::new();
    for value in headers.get_all(name).iter().take(MAX_SIGNATURES) {
        if value.len() > MAX_SIGNATURE_LEN {
            return Err(malformed("too long"));
        }
        let text = value.to_str().map_err(|_| malformed("not ASCII"))?.trim();
        let encoded = match scheme.prefix {
            Some(prefix) => strip_prefix_ignore_case(text, prefix).ok_or_else(|| malformed("the prefix is missing"))?,
            None => text,
        };
        let bytes = match scheme.encoding {
            SignatureEncoding::Hex => decode_hex(encoded).ok_or_else(|| malformed("not hexadecimal"))?,
            SignatureEncoding::Base64 => decode_base64(encoded).ok_or_else(|| malformed("not base64"))?,
        };
        if bytes.len() != 32 {
            return Err(malformed("not a SHA-256 MAC (wrong length)"));
        }
        out.push(bytes);
    }
    if out.is_empty() {
        return Err(WebhookError::MissingHeader(name));
    }
    Ok(out)
}

/// The timestamp header as sent and as unix seconds.
fn read_timestamp(headers: &HeaderMap, name: &'static str) -> Result<(String, i64), WebhookError> {
    let malformed = |reason| WebhookError::MalformedHeader { header: name, reason };
    let value = headers.get(name).ok_or(WebhookError::MissingHeader(name))?;
    if value.len() > MAX_TIMESTAMP_LEN {
        return Err(malformed("too long"));
    }
    let text = value.to_str().map_err(|_| malformed("not ASCII"))?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("not unix seconds"));
    }
    let seconds = text.parse::<i64>().map_err(|_| malformed("not unix seconds"))?;
    Ok((text.to_owned(), seconds))
}

/// Rejects timestamps more than `tolerance` before or after `now`.
fn check_window(timestamp: i64, now: SystemTime, tolerance: Duration) -> Result<(), WebhookError> {
    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::from(d.as_secs()),
        Err(e) => -i128::from(e.duration().as_secs()),
    };
    let skew = i128::from(timestamp) - now;
    if skew.unsigned_abs() > u128::from(tolerance.as_secs()) {
        let skew_secs = i64::try_from(skew).unwrap_or(if skew < 0 { i64::MIN } else { i64::MAX });
        return Err(WebhookError::TimestampOutsideTolerance { timestamp, skew_secs, tolerance });
    }
    Ok(())
}

/// Decodes a verified body; the error names the JSON path.
fn decode<E: DeserializeOwned>(body: &[u8]) -> Result<E, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody {
        path: crate::json_path::path_of_error(body, &e),
        message: e.to_string(),
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    text.as_bytes().chunks(2).map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)).collect()
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    let lenient = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
    standard.decode(text).or_else(|_| url_safe.decode(text)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_decoding() {
        assert_eq!(decode_hex("00ffA0"), Some(vec![0, 255, 160]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex("é0"), None, "multi-byte characters are not hex digits");
        assert_eq!(decode_base64("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("!!"), None);
    }

    #[test]
    fn window_rejects_old_and_future_timestamps_without_overflow() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let tol = Duration::from_secs(300);
        assert!(check_window(1_700_000_000, now, tol).is_ok());
        assert!(check_window(1_700_000_300, now, tol).is_ok());
        assert!(check_window(1_699_999_700, now, tol).is_ok());
        assert!(matches!(
            check_window(1_699_999_699, now, tol),
            Err(WebhookError::TimestampOutsideTolerance { skew_secs: -301, .. })
        ));
        assert!(check_window(1_700_000_301, now, tol).is_err());
        assert!(check_window(i64::MAX, now, tol).is_err());
        assert!(check_window(0, UNIX_EPOCH - Duration::from_secs(5), tol).is_ok());
    }

    #[test]
    fn prefix_is_case_insensitive_and_utf8_safe() {
        assert_eq!(strip_prefix_ignore_case("SHA256=ab", "sha256="), Some("ab"));
        assert_eq!(strip_prefix_ignore_case("ab", "sha256="), None);
        assert_eq!(strip_prefix_ignore_case("shä256=ab", "sha256="), None);
    }
}
