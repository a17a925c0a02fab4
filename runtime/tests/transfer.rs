//! Peak memory and throughput of large transfers through the SDK, beside the same transfers done
//! with reqwest by hand, in one run: the design's invariant 8, "memory does not grow with the size
//! of an upload, a download or a stream", as a test.
//!
//! Scenarios, against a local server on 127.0.0.1 that generates and checks the content in
//! 64 KiB blocks (it never holds a whole body either):
//!
//! * **download**: `RawCall::download()` + `ByteStream::save_to(file)`; by hand, a plain
//!   `reqwest::Client`'s `bytes_stream()` written to a `tokio::fs::File`. The file's length and
//!   content are checked afterwards by reading it back in blocks.
//! * **upload**: a `multipart/form-data` body, a text part and `Upload::from_path(file)`; by hand,
//!   a `reqwest::multipart::Form` whose file part is `Part::stream_with_length` over a
//!   `ReaderStream` of the file. The server refuses a body without a `Content-Length` and checks
//!   the framing, the text part and every byte of the file part.
//!
//! Each kind runs [`DEFAULT_ROUNDS`] times per client (3 in release, 2 in debug) after an SDK
//! warm-up, SDK and hand interleaved to spread machine noise over both and taking turns to go
//! first ([`schedule`]). Wall time and CPU time (of the whole process, `/proc/self/stat`) are
//! printed, never asserted (CI machines are shared); on a loaded machine the CPU-time ratio is
//! the steadier of the two.
//! Only the memory bound is asserted: the SDK's transfers must grow the peak RSS by less than
//! [`BOUND`].
//!
//! # How peak memory is measured
//!
//! Linux keeps each process's resident-set high-water mark, `VmHWM` in `/proc/self/status`, and
//! resets it to the current resident size when `5` is written to `/proc/self/clear_refs`
//! (`Documentation/filesystems/proc.rst`, since Linux 4.0). Before each transfer the mark is
//! reset; after it, `VmHWM` minus the resident size at the reset is the transfer's peak growth.
//! RSS counts every page the process touched, whichever allocator or thread touched it, so a
//! body buffered anywhere shows; the kernel's socket buffers and page cache are not the
//! process's memory and do not. One caveat: memory an allocator kept from an earlier transfer can
//! be reused without raising RSS, so each line also prints the RSS at the reset (it stays near
//! the process's start), and the SDK's warm-up transfer of each kind, whose growth is checked
//! too, runs before any hand-made transfer of that kind.
//!
//! This is its own test target with `harness = false`, so the process runs nothing but these
//! scenarios, one after the other: no other test's allocations reach the high-water mark. On
//! other systems it prints why it is skipped and passes.
//!
//! Sizes: [`DEFAULT_MIB`] in `cargo test` (a few seconds in a debug build, still far above the
//! bound, so reading a body whole fails it); `VOICE_AGENTS_TRANSFER_MIB=1024,256` (download,
//! upload) sets others, e.g. the issue's figures in release, see `bench/README.md`;
//! `VOICE_AGENTS_TRANSFER_ROUNDS=N` the number of measured rounds.

use std::future::Future;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Instant;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use voice_agents_runtime::__private::{ApiClient, ApiInfo, ServerInfo};
use voice_agents_runtime::http::{HeaderMap, Method};
use voice_agents_runtime::{ClientBuilder, Core, Multipart, Upload};

