//! Request bodies beyond JSON: uploads (bytes, a file path or a stream), `multipart/form-data`
//! and `application/x-www-form-urlencoded`.
//!
//! A body is kept as a recipe, not as bytes on the wire: each attempt of the attempt loop turns
//! it into a fresh `reqwest::Body`, so a body made from bytes or a path is sent again unchanged
//! on a retry, and a file is read as it is sent (never whole into memory). A body made from a
//! one-shot stream can be sent once: such a request is never retried.

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use http::HeaderValue;
use serde::Serialize;

use super::error::Error;

/// The content type of an upload whose type is neither given nor guessable from its name.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Read size for files being uploaded: large enough to keep syscalls few, small enough that
/// memory does not depend on the file's size.
const FILE_CHUNK: usize = 64 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;
type ProgressFn = dyn Fn(u64, Option<u64>) + Send + Sync;

/// A file or binary body to upload: the body of a binary operation (`application/octet-stream`,
/// `audio/*`, ...) or one file part of a `multipart/form-data` body.
///
/// Made from bytes, from a file path (opened and read as it is sent, never whole into memory)
/// or from an async stream of chunks; it carries a file name and a content type, guessed from
/// the file name when not given.
///
/// **Timeouts**: while an upload is being sent, the call fails only if the connection takes no
/// bytes of it for the client's idle timeout; the per-attempt timeout counts from when it has
/// been sent (see [`ClientBuilder::timeout`](super::ClientBuilder::timeout)).
///
/// **Retries**: an upload from bytes or a path can be sent again, so a request carrying it is
/// retried like any other. An upload from a stream can be sent once: a request carrying one is
/// never retried, whatever `max_retries` says, and sending it a second time (another call with a
/// clone of it) fails with [`Error::Encode`] before anything is sent.
///
/// ```
/// use voice_agents_runtime::Upload;
///
/// let from_memory = Upload::from_bytes(&b"RIFF...."[..]).file_name("greeting.wav");
/// let from_disk = Upload::from_path("recordings/call-42.mp3"); // audio/mpeg, name call-42.mp3
/// assert_eq!(from_disk.media_type(), "audio/mpeg");
/// assert_eq!(from_disk.name(), Some("call-42.mp3"));
/// assert_eq!(from_memory.media_type(), "audio/wav");
/// ```
#[derive(Clone)]
pub struct Upload {
    source: Source,
    file_name: Option<String>,
    content_type: Option<String>,
    progress: Option<Arc<ProgressFn>>,
}

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    Path(PathBuf),
    /// Taken by the first attempt that sends it.
    Stream {
        stream: Arc<Mutex<Option<ChunkStream>>>,
        length: Option<u64>,
    },
}

