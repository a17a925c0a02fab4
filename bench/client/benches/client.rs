//! Client overhead: one typed SDK call (`voice_agents::ayra::Client::list_agents`: build the
//! request, send, check the status, decode, unwrap the envelope) against the same request made
//! by hand with reqwest + serde into the same model type, so the difference is what the SDK's
//! runtime adds (credentials, retry/timeout machinery, envelope and error handling), not serde.
//!
//! Both send the same request (the hand-made one carries the SDK's default headers) to a minimal
//! HTTP/1.1 keep-alive server on 127.0.0.1 started by this bench, with a
//! small body (20 agents) and a 1 MB body. Run with
//! `cargo bench --manifest-path bench/Cargo.toml -p client-bench`; the ratios are printed at the
//! end from criterion's own estimates.
//!
//! reqwest here must be the major version `generated/Cargo.toml` uses (see bench/client/Cargo.toml).

use criterion::{criterion_group, Criterion};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use voice_agents::ayra::{AgentListEnvelope, Client};

/// Agents in the small body.
const SMALL: usize = 20;
/// Target size of the large body.
const LARGE_BYTES: usize = 1 << 20;

/// One agent as the API returns it; every field set, so decoding does full work.
fn agent(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("agent_{i:06}"),
        "name": format!("Support agent {i}"),
        "phone_number": "+14155550100",
        "voice_platform": if i.is_multiple_of(2) { "vapi" } else { "retell" },
        "voice_id": "voice_abc123",
        "language": "en",
        "system_prompt": "You are a helpful support agent. Answer briefly and politely.",
        "welcome_message": "Hi! How can I help you today?",
        "transfer_number": null,
        "business_hours": { "timezone": "Europe/Berlin", "schedule": [{ "day": "mon", "open": "09:00", "close": "17:00" }] },
        "recording_enabled": true,
        "transcription_enabled": false,
        "status": "active",
        "metadata": { "team": "support", "tier": "gold" },
        "created_at": "2025-01-02T03:04:05Z",
        "updated_at": "2025-06-07T08:09:10.123Z"
    })
}

/// A list page of `n` agents.
fn body(n: usize) -> Vec<u8> {
    let data: Vec<_> = (0..n).map(agent).collect();
    let page = serde_json::json!({ "data": data, "meta": { "request_id": "req_1", "page": 1, "per_page": n, "total": n, "total_pages": 1 } });
    serde_json::to_vec(&page).expect("a JSON value serializes")
}

/// A page of about [`LARGE_BYTES`].
fn large_body() -> Vec<u8> {
    let per_agent = body(1).len();
    body(LARGE_BYTES / per_agent)
}

/// Serves `body` to every request on a fresh loopback port; returns the base URL and the count
/// of connections accepted (a client that reuses its connection opens one). The threads end
/// with the bench process (loopback only, one request per iteration criterion makes).
fn serve(body: &'static [u8]) -> (String, &'static AtomicUsize) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let connections: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            connections.fetch_add(1, Ordering::Relaxed);
            std::thread::spawn(move || connection(stream, body));
        }
    });
    (format!("http://{addr}/v1"), connections)
}

/// Answers every request on one keep-alive connection (GET only: no request body to read).
fn connection(stream: TcpStream, body: &[u8]) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
    let mut line = String::new();
    loop {
        // Read the request head up to its blank line; EOF means the client closed.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(body)).is_err() {
            return;
        }
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let mut connections = Vec::new();
    for (name, body) in [("small-20", body(SMALL)), ("large-1mb", large_body())] {
        let body: &'static [u8] = body.leak();
        // One server per client, so each connection count belongs to one client.
        let (sdk_base, sdk_conns) = serve(body);
        let (hand_base, hand_conns) = serve(body);
        let sdk = Client::builder().bearer_auth("key").base_url(&sdk_base).max_retries(0).build().expect("SDK client");
        // The same request the SDK sends: its default headers (user-agent, accept) and the
        // retry-count header of a first attempt, so the comparison measures the runtime, not
        // the bytes of three headers (about 3 % of a 20-item call on loopback).
        let mut headers = sdk.core().config().default_headers().clone();
        if let Some(name) = sdk.core().config().retry_count_header() {
            headers.insert(name.clone(), reqwest::header::HeaderValue::from(0));
        }
        let http = reqwest::Client::builder().default_headers(headers).build().expect("reqwest client");
        let url = format!("{hand_base}/agents");
        let mut group = c.benchmark_group(format!("client/{name}"));
        group.bench_function("sdk", |b| {
            b.iter(|| rt.block_on(sdk.list_agents().send()).expect("SDK call").len());
        });
        group.bench_function("reqwest", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let resp = http.get(&url).bearer_auth("key").send().await?.error_for_status()?;
                    Ok::<_, reqwest::Error>(resp.json::<AgentListEnvelope>().await?.data.len())
                })
                .expect("hand-made call")
            });
        });
        group.finish();
        connections.push((name, sdk_conns.load(Ordering::Relaxed), hand_conns.load(Ordering::Relaxed)));
    }
    *CONNECTIONS.lock().unwrap_or_else(|e| e.into_inner()) = connections;
}

/// Per body: connections the SDK's server and the hand-made client's server accepted.
static CONNECTIONS: std::sync::Mutex<Vec<(&str, usize, usize)>> = std::sync::Mutex::new(Vec::new());

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratios();
}

/// Reads criterion's median estimates and prints SDK/hand-made ratios.
fn print_ratios() {
    // Where criterion writes: CARGO_TARGET_DIR, else the workspace's target dir (bench/target).
    let workspace_target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or(workspace_target, Into::into).join("criterion");
    let median_ns = |group: &str, id: &str| -> Option<f64> {
        let text = std::fs::read_to_string(dir.join(group).join(id).join("new/estimates.json")).ok()?;
        serde_json::from_str::<serde_json::Value>(&text).ok()?.pointer("/median/point_estimate")?.as_f64()
    };
    println!("\n| body | SDK call | by hand (reqwest + serde) | ratio SDK/hand | connections SDK / hand |\n|---|---:|---:|---:|---|");
    for (name, sdk_conns, hand_conns) in CONNECTIONS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let group = format!("client_{name}");
        match (median_ns(&group, "sdk"), median_ns(&group, "reqwest")) {
            (Some(sdk), Some(hand)) => println!(
                "| {name} | {:.1} µs | {:.1} µs | {:.2} | {sdk_conns} / {hand_conns} |",
                sdk / 1e3,
                hand / 1e3,
                sdk / hand
            ),
            _ => println!("| {name} | (no estimates under {}) | | | |", dir.display()),
        }
    }
}