/// This test's name, for `cargo test NAME` filters.
const NAME: &str = "transfer";
const MIB: u64 = 1024 * 1024;
/// The issue's bound: an SDK transfer may grow the process's peak RSS by less than this.
const BOUND: u64 = 64 * MIB;
/// (download, upload) sizes in MiB when [`SIZES_VAR`] is not set.
const DEFAULT_MIB: (u64, u64) = (256, 128);
const SIZES_VAR: &str = "VOICE_AGENTS_TRANSFER_MIB";
/// Measured transfers of each kind per client when [`ROUNDS_VAR`] is not set: in release, where
/// the figures are read, an odd number so that the median is one of them; in debug builds
/// (`cargo test`, for the memory bound) fewer, to keep the test near 5 s.
const DEFAULT_ROUNDS: usize = if cfg!(debug_assertions) { 2 } else { 3 };
const ROUNDS_VAR: &str = "VOICE_AGENTS_TRANSFER_ROUNDS";
/// The unit of content: what the server writes per `write_all`, the upload file is written in,
/// and the hand-made upload reads (the SDK's own read size for files).
const BLOCK: usize = 64 * 1024;
/// Each block starts with its index, as 8 little-endian bytes.
const STAMP: usize = 8;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !selected(&args) {
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--list") {
        println!("{NAME}: test");
        return ExitCode::SUCCESS;
    }
    if !cfg!(target_os = "linux") {
        println!("{NAME}: skipped: peak memory is read from Linux's /proc/self (VmHWM, clear_refs)");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = reset_peak() {
        println!("{NAME}: skipped: cannot reset the peak RSS through /proc/self/clear_refs: {e}");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => {
            println!("{NAME}: ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{NAME}: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether libtest-style arguments select this test: `cargo test FILTER` runs only tests whose
/// name contains a filter, `--skip NAME` leaves out those containing it, `--ignored` runs only
/// ignored tests (this one is not).
fn selected(args: &[String]) -> bool {
    let (mut filters, mut skips) = (Vec::new(), Vec::new());
    let mut args = args.iter().map(String::as_str);
    while let Some(arg) = args.next() {
        match arg {
            "--ignored" => return false,
            "--skip" => skips.extend(args.next()),
            "--test-threads" | "--format" | "--color" | "--logfile" | "--shuffle-seed" | "-Z" => {
                args.next();
            }
            _ if arg.starts_with("--skip=") => skips.push(&arg["--skip=".len()..]),
            _ if arg.starts_with('-') => {}
            filter => filters.push(filter),
        }
    }
    (filters.is_empty() || filters.iter().any(|f| NAME.contains(f))) && !skips.iter().any(|s| NAME.contains(s))
}

fn run() -> Result<(), String> {
    let (download_size, upload_size) = sizes()?;
    let rounds = rounds()?;
    let mut temp = TempFiles::default();
    let upload_file = temp.path("upload.bin");
    write_content(&upload_file, upload_size).map_err(|e| format!("writing {}: {e}", upload_file.display()))?;

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let addr = start_server()?;
    let base = format!("http://{addr}");
    // Retries off: a failed attempt must fail the test, not be timed as part of a slow transfer.
    let sdk =
        ClientBuilder::<TransferClient>::new().base_url(&base).max_retries(0).build().map_err(|e| e.to_string())?.0;
    // The SDK's builder installs ring as the process's rustls provider; a plain `reqwest::Client`
    // built without one (the runtime enables `rustls-no-provider`) would not build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let hand = reqwest::Client::new();

    println!(
        "{NAME}: download {} and upload {} ({SIZES_VAR}), an SDK warm-up then {rounds} rounds ({ROUNDS_VAR}), \
         SDK and hand interleaved; peak = VmHWM growth after `echo 5 > /proc/self/clear_refs`",
        mib(download_size),
        mib(upload_size)
    );
    let mut download = Row::new("download", download_size);
    for (round, client) in schedule(rounds) {
        let to = temp.path(&format!("download-{}.bin", client.label()));
        let transfer = async {
            match client {
                Client::Sdk => sdk_download(&sdk, download_size, &to).await,
                Client::Hand => hand_download(&hand, &format!("{base}/download/{download_size}"), &to).await,
            }
        };
        let failed = |e| format!("{} download: {e}", client.label());
        let (written, m) = measure(&rt, transfer).map_err(failed)?;
        // Checked after the measurement, and the file removed at once: its dirty pages would
        // otherwise be written back while the next transfer is timed.
        let checked = check_file(&to, download_size);
        let _ = std::fs::remove_file(&to);
        checked.map_err(failed)?;
        if written != download_size {
            return Err(failed(format!("saving reported {written} bytes written")));
        }
        download.push(client, round, m);
    }
    let mut upload = Row::new("upload", upload_size);
    for (round, client) in schedule(rounds) {
        let transfer = async {
            match client {
                Client::Sdk => sdk_upload(&sdk, &upload_file).await,
                Client::Hand => hand_upload(&hand, &format!("{base}/upload"), &upload_file).await,
            }
        };
        let (received, m) = measure(&rt, transfer).map_err(|e| format!("{} upload: {e}", client.label()))?;
        // The server checked the framing around the file part and every byte of it; left to
        // check: the part is the whole file, and the framing is small.
        let overhead = received.body.saturating_sub(received.file);
        if received.file != upload_size || !(1..4096).contains(&overhead) {
            let (body, file) = (received.body, received.file);
            return Err(format!(
                "{} upload: the server received a {body}-byte body with a {file}-byte file part, for a \
                 {upload_size}-byte file",
                client.label()
            ));
        }
        upload.push(client, round, m);
    }

    println!();
    print_table(&[&download, &upload], rounds);
    let over: Vec<String> = [&download, &upload]
        .iter()
        .flat_map(|row| row.warmup.iter().chain(&row.sdk).map(move |m| (row, m)))
        .filter(|(_, m)| m.growth >= BOUND)
        .map(|(row, m)| format!("{} {}: peak RSS grew by {}", row.kind, mib(row.size), mib(m.growth)))
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "memory grows with the size of a transfer (the design's invariant 8); the bound is {}: {}",
            mib(BOUND),
            over.join("; ")
        ))
    }
}

/// The transfers of one kind, in order: `(round, client)`, round 0 being the SDK's warm-up.
///
/// The warm-up is measured for memory (the SDK's first transfer, in a process that has done no
/// other) but not timed: the first large transfer of a process pays once for what later ones
/// reuse (tokio's blocking threads, and on a VM the host backing fresh page-cache pages, seen
/// here as a first transfer taking 2 to 4 times as long). Then who goes first takes turns
/// (SDK, hand, hand, SDK, ...), so that neither always follows the other.
fn schedule(rounds: usize) -> impl Iterator<Item = (usize, Client)> {
    let turn = |round: usize| if round % 2 == 1 { [Client::Sdk, Client::Hand] } else { [Client::Hand, Client::Sdk] };
    std::iter::once((0, Client::Sdk)).chain((1..=rounds).flat_map(move |round| turn(round).map(|c| (round, c))))
}

/// Measured rounds per client, from [`ROUNDS_VAR`].
fn rounds() -> Result<usize, String> {
    let Ok(text) = std::env::var(ROUNDS_VAR) else { return Ok(DEFAULT_ROUNDS) };
    text.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(format!("{ROUNDS_VAR}={text}: expected a number of rounds, at least 1"))
}

/// (download, upload) sizes in bytes, from [`SIZES_VAR`] (`DOWNLOAD_MIB,UPLOAD_MIB`).
fn sizes() -> Result<(u64, u64), String> {
    let Ok(text) = std::env::var(SIZES_VAR) else { return Ok((DEFAULT_MIB.0 * MIB, DEFAULT_MIB.1 * MIB)) };
    let parsed: Option<Vec<u64>> = text.split(',').map(|n| n.trim().parse().ok().filter(|n| *n > 0)).collect();
    match parsed.as_deref() {
        Some(&[download, upload]) => Ok((download * MIB, upload * MIB)),
        _ => Err(format!("{SIZES_VAR}={text}: expected two sizes in MiB, download then upload, e.g. 1024,256")),
    }
}

// ---- Measuring ----

/// One timed transfer.
struct Measured {
    secs: f64,
    /// CPU time of the whole process (client, server and blocking threads) during the transfer.
    cpu: f64,
    /// Peak RSS growth during the transfer, in bytes.
    growth: u64,
    /// RSS when the transfer started, in bytes.
    rss_before: u64,
}

/// Runs `transfer` to completion on `rt`, timing it and measuring the peak RSS it adds.
fn measure<T>(rt: &Runtime, transfer: impl Future<Output = Result<T, String>>) -> Result<(T, Measured), String> {
    let before = reset_peak().map_err(|e| format!("resetting the peak RSS: {e}"))?;
    let cpu_before = cpu_secs()?;
    let started = Instant::now();
    let out = rt.block_on(transfer)?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_secs()? - cpu_before;
    let peak = status_kib("VmHWM").map_err(|e| format!("reading the peak RSS: {e}"))?;
    Ok((out, Measured { secs, cpu, growth: peak.saturating_sub(before) * 1024, rss_before: before * 1024 }))
}

/// User and system CPU time of the process so far, all threads (`utime` and `stime` of
/// `/proc/self/stat`, in ticks of `USER_HZ`, 100 per second on Linux's ABIs; 10 ms resolution
/// is ample for transfers of a second or more).
fn cpu_secs() -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc/self/stat: {e}"))?;
    // Fields from the 3rd on follow the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    match (tick(14 - 3), tick(15 - 3)) {
        (Some(user), Some(system)) => Ok((user + system) as f64 / 100.0),
        _ => Err(format!("no utime and stime in /proc/self/stat: {stat}")),
    }
}

