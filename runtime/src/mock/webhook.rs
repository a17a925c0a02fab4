//! Sending signed webhook deliveries to a user's endpoint, signed exactly as
//! [`WebhookVerifier`](crate::WebhookVerifier) checks them, or tampered with on purpose.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

use crate::error::Error;
use crate::webhook::{SignatureEncoding, SignedPayload, WebhookSignature};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How far outside the scheme's tolerance a stale or future timestamp lies, so that clock skew
/// between the test and the endpoint cannot bring it back inside.
const OUTSIDE_WINDOW: Duration = Duration::from_secs(60);

// Not a link: the generated mocks re-export this type beside their own `deliver_webhook`, and
// rustdoc cannot resolve a link to the runtime's from there.
/// How `deliver_webhook` sends a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// Signed as the scheme says, timestamped now: an endpoint must accept it.
    Signed,
    /// A well-formed signature that does not match the body (wrong secret or altered body).
    BadSignature,
    /// Correctly signed, but timestamped a minute before the scheme's tolerance allows (a
    /// replay captured long ago). Only for schemes with a timestamp header.
    StaleTimestamp,
    /// Correctly signed, but timestamped a minute after the tolerance allows. Only for schemes
    /// with a timestamp header.
    FutureTimestamp,
    /// The same signed request sent twice; the second answer is returned (an endpoint that
    /// deduplicates deliveries tells it apart).
    Replay,
}

/// The headers that sign `body` for `scheme` with `secret`, as delivered at unix time
/// `timestamp` (not sent when the scheme has no timestamp header): the signature header (with
/// its prefix and encoding) and the timestamp header. For testing a receiver without HTTP.
pub fn sign_webhook(body: &[u8], scheme: &WebhookSignature, secret: &str, timestamp: i64) -> Result<HeaderMap, Error> {
    sign(body, scheme, secret, timestamp, false)
}

fn sign(
    body: &[u8],
    scheme: &WebhookSignature,
    secret: &str,
    timestamp: i64,
    tamper: bool,
) -> Result<HeaderMap, Error> {
    if secret.is_empty() {
        return Err(Error::Config("webhook signing secret is empty".into()));
    }
    let timestamp_text = timestamp.to_string();
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .map_err(|_| Error::Config("invalid webhook signing secret".into()))?;
    if scheme.signed_payload == SignedPayload::TimestampDotBody {
        if scheme.timestamp_header.is_none() {
            return Err(Error::Config("the webhook scheme signs a timestamp but names no timestamp header".into()));
        }
        mac.update(timestamp_text.as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    let mut signature = mac.finalize().into_bytes().to_vec();
    if tamper {
        // Still a well-formed SHA-256 MAC, so the verifier reports a mismatch, not a malformed header.
        signature[0] ^= 0xff;
    }
    let encoded = match scheme.encoding {
        SignatureEncoding::Hex => signature.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(&signature),
    };
    let mut headers = HeaderMap::new();
    let value = format!("{}{encoded}", scheme.prefix.unwrap_or_default());
    headers.insert(header_name(scheme.header)?, header_value(scheme.header, &value)?);
    if let Some(name) = scheme.timestamp_header {
        headers.insert(header_name(name)?, header_value(name, &timestamp_text)?);
    }
    Ok(headers)
}

fn header_name(name: &str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::Config(format!("invalid webhook header name `{name}`")))
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::Config(format!("invalid value for webhook header `{name}`")))
}

/// POSTs `body` (`application/json`) to `url`, signed for `scheme` with `secret` as `how` says,
/// and returns the status the endpoint answered (of the second request, for
/// [`Delivery::Replay`]).
///
/// The timestamp is the current unix time (shifted outside the tolerance for the timestamp
/// variants). Errors: [`Error::Config`] for an empty secret, a scheme that cannot sign, a
/// timestamp variant for a scheme without a timestamp header, or a bad URL;
/// [`Error::Connection`] when the endpoint cannot be reached. No redirect is followed and no
/// timeout is set: wrap the call in `tokio::time::timeout` against an endpoint that may hang.
pub async fn deliver_webhook(
    url: &str,
    body: &[u8],
    scheme: &WebhookSignature,
    secret: &str,
    how: Delivery,
) -> Result<StatusCode, Error> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    let outside = i64::try_from((scheme.tolerance + OUTSIDE_WINDOW).as_secs()).unwrap_or(i64::MAX);
    let timestamp = match how {
        Delivery::StaleTimestamp | Delivery::FutureTimestamp if scheme.timestamp_header.is_none() => {
            return Err(Error::Config(format!(
                "{how:?} needs a webhook scheme with a timestamp header; `{}` has none",
                scheme.header
            )));
        }
        Delivery::StaleTimestamp => now.saturating_sub(outside),
        Delivery::FutureTimestamp => now.saturating_add(outside),
        _ => now,
    };
    let mut headers = sign(body, scheme, secret, timestamp, how == Delivery::BadSignature)?;
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let url = url::Url::parse(url).map_err(|e| Error::Config(format!("invalid webhook URL: {e}")))?;

    crate::builder::install_crypto_provider();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
    let send = || async {
        client
            .post(url.clone())
            .headers(headers.clone())
            .body(body.to_vec())
            .send()
            .await
            .map(|r| r.status())
            .map_err(|e| Error::Connection { message: error_chain(&e), source: Box::new(e), attempts: 1 })
    };
    let status = send().await?;
    if how == Delivery::Replay { send().await } else { Ok(status) }
}

/// [`deliver_webhook`] of a typed event: `event` encoded as JSON (as the generated
/// `WebhookEvent`s encode: the event's own body, its type member included) is the body.
///
/// Errors: those of [`deliver_webhook`], and [`Error::Config`] when `event` cannot be encoded.
pub async fn deliver_event<E: serde::Serialize + ?Sized>(
    url: &str,
    event: &E,
    scheme: &WebhookSignature,
    secret: &str,
    how: Delivery,
) -> Result<StatusCode, Error> {
    let body = serde_json::to_vec(event).map_err(|e| Error::Config(format!("the webhook event is not JSON: {e}")))?;
    deliver_webhook(url, &body, scheme, secret, how).await
}

/// `event` encoded as JSON with its event type (the member at JSON pointer `type_pointer`,
/// `/type`) replaced by `event_type`: a delivery of an event the spec does not declare, for
/// testing that an endpoint accepts (or ignores) event types added after it was written.
/// `None` when the encoded event has no member at the pointer.
pub fn retyped_event<E: serde::Serialize + ?Sized>(
    event: &E,
    type_pointer: &str,
    event_type: &str,
) -> Option<serde_json::Value> {
    let mut body = serde_json::to_value(event).ok()?;
    *body.pointer_mut(type_pointer)? = serde_json::Value::String(event_type.to_owned());
    Some(body)
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
