//! A webhook endpoint for TalkifAI and Ayra deliveries on plain tokio TCP (no web framework):
//! each request's signature is checked against the raw body with the API's generated
//! `WEBHOOK_SIGNATURE` and the endpoint's secret, then the body is matched as the typed
//! `WebhookEvent`.
//!
//! Run with `TALKIFAI_WEBHOOK_SECRET=... AYRA_WEBHOOK_SECRET=... cargo run --example webhook_endpoint -p voice-agents`
//! and point the vendors at `http://<host>:8080/talkifai` and `http://<host>:8080/ayra`.
//! Answers 204 to a verified delivery, 401 to a bad signature, 400 to anything else.
//!
//! Without the two secrets (or with `VOICE_AGENTS_MOCK=1`) it serves on a free loopback port
//! instead, sends itself a few signed deliveries with the SDK's mock (`deliver_webhook` of
//! `voice_agents::talkifai::mock` and `voice_agents::ayra::mock`, in `deliver_mock_events` at the
//! bottom), one of them tampered with, and exits.
//!
//! The HTTP parsing is the minimum for the example (one request per connection, a
//! `Content-Length` body, size limits); use your web framework's in production: all it needs
//! to hand over is the headers and the body bytes exactly as received.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use voice_agents::http::StatusCode;
use voice_agents::http::{HeaderMap, HeaderName, HeaderValue};
use voice_agents::runtime::{WebhookError, WebhookVerifier};
use voice_agents::{ayra, talkifai};

/// Largest request head accepted; a delivery's headers are a few hundred bytes.
const MAX_HEAD: usize = 16 * 1024;
/// Largest body accepted; events are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock_requested = std::env::var("VOICE_AGENTS_MOCK").as_deref() == Ok("1");
    let secrets = (std::env::var("TALKIFAI_WEBHOOK_SECRET"), std::env::var("AYRA_WEBHOOK_SECRET"));
    match secrets {
        (Ok(talkifai_secret), Ok(ayra_secret)) if !mock_requested => {
            let listener = TcpListener::bind(("0.0.0.0", 8080)).await?;
            println!("listening on {}", listener.local_addr()?);
            serve(listener, talkifai::webhook_verifier(talkifai_secret), ayra::webhook_verifier(ayra_secret)).await?;
        }
        _ => {
            println!("webhook secrets not set: sending signed deliveries from the SDK's mock to a local endpoint");
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let url = format!("http://{}", listener.local_addr()?);
            println!("listening on {url}");
            let verifiers = (talkifai::webhook_verifier(MOCK_SECRET), ayra::webhook_verifier(MOCK_SECRET));
            tokio::spawn(serve(listener, verifiers.0, verifiers.1));
            deliver_mock_events(&url).await?;
        }
    }
    Ok(())
}

/// Accepts connections for good, one task each.
async fn serve(listener: TcpListener, talkifai: WebhookVerifier, ayra: WebhookVerifier) -> std::io::Result<()> {
    loop {
        let (socket, peer) = listener.accept().await?;
        let (talkifai, ayra) = (talkifai.clone(), ayra.clone());
        tokio::spawn(async move {
            // A slow or stuck client gets ten seconds, not a task forever.
            match tokio::time::timeout(Duration::from_secs(10), serve_one(socket, &talkifai, &ayra)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("{peer}: {e}"),
                Err(_) => eprintln!("{peer}: timed out"),
            }
        });
    }
}

/// One request: read it, handle it, answer it.
async fn serve_one(mut socket: TcpStream, talkifai: &WebhookVerifier, ayra: &WebhookVerifier) -> std::io::Result<()> {
    let status = match read_request(&mut socket).await? {
        Some((path, headers, body)) => match path.as_str() {
            "/talkifai" => respond(talkifai_delivery(talkifai, &headers, &body)),
            "/ayra" => respond(ayra_delivery(ayra, &headers, &body)),
            _ => "404 Not Found",
        },
        None => "400 Bad Request",
    };
    let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    socket.write_all(reply.as_bytes()).await
}

/// The status for a delivery's outcome: only a verified delivery is acknowledged.
fn respond(outcome: Result<(), WebhookError>) -> &'static str {
    match outcome {
        Ok(()) => "204 No Content",
        Err(e @ (WebhookError::Mismatch | WebhookError::MissingHeader(_) | WebhookError::MalformedHeader { .. })) => {
            eprintln!("rejected: {e}");
            "401 Unauthorized"
        }
        Err(e) => {
            eprintln!("rejected: {e}");
            "400 Bad Request"
        }
    }
}

fn talkifai_delivery(verifier: &WebhookVerifier, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
    use talkifai::WebhookEvent;
    match verifier.verify::<WebhookEvent>(headers, body)? {
        WebhookEvent::CallEnded(event) => {
            let call = event.data;
            println!(
                "talkifai {}: call {} ended after {:?} s ({:?})",
                event.id,
                call.call_id.unwrap_or_default(),
                call.duration,
                call.end_reason
            );
        }
        WebhookEvent::TranscriptReady(event) => {
            println!("talkifai {}: transcript at {}", event.id, event.data.transcript_url.unwrap_or_default());
        }
        WebhookEvent::CreditLow(event) => println!("talkifai {}: credit low: {:?}", event.id, event.data.balance),
        // Deliveries are retried: a real endpoint deduplicates on the event id.
        WebhookEvent::Unknown(body) => println!("talkifai: an event type this SDK does not know: {body}"),
        other => println!("talkifai: {}", other.event_type().unwrap_or("?")),
    }
    Ok(())
}