/// Resets the process's RSS high-water mark to its current RSS, and returns that (KiB).
fn reset_peak() -> std::io::Result<u64> {
    std::fs::write("/proc/self/clear_refs", "5")?;
    status_kib("VmHWM")
}

/// A `kB` field of `/proc/self/status`.
fn status_kib(field: &str) -> std::io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no {field} in /proc/self/status")))
}

#[derive(Clone, Copy)]
enum Client {
    Sdk,
    Hand,
}

impl Client {
    fn label(self) -> &'static str {
        match self {
            Client::Sdk => "sdk",
            Client::Hand => "hand",
        }
    }
}

/// The measurements of one kind of transfer.
struct Row {
    kind: &'static str,
    size: u64,
    /// The SDK's untimed first transfer (see [`schedule`]).
    warmup: Option<Measured>,
    sdk: Vec<Measured>,
    hand: Vec<Measured>,
}

impl Row {
    fn new(kind: &'static str, size: u64) -> Self {
        Row { kind, size, warmup: None, sdk: Vec::new(), hand: Vec::new() }
    }

    /// Prints a measurement and keeps it; round 0 is the warm-up.
    fn push(&mut self, client: Client, round: usize, m: Measured) {
        let label = if round == 0 { "warm-up".to_owned() } else { format!("round {round}") };
        println!(
            "  {:<8} {:>9}  {:<4} {label:>7}: {:>7.3} s {:>7.0} MiB/s, cpu {:.2} s, peak +{} (RSS {} before)",
            self.kind,
            mib(self.size),
            client.label(),
            m.secs,
            self.rate(m.secs),
            m.cpu,
            mib(m.growth),
            mib(m.rss_before)
        );
        match (round, client) {
            (0, _) => self.warmup = Some(m),
            (_, Client::Sdk) => self.sdk.push(m),
            (_, Client::Hand) => self.hand.push(m),
        }
    }

