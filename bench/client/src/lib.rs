//! Nothing here: the benchmark is `benches/client.rs` (`cargo bench -p client-bench`).