impl Upload {
    /// An upload of `bytes` (already in memory; cheap to clone and to retry).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Upload::new(Source::Bytes(bytes.into()), None)
    }

    /// An upload of the file at `path`, opened when the request is sent and read chunk by
    /// chunk; its length is read then, so the request carries a `Content-Length`. The file name
    /// is the path's last component. A missing or unreadable file is an [`Error::Io`] of the
    /// call that sends it.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Upload::new(Source::Path(path), name)
    }

    /// An upload read from `stream` as it is sent. It can be sent once (see the type's docs on
    /// retries). Without [`with_length`](Self::with_length) it is sent with chunked transfer
    /// encoding, which some servers (S3 among them) refuse.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let stream: ChunkStream = Box::pin(stream.map(|chunk| chunk.map_err(Into::into)));
        Upload::new(Source::Stream { stream: Arc::new(Mutex::new(Some(stream))), length: None }, None)
    }

    fn new(source: Source, file_name: Option<String>) -> Self {
        Upload { source, file_name, content_type: None, progress: None }
    }

    /// The exact length of a stream upload, sent as `Content-Length`. It is the caller's promise:
    /// a stream that ends early or runs long fails the request. Ignored for bytes and paths,
    /// whose length is known.
    pub fn with_length(mut self, length: u64) -> Self {
        if let Source::Stream { length: l, .. } = &mut self.source {
            *l = Some(length);
        }
        self
    }

    /// Sets the file name (sent in a multipart part's `Content-Disposition`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the content type instead of guessing it from the file name.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Calls `f(sent, total)` as the body is handed to the connection: `sent` bytes so far, out
    /// of `total` when the length is known. Called on every chunk (64 KiB for files), from the
    /// task that sends the request; keep it cheap. A retried request reports from 0 again.
    pub fn on_progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// The file name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The content type: the one set, else the one the file name's extension implies, else
    /// `application/octet-stream`.
    pub fn media_type(&self) -> String {
        if let Some(ct) = &self.content_type {
            return ct.clone();
        }
        self.file_name.as_deref().and_then(|n| mime_guess::from_path(n).first_raw()).unwrap_or(OCTET_STREAM).to_owned()
    }

    /// Whether a content type was set explicitly.
    pub(crate) fn explicit_content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Whether the upload can be sent again (bytes and paths can; streams cannot).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, Source::Stream { .. })
    }

    /// The length when it is known without I/O (bytes, or a stream given one).
    pub fn known_length(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(b) => Some(b.len() as u64),
            Source::Path(_) => None,
            Source::Stream { length, .. } => *length,
        }
    }

    /// The body for one attempt, with its length when known: opens the file, or takes the
    /// stream. With a `watch`, every chunk the connection takes is recorded there (see
    /// [`SendWatch`]).
    pub(crate) async fn open(&self, watch: Option<&Arc<SendWatch>>) -> Result<(reqwest::Body, Option<u64>), Error> {
        let (chunks, length): (ChunkStream, Option<u64>) = match &self.source {
            Source::Bytes(bytes) if self.progress.is_none() && watch.is_none() => {
                return Ok((reqwest::Body::from(bytes.clone()), Some(bytes.len() as u64)));
            }
            Source::Bytes(bytes) => (Box::pin(slices(bytes.clone())), Some(bytes.len() as u64)),
            Source::Path(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|e| Error::io(path, e))?;
                let length = file.metadata().await.map_err(|e| Error::io(path, e))?.len();
                let reader = tokio_util::io::ReaderStream::with_capacity(file, FILE_CHUNK);
                let path = path.clone();
                let chunks = reader.map(move |chunk| chunk.map_err(|e| Box::new(Error::io(&path, e)) as BoxError));
                (Box::pin(chunks), Some(length))
            }
            Source::Stream { stream, length } => {
                let taken =
                    stream.lock().map_err(|_| Error::Encode("an upload stream's lock was poisoned".into()))?.take();
                let chunks = taken.ok_or_else(|| {
                    Error::Encode(
                        "this upload's stream was sent already: a body made from a stream can be sent once".into(),
                    )
                })?;
                (chunks, *length)
            }
        };
        let chunks: ChunkStream = match &self.progress {
            Some(report) => {
                Box::pin(Counted { inner: chunks, sent: AtomicU64::new(0), total: length, report: report.clone() })
            }
            None => chunks,
        };
        let chunks: ChunkStream = match watch {
            Some(watch) => {
                watch.pending.fetch_add(1, Ordering::Relaxed);
                watch.touch();
                Box::pin(Watched { inner: chunks, watch: watch.clone(), left: length, ended: false })
            }
            None => chunks,
        };
        Ok((reqwest::Body::wrap_stream(chunks), length))
    }
}

/// How far an attempt's upload has gone, for its timeouts: while an upload is being sent, the
/// attempt fails only when the connection takes no bytes for the idle timeout (a large file on
/// a slow link is not a hung request); once every upload has been read to its end, the
/// per-attempt timeout counts from then, for the server's answer.
#[derive(Debug)]
pub(crate) struct SendWatch {
    origin: tokio::time::Instant,
    /// When the connection last took a chunk, in nanoseconds after `origin`.
    last: AtomicU64,
    /// Uploads of this attempt not read to their end yet.
    pending: std::sync::atomic::AtomicUsize,
}