    fn rate(&self, secs: f64) -> f64 {
        self.size as f64 / MIB as f64 / secs
    }
}

fn print_table(rows: &[&Row], rounds: usize) {
    println!(
        "{:<8} {:>9} {:>8} {:>9} {:>8} {:>10} {:>9} {:>8} {:>9} {:>9}",
        "scenario",
        "size",
        "SDK s",
        "SDK MiB/s",
        "hand s",
        "hand MiB/s",
        "SDK/hand",
        "CPU s/h",
        "SDK peak",
        "hand peak"
    );
    for row in rows {
        let secs = |ms: &[Measured]| median(ms.iter().map(|m| m.secs).collect());
        let peak = |ms: &[Measured]| ms.iter().map(|m| m.growth).max().unwrap_or(0);
        let sdk_peak = row.warmup.iter().map(|m| m.growth).max().unwrap_or(0).max(peak(&row.sdk));
        let (sdk, hand) = (secs(&row.sdk), secs(&row.hand));
        // Each round's SDK figure over the hand figure measured next to it, then the median.
        let ratio =
            |of: fn(&Measured) -> f64| median(row.sdk.iter().zip(&row.hand).map(|(s, h)| of(s) / of(h)).collect());
        println!(
            "{:<8} {:>9} {:>8.3} {:>9.0} {:>8.3} {:>10.0} {:>9.2} {:>8.2} {:>9} {:>9}",
            row.kind,
            mib(row.size),
            sdk,
            row.rate(sdk),
            hand,
            row.rate(hand),
            ratio(|m| m.secs),
            ratio(|m| m.cpu),
            format!("+{}", mib(sdk_peak)),
            format!("+{}", mib(peak(&row.hand)))
        );
    }
    println!(
        "(s: median wall time of {rounds} rounds; SDK/hand and CPU s/h: medians of each round's ratio of wall and of \
         CPU time, > 1 means the SDK is slower; peak: the largest growth of peak RSS, the SDK's warm-up included)"
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn mib(bytes: u64) -> String {
    let m = bytes as f64 / MIB as f64;
    if m >= 100.0 { format!("{m:.0} MiB") } else { format!("{m:.1} MiB") }
}

// ---- The transfers ----

static API: ApiInfo = ApiInfo {
    name: "transfer-test",
    servers: &[ServerInfo { url: "http://127.0.0.1", description: "the local test server" }],
    security_schemes: &[],
    identity: voice_agents_runtime::__api_identity!(),
};

/// A client the way the generator writes one, for [`API`].
struct TransferClient(Core);

impl ApiClient for TransferClient {
    const API: &'static ApiInfo = &API;
    fn from_core(core: Core) -> Self {
        TransferClient(core)
    }
}

async fn sdk_download(sdk: &Core, size: u64, to: &Path) -> Result<u64, String> {
    let response = sdk.raw(Method::GET, &format!("/download/{size}")).download().await.map_err(|e| e.to_string())?;
    response.data.save_to(to).await.map_err(|e| e.to_string())
}

async fn hand_download(http: &reqwest::Client, url: &str, to: &Path) -> Result<u64, String> {
    let response = http.get(url).send().await.and_then(|r| r.error_for_status()).map_err(|e| e.to_string())?;
    let mut file = tokio::fs::File::create(to).await.map_err(|e| e.to_string())?;
    let mut chunks = response.bytes_stream();
    let mut written = 0;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        file.write_all(&chunk).await.map_err(|e| e.to_string())?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(|e| e.to_string())?;
    Ok(written)
}

async fn sdk_upload(sdk: &Core, from: &Path) -> Result<Received, String> {
    let form = Multipart::new().text("key", "v").upload("file", Upload::from_path(from));
    let response = sdk.raw(Method::POST, "/upload").multipart(form).send().await.map_err(|e| e.to_string())?;
    Received::from_headers(&response.headers)
}

async fn hand_upload(http: &reqwest::Client, url: &str, from: &Path) -> Result<Received, String> {
    let file = tokio::fs::File::open(from).await.map_err(|e| e.to_string())?;
    let length = file.metadata().await.map_err(|e| e.to_string())?.len();
    // 64 KiB reads, as the SDK reads files: `ReaderStream::new`'s 4 KiB would make this
    // baseline slower than what a careful hand writes.
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(file, BLOCK));
    let name = from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let part = reqwest::multipart::Part::stream_with_length(body, length)
        .file_name(name)
        .mime_str("application/octet-stream")
        .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new().text("key", "v").part("file", part);
    let response = http.post(url).multipart(form).send().await.map_err(|e| e.to_string())?;
    if response.status() != reqwest::StatusCode::NO_CONTENT {
        let status = response.status();
        return Err(format!("HTTP {status}: {}", response.text().await.unwrap_or_default()));
    }
    Received::from_headers(response.headers())
}

/// What the server counted of an upload (its `x-body-bytes` and `x-file-bytes` headers).
struct Received {
    body: u64,
    file: u64,
}

impl Received {
    fn from_headers(headers: &HeaderMap) -> Result<Self, String> {
        let count = |name: &str| -> Result<u64, String> {
            headers.get(name).and_then(|v| v.to_str().ok()?.parse().ok()).ok_or(format!("no {name} in the answer"))
        };
        Ok(Received { body: count("x-body-bytes")?, file: count("x-file-bytes")? })
    }
}

// ---- The content ----

/// 64 KiB of xorshift bytes: no period shorter than a block, so a chunk lost, repeated or
/// moved by any number of bytes shows.
static PATTERN: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..BLOCK)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
});

