//! `Client::deploy_from_source` (hand-written, `generated/src/ext/pipecat_cloud/deploy.rs`) end
//! to end against a local fake of the Pipecat Cloud API and a separate local fake of S3 (two
//! wiremock servers). The S3 side is read back with a real multipart parser (`multer`), and the
//! uploaded archive is unpacked with `tar` and `flate2`: the tests check what reached storage,
//! not what the SDK meant to send.
//!
//! Polls run every few milliseconds (real time: the fakes run on real sockets), so the whole
//! file takes well under a second.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use md5::{Digest, Md5};
use serde_json::{json, Value};
use voice_agents::ext::pipecat_cloud::{
    BuildSource, DeployError, DeployEvent, DeployOptions, DeploymentState, SkipReason, WaitOptions,
};
use voice_agents::pipecat_cloud::{BuildStatus, Client, CreateServiceRequest};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The API key of every test client: it must reach the API and never S3.
const API_KEY: &str = "pk_test-SECRET-5e1f9b3c";
const AGENT: &str = "voice-starter";
const UPLOAD_ID: &str = "7d0b7c2e-8a4f-4a57-9f0e-2f1c3d4e5a6b";
const BUILD_ID: &str = "c1a2b3d4-e5f6-4789-8abc-def012345678";
const CACHED_BUILD_ID: &str = "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7";
/// The content of a file outside the context that two symbolic links point at.
const OUTSIDE_SECRET: &str = "OUTSIDE-SECRET-b71c0e-id_ed25519-never-upload";
/// The content of every file the default exclusions leave out.
const EXCLUDED_SECRET: &str = "EXCLUDED-SECRET-d93a11";
/// The upload fields, in the order the fake API sends them: not alphabetical, so a sorted map
/// on the way would show.
const UPLOAD_FIELDS: [(&str, &str); 6] = [
    ("key", "builds/org-1/7d0b7c2e/context.tar.gz"),
    ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
    ("x-amz-credential", "AKIAEXAMPLE/20260101/us-west-2/s3/aws4_request"),
    ("x-amz-date", "20260101T000000Z"),
    ("policy", "eyJleHBpcmF0aW9uIjoiMjAyNi0wMS0wMVQwMDoxNTowMFoifQ=="),
    ("x-amz-signature", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
];

// ---------------------------------------------------------------------------------------------
// A source directory on disk.

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

/// A fresh directory under the system's temporary directory, removed on drop.
struct TestDir(PathBuf);

impl TestDir {
    fn new(label: &str) -> Self {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("va-deploy-{}-{n}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create test dir");
        TestDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create parent");
        std::fs::write(&path, contents).expect("write file");
        path
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An agent's source directory: the app, excluded files holding a secret, a file large enough
/// for several upload chunks, and (on Unix) symbolic links to a key outside the directory,
/// absolute and relative, beside one to a file inside.
struct Source {
    dir: TestDir,
    _outside: TestDir,
}

fn source() -> Source {
    let outside = TestDir::new("home");
    let key = outside.write("id_ed25519", format!("{OUTSIDE_SECRET}\n"));
    let dir = TestDir::new("agent");
    dir.write("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/bot.py\"]\n");
    dir.write("bot.py", "print('hello from the bot')\n");
    dir.write("pipeline/stages.py", "STAGES = ['stt', 'llm', 'tts']\n");
    // Pseudo-random bytes do not compress: the archive spans several 64 KiB upload chunks.
    let mut state = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..150_000)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect();
    dir.write("assets/hold-music.raw", noise);
    for excluded in [".env", ".git/config", "node_modules/x.js", "app.log"] {
        dir.write(excluded, format!("{EXCLUDED_SECRET} in {excluded}\n"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        let outside_name = outside.path().file_name().expect("name").to_str().expect("UTF-8").to_owned();
        symlink(&key, dir.path().join("deploy_key")).expect("absolute link");
        symlink(format!("../{outside_name}/id_ed25519"), dir.path().join("relative_key")).expect("relative link");
        symlink("bot.py", dir.path().join("bot_link.py")).expect("inside link");
    }
    #[cfg(not(unix))]
    let _ = key;
    Source { dir, _outside: outside }
}

// ---------------------------------------------------------------------------------------------
// The fake API and the fake S3.

struct Fake {
    api: MockServer,
    s3: MockServer,
}

fn agent(reconciled: Option<&str>, ready: bool, phase: &str) -> Value {
    json!({
        "name": AGENT, "region": "us-west", "ready": ready, "available": ready,
        "desiredDeploymentId": "dep-2", "reconciledDeploymentId": reconciled,
        "currentRevision": {"deploymentID": "dep-2", "phase": phase, "health": {"ready": ready}}
    })
}

fn build(id: &str, status: &str) -> Value {
    json!({"id": id, "status": status, "region": "us-west", "dockerfilePath": "Dockerfile",
           "imageUri": if status == "success" { json!(format!("registry.example/builds/{id}")) } else { Value::Null }})
}

impl Fake {
    async fn start() -> Self {
        Fake { api: MockServer::start().await, s3: MockServer::start().await }
    }

    /// A client of the fake API with the test key and no retries (a test sees every call).
    fn client(&self) -> Client {
        Client::builder()
            .private_key_auth(API_KEY)
            .base_url(format!("{}/v1", self.api.uri()))
            .max_retries(0)
            .build()
            .expect("client")
    }

    /// Answers `GET {path}` with `answers` in order, the last one from then on.
    async fn in_order(&self, method_name: &str, route: &str, answers: Vec<(u16, Value)>) {
        let count = answers.len();
        for (i, (status, body)) in answers.into_iter().enumerate() {
            let mock = Mock::given(method(method_name)).and(path(route));
            let mock = mock.respond_with(ResponseTemplate::new(status).set_body_json(body));
            let mock = if i + 1 < count { mock.up_to_n_times(1).expect(1) } else { mock };
            self.api.register(mock).await;
        }
    }

    /// The agent does not exist (the lookup's 404), then is created and rolls out.
    async fn new_agent(&self) {
        let not_found = json!({"error": "Service not found", "code": "NOT_FOUND"});
        let answers =
            vec![(404, not_found), (200, agent(None, false, "Creating")), (200, agent(Some("dep-2"), true, "Active"))];
        self.in_order("GET", "/v1/agents/voice-starter", answers).await;
        let created = ResponseTemplate::new(200).set_body_json(agent(None, false, "Creating"));
        self.api.register(Mock::given(method("POST")).and(path("/v1/agents")).respond_with(created).expect(1)).await;
    }

    /// The agent exists (ready on its previous deployment), then is updated and rolls out.
    async fn existing_agent(&self) {
        let answers = vec![
            (200, agent(Some("dep-1"), true, "Active")),
            (200, agent(None, false, "Creating")),
            (200, agent(Some("dep-2"), true, "Active")),
        ];
        self.in_order("GET", "/v1/agents/voice-starter", answers).await;
        let updated = ResponseTemplate::new(200).set_body_json(agent(None, false, "Creating"));
        let update = Mock::given(method("POST")).and(path("/v1/agents/voice-starter")).respond_with(updated).expect(1);
        self.api.register(update).await;
    }

    /// The build-cache lookup answers with these builds.
    async fn cache(&self, builds: Vec<Value>) {
        let total = builds.len();
        let body = json!({"builds": builds, "total": total, "limit": 10, "offset": 0});
        let lookup = Mock::given(method("GET"))
            .and(path("/v1/builds"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body));
        self.api.register(lookup.expect(1)).await;
    }

    /// The upload-URL call answers with the fake S3's URL and [`UPLOAD_FIELDS`], in that order
    /// (raw text: a `serde_json::Value` would sort the members).
    async fn upload_url(&self, times: u64) {
        let fields: Vec<String> = UPLOAD_FIELDS.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
        let body = format!(
            r#"{{"uploadId": "{UPLOAD_ID}", "uploadUrl": "{}/pcc-builds", "uploadFields": {{{}}}, "expiresAt": "2026-01-01T00:15:00Z"}}"#,
            self.s3.uri(),
            fields.join(", ")
        );
        let answer = ResponseTemplate::new(200).set_body_raw(body, "application/json");
        let mock = Mock::given(method("POST")).and(path("/v1/builds/upload-url")).respond_with(answer);
        self.api.register(mock.expect(times)).await;
    }

    /// The fake S3 answers the presigned POST with `status` and `body`.
    async fn s3_answers(&self, status: u16, body: &str, times: u64) {
        let answer = ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/xml");
        self.s3.register(Mock::given(method("POST")).and(path("/pcc-builds")).respond_with(answer).expect(times)).await;
    }

    /// `createBuild` answers `status` with the build (`cached` as given).
    async fn create_build(&self, status: u16, build_body: Value, cached: bool) {
        let body = json!({"build": build_body, "contextHash": "ignored-by-the-sdk", "cached": cached});
        let answer = ResponseTemplate::new(status).set_body_json(body);
        self.api.register(Mock::given(method("POST")).and(path("/v1/builds")).respond_with(answer).expect(1)).await;
    }

    /// `getBuild` answers with these statuses in order (wrapped as `{build: ...}`).
    async fn build_polls(&self, answers: Vec<Value>) {
        let answers = answers.into_iter().map(|b| (200, json!({"build": b}))).collect();
        self.in_order("GET", &format!("/v1/builds/{BUILD_ID}"), answers).await;
    }

    async fn requests(server: &MockServer, method_name: &str, route: &str) -> Vec<Request> {
        let all = server.received_requests().await.expect("recording is on");
        all.into_iter().filter(|r| r.method.as_str() == method_name && r.url.path() == route).collect()
    }

    /// The one presigned POST the fake S3 received.
    async fn upload(&self) -> Request {
        let mut uploads = Fake::requests(&self.s3, "POST", "/pcc-builds").await;
        assert_eq!(uploads.len(), 1, "one upload");
        uploads.remove(0)
    }
}

/// Short polls for the build and the rollout.
fn fast() -> DeployOptions {
    DeployOptions::default()
        .build_poll_interval(Duration::from_millis(5))
        .rollout(WaitOptions::default().poll_interval(Duration::from_millis(5)))
}

/// Options that record every event.
fn recording() -> (DeployOptions, Arc<Mutex<Vec<DeployEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    (fast().on_progress(move |e| log.lock().unwrap().push(e.clone())), events)
}

/// The whole flow for a new agent, a cache miss and a new build.
async fn deploy_new_agent(dir: &Path) -> (Fake, voice_agents::ext::pipecat_cloud::Deployed, Vec<DeployEvent>) {
    let fake = Fake::start().await;
    fake.new_agent().await;
    fake.cache(vec![]).await;
    fake.upload_url(1).await;
    fake.s3_answers(204, "", 1).await;
    fake.create_build(201, build(BUILD_ID, "pending"), false).await;
    fake.build_polls(vec![build(BUILD_ID, "pending"), build(BUILD_ID, "building"), build(BUILD_ID, "success")]).await;
    let (options, events) = recording();
    let deployed = fake.client().deploy_from_source(AGENT, dir, options).await.expect("deployed");
    fake.api.verify().await;
    fake.s3.verify().await;
    let events = events.lock().unwrap().clone();
    (fake, deployed, events)
}

// ---------------------------------------------------------------------------------------------
// Reading the upload back.

struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

/// The parts of a `multipart/form-data` request, parsed by `multer`.
async fn parts(req: &Request) -> Vec<Part> {
    let content_type = req.headers.get("content-type").and_then(|v| v.to_str().ok()).expect("a content type");
    assert!(content_type.starts_with("multipart/form-data"), "{content_type}");
    let boundary = multer::parse_boundary(content_type).expect("a boundary");
    let body = req.body.clone();
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.expect("a well-formed form") {
        let name = field.name().expect("a named part").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.expect("the part's bytes").to_vec();
        parts.push(Part { name, file_name, content_type, data });
    }
    parts
}

/// The archive of an upload: the `file` part.
async fn uploaded_archive(req: &Request) -> Vec<u8> {
    parts(req).await.into_iter().find(|p| p.name == "file").expect("a file part").data
}

fn gunzip(archive: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(archive).read_to_end(&mut tar).expect("gzip");
    tar
}

/// `(path, is a symlink)` of every entry.
fn entries(archive: &[u8]) -> Vec<(String, bool)> {
    let tar = gunzip(archive);
    let mut archive = tar::Archive::new(&tar[..]);
    let mut out = Vec::new();
    for entry in archive.entries().expect("a tar") {
        let entry = entry.expect("an entry");
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        out.push((path, entry.header().entry_type() == tar::EntryType::Symlink));
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn context_hash_asked(req: &Request) -> String {
    req.url.query_pairs().find(|(k, _)| k == "contextHash").map(|(_, v)| v.into_owned()).expect("contextHash")
}

/// An event's kind and the values a test compares (upload byte counts are checked apart).
fn label(event: &DeployEvent) -> String {
    match event {
        DeployEvent::Packaging => "packaging".into(),
        DeployEvent::Packaged { .. } => "packaged".into(),
        DeployEvent::CacheHit { build_id, .. } => format!("cache hit {build_id}"),
        DeployEvent::Uploading { .. } => "uploading".into(),
        DeployEvent::Uploaded { upload_id, .. } => format!("uploaded {upload_id}"),
        DeployEvent::BuildCreated { build_id, cached, .. } => format!("build created {build_id} cached={cached}"),
        DeployEvent::BuildStatus { status, .. } => format!("build {status}"),
        DeployEvent::Deploying { created, .. } => format!("deploying created={created}"),
        DeployEvent::Rollout { state, .. } => format!("rollout {state:?}"),
        DeployEvent::Ready => "ready".into(),
        other => format!("unexpected {other:?}"),
    }
}

/// The labels, with a run of upload events as one.
fn labels(events: &[DeployEvent]) -> Vec<String> {
    let mut out: Vec<String> = events.iter().map(label).collect();
    out.dedup_by(|a, b| a == "uploading" && b == "uploading");
    out
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[tokio::test]
async fn a_new_agent_is_packaged_uploaded_built_created_and_awaited_with_events_in_order() {
    let source = source();
    let (fake, deployed, events) = deploy_new_agent(source.dir.path()).await;

    assert_eq!(
        labels(&events),
        [
            "packaging".to_owned(),
            "packaged".into(),
            "uploading".into(),
            format!("uploaded {UPLOAD_ID}"),
            format!("build created {BUILD_ID} cached=false"),
            "build pending".into(),
            "build building".into(),
            "build success".into(),
            "deploying created=true".into(),
            format!("rollout {:?}", DeploymentState::WaitingForOperator),
            format!("rollout {:?}", DeploymentState::Ready),
            "ready".into(),
        ]
    );

    // The upload events start at 0, grow, and reach the archive's size, which they all name.
    let archive = uploaded_archive(&fake.upload().await).await;
    let uploads: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match e {
            DeployEvent::Uploading { sent, total, .. } => Some((*sent, *total)),
            _ => None,
        })
        .collect();
    assert!(uploads.len() >= 4, "0, then one per 64 KiB chunk of a ~150 KB archive: {uploads:?}");
    assert_eq!(uploads[0].0, 0);
    assert!(uploads.windows(2).all(|w| w[0].0 < w[1].0), "{uploads:?}");
    assert!(uploads.iter().all(|(_, total)| *total == archive.len() as u64), "{uploads:?}");
    assert_eq!(uploads.last().map(|u| u.0), Some(archive.len() as u64));

    // What was packaged: the app, the inside link; the outside links reported as skipped.
    let packaged = events.iter().find_map(|e| match e {
        DeployEvent::Packaged { context_hash, compressed_size, files, skipped, .. } => {
            Some((context_hash.clone(), *compressed_size, *files, skipped.clone()))
        }
        _ => None,
    });
    let (context_hash, compressed_size, files, skipped) = packaged.expect("a Packaged event");
    assert_eq!(compressed_size, archive.len() as u64);
    assert_eq!(files, 4, "Dockerfile, bot.py, pipeline/stages.py, assets/hold-music.raw");
    if cfg!(unix) {
        let skipped: Vec<(String, bool)> = skipped
            .iter()
            .map(|s| (s.path.display().to_string(), matches!(s.reason, SkipReason::AbsoluteSymlink { .. })))
            .collect();
        assert_eq!(skipped, [("deploy_key".to_owned(), true), ("relative_key".to_owned(), false)]);
    }

    // The requests: cache lookup, createBuild and createService as the flow says.
    let lookup = &Fake::requests(&fake.api, "GET", "/v1/builds").await[0];
    let query: Vec<(String, String)> =
        lookup.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    for expected in [("contextHash", context_hash.as_str()), ("region", "us-west"), ("status", "success")] {
        assert!(query.iter().any(|(k, v)| k == expected.0 && v == expected.1), "{expected:?} in {query:?}");
    }
    let create_build = &Fake::requests(&fake.api, "POST", "/v1/builds").await[0];
    assert_eq!(
        voice_agents_tests::mock::body_of(create_build),
        json!({"uploadId": UPLOAD_ID, "region": "us-west", "dockerfilePath": "Dockerfile"})
    );
    let create_agent = &Fake::requests(&fake.api, "POST", "/v1/agents").await[0];
    assert_eq!(
        voice_agents_tests::mock::body_of(create_agent),
        json!({"serviceName": AGENT, "buildId": BUILD_ID, "region": "us-west"})
    );

    assert!(deployed.created);
    assert_eq!(deployed.source, BuildSource::NewBuild);
    assert_eq!(deployed.build_id.to_string(), BUILD_ID);
    assert_eq!(deployed.build.image_uri.as_deref(), Some(&*format!("registry.example/builds/{BUILD_ID}")));
    assert_eq!(deployed.context_hash, context_hash);
    assert_eq!(deployed.agent.ready, Some(true));
}

#[tokio::test]
async fn the_presigned_post_sends_the_fields_in_server_order_then_the_file_and_no_api_key() {
    let source = source();
    let (fake, _, _) = deploy_new_agent(source.dir.path()).await;
    let upload = fake.upload().await;

    let parts = parts(&upload).await;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    let mut expected: Vec<&str> = UPLOAD_FIELDS.iter().map(|(k, _)| *k).collect();
    expected.extend(["Content-Type", "file"]);
    assert_eq!(names, expected, "the fields as the API listed them, then Content-Type, then the file");
    for ((name, value), part) in UPLOAD_FIELDS.iter().zip(&parts) {
        assert_eq!((part.name.as_str(), part.data.as_slice()), (*name, value.as_bytes()));
        assert_eq!(part.file_name, None, "{name} is a plain field");
    }
    let content_type = &parts[UPLOAD_FIELDS.len()];
    assert_eq!(content_type.data, b"application/gzip");
    let file = parts.last().expect("the file part");
    assert_eq!(file.file_name.as_deref(), Some("context.tar.gz"));
    assert_eq!(file.content_type.as_deref(), Some("application/gzip"));
    assert_eq!(&file.data[..2], [0x1f, 0x8b], "a gzip stream");

    // No credential, and the key nowhere: not in a header, not in the body.
    assert!(upload.headers.get("authorization").is_none(), "{:?}", upload.headers);
    for (name, value) in &upload.headers {
        assert!(!contains(value.as_bytes(), API_KEY.as_bytes()), "the API key in header {name}");
    }
    assert!(!contains(&upload.body, API_KEY.as_bytes()), "the API key in the upload body");
    assert!(!contains(upload.url.as_str().as_bytes(), API_KEY.as_bytes()));
    // S3 refuses chunked uploads: the body's length is declared.
    assert_eq!(
        upload.headers.get("content-length").and_then(|v| v.to_str().ok()),
        Some(&*upload.body.len().to_string())
    );
    assert!(upload.headers.get("transfer-encoding").is_none());

    // The API itself did get the key (the test would prove nothing otherwise).
    let lookup = &Fake::requests(&fake.api, "GET", "/v1/builds").await[0];
    assert_eq!(lookup.headers.get("authorization").and_then(|v| v.to_str().ok()), Some(&*format!("Bearer {API_KEY}")));
}

#[tokio::test]
async fn the_uploaded_archive_leaves_out_excluded_files_and_files_outside_the_directory() {
    let source = source();
    let (fake, _, _) = deploy_new_agent(source.dir.path()).await;
    let archive = uploaded_archive(&fake.upload().await).await;

    let mut expected = vec![
        ("Dockerfile".to_owned(), false),
        ("assets/hold-music.raw".to_owned(), false),
        ("bot.py".to_owned(), false),
        ("pipeline/stages.py".to_owned(), false),
    ];
    if cfg!(unix) {
        expected.insert(3, ("bot_link.py".to_owned(), true)); // `.` (0x2e) sorts before `_`
    }
    assert_eq!(entries(&archive), expected, "excluded files and links out of the directory are absent");

    let tar = gunzip(&archive);
    assert!(!contains(&tar, EXCLUDED_SECRET.as_bytes()), ".env, .git/config, node_modules/x.js or app.log got in");
    assert!(!contains(&tar, OUTSIDE_SECRET.as_bytes()), "a link brought in a file from outside the directory");
    assert!(!contains(&tar, b"id_ed25519"), "a link to the outside key was stored");
}

#[tokio::test]
async fn the_same_directory_uploads_the_same_bytes_whose_md5_is_the_context_hash_looked_up() {
    let source = source();
    let (first, _, _) = deploy_new_agent(source.dir.path()).await;
    // Metadata the archive must not depend on: modification times.
    let later = std::time::SystemTime::now() + Duration::from_secs(3600);
    for file in ["Dockerfile", "bot.py", "assets/hold-music.raw"] {
        let handle = std::fs::File::options().write(true).open(source.dir.path().join(file)).expect("open");
        handle.set_modified(later).expect("set mtime");
    }
    let (second, _, _) = deploy_new_agent(source.dir.path()).await;

    let archives = [uploaded_archive(&first.upload().await).await, uploaded_archive(&second.upload().await).await];
    assert_eq!(md5_hex(&archives[0]), md5_hex(&archives[1]), "identical bytes on both runs");
    assert_eq!(archives[0], archives[1]);
    let hashes = [
        context_hash_asked(&Fake::requests(&first.api, "GET", "/v1/builds").await[0]),
        context_hash_asked(&Fake::requests(&second.api, "GET", "/v1/builds").await[0]),
    ];
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[0], md5_hex(&archives[0])[..16], "the hash is the first 16 hex of the MD5 of the upload");
}

#[tokio::test]
async fn a_cache_hit_skips_the_upload_and_the_build_and_updates_the_agent_with_it() {
    let source = source();
    let fake = Fake::start().await;
    fake.existing_agent().await;
    // A build of the same context with another Dockerfile is another image: not a hit.
    let other_dockerfile = json!({"id": BUILD_ID, "status": "success", "region": "us-west",
        "dockerfilePath": "docker/Dockerfile.gpu"});
    fake.cache(vec![other_dockerfile, build(CACHED_BUILD_ID, "success")]).await;
    fake.upload_url(0).await;
    fake.s3.register(Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0)).await;
    let untouched = Mock::given(method("POST")).and(path("/v1/builds")).respond_with(ResponseTemplate::new(500));
    fake.api.register(untouched.expect(0)).await;

    let (options, events) = recording();
    let deployed = fake.client().deploy_from_source(AGENT, source.dir.path(), options).await.expect("deployed");
    fake.api.verify().await;
    fake.s3.verify().await;

    assert!(fake.s3.received_requests().await.unwrap_or_default().is_empty(), "nothing reached S3");
    let update = &Fake::requests(&fake.api, "POST", "/v1/agents/voice-starter").await[0];
    assert_eq!(voice_agents_tests::mock::body_of(update), json!({"buildId": CACHED_BUILD_ID}));
    assert_eq!(
        labels(&events.lock().unwrap()),
        [
            "packaging".to_owned(),
            "packaged".into(),
            format!("cache hit {CACHED_BUILD_ID}"),
            "deploying created=false".into(),
            format!("rollout {:?}", DeploymentState::WaitingForOperator),
            format!("rollout {:?}", DeploymentState::Ready),
            "ready".into(),
        ]
    );
    assert_eq!(deployed.source, BuildSource::CacheLookup);
    assert!(!deployed.created);
    assert_eq!(deployed.build_id.to_string(), CACHED_BUILD_ID);
}

#[tokio::test]
async fn a_create_build_answering_cached_is_used_without_polling() {
    let source = source();
    let fake = Fake::start().await;
    fake.new_agent().await;
    fake.cache(vec![]).await;
    fake.upload_url(1).await;
    fake.s3_answers(204, "", 1).await;
    fake.create_build(200, build(BUILD_ID, "success"), true).await;
    let poll = Mock::given(method("GET")).and(path(format!("/v1/builds/{BUILD_ID}")));
    fake.api.register(poll.respond_with(ResponseTemplate::new(500)).expect(0)).await;

    let (options, events) = recording();
    let template = CreateServiceRequest::new("ignored-name").secret_set("voice-secrets").image("ignored:1");
    let options = options.create(template);
    let deployed = fake.client().deploy_from_source(AGENT, source.dir.path(), options).await.expect("deployed");
    fake.api.verify().await;

    assert_eq!(deployed.source, BuildSource::ServerCache);
    let labels = labels(&events.lock().unwrap());
    assert!(labels.contains(&format!("build created {BUILD_ID} cached=true")), "{labels:?}");
    assert!(!labels.iter().any(|l| l.starts_with("build ") && !l.starts_with("build created")), "{labels:?}");
    // The template's settings are kept; its name and image give way to the agent and the build.
    let create_agent = &Fake::requests(&fake.api, "POST", "/v1/agents").await[0];
    assert_eq!(
        voice_agents_tests::mock::body_of(create_agent),
        json!({"serviceName": AGENT, "buildId": BUILD_ID, "region": "us-west", "secretSet": "voice-secrets"})
    );
}

#[tokio::test]
async fn a_failed_build_ends_the_deploy_with_its_error_message_and_logs() {
    let source = source();
    let fake = Fake::start().await;
    // The agent is looked up, but never created or updated.
    let not_found = json!({"error": "Service not found", "code": "NOT_FOUND"});
    fake.in_order("GET", "/v1/agents/voice-starter", vec![(404, not_found)]).await;
    fake.api
        .register(
            Mock::given(method("POST")).and(path("/v1/agents")).respond_with(ResponseTemplate::new(500)).expect(0),
        )
        .await;
    fake.cache(vec![]).await;
    fake.upload_url(1).await;
    fake.s3_answers(201, "<PostResponse/>", 1).await;
    fake.create_build(201, build(BUILD_ID, "pending"), false).await;
    let mut failed = build(BUILD_ID, "failed");
    failed["errorMessage"] = json!("RUN pip install -r requirements.txt returned a non-zero code: 1");
    fake.build_polls(vec![build(BUILD_ID, "building"), failed]).await;
    let logs = json!({"logs": ["Step 1/4 : FROM python:3.12-slim", "Step 3/4 : RUN pip install -r requirements.txt",
        "ERROR: No matching distribution found for pipecat-ai==99.0"]});
    let log_call = Mock::given(method("GET")).and(path(format!("/v1/builds/{BUILD_ID}/logs")));
    fake.api.register(log_call.respond_with(ResponseTemplate::new(200).set_body_json(logs)).expect(1)).await;

    let err = fake.client().deploy_from_source(AGENT, source.dir.path(), fast()).await.expect_err("the build fails");
    fake.api.verify().await;
    let text = err.to_string();
    match err {
        DeployError::BuildFailed { build_id, status, message, logs, logs_error, .. } => {
            assert_eq!(build_id.to_string(), BUILD_ID);
            assert_eq!(status, BuildStatus::Failed);
            assert_eq!(message.as_deref(), Some("RUN pip install -r requirements.txt returned a non-zero code: 1"));
            assert_eq!(logs.len(), 3);
            assert_eq!(logs[2], "ERROR: No matching distribution found for pipecat-ai==99.0");
            assert!(logs_error.is_none());
        }
        other => panic!("expected BuildFailed, got {other:?}"),
    }
    assert!(text.contains("returned a non-zero code: 1"), "{text}");
    assert!(text.contains("No matching distribution found"), "the message shows the log's tail: {text}");
}

#[tokio::test]
async fn an_s3_refusal_shows_its_status_and_xml_body() {
    let source = source();
    let fake = Fake::start().await;
    let not_found = json!({"error": "Service not found", "code": "NOT_FOUND"});
    fake.in_order("GET", "/v1/agents/voice-starter", vec![(404, not_found)]).await;
    fake.cache(vec![]).await;
    fake.upload_url(1).await;
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "application/gzip"]</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>"#;
    fake.s3_answers(403, xml, 1).await;
    let untouched = Mock::given(method("POST")).and(path("/v1/builds")).respond_with(ResponseTemplate::new(500));
    fake.api.register(untouched.expect(0)).await;

    let err = fake.client().deploy_from_source(AGENT, source.dir.path(), fast()).await.expect_err("S3 refuses");
    fake.api.verify().await;
    let text = err.to_string();
    match &err {
        DeployError::UploadRejected { status, body, .. } => {
            assert_eq!(*status, 403);
            assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
        }
        other => panic!("expected UploadRejected, got {other:?}"),
    }
    assert!(text.contains("403"), "{text}");
    assert!(text.contains("<Code>AccessDenied</Code><Message>Invalid according to Policy"), "{text}");
}

#[tokio::test]
async fn a_region_other_than_the_existing_agents_is_refused_before_any_upload() {
    let source = source();
    let fake = Fake::start().await;
    fake.in_order("GET", "/v1/agents/voice-starter", vec![(200, agent(Some("dep-1"), true, "Active"))]).await;
    let options = fast().region("eu-central");
    let err = fake.client().deploy_from_source(AGENT, source.dir.path(), options).await.expect_err("mismatch");
    assert!(
        matches!(&err, DeployError::RegionMismatch { agent_region, region, .. } if agent_region == "us-west" && region == "eu-central"),
        "{err:?}"
    );
    let requests = fake.api.received_requests().await.unwrap_or_default();
    assert_eq!(
        requests.len(),
        1,
        "only the agent lookup: {:?}",
        requests.iter().map(|r| r.url.path()).collect::<Vec<_>>()
    );
}