impl SendWatch {
    pub(crate) fn new() -> Arc<SendWatch> {
        Arc::new(SendWatch {
            origin: tokio::time::Instant::now(),
            last: AtomicU64::new(0),
            pending: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn touch(&self) {
        let nanos = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last.store(nanos, Ordering::Relaxed);
    }

    /// When the connection last took a chunk (or an upload started).
    pub(crate) fn last_progress(&self) -> tokio::time::Instant {
        self.origin + std::time::Duration::from_nanos(self.last.load(Ordering::Relaxed))
    }

    /// Whether an upload is still being sent.
    pub(crate) fn sending(&self) -> bool {
        self.pending.load(Ordering::Relaxed) > 0
    }
}

/// Records progress in a [`SendWatch`] as chunks pass through, and the end of the upload.
struct Watched {
    inner: ChunkStream,
    watch: Arc<SendWatch>,
    /// Bytes still to come, when the length is known: the connection stops reading a body once
    /// it has its `Content-Length`, so the end is seen by count rather than by the stream ending.
    left: Option<u64>,
    ended: bool,
}

impl Watched {
    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.watch.pending.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Stream for Watched {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.inner.poll_next_unpin(cx);
        match &next {
            Poll::Ready(Some(Ok(chunk))) => {
                self.watch.touch();
                let n = chunk.len() as u64;
                if let Some(left) = self.left.as_mut() {
                    *left = left.saturating_sub(n);
                    if *left == 0 {
                        self.end();
                    }
                }
            }
            Poll::Ready(None | Some(Err(_))) => {
                self.watch.touch();
                self.end();
            }
            Poll::Pending => {}
        }
        next
    }
}

impl Drop for Watched {
    // A body the connection dropped before its end is not being sent any more.
    fn drop(&mut self) {
        self.end();
    }
}

/// `bytes` in file-sized slices (no copy), so progress is reported as it is sent.
fn slices(bytes: Bytes) -> impl Stream<Item = Result<Bytes, BoxError>> + Send {
    let mut rest = bytes;
    futures_util::stream::iter(std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = rest.len().min(FILE_CHUNK);
        Some(Ok(rest.split_to(n)))
    }))
}

/// Reports progress as chunks pass through.
struct Counted {
    inner: ChunkStream,
    sent: AtomicU64,
    total: Option<u64>,
    report: Arc<ProgressFn>,
}

impl Stream for Counted {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &next {
            let sent = self.sent.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            (self.report)(sent, self.total);
        }
        next
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Bytes(b) => format!("{} bytes", b.len()),
            Source::Path(p) => format!("file {}", p.display()),
            Source::Stream { length: Some(n), .. } => format!("stream of {n} bytes"),
            Source::Stream { length: None, .. } => "stream".to_owned(),
        };
        f.debug_struct("Upload")
            .field("source", &source)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// Two uploads are equal when they send the same thing: the same bytes, the same path, or the
/// very same stream; with the same name and content type.
impl PartialEq for Upload {
    fn eq(&self, other: &Self) -> bool {
        let same_source = match (&self.source, &other.source) {
            (Source::Bytes(a), Source::Bytes(b)) => a == b,
            (Source::Path(a), Source::Path(b)) => a == b,
            (Source::Stream { stream: a, .. }, Source::Stream { stream: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same_source && self.file_name == other.file_name && self.content_type == other.content_type
    }
}

impl From<Bytes> for Upload {
    fn from(bytes: Bytes) -> Self {
        Upload::from_bytes(bytes)
    }
}

impl From<Vec<u8>> for Upload {
    fn from(bytes: Vec<u8>) -> Self {
        Upload::from_bytes(bytes)
    }
}

impl From<&'static [u8]> for Upload {
    fn from(bytes: &'static [u8]) -> Self {
        Upload::from_bytes(bytes)
    }
}

impl From<PathBuf> for Upload {
    fn from(path: PathBuf) -> Self {
        Upload::from_path(path)
    }
}

impl From<&Path> for Upload {
    fn from(path: &Path) -> Self {
        Upload::from_path(path)
    }
}

/// An upload is a part of a request, never a JSON value: serializing one fails. The impl exists
/// so that generated types holding an upload (a multipart body struct, a union with a binary
/// alternative) can derive serde; the runtime sends them as multipart parts instead.
impl Serialize for Upload {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("an upload is sent as a multipart part or a binary body, not as JSON"))
    }
}

/// Reads an upload from a JSON string (its UTF-8 bytes): what a binary property of a schema is
/// when it appears in a JSON document.
impl<'de> serde::Deserialize<'de> for Upload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Upload::from_bytes(text.into_bytes()))
    }
}