/// A buffer holding block 0 of the content; [`stamp`] turns it into any other block.
fn block_buffer() -> Vec<u8> {
    let mut block = PATTERN.clone();
    stamp(&mut block, 0);
    block
}

/// Makes a [`block_buffer`] block `index`: the pattern with the index in its first 8 bytes, so
/// that a whole block lost or repeated shows too.
fn stamp(block: &mut [u8], index: u64) {
    block[..STAMP].copy_from_slice(&index.to_le_bytes());
}

/// Whether `data` is the content from byte `offset` on.
fn is_content(mut offset: u64, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        let index = offset / BLOCK as u64;
        let at = (offset % BLOCK as u64) as usize;
        let (piece, rest) = data.split_at(data.len().min(BLOCK - at));
        let stamped = STAMP.saturating_sub(at).min(piece.len());
        if stamped > 0 && piece[..stamped] != index.to_le_bytes()[at..at + stamped] {
            return false;
        }
        if piece[stamped..] != PATTERN[at + stamped..at + piece.len()] {
            return false;
        }
        offset += piece.len() as u64;
        data = rest;
    }
    true
}

/// Writes `size` bytes of content to a new file at `path`, block by block, and waits until the
/// disk has it, so that its write-back does not overlap a timed transfer.
fn write_content(path: &Path, size: u64) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    let mut block = block_buffer();
    let mut written = 0;
    for index in 0.. {
        if written == size {
            break;
        }
        let n = (size - written).min(BLOCK as u64) as usize;
        stamp(&mut block, index);
        file.write_all(&block[..n])?;
        written += n as u64;
    }
    file.sync_all()
}

