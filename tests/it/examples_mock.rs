//! Every example of the SDK (`generated/examples/`) runs with no credentials: it then starts the
//! API's embedded mock (`<api>::mock::MockServer`) and runs its whole flow against it. Each
//! test runs the example's binary as a user's `cargo run --example` would, with the
//! credentials removed from its environment, and reads what it printed.
//!
//! The examples are built once, by `cargo build --workspace --examples` into this test
//! binary's own target directory (a no-op when they are fresh).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The environment variables through which an example reaches a real API.
const CREDENTIALS: &[&str] = &[
    "PIPECAT_PRIVATE_KEY",
    "TALKIFAI_API_KEY",
    "TALKIFAI_AGENT_ID",
    "TALKIFAI_BASE_URL",
    "TALKIFAI_WEBHOOK_SECRET",
    "AYRA_WEBHOOK_SECRET",
    "VOICE_AGENTS_MOCK",
];

/// An example that has not exited after this long is stuck (each takes about a second).
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The folder of the built examples (`target/<profile>/examples`), after building them once.
fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // This binary is `target/<profile>/deps/it-<hash>`.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>").to_owned();
        let target_dir = profile_dir.parent().expect("the target directory");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
        let mut build = Command::new(cargo);
        // `--workspace`, not `-p voice-agents`: features unify as in `cargo test --workspace`,
        // so under CI this finds the examples that command built; with `-p` it rebuilt the
        // runtime, the SDK and the examples in another feature set (20-40 s of a clean run).
        build.current_dir(&root).args(["build", "--quiet", "--workspace", "--examples"]);
        build.arg("--target-dir").arg(target_dir);
        // What cargo set for this test binary describes the tests package, not the build: a
        // build script that watches one of these (ring's watches `CARGO_MANIFEST_DIR`) would
        // rebuild its crate on every run.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_MANIFEST_")
                || name.starts_with("CARGO_BIN_")
                || ["CARGO_CRATE_NAME", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"].contains(&&*name)
            {
                build.env_remove(&*name);
            }
        }
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let output = build.output().expect("cargo runs");
        assert!(
            output.status.success(),
            "cargo build --workspace --examples failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        profile_dir.join("examples")
    })
}

/// What an example printed, and whether it exited 0.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs example `name` without credentials (plus `env`), with `stdin` as its input, and waits
/// for it to exit.
fn run_example(name: &str, env: &[(&str, &str)], stdin: &str) -> Run {
    let exe = examples_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut command = Command::new(&exe);
    for var in CREDENTIALS {
        command.env_remove(var);
    }
    command.envs(env.iter().copied()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("the example reads its input");
    drop(input);
    let (mut out, mut err) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the example's status") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("example {name} has not exited after {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run { success: status.success(), stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
}

impl Run {
    /// Checks that it exited 0 and printed every one of `expected`.
    fn assert_printed(&self, name: &str, expected: &[&str]) {
        let shown = format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        assert!(self.success, "example {name} failed\n{shown}");
        for text in expected {
            assert!(self.stdout.contains(text), "example {name} did not print {text:?}\n{shown}");
        }
    }
}

#[test]
fn pipecat_build_deploys_a_sample_agent_to_the_mock() {
    let run = run_example("pipecat_build", &[], "");
    run.assert_printed(
        "pipecat_build",
        &[
            "deploying to a local mock of the Pipecat Cloud API",
            "uploading [##############################] 100%",
            "`my-agent` runs build b01d0000-0000-4000-8000-000000000001 (registry.example/my-agent:",
            ") in us-west",
            "mock: 11 requests, ",
            "bytes uploaded to the presigned URL",
        ],
    );
}

#[test]
fn talkifai_chat_streams_the_mock_agents_replies() {
    let run = run_example("talkifai_chat", &[], "Hello\nAnd again\n");
    run.assert_printed(
        "talkifai_chat",
        &[
            "chatting with a local mock of the TalkifAI API",
            "chatting with Mock Support Agent (conv_mock_1)",
            "agent: Hello! I'm a mock agent",
            "agent: Thanks for your message! This reply was streamed by the SDK's mock server. (26 tokens)",
        ],
    );
    assert_eq!(run.stdout.matches("(26 tokens)").count(), 2, "one reply per message:\n{}", run.stdout);
}

#[test]
fn webhook_endpoint_accepts_signed_mock_deliveries_and_rejects_a_tampered_one() {
    // `VOICE_AGENTS_MOCK=1` wins over secrets that are set.
    let env = [("VOICE_AGENTS_MOCK", "1"), ("TALKIFAI_WEBHOOK_SECRET", "real"), ("AYRA_WEBHOOK_SECRET", "real")];
    let run = run_example("webhook_endpoint", &env, "");
    run.assert_printed(
        "webhook_endpoint",
        &[
            "talkifai evt_mock_1: call call_mock_1 ended after Some(42.5) s",
            "delivered talkifai call.ended: accepted (204 No Content)",
            "talkifai: an event type this SDK does not know",
            "ayra evt_ayra_1: call completed",
            "delivered ayra call.completed: accepted (204 No Content)",
            "delivered talkifai call.ended with a tampered signature: rejected (401 Unauthorized)",
            "all deliveries answered as expected",
        ],
    );
    assert!(run.stderr.contains("rejected: "), "the endpoint says why:\n{}", run.stderr);
}