/// A `multipart/form-data` body: text and file parts in the order they are added.
///
/// Generated operations with a multipart body build one from their typed request struct; build
/// one by hand for [`RawCall::multipart`](super::RawCall::multipart), e.g. a presigned upload:
///
/// ```
/// use voice_agents_runtime::{Multipart, Upload};
///
/// let form = Multipart::new()
///     .text("key", "uploads/context.tar.gz")
///     .upload("file", Upload::from_path("context.tar.gz").content_type("application/gzip"));
/// assert_eq!(form.len(), 2);
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
}

#[derive(Clone, PartialEq)]
enum Part {
    Text { value: String, content_type: Option<String> },
    Upload { upload: Upload, content_type: Option<String> },
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text part.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push((name.into(), Part::Text { value: value.into(), content_type: None }));
        self
    }

    /// Adds a file part.
    pub fn upload(mut self, name: impl Into<String>, upload: Upload) -> Self {
        self.parts.push((name.into(), Part::Upload { upload, content_type: None }));
        self
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// True when the form has no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The part names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(n, _)| n.as_str())
    }

    /// Adds `upload` as a file part; `content_type` is the spec's `encoding.<name>.contentType`
    /// when it names one concrete type, which wins over the upload's guess but not over a
    /// content type set on the upload.
    pub fn add_upload(&mut self, name: &str, upload: &Upload, content_type: Option<&str>) {
        let content_type = content_type.filter(|ct| is_concrete(ct)).map(str::to_owned);
        self.parts.push((name.to_owned(), Part::Upload { upload: upload.clone(), content_type }));
    }

    /// Adds a property of a typed body as text parts, the way OpenAPI encodes multipart
    /// properties: a string as itself, a number or boolean as its JSON text, `null` not at
    /// all, an array of those as one part per item, and an object or an array holding objects
    /// as one `application/json` part. A `content_type` from the spec's `encoding` that is JSON
    /// sends the whole value as JSON; any other is set on the part(s).
    pub fn add_value<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
    ) -> Result<(), Error> {
        let value = serde_json::to_value(value).map_err(|e| Error::Encode(format!("multipart part `{name}`: {e}")))?;
        let json = || Part::Text { value: value.to_string(), content_type: Some("application/json".to_owned()) };
        if content_type.is_some_and(is_json_media) {
            self.parts.push((name.to_owned(), json()));
            return Ok(());
        }
        let typed = |text: String| Part::Text { value: text, content_type: content_type.map(str::to_owned) };
        match &value {
            serde_json::Value::Null => {}
            serde_json::Value::Array(items) if items.iter().all(is_scalar) => {
                for item in items.iter().filter(|i| !i.is_null()) {
                    self.parts.push((name.to_owned(), typed(scalar_text(item))));
                }
            }
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => self.parts.push((name.to_owned(), json())),
            scalar => self.parts.push((name.to_owned(), typed(scalar_text(scalar)))),
        }
        Ok(())
    }

    /// Whether every part can be sent again (see [`Upload`] on retries).
    pub(crate) fn is_replayable(&self) -> bool {
        self.parts.iter().all(|(_, p)| match p {
            Part::Text { .. } => true,
            Part::Upload { upload, .. } => upload.is_replayable(),
        })
    }

    /// The form for one attempt (files opened, streams taken), its uploads reporting to `watch`.
    pub(crate) async fn open(&self, watch: Option<&Arc<SendWatch>>) -> Result<reqwest::multipart::Form, Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            let part = match part {
                Part::Text { value, content_type } => {
                    let part = reqwest::multipart::Part::text(value.clone());
                    match content_type {
                        Some(ct) => mime(part, ct, name)?,
                        None => part,
                    }
                }
                Part::Upload { upload, content_type } => {
                    let (body, length) = upload.open(watch).await?;
                    let part = match length {
                        Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
                        None => reqwest::multipart::Part::stream(body),
                    };
                    let part = match upload.file_name.clone() {
                        Some(file_name) => part.file_name(file_name),
                        None => part,
                    };
                    let ct = upload.explicit_content_type().map(str::to_owned).or_else(|| content_type.clone());
                    mime(part, &ct.unwrap_or_else(|| upload.media_type()), name)?
                }
            };
            form = form.part(name.clone(), part);
        }
        Ok(form)
    }
}

fn mime(part: reqwest::multipart::Part, content_type: &str, name: &str) -> Result<reqwest::multipart::Part, Error> {
    part.mime_str(content_type)
        .map_err(|_| Error::Encode(format!("multipart part `{name}`: `{content_type}` is not a valid content type")))
}