/// Checks that the file at `path` is `size` bytes of content, reading it in blocks.
fn check_file(path: &Path, size: u64) -> Result<(), String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = vec![0; BLOCK];
    let mut offset = 0;
    loop {
        let n = file.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        if !is_content(offset, &buf[..n]) {
            return Err(format!(
                "the saved file differs from the content sent, within bytes {offset}..{}",
                offset + n as u64
            ));
        }
        offset += n as u64;
    }
    if offset == size { Ok(()) } else { Err(format!("the saved file has {offset} bytes, not {size}")) }
}

/// Temporary files, removed when dropped (also when the test fails or panics).
#[derive(Default)]
struct TempFiles(Vec<PathBuf>);

impl TempFiles {
    /// A path in the temp dir, unique to this process.
    fn path(&mut self, name: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("voice-agents-{NAME}-{}-{name}", std::process::id()));
        if !self.0.contains(&path) {
            self.0.push(path.clone());
        }
        path
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

// ---- The server ----

/// Starts the local server on its own thread and single-threaded runtime, so that serving does
/// not take the client runtime's workers. It answers `GET /download/<bytes>` with that much
/// content and `POST /upload` with 204 after checking the multipart body, one request per
/// connection (`connection: close`). Its memory is bounded too (a block and a request head), and
/// counted: it lives in the measured process.
fn start_server() -> Result<SocketAddr, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("transfer-server".into())
        .spawn(move || {
            server.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("a listener on the server's runtime");
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream));
                }
            })
        })
        .map_err(|e| e.to_string())?;
    Ok(addr)
}

/// A request's head: method, path and headers (names in lower case).
struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

