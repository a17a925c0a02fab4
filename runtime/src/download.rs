//! Streamed downloads: the body of a response that is not JSON, read chunk by chunk.

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::{FusedStream, Stream};
use futures_util::StreamExt;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use tokio::io::AsyncWriteExt;

use crate::config::Core;
use crate::contract::decode::decode_text;
use crate::engine::transport;
use crate::error::Error;
use crate::response::RawResponse;

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>;

/// The body of a binary response (an audio file, an archive, a recording), as a
/// [`Stream`](futures_core::Stream) of [`Bytes`](bytes::Bytes) chunks in the order they arrive.
///
/// Nothing is buffered beyond the chunk being handed over, so a 1 GiB download takes the same
/// memory as a 1 KiB one, unless you ask for the whole body with [`bytes`](Self::bytes) or
/// [`text`](Self::text). Rules, the same as for an [`EventStream`](crate::EventStream):
///
/// * **Idle timeout**: when no byte arrives for the client's
///   [`read_idle_timeout`](crate::ClientBuilder::read_idle_timeout)
///   ([`DEFAULT_READ_IDLE_TIMEOUT`](crate::DEFAULT_READ_IDLE_TIMEOUT) by default), the stream
///   yields [`Error::Timeout`] ([`TimeoutKind::ReadIdle`](crate::TimeoutKind::ReadIdle)) and
///   ends. The per-attempt timeout and the overall deadline bound only the wait for the response
///   headers.
/// * **No retries once it has started**: the call is retried by the usual rules until a 2xx
///   response's headers arrive; a connection that drops mid-body yields [`Error::Connection`]
///   once, and the stream ends.
/// * **Dropping** the stream closes the connection.
///
/// ```no_run
/// # async fn run(download: voice_agents_runtime::ByteStream) -> Result<(), voice_agents_runtime::Error> {
/// let written = download.save_to("recording.mp3").await?;
/// println!("{written} bytes");
/// # Ok(()) }
/// ```
pub struct ByteStream {
    inner: futures_util::stream::Fuse<Chunks>,
    content_length: Option<u64>,
    /// Of the response, for the errors of [`text`](Self::text).
    status: StatusCode,
    headers: HeaderMap,
}

impl ByteStream {
    /// The chunks of a 2xx response whose headers have arrived; `attempts` is how many attempts
    /// the call made (reported by errors).
    pub(crate) fn new(core: Core, resp: reqwest::Response, attempts: u32) -> Self {
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_length = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
        let idle = core.config().read_idle_timeout;
        let chunks =
            transport::chunks(resp, idle).map(move |chunk| chunk.map_err(|e| e.into_error(attempts, core.config())));
        let boxed: Chunks = Box::pin(chunks);
        ByteStream { inner: boxed.fuse(), content_length, status, headers }
    }

    /// The response's `Content-Length`, when it sent one.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The response's `Content-Type`, when it sent one.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// Reads the whole body into memory.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let mut first: Option<Bytes> = None;
        let mut joined = BytesMut::new();
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            match first.take() {
                None if joined.is_empty() => first = Some(chunk),
                head => {
                    if let Some(head) = head {
                        joined.extend_from_slice(&head);
                    }
                    joined.extend_from_slice(&chunk);
                }
            }
        }
        Ok(first.unwrap_or_else(|| joined.freeze()))
    }

    /// Reads the whole body into memory as UTF-8 text; text that is not UTF-8 is an
    /// [`Error::Decode`].
    pub async fn text(self) -> Result<String, Error> {
        let (status, headers) = (self.status, self.headers.clone());
        let body = self.bytes().await?;
        decode_text(&RawResponse { status, headers, body })
    }

    /// Writes the body to a new file at `path` (replacing one that exists) as it arrives, and
    /// returns the number of bytes written. On an error the partly written file is removed.
    pub async fn save_to(mut self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let mut file = tokio::fs::File::create(path).await.map_err(|e| Error::io(path, e))?;
        let result = async {
            let mut written = 0u64;
            while let Some(chunk) = self.next().await {
                let chunk = chunk?;
                file.write_all(&chunk).await.map_err(|e| Error::io(path, e))?;
                written += chunk.len() as u64;
            }
            file.flush().await.map_err(|e| Error::io(path, e))?;
            Ok(written)
        }
        .await;
        if result.is_err() {
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
        }
        result
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl FusedStream for ByteStream {
    fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.content_length)
            .field("content_type", &self.content_type())
            .field("ended", &self.inner.is_terminated())
            .finish()
    }
}