impl fmt::Debug for Multipart {
    // Text parts may hold secrets; show the shape of the form only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, part) in &self.parts {
            match part {
                Part::Text { value, .. } => list.entry(&format_args!("{name}: text ({} bytes)", value.len())),
                Part::Upload { upload, .. } => list.entry(&format_args!("{name}: {upload:?}")),
            };
        }
        list.finish()
    }
}

fn is_scalar(v: &serde_json::Value) -> bool {
    !matches!(v, serde_json::Value::Array(_) | serde_json::Value::Object(_))
}

fn scalar_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A media type without wildcards and not a list.
fn is_concrete(content_type: &str) -> bool {
    !content_type.contains('*') && !content_type.contains(',')
}

pub(crate) fn is_json_media(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

/// How one property of an `application/x-www-form-urlencoded` body is written, from the spec's
/// `encoding` object; properties not listed use the defaults (`style: form`, `explode: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    /// The property's name on the wire.
    pub name: &'static str,
    /// `style`.
    pub style: FormStyle,
    /// `explode`.
    pub explode: bool,
    /// `contentType` is JSON: the value is sent as its JSON text.
    pub json: bool,
}

/// The `style` of a form-encoded property (OpenAPI's query styles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormStyle {
    /// `form` (the default): arrays as repeated or comma-joined values, objects as their members.
    Form,
    /// `spaceDelimited`: array items joined with spaces.
    SpaceDelimited,
    /// `pipeDelimited`: array items joined with `|`.
    PipeDelimited,
    /// `deepObject`: object members as `name[member]=value`.
    DeepObject,
}

/// The `(name, value)` pairs of a form body, in the order of its members (`null` members are
/// left out: a form has no null).
pub(crate) fn form_pairs<T: Serialize + ?Sized>(
    body: &T,
    fields: &[FormField],
) -> Result<Vec<(String, String)>, Error> {
    // Through JSON text, so that the top-level members keep the struct's order whatever
    // serde_json's map type is (`Value` sorts its keys unless `preserve_order` is on).
    let text = serde_json::to_vec(body).map_err(|e| Error::Encode(e.to_string()))?;
    let Members(members) =
        serde_json::from_slice(&text).map_err(|_| Error::Encode("a form body must be an object".into()))?;
    let mut out = Vec::new();
    for (name, value) in &members {
        let field = fields.iter().find(|f| f.name == name);
        let style = field.map_or(FormStyle::Form, |f| f.style);
        let explode = field.is_none_or(|f| f.explode);
        if field.is_some_and(|f| f.json) {
            out.push((name.clone(), value.to_string()));
            continue;
        }
        form_value(&mut out, name, value, style, explode);
    }
    Ok(out)
}

/// The members of a JSON object in document order.
struct Members(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

fn form_value(out: &mut Vec<(String, String)>, name: &str, value: &serde_json::Value, style: FormStyle, explode: bool) {
    use serde_json::Value;
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let texts = items.iter().filter(|i| !i.is_null()).map(scalar_or_json);
            match (style, explode) {
                (FormStyle::SpaceDelimited, _) => out.push((name.to_owned(), texts.collect::<Vec<_>>().join(" "))),
                (FormStyle::PipeDelimited, _) => out.push((name.to_owned(), texts.collect::<Vec<_>>().join("|"))),
                (_, true) => out.extend(texts.map(|t| (name.to_owned(), t))),
                (_, false) => out.push((name.to_owned(), texts.collect::<Vec<_>>().join(","))),
            }
        }
        Value::Object(members) => match (style, explode) {
            (FormStyle::DeepObject, _) => {
                for (k, v) in members {
                    form_value(out, &format!("{name}[{k}]"), v, FormStyle::DeepObject, true);
                }
            }
            (_, true) => {
                for (k, v) in members.iter().filter(|(_, v)| !v.is_null()) {
                    out.push((k.clone(), scalar_or_json(v)));
                }
            }
            (_, false) => {
                let flat: Vec<String> = members
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .flat_map(|(k, v)| [k.clone(), scalar_or_json(v)])
                    .collect();
                out.push((name.to_owned(), flat.join(",")));
            }
        },
        scalar => out.push((name.to_owned(), scalar_text(scalar))),
    }
}