async fn serve(mut stream: TcpStream) {
    let Some((head, body_start)) = read_head(&mut stream).await else { return };
    let download = head.path.strip_prefix("/download/").and_then(|n| n.parse().ok());
    let answer = match (head.method.as_str(), head.path.as_str(), download) {
        ("GET", _, Some(size)) => return send_content(stream, size).await,
        ("POST", "/upload", _) => match receive_upload(&mut stream, &head, body_start).await {
            Some(Ok(body)) => format!(
                "HTTP/1.1 204 No Content\r\nx-body-bytes: {}\r\nx-file-bytes: {}\r\nconnection: close\r\n\r\n",
                body.length, body.file_bytes
            ),
            Some(Err((status, why))) => reply(status, &why),
            // The client went away mid-body: nobody to answer.
            None => return,
        },
        _ => reply(404, "no such path"),
    };
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn reply(status: u16, text: &str) -> String {
    format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}", text.len())
}

/// Reads up to the end of the request head; returns it with the body bytes read past it.
async fn read_head(stream: &mut TcpStream) -> Option<(Head, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0 && buf.len() < BLOCK)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (request_line.next()?.to_owned(), request_line.next()?.to_owned());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some((Head { method, path, headers }, buf.split_off(end + 4)))
}

/// Writes a response of `size` bytes of content, generated block by block as it is written.
async fn send_content(mut stream: TcpStream, size: u64) {
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {size}\r\n\
         connection: close\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut block = block_buffer();
    let mut sent = 0;
    for index in 0.. {
        if sent == size {
            break;
        }
        let n = (size - sent).min(BLOCK as u64) as usize;
        stamp(&mut block, index);
        if stream.write_all(&block[..n]).await.is_err() {
            return;
        }
        sent += n as u64;
    }
    let _ = stream.shutdown().await;
}

/// Reads an upload's body in blocks as it arrives, checking it without keeping it. `None` when
/// the client closed the connection before the end of the body.
async fn receive_upload(
    stream: &mut TcpStream,
    head: &Head,
    mut body_start: Vec<u8>,
) -> Option<Result<UploadCheck, (u16, String)>> {
    if let Some(encoding) = head.header("transfer-encoding") {
        return Some(Err((
            411,
            format!("transfer-encoding: {encoding}; an upload from a file must carry a Content-Length"),
        )));
    }
    let Some(length) = head.header("content-length").and_then(|v| v.parse::<u64>().ok()) else {
        return Some(Err((411, "no Content-Length".to_owned())));
    };
    let boundary = head.header("content-type").and_then(|ct| {
        let media = ct.split(';').next()?.trim();
        let boundary = ct.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?;
        (media == "multipart/form-data").then(|| boundary.trim_matches('"').to_owned())
    });
    let Some(boundary) = boundary else {
        return Some(Err((
            415,
            format!("content-type {:?} is not multipart/form-data with a boundary", head.header("content-type")),
        )));
    };
    let mut check = UploadCheck::new(boundary, length);
    // Read the whole body whatever happens, so that the client gets the answer rather than a
    // reset connection; only the first problem is reported.
    let mut problem = None;
    body_start.truncate(length.min(body_start.len() as u64) as usize);
    let mut feed = |check: &mut UploadCheck, bytes: &[u8]| {
        if problem.is_none() {
            problem = check.feed(bytes).err();
        }
    };
    feed(&mut check, &body_start);
    let mut received = body_start.len() as u64;
    drop(body_start);
    let mut buf = vec![0; BLOCK];
    while received < length {
        let want = (length - received).min(BLOCK as u64) as usize;
        let n = stream.read(&mut buf[..want]).await.ok().filter(|n| *n > 0)?;
        received += n as u64;
        feed(&mut check, &buf[..n]);
    }
    let result = match problem {
        Some(why) => Err(why),
        None => check.finish(),
    };
    Some(result.map(|()| check).map_err(|why| (422, why)))
}