fn ayra_delivery(verifier: &WebhookVerifier, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
    use ayra::WebhookEvent;
    match verifier.verify::<WebhookEvent>(headers, body)? {
        WebhookEvent::CallCompleted(event) => {
            println!("ayra {}: call completed: {:?}", event.event_id, event.data);
        }
        WebhookEvent::TicketCreated(event) => println!("ayra {}: ticket {:?}", event.event_id, event.data),
        WebhookEvent::Unknown(body) => println!("ayra: an event type this SDK does not know: {body}"),
        other => println!("ayra: {}", other.event_type().unwrap_or("?")),
    }
    Ok(())
}

/// Reads one request: its path, headers and `Content-Length` body. `None` for anything that is
/// not a well-formed, small enough request.
async fn read_request(socket: &mut TcpStream) -> std::io::Result<Option<(String, HeaderMap, Vec<u8>)>> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let Ok(head) = std::str::from_utf8(&buf[..head_end]) else { return Ok(None) };
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some("POST"), Some(path)) = (request_line.next(), request_line.next()) else { return Ok(None) };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { return Ok(None) };
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.trim().as_bytes()), HeaderValue::from_str(value.trim()))
        else {
            return Ok(None);
        };
        headers.append(name, value);
    }
    let length = headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    let Some(length) = length.filter(|l| *l <= MAX_BODY) else { return Ok(None) };
    let mut body = buf[head_end + 4..].to_vec();
    if body.len() > length {
        return Ok(None);
    }
    let mut rest = vec![0u8; length - body.len()];
    socket.read_exact(&mut rest).await?;
    body.extend_from_slice(&rest);
    Ok(Some((path.to_owned(), headers, body)))
}

/// The signing secret of both endpoints in mock mode.
const MOCK_SECRET: &str = "whsec_mock";

/// Sends the endpoint at `url` what the vendors would, signed with [`MOCK_SECRET`]: TalkifAI's
/// `call.ended` and `transcript.ready`, an event type this SDK does not know yet, and Ayra's
/// `call.completed`, each of which it must accept; then a `call.ended` whose signature does not
/// match its body, which it must reject.
async fn deliver_mock_events(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    use voice_agents::ayra::mock as ayra_mock;
    use voice_agents::talkifai::mock::{self as talkifai_mock, Delivery};

    let talkifai_url = format!("{url}/talkifai");
    let call_ended = talkifai::WebhookEvent::CallEnded(talkifai::CallEndedWebhook::new(
        "evt_mock_1",
        "call.ended",
        talkifai::CallEndedData::new().call_id("call_mock_1").duration(42.5).end_reason("customer_hangup"),
    ));
    let transcript = talkifai::WebhookEvent::TranscriptReady(talkifai::TranscriptReadyWebhook::new(
        "evt_mock_2",
        "transcript.ready",
        talkifai::TranscriptReadyData::new().call_id("call_mock_1").transcript_url("https://example.com/t/1"),
    ));
    let unknown = talkifai_mock::unknown_event("call.recording_ready", &call_ended);
    for event in [&call_ended, &transcript, &unknown] {
        let status = talkifai_mock::deliver_webhook(&talkifai_url, event, MOCK_SECRET).await?;
        check("talkifai", event.event_type().unwrap_or("?"), status, StatusCode::NO_CONTENT)?;
    }

    let completed = ayra::WebhookEvent::CallCompleted(ayra::CallCompletedWebhook::new(
        "evt_ayra_1",
        "call.completed",
        ayra::WebhookCallData::new().call_id("call_ayra_1").duration_seconds(95).outcome("appointment_booked"),
    ));
    let status = ayra_mock::deliver_webhook(&format!("{url}/ayra"), &completed, MOCK_SECRET).await?;
    check("ayra", "call.completed", status, StatusCode::NO_CONTENT)?;

    let status =
        talkifai_mock::deliver_webhook_as(&talkifai_url, &call_ended, MOCK_SECRET, Delivery::BadSignature).await?;
    check("talkifai", "call.ended with a tampered signature", status, StatusCode::UNAUTHORIZED)?;
    println!("all deliveries answered as expected");
    Ok(())
}

/// Prints a delivery's answer; an error when it is not `expected`.
fn check(api: &str, what: &str, status: StatusCode, expected: StatusCode) -> Result<(), String> {
    let verdict = if status.is_success() { "accepted" } else { "rejected" };
    println!("delivered {api} {what}: {verdict} ({status})");
    if status == expected { Ok(()) } else { Err(format!("{api} {what}: expected {expected}, got {status}")) }
}
