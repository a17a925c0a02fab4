//! Typed async Rust clients for voice-agent platforms, generated from their OpenAPI specs.
#![doc = include_str!("../../README.md")]

pub mod runtime;

// Crates whose types appear in the generated APIs, re-exported so users need not pin them.
pub use bytes;
pub use chrono;
pub use serde_json;
pub use uuid;

#[cfg(feature = "pipecat-cloud")]
pub mod pipecat_cloud;

#[cfg(feature = "talkifai")]
pub mod talkifai;

#[cfg(feature = "ayra")]
pub mod ayra;
