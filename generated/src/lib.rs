//! Typed async Rust clients for voice-agent platforms, generated from their OpenAPI specs.
#![doc = include_str!("../../README.md")]

pub mod runtime;

#[cfg(feature = "pipecat-cloud")]
pub mod pipecat_cloud;

#[cfg(feature = "talkifai")]
pub mod talkifai;

#[cfg(feature = "ayra")]
pub mod ayra;