/// A scalar as text; a nested array or object (which form encoding cannot express) as JSON.
fn scalar_or_json(v: &serde_json::Value) -> String {
    if is_scalar(v) { scalar_text(v) } else { v.to_string() }
}

/// `application/x-www-form-urlencoded` text of `pairs` (WHATWG encoding: spaces as `+`).
pub(crate) fn form_urlencoded(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// What a request sends, kept so that every attempt can send it again.
#[derive(Clone)]
pub(crate) enum Payload {
    /// Bytes in memory (JSON, form, text).
    Bytes(Bytes, HeaderValue),
    /// An upload with the content type to send.
    Upload(Upload, HeaderValue),
    /// A multipart form (the boundary is chosen per attempt).
    Multipart(Multipart),
}

impl Payload {
    /// Whether the body can be sent again by a retry.
    pub(crate) fn is_replayable(&self) -> bool {
        match self {
            Payload::Bytes(..) => true,
            Payload::Upload(upload, _) => upload.is_replayable(),
            Payload::Multipart(form) => form.is_replayable(),
        }
    }

    /// Whether the body is an upload sent as a stream of chunks (its attempts are timed by their
    /// progress, see [`SendWatch`]); in-memory bodies of JSON, forms and text are not.
    pub(crate) fn streams(&self) -> bool {
        match self {
            Payload::Bytes(..) => false,
            Payload::Upload(..) => true,
            Payload::Multipart(form) => form.parts.iter().any(|(_, p)| matches!(p, Part::Upload { .. })),
        }
    }

    /// The content type, for bodies that have one before an attempt (not multipart, whose
    /// boundary is per attempt).
    pub(crate) fn content_type(&self) -> Option<&HeaderValue> {
        match self {
            Payload::Bytes(_, ct) | Payload::Upload(_, ct) => Some(ct),
            Payload::Multipart(_) => None,
        }
    }

    /// What trace logs show of the body: the bytes of an in-memory body, a description of others.
    pub(crate) fn for_log(&self) -> Result<&[u8], String> {
        match self {
            Payload::Bytes(bytes, _) => Ok(bytes),
            Payload::Upload(upload, _) => Err(format!("[upload: {upload:?}]")),
            Payload::Multipart(form) => Err(format!("[multipart/form-data: {form:?}]")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(body: serde_json::Value, fields: &[FormField]) -> Vec<(String, String)> {
        let mut pairs = form_pairs(&body, fields).expect("an object");
        // A `Value`'s member order depends on serde_json's features; structs keep theirs.
        pairs.sort();
        pairs
    }

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn form_defaults_explode_arrays_and_flatten_objects_and_skip_nulls() {
        #[derive(Serialize)]
        struct Pet {
            name: &'static str,
            age: u8,
            tags: [&'static str; 2],
            color: serde_json::Value,
            gone: Option<u8>,
        }
        let body = Pet { name: "Rex", age: 3, tags: ["a", "b"], color: json!({"G": 2, "R": 1}), gone: None };
        let pairs = form_pairs(&body, &[]).unwrap();
        assert_eq!(pairs, p(&[("name", "Rex"), ("age", "3"), ("tags", "a"), ("tags", "b"), ("G", "2"), ("R", "1")]));
    }

    #[test]
    fn form_styles_from_the_encoding_object() {
        let field = |name, style, explode| FormField { name, style, explode, json: false };
        let body =
            json!({"a": [1, 2], "s": ["x", "y"], "pp": ["x", "y"], "o": {"k": "v", "n": 1}, "d": {"k": {"m": true}}});
        let fields = [
            field("a", FormStyle::Form, false),
            field("s", FormStyle::SpaceDelimited, false),
            field("pp", FormStyle::PipeDelimited, false),
            field("o", FormStyle::Form, false),
            field("d", FormStyle::DeepObject, true),
        ];
        assert_eq!(
            pairs(body, &fields),
            p(&[("a", "1,2"), ("d[k][m]", "true"), ("o", "k,v,n,1"), ("pp", "x|y"), ("s", "x y")])
        );
        let json_field = [FormField { name: "meta", style: FormStyle::Form, explode: true, json: true }];
        assert_eq!(pairs(json!({"meta": {"a": [1]}}), &json_field), p(&[("meta", r#"{"a":[1]}"#)]));
    }

    #[test]
    fn form_text_is_www_form_urlencoded() {
        assert_eq!(form_urlencoded(&p(&[("q", "a b&c=d"), ("é", "/")])), "q=a+b%26c%3Dd&%C3%A9=%2F");
        assert!(form_pairs(&json!([1]), &[]).is_err(), "a form body is an object");
    }

    #[test]
    fn multipart_values_follow_the_openapi_defaults() {
        let mut form = Multipart::new();
        form.add_value("model", "whisper-1", None).unwrap();
        form.add_value("temperature", &0.5, None).unwrap();
        form.add_value("granularities[]", &["word", "segment"], None).unwrap();
        form.add_value("meta", &json!({"a": 1}), None).unwrap();
        form.add_value("none", &Option::<u8>::None, None).unwrap();
        form.add_value("quoted", "x", Some("application/json")).unwrap();
        let texts: Vec<(&str, &str, Option<&str>)> = form
            .parts
            .iter()
            .map(|(n, p)| match p {
                Part::Text { value, content_type } => (n.as_str(), value.as_str(), content_type.as_deref()),
                Part::Upload { .. } => unreachable!(),
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("model", "whisper-1", None),
                ("temperature", "0.5", None),
                ("granularities[]", "word", None),
                ("granularities[]", "segment", None),
                ("meta", r#"{"a":1}"#, Some("application/json")),
                ("quoted", r#""x""#, Some("application/json")),
            ]
        );
    }

    #[test]
    fn upload_content_types_are_guessed_from_the_name_unless_set() {
        assert_eq!(Upload::from_path("a/b/c.mp3").media_type(), "audio/mpeg");
        assert_eq!(Upload::from_path("a/b/c.mp3").name(), Some("c.mp3"));
        assert_eq!(Upload::from_bytes(&b"x"[..]).media_type(), OCTET_STREAM);
        assert_eq!(Upload::from_bytes(&b"x"[..]).file_name("x.unknownext").media_type(), OCTET_STREAM);
        assert_eq!(Upload::from_path("c.mp3").content_type("audio/ogg").media_type(), "audio/ogg");
    }

    #[tokio::test]
    async fn a_stream_upload_is_sent_once_and_is_not_replayable() {
        let upload =
            Upload::from_stream(futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"abc"))]));
        assert!(!upload.is_replayable());
        let again = upload.clone();
        assert!(upload.open(None).await.is_ok());
        let e = again.open(None).await.expect_err("taken");
        assert!(e.to_string().contains("sent already"), "{e}");
        assert!(!Payload::Multipart(Multipart::new().upload("f", again)).is_replayable());
        assert!(Payload::Multipart(Multipart::new().upload("f", Upload::from_bytes(vec![1]))).is_replayable());
    }

    #[tokio::test]
    async fn a_missing_file_is_an_io_error_naming_the_path() {
        let e = Upload::from_path("/nonexistent/dir/audio.wav").open(None).await.expect_err("missing");
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("/nonexistent/dir/audio.wav"), "{e}");
    }

    #[tokio::test]
    async fn progress_counts_every_byte_of_a_bytes_upload() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let upload = Upload::from_bytes(vec![7u8; FILE_CHUNK * 2 + 5])
            .on_progress(move |sent, total| log.lock().unwrap().push((sent, total)));
        let (body, length) = upload.open(None).await.unwrap();
        assert_eq!(length, Some((FILE_CHUNK * 2 + 5) as u64));
        let mut stream = http_body_util_stream(body);
        let mut n = 0;
        while let Some(chunk) = stream.next().await {
            n += chunk.unwrap().len();
        }
        assert_eq!(n, FILE_CHUNK * 2 + 5);
        let total = Some((FILE_CHUNK * 2 + 5) as u64);
        assert_eq!(
            *seen.lock().unwrap(),
            [(FILE_CHUNK as u64, total), (2 * FILE_CHUNK as u64, total), ((2 * FILE_CHUNK + 5) as u64, total)]
        );
    }

    /// The chunks of a `reqwest::Body`, through reqwest's own response type.
    fn http_body_util_stream(body: reqwest::Body) -> impl Stream<Item = Result<Bytes, reqwest::Error>> {
        reqwest::Response::from(http::Response::new(body)).bytes_stream()
    }
}