/// The check of a streamed `multipart/form-data` body: a text part `key` = `v`, then a file part
/// `file` whose bytes must be the content, then the closing boundary. Parses just enough for
/// that; memory is the part heads and the closing boundary, whatever the file's size.
struct UploadCheck {
    boundary: String,
    /// The body's `Content-Length`.
    length: u64,
    /// Bytes of the body taken so far.
    fed: u64,
    /// The body's beginning, until the file part's data is found in it.
    head: Vec<u8>,
    /// Where the file part's data starts and ends in the body, once the head is parsed.
    data: Option<(u64, u64)>,
    file_bytes: u64,
    /// What follows the file's data: `\r\n--BOUNDARY--\r\n`.
    tail: Vec<u8>,
}

impl UploadCheck {
    fn new(boundary: String, length: u64) -> Self {
        UploadCheck { boundary, length, fed: 0, head: Vec::new(), data: None, file_bytes: 0, tail: Vec::new() }
    }

    fn closing(&self) -> String {
        format!("\r\n--{}--\r\n", self.boundary)
    }

    /// Takes the next `bytes` of the body.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        let offset = self.fed;
        self.fed += bytes.len() as u64;
        if let Some(data) = self.data {
            return self.take(data, offset, bytes);
        }
        self.head.extend_from_slice(bytes);
        let Some(start) = self.data_start()? else {
            return match self.head.len() > BLOCK {
                true => Err("no file part `file` in the first 64 KiB of the body".to_owned()),
                false => Ok(()),
            };
        };
        let end = self
            .length
            .checked_sub(self.closing().len() as u64)
            .filter(|end| *end >= start)
            .ok_or("the body is too short for its closing boundary")?;
        self.data = Some((start, end));
        let head = std::mem::take(&mut self.head);
        self.take((start, end), 0, &head)
    }

    /// Where the file part's data starts, once the head holds the part heads; checks the
    /// opening boundary and the text part on the way.
    fn data_start(&self) -> Result<Option<u64>, String> {
        let opening = format!("--{}\r\n", self.boundary);
        if self.head.len() < opening.len() {
            return Ok(None);
        }
        if !self.head.starts_with(opening.as_bytes()) {
            return Err("the body does not start with the boundary".to_owned());
        }
        let Some(file_part) = find(&self.head, br#"name="file""#) else { return Ok(None) };
        let Some(head_end) = find(&self.head[file_part..], b"\r\n\r\n") else { return Ok(None) };
        let text_part = format!("name=\"key\"\r\n\r\nv\r\n--{}\r\n", self.boundary);
        if find(&self.head[..file_part], text_part.as_bytes()).is_none() {
            return Err("no text part key=v before the file part".to_owned());
        }
        Ok(Some((file_part + head_end + 4) as u64))
    }

    /// Checks the bytes of the body at `offset` that fall in the file's data, and keeps those
    /// after it (the closing boundary).
    fn take(&mut self, (start, end): (u64, u64), offset: u64, bytes: &[u8]) -> Result<(), String> {
        let span = |from: u64, to: u64| {
            let (from, to) = (from.max(offset), to.min(offset + bytes.len() as u64));
            (from < to).then(|| (from, &bytes[(from - offset) as usize..(to - offset) as usize]))
        };
        if let Some((at, data)) = span(start, end) {
            if !is_content(at - start, data) {
                return Err(format!(
                    "the file part differs from the file in the {} bytes from offset {}",
                    data.len(),
                    at - start
                ));
            }
            self.file_bytes += data.len() as u64;
        }
        if let Some((_, tail)) = span(end, self.length) {
            self.tail.extend_from_slice(tail);
        }
        Ok(())
    }

    /// Checks the end of the body, once it is all read.
    fn finish(&self) -> Result<(), String> {
        match self.data {
            None => Err("no file part `file` in the body".to_owned()),
            Some(_) if self.tail != self.closing().as_bytes() => Err(format!(
                "the body does not end with the closing boundary: {:?}",
                String::from_utf8_lossy(&self.tail)
            )),
            Some(_) => Ok(()),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
